// The viewer's measurement list after an import changes the series (task H, session 18): files
// written by dcmtk's dump2dcm, measured through the Library, then one file replaced in place by an
// image of another SOP Instance UID and a multi-frame file read again with one frame. Before the
// fix Library.measurements listed the measurements on the image that left the series and on the
// frame the file no longer has.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Measurement } from '../../common/contract/measurements';
import { Library } from '../../electron/library/library';
import { writeDump2dcm } from '../support/dicom/dump2dcm';
import { tmpDir, writeSlice } from './fixtures';

const STUDY = '1.2.826.0.1.3680043.10.543.1818.1';
const SERIES = `${STUDY}.1`;
const P = { patientName: 'MEASURE^H', patientId: 'H18', studyUid: STUDY, seriesUid: SERIES };

/** A 3-frame (or `frames`-frame) CT-like image of the series, 16 x 16. */
function writeFrames(file: string, sop: string, frames: number): void {
  writeDump2dcm(file, {
    sopClass: '1.2.840.10008.5.1.4.1.1.7.3',
    sopInstanceUid: sop,
    modality: 'OT',
    rows: 16,
    columns: 16,
    frames,
    lines: [`(0010,0010) PN [${P.patientName}]`, `(0010,0020) LO [${P.patientId}]`, `(0020,000d) UI [${STUDY}]`, `(0020,000e) UI [${SERIES}]`, '(0020,0013) IS [9]'],
    pixels: new Uint8Array(16 * 16 * 2 * frames).map((_, i) => i % 251),
  });
}

const length = (id: string, sop: string, frame: number, second: number): Measurement => ({
  id,
  seriesInstanceUid: SERIES,
  sopInstanceUid: sop,
  frame,
  kind: 'length',
  points: [
    [1, 2],
    [10, 12],
  ],
  createdAt: `2026-12-07T10:00:0${second}.000Z`,
});

describe('measurements listed after an import changes the series', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('lists only those on images and frames the series still holds', async () => {
    const dir = tmpDir('measurements-h18');
    dirs.push(dir);
    const src = path.join(dir, 'incoming');
    fs.mkdirSync(src);
    writeSlice(path.join(src, '1.dcm'), { ...P, sopUid: `${SERIES}.1`, instanceNumber: 1 });
    writeSlice(path.join(src, '2.dcm'), { ...P, sopUid: `${SERIES}.2`, instanceNumber: 2, z: 1 });
    writeFrames(path.join(src, 'multi.dcm'), `${SERIES}.3`, 3);
    const lib = Library.open(path.join(dir, 'library'));
    try {
      expect((await lib.importPaths([src])).imported).toBe(3);
      const kept = length('h18-0000001', `${SERIES}.1`, 0, 1);
      const onReplaced = length('h18-0000002', `${SERIES}.2`, 0, 2);
      const onFirstFrame = length('h18-0000003', `${SERIES}.3`, 0, 3);
      const onThirdFrame = length('h18-0000004', `${SERIES}.3`, 2, 4);
      for (const m of [kept, onReplaced, onFirstFrame, onThirdFrame]) lib.saveMeasurement(m);
      expect(lib.measurements(SERIES)).toEqual([kept, onReplaced, onFirstFrame, onThirdFrame]);

      // 2.dcm now holds another image (another SOP Instance UID); multi.dcm one frame only.
      writeSlice(path.join(src, '2.dcm'), { ...P, sopUid: `${SERIES}.22`, instanceNumber: 2, z: 1 });
      writeFrames(path.join(src, 'multi.dcm'), `${SERIES}.3`, 1);
      const later = new Date(Date.now() + 5000);
      for (const f of ['2.dcm', 'multi.dcm']) fs.utimesSync(path.join(src, f), later, later);
      expect((await lib.importPaths([src])).changed).toBe(2);
      expect(lib.listInstances(SERIES).map((i) => [i.sopInstanceUid, i.frames])).toEqual([
        [`${SERIES}.1`, 1],
        [`${SERIES}.22`, 1],
        [`${SERIES}.3`, 1],
      ]);
      expect(lib.measurements(SERIES)).toEqual([kept, onFirstFrame]);

      // A file gone from disk leaves its image in the series (marked missing): its measurement stays listed.
      fs.rmSync(path.join(src, '1.dcm'));
      expect((await lib.importPaths([src])).missing).toBe(1);
      expect(lib.measurements(SERIES)).toEqual([kept, onFirstFrame]);

      // The image back as it was: its measurements are listed again (they were kept).
      writeSlice(path.join(src, '2.dcm'), { ...P, sopUid: `${SERIES}.2`, instanceNumber: 2, z: 1 });
      const latest = new Date(Date.now() + 10_000);
      fs.utimesSync(path.join(src, '2.dcm'), latest, latest);
      await lib.importPaths([src]);
      expect(lib.measurements(SERIES)).toEqual([kept, onReplaced, onFirstFrame]);
    } finally {
      lib.close();
    }
  });
});
