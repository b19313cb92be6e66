import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../common/contract/measurements';
import { Library } from '../../electron/library/library';
import { writeDump2dcm } from '../support/dicom/dump2dcm';
import { tmpDir } from './fixtures';

/**
 * The library `dir` (a new one) holding the images measured below: 1.2.3.4.5 (3 frames) in the
 * series 1.2.3.4, and 1.2.9.9.9 in the series 1.2.9.9. Listed measurements are those on images the
 * series holds (Library.measurements), so each is drawn on a real one.
 */
async function measuredLibrary(dir: string): Promise<void> {
  const src = path.join(dir, 'incoming');
  fs.mkdirSync(src, { recursive: true });
  const image = (sop: string, series: string, frames: number) =>
    writeDump2dcm(path.join(src, `${sop}.dcm`), {
      sopClass: '1.2.840.10008.5.1.4.1.1.7.3',
      sopInstanceUid: sop,
      modality: 'OT',
      rows: 8,
      columns: 8,
      frames,
      lines: ['(0010,0010) PN [MEASURED^ONE]', '(0010,0020) LO [M1]', '(0020,000d) UI [1.2.3]', `(0020,000e) UI [${series}]`],
      pixels: new Uint8Array(8 * 8 * 2 * frames),
    });
  image('1.2.3.4.5', '1.2.3.4', 3);
  image('1.2.9.9.9', '1.2.9.9', 1);
  const lib = Library.open(dir);
  try {
    expect((await lib.importPaths([src])).imported).toBe(2);
  } finally {
    lib.close();
  }
}

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
  it('keeps each on its image and frame, across closing and reopening, and deletes one at a time', async () => {
    const dir = tmpDir('measurements');
    await measuredLibrary(dir);
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

  it('keeps rectangles, ellipses, angles and probes (schema 8) beside lengths', async () => {
    const dir = tmpDir('measurements-kinds');
    await measuredLibrary(dir);
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
