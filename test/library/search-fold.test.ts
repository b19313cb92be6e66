// The study search as people type names (F6, schema 30): without the accents of Latin letters,
// with any apostrophe or none, and a person's name given name first. What a search found before
// it still finds (test/library/search-index.test.ts compares every search with the old scan);
// letters of other scripts keep their marks (kana's voicing marks, Greek tonos, Cyrillic й), and
// a library made at schema 29 has its documents written again when it opens.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { migrate } from '../../electron/library/schema';
import { searchFold, searchIndexQuery } from '../../electron/library/search-index';
import { tmpDir, writeSlice } from './fixtures';

/** Patient's Name, Study Description, series description. */
const ROWS: [string, string, string][] = [
  ["O'Brien^Siobhán", 'KNEE LEFT', 'T1 SAG'],
  ['Tanaka^Hiroshi', 'CHEST', 'PA'],
  ['Dvořák^Zoë^Anna', 'Crâne sans injection', 'Ax'],
  ['D’Angelo^Renée', 'Épaule', 'Cor'],
  ['山田^太郎=やまだ^たろう', 'がっこう', 'かっこう'],
  ['김^민준', '흉부 촬영', 'CT'],
  ['ΟΔΥΣΣΕΑΣ^Σοφία', 'ΘΏΡΑΚΑΣ', 'ΟΠΙΣΘΙΑ'],
  ['Йодов^Пётр', 'ЙОД', 'Иод'],
  ['Łukasiewicz^Søren', 'Straße', 'Æsir'],
];

/** A library at schema 29 (before this fold) holding ROWS, written straight into SQLite. */
function libraryAt29(dir: string): void {
  const db = new Database(path.join(dir, LIBRARY_FILE));
  migrate(db, 29);
  ROWS.forEach(([name, description, series], i) => {
    db.prepare('INSERT INTO patients (id, patient_key, patient_id, patient_name) VALUES (?, ?, ?, ?)').run(i + 1, `P${i}`, `ID${i}`, name);
    db.prepare('INSERT INTO studies (study_uid, patient_ref, study_date, description) VALUES (?, ?, ?, ?)').run(`1.2.3.${i}`, i + 1, '20240101', description);
    db.prepare('INSERT INTO series (series_uid, study_uid, modality, description, patient_name) VALUES (?, ?, ?, ?, ?)').run(`1.2.3.${i}.1`, `1.2.3.${i}`, 'MR', series, name);
  });
  // Documents written as schema 29 wrote them (the texts as they are, no folded forms), so that
  // only migration 30 can bring the folded forms into the index.
  db.exec(`INSERT INTO study_search_rows (study_uid) SELECT study_uid FROM studies;
    INSERT INTO study_search (rowid, doc) SELECT k.id, p.patient_name || char(10) || replace(p.patient_name, '^', ' ') || char(10) || st.description
      FROM study_search_rows k JOIN studies st ON st.study_uid = k.study_uid JOIN patients p ON p.id = st.patient_ref;
    DELETE FROM study_search_pending;`);
  db.close();
}

describe('searchFold', () => {
  it('writes every apostrophe as one, and keeps marks as they are', () => {
    expect(searchFold('O’Brien')).toBe("o'brien");
    expect(searchFold('Oʼbrien ‘x’')).toBe("o'brien 'x'");
    expect(searchFold('SIOBHÁN')).toBe('siobhán');
    expect(searchFold('ΟΔΥΣ')).toBe('οδυσ');
  });
});

