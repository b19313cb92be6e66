// Missing frames of one Enhanced CT file (task I, session 21: frameGaps in
// electron/library/slice-gaps.ts): the library holds one position per file, so the frames'
// Plane Positions (Per-frame Functional Groups) are read from the file's header. Enhanced CT
// written by dump2dcm, imported into a real library (SQLite). Failed before: frameGaps did not
// exist, and library.series told no gap for a multi-frame image.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { frameGaps } from '../../electron/library/slice-gaps';
import { dumpItem as item, dumpSequence as seq, writeDump2dcm } from '../support/dicom/dump2dcm';
import { tempFolderForTests } from '../support/temp-folder';

const ROOT = '1.2.826.0.1.3680043.10.2021.921';
const AXIAL = '(0020,0037) DS [1\\0\\0\\0\\1\\0]';

/** An Enhanced CT of one frame per height in `zs`; `orientations` gives a frame its own plane. */
function writeEnhanced(dir: string, work: string, n: number, zs: readonly number[], orientations: Record<number, string> = {}): string {
  const rows = 8;
  const columns = 8;
  const perFrame = seq(
    '5200,9230',
    zs.map((z, f) =>
      item([
        ...seq('0020,9113', [item([`(0020,0032) DS [-100\\-100\\${z}]`])]),
        ...(orientations[f] ? seq('0020,9116', [item([orientations[f]])]) : []),
      ]),
    ),
  );
  const shared = seq('5200,9229', [item([...seq('0020,9116', [item([AXIAL])]), ...seq('0028,9110', [item(['(0028,0030) DS [0.7\\0.7]', '(0018,0050) DS [5]'])])])]);
  return writeDump2dcm(path.join(dir, `enhanced-${n}.dcm`), {
    sopClass: 'EnhancedCTImageStorage',
    sopInstanceUid: `${ROOT}.${n}.1`,
    modality: 'CT',
    rows,
    columns,
    frames: zs.length,
    pixels: new Uint8Array(rows * columns * 2 * zs.length),
    lines: [`(0020,000d) UI [${ROOT}]`, `(0020,000e) UI [${ROOT}.${n}]`, '(0010,0010) PN [FRAME^FREYA]', '(0010,0020) LO [GAP21]', ...shared, ...perFrame],
  }, work);
}

const t = tempFolderForTests('slice-gaps-frames-i21', (dir) => {
  const src = path.join(dir, 'src');
  const work = path.join(dir, 'work');
  fs.mkdirSync(src, { recursive: true });
  fs.mkdirSync(work, { recursive: true });
  return {
    src,
    gapped: writeEnhanced(src, work, 1, [0, 5, 10, 20, 25, 30]),
    even: writeEnhanced(src, work, 2, [0, 5, 10, 15, 20, 25]),
    // A localiser frame (coronal) first, then axial frames with the 15 mm one missing.
    scout: writeEnhanced(src, work, 3, [0, 0, 5, 10, 20, 25], { 0: '(0020,0037) DS [1\\0\\0\\0\\0\\-1]' }),
  };
});

let lib: Library;
beforeAll(async () => {
  lib = Library.open(path.join(t.dir, 'data'));
  const report = await lib.importPaths([t.src]);
  expect(report.errors).toEqual([]);
}, 120_000);
afterAll(() => lib?.close());

const fileOf = (n: number) => {
  const [instance] = lib.listInstances(`${ROOT}.${n}`);
  expect(instance.frames).toBeGreaterThan(1);
  return instance.path;
};

describe('frames missing from one multi-frame file', () => {
  it('are found by the frames’ own Plane Positions, by frame index', async () => {
    expect(await frameGaps(fileOf(1))).toEqual([{ afterIndex: 2, from: 10, to: 20, missing: 1 }]);
    expect(await frameGaps(fileOf(3))).toEqual([{ afterIndex: 3, from: 10, to: 20, missing: 1 }]);
  });

  it('are not told for evenly spaced frames, nor for a file that cannot be read', async () => {
    expect(await frameGaps(fileOf(2))).toEqual([]);
    expect(await frameGaps(path.join(t.dir, 'no-such-file.dcm'))).toEqual([]);
  });
});
