// Angle: a first drag draws one arm (its end, then the vertex), a second drag the other arm
// from the vertex; the angle between them reads in degrees (in mm space: common/roi.ts).
import { measurementText } from '../measurementText';
import type { Point } from '../measurements';
import { MEASUREMENT_COLOUR, SELECTED_COLOUR } from './length';
import { label, polyline } from './label';
import type { DrawContext, DrawnMeasurement, MeasurementTool } from './tool';

/** An arm shorter than this (image pixels) is a click, not an arm. */
const MIN_ARM = 1;

const armLength = (a: Point, b: Point) => Math.hypot(b[0] - a[0], b[1] - a[1]);

function drawAngles(items: readonly DrawnMeasurement[], dc: DrawContext): void {
  const { ctx, toScreen } = dc;
  for (const m of items) {
    const screen = m.points.map((p) => toScreen(p[0], p[1]));
    const colour = m.selected ? SELECTED_COLOUR : MEASUREMENT_COLOUR;
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = m.selected ? 2.5 : 1.5;
    ctx.beginPath();
    screen.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.stroke();
    if (m.points.length === 3) {
      const [vx, vy] = screen[1];
      label(dc, measurementText({ kind: 'angle', points: m.points }, dc.frame), vx + 10, vy - 10, [vx, vy]);
    }
  }
}

export const angleTool: MeasurementTool = {
  id: 'angle',
  kind: 'angle',
  label: 'Angle (two drags: one arm, then the other from the vertex)',
  key: 'N',
  icon: '∠',
  start(d, ctx) {
    ctx.setDraft((m) =>
      // The second drag starts the second arm at the vertex of the first.
      m && m.kind === 'angle' && m.image === ctx.shownImage && m.points.length === 2
        ? { ...m, points: [m.points[0], m.points[1], d.image] }
        : { kind: 'angle', image: ctx.shownImage, points: [d.image, d.image] },
    );
  },
  move(d, ctx) {
    ctx.setDraft((m) => (m ? { ...m, points: [...m.points.slice(0, -1), d.image] } : m));
  },
  end(_d, ctx, draft) {
    if (!draft || draft.image !== ctx.shownImage || draft.points.length !== 3) return;
    const [a, v, b] = draft.points;
    if (armLength(v, b) > MIN_ARM) ctx.addMeasurement('angle', [a, v, b]);
  },
  keepDraft(draft) {
    return !!draft && draft.kind === 'angle' && draft.points.length === 2 && armLength(draft.points[0], draft.points[1]) > MIN_ARM;
  },
  draw: drawAngles,
  marks: (points, toScreen) => polyline(points.map((p) => toScreen(p[0], p[1]))),
};
