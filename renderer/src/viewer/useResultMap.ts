// The imported parametric map of the shown image (issue #16 point 5), as a heatmap for the
// viewer's overlay layer: fetched per image and frame, again after each import.
import { useEffect, useState } from 'react';
import type { CamMap } from '../../../common/contract/models';
import { lumen } from '../api';

export interface ResultMap {
  map: CamMap;
  /** What the corner text says the overlay is. */
  label: string;
}

export function useResultMap(image: { sopInstanceUid: string; frame: number } | null): ResultMap | null {
  const [state, setState] = useState<{ key: string; value: ResultMap | null } | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => lumen.on('library.changed', () => setGeneration((g) => g + 1)), []);
  const key = image ? `${image.sopInstanceUid}/${image.frame}` : null;
  useEffect(() => {
    if (!key) return;
    const [sopInstanceUid, frame] = key.split('/');
    let live = true;
    lumen.invoke('results.map', { sopInstanceUid, frame: Number(frame) }).then(
      (m) => live && setState({ key, value: m ? { map: m, label: `parametric map${m.title ? ` (${m.title})` : ''}` } : null }),
      // A map that no longer reads is simply not drawn; the image still shows.
      () => live && setState({ key, value: null }),
    );
    return () => {
      live = false;
    };
  }, [key, generation]);
  // Only the shown image's map, never the previous image's while the next one loads.
  return state && state.key === key ? state.value : null;
}
