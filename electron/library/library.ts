import fs from 'node:fs';
import { IMPORT_ISSUE_KINDS, type ImportIssueKind } from '../../common/import-summary';
import os from 'node:os';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { ensurePrivateDir, PRIVATE_FILE_MODE } from '../../common/node/safe-fs';
import { appendAudit, readAudit, type AuditEntry, type AuditEvent } from './audit';
import { describeDiskProblem, isReadOnlyDisk } from '../../common/node/fs-errors';
import { describeFsError, LibraryError } from './errors';
import { Importer, safeFileName } from './importer';
import { cachedThumbnail, thumbnailNames } from './thumbnail-cache';
import { deleteMeasurement, listMeasurements, saveMeasurement } from './measurements';
import { removalPreview, removeFromLibrary, undoRemoval, type RemovalCounts, type RemovalTarget } from './remove';
import { migrate, refuseNewerLibrary, SCHEMA_VERSION } from './schema';
import { imagerSpacingDue, rereadImagerSpacing, rereadImagerSpacingInTurns, rereadMeasuredRows, rereadSeriesSpacing, type ImagerSpacingSummary } from './imager-spacing';
import { redecodeOldText, skippedFileLines } from './redecode';
import { fillSeriesPatients, fillSeriesPatientsInTurns, seriesPatientHeader, seriesPatientsDue, type SeriesPatientHeader, type SeriesPatientsSummary } from './series-patients';
import { FORMS, registerSearchForms, SEARCH_CANDIDATES, searchFold, searchIndexQuery, writeSearchDocuments } from './search-index';
import { LIBRARY_FILE } from './paths';
import { mapForImage, otherPatientResults, resultDocumentFiles, studyResults, type MapValues, type StudyResult } from './results';
import { readWholeFile } from './header';
import type { Measurement } from '../../common/contract/measurements';
import { sortInstances } from './sort';
import { cursorCondition, encodeCursor, filterConditions, orderBy, sortKeyColumns, STUDY_PAGE_DEFAULT, STUDY_PAGE_MAX, type StudyPageQuery } from './study-page';
import { NativeModuleError, openDatabase } from './sqlite';
import type {
  ImportErrorRecord,
  ImportOptions,
  ImportReport,
  InstanceRecord,
  PatientNode,
  SeriesDetail,
  SeriesSummary,
  StudyNode,
  StudyPage,
  StudySummary,
} from './types';
import { errorMessage } from '../../common/errors';

export { LIBRARY_FILE };

interface StudyRow {
  study_uid: string;
  patient_key: string;
  patient_id: string | null;
  patient_name: string | null;
  birth_date: string | null;
  sex: string | null;
  study_date: string | null;
  study_time: string | null;
  description: string | null;
  accession_number: string | null;
  modalities: string | null;
  series_count: number;
  instances: number;
  missing: number;
}

interface SeriesRow {
  series_uid: string;
  study_uid: string;
  modality: string | null;
  series_number: number | null;
  description: string | null;
  patient_name: string | null;
  birth_date: string | null;
  sex: string | null;
  localizer: number;
  /** The series' own Patient ID where it differs from that of the patient its study is filed under. */
  patient_id: string | null;
  instances: number;
  missing: number;
  frames: number;
}

interface InstanceDbRow {
  sop_uid: string;
  series_uid: string;
  sop_class_uid: string | null;
  path: string;
  file_size: number;
  mtime_ms: number;
  transfer_syntax: string | null;
  modality: string | null;
  instance_number: number | null;
  image_rows: number | null;
  image_columns: number | null;
  frames: number;
  pixel_spacing: string | null;
  slice_thickness: number | null;
  slice_location: number | null;
  image_position: string | null;
  image_orientation: string | null;
  window_center: string | null;
  window_width: string | null;
  rescale_slope: number | null;
  rescale_intercept: number | null;
  photometric: string | null;
  bits_allocated: number | null;
  has_pixel_data: number;
  missing: number;
  imported_at: string;
}

/**
 * The patient's name as the library's files give it (the study list's name and its "2 names"
 * warning). The patient row keeps the first name read, and a series its files' own name where it
 * differs (NULL: the patient's; importer.ts). When no series of the patient holds the row's name
 * any more (the file that gave it was renamed in place and read again, or its series removed), no
 * file gives it: the name of the patient's first series written is used instead. Worked out as the
 * rows are read, so that an Undo of the removal brings the first name back with its series.
 */
const PATIENTS_SERIES = 'FROM studies hs JOIN series hx ON hx.study_uid = hs.study_uid WHERE hs.patient_ref = p.id';
const HELD_NAME = `(CASE WHEN p.patient_name IS NULL OR EXISTS (SELECT 1 ${PATIENTS_SERIES} AND hx.patient_name IS NULL) THEN p.patient_name
  ELSE coalesce((SELECT hx.patient_name ${PATIENTS_SERIES} ORDER BY hx.rowid LIMIT 1), p.patient_name) END)`;
/** A series' own name (se.patient_name) where it differs from HELD_NAME, else NULL, as stored. */
const SERIES_OWN_NAME = `(SELECT CASE WHEN se.patient_name = ${HELD_NAME} THEN NULL ELSE se.patient_name END
  FROM studies st JOIN patients p ON p.id = st.patient_ref WHERE st.study_uid = se.study_uid)`;

const STUDY_SELECT = `
  SELECT st.study_uid, p.patient_key, p.patient_id, ${HELD_NAME} AS patient_name, p.birth_date, p.sex,
         st.study_date, st.study_time, st.description, st.accession_number,
         (SELECT group_concat(DISTINCT se.modality) FROM series se WHERE se.study_uid = st.study_uid) AS modalities,
         (SELECT count(*) FROM series se WHERE se.study_uid = st.study_uid) AS series_count,
         (SELECT count(*) FROM instances i JOIN series se ON se.series_uid = i.series_uid WHERE se.study_uid = st.study_uid) AS instances,
         (SELECT count(*) FROM instances i JOIN series se ON se.series_uid = i.series_uid WHERE se.study_uid = st.study_uid AND i.missing = 1) AS missing
  FROM studies st JOIN patients p ON p.id = st.patient_ref`;

