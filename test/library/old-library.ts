// A library as a Lumen of schema 14 left it (before each series kept its own patient details):
// its tables made by migration 14, its rows copied from a library this Lumen imported. Used by
// test/library/series-patients.test.ts and the e2e test of the app's notice.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { TEXT_REDECODED_KEY } from '../../electron/library/redecode';
import { migrate } from '../../electron/library/schema';
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
  fs.mkdirSync(dir, { recursive: true });
  const db = new Database(path.join(dir, LIBRARY_FILE));
  try {
    migrate(db, 14);
    db.exec(`ATTACH DATABASE '${path.join(fresh, LIBRARY_FILE).replace(/'/g, "''")}' AS src`);
    db.transaction(() => {
      for (const table of ['patients', 'studies', 'series', 'instances']) {
        // The columns of schema 14 only (series has no patient details there).
        const columns = db
          .prepare<[], { name: string }>(`PRAGMA main.table_info(${table})`)
          .all()
          .map((c) => c.name)
          .filter((c) => c !== 'modality_list') // kept by schema 14's triggers
          .join(', ');
        db.exec(`INSERT INTO main.${table} (${columns}) SELECT ${columns} FROM src.${table}`);
      }
      if (redecoded) db.prepare('INSERT INTO lumen_info (key, value) VALUES (?, ?)').run(TEXT_REDECODED_KEY, '0.1.0');
    })();
    db.exec('DETACH DATABASE src');
  } finally {
    db.close();
  }
  fs.rmSync(path.dirname(fresh), { recursive: true, force: true });
}

