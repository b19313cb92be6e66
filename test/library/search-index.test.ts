// The study search's trigram index (schema 14, electron/library/search-index.ts): a search
// finds exactly the studies the LIKE scan it replaced found, in every script (files by dcmtk
// and GDCM with Latin-1, UTF-8 and ISO 2022 names); the index follows imports, deletions
// and edits; and a library made at schema 13 gets it, and the stored modalities the sort by
// modality reads, when it is opened.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { migrate } from '../../electron/library/schema';
import { searchForms, searchIndexQuery, writeSearchDocuments } from '../../electron/library/search-index';
import { fileWithName, NAMES } from '../dicom/charset-fixtures';
import { writeExternalSet } from '../e2e/external-dicom';
import { tmpDir, writeSlice } from './fixtures';

/**
 * Text as a search compares it: lower case, and final sigma as sigma on both sides, since
 * toLowerCase writes a capital Σ at the end of a word as ς ("ΟΔΥΣ" is "οδυς") and elsewhere as σ.
 */
const fold = (t: string) => t.toLowerCase().replace(/ς/g, 'σ');

/**
 * The study search as it was before the index (library.ts at schema 13), with `fold` for toLowerCase: the reference.
 * With `forms` (schema 30), names and descriptions are compared in their other forms too (search-index.ts FORMS).
 */