describe('the study search, as people type names', () => {
  const dir = tmpDir('search-fold');
  let lib: Library;
  beforeAll(() => {
    libraryAt29(dir);
    lib = Library.open(dir);
  });
  afterAll(() => {
    lib?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const found = (search: string) => lib.listStudies({ search }).map((s) => s.studyInstanceUid).sort();

  it('opens a schema 29 library at 30 with every document written again', () => {
    expect(lib.schemaVersion()).toBeGreaterThanOrEqual(30);
    const db = new Database(path.join(dir, LIBRARY_FILE), { readonly: true });
    try {
      expect((db.prepare('SELECT count(*) AS n FROM study_search_pending').get() as { n: number }).n).toBe(0);
      // The index itself (not a pending study) holds the folded forms: the search can narrow to them.
      const indexed = (q: string) => db.prepare<[string], { study_uid: string }>('SELECT k.study_uid FROM study_search s JOIN study_search_rows k ON k.id = s.rowid WHERE study_search MATCH ? ORDER BY k.study_uid').all(q).map((r) => r.study_uid);
      expect(indexed(searchIndexQuery(['siobhan'])!)).toEqual(['1.2.3.0']);
      expect(indexed(searchIndexQuery(['obrien'])!)).toEqual(['1.2.3.0']);
      expect(indexed(searchIndexQuery(['hiroshi tanaka'])!)).toEqual(['1.2.3.1']);
      expect(() => db.prepare("SELECT * FROM study_search WHERE study_search MATCH 'x'").all()).not.toThrow();
    } finally {
      db.close();
    }
  });

  it('finds a Latin name without its accents, with any apostrophe or none, given name first', () => {
    for (const search of ['siobhan', 'SIOBHAN', 'obrien', "o'brien", 'O’Brien', 'O‘BRIEN', 'obrien siobhan', "o'brien siobhan", 'siobhan obrien', 'Siobhán O’Brien', 'siobhán']) {
      expect(found(search), search).toEqual(['1.2.3.0']);
    }
    for (const search of ['Hiroshi Tanaka', 'hiroshi tan', 'tanaka hiroshi', 'Tanaka^Hiroshi', 'Tanaka, Hiroshi']) expect(found(search), search).toEqual(['1.2.3.1']);
    for (const search of ['dvorak', 'zoe', 'Zoë', 'Zoe Dvorak', 'zoe anna dvorak', 'crane sans', 'Crâne']) expect(found(search), search).toEqual(['1.2.3.2']);
    for (const search of ["d'angelo", 'DANGELO', 'd’angelo', 'renee', 'Renée D’Angelo', 'epaule', 'ÉPAULE']) expect(found(search), search).toEqual(['1.2.3.3']);
    // Latin letters that are not a letter and a mark: ł, ø, ß, æ as l, o, ss, ae.
    for (const search of ['lukasiewicz', 'soren lukasiewicz', 'strasse', 'aesir', 'Łukasiewicz', 'Søren', 'STRAẞE']) expect(found(search), search).toEqual(['1.2.3.8']);
    // Short searches (a scan, not the index) fold the same way.
    expect(found('vo')).toEqual(['1.2.3.2']);
    expect(found('zo')).toEqual(['1.2.3.2']);
  });

  it('keeps the accents a search has: they find those letters only', () => {
    expect(found('siobhán')).toEqual(['1.2.3.0']);
    expect(found('renée')).toEqual(['1.2.3.3']);
    expect(found('rénee')).toEqual([]);
    // A search compares its own letters as typed: with one accent typed, the others are too.
    expect(found('dvořák')).toEqual(['1.2.3.2']);
    expect(found('dvořak')).toEqual([]);
    expect(found('dvorák')).toEqual([]);
    expect(found('Ö')).toEqual([]);
  });

  it('loses no match in other scripts, and does not fold their marks', () => {
    // Kana: the voicing mark makes another letter (が is not か), and kana find their name group.
    expect(found('がっこう')).toEqual(['1.2.3.4']);
    expect(found('かっこう')).toEqual(['1.2.3.4']);
    expect(found('やまだ')).toEqual(['1.2.3.4']);
    expect(found('たろう やまだ')).toEqual(['1.2.3.4']);
    expect(found('山田 太郎')).toEqual(['1.2.3.4']);
    expect(found('太郎')).toEqual(['1.2.3.4']);
    lib.close();
    const db = new Database(path.join(dir, LIBRARY_FILE));
    db.prepare("UPDATE series SET description = 'PA' WHERE study_uid = '1.2.3.4'").run();
    db.close();
    lib = Library.open(dir);
    expect(found('がっこう')).toEqual(['1.2.3.4']);
    expect(found('かっこう')).toEqual([]);
    expect(found('か')).toEqual([]);
    // Hangul: whole syllables and parts of a name.
    expect(found('김 민준')).toEqual(['1.2.3.5']);
    expect(found('민준 김')).toEqual(['1.2.3.5']);
    expect(found('민준')).toEqual(['1.2.3.5']);
    expect(found('흉부')).toEqual(['1.2.3.5']);
    expect(found('촬영')).toEqual(['1.2.3.5']);
    // Greek: with tonos as the file has it, and in capitals; the tonos is not dropped.
    expect(found('σοφία')).toEqual(['1.2.3.6']);
    expect(found('ΣΟΦΊΑ')).toEqual(['1.2.3.6']);
    expect(found('θώρακας')).toEqual(['1.2.3.6']);
    expect(found('οδυσσεας')).toEqual(['1.2.3.6']);
    expect(found('Σοφία Οδυσσέας'.normalize('NFC').replace('έ', 'ε'))).toEqual(['1.2.3.6']);
    // Cyrillic: й stays itself (not и), ё as the file has it.
    expect(found('йод')).toEqual(['1.2.3.7']);
    expect(found('пётр')).toEqual(['1.2.3.7']);
    expect(found('Пётр Йодов')).toEqual(['1.2.3.7']);
    expect(found('иодов')).toEqual([]);
  });
});

describe('a study imported from a file', () => {
  it('is found by its name typed without accents or apostrophe, and given name first', async () => {
    const dir = tmpDir('search-fold-import');
    const incoming = path.join(dir, 'incoming');
    fs.mkdirSync(incoming);
    writeSlice(path.join(incoming, 'a.dcm'), {
      patientName: Buffer.from("O'Brien^Siobhán", 'utf8').toString('latin1'),
      patientId: 'F14A',
      studyUid: '1.2.826.0.1.3680043.10.79.1',
      seriesUid: '1.2.826.0.1.3680043.10.79.2',
      sopUid: '1.2.826.0.1.3680043.10.79.3',
      studyDescription: 'KNEE',
      extraLines: ['(0008,0005) CS [ISO_IR 192]'],
      byteStrings: true,
    });
    const lib = Library.open(path.join(dir, 'library'));
    try {
      await lib.importPaths([incoming]);
      for (const search of ['siobhan', 'obrien', 'O’Brien', 'Siobhan O’Brien', 'siobhán', 'F14A', 'knee']) {
        expect(lib.listStudies({ search }).map((s) => s.studyInstanceUid), search).toEqual(['1.2.826.0.1.3680043.10.79.1']);
      }
    } finally {
      lib.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
