import type Database from 'better-sqlite3';
import { APP_VERSION } from '../../common/version';
import type { ParsedDicom } from '../dicom/parse';
import { demographicsDiffer, otherDemographicsReason, ownDemographics, patientDescribedBy } from './importer';
import { readSeriesFile, TEXT_REDECODED_KEY, type FilesLeft } from './redecode';

// Schema 15 gave each series its own Patient's Name, Birth Date and Sex where its files say
// otherwise than its patient row (importer.ts). A library imported before holds NULL there for
// every series: when one Patient ID had two names in its files, the older importer kept the
// first and the second was hidden, its images shown under the first name. Once per library, on
// opening it, each series' own details are read again from its files, as redecode.ts does for
// text:
// - series whose three values are all NULL only (any other was written by schema 15's importer);
// - one file per series, its header only: the first imported that is unchanged, as the importer
//   writes a series' details from the first file it files of it. Files of one series that differ
//   among themselves cannot be told apart by the series row either way (a fresh import warns of
//   them and keeps the first); the viewer's corner text shows each displayed file's own name.
//   Reading every file would read the whole library's headers for that;
// - compared with the row of the patient the study is filed under (what the list shows the
//   images under) by the importer's own ownDemographics, after the text re-decode has run, so
//   text stored as Latin-1 is not taken for another name;
// - each series found gets its own values (its own Patient ID too, schema 20: a file of another
//   ID the older Lumen filed in this patient's study), and its file a `conflict` row in the import issues,
//   with the importer's reason, so the study list marks the study and the issues list names it;
// - files gone, changed since import or unreadable are left as they are and counted;
// - the files are read first, then every change and the record that this ran are written in one
//   transaction: all of it or none, and it runs once.

/** lumen_info key: the Lumen that read the series' own patient details (absent: not done yet). */
export const SERIES_PATIENTS_KEY = 'series_patients_read_by';

export interface SeriesPatientsSummary extends FilesLeft {
  /** Series whose own details were unknown (all NULL). */
  series: number;
  /** Series whose file was read. */
  read: number;
  /** Series given their own details: each one's file, and the importer's reason. */
  conflicts: { file: string; reason: string }[];
}

/**
 * True when a file and the patient its study is filed under both have a Patient ID, and they
 * differ: an older Lumen filed a study by its Study Instance UID alone, so one study could hold
 * two patients' files (the importer now refuses such a file: placementProblem in importer.ts).
 */
export function otherPatientId(held: string | null, file: string): boolean {
  const a = (held ?? '').trim();
  const b = file.trim();
  return a !== '' && b !== '' && a !== b;
}

/** The import issue for such a file. No patient data: reasons reach logs. */
export const OTHER_PATIENT_ID_REASON =
  "its Patient ID (0010,0020) differs from that of the patient its study is filed under: the study holds files of two patients (an older Lumen filed them together; this one refuses such a file at import). Check them, and remove the series from the library if it belongs to another patient.";

/** What the pass takes from a header: little, so that thousands can be held between reading and writing. */
export interface SeriesPatientHeader {
  file: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  patientId: string;
  patientName: string;
  patientBirthDate?: string;
  patientSex?: string;
}

/** The parts of a header this pass uses (the header's buffer may be reused by the next read). */
export function seriesPatientHeader(header: { parsed: ParsedDicom; file: string }): SeriesPatientHeader {
  const m = header.parsed.meta;
  return {
    file: header.file,
    seriesInstanceUid: m.seriesInstanceUid,
    studyInstanceUid: m.studyInstanceUid,
    patientId: m.patientId,
    patientName: m.patientName,
    patientBirthDate: m.patientBirthDate,
    patientSex: m.patientSex,
  };
}

const recorded = (db: Database.Database, key: string): boolean => db.prepare('SELECT 1 FROM lumen_info WHERE key = ?').get(key) !== undefined;

export interface SeriesPatientsOptions {
  /** Headers already read in this opening (by the re-decode), by series. */
  known?: ReadonlyMap<string, SeriesPatientHeader>;
  /** Called after each series. */
  onProgress?: (done: number, total: number) => void;
}

/** Whether the pass below has yet to run on this library (and may: the text re-decode is recorded). */
export function seriesPatientsDue(db: Database.Database): boolean {
  return !recorded(db, SERIES_PATIENTS_KEY) && recorded(db, TEXT_REDECODED_KEY);
}

/**
 * Reads, once, the own patient details of the series a library holds from before schema 15
 * (see above). Returns what it did, or null when it had already run or must wait for the text
 * re-decode (redecode.ts) to be recorded.
 */
