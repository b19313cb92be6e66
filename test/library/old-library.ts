// Files of one patient's study whose series give two names, and a library of them as a Lumen
// of schema 14 left it (test/support/old-library.ts). Used by test/library/series-patients.test.ts
// and the e2e test of the app's notice.
import fs from 'node:fs';
import path from 'node:path';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { copyAsSchema14 } from '../support/old-library';
import { tmpDir, writeSlice } from './fixtures';

export const ROOT = '1.2.826.0.1.3680043.10.916';
export const STUDY = `${ROOT}.1`;

/** One series of `files` images of patient PID-916's study. */
export function series(folder: string, n: number, name: string, files = 1, extra: { extraLines?: string[]; byteStrings?: boolean } = {}): string[] {
  return Array.from({ length: files }, (_, i) => {
    const file = path.join(folder, `s${n}-${i + 1}.dcm`);
    writeSlice(file, { patientName: name, patientId: 'PID-916', studyUid: STUDY, seriesUid: `${STUDY}.${n}`, sopUid: `${STUDY}.${n}.${i + 1}`, seriesNumber: n, instanceNumber: i + 1, ...extra });
    return file;
  });
}

/**
 * The library `dir` as a Lumen of schema 14 left it, holding what this Lumen imports from
 * `folder`; `redecoded`: whether that Lumen had re-decoded its text (redecode.ts).
 */
export async function oldLibrary(folder: string, dir: string, redecoded: boolean): Promise<void> {
  const fresh = path.join(tmpDir('series-patients-fresh'), 'library');
  const lib = Library.open(fresh);
  await lib.importPaths([folder]);
  lib.close();
  copyAsSchema14(path.join(fresh, LIBRARY_FILE), dir, redecoded);
  fs.rmSync(path.dirname(fresh), { recursive: true, force: true });
}

