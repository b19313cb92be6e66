import type Database from 'better-sqlite3';
import { APP_VERSION } from '../../common/version';
import type { ParsedDicom } from '../dicom/parse';
import { readImportedHeader, type SkippedFile } from './header';
import { patientKeyOf } from './importer';

// A library imported before names and descriptions were decoded by Specific
// Character Set (electron/dicom/charset.ts) holds them as Latin-1, one
// character per byte: "Ä\u00e9\u00ef..." for a Greek name, escape sequences for
// ISO 2022. Once per library, on opening it, the text of the rows that can be
// affected is decoded again from their files:
// - only rows with a character outside printable ASCII: ASCII bytes decode the
//   same under every character set the library reads, so nothing else changes;
// - one file per affected series (the importer wrote patient, study and series
//   from the first file of a series), its header only, never the pixel data;
// - a stored value is replaced only where it is exactly what the old rules made
//   of that file's element, so text from another file is never overwritten;
// - files gone, changed since import (size or time) or unreadable are left as
//   they are and counted;
// - the files are read first, then every change and the record that this ran
//   are written in one transaction: all of it or none, and it runs once.

/** lumen_info key: the Lumen that re-decoded the library's text (absent: not done yet). */
export const TEXT_REDECODED_KEY = 'text_redecoded_by';

export interface RedecodeSummary {
  /** Series whose stored text could have been decoded by the old rules. */
  series: number;
  /** Series whose file was read. */
  read: number;
  /** Patient, study and series rows changed. */
  updated: number;
  /** Files no longer there, changed since import, or unreadable: their rows kept as they were. */
  gone: number;
  changed: number;
  unreadable: number;
  /**
   * Each file counted in gone, changed or unreadable: its path as the library stores it and why,
   * in words (never what the file holds), so that a user can find it.
   */
  skipped: SkippedFile[];
}

export type { SkippedFile } from './header';

/** The files the re-decode left as they were, one line each, at most `max` and "and N more". */
export function skippedFileLines(summary: Pick<RedecodeSummary, 'skipped'>, max = Infinity): string[] {
  const lines = summary.skipped.slice(0, max).map((s) => `${s.file}: ${s.reason}`);
  const more = summary.skipped.length - lines.length;
  return more > 0 ? [...lines, `and ${more} more`] : lines;
}

interface Row {
  series_uid: string;
  series_description: string | null;
  study_uid: string;
  study_description: string | null;
  accession_number: string | null;
  patient_ref: number;
  patient_key: string;
  patient_id: string | null;
  patient_name: string | null;
}

const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;
const affected = (...values: (string | null)[]): boolean => values.some((v) => v !== null && NOT_PRINTABLE_ASCII.test(v));

/** The element as the old rules read it: one Latin-1 character per byte up to the first NUL, trimmed; null when absent or empty. */
function oldText(parsed: ParsedDicom, tag: string): string | null {
  const el = parsed.dataSet.elements[tag];
  if (!el || !(el.length > 0)) return null;
  const bytes = parsed.dataSet.byteArray;
  const start = el.dataOffset;
  let end = start + el.length;
  if (end > bytes.length) return null;
  const nul = bytes.indexOf(0, start);
  if (nul >= 0 && nul < end) end = nul;
  const v = Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString('latin1').trim();
  return v === '' ? null : v;
}

const orNull = (v: string | undefined): string | null => (v === undefined || v.trim() === '' ? null : v.trim());

/** `stored` replaced by `decoded` only where it is what the old rules made of the same element. */
function fixed(stored: string | null, parsed: ParsedDicom, tag: string, decoded: string | undefined): string | null {
  const now = orNull(decoded);
  return stored !== null && now !== null && stored !== now && stored === oldText(parsed, tag) ? now : stored;
}

/** What a pass that reads files' headers counts of the files it could not use. */
export type FilesLeft = Pick<RedecodeSummary, 'gone' | 'changed' | 'unreadable' | 'skipped'>;

/**
 * The header of one unchanged file of the series (the first imported that is still as it was,
 * of the first three), and that file; or null, with what became of its files counted.
 */
export function readSeriesFile(db: Database.Database, seriesUid: string, summary: FilesLeft): { parsed: ParsedDicom; file: string } | null {
  const files = db
    .prepare<[string], { path: string; file_size: number; mtime_ms: number }>('SELECT path, file_size, mtime_ms FROM instances WHERE series_uid = ? AND missing = 0 ORDER BY rowid LIMIT 3')
    .all(seriesUid);
  for (const f of files) {
    const read = readImportedHeader(f);
    if ('parsed' in read) return { parsed: read.parsed, file: f.path };
    summary[read.skipped.kind]++;
    summary.skipped.push(read.skipped);
  }
  return null;
}

/**
 * Re-decodes, once, the text a library stored before character sets were read
 * (see above). Returns what it did, or null when it had already run.
 * `onProgress(done, total)` is called after each series read; `onHeader` gets each header
 * read (with its file), so that a later pass need not read it again (series-patients.ts).
 */
