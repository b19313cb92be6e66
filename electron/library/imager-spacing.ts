import type Database from 'better-sqlite3';
import { APP_VERSION } from '../../common/version';
import { pixelCalibrationJson, readImportedHeader, type SkippedFile } from './header';

// Before schema 27 the importer read Pixel Spacing (0028,0030) alone: a CR or DX that gives only
// Imager Pixel Spacing (0018,1164), as most do, was stored without a spacing, and importing its
// file again does not refresh its row. The viewer reads the file and measures it in mm "(at
// detector)"; the measurement table and SR read instances.pixel_spacing and would write pixels.
// Once per library, on opening it, such rows read their spacing again:
// - only rows without a spacing whose modality or SOP class is a projection X-ray's (those that
//   may carry Imager Pixel Spacing), with pixel data, not marked missing;
// - each file's header only (never the pixel data), as the importer reads it (parse.ts
//   spacingOf: Imager Pixel Spacing over Estimated Radiographic Magnification Factor);
// - files gone, changed since import (size or time), unreadable, or holding another SOP
//   Instance UID are left as they are: never a failure of open;
// - rows are read in rowid order, a few hundred at a time, each batch's changes written with
//   the rowid reached in one transaction: a pass stopped part way (Lumen killed, the library
//   closed) goes on from there at the next opening; its end is recorded, and it never runs again;
// - each file left as it was is counted with why, for the opener to log (never a failure);
// - the CLI runs it within Library.open (one command, nothing else waiting); the engine opens
//   with `imagerSpacing: 'later'` and runs it in turns (rereadImagerSpacingInTurns, ~57 ms per
//   1,000 rows), so the app answers meanwhile: a series the viewer lists in the meantime has its
//   own rows read first (rereadSeriesSpacing), so its saved measurements export in mm;
// - a read-only library is never opened through here (Library.openReadOnly): it stays as it is.
//
// Migration 28 likewise left instances.pixel_calibration (ultrasound regions and Pixel Aspect
// Ratio, which measure an image without a usable spacing) NULL on every row imported before it:
// exports of such ultrasound then said "US regions not read". The same pass, in the same turns,
// reads those too, each file once for both (one pass, one notice), with its own end and rowid
// recorded (a library whose spacing pass had ended before 28 reads these alone). Candidates: rows
// without it, with pixel data, not missing, that are ultrasound or have no pixel spacing. A
// spacing, where present, measures the image (common/roi.ts calibrationAt puts it first), so
// neither regions nor ratio changes a number there; Pixel Aspect Ratio is required only where no
// spacing is given (PS3.3 C.7.6.3, Image Pixel Module); ultrasound rows are read whatever their
// spacing, since the exports measure a US row whose spacing is unusable by its regions. What the
// file holds is stored as the importer stores it ({} for neither).
// An export reads the pending rows it measures first (rereadMeasuredRows, from
// ResultsStore.measurements), so its numbers never depend on how far the pass got.

/** lumen_info key: the Lumen that read the projection X-rays' spacing again (absent: not done yet). */
export const IMAGER_SPACING_KEY = 'imager_spacing_read_by';
/** lumen_info key: the last instances rowid that pass has dealt with, while it is not done. */
export const IMAGER_SPACING_PROGRESS_KEY = 'imager_spacing_rowid';
/** lumen_info key: the Lumen that read the regions and aspect of rows from before migration 28 (absent: not done yet). */
export const PIXEL_CALIBRATION_KEY = 'pixel_calibration_read_by';
/** lumen_info key: the last instances rowid that part of the pass has dealt with, while it is not done. */
export const PIXEL_CALIBRATION_PROGRESS_KEY = 'pixel_calibration_rowid';

