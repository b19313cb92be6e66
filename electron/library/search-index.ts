// The study search's index (schema 14): one FTS5 trigram document per study holding every
// text the search compares (patient name, the name as the list shows it, patient ID, study
// description, accession number, date, each series' modality and description), kept in step
// by triggers, so that a search of 3 characters or more reads the studies that contain its
// trigrams instead of comparing every study's text. The index only narrows: the search's
// own LIKE comparison (library.ts) still decides, so the results are the same as the scan's
// as long as the index never leaves out a study the comparison would find. That holds when
// SQLite's trigram folding treats every letter of the search as JavaScript's toLowerCase
// does (checked here once per process, for the Unicode of this build), and the document
// writes "İ" the way toLowerCase does (i + U+0307): searches with other letters stay a scan.
//
// This file is part of a released migration: the SQL below must never change. A later
// change to what the document holds is a new migration that drops and rebuilds the index.
import { openDatabase } from './sqlite';

const NL = 'char(10)';
const text = (sql: string) => `coalesce(${sql}, '')`;
/** "İ" as toLowerCase writes it ("i" and a combining dot), the only letter it lowers into two. */
const dotted = (sql: string) => `replace(${sql}, char(304), 'i' || char(775))`;

/**
 * The document of the studies `where` picks (over study_search_rows k, studies st, patients p): rowid and text.
 * With `seriesNames` (schema 15) each series' own Patient's Name, as its files give it, is in it too.
 */
function documents(where: string, seriesNames = false): string {
  const ownName = seriesNames
    ? ` || ${NL} || ${text('se.patient_name')} || ${NL} || replace(replace(${text('se.patient_name')}, '^', ' '), '=', ' ')`
    : '';
  const series = `(SELECT group_concat(${NL} || ${text('se.modality')} || ${NL} || ${text('se.description')}${ownName}, '') FROM series se WHERE se.study_uid = st.study_uid)`;
  const parts = [
    text('p.patient_name'),
    `replace(replace(${text('p.patient_name')}, '^', ' '), '=', ' ')`,
    text('p.patient_id'),
    text('st.description'),
    text('st.accession_number'),
    text('st.study_date'),
  ];
  return `SELECT k.id, ${dotted(`${parts.join(` || ${NL} || `)} || ${text(series)}`)}
      FROM study_search_rows k JOIN studies st ON st.study_uid = k.study_uid JOIN patients p ON p.id = st.patient_ref WHERE ${where}`;
}

/** Writes the document of the study `uid` (an SQL expression) again. */
function refresh(uid: string, seriesNames = false): string {
  return `DELETE FROM study_search WHERE rowid = (SELECT id FROM study_search_rows WHERE study_uid = ${uid});
      INSERT INTO study_search (rowid, doc) ${documents(`k.study_uid = ${uid}`, seriesNames)};`;
}

/**
 * The triggers that keep the documents in step. With `seriesNames` (schema 15) a document holds
 * each series' own Patient's Name, so a change of it rewrites the study's document too.
 */
