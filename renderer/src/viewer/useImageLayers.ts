// The image's layers, each in its own canvas at the image's own size: the windowed pixels
// (redrawn only when the pixels or the window change) and the heatmap on its grid.
import { useEffect, useRef } from 'react';
import type { CamMap } from '../../../common/contract/models';
import { camImage, type Colormap, type LoadedFrame } from './image';
import { windowInto } from './window';
import type { ViewState } from './transform';

/** The heatmap over the image and how it is shown. */
export interface Overlay {
  cam: CamMap | null;
  visible: boolean;
  opacity: number;
  colormap: Colormap;
  label: string | null;
  /** Said in the corner, while `visible`, when there is no map to draw (`cam` null): why none is (a uniform imported map). */
  note?: string | null;
}

export interface ImageLayers {
  image: HTMLCanvasElement | null;
  /** Whose pixels `image` holds ("series/sop/frame"), so another image's are never drawn. */
  imageOf: string;
  cam: HTMLCanvasElement | null;
}

export function useImageLayers(opts: { seriesKey: string; frame: LoadedFrame | null; view: ViewState | null; overlay: Overlay; /** The preset shown: a VOI LUT table's shows the table. */ preset?: string }) {
  const { seriesKey, frame, view, preset } = opts;
  const { cam, colormap, opacity } = opts.overlay;
  const layers = useRef<ImageLayers>({ image: null, imageOf: '', cam: null });

  const drawnKey = useRef('');
  // The frame drawn: the same image read again (its file changed in place and an import read it)
  // comes as another frame under the same key, and its new pixels are drawn.
  const drawnFrame = useRef<LoadedFrame | null>(null);
  const imageData = useRef<ImageData | null>(null);
  useEffect(() => {
    if (!frame || !view) return;
    const key = `${seriesKey}/${frame.frame.sopInstanceUid}/${frame.frame.frame}/${view.center}/${view.width}/${view.invert}/${preset}`;
    if (drawnKey.current === key && drawnFrame.current === frame) return;
    drawnKey.current = key;
    drawnFrame.current = frame;
    layers.current.imageOf = `${seriesKey}/${frame.frame.sopInstanceUid}/${frame.frame.frame}`;
    const { rows, columns } = frame.frame;
    const c = (layers.current.image ??= document.createElement('canvas'));
    if (c.width !== columns) c.width = columns;
    if (c.height !== rows) c.height = rows;
    const ctx = c.getContext('2d')!;
    // One ImageData per size, reused slice after slice (windowInto writes every pixel of it).
    const img = imageData.current?.width === columns && imageData.current.height === rows ? imageData.current : (imageData.current = ctx.createImageData(columns, rows));
    windowInto(img, frame, view.center, view.width, view.invert, preset);
    ctx.putImageData(img, 0, 0);
  }, [frame, view, seriesKey, preset]);

  // The heatmap's own small canvas (its grid), stretched over the image when drawn.
  const camKey = useRef('');
  useEffect(() => {
    if (!cam) return void (camKey.current = '');
    const key = `${cam.values.length}/${cam.values.slice(0, 64)}/${cam.classIndex}/${cam.reference}/${colormap}/${opacity}`;
    if (camKey.current === key) return;
    camKey.current = key;
    const c = (layers.current.cam ??= document.createElement('canvas'));
    c.width = cam.columns;
    c.height = cam.rows;
    c.getContext('2d')!.putImageData(camImage(cam, colormap, opacity), 0, 0);
  }, [cam, colormap, opacity]);

  return layers;
}