/** Modalities whose images may carry Imager Pixel Spacing (CR, DX, mammography, intra-oral, angiography and fluoroscopy). */
const MODALITIES = ['CR', 'DX', 'MG', 'IO', 'PX', 'XA', 'RF', 'RG'];
/** Their SOP classes, for files without a Modality. */
const SOP_CLASSES = [
  '1.2.840.10008.5.1.4.1.1.1', // Computed Radiography
  '1.2.840.10008.5.1.4.1.1.1.1', // Digital X-Ray, for presentation
  '1.2.840.10008.5.1.4.1.1.1.1.1', // ... for processing
  '1.2.840.10008.5.1.4.1.1.1.2', // Digital Mammography X-Ray
  '1.2.840.10008.5.1.4.1.1.1.2.1',
  '1.2.840.10008.5.1.4.1.1.1.3', // Digital Intra-Oral X-Ray
  '1.2.840.10008.5.1.4.1.1.1.3.1',
  '1.2.840.10008.5.1.4.1.1.12.1', // X-Ray Angiographic
  '1.2.840.10008.5.1.4.1.1.12.1.1', // Enhanced XA
  '1.2.840.10008.5.1.4.1.1.12.2', // X-Ray Radiofluoroscopic
  '1.2.840.10008.5.1.4.1.1.12.2.1', // Enhanced XRF
];
/** Ultrasound SOP classes (current and retired), for files without a Modality. */
const US_SOP_CLASSES = [
  '1.2.840.10008.5.1.4.1.1.6.1', // Ultrasound Image
  '1.2.840.10008.5.1.4.1.1.6', // retired
  '1.2.840.10008.5.1.4.1.1.3.1', // Ultrasound Multi-frame Image
  '1.2.840.10008.5.1.4.1.1.3', // retired
];
const list = (values: string[]): string => values.map((v) => `'${v}'`).join(', ');

export interface ImagerSpacingSummary {
  /** Rows that needed a look (this opening's part of them, where an earlier one was stopped). */
  rows: number;
  /** Files read. */
  read: number;
  /** Rows given a spacing and its kind. */
  updated: number;
  /** Rows given their ultrasound regions and Pixel Aspect Ratio as read ({} for neither). */
  calibrated: number;
  /** Files gone, changed since import, unreadable or of another instance: their rows kept as they were. */
  left: number;
  /** Those files, each with why (in words, never what the file holds), in the order read. */
  skipped: SkippedFile[];
  /** The pass was stopped (the library closed) before its end: the next opening goes on from where it was. */
  stopped?: boolean;
}

export interface ImagerSpacingOptions {
  /** Rows read between two writes (default 500). */
  batch?: number;
  /** Called after each batch is written (the tests stop the pass there). */
  onBatch?: (done: number, total: number) => void;
}

const recorded = (db: Database.Database, key: string): string | undefined =>
  (db.prepare<[string], { value: string }>('SELECT value FROM lumen_info WHERE key = ?').get(key))?.value;

/** Whether the pass (spacing, regions or both) is still to run (or to finish) on this library. */
export function imagerSpacingDue(db: Database.Database): boolean {
  return recorded(db, IMAGER_SPACING_KEY) === undefined || recorded(db, PIXEL_CALIBRATION_KEY) === undefined;
}

interface Row {
  rowid: number;
  sop_uid: string;
  path: string;
  file_size: number;
  mtime_ms: number;
  /** 1 where the row has no pixel_calibration yet. */
  no_calibration: number;
}

const SPACING_ROWS = `(pixel_spacing IS NULL AND missing = 0 AND has_pixel_data = 1
         AND (modality IN (${list(MODALITIES)}) OR sop_class_uid IN (${list(SOP_CLASSES)})))`;
const CALIBRATION_ROWS = `(pixel_calibration IS NULL AND missing = 0 AND has_pixel_data = 1
         AND (pixel_spacing IS NULL OR modality = 'US' OR sop_class_uid IN (${list(US_SOP_CLASSES)})))`;
/** A row's columns the pass reads; pixel_calibration only while that part is due (the column is migration 28's). */
const rowColumns = (due: Due): string => `rowid, sop_uid, path, file_size, mtime_ms, ${due.calibration ? 'pixel_calibration IS NULL' : '0'} AS no_calibration`;

/** Which parts of the pass are still to run, and from which rowid. */
interface Due {
  spacing: boolean;
  calibration: boolean;
  spacingFrom: number;
  calibrationFrom: number;
}

