// The imported parametric map of the shown image (issue #16 point 5), as a heatmap for the
// viewer's overlay layer: fetched per image and frame, again after each import.
import { useEffect, useState } from 'react';
import type { CamMap } from '../../../common/contract/models';
import { mapIsUniform, uniformMapNote } from '../../../common/heatmap-cells';
import { lumen } from '../api';

export interface ResultMap {
  /** The map to draw; null for a uniform map (one value everywhere), which is not drawn. */
  map: CamMap | null;
  /** What the corner text says the overlay is (and, for a uniform map, why nothing is drawn). */
  label: string;
}

/**
 * An imported map as the viewer shows it. A map of one value everywhere (a one-cell model's map
 * resampled onto the image, from Lumen before it left those out, or another writer) is not
 * drawn: scaled by its own largest value it would tint the whole image at full strength, which
 * reads as "all of it is abnormal". The corner says it is uniform instead.
 */
export function resultMapOf(m: CamMap & { title: string | null }): ResultMap {
  const label = `parametric map${m.title ? ` (${m.title})` : ''}`;
  return mapIsUniform(m.min, m.max) ? { map: null, label: `${label}: ${uniformMapNote(m.max)}` } : { map: m, label };
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
      (m) => live && setState({ key, value: m ? resultMapOf(m) : null }),
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
