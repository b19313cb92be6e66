import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { migrate, migrations, SCHEMA_VERSION } from '../../electron/library/schema';
import { APP_VERSION } from '../../common/version';
import { tmpDir } from './fixtures';

function tables(db: Database.Database): string[] {
  return db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((r) => r.name);
}

describe('library schema and migrations', () => {
  it('a new library has every table, WAL, and the newest schema version', () => {
    const dir = tmpDir('schema-new');
    const lib = Library.open(dir);
    expect(lib.schemaVersion()).toBe(SCHEMA_VERSION);
    // Numbers are reserved per change (one may land before a lower one): strictly increasing, the newest last.
    expect(migrations.map((m) => m.version)).toEqual([...new Set(migrations.map((m) => m.version))].sort((a, b) => a - b));
    expect(SCHEMA_VERSION).toBe(migrations.at(-1)!.version);
    lib.close();
    const db = new Database(path.join(dir, LIBRARY_FILE), { readonly: true });
    expect(tables(db)).toEqual(['audit_log', 'datasets', 'dicomdirs', 'import_errors', 'instances', 'labels', 'lumen_info', 'measurements', 'models', 'patients', 'predictions', 'result_documents', 'result_findings', 'result_map_sources', 'series', 'series_attention', 'series_predictions', 'studies',
      // The study search's trigram index (schema 14), the tables FTS5 keeps it in, and the studies whose document is still to write (schema 17).
      'study_search', 'study_search_config', 'study_search_content', 'study_search_data', 'study_search_docsize', 'study_search_idx', 'study_search_pending', 'study_search_rows',
      // The result documents Lumen wrote (schema 34: electron/results/written.ts).
      'written_results']);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('upgrades a version 1 library in place and keeps its data', () => {
    const dir = tmpDir('schema-v1');
    const db = new Database(path.join(dir, LIBRARY_FILE));
    expect(migrate(db, 1)).toBe(0);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(tables(db)).not.toContain('labels');
    db.prepare("INSERT INTO patients (id, patient_key, patient_id, patient_name) VALUES (1, 'P1', 'P1', 'OLD^PATIENT')").run();
    db.prepare("INSERT INTO studies (study_uid, patient_ref, study_date) VALUES ('1.2.3', 1, '20200101')").run();
    db.prepare("INSERT INTO series (series_uid, study_uid, modality) VALUES ('1.2.3.4', '1.2.3', 'MR')").run();
    db.prepare(
      "INSERT INTO instances (sop_uid, series_uid, path, file_size, mtime_ms, frames, imported_at) VALUES ('1.2.3.4.5', '1.2.3.4', '/old/file', 10, 1, 1, '2020-01-01T00:00:00Z')",
    ).run();
    db.close();

    const lib = Library.open(dir);
    expect(lib.schemaVersion()).toBe(SCHEMA_VERSION);
    const tree = lib.listTree();
    expect(tree).toHaveLength(1);
    expect(tree[0]).toMatchObject({ patientName: 'OLD^PATIENT', instances: 1 });
    expect(tree[0].studies[0].series[0]).toMatchObject({ seriesInstanceUid: '1.2.3.4', modality: 'MR', instances: 1 });
    lib.close();

    const after = new Database(path.join(dir, LIBRARY_FILE));
    // The v2 tables work, including their checks.
    after.prepare("INSERT INTO labels (target_kind, target_uid, label, created_at) VALUES ('series', '1.2.3.4', 'normal', 'now')").run();
    expect(() => after.prepare("INSERT INTO labels (target_kind, target_uid, label, created_at) VALUES ('patient', 'x', 'y', 'now')").run()).toThrow(/CHECK/);
    after.close();
  });

  it('a failing migration leaves the previous version intact', () => {
    const dir = tmpDir('schema-fail');
    const db = new Database(path.join(dir, LIBRARY_FILE));
    migrate(db, 1);
    db.exec('CREATE TABLE labels (x)'); // collides with migration 2
    expect(() => migrate(db)).toThrow(/labels already exists/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(tables(db)).not.toContain('datasets');
    db.close();
  });

  it('refuses a library written by a newer Lumen, saying what to do', () => {
    const dir = tmpDir('schema-newer');
    const db = new Database(path.join(dir, LIBRARY_FILE));
    db.pragma('user_version = 99');
    db.close();
    expect(() => Library.open(dir)).toThrow(/newer Lumen \(library schema version 99\).*supports library schema versions up to \d+\. Update Lumen to open it/);
  });

  it('records which Lumen upgraded the schema, and names it when a newer library is refused untouched', () => {
    const dir = tmpDir('schema-newer-named');
    Library.open(dir).close();
    const file = path.join(dir, LIBRARY_FILE);
    const db = new Database(file);
    expect(db.prepare("SELECT value FROM lumen_info WHERE key = 'schema_written_by'").pluck().get()).toBe(APP_VERSION);
    // What a future Lumen would leave: a higher schema version, its own version, a table this one does not know.
    db.pragma('journal_mode = DELETE');
    db.pragma(`user_version = ${SCHEMA_VERSION + 3}`);
    db.prepare("UPDATE lumen_info SET value = '99.1.0' WHERE key = 'schema_written_by'").run();
    db.exec('CREATE TABLE from_the_future (x)');
    db.close();
    const before = fs.readFileSync(file);
    const filesBefore = fs.readdirSync(dir).sort();

    expect(() => Library.open(dir)).toThrow(
      `the library ${file} was made by a newer Lumen (Lumen 99.1.0, library schema version ${SCHEMA_VERSION + 3}); this Lumen ${APP_VERSION} supports library schema versions up to ${SCHEMA_VERSION}. Update Lumen to open it`,
    );
    // Never opened half-way: not migrated, not switched to WAL, not written at all.
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(filesBefore);
    const after = new Database(file, { readonly: true });
    expect(after.pragma('journal_mode', { simple: true })).toBe('delete');
    expect(after.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 3);
    after.close();
  });

  it('says so when library.sqlite is not a database', () => {
    const dir = tmpDir('schema-garbage');
    fs.writeFileSync(path.join(dir, LIBRARY_FILE), 'this is not a database, just text that is long enough to look like a header'.repeat(20));
    expect(() => Library.open(dir)).toThrow(new RegExp(`${LIBRARY_FILE} is not a usable Lumen library .*Move it away`));
  });

  it('says which folder when it cannot create the library', () => {
    const parent = tmpDir('schema-file');
    const blocker = path.join(parent, 'file');
    fs.writeFileSync(blocker, 'x');
    expect(() => Library.open(path.join(blocker, 'library'))).toThrow(/cannot create the library folder .*file\/library.*Choose another data folder \(in the app, Settings → Data folder; in the CLI, --library or LUMEN_DATA_DIR\)/);
  });
});
