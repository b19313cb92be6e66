// How many images a wheel event scrolls (renderer/src/viewer/wheel.ts): a mouse's notch is one
// image whatever size the browser gives it, a trackpad's small deltas add up to a notch, and the
// first event after a pause or a turn moves one image at once.
import { describe, expect, it } from 'vitest';
import { NOTCH_PX, PAUSE_MS, newWheelState, wheelSteps } from '../../renderer/src/viewer/wheel';

/** The steps of each event, in order, from a new state; events 10 ms apart unless `at` is given. */
function steps(events: { deltaY: number; deltaMode?: number; at?: number }[]): number[] {
  const s = newWheelState();
  return events.map((e, i) => wheelSteps(s, { deltaY: e.deltaY, deltaMode: e.deltaMode ?? 0, timeStamp: e.at ?? i * 10 }));
}

describe('wheelSteps', () => {
  it('counts a notch as one image in every browser\'s units', () => {
    expect(steps(Array.from({ length: 5 }, () => ({ deltaY: 100 })))).toEqual([1, 1, 1, 1, 1]); // Chromium
    expect(steps(Array.from({ length: 5 }, () => ({ deltaY: 120 })))).toEqual([1, 1, 1, 1, 1]); // Chromium, Windows
    expect(steps(Array.from({ length: 5 }, () => ({ deltaY: -3, deltaMode: 1 })))).toEqual([-1, -1, -1, -1, -1]); // Firefox lines
    expect(steps(Array.from({ length: 3 }, () => ({ deltaY: 1, deltaMode: 2 })))).toEqual([1, 1, 1]); // pages
  });

  it('adds a trackpad\'s small deltas up to a notch, after moving one image at once', () => {
    const got = steps(Array.from({ length: 21 }, () => ({ deltaY: 4 })));
    expect(got[0]).toBe(1);
    expect(got.reduce((a, b) => a + b, 0)).toBe(1 + Math.floor((20 * 4) / NOTCH_PX));
  });

  it('starts again after a pause or a turn', () => {
    expect(steps([{ deltaY: 4, at: 0 }, { deltaY: 4, at: 10 }, { deltaY: 4, at: 10 + PAUSE_MS + 1 }])).toEqual([1, 0, 1]);
    expect(steps([{ deltaY: 4 }, { deltaY: 4 }, { deltaY: -4 }, { deltaY: -4 }])).toEqual([1, 0, -1, 0]);
  });

  it('ignores a delta that is no number or zero', () => {
    expect(steps([{ deltaY: 0 }, { deltaY: Number.NaN }, { deltaY: Infinity }, { deltaY: 100 }])).toEqual([0, 0, 0, 1]);
  });
});
