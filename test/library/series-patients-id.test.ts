// An older Lumen filed a study by its Study Instance UID alone, so one study could hold the files
// of two Patient IDs (this one refuses such a file at import). Opening such a library, the
// one-time read of each series' patient details (series-patients.ts) lists the file of the other
// Patient ID among the import issues, even where its name, birth date and sex are the same.
// Files by dcmtk (dump2dcm, dcmodify); the library as a Lumen of schema 14 left it.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { OTHER_PATIENT_ID_REASON } from '../../electron/library/series-patients';
import { tmpDir } from './fixtures';
import { oldLibrary, series, STUDY } from './old-library';

describe('a library from before schema 15 whose study holds two Patient IDs', () => {
  const work = tmpDir('series-patients-id');
  const folder = path.join(work, 'in');
  const dir = path.join(work, 'library');
  let otherId: string;
  beforeAll(async () => {
    fs.mkdirSync(folder);
    series(folder, 1, 'Doe^Jane', 2);
    [otherId] = series(folder, 2, 'Doe^Jane');
    await oldLibrary(folder, dir, true);
    // What the older Lumen had filed under PID-916's study: a file whose Patient ID is another
    // (the library's record of the file made to match it, as if imported so).
    execFileSync('dcmodify', ['-nb', '-m', '(0010,0020)=PID-917', otherId], { stdio: 'pipe' });
    const stat = fs.statSync(otherId);
    const db = new Database(path.join(dir, LIBRARY_FILE));
    try {
      expect(db.prepare('UPDATE instances SET file_size = ?, mtime_ms = ? WHERE path = ?').run(stat.size, stat.mtimeMs, otherId).changes).toBe(1);
    } finally {
      db.close();
    }
  }, 120_000);
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('lists the file of the other Patient ID among the import issues, and nothing for the rest', async () => {
    const logged: string[] = [];
    const library = Library.open(dir, { log: (line) => logged.push(line) });
    try {
      expect(library.seriesPatientsDue()).toBe(false);
    } finally {
      library.close();
    }
    const db = new Database(path.join(dir, LIBRARY_FILE), { readonly: true });
    try {
      expect(db.prepare('SELECT path, kind, reason FROM import_errors ORDER BY path').all()).toEqual([{ path: otherId, kind: 'conflict', reason: OTHER_PATIENT_ID_REASON }]);
      // Same name, birth date and sex: the series keeps its patient's (nothing of its own).
      expect(db.prepare('SELECT series_uid, patient_name, birth_date, sex FROM series ORDER BY series_uid').all()).toEqual([
        { series_uid: `${STUDY}.1`, patient_name: null, birth_date: null, sex: null },
        { series_uid: `${STUDY}.2`, patient_name: null, birth_date: null, sex: null },
      ]);
    } finally {
      db.close();
    }
    expect(logged.join('\n')).toContain(otherId);
    for (const line of logged) expect(line).not.toMatch(/Doe|Jane|PID-91/);
  });
});
