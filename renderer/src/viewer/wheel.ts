// How many images one wheel event scrolls the stack. Browsers give a mouse's notch in different
// sizes (Chromium 100 or 120 px, Firefox 3 lines or about 50 px), so an event counts for at most
// one notch; a trackpad sends many small deltas, which add up to a notch (NOTCH_PX of travel)
// before the image moves. The first event after a pause, or one turning the other way, moves one
// image at once: a slow notch of a mouse that reports a few pixels still moves. No DOM types, so
// tests run it under Node; usePointer.ts applies the steps to the index React holds (a functional
// update: events that come before the next render all count).

/** The travel, in CSS pixels, that one image takes. */
export const NOTCH_PX = 40;
/** A gap (ms) after which a wheel event starts a new gesture. */
export const PAUSE_MS = 200;
const LINE_PX = 40;
const PAGE_PX = 800;

/** What a wheel gesture has added up so far; one per viewport. */
export interface WheelState {
  /** Travel not yet turned into an image, signed. */
  sum: number;
  /** The gesture's direction (-1, 1), 0 before any. */
  direction: number;
  /** The last event's time stamp (ms). */
  at: number;
}

export const newWheelState = (): WheelState => ({ sum: 0, direction: 0, at: -Infinity });

/** The images (signed) this event scrolls; updates `state`. */
export function wheelSteps(state: WheelState, e: { deltaY: number; deltaMode: number; timeStamp: number }): number {
  const px = e.deltaY * (e.deltaMode === 1 ? LINE_PX : e.deltaMode === 2 ? PAGE_PX : 1);
  if (!Number.isFinite(px) || px === 0) return 0;
  const direction = Math.sign(px);
  const fresh = direction !== state.direction || !(e.timeStamp - state.at <= PAUSE_MS);
  state.at = e.timeStamp;
  if (fresh) {
    state.direction = direction;
    state.sum = 0;
    return direction;
  }
  state.sum += direction * Math.min(Math.abs(px), NOTCH_PX);
  const steps = Math.trunc(state.sum / NOTCH_PX);
  state.sum -= steps * NOTCH_PX;
  return steps === 0 ? 0 : steps;
}
