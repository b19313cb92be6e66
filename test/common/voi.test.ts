// The one VOI/window function (common/voi.ts), checked against PS3.3 C.11.2.1.2 as the
// standard writes it, at the edges. test/renderer/window.test.ts checks that the engine's
// pixel pipeline and the viewer both give its grays.
import { describe, expect, it } from 'vitest';
import { applyVoi, fullRangeWindow, voiLut, VOI_FUNCTION_NAMES } from '../../common/voi';

const Y_MIN = 0;
const Y_MAX = 255;

/** C.11.2.1.2.1, word for word (y rounded to the nearest gray). */
function standardLinear(x: number, c: number, w: number): number {
  if (x <= c - 0.5 - (w - 1) / 2) return Y_MIN;
  if (x > c - 0.5 + (w - 1) / 2) return Y_MAX;
  return Math.round(((x - (c - 0.5)) / (w - 1) + 0.5) * (Y_MAX - Y_MIN) + Y_MIN);
}

/** C.11.2.1.3.2, LINEAR_EXACT. */
function standardExact(x: number, c: number, w: number): number {
  if (x <= c - w / 2) return Y_MIN;
  if (x > c + w / 2) return Y_MAX;
  return Math.round(((x - c) / w + 0.5) * (Y_MAX - Y_MIN) + Y_MIN);
}

/** Integers and half-steps around every threshold of the window, and the range's ends. */
function around(c: number, w: number, lo: number, hi: number): number[] {
  const edges = [c - 0.5 - (w - 1) / 2, c - 0.5 + (w - 1) / 2, c - w / 2, c + w / 2, c, c - 0.5, lo, hi];
  const xs = new Set<number>();
  for (const e of edges) for (let d = -3; d <= 3; d += 0.25) xs.add(e + d);
  return [...xs].sort((a, b) => a - b);
}

// Windows at the edges: width 1 (a threshold), width 2, the centre at either end of the
// value range (12-bit unsigned 0..4095, CT -1024..3071), and wide windows.
const WINDOWS: { c: number; w: number; lo: number; hi: number }[] = [
  { c: 10, w: 1, lo: 0, hi: 4095 },
  { c: 0, w: 1, lo: 0, hi: 4095 },
  { c: 4095, w: 1, lo: 0, hi: 4095 },
  { c: 0, w: 2, lo: 0, hi: 4095 },
  { c: 4095, w: 2, lo: 0, hi: 4095 },
  { c: -1024, w: 1, lo: -1024, hi: 3071 },
  { c: 3071, w: 1, lo: -1024, hi: 3071 },
  { c: -1024, w: 400, lo: -1024, hi: 3071 },
  { c: 3071, w: 400, lo: -1024, hi: 3071 },
  { c: 40, w: 400, lo: -1024, hi: 3071 },
  { c: 2048, w: 4096, lo: 0, hi: 4095 },
];

describe('the VOI window (common/voi.ts)', () => {
  it('LINEAR follows PS3.3 C.11.2.1.2.1 at its edges: width 1, centre at either end of the range', () => {
    for (const { c, w, lo, hi } of WINDOWS) {
      const xs = around(c, w, lo, hi);
      const lut = voiLut(c, w, 'LINEAR');
      for (const x of xs) expect(lut(x), `x=${x} c=${c} w=${w}`).toBe(standardLinear(x, c, w));
      const inverted = voiLut(c, w, 'LINEAR', true);
      for (const x of xs) expect(inverted(x), `inverted x=${x} c=${c} w=${w}`).toBe(Y_MAX - standardLinear(x, c, w));
    }
  });

  it('width 1 is a threshold between c - 0.5 and the next value', () => {
    const lut = voiLut(10, 1);
    expect([9, 9.5, 9.5001, 10, 11].map(lut)).toEqual([0, 0, 255, 255, 255]);
    // A width below 1 is taken as 1, never a division by zero.
    expect([9.5, 9.6].map(voiLut(10, 0))).toEqual([0, 255]);
  });

  it('LINEAR_EXACT follows C.11.2.1.3.2, including widths below 1', () => {
    for (const { c, w, lo, hi } of [...WINDOWS, { c: 1, w: 0.5, lo: 0, hi: 2 }, { c: 0.002, w: 0.001, lo: 0, hi: 0.01 }]) {
      const lut = voiLut(c, w, 'LINEAR_EXACT');
      for (const x of around(c, w, lo, hi)) expect(lut(x), `x=${x} c=${c} w=${w}`).toBe(standardExact(x, c, w));
    }
  });

  it('applyVoi writes every value, with a stride for RGBA', () => {
    const values = Float32Array.from([-1000, 0, 39.5, 3000]);
    const grays = values.reduce<number[]>((a, x) => [...a, standardLinear(x, 40, 400)], []);
    expect(Array.from(applyVoi(values, { center: 40, width: 400 }))).toEqual(grays);
    const rgba = applyVoi(values, { center: 40, width: 400 }, new Uint8ClampedArray(16), 4, 1);
    expect(Array.from(rgba).filter((_, i) => i % 4 === 1)).toEqual(grays);
    expect(Array.from(rgba).filter((_, i) => i % 4 !== 1)).toEqual(new Array(12).fill(0));
  });

  it('the full-range window covers lo..hi', () => {
    expect(fullRangeWindow(-1024, 3071)).toEqual({ center: 1024, width: 4096 });
    expect(fullRangeWindow(20, 50, 'LINEAR_EXACT')).toEqual({ center: 35, width: 30 });
    expect(fullRangeWindow(5, 5, 'LINEAR_EXACT')).toEqual({ center: 5.5, width: 1 });
    expect(VOI_FUNCTION_NAMES).toEqual(['LINEAR', 'LINEAR_EXACT', 'SIGMOID']);
  });

  it('SIGMOID follows PS3.3 C.11.2.1.3.1: half gray at the centre, 255/(1+e^-4) a half width above', () => {
    const lut = voiLut(100, 50, 'SIGMOID');
    expect(lut(100)).toBe(128);
    expect(lut(125)).toBe(Math.round(255 / (1 + Math.exp(-2))));
    expect(lut(150)).toBe(Math.round(255 / (1 + Math.exp(-4))));
    expect(lut(-1e6)).toBe(0);
    expect(lut(1e6)).toBe(255);
  });
});