const SERIES_SELECT = `
  SELECT se.series_uid, se.study_uid, se.modality, se.series_number, se.description, ${SERIES_OWN_NAME} AS patient_name, se.birth_date, se.sex, se.localizer,
         (SELECT se.patient_id FROM studies st JOIN patients p ON p.id = st.patient_ref WHERE st.study_uid = se.study_uid AND se.patient_id IS NOT p.patient_id) AS patient_id,
         count(i.sop_uid) AS instances, coalesce(sum(i.missing), 0) AS missing, coalesce(sum(i.frames), 0) AS frames
  FROM series se LEFT JOIN instances i ON i.series_uid = se.series_uid`;

const parseJson = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));

function studySummary(r: StudyRow): StudySummary {
  return {
    studyInstanceUid: r.study_uid,
    patientKey: r.patient_key,
    patientId: r.patient_id,
    patientName: r.patient_name,
    birthDate: r.birth_date,
    sex: r.sex,
    studyDate: r.study_date,
    studyTime: r.study_time,
    studyDescription: r.description,
    accessionNumber: r.accession_number,
    modalities: r.modalities ? [...new Set(r.modalities.split(','))].sort() : [],
    seriesCount: r.series_count,
    instances: r.instances,
    missing: r.missing,
  };
}

function seriesSummary(r: SeriesRow): SeriesSummary {
  return {
    seriesInstanceUid: r.series_uid,
    studyInstanceUid: r.study_uid,
    modality: r.modality,
    seriesNumber: r.series_number,
    seriesDescription: r.description,
    instances: r.instances,
    missing: r.missing,
    frames: r.frames,
    patientName: r.patient_name,
    birthDate: r.birth_date,
    sex: r.sex,
    patientId: r.patient_id,
    localizer: r.localizer === 1,
  };
}

function instanceRecord(r: InstanceDbRow): InstanceRecord {
  return {
    sopInstanceUid: r.sop_uid,
    sopClassUid: r.sop_class_uid,
    seriesInstanceUid: r.series_uid,
    path: r.path,
    fileSize: r.file_size,
    mtimeMs: r.mtime_ms,
    transferSyntaxUid: r.transfer_syntax,
    modality: r.modality,
    instanceNumber: r.instance_number,
    rows: r.image_rows,
    columns: r.image_columns,
    frames: r.frames,
    pixelSpacing: parseJson(r.pixel_spacing),
    sliceThickness: r.slice_thickness,
    sliceLocation: r.slice_location,
    imagePositionPatient: parseJson(r.image_position),
    imageOrientationPatient: parseJson(r.image_orientation),
    windowCenter: parseJson(r.window_center),
    windowWidth: parseJson(r.window_width),
    rescaleSlope: r.rescale_slope,
    rescaleIntercept: r.rescale_intercept,
    photometricInterpretation: r.photometric,
    bitsAllocated: r.bits_allocated,
    hasPixelData: r.has_pixel_data === 1,
    missing: r.missing === 1,
    importedAt: r.imported_at,
  };
}

/** Orders studies newest first, then by patient, so that lists read like a worklist. */
const STUDY_ORDER = ' ORDER BY st.study_date IS NULL, st.study_date DESC, st.study_time DESC, p.patient_name, st.study_uid';
const SERIES_ORDER = ' GROUP BY se.series_uid ORDER BY se.series_number IS NULL, se.series_number, se.description, se.series_uid';

type SearchParams = { q?: string; d?: string; n?: string; fts?: string };

/**
 * SQL function on the library's connection: text lower-cased in every script (searchFold). SQLite's LIKE
 * folds A–Z only, so a search with other letters compares both sides through it ("łukasz"
 * finds "Łukasz"); ASCII searches keep the plain LIKE (and its speed).
 */
const FOLD = 'lumen_fold';
function registerFold(db: Database.Database): void {
  db.function(FOLD, { deterministic: true }, (text: unknown) => (typeof text === 'string' ? searchFold(text) : text));
  registerSearchForms(db);
}

/**
 * The WHERE clause (on studies st, patients p) of a study search: patient name or ID, description, accession number, series modality or description, or date.
 * A search of 3 characters or more first narrows to the studies the trigram index (search-index.ts) finds, so LIKE compares those only.
 */
