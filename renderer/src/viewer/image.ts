// Turning the engine's frames into pixels on a canvas: Modality LUT once per
// frame (Float32 values), then the VOI window (window.ts) into 8-bit RGBA on every W/L change;
// and the heatmap's colours.
import { typedView } from '../../../common/binary-message';
import type { CamMap } from '../../../common/contract/models';

// The frame's values (loadFrame) live in frameValues.ts, without DOM types, so Node tests run them.
export { loadFrame, type LoadedFrame } from './frameValues';

export type Colormap = 'jet' | 'hot';

/** 0..1 to RGB. jet: blue, cyan, green, yellow, red (hottest is pure red). hot: black, red, yellow, white. */
export function colormap(name: Colormap, t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t));
  if (name === 'hot') return [Math.min(255, x * 3 * 255), Math.min(255, Math.max(0, x * 3 - 1) * 255), Math.min(255, Math.max(0, x * 3 - 2) * 255)];
  const seg = (a: number, b: number) => Math.min(1, Math.max(0, (x - a) / (b - a)));
  // 0: blue, .25: cyan, .5: green, .75: yellow, 1: red
  const red = x < 0.5 ? 0 : seg(0.5, 0.75);
  const green = x < 0.25 ? seg(0, 0.25) : x < 0.75 ? 1 : 1 - seg(0.75, 1);
  const blue = x < 0.25 ? 1 : 1 - seg(0.25, 0.5);
  return [Math.round(red * 255), Math.round(green * 255), Math.round(blue * 255)];
}

/**
 * The CAM as an RGBA image of its own grid (drawn stretched over the image, so
 * it stays aligned under every transform). Positive evidence only (as Grad-CAM's
 * ReLU), scaled by the largest value over the images predicted together, so a
 * slice without evidence stays clear; the alpha grows with the value.
 */
export function camImage(cam: CamMap, map: Colormap, opacity: number): ImageData {
  const values = typedView(Float32Array, cam.values);
  const img = new ImageData(cam.columns, cam.rows);
  const top = cam.reference > 0 ? cam.reference : 1;
  for (let i = 0; i < values.length; i++) {
    const t = Math.max(0, values[i]) / top;
    const [r, g, b] = colormap(map, t);
    img.data[i * 4] = r;
    img.data[i * 4 + 1] = g;
    img.data[i * 4 + 2] = b;
    img.data[i * 4 + 3] = Math.round(255 * opacity * Math.min(1, 1.5 * t));
  }
  return img;
}
