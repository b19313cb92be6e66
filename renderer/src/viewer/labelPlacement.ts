// Where a measurement's reading goes on the image so that it is not drawn over one already
// placed (finding F4: a probe's "42 HU" under a length's "26.9 mm"). Each label wants its spot
// beside its measurement; where that spot overlaps a label placed before it, the spots around it
// are tried in order (below, above, then the other side of the anchor, further out each round),
// as Cornerstone places its text boxes, and the first free one is taken; the label is then
// linked to its anchor by a thin line (tools/region.ts label). Where none is free it stays where
// it wanted to be. The selected measurement's label comes first whatever the drawing order: its
// spot is reserved before the others are placed (reserveLabels, usePaint.ts), so it stays at its
// anchor and the others move away from it. A reading also keeps off the lines the measurements
// draw (their marks: a length's line and end circles, a probe's cross, a region's outline, an
// angle's arms, its own included) where a spot near it is clear of both; where none is, keeping
// clear of the other readings comes first. Which measurement a click picks is decided by the
// lines and points alone (measurements.ts pick), never by where a label went. No DOM types:
// tests run it under Node.
import { labelLeft } from './measurements';

/** A label's box in viewport CSS pixels. */
export interface LabelBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A straight piece of what a measurement draws, in viewport CSS pixels: x1, y1, x2, y2. */
export type Segment = readonly [number, number, number, number];

/** Boxes kept for labels not drawn yet (reserveLabels). */
const reserved = new WeakSet<LabelBox>();

/**
 * Turns the boxes placed so far into reservations: each stays in the way of every other label,
 * and the first label that wants exactly that box later takes it as if it were free.
 */
export function reserveLabels(placed: readonly LabelBox[]): void {
  for (const b of placed) reserved.add(b);
}

const sameBox = (a: LabelBox, b: LabelBox) => a.left === b.left && a.top === b.top && a.width === b.width && a.height === b.height;

/** Gap kept between two labels. */
const GAP = 3;
/** Rounds of spots tried around the wanted one. */
const ROUNDS = 6;

const overlaps = (a: LabelBox, b: LabelBox) =>
  a.left < b.left + b.width + GAP && b.left < a.left + a.width + GAP && a.top < b.top + b.height + GAP && b.top < a.top + a.height + GAP;

/** Whether a segment passes through the box grown by `pad` on every side (Liang-Barsky clipping). */
export function crosses(seg: Segment, box: LabelBox, pad = 2): boolean {
  const [x1, y1, x2, y2] = seg;
  const dx = x2 - x1;
  const dy = y2 - y1;
  let t0 = 0;
  let t1 = 1;
  const edges: [number, number][] = [
    [-dx, x1 - (box.left - pad)],
    [dx, box.left + box.width + pad - x1],
    [-dy, y1 - (box.top - pad)],
    [dy, box.top + box.height + pad - y1],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const r = q / p;
    if (p < 0) t0 = Math.max(t0, r);
    else t1 = Math.min(t1, r);
    if (t0 > t1) return false;
  }
  return true;
}

/** The box inside the viewport (clear of the stack slider), as the wanted spot is kept. */
function inside(box: LabelBox, size: { w: number; h: number }): LabelBox {
  return { ...box, left: labelLeft(box.left, box.width, size.w), top: Math.max(2, Math.min(size.h - box.height - 2, box.top)) };
}

/**
 * Places `want` among the boxes `placed` (which it joins): the box it gets and whether that is
 * away from where it wanted to be. `anchorX` is the point the label belongs to (a label moved to
 * the other side of it ends that far left of it). `marks`: the measurements' lines, which it
 * keeps off where a spot near it is clear of them and of the other labels.
 */
export function placeLabel(placed: LabelBox[], want: LabelBox, anchorX: number, size: { w: number; h: number }, marks: readonly Segment[] = []): { box: LabelBox; moved: boolean } {
  const first = inside(want, size);
  // Its own reservation: taken once, where it was kept.
  const mine = placed.find((p) => reserved.has(p) && sameBox(p, first));
  if (mine) {
    reserved.delete(mine);
    return { box: mine, moved: false };
  }
  const free = (b: LabelBox) => !placed.some((p) => overlaps(p, b));
  const clear = (b: LabelBox) => free(b) && !marks.some((m) => crosses(m, b));
  let box = first;
  if (!clear(first)) {
    const step = want.height + GAP;
    const otherSide = anchorX - (want.left - anchorX) - want.width;
    const candidates: LabelBox[] = [];
    for (let k = 1; k <= ROUNDS; k++) {
      candidates.push({ ...want, top: want.top + k * step }, { ...want, top: want.top - k * step });
      candidates.push({ ...want, left: otherSide, top: want.top + (k - 1) * step }, { ...want, left: otherSide, top: want.top - k * step });
    }
    const inView = candidates.map((c) => inside(c, size));
    box = inView.find(clear) ?? (free(first) ? first : inView.find(free)) ?? first;
  }
  placed.push(box);
  return { box, moved: box.left !== first.left || box.top !== first.top };
}

/** The point of `box` nearest to (x, y), where a link line from the anchor ends. */
export function nearestOnBox(box: LabelBox, x: number, y: number): [number, number] {
  return [Math.max(box.left, Math.min(box.left + box.width, x)), Math.max(box.top, Math.min(box.top + box.height, y))];
}
