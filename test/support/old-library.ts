// A library as a Lumen of schema 14 left it, before each series kept its own patient details
// (electron/library/series-patients.ts reads them once): its tables made by migration 14, its
// rows copied from a library this Lumen imported. For the tests and `lumen bench series-patients`.
import fs from 'node:fs';
import path from 'node:path';
import { LIBRARY_FILE } from '../../electron/library/paths';
import { TEXT_REDECODED_KEY } from '../../electron/library/redecode';
import { migrate, SCHEMA_VERSION } from '../../electron/library/schema';
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

/**
 * Undoes, in `db`, what the migrations after 28 changed in the tables, newest first, so that a
 * test that set `user_version` back to 26, 27 or 28 (having undone 27 and 28 its own way, with
 * the data it needs) opens a library those migrations run on again. A migration with no undo
 * here fails the test by name: add its undo when you add the migration.
 */
export function undoMigrationsAfter28(db: ReturnType<typeof openDatabase>): void {
  const undo: Record<number, string | (() => string)> = {
    // The record of the result documents Lumen wrote (written_results).
    34: 'DROP TABLE written_results',
    // The study search triggers as 17 and 20 made them (33 made them again: search-index.ts noteOnce).
    33: () => searchTriggersAt(32).map((t) => `DROP TRIGGER ${t.name};\n${t.sql};`).join('\n'),
    // result_documents.patient_key; 32 also set result_documents.file_size to NULL (as 31).
    32: 'ALTER TABLE result_documents DROP COLUMN patient_key',
    // result_findings.score_concept; 31 also set result_documents.file_size to NULL, which a
    // fresh import never leaves set before it (nothing to put back).
    31: 'ALTER TABLE result_findings DROP COLUMN score_concept',
    // 30 only noted every study for the search.
    30: '',
    // labels.frame, and the index without it.
    29: 'DROP INDEX labels_by_target; ALTER TABLE labels DROP COLUMN frame; CREATE INDEX labels_by_target ON labels(target_kind, target_uid)',
  };
  for (let v = SCHEMA_VERSION; v > 28; v--) {
    if (!(v in undo)) throw new Error(`test/support/old-library.ts undoMigrationsAfter28 has no undo of migration ${v}: add it`);
    const sql = undo[v];
    if (sql) db.exec(typeof sql === 'function' ? sql() : sql);
  }
}

/** The study search triggers (search-index.ts) of `db`, by name. */
export function searchTriggers(db: ReturnType<typeof openDatabase>): { name: string; sql: string }[] {
  return db.prepare<[], { name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'study_search_%' ORDER BY name").all();
}

/** The study search triggers of an empty library that the migrations up to `version` made. */
export function searchTriggersAt(version: number): { name: string; sql: string }[] {
  const db = openDatabase(':memory:');
  try {
    migrate(db, version);
    return searchTriggers(db);
  } finally {
    db.close();
  }
}