function studySearch(text: string | undefined): { where: string; condition: string | null; params: SearchParams } {
  const trimmed = text?.trim();
  if (!trimmed) return { where: '', condition: null, params: {} };
  const wide = /[^\p{ASCII}]/u.test(trimmed);
  const search = wide ? searchFold(trimmed) : trimmed;
  const col = (c: string) => (wide ? `${FOLD}(${c})` : c);
  const escape = (t: string) => `%${t.replace(/[\\%_]/g, (c) => '\\' + c)}%`;
  // Dates are stored as DICOM writes them (20240102); let "2024-01-02" find them too.
  const date = /^[\d-]+$/.test(search) ? search.replace(/-/g, '') : search;
  // Names as the list shows them ("Yamada, Tarou (山田 太郎)" for "Yamada^Tarou=山田^太郎"): "^" and "=" read as spaces, commas typed are dropped.
  // The search's own "^" and "=" are separators too, so a name typed as DICOM stores it ("o'brien^siobhan") meets the forms, which are of the spaced name.
  // A series' own name (its files' Patient's Name, when it differs from the study's patient's: schema 15) finds the study too, as does its own Patient ID (schema 20).
  // Each is one space, as the stored name's are, and not trimmed: "obrien^" is a family name ending there.
  const name = search.replace(/[,()]/g, ' ').replace(/\s+/g, ' ').trim().replace(/[\^=]/g, ' ');
  const fts = searchIndexQuery([search, name, date]);
  const indexed = fts ? `st.study_uid IN (${SEARCH_CANDIDATES}) AND ` : '';
  // Names and descriptions are also compared in their other forms (search-index.ts FORMS: Latin letters without their accents, without apostrophes, a name given name first), after the text itself.
  // A text of ASCII without apostrophes has none that such a search could find otherwise (a name given name first differs only across a space): GLOB, in C, spares the call for it.
  const spaced = /\s/.test(name);
  const forms = (c: string, isName: boolean, param: string) =>
    ` OR (${isName && spaced ? '' : `${c} GLOB '*[^ -&(-~]*' AND `}${FORMS}(${c}, ${isName ? 1 : 0}) LIKE ${param} ESCAPE '\\')`;
  const condition = `(${indexed}(${col('p.patient_name')} LIKE @q ESCAPE '\\' OR REPLACE(REPLACE(${col('p.patient_name')}, '^', ' '), '=', ' ') LIKE @n ESCAPE '\\' OR ${col('p.patient_id')} LIKE @q ESCAPE '\\' OR ${col('st.description')} LIKE @q ESCAPE '\\'
      OR ${col('st.accession_number')} LIKE @q ESCAPE '\\' OR st.study_date LIKE @d ESCAPE '\\'${forms('p.patient_name', true, '@n')}${forms('st.description', false, '@q')}
      OR EXISTS (SELECT 1 FROM series se2 WHERE se2.study_uid = st.study_uid AND (${col('se2.modality')} LIKE @q ESCAPE '\\' OR ${col('se2.description')} LIKE @q ESCAPE '\\'
        OR ${col('se2.patient_name')} LIKE @q ESCAPE '\\' OR REPLACE(REPLACE(${col('se2.patient_name')}, '^', ' '), '=', ' ') LIKE @n ESCAPE '\\' OR ${col('se2.patient_id')} LIKE @q ESCAPE '\\'${forms('se2.description', false, '@q')}${forms('se2.patient_name', true, '@n')}))))`;
  return { where: ` WHERE ${condition}`, condition, params: { q: escape(search), d: escape(date), n: escape(name), ...(fts ? { fts } : {}) } };
}

/**
 * Creates the library file 0600 before SQLite does (SQLite would make it 0644 and gives its
 * -wal and -shm files the same mode), and tightens an existing one and its companions.
 */
function makePrivateDatabase(file: string): void {
  if (!fs.existsSync(file)) fs.closeSync(fs.openSync(file, 'wx', PRIVATE_FILE_MODE));
  for (const f of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      if ((fs.statSync(f).mode & 0o777) !== PRIVATE_FILE_MODE) fs.chmodSync(f, PRIVATE_FILE_MODE);
    } catch {
      // no -wal/-shm while no connection is open; a file of another user's SQLite reports itself
    }
  }
}

/** A library made by a newer Lumen is refused untouched, as a LibraryError (writable and read-only opening alike). */
function refuseNewer(file: string): void {
  try {
    refuseNewerLibrary(file, openDatabase);
  } catch (err) {
    throw new LibraryError(errorMessage(err));
  }
}

/** The library cannot be opened because its disk is full or read-only: what to do about it. */
function diskProblemLine(file: string, problem: string): string {
  return `cannot open the library ${file}: ${problem}. Free space on that disk (or make it writable), or choose another data folder (in the app, Settings → Data folder; in the CLI, --library or LUMEN_DATA_DIR); nothing in the library was changed.`;
}

/**
 * The local library: one SQLite file (`<dir>/library.sqlite`, WAL) plus cached
 * thumbnails (`<dir>/thumbnails/`). Every method returns plain objects that
 * survive JSON (for the engine worker and the IPC contract).
 */
export class Library {
  private importing = false;
  /** The one-time spacing read (imager-spacing.ts) is still to run: left by open for readImagerSpacing. */
  private spacingPending = false;
  /** Settles when the last import asked for has ended: each import waits for the one before it. */
  private importQueue: Promise<void> = Promise.resolve();

  private constructor(
    readonly dir: string,
    private readonly db: Database.Database,
  ) {}

  /** Where open's one-time passes tell what they found, and the headers the re-decode read (for readSeriesPatients). */
  private opening: { log: (line: string) => void; most: number; headers?: ReadonlyMap<string, SeriesPatientHeader> } = { log: () => {}, most: 0 };