function dueOf(db: Database.Database): Due {
  return {
    spacing: recorded(db, IMAGER_SPACING_KEY) === undefined,
    calibration: recorded(db, PIXEL_CALIBRATION_KEY) === undefined,
    spacingFrom: Number(recorded(db, IMAGER_SPACING_PROGRESS_KEY) ?? 0) || 0,
    calibrationFrom: Number(recorded(db, PIXEL_CALIBRATION_PROGRESS_KEY) ?? 0) || 0,
  };
}

/** The rows the due parts still have to read (named parameters @spacingFrom, @calibrationFrom). */
function candidates(due: Due, from: boolean): string {
  const parts = [
    ...(due.spacing ? [from ? `(rowid > @spacingFrom AND ${SPACING_ROWS})` : SPACING_ROWS] : []),
    ...(due.calibration ? [from ? `(rowid > @calibrationFrom AND ${CALIBRATION_ROWS})` : CALIBRATION_ROWS] : []),
  ];
  return parts.length ? `(${parts.join(' OR ')})` : '0';
}

/** Reads the rows' files and writes the spacings found, in one transaction (with `after`, when given). */
function readRows(db: Database.Database, rows: Row[], summary: ImagerSpacingSummary, after?: () => void): void {
  // Read the files first, outside the transaction.
  const found: { rowid: number; sop: string; spacing: string | null; kind: string | null; calibration: string | null }[] = [];
  for (const r of rows) {
    const skip = (skipped: SkippedFile) => {
      summary.left++;
      summary.skipped.push(skipped);
    };
    const read = readImportedHeader(r);
    if ('skipped' in read) {
      skip(read.skipped);
      continue;
    }
    const m = read.parsed.meta;
    summary.read++;
    if (m.sopInstanceUid !== r.sop_uid) skip({ file: r.path, kind: 'changed', reason: 'now holds another image (its SOP Instance UID differs): import it again' });
    else {
      const spacing = m.pixelSpacing && m.pixelSpacingKind ? { spacing: JSON.stringify(m.pixelSpacing), kind: m.pixelSpacingKind } : { spacing: null, kind: null };
      found.push({ rowid: r.rowid, sop: r.sop_uid, ...spacing, calibration: r.no_calibration ? pixelCalibrationJson(m) : null });
    }
  }
  const set = db.prepare('UPDATE instances SET pixel_spacing = ?, pixel_spacing_kind = ? WHERE rowid = ? AND sop_uid = ? AND pixel_spacing IS NULL');
  // Prepared only where needed: a pass on the spacing alone runs on a library without the column (before 28).
  const calibrate = found.some((f) => f.calibration) ? db.prepare('UPDATE instances SET pixel_calibration = ? WHERE rowid = ? AND sop_uid = ? AND pixel_calibration IS NULL') : null;
  db.transaction(() => {
    for (const f of found) {
      if (f.spacing) summary.updated += set.run(f.spacing, f.kind, f.rowid, f.sop).changes;
      if (f.calibration && calibrate) summary.calibrated += calibrate.run(f.calibration, f.rowid, f.sop).changes;
    }
    after?.();
  })();
}

