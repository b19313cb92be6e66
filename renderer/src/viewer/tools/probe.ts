// Probe: a click keeps the value of the pixel under it (modality units, HU for CT) on the image.
import { measurementText } from '../measurementText';
import { MEASUREMENT_COLOUR, SELECTED_COLOUR } from './length';
import { label, polyline } from './label';
import type { DrawContext, DrawnMeasurement, MeasurementTool } from './tool';

function drawProbes(items: readonly DrawnMeasurement[], dc: DrawContext): void {
  const { ctx, toScreen } = dc;
  for (const m of items) {
    const [x, y] = toScreen(m.points[0][0], m.points[0][1]);
    const colour = m.selected ? SELECTED_COLOUR : MEASUREMENT_COLOUR;
    ctx.strokeStyle = colour;
    ctx.fillStyle = colour;
    ctx.lineWidth = m.selected ? 2.5 : 1.5;
    ctx.beginPath();
    ctx.moveTo(x - 6, y);
    ctx.lineTo(x + 6, y);
    ctx.moveTo(x, y - 6);
    ctx.lineTo(x, y + 6);
    ctx.stroke();
    label(dc, measurementText({ kind: 'probe', points: m.points }, dc.frame), x + 8, y - 8, [x, y]);
  }
}

export const probeTool: MeasurementTool = {
  id: 'probe',
  kind: 'probe',
  label: 'Probe (pixel value)',
  key: 'V',
  icon: '⊕',
  start(d, ctx) {
    ctx.setDraft(() => ({ kind: 'probe', image: ctx.shownImage, points: [d.image] }));
  },
  move(d, ctx) {
    ctx.setDraft((m) => (m ? { ...m, points: [d.image] } : m));
  },
  end(_d, ctx, draft) {
    if (draft && draft.image === ctx.shownImage) ctx.addMeasurement('probe', draft.points);
  },
  draw: drawProbes,
  marks(points, toScreen) {
    const [x, y] = toScreen(points[0][0], points[0][1]);
    return [...polyline([[x - 6, y], [x + 6, y]]), ...polyline([[x, y - 6], [x, y + 6]])];
  },
};