export function redecodeOldText(
  db: Database.Database,
  onProgress?: (done: number, total: number) => void,
  onHeader?: (seriesUid: string, header: { parsed: ParsedDicom; file: string }) => void,
): RedecodeSummary | null {
  const done = (): boolean => db.prepare('SELECT 1 FROM lumen_info WHERE key = ?').get(TEXT_REDECODED_KEY) !== undefined;
  if (done()) return null;
  const rows = db
    .prepare<[], Row>(
      `SELECT se.series_uid, se.description AS series_description, st.study_uid, st.description AS study_description, st.accession_number,
              p.id AS patient_ref, p.patient_key, p.patient_id, p.patient_name
       FROM series se JOIN studies st ON st.study_uid = se.study_uid JOIN patients p ON p.id = st.patient_ref
       ORDER BY p.id, st.study_uid, se.series_uid`,
    )
    .all()
    .filter((r) => affected(r.series_description, r.study_description, r.accession_number, r.patient_id, r.patient_name));
  const summary: RedecodeSummary = { series: rows.length, read: 0, updated: 0, gone: 0, changed: 0, unreadable: 0, skipped: [] };

  // Read the files first, outside the transaction: planned changes keyed by row.
  const seriesText = new Map<string, { from: string; to: string }>();
  const studyText = new Map<string, { from: [string | null, string | null]; to: [string | null, string | null] }>();
  const patientText = new Map<number, { from: Row; id: string | null; name: string | null }>();
  const studiesDone = new Set<string>();
  const patientsDone = new Set<number>();
  let visited = 0;
  for (const r of rows) {
    visited++;
    const needSeries = affected(r.series_description);
    const needStudy = affected(r.study_description, r.accession_number) && !studiesDone.has(r.study_uid);
    const needPatient = affected(r.patient_id, r.patient_name) && !patientsDone.has(r.patient_ref);
    if (!needSeries && !needStudy && !needPatient) continue;
    const header = readSeriesFile(db, r.series_uid, summary);
    const parsed = header?.parsed;
    if (header && parsed) {
      summary.read++;
      onHeader?.(r.series_uid, header);
      const m = parsed.meta;
      if (m.seriesInstanceUid === r.series_uid) {
        const sd = fixed(r.series_description, parsed, 'x0008103e', m.seriesDescription);
        if (sd !== r.series_description && sd !== null && r.series_description !== null) seriesText.set(r.series_uid, { from: r.series_description, to: sd });
        if (needStudy && m.studyInstanceUid === r.study_uid) {
          studiesDone.add(r.study_uid);
          const to: [string | null, string | null] = [fixed(r.study_description, parsed, 'x00081030', m.studyDescription), fixed(r.accession_number, parsed, 'x00080050', m.accessionNumber)];
          if (to[0] !== r.study_description || to[1] !== r.accession_number) studyText.set(r.study_uid, { from: [r.study_description, r.accession_number], to });
        }
        if (needPatient && m.studyInstanceUid === r.study_uid) {
          patientsDone.add(r.patient_ref);
          const id = fixed(r.patient_id, parsed, 'x00100020', m.patientId);
          const name = fixed(r.patient_name, parsed, 'x00100010', m.patientName);
          if (id !== r.patient_id || name !== r.patient_name) patientText.set(r.patient_ref, { from: r, id, name });
        }
      }
    }
    onProgress?.(visited, rows.length);
  }
  // In the order of their paths: files of one folder together, as a user looks for them.
  summary.skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));

  // Then every change, and the record that this ran, at once. A row changed since it was
  // read (an import in between) is left as it now is.
  db.transaction(() => {
    if (done()) return;
    const setSeries = db.prepare('UPDATE series SET description = ? WHERE series_uid = ? AND description = ?');
    for (const [uid, t] of seriesText) summary.updated += setSeries.run(t.to, uid, t.from).changes;
    const setStudy = db.prepare('UPDATE studies SET description = ?, accession_number = ? WHERE study_uid = ? AND description IS ? AND accession_number IS ?');
    for (const [uid, t] of studyText) summary.updated += setStudy.run(t.to[0], t.to[1], uid, t.from[0], t.from[1]).changes;
    const setPatient = db.prepare('UPDATE patients SET patient_key = ?, patient_id = ?, patient_name = ? WHERE id = ? AND patient_key = ? AND patient_id IS ? AND patient_name IS ?');
    const byKey = db.prepare<[string], { id: number }>('SELECT id FROM patients WHERE patient_key = ?');
    for (const [ref, t] of patientText) {
      // The key follows the importer's rule from the decoded text; when another patient already
      // has that key (imported again since), this patient's studies move to it.
      const key = t.from.patient_key === patientKeyOf(t.from.patient_id ?? '', t.from.patient_name ?? '') ? patientKeyOf(t.id ?? '', t.name ?? '') : t.from.patient_key;
      const other = key === t.from.patient_key ? undefined : byKey.get(key);
      if (other) {
        db.prepare('UPDATE studies SET patient_ref = ? WHERE patient_ref = ?').run(other.id, ref);
        summary.updated += db.prepare('DELETE FROM patients WHERE id = ?').run(ref).changes;
      } else {
        summary.updated += setPatient.run(key, t.id, t.name, ref, t.from.patient_key, t.from.patient_id, t.from.patient_name).changes;
      }
    }
    db.prepare('INSERT INTO lumen_info (key, value) VALUES (?, ?)').run(TEXT_REDECODED_KEY, APP_VERSION);
  })();
  return summary;
}