/** The pass, one batch a step: each batch's files read and its changes written with the rowid reached. */
function* spacingSteps(db: Database.Database, options: ImagerSpacingOptions): Generator<ImagerSpacingSummary, ImagerSpacingSummary | null> {
  const due = dueOf(db);
  if (!due.spacing && !due.calibration) return null;
  const from = { spacingFrom: due.spacingFrom, calibrationFrom: due.calibrationFrom };
  // Row ids only: the rows themselves are read a batch at a time (a closed library stops between two).
  const ids = db.prepare<typeof from, number>(`SELECT rowid FROM instances WHERE ${candidates(due, true)} ORDER BY rowid`).pluck().all(from);
  const summary: ImagerSpacingSummary = { rows: ids.length, read: 0, updated: 0, calibrated: 0, left: 0, skipped: [] };
  const progress = db.prepare('INSERT INTO lumen_info (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const get = db.prepare<typeof from & { first: number; last: number }, Row>(
    `SELECT ${rowColumns(due)} FROM instances WHERE rowid >= @first AND rowid <= @last AND ${candidates(due, true)} ORDER BY rowid`,
  );
  const batch = Math.max(1, options.batch ?? 500);
  for (let start = 0; start < ids.length; start += batch) {
    const last = ids[Math.min(start + batch, ids.length) - 1];
    // Rows read meanwhile (rereadSeriesSpacing, rereadMeasuredRows) are no candidates now, and are not read again.
    readRows(db, get.all({ ...from, first: ids[start], last }), summary, () => {
      if (due.spacing) progress.run(IMAGER_SPACING_PROGRESS_KEY, String(last));
      if (due.calibration) progress.run(PIXEL_CALIBRATION_PROGRESS_KEY, String(last));
    });
    options.onBatch?.(Math.min(start + batch, ids.length), ids.length);
    yield summary;
  }
  db.transaction(() => {
    db.prepare('DELETE FROM lumen_info WHERE key IN (?, ?)').run(IMAGER_SPACING_PROGRESS_KEY, PIXEL_CALIBRATION_PROGRESS_KEY);
    db.prepare('INSERT OR IGNORE INTO lumen_info (key, value) VALUES (?, ?)').run(IMAGER_SPACING_KEY, APP_VERSION);
    db.prepare('INSERT OR IGNORE INTO lumen_info (key, value) VALUES (?, ?)').run(PIXEL_CALIBRATION_KEY, APP_VERSION);
  })();
  return summary;
}

/**
 * Reads, once, the spacing of the projection X-rays a library stored without one before schema
 * 27 (see above), all at once. Returns what it did, or null when it had already run.
 */
export function rereadImagerSpacing(db: Database.Database, options: ImagerSpacingOptions = {}): ImagerSpacingSummary | null {
  const steps = spacingSteps(db, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The same pass, one batch a turn of the event loop (default 200 rows, ~12 ms), so that other
 * work runs between batches. `stop` (and a closed connection) ends it between two batches:
 * what was written is kept, and the summary says `stopped`.
 */
export async function rereadImagerSpacingInTurns(
  db: Database.Database,
  options: ImagerSpacingOptions & { stop?: () => boolean } = {},
): Promise<ImagerSpacingSummary | null> {
  const steps = spacingSteps(db, { batch: 200, ...options });
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
    if (options.stop?.() || !db.open) {
      steps.return(null);
      return { ...step.value, stopped: true };
    }
  }
}

/**
 * The rows of one series the pass has not reached yet, read now (a series the viewer opens
 * while the pass runs): the same checks, written at once. The pass skips them afterwards.
 */
export function rereadSeriesSpacing(db: Database.Database, seriesUid: string): ImagerSpacingSummary {
  return readNow(db, 'series_uid = @scope', seriesUid);
}

/**
 * The rows the pass has not reached yet that carry a measurement in a series or study (or in the
 * whole library), read now: an export's numbers are those of the files, however far the pass got.
 * Only measured rows: nothing else the exports write depends on a row's spacing or regions.
 */
export function rereadMeasuredRows(db: Database.Database, scope: { seriesInstanceUid?: string; studyInstanceUid?: string }): ImagerSpacingSummary {
  const measured = 'EXISTS (SELECT 1 FROM measurements m WHERE m.sop_uid = instances.sop_uid)';
  if (scope.seriesInstanceUid) return readNow(db, `series_uid = @scope AND ${measured}`, scope.seriesInstanceUid);
  if (scope.studyInstanceUid) return readNow(db, `series_uid IN (SELECT series_uid FROM series WHERE study_uid = @scope) AND ${measured}`, scope.studyInstanceUid);
  return readNow(db, `@scope IS NULL AND ${measured}`, null);
}

function readNow(db: Database.Database, where: string, scope: string | null): ImagerSpacingSummary {
  const summary: ImagerSpacingSummary = { rows: 0, read: 0, updated: 0, calibrated: 0, left: 0, skipped: [] };
  const due = dueOf(db);
  if (!due.spacing && !due.calibration) return summary;
  const rows = db.prepare<{ scope: string | null }, Row>(`SELECT ${rowColumns(due)} FROM instances WHERE ${where} AND ${candidates(due, false)} ORDER BY rowid`).all({ scope });
  summary.rows = rows.length;
  if (rows.length > 0) readRows(db, rows, summary);
  return summary;
}