function triggers(seriesNames: boolean): string {
  const seriesColumns = seriesNames ? 'study_uid, modality, description, patient_name' : 'study_uid, modality, description';
  const seriesNameChanged = seriesNames ? `
    OR old.patient_name IS NOT new.patient_name` : '';
  return `
  CREATE TRIGGER study_search_study_added AFTER INSERT ON studies BEGIN
    INSERT INTO study_search_rows (study_uid) VALUES (new.study_uid);
    INSERT INTO study_search (rowid, doc) ${documents('k.study_uid = new.study_uid', seriesNames)};
  END;${seriesNames ? '' : `
  CREATE TRIGGER study_search_study_removed AFTER DELETE ON studies BEGIN
    DELETE FROM study_search WHERE rowid = (SELECT id FROM study_search_rows WHERE study_uid = old.study_uid);
    DELETE FROM study_search_rows WHERE study_uid = old.study_uid;
  END;
  -- The import's upserts set every column again: only a change rewrites the document.`}
  CREATE TRIGGER study_search_study_changed AFTER UPDATE OF study_uid, patient_ref, description, accession_number, study_date ON studies
  WHEN old.study_uid IS NOT new.study_uid OR old.patient_ref IS NOT new.patient_ref OR old.description IS NOT new.description
    OR old.accession_number IS NOT new.accession_number OR old.study_date IS NOT new.study_date
  BEGIN
    UPDATE study_search_rows SET study_uid = new.study_uid WHERE study_uid = old.study_uid;
    ${refresh('new.study_uid', seriesNames)}
  END;
  CREATE TRIGGER study_search_series_added AFTER INSERT ON series BEGIN
    ${refresh('new.study_uid', seriesNames)}
  END;
  CREATE TRIGGER study_search_series_removed AFTER DELETE ON series BEGIN
    ${refresh('old.study_uid', seriesNames)}
  END;
  CREATE TRIGGER study_search_series_changed AFTER UPDATE OF ${seriesColumns} ON series
  WHEN old.study_uid IS NOT new.study_uid OR old.modality IS NOT new.modality OR old.description IS NOT new.description${seriesNameChanged}
  BEGIN
    ${refresh('old.study_uid', seriesNames)}
    ${refresh('new.study_uid', seriesNames)}
  END;
  CREATE TRIGGER study_search_patient_changed AFTER UPDATE OF patient_name, patient_id ON patients
  WHEN old.patient_name IS NOT new.patient_name OR old.patient_id IS NOT new.patient_id
  BEGIN
    DELETE FROM study_search WHERE rowid IN (SELECT k.id FROM study_search_rows k JOIN studies st ON st.study_uid = k.study_uid WHERE st.patient_ref = new.id);
    INSERT INTO study_search (rowid, doc) ${documents('st.patient_ref = new.id', seriesNames)};
  END;
`;
}

/** Migration 14's SQL: the index, its triggers, and the documents of the studies already there. */
export const SEARCH_INDEX_SQL = `
  -- The FTS rowid of each study: a key of its own (studies' rowid may change on VACUUM).
  CREATE TABLE study_search_rows (id INTEGER PRIMARY KEY, study_uid TEXT NOT NULL UNIQUE);
  CREATE VIRTUAL TABLE study_search USING fts5(doc, tokenize = 'trigram');
  INSERT INTO study_search_rows (study_uid) SELECT study_uid FROM studies;
  INSERT INTO study_search (rowid, doc) ${documents('1')};
${triggers(false)}`;

/**
 * Migration 15's SQL: each series keeps its files' own Patient's Name (importer.ts), and the
 * search finds a study by any of them. The documents are written again with those names, and
 * the triggers that write them replaced by ones that add them (the series' name is set when
 * the series is inserted, so the insert trigger covers the import). The study-removed trigger
 * writes no document and stays.
 */
export const SEARCH_INDEX_SERIES_NAMES_SQL = `
  DROP TRIGGER study_search_study_added;
  DROP TRIGGER study_search_study_changed;
  DROP TRIGGER study_search_series_added;
  DROP TRIGGER study_search_series_removed;
  DROP TRIGGER study_search_series_changed;
  DROP TRIGGER study_search_patient_changed;
  DELETE FROM study_search;
  INSERT INTO study_search (rowid, doc) ${documents('1', true)};
${triggers(true)}`;

/**
 * Text as the search compares it, the search's and each column's alike: lower case in every
 * script (toLowerCase), with final sigma as sigma. toLowerCase writes a capital Σ as ς at the
 * end of a word and σ elsewhere, so "ΟΔΥΣ" would miss "Οδυσσέας"; SQLite's trigram folding
 * already makes both σ. The other folds checked (test/library/search-index.test.ts): ẞ
 * lowers to ß in both; İ is written in the document as toLowerCase writes it; ligatures (ﬁ)
 * and ŉ stay themselves in both; letters the trigram folding maps and toLowerCase keeps
 * (µ to μ, ſ to s, ϐ to β) only make the index find more, and the comparison decides.
 */
export function searchFold(text: string): string {
  return text.toLowerCase().replace(/ς/g, 'σ');
}

/** Fewer characters than this and a trigram index cannot narrow anything: the search scans. */
const TRIGRAM = 3;

let unsafeLetters: RegExp | null = null;

/**
 * The letters a search may not hand to the index: those whose trigram folding (SQLite's
 * Unicode tables) differs from toLowerCase's (V8's, often newer: Georgian Mtavruli, Cherokee
 * lower case, ...), and those toLowerCase writes with more than one character. Found by
 * folding every letter that has a lower case (all in planes 0 and 1), and its lower case, through a trigram index.
 */
export function unsafeSearchLetters(): RegExp {
  if (unsafeLetters) return unsafeLetters;
  const groups = new Map<string, Set<string>>();
  const unsafe = new Set<string>();
  for (let cp = 0x80; cp <= 0x1ffff; cp++) {
    if (cp >= 0xd800 && cp <= 0xdfff) continue;
    const c = String.fromCodePoint(cp);
    const lower = c.toLowerCase();
    if (lower === c) continue;
    if ([...lower].length !== 1) {
      if (c !== '\u0130') unsafe.add(c); // İ: the document writes it as toLowerCase does
      continue;
    }
    // Final and other sigma: toLowerCase picks by context, so they must all fold alike.
    const key = lower === 'ς' ? 'σ' : lower;
    const group = groups.get(key) ?? new Set([key]);
    group.add(c);
    groups.set(key, group);
  }
  groups.get('σ')?.add('ς');
  const db = openDatabase(':memory:');
  try {
    db.exec("CREATE VIRTUAL TABLE t USING fts5(a, tokenize = 'trigram'); CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance');");
    const insert = db.prepare('INSERT INTO t (rowid, a) VALUES (?, ?)');
    const letters = [...new Set([...groups.values()].flatMap((g) => [...g]))];
    db.transaction(() => letters.forEach((c, i) => insert.run(i + 1, c + c + c)))();
    const folded = new Map<string, string>();
    for (const row of db.prepare<[], { doc: number; term: string }>('SELECT doc, term FROM v').iterate()) folded.set(letters[row.doc - 1], [...row.term][0]);
    for (const group of groups.values()) {
      const folds = new Set([...group].map((c) => folded.get(c) ?? c));
      if (folds.size > 1) for (const c of group) unsafe.add(c);
    }
  } finally {
    db.close();
  }
  const escaped = [...unsafe].map((c) => `\\u{${c.codePointAt(0)!.toString(16)}}`).join('');
  unsafeLetters = new RegExp(`[${escaped || '\\u{0}'}]`, 'u');
  return unsafeLetters;
}

/**
 * The FTS5 query that narrows a search to the studies whose document holds any of `texts`
 * (each as typed, before LIKE's escaping), or null when the index cannot help: a text shorter
 * than a trigram, a NUL, or a letter the index folds otherwise than the comparison.
 */
export function searchIndexQuery(texts: readonly string[]): string | null {
  // FTS5 reads its query up to a NUL: a search holding one stays a scan.
  if (texts.some((t) => [...t].length < TRIGRAM || t.includes('\0'))) return null;
  // An ASCII search compares with LIKE, which matches ASCII letters only: any index folding will do.
  if (texts.some((t) => /[^\p{ASCII}]/u.test(t) && unsafeSearchLetters().test(t))) return null;
  return [...new Set(texts)].map((t) => `"${t.replace(/"/g, '""')}"`).join(' OR ');
}
