// A measurement's reading written on the image beside it, clear of the readings drawn before it
// and of the measurements' lines (labelPlacement.ts), for every measurement tool.
import { nearestOnBox, placeLabel, type Segment } from '../labelPlacement';
import { LABEL_RIGHT_CLEARANCE, labelLeft, type Point } from '../measurements';
import type { DrawContext } from './tool';

/** Line height of a reading written on more than one line. */
const LINE = 16;

/** A reading's first baseline below its box's top, and its last line's depth below its baseline. */
const ASCENT = 13;
const DESCENT = 4;

/**
 * Writes a reading beside a point, kept inside the viewport and clear of the stack slider at
 * its right edge (as the length's), with a shadow to read on any image. A reading wider than
 * the viewport (a region's area, statistics and padding count) goes on as many lines as it
 * needs, broken between its " · " parts. Where a reading already drawn holds that spot, it goes
 * to a free one near it (labelPlacement.ts), linked by a thin line to `anchor`, the point of the
 * measurement it reads.
 */
export function label(dc: DrawContext, text: string, x: number, y: number, anchor: Point = [x, y]): void {
  const { ctx, size } = dc;
  ctx.font = '13px system-ui, sans-serif';
  const room = size.w - 4 - LABEL_RIGHT_CLEARANCE;
  const lines: string[] = [];
  for (const part of text.split(' · ')) {
    const last = lines.length - 1;
    if (last >= 0 && ctx.measureText(`${lines[last]} · ${part}`).width <= room) lines[last] = `${lines[last]} · ${part}`;
    else lines.push(part);
  }
  const width = Math.max(...lines.map((l) => ctx.measureText(l).width));
  const left = labelLeft(x, width, size.w);
  const baseline = Math.min(size.h - 6 - (lines.length - 1) * LINE, Math.max(16, y));
  const { box, moved } = placeLabel(dc.labels, { left, top: baseline - ASCENT, width, height: ASCENT + (lines.length - 1) * LINE + DESCENT }, anchor[0], size, dc.marks);
  if (moved) {
    const [ex, ey] = nearestOnBox(box, anchor[0], anchor[1]);
    ctx.save();
    ctx.lineWidth = 1;
    ctx.strokeStyle = ctx.fillStyle;
    ctx.setLineDash([3, 2]);
    ctx.beginPath();
    ctx.moveTo(anchor[0], anchor[1]);
    ctx.lineTo(ex, ey);
    ctx.stroke();
    ctx.restore();
  }
  ctx.shadowColor = '#000';
  ctx.shadowBlur = 3;
  lines.forEach((l, i) => ctx.fillText(l, box.left, box.top + ASCENT + i * LINE));
  ctx.shadowBlur = 0;
}

/** The four sides of a square of half-side `r` around (x, y): a point mark (a length's end circle) as lines a reading keeps off. */
export function squareAround(x: number, y: number, r: number): Segment[] {
  return [
    [x - r, y - r, x + r, y - r],
    [x + r, y - r, x + r, y + r],
    [x + r, y + r, x - r, y + r],
    [x - r, y + r, x - r, y - r],
  ];
}

/** A polyline's pieces, from screen points. */
export function polyline(points: readonly Point[], closed = false): Segment[] {
  const out: Segment[] = [];
  for (let i = 1; i < points.length; i++) out.push([points[i - 1][0], points[i - 1][1], points[i][0], points[i][1]]);
  if (closed && points.length > 2) out.push([points[points.length - 1][0], points[points.length - 1][1], points[0][0], points[0][1]]);
  return out;
}
