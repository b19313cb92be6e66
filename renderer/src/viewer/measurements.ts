// The length tool's logic, apart from React and the canvas (what a length reads is
// common/roi.ts lengthReading): which length a click picks, and the undo/redo history of
// adding and deleting lengths.
import type { Measurement } from '../../../common/contract/measurements';

export type Point = [number, number];

/** Screen pixels at the viewport's right edge that a reading keeps clear of: the stack slider (theme.css .stack-slider, right 4 px + 16 px wide) and a margin. */
export const LABEL_RIGHT_CLEARANCE = 28;

/** Where a reading `width` pixels wide starts when it would start at `x`: inside the viewport and clear of the slider; at the left edge when nothing fits. */
export function labelLeft(x: number, width: number, viewportWidth: number): number {
  return Math.max(4, Math.min(viewportWidth - width - LABEL_RIGHT_CLEARANCE, x));
}

/** The image a measurement belongs to: its SOP instance and frame. */
export function onImage(m: Pick<Measurement, 'sopInstanceUid' | 'frame'>, image: { sopInstanceUid: string; frame: number } | undefined): boolean {
  return !!image && m.sopInstanceUid === image.sopInstanceUid && m.frame === image.frame;
}

/** Distance from p to the segment a–b (all in screen pixels). */
export function distanceToSegment(p: Point, a: Point, b: Point): number {
  const [dx, dy] = [b[0] - a[0], b[1] - a[1]];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2));
  return Math.hypot(p[0] - (a[0] + t * dx), p[1] - (a[1] + t * dy));
}

/** Distance from p (screen pixels) to what is drawn of a measurement: its line, outline, arms or mark. */
function distanceTo(m: Pick<Measurement, 'kind' | 'points'>, toScreen: (x: number, y: number) => Point, p: Point): number {
  const s = m.points.map((q) => toScreen(q[0], q[1]));
  switch (m.kind) {
    case 'probe':
      return Math.hypot(p[0] - s[0][0], p[1] - s[0][1]);
    case 'angle':
      return Math.min(distanceToSegment(p, s[0], s[1]), distanceToSegment(p, s[1], s[2]));
    case 'rectangle':
    case 'ellipse': {
      // The box's outline (an ellipse is picked on its box, which it touches at four points).
      const [a, b] = m.points;
      const c = [toScreen(a[0], a[1]), toScreen(b[0], a[1]), toScreen(b[0], b[1]), toScreen(a[0], b[1])];
      return Math.min(...c.map((q, i) => distanceToSegment(p, q, c[(i + 1) % 4])));
    }
    default:
      return distanceToSegment(p, s[0], s[1]);
  }
}

/** How near (screen pixels) a click must fall to a line to pick it. */
export const PICK_DISTANCE = 6;

/**
 * The measurement a click at `p` (screen pixels) picks: the nearest line within
 * PICK_DISTANCE, the newest when two are as near; null when none is.
 */
export function pick(items: readonly Measurement[], toScreen: (x: number, y: number) => Point, p: Point): string | null {
  let best: { id: string; d: number } | null = null;
  for (const m of items) {
    const d = distanceTo(m, toScreen, p);
    if (d <= PICK_DISTANCE && (!best || d <= best.d)) best = { id: m.id, d };
  }
  return best?.id ?? null;
}

/** One step the user can undo: a length drawn or deleted. */
export interface Edit {
  op: 'add' | 'delete';
  measurement: Measurement;
}

export interface History {
  undo: Edit[];
  redo: Edit[];
}

export const emptyHistory: History = { undo: [], redo: [] };

/** What applying an edit does to the list; the inverse edit undoes it. */
export function apply(list: readonly Measurement[], edit: Edit): Measurement[] {
  const rest = list.filter((m) => m.id !== edit.measurement.id);
  if (edit.op === 'delete') return rest;
  return [...rest, edit.measurement].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

export function inverse(edit: Edit): Edit {
  return { op: edit.op === 'add' ? 'delete' : 'add', measurement: edit.measurement };
}

/** A new edit: undoable, and what was undone can no longer be redone. */
export function record(h: History, edit: Edit): History {
  return { undo: [...h.undo, edit], redo: [] };
}

/** The edit that undoes the last one (null when there is nothing to undo), and the history after. */
export function undo(h: History): { edit: Edit; history: History } | null {
  const last = h.undo[h.undo.length - 1];
  if (!last) return null;
  return { edit: inverse(last), history: { undo: h.undo.slice(0, -1), redo: [...h.redo, last] } };
}

/** The edit that redoes the last undone one, and the history after. */
export function redo(h: History): { edit: Edit; history: History } | null {
  const last = h.redo[h.redo.length - 1];
  if (!last) return null;
  return { edit: last, history: { undo: [...h.undo, last], redo: h.redo.slice(0, -1) } };
}