function scanSearch(db: Database.Database, text: string, forms = true): string[] {
  const trimmed = text.trim();
  const wide = /[^\p{ASCII}]/u.test(trimmed);
  const search = wide ? fold(trimmed) : trimmed;
  const col = (c: string) => (wide ? `lumen_fold(${c})` : c);
  const escape = (t: string) => `%${t.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
  const date = escape(/^[\d-]+$/.test(search) ? search.replace(/-/g, '') : search);
  const condition = `(${col('p.patient_name')} LIKE @q ESCAPE '\\' OR REPLACE(REPLACE(${col('p.patient_name')}, '^', ' '), '=', ' ') LIKE @n ESCAPE '\\' OR ${col('p.patient_id')} LIKE @q ESCAPE '\\' OR ${col('st.description')} LIKE @q ESCAPE '\\'
      OR ${col('st.accession_number')} LIKE @q ESCAPE '\\' OR st.study_date LIKE @d ESCAPE '\\'
      OR EXISTS (SELECT 1 FROM series se2 WHERE se2.study_uid = st.study_uid AND (${col('se2.modality')} LIKE @q ESCAPE '\\' OR ${col('se2.description')} LIKE @q ESCAPE '\\'${
        forms ? ` OR lumen_search_forms(se2.description, 0) LIKE @q ESCAPE '\\' OR lumen_search_forms(se2.patient_name, 1) LIKE @n ESCAPE '\\'` : ''
      }))${forms ? ` OR lumen_search_forms(p.patient_name, 1) LIKE @n ESCAPE '\\' OR lumen_search_forms(st.description, 0) LIKE @q ESCAPE '\\'` : ''})`;
  const params = { q: escape(search), d: date, n: escape(search.replace(/[,()]/g, ' ').replace(/\s+/g, ' ').trim().replace(/[\^=]/g, ' ')) };
  return db
    .prepare<typeof params, { study_uid: string }>(`SELECT st.study_uid FROM studies st JOIN patients p ON p.id = st.patient_ref WHERE ${condition} ORDER BY st.study_uid`)
    .all(params)
    .map((r) => r.study_uid);
}

/** A read-only second connection to the library, with the fold function the scan needs. */
function reference(dir: string): Database.Database {
  const db = new Database(path.join(dir, LIBRARY_FILE), { readonly: true });
  db.function('lumen_fold', { deterministic: true }, (t: unknown) => (typeof t === 'string' ? fold(t) : t));
  db.function('lumen_search_forms', { deterministic: true }, searchForms);
  return db;
}

/** Names in scripts whose letters fold in every way the index must agree with: UTF-8 files by dcmtk. */
const UTF8_NAMES: [string, string][] = [
  ['Иванов^Пётр', 'МРТ ГОЛОВНОГО МОЗГА'],
  ['İSTANBUL^Işıl', 'Göğüs İncelemesi'],
  ['ΟΔΥΣΣΕΑΣ^Σοφία', 'ΘΏΡΑΚΑΣ'],
  ['Ångström^Ærøskøbing', 'Crâne sans injection'],
  ['ᲒᲔᲝᲠᲒᲘ^გიორგი', 'ᏣᎳᎩ ꮳꮃꭹ'],
  ['O"Brien^Zoë (Dr)', '100% _under_ "quoted" NEAR(a b) AND OR *'],
  ['𐐀𐐨^Deseret', 'ǅemal ǆ'],
  // Folds toLowerCase and SQLite's trigram folding might treat apart: final sigma, ß and ẞ, ligatures, µ and ſ.
  ['ΣΙΣΣΥ^Κασσάνδρα', 'ΛΟΓΟΣ ΣΣ'],
  ['STRAẞER^Weiß', 'Maße ﬁnal µg ſt ŉ'],
];

function writeUtf8(folder: string, i: number, name: string, description: string): void {
  const bytes = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  writeSlice(path.join(folder, `utf8-${i}.dcm`), {
    patientName: bytes(name),
    patientId: `U8-${i}`,
    studyUid: `1.2.826.0.1.3680043.10.78.${i}.1`,
    seriesUid: `1.2.826.0.1.3680043.10.78.${i}.2`,
    sopUid: `1.2.826.0.1.3680043.10.78.${i}.3`,
    studyDescription: bytes(description),
    seriesDescription: bytes(description.split(' ')[0]),
    modality: i % 2 ? 'MR' : 'CT',
    studyDate: `2024010${i + 1}`,
    extraLines: ['(0008,0005) CS [ISO_IR 192]'],
    byteStrings: true,
  });
}

/** Searches to try on `texts`: every substring of 1 to 6 characters at each place, as it is, upper and lower case. */
function searchesFrom(texts: string[]): string[] {
  const out = new Set<string>();
  for (const t of texts) {
    const chars = [...t];
    for (let i = 0; i < chars.length; i++) {
      for (let len = 1; len <= 6 && i + len <= chars.length; len++) {
        const s = chars.slice(i, i + len).join('');
        out.add(s).add(s.toUpperCase()).add(s.toLowerCase());
      }
    }
  }
  return [...out].filter((s) => s.trim());
}

describe('the study search index', () => {
  const dir = tmpDir('search-index');
  const libDir = path.join(dir, 'library');
  const incoming = path.join(dir, 'incoming');
  let lib: Library;
  let ref: Database.Database;
  beforeAll(async () => {
    writeExternalSet(path.join(incoming, 'external'));
    const charsets = path.join(incoming, 'charsets');
    fs.mkdirSync(charsets);
    for (const [label, charset, bytes] of NAMES) fileWithName(charsets, label.replace(/\W+/g, '-'), charset, bytes);
    const utf8 = path.join(incoming, 'utf8');
    fs.mkdirSync(utf8);
    UTF8_NAMES.forEach(([name, description], i) => writeUtf8(utf8, i, name, description));
    lib = Library.open(libDir);
    await lib.importPaths([incoming]);
    ref = reference(libDir);
  }, 120_000);
  afterAll(() => {
    ref?.close();
    lib?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const found = (search: string) => lib.listStudies({ search }).map((s) => s.studyInstanceUid).sort();

  it('finds exactly what the LIKE scan found, in every script', () => {
    const studies = lib.listStudiesWithSeries();
    expect(studies.length).toBeGreaterThanOrEqual(UTF8_NAMES.length + NAMES.length + 4);
    const texts = studies.flatMap((s) => [s.patientName ?? '', s.patientId ?? '', s.studyDescription ?? '', s.accessionNumber ?? '', ...s.series.map((se) => se.seriesDescription ?? '')]);
    const searches = [
      ...searchesFrom(texts),
      // As the list shows names, dates as typed, toLowerCase's two-character İ, final sigma, nothing at all.
      'Иванов, Пётр', 'ivanov', '2024-01-03', '2025-03', 'i̇stanbul', 'İSTANBUL, IŞIL', 'οδυσσεας', 'ΟΔΥΣ', 'οδυς', 'σοφια', 'ᲒᲔᲝ', 'გიო', 'ꮳꮃꭹ', 'ᏣᎳᎩ',
      'ΟΔΥΣ', 'ΚΑΣΣ', 'ΓΟΣ Σ', 'WEIẞ', 'STRASSER', 'straßer', 'μg', 'FINAL', 'ﬁn', 'ΣΙΣ', '"quoted"', 'near(a', '% _', 'zzzz', '\u0000abc', ',,,', '( )', 'x'.repeat(300),
    ];
    let indexed = 0;
    for (const search of searches) {
      expect(found(search), JSON.stringify(search)).toEqual(scanSearch(ref, search));
      // Every study the search found before the other forms (schema 30) it still finds.
      expect(found(search), JSON.stringify(search)).toEqual(expect.arrayContaining(scanSearch(ref, search, false)));
      const wide = /[^\p{ASCII}]/u.test(search.trim());
      if (searchIndexQuery([wide ? fold(search.trim()) : search.trim()])) indexed++;
    }
    // Most of them went through the index (the rest are too short or hold a letter it folds otherwise).
    expect(indexed).toBeGreaterThan(searches.length / 2);
    expect(found('ВАНОВ')).toHaveLength(1);
    expect(found('ΟΔΥΣΣΕ')).toHaveLength(1);
    // A capital Σ at the end of the search (ς to toLowerCase) finds the σ inside a word, and the other way round.
    expect(found('ΟΔΥΣ')).toEqual(found('ΟΔΥΣΣΕ'));
    expect(found('ΚΑΣΣ')).toHaveLength(1);
    expect(found('λογος')).toEqual(found('ΚΑΣΣ'));
    // ẞ and ß are one letter in lower case; a ligature and the micro sign stay themselves, as toLowerCase keeps them.
    expect(found('WEIẞ')).toHaveLength(1);
    expect(found('STRAßER')).toEqual(found('WEIẞ'));
    expect(found('ﬁnal')).toEqual(found('WEIẞ'));
    expect(found('FINAL')).toEqual([]);
    expect(found('μg')).toEqual([]);
    expect(found('µg')).toEqual(found('WEIẞ'));
  });

  it('pages the list with the index as listStudies does', () => {
    for (const search of ['иванов', 'MÜLLER', 'ext00', '山田', 'CHEST']) {
      expect(lib.studyPage({ search }).studies.map((s) => s.studyInstanceUid).sort(), search).toEqual(found(search));
      expect(lib.studyPage({ search }).total, search).toBe(found(search).length);
    }
  });

  it('follows imports, deletions and edits', async () => {
    const count = (sql: string) => (ref.prepare(sql).get() as { n: number }).n;
    expect(count('SELECT count(*) AS n FROM study_search')).toBe(count('SELECT count(*) AS n FROM studies'));
    // A file replaced by one of another study: the old study leaves the library at the next import, the new one comes in.
    const file = path.join(incoming, 'utf8', 'utf8-0.dcm');
    const before = found('Иванов');
    expect(before).toHaveLength(1);
    writeSlice(file, {
      patientName: Buffer.from('Петрова^Анна', 'utf8').toString('latin1'),
      patientId: 'U8-NEW',
      studyUid: '1.2.826.0.1.3680043.10.78.99.1',
      seriesUid: '1.2.826.0.1.3680043.10.78.99.2',
      sopUid: '1.2.826.0.1.3680043.10.78.99.3',
      studyDescription: 'KNEE',
      modality: 'MR',
      extraLines: ['(0008,0005) CS [ISO_IR 192]'],
      byteStrings: true,
    });
    fs.utimesSync(file, new Date(), new Date(Date.now() + 5000));
    await lib.importPaths([file]);
    // The import wrote the documents of the studies it changed (schema 17: the triggers only note them).
    expect(count('SELECT count(*) AS n FROM study_search_pending')).toBe(0);
    expect(found('Иванов')).toEqual([]);
    expect(found('ПЕТРОВА')).toEqual(['1.2.826.0.1.3680043.10.78.99.1']);
    expect(found('U8-NEW')).toEqual(['1.2.826.0.1.3680043.10.78.99.1']);
    // Edits (as the one-time re-decode of old text writes them): patient, study and series text.
    const db = new Database(path.join(libDir, LIBRARY_FILE));
    try {
      db.prepare("UPDATE patients SET patient_name = 'Сидоров^Иван' WHERE patient_id = 'U8-NEW'").run();
      db.prepare("UPDATE studies SET description = 'Plexus brachialis' WHERE study_uid = '1.2.826.0.1.3680043.10.78.99.1'").run();
      db.prepare("UPDATE series SET description = 'Wirbelsäule', modality = 'XA' WHERE study_uid = '1.2.826.0.1.3680043.10.78.1.1'").run();
      // FTS5's own check that its index agrees with the documents it holds.
      expect(() => db.prepare("INSERT INTO study_search (study_search) VALUES ('integrity-check')").run()).not.toThrow();
      // Writes that change no text (as an import of the same files again writes them) note no study.
      db.prepare("UPDATE studies SET description = description, study_time = study_time WHERE study_uid = '1.2.826.0.1.3680043.10.78.2.1'").run();
      db.prepare("UPDATE series SET description = description, modality = modality WHERE study_uid = '1.2.826.0.1.3680043.10.78.2.1'").run();
      db.prepare("UPDATE patients SET patient_name = patient_name, patient_id = patient_id WHERE patient_id = 'U8-2'").run();
    } finally {
      db.close();
    }
    // The edited studies wait for their documents; until then every search compares them.
    const pending = () => ref.prepare<[], { study_uid: string }>('SELECT study_uid FROM study_search_pending ORDER BY study_uid').all().map((r) => r.study_uid);
    expect(pending()).toEqual(['1.2.826.0.1.3680043.10.78.1.1', '1.2.826.0.1.3680043.10.78.99.1']);
    const checkEdits = () => {
      expect(found('ПЕТРОВА')).toEqual([]);
      expect(found('СИДОРОВ')).toEqual(['1.2.826.0.1.3680043.10.78.99.1']);
      expect(found('brachialis')).toEqual(['1.2.826.0.1.3680043.10.78.99.1']);
      expect(found('KNEE')).toEqual([]);
      expect(found('WIRBELSÄULE')).toEqual(['1.2.826.0.1.3680043.10.78.1.1']);
      expect(lib.studyPage({ sort: 'modality' }).studies.find((s) => s.studyInstanceUid === '1.2.826.0.1.3680043.10.78.1.1')?.modalities).toEqual(['XA']);
      for (const search of ['иван', 'Wirbel', 'plexus', 'XA', 'U8-', 'Петров', 'ВАНОВ']) expect(found(search), search).toEqual(scanSearch(ref, search));
    };
    checkEdits();
    // Written (as the next import or opening does): the same results, now through the documents.
    const writer = new Database(path.join(libDir, LIBRARY_FILE));
    try {
      expect(writeSearchDocuments(writer)).toBe(2);
      expect(() => writer.prepare("INSERT INTO study_search (study_search) VALUES ('integrity-check')").run()).not.toThrow();
    } finally {
      writer.close();
    }
    expect(pending()).toEqual([]);
    checkEdits();
    expect(count('SELECT count(*) AS n FROM study_search')).toBe(count('SELECT count(*) AS n FROM studies'));
  });
});

describe('a library made at schema 13', () => {
  it('gets the index and the stored modalities when opened, and finds what the scan found', () => {
    const dir = tmpDir('search-v13');
    const db = new Database(path.join(dir, LIBRARY_FILE));
    migrate(db, 13);
    const rows: [string, string, string[], string][] = [
      ['Müller^Jürgen', 'MR BRAIN', ['MR', 'SR'], '20240301'],
      ['山田^太郎=やまだ^たろう', 'CHEST', ['CT', 'PT', 'CT'], '20240102'],
      ['Иванов^Пётр', 'КОЛЕНО', [], ''],
      ['ΟΔΥΣΣΕΑΣ', 'ΘΏΡΑΚΑΣ', ['DX'], '20231231'],
      ['Plain^Ascii', 'NO MODALITY', [''], '20240101'],
    ];
    rows.forEach(([name, description, modalities, date], i) => {
      db.prepare('INSERT INTO patients (id, patient_key, patient_id, patient_name) VALUES (?, ?, ?, ?)').run(i + 1, `P${i}`, `OLD${i}`, name);
      db.prepare('INSERT INTO studies (study_uid, patient_ref, study_date, description) VALUES (?, ?, ?, ?)').run(`1.2.3.${i}`, i + 1, date || null, description);
      modalities.forEach((m, j) => db.prepare('INSERT INTO series (series_uid, study_uid, modality, description) VALUES (?, ?, ?, ?)').run(`1.2.3.${i}.${j}`, `1.2.3.${i}`, m, `${m} series`));
    });
    db.close();

    const lib = Library.open(dir);
    const ref = reference(dir);
    try {
      expect(lib.schemaVersion()).toBeGreaterThanOrEqual(14);
      const stored = ref.prepare<[], { study_uid: string; modality_list: string | null }>('SELECT study_uid, modality_list FROM studies ORDER BY study_uid').all();
      expect(stored).toEqual([
        { study_uid: '1.2.3.0', modality_list: 'MR/SR' },
        { study_uid: '1.2.3.1', modality_list: 'CT/PT' },
        { study_uid: '1.2.3.2', modality_list: null },
        { study_uid: '1.2.3.3', modality_list: 'DX' },
        { study_uid: '1.2.3.4', modality_list: null },
      ]);
      expect(lib.studyPage({ sort: 'modality' }).studies.map((s) => s.studyInstanceUid)).toEqual(['1.2.3.1', '1.2.3.3', '1.2.3.0', '1.2.3.4', '1.2.3.2']);
      for (const search of ['müller', 'MÜLLER', 'やまだ', 'Yamada', '山田 太郎', 'ИВАНОВ', 'колено', 'οδυσσεας', 'θώρακας', 'ascii', '2024-03', 'PT series', 'OLD3', 'zzz']) {
        expect(lib.listStudies({ search }).map((s) => s.studyInstanceUid).sort(), search).toEqual(scanSearch(ref, search));
      }
      expect(lib.listStudies({ search: 'ИВАНОВ' })).toHaveLength(1);
      expect(lib.listStudies({ search: 'PT series' }).map((s) => s.studyInstanceUid)).toEqual(['1.2.3.1']);
    } finally {
      ref.close();
      lib.close();
    }
  });
});
