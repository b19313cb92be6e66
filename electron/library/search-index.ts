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
// This file is part of released migrations: the SQL of 14 and 15 must never change. A later
// change to what the document holds is a new migration that drops and rebuilds the index.
// From schema 17 the triggers only note which studies changed, and writeSearchDocuments()
// writes their documents in one statement (SEARCH_INDEX_PENDING_SQL says why).
import type Database from 'better-sqlite3';
import { openDatabase } from './sqlite';

const NL = 'char(10)';
const text = (sql: string) => `coalesce(${sql}, '')`;
/** "İ" as toLowerCase writes it ("i" and a combining dot), the only letter it lowers into two. */
const dotted = (sql: string) => `replace(${sql}, char(304), 'i' || char(775))`;

/**
 * The document of the studies `where` picks (over study_search_rows k, studies st, patients p): rowid and text.
 * With `seriesNames` (schema 15) each series' own Patient's Name, as its files give it, is in it too;
 * with `seriesIds` (schema 20) each series' own Patient ID.
 */
function documents(where: string, seriesNames = false, seriesIds = false, folded = false): string {
  // A series' own name is most often the study's patient's: its forms are written once.
  const ownForms = folded ? ` || ${NL} || ${FORMS}(se.description, 0) || ${NL} || (CASE WHEN se.patient_name IS p.patient_name THEN '' ELSE ${FORMS}(se.patient_name, 1) END)` : '';
  const ownName = seriesNames
    ? ` || ${NL} || ${text('se.patient_name')} || ${NL} || replace(replace(${text('se.patient_name')}, '^', ' '), '=', ' ')${seriesIds ? ` || ${NL} || ${text('se.patient_id')}` : ''}${ownForms}`
    : '';
  const series = `(SELECT group_concat(${NL} || ${text('se.modality')} || ${NL} || ${text('se.description')}${ownName}, '') FROM series se WHERE se.study_uid = st.study_uid)`;
  const parts = [
    text('p.patient_name'),
    `replace(replace(${text('p.patient_name')}, '^', ' '), '=', ' ')`,
    text('p.patient_id'),
    text('st.description'),
    text('st.accession_number'),
    text('st.study_date'),
    // Schema 30: the forms a search also compares (searchForms), which the index must find too.
    ...(folded ? [`${FORMS}(p.patient_name, 1)`, `${FORMS}(st.description, 0)`] : []),
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
 * The triggers that keep the documents in step, as schema `schema` writes them. From 15 on a
 * document holds each series' own Patient's Name, so a change of it rewrites the document too.
 * At 14 and 15 each trigger writes the study's document at once; from 17 it only notes the
 * study in study_search_pending (see SEARCH_INDEX_PENDING_SQL). The WHEN of the update
 * triggers is the same in all: the import's upserts set every column again, and only a change counts.
 */
function triggers(schema: 14 | 15 | 17): string {
  if (schema === 17) return pendingTriggers();
  const seriesNames = schema === 15;
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

/**
 * Schema 17's triggers (see triggers()): each notes the studies whose document is to be written
 * again. At 17 a note is an INSERT OR IGNORE; from 33 (SEARCH_INDEX_NOTES_SQL) it inserts only a
 * study not noted yet, and the series trigger is 20's (it notes a change of Patient ID too).
 */
function pendingTriggers(schema: 17 | 33 = 17): string {
  const note = schema === 17 ? (uid: string) => `INSERT OR IGNORE INTO study_search_pending (study_uid) VALUES (${uid});` : noteOnce;
  const seriesPatientId = schema === 17 ? '' : ', patient_id';
  const seriesIdChanged = schema === 17 ? '' : ' OR old.patient_id IS NOT new.patient_id';
  const patientStudies =
    schema === 17
      ? 'INSERT OR IGNORE INTO study_search_pending (study_uid) SELECT study_uid FROM studies WHERE patient_ref = new.id;'
      : 'INSERT INTO study_search_pending (study_uid) SELECT study_uid FROM studies WHERE patient_ref = new.id AND study_uid NOT IN (SELECT study_uid FROM study_search_pending);';
  return `
  -- A new study gets its study_search_rows key when its document is written.
  CREATE TRIGGER study_search_study_added AFTER INSERT ON studies BEGIN
    ${note('new.study_uid')}
  END;
  CREATE TRIGGER study_search_study_removed AFTER DELETE ON studies BEGIN
    DELETE FROM study_search WHERE rowid = (SELECT id FROM study_search_rows WHERE study_uid = old.study_uid);
    DELETE FROM study_search_rows WHERE study_uid = old.study_uid;
    DELETE FROM study_search_pending WHERE study_uid = old.study_uid;
  END;
  CREATE TRIGGER study_search_study_changed AFTER UPDATE OF study_uid, patient_ref, description, accession_number, study_date ON studies
  WHEN old.study_uid IS NOT new.study_uid OR old.patient_ref IS NOT new.patient_ref OR old.description IS NOT new.description
    OR old.accession_number IS NOT new.accession_number OR old.study_date IS NOT new.study_date
  BEGIN
    UPDATE study_search_rows SET study_uid = new.study_uid WHERE study_uid = old.study_uid;
    ${note('new.study_uid')}
  END;
  CREATE TRIGGER study_search_series_added AFTER INSERT ON series BEGIN
    ${note('new.study_uid')}
  END;
  CREATE TRIGGER study_search_series_removed AFTER DELETE ON series BEGIN
    ${note('old.study_uid')}
  END;
  CREATE TRIGGER study_search_series_changed AFTER UPDATE OF study_uid, modality, description, patient_name${seriesPatientId} ON series
  WHEN old.study_uid IS NOT new.study_uid OR old.modality IS NOT new.modality OR old.description IS NOT new.description
    OR old.patient_name IS NOT new.patient_name${seriesIdChanged}
  BEGIN
    ${note('old.study_uid')}
    ${note('new.study_uid')}
  END;
  CREATE TRIGGER study_search_patient_changed AFTER UPDATE OF patient_name, patient_id ON patients
  WHEN old.patient_name IS NOT new.patient_name OR old.patient_id IS NOT new.patient_id
  BEGIN
    ${patientStudies}
  END;
`;
}

/**
 * Schema 33's note of the study `uid` (an SQL expression) in study_search_pending: inserted only
 * when it is not there yet. The OR IGNORE of 17 and 20 does not hold when the trigger is fired by
 * the importer's INSERT ... ON CONFLICT DO UPDATE (importer.ts upsertPatient, upsertStudy,
 * upsertSeries): SQLite then resolves a conflict in the trigger by the outer statement's policy,
 * ABORT. An upsert that filled in a value the library held empty (a patient's name, a Study
 * Description, a series' own Patient's Name) in a study already noted, or the series trigger noting old.study_uid and
 * new.study_uid (the same study), failed with "UNIQUE constraint failed:
 * study_search_pending.study_uid" and the whole import was undone.
 */
function noteOnce(uid: string): string {
  return `INSERT INTO study_search_pending (study_uid) SELECT ${uid} WHERE NOT EXISTS (SELECT 1 FROM study_search_pending WHERE study_uid = ${uid});`;
}

/** Migration 14's SQL: the index, its triggers, and the documents of the studies already there. */
export const SEARCH_INDEX_SQL = `
  -- The FTS rowid of each study: a key of its own (studies' rowid may change on VACUUM).
  CREATE TABLE study_search_rows (id INTEGER PRIMARY KEY, study_uid TEXT NOT NULL UNIQUE);
  CREATE VIRTUAL TABLE study_search USING fts5(doc, tokenize = 'trigram');
  INSERT INTO study_search_rows (study_uid) SELECT study_uid FROM studies;
  INSERT INTO study_search (rowid, doc) ${documents('1')};
${triggers(14)}`;

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
${triggers(15)}`;

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
  return text.toLowerCase().replace(/ς/g, 'σ').replace(APOSTROPHES, "'");
}

/**
 * The apostrophes people and their keyboards type: ’ (macOS and phones write it for '), ‘, ʼ,
 * the backtick, the spacing acute, the prime and the full-width one. searchFold writes each as '.
 */
const APOSTROPHES = /[\u2018\u2019\u02bc\u0060\u00b4\u2032\uff07]/g;

/**
 * The SQL function (on every connection that searches or writes documents: library.ts,
 * writeSearchDocuments) giving the other forms of a text that a search compares besides the
 * text itself, folded, one a line ('' when there are none):
 * - Latin letters without their marks ("siobhán" also as "siobhan"; NFD, so a ligature or
 *   the micro sign stay themselves, as searchFold keeps them), and ł ø đ ħ ı ß æ œ þ ŧ as
 *   l o d h i ss ae oe th t ("lukasz" finds "Łukasz"). Only Latin: a mark of another
 *   script may make another letter (kana's voicing mark: か and が; Cyrillic й), and a search
 *   that types a mark still finds only that letter, since its own text is not changed.
 * - with its apostrophes dropped as well ("o'brien" also as "obrien").
 * - for a person's name (`name` 1), each of its name groups given name first ("Tanaka^Hiroshi"
 *   also as "hiroshi tanaka"; with a middle name, with and without it), and that in the forms above.
 */
export const FORMS = 'lumen_search_forms';

const LATIN_MARKS = /(\p{Script=Latin})\p{M}+/gu;
const PLAIN = /^[\0-\x26\x28-\x7f]*$/;

/** Latin letters (lower case) that are not a letter and a mark, as an English keyboard types them. */
const LATIN_LETTERS: Record<string, string> = { ł: 'l', ø: 'o', đ: 'd', ħ: 'h', ı: 'i', ß: 'ss', æ: 'ae', œ: 'oe', þ: 'th', ŧ: 't' };
const LATIN_LETTER = new RegExp(`[${Object.keys(LATIN_LETTERS).join('')}]`, 'g');

/** Text without the marks of its Latin letters, then also without apostrophes (see FORMS). */
function looseForms(folded: string, into: Set<string>): void {
  const bare = /[^\p{ASCII}]/u.test(folded) ? folded.normalize('NFD').replace(LATIN_MARKS, '$1').normalize('NFC').replace(LATIN_LETTER, (c) => LATIN_LETTERS[c]) : folded;
  into.add(bare);
  into.add(bare.replace(/'/g, ''));
}

/** FORMS' value for `text` (`name`: a DICOM Person Name, family^given^middle=...). */
export function searchForms(text: unknown, name: unknown): string {
  if (typeof text !== 'string' || !text) return '';
  if (!name && PLAIN.test(text)) return '';
  const folded = searchFold(text);
  const typed = new RegExp(APOSTROPHES.source).test(text);
  const forms = new Set<string>();
  // A name is compared as the list shows it (^ and = as spaces: library.ts), so its forms are of that.
  if (!name) looseForms(folded, forms);
  else {
    const spaced = folded.replace(/[\^=]/g, ' ');
    looseForms(spaced, forms);
    const givenFirst = folded
      .split('=')
      .map((group) => {
        const [family = '', given = '', middle = ''] = group.split('^').map((p) => p.trim());
        // "Zoë Anna Dvořák", and "Zoë Dvořák" without the middle name.
        return [[given, middle, family], [given, family]].map((order) => order.filter(Boolean).join(' '));
      });
    for (const order of [0, 1]) {
      const form = givenFirst.map((g) => g[order]).filter(Boolean).join(' ');
      if (!form) continue;
      forms.add(form);
      looseForms(form, forms);
    }
    if (!typed) forms.delete(spaced);
  }
  // The search compares the text itself too (lumen_fold of it for a search with letters beyond
  // ASCII): the folded text is another form only where it wrote an apostrophe otherwise.
  if (!typed) forms.delete(folded);
  return [...forms].join('\n');
}

/** FORMS' values already worked out, by kind and text: a search that scans reads every name again. */
const formsCache = [new Map<string, string>(), new Map<string, string>()];
const FORMS_CACHED = 50_000;

/** searchForms, remembered (up to FORMS_CACHED texts of each kind; then it starts again). */
function cachedSearchForms(text: unknown, name: unknown): string {
  if (typeof text !== 'string' || !text) return '';
  const cache = formsCache[name ? 1 : 0];
  let forms = cache.get(text);
  if (forms === undefined) {
    forms = searchForms(text, name);
    if (cache.size >= FORMS_CACHED) cache.clear();
    cache.set(text, forms);
  }
  return forms;
}

/** Registers FORMS on `db` (again is harmless). */
export function registerSearchForms(db: Database.Database): void {
  db.function(FORMS, { deterministic: true }, cachedSearchForms);
}

/**
 * Migration 17's SQL: the triggers note the studies whose text changed in study_search_pending
 * instead of writing their documents, and writeSearchDocuments() writes them all in one
 * statement (the library does after each import and when it opens). An FTS5 write from a
 * trigger costs several times the same write made for many rows in one statement: 10,000
 * studies written straight into SQLite spent about 1.5 s of CPU in the search triggers of
 * schema 15 (a document written when the study came in, deleted and written again for its
 * series), about 0.4 s with these and the one write (`lumen bench library`). A new study gets
 * its study_search_rows key with its document. Until its document is
 * written, a noted study is a candidate of every search (SEARCH_CANDIDATES), so the results
 * stay those of the scan.
 */
export const SEARCH_INDEX_PENDING_SQL = `
  CREATE TABLE study_search_pending (study_uid TEXT PRIMARY KEY) WITHOUT ROWID;
  DROP TRIGGER study_search_study_added;
  DROP TRIGGER study_search_study_removed;
  DROP TRIGGER study_search_study_changed;
  DROP TRIGGER study_search_series_added;
  DROP TRIGGER study_search_series_removed;
  DROP TRIGGER study_search_series_changed;
  DROP TRIGGER study_search_patient_changed;
${triggers(17)}`;

/**
 * Migration 20's SQL: each series keeps its files' own Patient ID (importer.ts; an older Lumen
 * filed a study by its Study Instance UID alone, so one study may hold two), and the search
 * finds a study by it. The series trigger notes a change of it too, and every study is noted,
 * so that the library writes the documents again, with the IDs, when it opens.
 */
export const SEARCH_INDEX_SERIES_IDS_SQL = `
  DROP TRIGGER study_search_series_changed;
  CREATE TRIGGER study_search_series_changed AFTER UPDATE OF study_uid, modality, description, patient_name, patient_id ON series
  WHEN old.study_uid IS NOT new.study_uid OR old.modality IS NOT new.modality OR old.description IS NOT new.description
    OR old.patient_name IS NOT new.patient_name OR old.patient_id IS NOT new.patient_id
  BEGIN
    INSERT OR IGNORE INTO study_search_pending (study_uid) VALUES (old.study_uid);
    INSERT OR IGNORE INTO study_search_pending (study_uid) VALUES (new.study_uid);
  END;
  INSERT OR IGNORE INTO study_search_pending (study_uid) SELECT study_uid FROM studies;`;

/**
 * Migration 33's SQL: every trigger that notes a study in study_search_pending made again with
 * noteOnce (see there why OR IGNORE failed the import); the study-removed trigger, which notes
 * nothing, is made again as it was. The documents are right as they are: a failed import changed nothing.
 */
export const SEARCH_INDEX_NOTES_SQL = `
  DROP TRIGGER study_search_study_added;
  DROP TRIGGER study_search_study_removed;
  DROP TRIGGER study_search_study_changed;
  DROP TRIGGER study_search_series_added;
  DROP TRIGGER study_search_series_removed;
  DROP TRIGGER study_search_series_changed;
  DROP TRIGGER study_search_patient_changed;
${pendingTriggers(33)}`;

/**
 * The studies a search that the index can narrow compares (an SQL list for `st.study_uid IN`, with
 * the FTS5 query as @fts): those whose document matches, and those whose document is still to be written.
 */
export const SEARCH_CANDIDATES = `SELECT k.study_uid FROM study_search s JOIN study_search_rows k ON k.id = s.rowid WHERE study_search MATCH @fts
  UNION ALL SELECT study_uid FROM study_search_pending`;

/**
 * Writes the documents of the studies noted in study_search_pending (schema 17), each once, in
 * one statement, and empties the list. Returns how many studies it wrote.
 */
export function writeSearchDocuments(db: Database.Database): number {
  const pending = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM study_search_pending').get()!.n;
  if (!pending) return 0;
  registerSearchForms(db);
  db.transaction(() => {
    db.exec(`INSERT INTO study_search_rows (study_uid) SELECT d.study_uid FROM study_search_pending d JOIN studies st ON st.study_uid = d.study_uid
        WHERE NOT EXISTS (SELECT 1 FROM study_search_rows k WHERE k.study_uid = d.study_uid);
      DELETE FROM study_search WHERE rowid IN (SELECT k.id FROM study_search_pending d JOIN study_search_rows k ON k.study_uid = d.study_uid);
      INSERT INTO study_search (rowid, doc) ${documents('k.study_uid IN (SELECT study_uid FROM study_search_pending)', true, true, true)};
      DELETE FROM study_search_pending;`);
  })();
  return pending;
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
