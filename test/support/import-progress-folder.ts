// The folder both import progress tests import (test/cli/import-progress.test.ts: `lumen
// import`'s line; test/engine/import-progress-words.test.ts: the app's text): a three-frame file
// made by GDCM's gdcmimg and a single-frame one made by dcmtk's img2dcm (4 images in 2 files),
// and a file that is not DICOM.
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { writeDataSet } from '../e2e/external-dicom-data';

/** Writes the files under `root` (made/ by the tools, in/ the folder); returns the folder. */
export function importProgressFolder(root: string): string {
  const folder = path.join(root, 'in');
  const set = writeDataSet(path.join(root, 'made'));
  expect(set.multiframe.frames).toBe(3);
  fs.mkdirSync(folder);
  fs.copyFileSync(set.multiframe.file, path.join(folder, 'multiframe.dcm'));
  fs.copyFileSync(set.photo.file, path.join(folder, 'photo.dcm'));
  fs.writeFileSync(path.join(folder, 'notes.txt'), 'not DICOM');
  return folder;
}
