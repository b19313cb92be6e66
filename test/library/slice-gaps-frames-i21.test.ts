// Missing frames of one Enhanced CT file (task I, session 21: frameGaps in
// electron/library/slice-gaps.ts): the library holds one position per file, so the frames'
// Plane Positions (Per-frame Functional Groups) are read from the file's header. Enhanced CT
// written by dump2dcm, imported into a real library (SQLite). Failed before: frameGaps did not
// exist, and library.series told no gap for a multi-frame image.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { frameGaps } from '../../electron/library/slice-gaps';
import { ENHANCED_ROOT as ROOT, enhancedFolders, writeEnhanced } from '../support/enhanced-ct';
import { importedGapLibrary } from '../support/slice-gaps-e20';
import { tempFolderForTests } from '../support/temp-folder';

const t = tempFolderForTests('slice-gaps-frames-i21', (dir) => {
  const { src, work } = enhancedFolders(dir);
  return {
    src,
    gapped: writeEnhanced(src, work, 1, [0, 5, 10, 20, 25, 30]),
    even: writeEnhanced(src, work, 2, [0, 5, 10, 15, 20, 25]),
    // A localiser frame (coronal) first, then axial frames with the 15 mm one missing.
    scout: writeEnhanced(src, work, 3, [0, 0, 5, 10, 20, 25], { 0: '(0020,0037) DS [1\\0\\0\\0\\0\\-1]' }),
  };
});

const lib = importedGapLibrary(() => t);

const fileOf = (n: number) => {
  const [instance] = lib().listInstances(`${ROOT}.${n}`);
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