  /**
   * Opens (creating when needed) the library in `dir` and upgrades its schema. `log` gets the
   * files the one-time text re-decode left as they were (redecode.ts), each with why, and those
   * the one-time read of each series' own patient details found (series-patients.ts); without
   * it they go to stderr, at most 20 (the CLI). `seriesPatients: 'later'` leaves that read to
   * readSeriesPatients, which lets other work run meanwhile (the engine: ~0.2 ms a series).
   * `imagerSpacing: 'later'` likewise leaves the one-time read of projection X-rays' spacing and
   * ultrasound regions (imager-spacing.ts, ~60 ms per 1,000 images) to readImagerSpacing.
   */
  static open(dir: string, options: { log?: (line: string) => void; seriesPatients?: 'now' | 'later'; imagerSpacing?: 'now' | 'later' } = {}): Library {
    const resolved = path.resolve(dir);
    const file = path.join(resolved, LIBRARY_FILE);
    // On a read-only disk (a disc, a share mounted read-only, a disk the system made read-only
    // after errors) the library can still be viewed: opened read-only, nothing migrated or written.
    if (fs.existsSync(file) && isReadOnlyDisk(resolved)) return Library.openReadOnly(resolved, file);
    try {
      ensurePrivateDir(resolved);
    } catch (err) {
      throw new LibraryError(`cannot create the library folder ${resolved}: ${describeFsError(err)}. Choose another data folder (in the app, Settings → Data folder; in the CLI, --library or LUMEN_DATA_DIR).`);
    }
    // Before anything writes to it: a library made by a newer Lumen is refused untouched.
    refuseNewer(file);
    let db: Database.Database;
    try {
      makePrivateDatabase(file);
      db = openDatabase(file);
    } catch (err) {
      // Not about the file: the runtime cannot load SQLite at all; its message says how to fix that.
      if (err instanceof NativeModuleError) throw new LibraryError(err.message);
      const disk = describeDiskProblem(err, resolved);
      if (disk) throw new LibraryError(diskProblemLine(file, disk));
      throw new LibraryError(`cannot open the library ${file}: ${describeFsError(err)}. Check its permissions, or choose another data folder (in the app, Settings → Data folder; in the CLI, --library or LUMEN_DATA_DIR).`);
    }
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
      registerFold(db);
      migrate(db);
    } catch (err) {
      db.close();
      const disk = describeDiskProblem(err, resolved);
      if (disk) throw new LibraryError(diskProblemLine(file, disk));
      const detail = errorMessage(err);
      if (/file is not a database|malformed/i.test(detail)) {
        throw new LibraryError(`${file} is not a usable Lumen library (SQLite says: ${detail}). Move it away to start a new library, or choose another data folder (in the app, Settings → Data folder; in the CLI, --library or LUMEN_DATA_DIR).`);
      }
      throw new LibraryError(`cannot open the library ${file}: ${detail}`);
    }
    const log = options.log ?? ((line: string) => void process.stderr.write(`${line}\n`));
    const most = options.log ? Infinity : 20;
    const headers = new Map<string, SeriesPatientHeader>();
    try {
      // Once per library: text stored before character sets were read, decoded again (redecode.ts).
      const redecoded = redecodeOldText(db, undefined, (uid, header) => headers.set(uid, seriesPatientHeader(header)));
      if (redecoded?.skipped.length) {
        log(`Names and descriptions stored by an older Lumen were read again from the files; ${redecoded.skipped.length} of them could not be used and keep their old text:`);
        for (const line of skippedFileLines(redecoded, most)) log(`  ${line}`);
      }
    } catch {
      // Left for the next opening: all of it or none was written, and the library is usable as it is.
    }
    const library = new Library(resolved, db);
    library.opening = { log, most, headers: options.seriesPatients === 'later' ? headers : undefined };
    if (options.seriesPatients !== 'later') {
      try {
        // Then, once, each series' own patient details, unknown before schema 15 (series-patients.ts).
        library.tellSeriesPatients(fillSeriesPatients(db, { known: headers }));
      } catch {
        // As above: left for the next opening.
      }
    }
    if (options.imagerSpacing === 'later') {
      library.spacingPending = imagerSpacingDue(db);
    } else {
      try {
        // Once, the spacing of projection X-rays stored without one before schema 27, and the
        // regions and Pixel Aspect Ratio of rows from before migration 28 (imager-spacing.ts).
        library.tellImagerSpacing(rereadImagerSpacing(db));
      } catch {
        // Each batch written is kept; the rest is left for the next opening.
      }
    }
    try {
      // Documents still to write: the text re-decode's, the series' patient details', or left by a writer that stopped first.
      writeSearchDocuments(db);
    } catch {
      // Left for the next import or opening: until then those studies are compared by every search.
    }
    return library;
  }

  /** Why this library cannot be changed (its disk is read-only), or null when it can. */
  readOnlyReason: string | null = null;

  /**
   * The library's own connection when it is read-only, for other readers of the same file (the
   * training store): a second connection cannot be opened on a read-only disk (SQLite makes the
   * -shm file of a WAL library), nor reach a library read into memory. Null when it is writable.
   */
  readOnlyConnection(): Database.Database | null {
    return this.readOnlyReason ? this.db : null;
  }

  private static openReadOnly(resolved: string, file: string): Library {
    refuseNewer(file);
    let db: Database.Database;
    try {
      db = openDatabase(file, { readonly: true, fileMustExist: true });
      db.prepare('SELECT count(*) FROM sqlite_master').get();
    } catch {
      // SQLite opens a WAL library read-only only with its -shm file, which it cannot make on a
      // read-only disk: read the file into memory instead (closed cleanly, it holds everything),
      // marked as a rollback-journal database (header bytes 18 and 19) so SQLite reads it as it is.
      // Unless its last changes are still in library.db-wal (written by a Lumen that was stopped
      // before SQLite folded them in, then copied without its -shm file): only SQLite on a writable
      // disk applies them, and library.db alone would show the library as it was before them.
      let walBytes = 0;
      try {
        walBytes = fs.statSync(`${file}-wal`).size;
      } catch {
        // no WAL: library.db holds everything
      }
      if (walBytes > 0) {
        throw new LibraryError(
          `cannot open the library ${file}: the disk is read-only, and the library was not closed cleanly: its last changes are in ${path.basename(file)}-wal, which can only be applied on a writable disk. Make the disk writable and open the library once, or copy the library folder to a writable disk and open it there.`,
        );
      }
      try {
        const bytes = fs.readFileSync(file);
        if (bytes.length >= 100) bytes[18] = bytes[19] = 1;
        db = openDatabase(bytes, { readonly: true });
        db.prepare('SELECT count(*) FROM sqlite_master').get();
      } catch (err) {
        throw new LibraryError(`cannot open the library ${file}: the disk is read-only, and the library could not be read (${describeFsError(err)}). Copy the library folder to a writable disk and open it there.`);
      }
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version < SCHEMA_VERSION) {
      db.close();
      throw new LibraryError(
        `cannot open the library ${file}: the disk is read-only, and the library was made by an older Lumen (schema ${version}, this Lumen writes ${SCHEMA_VERSION}): it is upgraded once when opened on a writable disk. Make the disk writable, or copy the library folder to a writable disk.`,
      );
    }
    registerFold(db);
    const library = new Library(resolved, db);
    library.readOnlyReason = `the library ${resolved} is on a read-only disk: it can be viewed, but nothing can be imported, labelled or changed in it. Make the disk writable, or copy the library folder to a writable disk.`;
    return library;
  }

  /** Whether the once-per-library read of each series' own patient details (series-patients.ts) is still to run. */
  seriesPatientsDue(): boolean {
    return seriesPatientsDue(this.db);
  }

  /**
   * That read, for a library opened with `seriesPatients: 'later'`: other work runs between its
   * series, and it logs what it found as open does. Null when it had run already.
   */
  async readSeriesPatients(onProgress?: (done: number, total: number) => void): Promise<SeriesPatientsSummary | null> {
    const summary = await fillSeriesPatientsInTurns(this.db, { known: this.opening.headers, onProgress });
    this.opening.headers = undefined;
    this.tellSeriesPatients(summary);
    return summary;
  }

  private tellSeriesPatients(filled: SeriesPatientsSummary | null): void {
    const { log, most } = this.opening;
    if (filled?.conflicts.length) {
      log(
        `Each series' own patient details were read from its files (the library was imported before Lumen kept them): ${filled.conflicts.length} ` +
          `${filled.conflicts.length === 1 ? 'file gives' : 'files give'} other patient details (Patient ID, name, birth date or sex) than the library holds for the patient their study is filed under. ` +
          'Their series now keep their own, the study list marks their studies, and the import issues list them:',
      );
      for (const c of filled.conflicts.slice(0, most)) log(`  ${c.file}`);
      if (filled.conflicts.length > most) log(`  and ${filled.conflicts.length - most} more`);
    }
    if (filled?.skipped.length) {
      log(`${filled.skipped.length} of the files read for each series' own patient details could not be used; their series keep those of their patient:`);
      for (const line of skippedFileLines(filled, most)) log(`  ${line}`);
    }
  }

  /** Whether the one-time read of projection X-rays' spacing and ultrasound regions (imager-spacing.ts) is still to run here. */
  imagerSpacingDue(): boolean {
    return this.spacingPending;
  }

  /**
   * That read, for a library opened with `imagerSpacing: 'later'`: a batch of files a turn, so
   * other work runs meanwhile; closing the library stops it between two batches (the next opening
   * goes on from there). Logs the files it could not use as open does. Null when it had run already.
   */
  async readImagerSpacing(onProgress?: (done: number, total: number) => void): Promise<ImagerSpacingSummary | null> {
    if (this.readOnlyReason || !this.db.open) return null;
    try {
      // Closing the library closes its connection: the pass stops at its next turn.
      const summary = await rereadImagerSpacingInTurns(this.db, { onBatch: onProgress });
      this.tellImagerSpacing(summary);
      if (!summary?.stopped) this.spacingPending = false;
      return summary;
    } catch (err) {
      // Each batch written is kept; the rest is left for the next opening.
      if (!this.db.open) return null;
      throw err;
    }
  }

  /**
   * Before an export (ResultsStore.measurements): the measured rows of a series, a study or the
   * library that the pass has not reached yet, read now, so that what is exported does not depend
   * on how far the pass got. Nothing while no pass is due (the CLI read them within open).
   */
  readPendingOfMeasured(scope: { seriesInstanceUid?: string; studyInstanceUid?: string }): void {
    if (!this.spacingPending || this.readOnlyReason || !this.db.open) return;
    try {
      rereadMeasuredRows(this.db, scope);
    } catch {
      // Left for the pass: the export says what it can of those rows, as before.
    }
  }

  private tellImagerSpacing(summary: ImagerSpacingSummary | null): void {
    const { log, most } = this.opening;
    if (!summary?.skipped.length) return;
    log(
      `The pixel spacing of projection X-rays and the regions of ultrasound images imported by an older Lumen were read again from their files; ${summary.skipped.length} of them could not be used, and lengths measured on them are exported in pixels:`,
    );
    for (const line of skippedFileLines(summary, most)) log(`  ${line}`);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  /** The SQLite file's schema version (PRAGMA user_version). */
  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  /**
   * Imports folders (recursively), files and DICOMDIRs. Bad files are reported
   * in `errors` and never stop the import. One import at a time per Library.
   */
  async importPaths(paths: string[], opts: ImportOptions = {}): Promise<ImportReport> {
    if (this.readOnlyReason) throw new LibraryError(`Nothing was imported: ${this.readOnlyReason}`);
    // One import at a time, in the order asked: a second (the PACS receiver's batch beside the
    // user's folder, or the reverse) waits for the running one instead of being refused.
    const before = this.importQueue;
    let ended!: () => void;
    this.importQueue = new Promise<void>((resolve) => (ended = resolve));
    await before;
    this.importing = true;
    try {
      const report = await new Importer(this.db, this.thumbnailDir(), opts).run(paths);
      const { errors, ...counts } = report;
      const finish = () => {
        // The search index's documents of the studies the import changed, in one write (search-index.ts).
        writeSearchDocuments(this.db);
        this.audit('import', { touched: { files: paths.map((p) => path.resolve(p)), images: counts.imported + counts.changed }, ...counts, errors: errors.length });
      };
      try {
        finish();
      } catch (err) {
        // On a full or read-only disk the report says so (report.stopped); the documents are
        // written by the next import or opening, and until then a search compares those studies.
        const problem = describeDiskProblem(err, this.dir);
        if (!problem) throw err;
        if (!report.stopped) report.stopped = `The import's last step could not be written: ${problem} where the library is (${this.dir}). The images are imported; free space on that disk.`;
      }
      return report;
    } finally {
      this.importing = false;
      ended();
    }
  }

  /** Patients → studies → series, with counts. */
  listTree(): PatientNode[] {
    const studies = this.db.prepare<[], StudyRow>(STUDY_SELECT + STUDY_ORDER).all();
    const series = this.db.prepare<[], SeriesRow>(SERIES_SELECT + SERIES_ORDER).all();
    const seriesByStudy = new Map<string, SeriesSummary[]>();
    for (const s of series) {
      const list = seriesByStudy.get(s.study_uid) ?? [];
      list.push(seriesSummary(s));
      seriesByStudy.set(s.study_uid, list);
    }
    const patients = new Map<string, PatientNode>();
    for (const row of studies) {
      let patient = patients.get(row.patient_key);
      if (!patient) {
        patient = { patientKey: row.patient_key, patientId: row.patient_id, patientName: row.patient_name, birthDate: row.birth_date, sex: row.sex, studies: [], instances: 0 };
        patients.set(row.patient_key, patient);
      }
      const node: StudyNode = { ...studySummary(row), series: seriesByStudy.get(row.study_uid) ?? [] };
      patient.studies.push(node);
      patient.instances += node.instances;
    }
    return [...patients.values()].sort((a, b) => (a.patientName ?? '').localeCompare(b.patientName ?? '') || a.patientKey.localeCompare(b.patientKey));
  }

  /** Studies, newest first; `search` matches patient name or ID, description, accession number, modality or date (case-insensitive). */
  listStudies(opts: { search?: string } = {}): StudySummary[] {
    const { where, params } = studySearch(opts.search);
    return this.db.prepare<SearchParams, StudyRow>(STUDY_SELECT + where + STUDY_ORDER).all(params).map(studySummary);
  }

  /**
   * What the study list shows: the studies of listStudies, each with its series, in one pass
   * over the images (series counts first, study counts added up from them) instead of one
   * per study and count: at 10,000 images in 200 studies about half the time of listTree +
   * listStudies (10-28 ms against 26-54 ms here); at 2,000 one-image studies about the same.
   */
  listStudiesWithSeries(opts: { search?: string } = {}): StudyNode[] {
    const { where, params } = studySearch(opts.search);
    const studies = this.db
      .prepare<SearchParams, Omit<StudyRow, 'modalities' | 'series_count' | 'instances' | 'missing'>>(
        `SELECT st.study_uid, p.patient_key, p.patient_id, ${HELD_NAME} AS patient_name, p.birth_date, p.sex,
                st.study_date, st.study_time, st.description, st.accession_number
         FROM studies st JOIN patients p ON p.id = st.patient_ref` + where + STUDY_ORDER,
      )
      .all(params);
    const seriesWhere = where ? ` WHERE se.study_uid IN (SELECT st.study_uid FROM studies st JOIN patients p ON p.id = st.patient_ref${where})` : '';
    return this.withSeries(studies, seriesWhere, params);
  }

  /**
   * One page of the study list (study-page.ts): the studies matching the search and filters in
   * the sort's order, each with its series, after `cursor`; `nextCursor` is null on the last
   * page. `total` counts the matching studies, `unfiltered` those matching the search alone,
   * `modalities` the modalities among them (the filter's choices).
   */
  studyPage(q: StudyPageQuery = {}): StudyPage {
    const sort = q.sort ?? 'date';
    const limit = Math.min(STUDY_PAGE_MAX, Math.max(1, Math.floor(q.limit ?? STUDY_PAGE_DEFAULT)));
    const { condition, params: searchParams } = studySearch(q.search);
    const params: Record<string, unknown> = { ...searchParams };
    const searched = condition ? [condition] : [];
    const filtered = [...searched, ...filterConditions(q, params)];
    const where = (conditions: string[]) => (conditions.length ? ` WHERE ${conditions.join(' AND ')}` : '');
    const from = ' FROM studies st JOIN patients p ON p.id = st.patient_ref';
    const rows = this.db
      .prepare<Record<string, unknown>, Omit<StudyRow, 'modalities' | 'series_count' | 'instances' | 'missing'> & Record<string, unknown>>(
        `SELECT st.study_uid, p.patient_key, p.patient_id, ${HELD_NAME} AS patient_name, p.birth_date, p.sex,
                st.study_date, st.study_time, st.description, st.accession_number, ${sortKeyColumns(sort)}` +
          from + where([...filtered, ...cursorCondition(sort, q.cursor, params)]) + orderBy(sort) + ' LIMIT @limit',
      )
      .all({ ...params, limit: limit + 1 });
    const more = rows.length > limit;
    const page = rows.slice(0, limit);
    const count = (conditions: string[]) => this.db.prepare<Record<string, unknown>, { n: number }>('SELECT count(*) AS n' + from + where(conditions)).get(params)!.n;
    const total = count(filtered);
    const modalities = this.db
      .prepare<Record<string, unknown>, { modality: string }>(
        `SELECT DISTINCT se.modality FROM series se WHERE se.modality IS NOT NULL AND se.modality <> ''` +
          (condition ? ` AND se.study_uid IN (SELECT st.study_uid${from} WHERE ${condition})` : '') +
          ' ORDER BY se.modality',
      )
      .all(params)
      .map((r) => r.modality);
    return {
      studies: this.withSeries(page, ` WHERE se.study_uid IN (SELECT value FROM json_each(@uids))`, { uids: JSON.stringify(page.map((r) => r.study_uid)) }),
      nextCursor: more ? encodeCursor(sort, page[page.length - 1]) : null,
      total,
      unfiltered: filtered.length === searched.length ? total : count(searched),
      modalities,
    };
  }

  /**
   * How many instances the library holds of each of `studyUids` and of their series (the
   * PACS tab's "in library"), reading those studies only; studies it does not hold are left out.
   */
  holdings(studyUids: readonly string[]): { studyInstanceUid: string; instances: number; series: { seriesInstanceUid: string; instances: number }[] }[] {
    const rows = this.db
      .prepare<{ uids: string }, { study_uid: string; series_uid: string; instances: number }>(
        `SELECT se.study_uid, se.series_uid, count(i.sop_uid) AS instances
         FROM series se LEFT JOIN instances i ON i.series_uid = se.series_uid
         WHERE se.study_uid IN (SELECT value FROM json_each(@uids))
         GROUP BY se.series_uid ORDER BY se.study_uid, se.series_number IS NULL, se.series_number, se.series_uid`,
      )
      .all({ uids: JSON.stringify([...new Set(studyUids)]) });
    const studies = new Map<string, { studyInstanceUid: string; instances: number; series: { seriesInstanceUid: string; instances: number }[] }>();
    for (const r of rows) {
      const study = studies.get(r.study_uid) ?? { studyInstanceUid: r.study_uid, instances: 0, series: [] };
      study.instances += r.instances;
      study.series.push({ seriesInstanceUid: r.series_uid, instances: r.instances });
      studies.set(r.study_uid, study);
    }
    return [...studies.values()];
  }

  /** Study rows (in their order) with their series; `seriesWhere` picks the series of those studies (or more). */
  private withSeries<P extends object>(studies: Omit<StudyRow, 'modalities' | 'series_count' | 'instances' | 'missing'>[], seriesWhere: string, params: P): StudyNode[] {
    const seriesByStudy = new Map<string, SeriesSummary[]>();
    for (const row of this.db.prepare<P, SeriesRow>(SERIES_SELECT + seriesWhere + SERIES_ORDER).all(params)) {
      const list = seriesByStudy.get(row.study_uid) ?? [];
      list.push(seriesSummary(row));
      seriesByStudy.set(row.study_uid, list);
    }
    return studies.map((row) => {
      const series = seriesByStudy.get(row.study_uid) ?? [];
      const modalities = series.map((s) => s.modality).filter((m): m is string => Boolean(m));
      return {
        ...studySummary({ ...row, modalities: modalities.join(','), series_count: series.length, instances: 0, missing: 0 }),
        instances: series.reduce((n, s) => n + s.instances, 0),
        missing: series.reduce((n, s) => n + s.missing, 0),
        series,
      };
    });
  }

  /** One series with its study, or null when the library has no such series. */
  getSeries(seriesInstanceUid: string): SeriesDetail | null {
    const row = this.db.prepare<[string], SeriesRow>(SERIES_SELECT + ' WHERE se.series_uid = ?' + SERIES_ORDER).get(seriesInstanceUid);
    if (!row) return null;
    const study = this.db.prepare<[string], StudyRow>(STUDY_SELECT + ' WHERE st.study_uid = ?').get(row.study_uid)!;
    return { ...seriesSummary(row), study: studySummary(study) };
  }

  /** The series' instances in viewing order: instance number, then position along the slice normal, then slice location. */
  listInstances(seriesInstanceUid: string): InstanceRecord[] {
    if (this.spacingPending) {
      // The spacing pass has not reached all rows yet: this series' are read now, so that what is
      // measured on it exports in mm as the viewer shows it. Not its files' fault: logged by the pass.
      try {
        rereadSeriesSpacing(this.db, seriesInstanceUid);
      } catch {
        // Left for the pass.
      }
    }
    const rows = this.db.prepare<[string], InstanceDbRow>('SELECT * FROM instances WHERE series_uid = ?').all(seriesInstanceUid);
    return sortInstances(rows.map(instanceRecord));
  }

  /** Which of these SOP Instance UIDs the library already holds (a PACS retrieve skips them). */
  presentInstances(sopInstanceUids: readonly string[]): Set<string> {
    const present = new Set<string>();
    const lookup = this.db.prepare<[string], { sop_uid: string }>('SELECT sop_uid FROM instances WHERE sop_uid = ?');
    for (const uid of sopInstanceUids) if (lookup.get(uid)) present.add(uid);
    return present;
  }

  /**
   * Which of these instances the library holds in `studyInstanceUid`, each in the series the ref
   * names: what a PACS retrieve of that study skips. An image held under the same SOP Instance UID
   * in another series or study (another patient's, T-8) is not held here: the retrieve fetches it,
   * and the import refuses it with why (importer.ts sopOfAnotherImageReason).
   */
  presentInStudy(studyInstanceUid: string, refs: readonly { sopInstanceUid: string; seriesInstanceUid: string }[]): Set<string> {
    const lookup = this.db
      .prepare<[string, string, string], number>('SELECT 1 FROM instances i JOIN series se ON se.series_uid = i.series_uid WHERE i.sop_uid = ? AND i.series_uid = ? AND se.study_uid = ?')
      .pluck();
    const present = new Set<string>();
    for (const ref of refs) if (lookup.get(ref.sopInstanceUid, ref.seriesInstanceUid, studyInstanceUid)) present.add(ref.sopInstanceUid);
    return present;
  }

  /** The images (frames, as the study list counts them) of the instances the library holds among these SOP Instance UIDs. */
  imagesOf(sopInstanceUids: Iterable<string>): number {
    const lookup = this.db.prepare<[string], number>('SELECT frames FROM instances WHERE sop_uid = ?').pluck();
    let images = 0;
    for (const uid of sopInstanceUids) images += lookup.get(uid) ?? 0;
    return images;
  }

  /** Which of these SOP Instance UIDs the library holds as result documents (SR, Parametric Map: files that hold no image). */
  presentResults(sopInstanceUids: Iterable<string>): Set<string> {
    const lookup = this.db.prepare<[string], number>('SELECT 1 FROM result_documents WHERE sop_uid = ?').pluck();
    const present = new Set<string>();
    for (const uid of sopInstanceUids) if (lookup.get(uid)) present.add(uid);
    return present;
  }

  /** Files that could not be imported, most recent first. */
  importErrors(): ImportErrorRecord[] {
    return this.db
      .prepare<[], { path: string; reason: string; at: string; kind: string | null; kept_path: string | null }>(
        'SELECT path, reason, at, kind, kept_path FROM import_errors ORDER BY at DESC, path',
      )
      .all()
      .map((r) => ({
        file: r.path,
        reason: r.reason,
        kind: (IMPORT_ISSUE_KINDS as readonly string[]).includes(r.kind ?? '') ? (r.kind as ImportIssueKind) : 'error',
        ...(r.kept_path ? { keptFile: r.kept_path } : {}),
        at: r.at,
      }));
  }

  /**
   * A PNG of the series' middle image (at most 128 px on its longer side),
   * windowed with the file's window or the modality's default. Cached in
   * `<dir>/thumbnails/`; an import that changes the series drops the cache.
   */
  async thumbnail(seriesInstanceUid: string): Promise<Buffer> {
    // One an older Lumen drew is drawn again, or kept where it cannot be (thumbnail-cache.ts).
    return cachedThumbnail(this.thumbnailDir(), seriesInstanceUid, safeFileName(seriesInstanceUid), async () => {
      const instances = this.listInstances(seriesInstanceUid);
      if (instances.length === 0) throw new LibraryError(`no series ${seriesInstanceUid} in the library ${this.dir}. Import it first.`);
      // Loaded on first use: decoding pulls in the codecs, which listing and importing never need.
      const { renderThumbnail } = await import('./thumbnail');
      return renderThumbnail(instances, seriesInstanceUid);
    }, this.opening.log);
  }

  /** Appends to the audit log (who did what, with which package, to which studies, when): see audit.ts. */
  audit(action: string, event: AuditEvent = {}): void {
    let actor: string | null = null;
    try {
      actor = os.userInfo().username;
    } catch {
      // no user name on this system (e.g. a container without an entry for the uid)
    }
    appendAudit(this.db, action, actor, event);
  }

  /**
   * The audit entry of something that only read the library (an export, an evaluation), which
   * goes ahead on a read-only disk: null once recorded, else the sentence that tells the user
   * the entry could not be written.
   */
  auditUnlessReadOnly(action: string, event: AuditEvent = {}): string | null {
    if (this.readOnlyReason) return `Not recorded in the library's audit log: the library ${this.dir} is on a read-only disk.`;
    this.audit(action, event);
    return null;
  }

  /** For callers that hold no open Library (an export, a package install): opens the library in `dir` for one audit entry; null once recorded, else why not (auditUnlessReadOnly). */
  static audit(dir: string, action: string, event: AuditEvent = {}): string | null {
    const library = Library.open(dir);
    try {
      return library.auditUnlessReadOnly(action, event);
    } finally {
      library.close();
    }
  }

  /** The audit log in the order it was written; `since` (ISO time) keeps the entries at or after it. */
  auditEntries(opts: { since?: string } = {}): AuditEntry[] {
    return readAudit(this.db, opts);
  }

  /**
   * The series' measurements (drawn in the viewer), oldest first: see measurements.ts. Only those
   * on an image (and frame) the series holds now: an import that took the image out of the series,
   * or read its file again with fewer frames, leaves its measurements unlisted (they stay kept, and
   * are listed again if the image comes back). An image whose file is gone from disk is still held.
   */
  measurements(seriesInstanceUid: string): Measurement[] {
    const frames = new Map(
      this.db
        .prepare<[string], { sop_uid: string; frames: number }>('SELECT sop_uid, frames FROM instances WHERE series_uid = ?')
        .all(seriesInstanceUid)
        .map((r) => [r.sop_uid, Math.max(1, r.frames)]),
    );
    return listMeasurements(this.db, seriesInstanceUid).filter((m) => m.frame < (frames.get(m.sopInstanceUid) ?? 0));
  }

  /** Keeps a measurement, with the operating-system user as its author; saving the same id again changes nothing. */
  saveMeasurement(m: Measurement): Measurement {
    let author: string | null = null;
    try {
      author = os.userInfo().username;
    } catch {
      // no user name on this system
    }
    return saveMeasurement(this.db, m, author);
  }

  deleteMeasurement(id: string): boolean {
    return deleteMeasurement(this.db, id);
  }

  /** What removing a study or series would take from the library (remove.ts), changing nothing. */
  removalPreview(target: RemovalTarget): RemovalCounts {
    return removalPreview(this.db, this.dir, target);
  }

  /** Removes a study or series and all the library holds about it (remove.ts); files stay on disk. Returns the token that undoes it. */
  remove(target: RemovalTarget): { counts: RemovalCounts; undoToken: string } {
    if (this.importing) throw new LibraryError(`an import into ${this.dir} is running; remove the study when it has finished.`);
    // The audit entry is written in the removal's transaction: beside another writer it cannot fail
    // for the lock after the rows went, which would report a removal made as one that failed.
    const removed = removeFromLibrary(this.db, this.dir, target, (counts, undoToken) =>
      this.audit('remove', { touched: { studies: [counts.studyInstanceUid], series: counts.seriesInstanceUids, images: counts.images }, studyRemoved: counts.studyRemoved, labels: counts.labels, measurements: counts.measurements, predictions: counts.predictions, results: counts.results, undoToken }),
    );
    for (const uid of removed.counts.seriesInstanceUids) for (const name of thumbnailNames(safeFileName(uid))) fs.rmSync(path.join(this.thumbnailDir(), name), { force: true });
    return removed;
  }

  /** Puts back what the removal with `undoToken` took. */
  undoRemoval(undoToken: string): RemovalCounts {
    if (this.importing) throw new LibraryError(`an import into ${this.dir} is running; undo the removal when it has finished.`);
    return undoRemoval(this.db, this.dir, undoToken, (counts) =>
      this.audit('remove-undone', { touched: { studies: [counts.studyInstanceUid], series: counts.seriesInstanceUids, images: counts.images }, undoToken }),
    );
  }

  /** The SR documents and parametric maps imported with a study, newest first: see results.ts. */
  studyResults(studyInstanceUid: string): StudyResult[] {
    return studyResults(this.db, studyInstanceUid);
  }

  /** How many result documents filed with a study are of another patient, and not listed with it: see results.ts. */
  otherPatientResults(studyInstanceUid: string): number {
    return otherPatientResults(this.db, studyInstanceUid);
  }

  /** The files of result documents (SR, parametric maps) by SOP Instance UID, for Send to PACS. */
  resultDocumentFiles(sopInstanceUids: string[]): Map<string, string> {
    return resultDocumentFiles(this.db, sopInstanceUids);
  }

  /** The newest parametric map of an image's frame, with its values; null when there is none. */
  parametricMap(sopInstanceUid: string, frame: number): MapValues | null {
    return mapForImage(this.db, sopInstanceUid, frame, readWholeFile);
  }

  private thumbnailDir(): string {
    return path.join(this.dir, 'thumbnails');
  }
}
