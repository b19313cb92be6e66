// An older Lumen filed a study by its Study Instance UID alone, so one study could hold the files
// of two Patient IDs (this one refuses such a file at import). Opening such a library, the
// one-time read of each series' patient details (series-patients.ts) lists the file of the other
// Patient ID among the import issues, even where its name, birth date and sex are the same, and
// keeps the series' own Patient ID (schema 20): the study card warns of two, either ID finds the
// study, `lumen ls` names both. A library where that read ran before schema 20 reads it again.
// Files by dcmtk (dump2dcm, dcmodify); the library as a Lumen of schema 14 left it.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { patientConflicts } from '../../common/patient-conflicts';
import { formatTree } from '../../electron/cli/ls';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { migrate } from '../../electron/library/schema';
import { OTHER_PATIENT_ID_REASON, SERIES_PATIENTS_KEY } from '../../electron/library/series-patients';
import { tmpDir } from './fixtures';
import { STUDY, twoIdLibrary } from './old-library';

/** Each series' own Patient ID as the library holds it (schema 20). */
function seriesIds(dir: string): unknown {
  const db = new Database(path.join(dir, LIBRARY_FILE), { readonly: true });
  try {
    return db.prepare('SELECT series_uid, patient_id FROM series ORDER BY series_uid').all();
  } finally {
    db.close();
  }
}

describe('a library from before schema 15 whose study holds two Patient IDs', () => {
  const work = tmpDir('series-patients-id');
  const folder = path.join(work, 'in');
  const dir = path.join(work, 'library');
  let otherId: string;
  beforeAll(async () => {
    otherId = await twoIdLibrary(folder, dir);
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

  it("keeps the series' own Patient ID: the study warns of two, either finds it, lumen ls names both", () => {
    expect(seriesIds(dir)).toEqual([
      { series_uid: `${STUDY}.1`, patient_id: 'PID-916' },
      { series_uid: `${STUDY}.2`, patient_id: 'PID-917' },
    ]);
    // Opened again: the search documents are written (the index, not only the pending list, finds it).
    const library = Library.open(dir);
    try {
      const [patient] = library.listTree();
      const [study] = patient.studies;
      expect(study.series.map((se) => se.patientId)).toEqual([null, 'PID-917']);
      // What the study card warns of (StudyList.tsx: patientConflicts over the page's study).
      expect(patientConflicts(study, study.series)).toEqual([{ field: 'patientId', values: ['PID-916', 'PID-917'] }]);
      const listed = formatTree([patient]);
      expect(listed).toContain("⚠ 2 patient IDs in this study in its series' files: PID-916 / PID-917");
      expect(listed).toMatch(new RegExp(`${STUDY.replace(/\./g, '\\.')}\\.2 +files say: ID PID-917`));
      const db = new Database(path.join(dir, LIBRARY_FILE), { readonly: true });
      expect(db.prepare('SELECT count(*) FROM study_search_pending').pluck().get()).toBe(0);
      db.close();
      for (const search of ['PID-917', 'pid-916', '917']) {
        expect(library.listStudies({ search }).map((st) => st.studyInstanceUid), search).toEqual([STUDY]);
        expect(library.studyPage({ search }).studies.map((st) => st.studyInstanceUid), search).toEqual([STUDY]);
      }
      expect(library.listStudies({ search: 'PID-918' })).toEqual([]);
    } finally {
      library.close();
    }
  });
});

describe("a library whose one-time read ran before schema 20", () => {
  const work = tmpDir('series-patients-id-19');
  /** The library at schema 19 as that read left it: the file listed, its Patient ID not kept. */
  async function readBefore20(name: string, listed: boolean): Promise<string> {
    const dir = path.join(work, name, 'library');
    const otherId = await twoIdLibrary(path.join(work, name, 'in'), dir);
    const db = new Database(path.join(dir, LIBRARY_FILE));
    try {
      migrate(db, 19);
      db.prepare('INSERT INTO lumen_info (key, value) VALUES (?, ?)').run(SERIES_PATIENTS_KEY, '0.1.0');
      if (listed) db.prepare("INSERT INTO import_errors (path, reason, at, kind) VALUES (?, ?, '2026-12-06T02:00:00.000Z', 'conflict')").run(otherId, OTHER_PATIENT_ID_REASON);
    } finally {
      db.close();
    }
    return dir;
  }
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it('reads the series once more where it had listed a file of another Patient ID, and only there', async () => {
    const listed = await readBefore20('listed', true);
    const quiet = await readBefore20('quiet', false);
    for (const dir of [listed, quiet]) Library.open(dir).close();
    expect(seriesIds(listed)).toEqual([
      { series_uid: `${STUDY}.1`, patient_id: 'PID-916' },
      { series_uid: `${STUDY}.2`, patient_id: 'PID-917' },
    ]);
    // Nothing listed, nothing read again: every series has the ID of the patient it is filed under.
    expect(seriesIds(quiet)).toEqual([
      { series_uid: `${STUDY}.1`, patient_id: 'PID-916' },
      { series_uid: `${STUDY}.2`, patient_id: 'PID-916' },
    ]);
  }, 120_000);
});