export function fillSeriesPatients(db: Database.Database, options: SeriesPatientsOptions = {}): SeriesPatientsSummary | null {
  const steps = fillSteps(db, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The same, letting other work run between series (the engine answers requests meanwhile):
 * a turn of the event loop after every `seriesPerTurn` series.
 */
export async function fillSeriesPatientsInTurns(db: Database.Database, options: SeriesPatientsOptions & { seriesPerTurn?: number } = {}): Promise<SeriesPatientsSummary | null> {
  const steps = fillSteps(db, options);
  const every = options.seriesPerTurn ?? 50;
  for (let n = 1; ; n++) {
    const step = steps.next();
    if (step.done) return step.value;
    if (n % every === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

/** The pass, one series a step: reading yields after each series; the writing is one step. */
function* fillSteps(db: Database.Database, options: SeriesPatientsOptions): Generator<void, SeriesPatientsSummary | null> {
  if (!seriesPatientsDue(db)) return null;
  const rows = db
    .prepare<[], { series_uid: string; study_uid: string }>(
      `SELECT series_uid, study_uid FROM series WHERE patient_name IS NULL AND birth_date IS NULL AND sex IS NULL ORDER BY study_uid, series_uid`,
    )
    .all();
  const summary: SeriesPatientsSummary = { series: rows.length, read: 0, conflicts: [], gone: 0, changed: 0, unreadable: 0, skipped: [] };

  // Read the files first, outside the transaction.
  const headers: SeriesPatientHeader[] = [];
  for (const [i, r] of rows.entries()) {
    let header = options.known?.get(r.series_uid);
    if (!header) {
      const read = readSeriesFile(db, r.series_uid, summary);
      if (read) header = seriesPatientHeader(read);
    }
    if (header) {
      summary.read++;
      if (header.seriesInstanceUid === r.series_uid && header.studyInstanceUid === r.study_uid) headers.push(header);
    }
    options.onProgress?.(i + 1, rows.length);
    yield;
  }
  summary.skipped.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));

  // Then every change, and the record that this ran, at once. Each series is compared with its
  // patient row as it is now, and a series given details since it was read keeps them.
  db.transaction(() => {
    if (recorded(db, SERIES_PATIENTS_KEY)) return;
    const held = db.prepare<[string], { patient_id: string | null; patient_name: string | null; birth_date: string | null; sex: string | null }>(
      `SELECT p.patient_id, p.patient_name, p.birth_date, p.sex FROM series se JOIN studies st ON st.study_uid = se.study_uid JOIN patients p ON p.id = st.patient_ref
       WHERE se.series_uid = ? AND se.patient_name IS NULL AND se.birth_date IS NULL AND se.sex IS NULL`,
    );
    const setSeries = db.prepare('UPDATE series SET patient_name = ?, birth_date = ?, sex = ? WHERE series_uid = ?');
    const setSeriesId = db.prepare('UPDATE series SET patient_id = ? WHERE series_uid = ?');
    const setIssue = db.prepare(
      `INSERT INTO import_errors (path, reason, at, kind, kept_path) VALUES (?, ?, ?, 'conflict', NULL)
       ON CONFLICT (path) DO UPDATE SET reason = excluded.reason, at = excluded.at, kind = excluded.kind, kept_path = NULL`,
    );
    const at = new Date().toISOString();
    for (const h of headers) {
      const patient = held.get(h.seriesInstanceUid);
      if (!patient) continue;
      const own = ownDemographics(patient, h);
      const sameDetails = own.name === null && own.birthDate === null && own.sex === null;
      const otherId = otherPatientId(patient.patient_id, h.patientId);
      if (sameDetails && !otherId) continue;
      if (!sameDetails) setSeries.run(own.name, own.birthDate, own.sex, h.seriesInstanceUid);
      // Its own Patient ID (schema 20), so that the study card warns of two and either finds it.
      if (otherId) setSeriesId.run(h.patientId.trim(), h.seriesInstanceUid);
      const reason = otherId ? OTHER_PATIENT_ID_REASON : otherDemographicsReason(demographicsDiffer(patient, h), patientDescribedBy(h));
      setIssue.run(h.file, reason, at);
      summary.conflicts.push({ file: h.file, reason });
    }
    db.prepare('INSERT INTO lumen_info (key, value) VALUES (?, ?)').run(SERIES_PATIENTS_KEY, APP_VERSION);
  })();
  return summary;
}
