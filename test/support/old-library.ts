// A library as a Lumen of schema 14 left it, before each series kept its own patient details
// (electron/library/series-patients.ts reads them once): its tables made by migration 14, its
// rows copied from a library this Lumen imported. For the tests and `lumen bench series-patients`.
import fs from 'node:fs';
import path from 'node:path';
import { LIBRARY_FILE } from '../../electron/library/paths';
import { TEXT_REDECODED_KEY } from '../../electron/library/redecode';
import { migrate } from '../../electron/library/schema';
import { openDatabase } from '../../electron/library/sqlite';

/**
 * Writes `<dir>/library.sqlite` at schema 14 holding the rows of the library file `from`;
 * `redecoded`: whether that Lumen had re-decoded its text (redecode.ts).
 */
export function copyAsSchema14(from: string, dir: string, redecoded: boolean): void {
  fs.mkdirSync(dir, { recursive: true });
  const db = openDatabase(path.join(dir, LIBRARY_FILE));
  try {
    migrate(db, 14);
    db.exec(`ATTACH DATABASE '${from.replace(/'/g, "''")}' AS src`);
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
}
