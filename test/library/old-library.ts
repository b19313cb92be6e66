// Files of one patient's study whose series give two names, and a library of them as a Lumen
// of schema 14 left it (test/support/old-library.ts). Used by test/library/series-patients.test.ts
// and the e2e test of the app's notice (test/e2e/patient-details-notice.test.ts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { openDatabase } from '../../electron/library/sqlite';
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

/**
 * `dir`: a library as a Lumen of schema 14 left it, whose study of PID-916 holds a series of
 * PID-917 (returned: its file). What the older Lumen had filed under PID-916's study: a file
 * whose Patient ID is another (the library's record of the file made to match it, as if imported so).
 */
export async function twoIdLibrary(folder: string, dir: string): Promise<string> {
  fs.mkdirSync(folder, { recursive: true });
  series(folder, 1, 'Doe^Jane', 2);
  const [otherId] = series(folder, 2, 'Doe^Jane');
  await oldLibrary(folder, dir, true);
  execFileSync('dcmodify', ['-nb', '-m', '(0010,0020)=PID-917', otherId], { stdio: 'pipe' });
  const stat = fs.statSync(otherId);
  const db = openDatabase(path.join(dir, LIBRARY_FILE));
  try {
    if (db.prepare('UPDATE instances SET file_size = ?, mtime_ms = ? WHERE path = ?').run(stat.size, stat.mtimeMs, otherId).changes !== 1) throw new Error(`${otherId} is not in the library`);
  } finally {
    db.close();
  }
  return otherId;
}
