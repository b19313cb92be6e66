// Lengths drawn over the image, in screen space (constant line width whatever the zoom).
import { lengthText, type Point } from './measurements';

export const LENGTH_COLOUR = '#3fe07f';
export const SELECTED_COLOUR = '#ffd24a';

export interface DrawnLength {
  points: readonly [Point, Point];
  selected: boolean;
}

/** Draws each length with its ends and its reading; `ctx` is in CSS pixels, `size` the viewport's. */
export function drawLengths(
  ctx: CanvasRenderingContext2D,
  lengths: readonly DrawnLength[],
  toScreen: (x: number, y: number) => Point,
  pixelSpacing: [number, number] | null,
  size: { w: number; h: number },
): void {
  for (const m of lengths) {
    const [x1, y1] = toScreen(...m.points[0]);
    const [x2, y2] = toScreen(...m.points[1]);
    const colour = m.selected ? SELECTED_COLOUR : LENGTH_COLOUR;
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = m.selected ? 2.5 : 1.5;
    ctx.beginPath();
    ctx.moveTo(x1, y1);
    ctx.lineTo(x2, y2);
    ctx.stroke();
    for (const [x, y] of [[x1, y1], [x2, y2]]) {
      ctx.beginPath();
      ctx.arc(x, y, m.selected ? 4 : 3, 0, Math.PI * 2);
      ctx.stroke();
    }
    const label = pixelSpacing ? lengthText(m.points, pixelSpacing) : `${lengthText(m.points, null)} (no pixel spacing)`;
    ctx.font = '13px system-ui, sans-serif';
    ctx.shadowColor = '#000';
    ctx.shadowBlur = 3;
    // Beside the line's midpoint, kept inside the viewport.
    const width = ctx.measureText(label).width;
    const lx = Math.min(size.w - width - 28, Math.max(4, (x1 + x2) / 2 + 8));
    const ly = Math.min(size.h - 6, Math.max(16, (y1 + y2) / 2 - 8));
    ctx.fillText(label, lx, ly);
    ctx.shadowBlur = 0;
  }
}
