// Region statistics, angles and probes (common/roi.ts) against numbers computed here
// another way: every pixel of a CT phantom tested one by one against the shape's inequality.
import { describe, expect, it } from 'vitest';
import { Measurement } from '../../common/contract/measurements';
import { angleDegrees, probeValue, regionStats } from '../../common/roi';
import { ctSlice } from '../support/dicom/phantom';

const ROWS = 64;
const COLUMNS = 80;
const hu = Array.from(ctSlice(ROWS, COLUMNS, 5, 15)).map((v) => v - 1024);
const frame = { rows: ROWS, columns: COLUMNS, values: hu };

/** The pixels whose centres lie in the shape, by brute force over the whole image. */
function inside(test: (x: number, y: number) => boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < ROWS * COLUMNS; i++) if (test((i % COLUMNS) + 0.5, Math.floor(i / COLUMNS) + 0.5)) out.push(hu[i]);
  return out;
}

function stats(v: number[]) {
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return { n: v.length, mean, sd: Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length), min: Math.min(...v), max: Math.max(...v) };
}

describe('regionStats', () => {
  it('rectangle: the pixels whose centres lie inside, area from the pixel spacing', () => {
    const s = regionStats('rectangle', [30.2, 11.7], [12.4, 40.1], frame, [0.7, 0.5])!;
    const ref = stats(inside((x, y) => x >= 12.4 && x <= 30.2 && y >= 11.7 && y <= 40.1));
    expect(s.pixels).toBe(ref.n);
    expect(s.mean).toBeCloseTo(ref.mean, 6);
    expect(s.sd).toBeCloseTo(ref.sd, 6);
    expect([s.min, s.max]).toEqual([ref.min, ref.max]);
    expect(s.area).toBeCloseTo((30.2 - 12.4) * (40.1 - 11.7) * 0.7 * 0.5, 9);
    expect(s.areaUnit).toBe('mm²');
  });

  it('ellipse: centres inside (x-cx)²/rx² + (y-cy)²/ry² <= 1, area π rx ry', () => {
    const s = regionStats('ellipse', [20, 10], [60, 50], frame, null)!;
    const ref = stats(inside((x, y) => ((x - 40) / 20) ** 2 + ((y - 30) / 20) ** 2 <= 1));
    expect(s.pixels).toBe(ref.n);
    expect(s.mean).toBeCloseTo(ref.mean, 6);
    expect(s.sd).toBeCloseTo(ref.sd, 6);
    expect([s.min, s.max]).toEqual([ref.min, ref.max]);
    expect(s.area).toBeCloseTo(Math.PI * 20 * 20, 9);
    expect(s.areaUnit).toBe('px²');
  });

  it('a region off the image or between pixel centres holds nothing', () => {
    expect(regionStats('rectangle', [-20, -20], [-5, -5], frame, null)).toBeNull();
    expect(regionStats('ellipse', [3.6, 3.6], [3.9, 3.9], frame, null)).toBeNull();
  });
});

describe('angles and probes', () => {
  it('angle at the vertex, in mm space where pixels are not square', () => {
    expect(angleDegrees([10, 0], [0, 0], [0, 10], null)).toBeCloseTo(90, 9);
    expect(angleDegrees([10, 0], [0, 0], [10, 10], null)).toBeCloseTo(45, 9);
    // 10 columns of 0.5 mm and 10 rows of 1 mm: atan(10/5).
    expect(angleDegrees([10, 0], [0, 0], [10, 10], [1, 0.5])).toBeCloseTo((Math.atan2(10, 5) * 180) / Math.PI, 9);
    expect(angleDegrees([0, 0], [0, 0], [1, 1], null)).toBe(0);
  });

  it('probe reads the pixel the point falls in', () => {
    expect(probeValue([17.9, 23.2], frame)).toBe(hu[23 * COLUMNS + 17]);
    expect(probeValue([-0.1, 3], frame)).toBeNull();
    expect(probeValue([COLUMNS, 3], frame)).toBeNull();
  });
});

describe('the contract', () => {
  const base = { id: 'abcdefgh-1', seriesInstanceUid: '1.2.3', sopInstanceUid: '1.2.3.4', frame: 0, createdAt: '2026-12-05T00:00:00Z' };
  it('takes each kind with its number of points, and refuses other counts', () => {
    expect(Measurement.safeParse({ ...base, kind: 'angle', points: [[0, 0], [1, 1], [2, 0]] }).success).toBe(true);
    expect(Measurement.safeParse({ ...base, kind: 'probe', points: [[3, 4]] }).success).toBe(true);
    expect(Measurement.safeParse({ ...base, kind: 'ellipse', points: [[0, 0], [5, 5]] }).success).toBe(true);
    expect(Measurement.safeParse({ ...base, kind: 'angle', points: [[0, 0], [1, 1]] }).success).toBe(false);
    expect(Measurement.safeParse({ ...base, kind: 'probe', points: [[0, 0], [1, 1]] }).success).toBe(false);
    expect(Measurement.safeParse({ ...base, kind: 'polygon', points: [[0, 0], [1, 1]] }).success).toBe(false);
  });
});
