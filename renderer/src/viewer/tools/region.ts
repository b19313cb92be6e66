// What the rectangle and ellipse tools share: a drag from one corner of the box to the
// other, the outline drawn in screen space, and the region's reading (area, mean, SD, min,
// max in modality units: common/roi.ts) beside it.
import { measurementText } from '../measurementText';
import type { Point } from '../measurements';
import { label, polyline } from './label';
import { MEASUREMENT_COLOUR, SELECTED_COLOUR } from './length';
import type { DrawContext, DrawnMeasurement, MeasurementTool } from './tool';

/** A box narrower than this (image pixels) either way is a click, not a region. */
const MIN_SIDE = 1;

export function regionTool(kind: 'rectangle' | 'ellipse', opts: { label: string; key: string; icon: string }): MeasurementTool {
  /** The outline on screen: the box's corners, or the ellipse traced through the view's transform. */
  const outline = (a: Point, b: Point, toScreen: (x: number, y: number) => Point, steps: number): Point[] => {
    if (kind === 'rectangle') return [toScreen(a[0], a[1]), toScreen(b[0], a[1]), toScreen(b[0], b[1]), toScreen(a[0], b[1])];
    const cx = (a[0] + b[0]) / 2;
    const cy = (a[1] + b[1]) / 2;
    const rx = Math.abs(b[0] - a[0]) / 2;
    const ry = Math.abs(b[1] - a[1]) / 2;
    return Array.from({ length: steps }, (_, k) => toScreen(cx + rx * Math.cos((k / steps) * Math.PI * 2), cy + ry * Math.sin((k / steps) * Math.PI * 2)));
  };
  const draw = (items: readonly DrawnMeasurement[], dc: DrawContext) => {
    const { ctx, toScreen } = dc;
    for (const m of items) {
      const [a, b] = m.points as [Point, Point];
      // The four corners on screen (the view may be rotated or flipped).
      const corners = [toScreen(a[0], a[1]), toScreen(b[0], a[1]), toScreen(b[0], b[1]), toScreen(a[0], b[1])];
      const colour = m.selected ? SELECTED_COLOUR : MEASUREMENT_COLOUR;
      ctx.strokeStyle = colour;
      ctx.fillStyle = colour;
      ctx.lineWidth = m.selected ? 2.5 : 1.5;
      ctx.beginPath();
      if (kind === 'rectangle') {
        corners.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
        ctx.closePath();
      } else {
        // The ellipse in image space, traced through the view's transform.
        const cx = (a[0] + b[0]) / 2;
        const cy = (a[1] + b[1]) / 2;
        const rx = Math.abs(b[0] - a[0]) / 2;
        const ry = Math.abs(b[1] - a[1]) / 2;
        for (let k = 0; k <= 64; k++) {
          const t = (k / 64) * Math.PI * 2;
          const [x, y] = toScreen(cx + rx * Math.cos(t), cy + ry * Math.sin(t));
          if (k) ctx.lineTo(x, y);
          else ctx.moveTo(x, y);
        }
      }
      ctx.stroke();
      const right = Math.max(...corners.map((c) => c[0]));
      const top = Math.min(...corners.map((c) => c[1]));
      label(dc, measurementText({ kind, points: [a, b] }, dc.frame), right + 8, top + 12, [right, top]);
    }
  };
  return {
    id: kind,
    kind,
    ...opts,
    start(d, ctx) {
      ctx.setDraft(() => ({ kind, image: ctx.shownImage, points: [d.image, d.image] }));
    },
    move(d, ctx) {
      ctx.setDraft((m) => (m ? { ...m, points: [m.points[0], d.image] } : m));
    },
    end(_d, ctx, draft) {
      if (!draft || draft.image !== ctx.shownImage) return;
      const [a, b] = draft.points;
      if (Math.abs(b[0] - a[0]) > MIN_SIDE && Math.abs(b[1] - a[1]) > MIN_SIDE) ctx.addMeasurement(kind, [a, b]);
    },
    draw,
    marks: (points, toScreen) => polyline(outline(points[0], points[1], toScreen, 32), true),
  };
}
