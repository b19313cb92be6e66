import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../common/contract/measurements';
import { Library } from '../../electron/library/library';
import { tmpDir } from './fixtures';

const length = (id: string, sop: string, frame: number, createdAt: string): Measurement => ({
  id,
  seriesInstanceUid: '1.2.3.4',
  sopInstanceUid: sop,
  frame,
  kind: 'length',
  points: [
    [10.5, 20],
    [40, 60.25],
  ],
  createdAt,
});

describe('measurements in the library', () => {
  it('keeps each on its image and frame, across closing and reopening, and deletes one at a time', () => {
    const dir = tmpDir('measurements');
    let lib = Library.open(dir);
    const first = length('m-0000001', '1.2.3.4.5', 0, '2026-01-01T10:00:00.000Z');
    const second = length('m-0000002', '1.2.3.4.5', 2, '2026-01-01T10:00:01.000Z');
    const other = { ...length('m-0000003', '1.2.9.9.9', 0, '2026-01-01T10:00:02.000Z'), seriesInstanceUid: '1.2.9.9' };
    expect(lib.saveMeasurement(second)).toEqual(second);
    lib.saveMeasurement(first);
    lib.saveMeasurement(other);
    // Saving the same id again (redo after undo of a delete that never reached the library) changes nothing.
    lib.saveMeasurement({ ...first, points: [[0, 0], [1, 1]] });
    lib.close();

    lib = Library.open(dir);
    expect(lib.measurements('1.2.3.4')).toEqual([first, second]);
    expect(lib.measurements('1.2.9.9')).toEqual([other]);
    expect(lib.deleteMeasurement(first.id)).toBe(true);
    expect(lib.deleteMeasurement(first.id)).toBe(false);
    expect(lib.measurements('1.2.3.4')).toEqual([second]);
    // Undo of the delete brings back the same measurement, in its place in the order.
    lib.saveMeasurement(first);
    expect(lib.measurements('1.2.3.4').map((m) => m.id)).toEqual([first.id, second.id]);
    lib.close();
  });

  it('keeps rectangles, ellipses, angles and probes (schema 8) beside lengths', () => {
    const dir = tmpDir('measurements-kinds');
    let lib = Library.open(dir);
    const kept = length('m-0000010', '1.2.3.4.5', 0, '2026-01-01T10:00:00.000Z');
    lib.saveMeasurement(kept);
    const more: Measurement[] = [
      { ...kept, id: 'm-0000011', kind: 'rectangle', points: [[1, 2], [30, 40]], createdAt: '2026-01-01T10:00:01.000Z' },
      { ...kept, id: 'm-0000012', kind: 'ellipse', points: [[5, 5], [25.5, 15]], createdAt: '2026-01-01T10:00:02.000Z' },
      { ...kept, id: 'm-0000013', kind: 'angle', points: [[0, 0], [10, 10], [20, 0]], createdAt: '2026-01-01T10:00:03.000Z' },
      { ...kept, id: 'm-0000014', kind: 'probe', points: [[7.5, 8.5]], createdAt: '2026-01-01T10:00:04.000Z' },
    ];
    for (const m of more) lib.saveMeasurement(m);
    lib.close();
    lib = Library.open(dir);
    expect(lib.measurements('1.2.3.4')).toEqual([kept, ...more]);
    lib.close();
  });
});
