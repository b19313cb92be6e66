// Length: a drag draws a line between two image points; kept in the library, drawn in screen
// space (constant line width whatever the zoom) with its reading beside it, in mm, or in pixels
// where the image has no pixel spacing (so the button names no unit).
import { lengthOnFrame } from '../measurementText';
import { label, polyline, squareAround } from './label';
import type { DrawContext, DrawnMeasurement, MeasurementTool } from './tool';

export const MEASUREMENT_COLOUR = '#3fe07f';
export const SELECTED_COLOUR = '#ffd24a';

/** A drag shorter than this (image pixels) is a click, not a length. */
const MIN_LENGTH = 1;

/** Draws each length with its ends and its reading. */
function drawLengths(lengths: readonly DrawnMeasurement[], dc: DrawContext): void {
  const { ctx, toScreen, frame } = dc;
  for (const m of lengths) {
    const [x1, y1] = toScreen(...m.points[0]);
    const [x2, y2] = toScreen(...m.points[1]);
    const colour = m.selected ? SELECTED_COLOUR : MEASUREMENT_COLOUR;
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
    // Beside the line's midpoint, kept inside the viewport and clear of the readings drawn before it.
    const mx = (x1 + x2) / 2;
    const my = (y1 + y2) / 2;
    label(dc, lengthOnFrame(m.points, frame), mx + 8, my - 8, [mx, my]);
  }
}

export const lengthTool: MeasurementTool = {
  id: 'length',
  kind: 'length',
  label: 'Length',
  key: 'L',
  icon: '↔',
  start(d, ctx) {
    ctx.setDraft(() => ({ kind: 'length', image: ctx.shownImage, points: [d.image, d.image] }));
  },
  move(d, ctx) {
    ctx.setDraft((m) => (m ? { ...m, points: [m.points[0], d.image] } : m));
  },
  end(_d, ctx, draft) {
    if (!draft || draft.image !== ctx.shownImage) return;
    const [a, b] = draft.points;
    if (Math.hypot(b[0] - a[0], b[1] - a[1]) > MIN_LENGTH) ctx.addMeasurement('length', [a, b]);
  },
  draw: drawLengths,
  marks(points, toScreen) {
    const [a, b] = [toScreen(...points[0]), toScreen(...points[1])];
    return [...polyline([a, b]), ...squareAround(a[0], a[1], 4), ...squareAround(b[0], b[1], 4)];
  },
};
