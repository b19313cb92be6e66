import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { describeDiskProblem } from '../../common/node/fs-errors';
import { removeInside } from '../../common/node/safe-fs';
import { isLibraryUid, uidProblem } from '../../common/dicom-uid';
import { DicomFileError, pixelDataProblem, type ParsedDicom } from '../dicom/parse';
import { describeFsError } from './errors';
import { parseHeader, pixelCalibrationJson, readHead, readWholeFile, UnreadableFileError } from './header';
import { CaseInsensitiveResolver, isDicomdir, readDicomdirReferences, staysInsideFolder, walkFolder, type DicomdirReference } from './scan';
import { compareCopies, duplicateReason, judgeCopy, sameBytes, sameFile, whyKept, type CopyQuality } from './duplicates';
import { describeNoImageObject } from './sop-classes';
import { forgetResultFile, readResultDocument, resultFilesUnder, ResultReadError, resultKindOf, saveResultDocument, type ResultDocument, type ResultKind } from './results';
import type { ImportFileError, ImportOptions, ImportProgress, ImportReport } from './types';
import { thumbnailNames } from './thumbnail-cache';
import { checkImportedFile, sameAsRow, stampOf } from './imported-file';
import { writeTransaction } from './write-lock';
import type { ImportIssueKind } from '../../common/import-summary';

// Import: find files, read each one's header (never its pixels), and write
// what it says into the library in batched transactions. Per file (an image, or a result
// document: an SR or Parametric Map, results.ts):
//   same path, same size and mtime  -> "unchanged", not read again (sameAsRow, imported-file.ts)
//   same path, other size or mtime  -> "changed", read again
//   new path                        -> "imported"
//   anything unusable               -> an error with a reason, and the import goes on
// A file already in the library under an imported folder and gone from disk
// is marked missing (kept, reported), never silently dropped.

const PROGRESS_INTERVAL_MS = 100; // at most 10 progress events a second
// One transaction per ~20 ms of work: the import runs on the engine's event loop, so a
// request from the UI meanwhile (a viewer frame, the study list) waits for at most one
// batch. Commits stay cheap (WAL, synchronous=NORMAL): no slower in files/s than 100 ms.
const BATCH_MS = 20;

interface InstanceRow {
  sop_uid: string;
  series_uid: string;
  path: string;
  file_size: number;
  mtime_ms: number;
  missing: number;
}

/** A second copy as the library records it: its size and time, and the SOP Instance UID both copies carry. */
interface CopyRecord {
  size: number;
  mtimeMs: number;
  sopInstanceUid: string;
}

/** A file not imported whose kind follows from its bytes alone: recorded with its size and time, it is not read again while they stay (schema 21). */
type FileRecord = Omit<CopyRecord, 'sopInstanceUid'> & { sopInstanceUid?: string };

/** The kinds of issue a file's bytes alone decide, so that the same file again is reported as before without being read. */
const SETTLED_KINDS: readonly ImportIssueKind[] = ['no-image', 'not-dicom'];

interface QueuedFile {
  file: string;
  /** Set when the file was named by a DICOMDIR. */
  viaDicomdir?: string;
}

/** Parser reasons that mean "this is some other kind of file", not a damaged DICOM file (electron/dicom/parse.ts). */
const NOT_DICOM = /^(not a DICOM file|empty file)/;

/** The largest SR or Parametric Map read as a result (read whole, with dcmjs). */
const MAX_RESULT_BYTES = 256 * 2 ** 20;

const yieldToLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

function orNull<T>(value: T | undefined): T | null {
  return value === undefined || (typeof value === 'string' && value === '') ? null : value;
}

function finiteOrNull(value: number | undefined): number | null {
  return value === undefined || !Number.isFinite(value) ? null : value;
}

/** The library's key for a patient: the Patient ID, or the name when the file has none. */
export function patientKeyOf(patientId: string, patientName: string): string {
  return patientId.trim() !== '' ? patientId.trim() : `name:${patientName.trim()}`;
}

export class Importer {
  private readonly statements;
  private readonly resolver = new CaseInsensitiveResolver();
  private readonly errors: ImportFileError[] = [];
  private readonly queue: QueuedFile[] = [];
  private readonly queued = new Set<string>();
  private readonly touchedSeries = new Set<string>();
  private readonly seriesWritten = new Set<string>();
  /** Studies this import wrote images of, in the order first written (the UI highlights them). */
  private readonly studiesWritten = new Set<string>();
  private readonly missingFound = new Set<string>();
  /** Files skipped as a second copy of an image, to compare with the copy kept. */
  private readonly duplicates: { file: string; sopInstanceUid: string; seriesInstanceUid: string; studyInstanceUid: string; copy: CopyRecord }[] = [];
  private readonly counts = { scanned: 0, imported: 0, results: 0, importedImages: 0, unchanged: 0, changed: 0, missing: 0, dicomdirs: 0 };
  /** The frames of each file counted as imported, for a better copy that takes its place (fileInstead). */
  private readonly importedFrames = new Map<string, number>();
  private readonly now = new Date().toISOString();
  private phase: ImportProgress['phase'] = 'scanning';
  private lastProgress = 0;
  private currentFile: string | undefined;
  private scanDone = false;

  constructor(
    private readonly db: Database.Database,
    private readonly thumbnailDir: string,
    private readonly opts: ImportOptions = {},
  ) {
    this.statements = {
      byPath: db.prepare<[string], InstanceRow>('SELECT sop_uid, series_uid, path, file_size, mtime_ms, missing FROM instances WHERE path = ?'),
      bySop: db.prepare<[string], InstanceRow>('SELECT sop_uid, series_uid, path, file_size, mtime_ms, missing FROM instances WHERE sop_uid = ?'),
      resultByPath: db.prepare<[string], { file_size: number | null; mtime_ms: number | null }>('SELECT file_size, mtime_ms FROM result_documents WHERE path = ?'),
      unmarkMissing: db.prepare('UPDATE instances SET missing = 0 WHERE path = ?'),
      deleteByPath: db.prepare('DELETE FROM instances WHERE path = ?'),
      deleteBySop: db.prepare('DELETE FROM instances WHERE sop_uid = ?'),
      upsertPatient: db.prepare(`
        INSERT INTO patients (patient_key, patient_id, patient_name, birth_date, sex) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (patient_key) DO UPDATE SET
          patient_name = coalesce(patients.patient_name, excluded.patient_name),
          birth_date = coalesce(patients.birth_date, excluded.birth_date),
          sex = coalesce(patients.sex, excluded.sex)
        RETURNING id`),
      upsertStudy: db.prepare(`
        INSERT INTO studies (study_uid, patient_ref, study_date, study_time, description, accession_number) VALUES (?, ?, ?, ?, ?, ?)
        ON CONFLICT (study_uid) DO UPDATE SET
          study_date = coalesce(studies.study_date, excluded.study_date),
          study_time = coalesce(studies.study_time, excluded.study_time),
          description = coalesce(studies.description, excluded.description),
          accession_number = coalesce(studies.accession_number, excluded.accession_number)`),
      upsertSeries: db.prepare(`
        INSERT INTO series (series_uid, study_uid, modality, series_number, description, patient_name, birth_date, sex, localizer, patient_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (series_uid) DO UPDATE SET
          patient_id = coalesce(series.patient_id, excluded.patient_id),
          modality = coalesce(series.modality, excluded.modality),
          series_number = coalesce(series.series_number, excluded.series_number),
          description = coalesce(series.description, excluded.description),
          patient_name = coalesce(series.patient_name, excluded.patient_name),
          birth_date = coalesce(series.birth_date, excluded.birth_date),
          sex = coalesce(series.sex, excluded.sex),
          localizer = max(series.localizer, excluded.localizer)`),
      patientByKey: db.prepare<[string], { patient_name: string | null; birth_date: string | null; sex: string | null }>(
        'SELECT patient_name, birth_date, sex FROM patients WHERE patient_key = ?',
      ),
      studyOwner: db.prepare<[string], { patient_key: string }>('SELECT p.patient_key FROM studies st JOIN patients p ON p.id = st.patient_ref WHERE st.study_uid = ?'),
      seriesStudy: db.prepare<[string], { study_uid: string }>('SELECT study_uid FROM series WHERE series_uid = ?'),
      insertInstance: db.prepare(`
        INSERT INTO instances (
          sop_uid, series_uid, sop_class_uid, path, file_size, mtime_ms, transfer_syntax, modality, instance_number,
          image_rows, image_columns, frames, pixel_spacing, pixel_spacing_kind, pixel_calibration, slice_thickness, slice_location, image_position,
          image_orientation, window_center, window_width, rescale_slope, rescale_intercept, photometric,
          bits_allocated, has_pixel_data, content_date, missing, imported_at
        ) VALUES (
          @sop_uid, @series_uid, @sop_class_uid, @path, @file_size, @mtime_ms, @transfer_syntax, @modality, @instance_number,
          @image_rows, @image_columns, @frames, @pixel_spacing, @pixel_spacing_kind, @pixel_calibration, @slice_thickness, @slice_location, @image_position,
          @image_orientation, @window_center, @window_width, @rescale_slope, @rescale_intercept, @photometric,
          @bits_allocated, @has_pixel_data, @content_date, 0, @imported_at
        )`),
      upsertError: db.prepare(
        `INSERT INTO import_errors (path, reason, at, kind, kept_path, file_size, mtime_ms, sop_uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (path) DO UPDATE SET reason = excluded.reason, at = excluded.at, kind = excluded.kind, kept_path = excluded.kept_path,
           file_size = excluded.file_size, mtime_ms = excluded.mtime_ms, sop_uid = excluded.sop_uid`,
      ),
      duplicateByPath: db.prepare<[string], { reason: string; kept_path: string | null; file_size: number | null; mtime_ms: number | null; sop_uid: string | null }>(
        "SELECT reason, kept_path, file_size, mtime_ms, sop_uid FROM import_errors WHERE path = ? AND kind = 'duplicate'",
      ),
      resultBySop: db.prepare<[string], { path: string; file_size: number | null; mtime_ms: number | null; study_uid: string; series_uid: string }>(
        'SELECT path, file_size, mtime_ms, study_uid, series_uid FROM result_documents WHERE sop_uid = ?',
      ),
      clearError: db.prepare('DELETE FROM import_errors WHERE path = ?'),
      underRoot: db.prepare<[string, string], InstanceRow>(
        'SELECT sop_uid, series_uid, path, file_size, mtime_ms, missing FROM instances WHERE path >= ? AND path < ?',
      ),
      markMissing: db.prepare('UPDATE instances SET missing = 1 WHERE path = ?'),
      errorsUnderRoot: db.prepare<[string, string], { path: string }>('SELECT path FROM import_errors WHERE path >= ? AND path < ?'),
      settledByPath: db.prepare<[string], { reason: string; kind: ImportIssueKind; file_size: number | null; mtime_ms: number | null }>(
        `SELECT reason, kind, file_size, mtime_ms FROM import_errors WHERE path = ? AND kind IN (${SETTLED_KINDS.map((k) => `'${k}'`).join(', ')})`,
      ),
      dicomdirByPath: db.prepare<[string], { file_size: number; mtime_ms: number; refs: string }>('SELECT file_size, mtime_ms, refs FROM dicomdirs WHERE path = ?'),
      saveDicomdir: db.prepare(
        'INSERT INTO dicomdirs (path, file_size, mtime_ms, refs) VALUES (?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET file_size = excluded.file_size, mtime_ms = excluded.mtime_ms, refs = excluded.refs',
      ),
      forgetDicomdir: db.prepare('DELETE FROM dicomdirs WHERE path = ?'),
      dicomdirsUnderRoot: db.prepare<[string, string], { path: string }>('SELECT path FROM dicomdirs WHERE path >= ? AND path < ?'),
    };
  }

  async run(paths: string[]): Promise<ImportReport> {
    const started = performance.now();
    const roots = paths.map((p) => path.resolve(p));
    const folderRoots: string[] = [];
    const fileRoots: string[] = [];
    const { signal } = this.opts;

    // Phase 1: find the files.
    for (const root of roots) {
      if (signal?.aborted) break;
      let stat: fs.Stats;
      try {
        stat = fs.statSync(root);
      } catch (err) {
        // So that library files at or under this path are reported missing.
        fileRoots.push(root);
        folderRoots.push(root);
        if (!this.statements.byPath.get(root)) {
          const absent = (err as NodeJS.ErrnoException).code === 'ENOENT';
          this.addError(root, `cannot import: ${describeFsError(err)}. Check the path.`, absent ? 'not-found' : 'error');
        }
        continue;
      }
      if (stat.isDirectory()) {
        folderRoots.push(root);
        await walkFolder(root, (file) => this.enqueue({ file }), (e) => this.addError(e.file, e.reason), signal);
      } else {
        fileRoots.push(root);
        this.enqueue({ file: root });
      }
      this.progress();
    }
    this.scanDone = true;

    // Phase 2: read headers, write the library in batches.
    this.phase = 'reading';
    this.currentFile = undefined;
    this.progress(true);
    let next = 0;
    let stopped: string | undefined;
    while (next < this.queue.length && !signal?.aborted) {
      const batchStart = performance.now();
      const first = next;
      const before = this.snapshot();
      try {
        // The write lock up front, waited for as every other writer waits (write-lock.ts): beside
        // another Lumen that keeps committing (its import) the batch waits on, up to WRITE_LOCK_WAIT_MS,
        // instead of failing after SQLite's 5 s; beside one that holds it and commits nothing it fails
        // after busy_timeout with SQLITE_BUSY, which the CLI and the app word as they do for the others.
        let tried = false;
        writeTransaction(this.db, () => {
          // A try that lost the lock after it began starts the batch again from its first file.
          if (tried) {
            next = first;
            this.restore(before);
          }
          tried = true;
          while (next < this.queue.length && performance.now() - batchStart < BATCH_MS) {
            this.processFile(this.queue[next++]);
          }
        });
      } catch (err) {
        // A full or read-only disk: the batch was rolled back whole, the batches before it stay.
        const problem = describeDiskProblem(err, this.libraryDir);
        if (!problem) throw err;
        this.restore(before);
        stopped = this.stopFor(problem, this.queue.slice(first).map((q) => q.file));
        break;
      }
      this.progress();
      await yieldToLoop();
    }
    if (!signal?.aborted && !stopped) stopped = await this.untilDiskProblem(() => this.settleDuplicates());
    const cancelled = Boolean(signal?.aborted);

    // Phase 3: missing files (only after a complete scan: a cancelled import knows too little) and tidying.
    this.phase = 'finishing';
    this.currentFile = undefined;
    this.progress(true);
    if (!stopped) {
      stopped = await this.untilDiskProblem(async () =>
        writeTransaction(this.db, () => {
          if (!cancelled) this.markMissing(folderRoots, fileRoots);
          this.db.exec(`
          DELETE FROM series WHERE NOT EXISTS (SELECT 1 FROM instances i WHERE i.series_uid = series.series_uid);
          DELETE FROM studies WHERE NOT EXISTS (SELECT 1 FROM series s WHERE s.study_uid = studies.study_uid);
          DELETE FROM patients WHERE NOT EXISTS (SELECT 1 FROM studies s WHERE s.patient_ref = patients.id);
        `);
        }),
      );
    }
    this.counts.missing = this.missingFound.size;
    for (const uid of this.touchedSeries) for (const name of thumbnailNames(safeFileName(uid))) removeInside(this.thumbnailDir, path.join(this.thumbnailDir, name));

    const totals = this.db
      .prepare<[], { patients: number; studies: number; series: number; instances: number; images: number }>(
        `SELECT (SELECT count(*) FROM patients) AS patients, (SELECT count(*) FROM studies) AS studies,
                (SELECT count(*) FROM series) AS series, (SELECT count(*) FROM instances) AS instances,
                (SELECT coalesce(sum(frames), 0) FROM instances) AS images`,
      )
      .get()!;
    // Results filed by this import whose study holds no image in the library: listed nowhere until its images come (T1-9).
    const absent = this.db
      .prepare<[string], { documents: number; studies: number }>(
        `SELECT count(*) AS documents, count(DISTINCT d.study_uid) AS studies FROM result_documents d
         WHERE d.imported_at = ? AND NOT EXISTS (SELECT 1 FROM studies st WHERE st.study_uid = d.study_uid)`,
      )
      .get(this.now)!;
    this.phase = 'done';
    this.currentFile = undefined;
    this.progress(true);
    return {
      ...this.counts,
      ...totals,
      resultsWithoutStudy: absent.documents,
      studiesOfResultsWithoutStudy: absent.studies,
      errors: this.errors,
      at: this.now,
      studyInstanceUids: [...this.studiesWritten],
      cancelled,
      ...(stopped ? { stopped } : {}),
      seconds: Math.round((performance.now() - started) / 10) / 100,
    };
  }

  /** The folder of the library's SQLite file: where a full or read-only disk stops the import. */
  private get libraryDir(): string {
    return path.dirname(path.resolve(this.db.name));
  }

  /** What a batch changes in this import's own record, to put back when the batch is rolled back. */
  private snapshot() {
    return {
      counts: { ...this.counts },
      errors: [...this.errors],
      duplicates: this.duplicates.length,
      seriesWritten: new Set(this.seriesWritten),
      studiesWritten: new Set(this.studiesWritten),
      missingFound: new Set(this.missingFound),
    };
  }

  private restore(before: ReturnType<Importer['snapshot']>): void {
    Object.assign(this.counts, before.counts);
    this.errors.splice(0, this.errors.length, ...before.errors);
    this.duplicates.length = before.duplicates;
    for (const [set, was] of [
      [this.seriesWritten, before.seriesWritten],
      [this.studiesWritten, before.studiesWritten],
      [this.missingFound, before.missingFound],
    ] as const) {
      set.clear();
      for (const v of was) set.add(v);
    }
  }

  /**
   * Ends the import on a full or read-only disk: each file not reached is reported with why (in
   * the report only: the library cannot record it), and the line that says what to do.
   */
  private stopFor(problem: string, notReached: string[]): string {
    const where = `${problem} where the library is (${this.libraryDir})`;
    const reason = `not imported: ${where}. Free space on that disk (or make it writable), then import again.`;
    for (const file of notReached) this.errors.push({ file, reason, kind: 'not-written' });
    const n = notReached.length;
    return `The import stopped: ${where}. ${n} file${n === 1 ? ' was' : 's were'} not imported; what was imported before is kept. Free space on that disk (or make it writable), then import again to finish.`;
  }

  /** Runs a step of the import's end; a full or read-only disk stops it with the stop line (nothing more is written), any other error is thrown. */
  private async untilDiskProblem(step: () => Promise<unknown> | unknown): Promise<string | undefined> {
    try {
      await step();
      return undefined;
    } catch (err) {
      const problem = describeDiskProblem(err, this.libraryDir);
      if (!problem) throw err;
      return this.stopFor(problem, []);
    }
  }

  private enqueue(item: QueuedFile): void {
    if (this.queued.has(item.file)) return;
    this.queued.add(item.file);
    this.queue.push(item);
    if (!this.scanDone) this.progress();
  }

  private addError(file: string, reason: string, kind: ImportIssueKind = 'error', keptFile?: string, copy?: FileRecord): void {
    this.errors.push(keptFile ? { file, reason, kind, keptFile } : { file, reason, kind });
    this.statements.upsertError.run(file, reason, this.now, kind, keptFile ?? null, copy?.size ?? null, copy?.mtimeMs ?? null, copy?.sopInstanceUid ?? null);
  }

  private progress(force = false): void {
    const onProgress = this.opts.onProgress;
    if (!onProgress) return;
    const now = performance.now();
    if (!force && now - this.lastProgress < PROGRESS_INTERVAL_MS) return;
    this.lastProgress = now;
    onProgress({
      phase: this.phase,
      scanned: this.counts.scanned,
      total: this.scanDone ? this.queue.length : undefined,
      found: this.queue.length,
      imported: this.counts.imported + this.counts.changed,
      errors: this.errors.length,
      newFiles: this.counts.imported,
      results: this.counts.results,
      importedImages: this.counts.importedImages,
      unchanged: this.counts.unchanged,
      changed: this.counts.changed,
      notImported: this.errors.filter((e) => e.kind !== 'conflict').length,
      currentFile: this.currentFile,
    });
  }

  /** Reads one file and records what it is. Never throws for a bad file. */
  private processFile({ file, viaDicomdir }: QueuedFile): void {
    this.currentFile = file;
    this.counts.scanned++;
    const known = this.statements.byPath.get(file);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(file);
    } catch (err) {
      if (known) {
        if (!known.missing) {
          this.statements.markMissing.run(file);
          this.touchedSeries.add(known.series_uid);
        }
        this.missingFound.add(file);
        return;
      }
      const reason = viaDicomdir
        ? `listed in the DICOMDIR ${viaDicomdir} but not on disk (${describeFsError(err)}). Copy the whole disc or folder again.`
        : `cannot be read: ${describeFsError(err)}.`;
      this.addError(file, reason);
      return;
    }
    if (known && sameAsRow(known, stat)) {
      if (known.missing) this.statements.unmarkMissing.run(file);
      this.counts.unchanged++;
      return;
    }
    // A result document (SR, Parametric Map) is held by its path in result_documents: unchanged,
    // it is not read and filed again; changed, it is read again and filed only if it still is one.
    const heldResult = known ? undefined : this.statements.resultByPath.get(file);
    if (heldResult && sameAsRow(heldResult, stat)) {
      this.counts.unchanged++;
      return;
    }
    if (heldResult) forgetResultFile(this.db, file);
    // A second copy whose decision stands: neither it nor the copy kept changed since.
    const copy = known || heldResult ? undefined : this.statements.duplicateByPath.get(file);
    if (copy?.kept_path && copy.sop_uid && sameAsRow(copy, stat) && this.keepsUnchanged(copy.sop_uid, copy.kept_path)) {
      this.addError(file, copy.reason, 'duplicate', copy.kept_path, { size: stat.size, mtimeMs: stat.mtimeMs, sopInstanceUid: copy.sop_uid });
      return;
    }
    // Not DICOM, or a DICOM object without an image (schema 21), as it was: reported as before, not read.
    const settled = known || heldResult ? undefined : this.statements.settledByPath.get(file);
    if (settled && sameAsRow(settled, stat)) {
      this.addError(file, settled.reason, settled.kind, undefined, { size: stat.size, mtimeMs: stat.mtimeMs });
      return;
    }
    // A DICOMDIR as it was: the files it lists are looked for again, it is not read.
    const dicomdir = known || heldResult ? undefined : this.statements.dicomdirByPath.get(file);
    if (dicomdir) {
      const refs = sameAsRow(dicomdir, stat) ? heldReferences(dicomdir.refs) : null;
      if (refs) {
        this.followDicomdir(file, refs);
        return;
      }
      this.statements.forgetDicomdir.run(file);
    }
    // Filed before schema 19, without size and time: read once more to record them, and counted
    // as what it was, already in the library.
    const resultCount = !heldResult ? 'imported' : stampOf(heldResult) === null ? 'unchanged' : 'changed';

    let parsed: ParsedDicom;
    try {
      const head = readHead(file, stat.size);
      if (isDicomdir(head.bytes)) {
        if (known) this.forget(known);
        this.readDicomdir(file, head.complete ? head.bytes : readWholeFile(file), stat);
        return;
      }
      parsed = parseHeader(file, stat.size, head);
    } catch (err) {
      const reason =
        err instanceof DicomFileError || err instanceof UnreadableFileError
          ? err.reason
          : 'cannot be read as DICOM: Lumen met an error it did not expect. Report it, with the file if you may share it.';
      const notDicom = NOT_DICOM.test(reason);
      this.addError(file, reason, notDicom ? 'not-dicom' : 'error', undefined, notDicom ? { size: stat.size, mtimeMs: stat.mtimeMs } : undefined);
      if (known) this.forget(known);
      return;
    }
    const meta = parsed.meta;
    const problem =
      (!meta.sopInstanceUid && 'no SOP Instance UID (0008,0018): the library cannot tell this image apart from others. Export it again from its source.') ||
      (!meta.seriesInstanceUid && 'no Series Instance UID (0020,000E): the image cannot be placed in a series. Export it again from its source.') ||
      (!meta.studyInstanceUid && 'no Study Instance UID (0020,000D): the image cannot be placed in a study. Export it again from its source.') ||
      uidsProblem(meta) ||
      pixelDataProblem(meta);
    const resultKind = meta.sopInstanceUid && meta.seriesInstanceUid && meta.studyInstanceUid && !uidsProblem(meta) ? resultKindOf(meta.sopClassUid) : null;
    if (resultKind) {
      const heldAs = this.statements.resultBySop.get(meta.sopInstanceUid);
      if (heldAs && heldAs.path !== file && sameAsRow(heldAs, stat) && sameFile(file, heldAs.path)) {
        // A result the library holds under another name of this file: already in the library.
        this.statements.clearError.run(file);
        this.counts.unchanged++;
        return;
      }
      if (this.importResult(file, stat, known, resultKind, resultCount, meta)) return;
    }
    if (!meta.hasPixelData && problem === pixelDataProblem(meta)) {
      // RT Plans, structure sets and reports belong on a disc; they are not failures.
      const what = describeNoImageObject(meta.sopClassUid, meta.modality);
      this.addError(file, `${what}: a DICOM object without an image (no pixel data). There is nothing to show, so it was not imported.`, 'no-image', undefined, {
        size: stat.size,
        mtimeMs: stat.mtimeMs,
      });
      if (known) this.forget(known);
      return;
    }
    if (problem) {
      this.addError(file, problem);
      if (known) this.forget(known);
      return;
    }

    const holder = this.statements.bySop.get(meta.sopInstanceUid);
    if (holder && holder.path !== file && sameAsRow(holder, stat) && sameFile(file, holder.path)) {
      // The image the library holds under another name of this file: already in the library, by that name.
      if (holder.missing) this.statements.unmarkMissing.run(holder.path);
      if (known) this.forget(known);
      this.statements.clearError.run(file);
      this.counts.unchanged++;
      return;
    }
    // The same SOP Instance UID in another series (of another study or patient) is not the same
    // image: refused, and the image held stays where it is, with its labels and predictions (T-6).
    // A file read again (known) stays as the library read it before, as for a misplaced one below.
    if (holder && holder.path !== file && holder.series_uid !== meta.seriesInstanceUid) {
      this.addError(file, this.otherSeriesReason(holder, meta) + (known ? KEPT_AS_READ_BEFORE : ''));
      return;
    }
    // Checked before anything held is taken out: a changed file refused leaves the image the
    // library read from it before where it was (T-2), and the report says why.
    const misplaced = this.placementProblem(meta);
    if (misplaced) {
      this.addError(file, misplaced + (known ? KEPT_AS_READ_BEFORE : ''));
      return;
    }
    if (holder && holder.path !== file) {
      if (fs.existsSync(holder.path) && !sameFile(file, holder.path)) {
        // Which copy stays is decided once the headers are all read (settleDuplicates).
        const copy = { size: stat.size, mtimeMs: stat.mtimeMs, sopInstanceUid: meta.sopInstanceUid };
        this.addError(file, duplicateReason(meta.sopInstanceUid, holder.path, 'it was found first'), 'duplicate', holder.path, copy);
        this.duplicates.push({ file, sopInstanceUid: meta.sopInstanceUid, seriesInstanceUid: meta.seriesInstanceUid, studyInstanceUid: meta.studyInstanceUid, copy });
        if (known) this.forget(known);
        return;
      }
      // The file moved (the old path is gone), or changed since it was read under another name: the library follows it to this one.
      this.forget(holder);
    }
    if (known) this.forget(known);

    const key = patientKeyOf(meta.patientId, meta.patientName);
    const differs = demographicsDiffer(this.statements.patientByKey.get(key), meta);

    this.writeInstance(parsed, file, stat);
    this.statements.clearError.run(file);
    if (known) this.counts.changed++;
    else this.countImported(file, meta.numberOfFrames);
    if (differs.length > 0) this.addError(file, otherDemographicsReason(differs, patientDescribedBy(meta)), 'conflict');
  }

  /** Counts a new image file, and the images (frames) it holds. */
  private countImported(file: string, frames: number): void {
    this.counts.imported++;
    this.counts.importedImages += frames;
    this.importedFrames.set(file, frames);
  }

  /**
   * Files an SR or Parametric Map as a study-level result (results.ts). False when it holds
   * nothing to list (an SR without content): the caller reports it as an object without an image.
   */
  private importResult(
    file: string,
    stat: fs.Stats,
    known: InstanceRow | undefined,
    kind: ResultKind,
    countAs: 'imported' | 'changed' | 'unchanged',
    patient: { patientId: string; patientName: string },
  ): boolean {
    let doc: ResultDocument;
    try {
      if (stat.size > MAX_RESULT_BYTES) throw new ResultReadError(`it is ${Math.round(stat.size / 2 ** 20)} MiB, more than the ${MAX_RESULT_BYTES / 2 ** 20} MiB Lumen reads as a result`);
      doc = readResultDocument(readWholeFile(file), kind);
    } catch (err) {
      const what = kind === 'sr' ? 'a structured report (SR)' : 'a parametric map';
      const reason = err instanceof ResultReadError ? err.message : err instanceof UnreadableFileError ? err.reason : 'Lumen met an error it did not expect';
      this.addError(file, `${what} that cannot be read: ${reason.replace(/\.$/, '')}.`);
      if (known) this.forget(known);
      return true;
    }
    if (kind === 'sr' && doc.findings.length === 0) {
      forgetResultFile(this.db, file);
      return false;
    }
    if (known) this.forget(known);
    // The image import's rule (placementProblem): a study the library holds for another patient
    // key is not this document's, whatever its Study Instance UID says. Not filed, so that no
    // result is listed under another patient's name; what the file held before goes too.
    const patientKey = patientKeyOf(patient.patientId, patient.patientName);
    const owner = this.statements.studyOwner.get(doc.studyInstanceUid);
    if (owner && owner.patient_key !== patientKey) {
      forgetResultFile(this.db, file);
      this.addError(file, resultOfAnotherPatientReason(kind, doc.studyInstanceUid, patientDescribedBy(patient)));
      return true;
    }
    const holder = this.statements.resultBySop.get(doc.sopInstanceUid);
    if (holder && holder.path !== file && fs.existsSync(holder.path) && !sameFile(file, holder.path)) {
      if (holder.study_uid !== doc.studyInstanceUid || holder.series_uid !== doc.seriesInstanceUid) {
        // Another study's or series' document under the same SOP Instance UID (another patient's): not a copy of it (T-6's rule for images).
        this.addError(file, sopOfAnotherResultReason(doc.sopInstanceUid, { path: holder.path, seriesUid: holder.series_uid, studyUid: holder.study_uid }, { seriesUid: doc.seriesInstanceUid, studyUid: doc.studyInstanceUid }));
        return true;
      }
      // A second copy: the one found first stays (an SR or a map is not decoded to compare).
      const copy = { size: stat.size, mtimeMs: stat.mtimeMs, sopInstanceUid: doc.sopInstanceUid };
      this.addError(file, duplicateReason(doc.sopInstanceUid, holder.path, 'it was found first', 'result document'), 'duplicate', holder.path, copy);
      return true;
    }
    saveResultDocument(this.db, doc, file, stat, this.now, patientKey);
    this.statements.clearError.run(file);
    this.counts[countAs]++;
    if (countAs === 'imported') this.counts.results++;
    return true;
  }

  /**
   * For each image met twice: keeps the complete, decodable copy (see duplicates.ts), and
   * reports the other as the duplicate, naming the copy kept.
   */
  private async settleDuplicates(): Promise<void> {
    const quality = new Map<string, Promise<CopyQuality>>();
    const judge = (file: string) => {
      let q = quality.get(file);
      if (!q) quality.set(file, (q = judgeCopy(file)));
      return q;
    };
    for (const { file, sopInstanceUid, seriesInstanceUid, studyInstanceUid, copy } of this.duplicates) {
      if (this.opts.signal?.aborted) return;
      const holder = this.statements.bySop.get(sopInstanceUid);
      if (holder?.path === file) continue;
      this.currentFile = file;
      this.progress();
      if (holder && holder.series_uid !== seriesInstanceUid) {
        // The copy it met was read again in this import and is now in another series: not the same image (T-6).
        this.setError(file, this.otherSeriesReason(holder, { sopInstanceUid, seriesInstanceUid, studyInstanceUid }), 'error');
        continue;
      }
      if (!holder) {
        // The copy it met is no longer held (read again in this import, it changed or went): this one goes in.
        writeTransaction(this.db, () => this.fileInstead(file, sopInstanceUid));
        continue;
      }
      if (sameBytes(file, holder.path)) {
        this.setError(file, duplicateReason(sopInstanceUid, holder.path, 'the two files are identical'), 'duplicate', holder.path, copy);
        continue;
      }
      const [candidate, kept] = [await judge(file), await judge(holder.path)];
      if (compareCopies(candidate, kept) <= 0) {
        this.setError(file, duplicateReason(sopInstanceUid, holder.path, whyKept(kept, candidate)), 'duplicate', holder.path, copy);
        continue;
      }
      // The copy found later is the better one: it takes the other's place.
      writeTransaction(this.db, () => this.fileInstead(file, sopInstanceUid, { holder, why: whyKept(candidate, kept) }));
      await yieldToLoop();
    }
  }

  /**
   * Files a copy first reported as a duplicate: in place of the copy held (`replaced`, which is
   * then reported as the duplicate), or where no copy is held any more. Within a transaction.
   */
  private fileInstead(file: string, sopInstanceUid: string, replaced?: { holder: InstanceRow; why: string }): void {
    let stat: fs.Stats;
    let parsed: ParsedDicom;
    try {
      stat = fs.statSync(file);
      parsed = parseHeader(file, stat.size);
    } catch {
      return; // changed since it was read: keep what the library has
    }
    if (parsed.meta.sopInstanceUid !== sopInstanceUid) return;
    const misplaced = this.placementProblem(parsed.meta);
    if (misplaced) {
      // The copy names another patient's study or another study's series: the copy the
      // library holds (if any) stays, and the report says why this one was not taken.
      this.setError(file, misplaced, 'error');
      return;
    }
    if (replaced) this.forget(replaced.holder);
    this.writeInstance(parsed, file, stat);
    this.statements.clearError.run(file);
    this.dropError(file);
    if (!replaced) {
      this.countImported(file, parsed.meta.numberOfFrames);
      return;
    }
    const { holder, why } = replaced;
    // The copy it replaces was imported by this import: its images are this one's.
    const was = this.importedFrames.get(holder.path);
    if (was !== undefined) {
      this.importedFrames.delete(holder.path);
      this.importedFrames.set(file, parsed.meta.numberOfFrames);
      this.counts.importedImages += parsed.meta.numberOfFrames - was;
    }
    this.setError(holder.path, duplicateReason(sopInstanceUid, file, why), 'duplicate', file, { size: holder.file_size, mtimeMs: holder.mtime_ms, sopInstanceUid });
  }

  /**
   * Whether the library still holds `sopInstanceUid` (an image or a result document) from
   * `keptFile`, and that file is as it was when read: then a second copy that has not changed
   * either is a duplicate as before, and need not be read (or decoded) again.
   */
  private keepsUnchanged(sopInstanceUid: string, keptFile: string): boolean {
    const image = this.statements.bySop.get(sopInstanceUid);
    const held = image && !image.missing ? image : this.statements.resultBySop.get(sopInstanceUid);
    const recorded = held && held.path === keptFile ? stampOf(held) : null;
    return recorded !== null && checkImportedFile(keptFile, recorded).same;
  }

  /**
   * Why filing this image would put it under another patient or in another study, or null: its
   * study is held for another patient key, or its series is held in another study. Filed as the
   * library's rows say, the image would show under the other patient's name or study.
   */
  private placementProblem(m: { patientId: string; patientName: string; studyInstanceUid: string; seriesInstanceUid: string }): string | null {
    const owner = this.statements.studyOwner.get(m.studyInstanceUid);
    if (owner && owner.patient_key !== patientKeyOf(m.patientId, m.patientName)) return STUDY_OF_ANOTHER_PATIENT;
    const home = this.statements.seriesStudy.get(m.seriesInstanceUid);
    if (home && home.study_uid !== m.studyInstanceUid) return SERIES_OF_ANOTHER_STUDY;
    return null;
  }

  /** Why a file is refused whose SOP Instance UID the library holds for an image in another series (UIDs and a path: no patient data). */
  private otherSeriesReason(holder: InstanceRow, m: { sopInstanceUid: string; seriesInstanceUid: string; studyInstanceUid: string }): string {
    const heldStudy = this.statements.seriesStudy.get(holder.series_uid)?.study_uid ?? 'unknown';
    return sopOfAnotherImageReason(m.sopInstanceUid, { path: holder.path, seriesUid: holder.series_uid, studyUid: heldStudy }, { seriesUid: m.seriesInstanceUid, studyUid: m.studyInstanceUid });
  }

  /** Records an error, or replaces the one this import already recorded for the file. */
  private setError(file: string, reason: string, kind: ImportIssueKind, keptFile?: string, copy?: CopyRecord): void {
    this.dropError(file);
    this.addError(file, reason, kind, keptFile, copy);
  }

  private dropError(file: string): void {
    const at = this.errors.findIndex((e) => e.file === file);
    if (at >= 0) this.errors.splice(at, 1);
  }

  private forget(row: InstanceRow): void {
    this.statements.deleteBySop.run(row.sop_uid);
    this.touchedSeries.add(row.series_uid);
  }

  private writeInstance(parsed: ParsedDicom, file: string, stat: fs.Stats): void {
    const m = parsed.meta;
    if (!this.seriesWritten.has(m.seriesInstanceUid)) {
      this.seriesWritten.add(m.seriesInstanceUid);
      this.studiesWritten.add(m.studyInstanceUid);
      const key = patientKeyOf(m.patientId, m.patientName);
      // The series keeps the file's own values where they differ from the patient's (NULL: the same).
      const own = ownDemographics(this.statements.patientByKey.get(key), m);
      const patient = this.statements.upsertPatient.get(
        key,
        orNull(m.patientId.trim()),
        orNull(m.patientName.trim()),
        orNull(m.patientBirthDate),
        orNull(m.patientSex),
      ) as { id: number };
      this.statements.upsertStudy.run(m.studyInstanceUid, patient.id, orNull(m.studyDate), orNull(m.studyTime), orNull(m.studyDescription), orNull(m.accessionNumber));
      this.statements.upsertSeries.run(
        m.seriesInstanceUid,
        m.studyInstanceUid,
        orNull(m.modality),
        finiteOrNull(m.seriesNumber),
        orNull(m.seriesDescription),
        own.name,
        own.birthDate,
        own.sex,
        isLocalizer(parsed.dataSet.string('x00080008')) ? 1 : 0,
        // Its files' own Patient ID, always (schema 20): the same as the patient's at import, as
        // placementProblem refuses a file of another ID in a study held; an older Lumen's is not.
        orNull(m.patientId.trim()),
      );
    }
    this.touchedSeries.add(m.seriesInstanceUid);
    this.statements.insertInstance.run({
      sop_uid: m.sopInstanceUid,
      series_uid: m.seriesInstanceUid,
      sop_class_uid: orNull(m.sopClassUid),
      path: file,
      file_size: stat.size,
      mtime_ms: stat.mtimeMs,
      transfer_syntax: orNull(m.transferSyntaxUid),
      modality: orNull(m.modality),
      instance_number: finiteOrNull(m.instanceNumber),
      image_rows: m.rows || null,
      image_columns: m.columns || null,
      frames: m.numberOfFrames,
      pixel_spacing: json(m.pixelSpacing),
      pixel_spacing_kind: m.pixelSpacing ? (m.pixelSpacingKind ?? 'patient') : null,
      // Ultrasound regions and Pixel Aspect Ratio, for the exports to measure as the viewer does ({}: neither).
      pixel_calibration: pixelCalibrationJson(m),
      slice_thickness: finiteOrNull(m.sliceThickness),
      slice_location: finiteOrNull(m.sliceLocation),
      image_position: json(m.imagePositionPatient),
      image_orientation: json(m.imageOrientationPatient),
      window_center: json(m.windowCenter),
      window_width: json(m.windowWidth),
      rescale_slope: finiteOrNull(m.rescaleSlope),
      rescale_intercept: finiteOrNull(m.rescaleIntercept),
      photometric: orNull(m.photometricInterpretation),
      bits_allocated: m.bitsAllocated || null,
      has_pixel_data: m.hasPixelData ? 1 : 0,
      content_date: orNull(parsed.dataSet.string('x00080023')),
      imported_at: this.now,
    });
  }

  private readDicomdir(file: string, bytes: Buffer, stat: fs.Stats): void {
    let refs;
    try {
      refs = readDicomdirReferences(bytes);
    } catch {
      // The parser's own message (its function names, byte offsets) means nothing to a person.
      this.addError(file, 'a DICOMDIR whose directory records cannot be read (it is truncated or damaged). Import the folder it is in instead.');
      return;
    }
    this.statements.saveDicomdir.run(file, stat.size, stat.mtimeMs, JSON.stringify(refs));
    this.followDicomdir(file, refs);
  }

  /** Queues the files a DICOMDIR lists, and reports those not on disk or outside its folder. */
  private followDicomdir(file: string, refs: DicomdirReference[]): void {
    this.counts.dicomdirs++;
    this.statements.clearError.run(file);
    const base = path.dirname(file);
    const outside: string[] = [];
    for (const ref of refs) {
      const plain = staysInsideFolder(base, ref.fileId, null);
      const resolved = plain ? this.resolver.resolve(base, ref.fileId) : null;
      if (!plain || (resolved && !staysInsideFolder(base, ref.fileId, resolved))) {
        outside.push(ref.fileId.join('\\').slice(0, 64));
      } else if (resolved) {
        this.enqueue({ file: resolved, viaDicomdir: file });
      } else {
        const expected = path.join(base, ...ref.fileId);
        if (this.queued.has(expected)) continue;
        this.queued.add(expected);
        this.addError(
          expected,
          `listed in the DICOMDIR ${file} (${ref.recordType || 'record'} ${ref.fileId.join('\\')}) but not on disk. Copy the whole disc or folder again.`,
        );
      }
    }
    if (outside.length > 0) {
      const shown = outside.slice(0, 5).map((id) => `"${id}"`).join(', ') + (outside.length > 5 ? ', ...' : '');
      this.addError(
        file,
        `${outside.length === 1 ? '1 entry points' : `${outside.length} entries point`} outside the DICOMDIR's folder and ${outside.length === 1 ? 'was' : 'were'} not imported (${shown}): a DICOMDIR may only list files in its own folder. The DICOMDIR is damaged or crafted; import the disc's folder instead.`,
      );
    }
  }

  /** Library files under the imported folders (or named directly) that are gone from disk. */
  private markMissing(folderRoots: string[], fileRoots: string[]): void {
    const consider = (row: InstanceRow) => {
      if (this.queued.has(row.path)) return; // processFile already looked at it
      if (fs.existsSync(row.path)) return; // e.g. in a sub-folder the walk could not read: not ours to judge
      if (!row.missing) {
        this.statements.markMissing.run(row.path);
        this.touchedSeries.add(row.series_uid);
      }
      this.missingFound.add(row.path);
    };
    for (const root of folderRoots) {
      const prefix = root.endsWith(path.sep) ? root : root + path.sep;
      for (const row of this.statements.underRoot.all(prefix, prefix + '\u{10ffff}')) consider(row);
      // Errors remembered for files that are gone are no longer news.
      for (const { path: errorPath } of this.statements.errorsUnderRoot.all(prefix, prefix + '\u{10ffff}')) {
        if (!this.queued.has(errorPath) && !fs.existsSync(errorPath)) this.statements.clearError.run(errorPath);
      }
      // Results are read from their files (a map's values too): one whose file is gone goes.
      for (const file of resultFilesUnder(this.db, prefix)) {
        if (!this.queued.has(file) && !fs.existsSync(file)) forgetResultFile(this.db, file);
      }
      for (const { path: dicomdir } of this.statements.dicomdirsUnderRoot.all(prefix, prefix + '\u{10ffff}')) {
        if (!this.queued.has(dicomdir) && !fs.existsSync(dicomdir)) this.statements.forgetDicomdir.run(dicomdir);
      }
    }
    for (const root of fileRoots) {
      const row = this.statements.byPath.get(root);
      if (row) consider(row);
      else if (!this.queued.has(root) && !fs.existsSync(root)) {
        forgetResultFile(this.db, root);
        this.statements.forgetDicomdir.run(root);
      }
    }
  }
}

/** What a DICOMDIR listed, as the library recorded it (schema 21), or null if that record cannot be used: the DICOMDIR is read again. */
function heldReferences(json: string): DicomdirReference[] | null {
  try {
    const refs: unknown = JSON.parse(json);
    const valid =
      Array.isArray(refs) &&
      refs.every((r: { fileId?: unknown; recordType?: unknown }) => typeof r?.recordType === 'string' && Array.isArray(r.fileId) && r.fileId.every((p) => typeof p === 'string'));
    return valid ? (refs as DicomdirReference[]) : null;
  } catch {
    return null;
  }
}

/** Why a file is refused whose study the library holds for another patient key. No patient data: reasons reach logs. */
export const STUDY_OF_ANOTHER_PATIENT =
  "its Study Instance UID (0020,000D) names a study the library holds for another patient (the file's Patient ID, or Patient's Name where it has no ID, differs). " +
  "Not imported, so that no image is shown under another patient's name. Check the file's source: one of the two was exported with the wrong patient or the wrong study.";

/**
 * Why a result document is refused whose study the library holds for another patient key. It
 * names the study (a UID, no patient data: reasons reach logs); `lumen ls` and the study list
 * show that study's patient, the document's own header its patient.
 */
export function resultOfAnotherPatientReason(kind: ResultKind, studyInstanceUid: string, key: string): string {
  const what = kind === 'sr' ? 'a structured report (SR)' : 'a parametric map';
  return (
    `${what} of another patient: its Study Instance UID (0020,000D) ${studyInstanceUid.slice(0, 64)} names a study the library holds for another patient ` +
    `(the document's ${key} differs from that of the study's patient). Not filed with that study, so that no result is listed under another patient's name. ` +
    'Check the document\'s source: it was made for another patient, or written with the wrong study.'
  );
}

/**
 * Why a file is refused whose SOP Instance UID the library holds for an image in another series
 * (of another study, or another patient's): not the same image, so neither a duplicate nor a
 * better copy of it. Names the file held and both files' UIDs; no patient data: reasons reach logs.
 */
export function sopOfAnotherImageReason(sopInstanceUid: string, held: { path: string; seriesUid: string; studyUid: string }, file: { seriesUid: string; studyUid: string }): string {
  const u = (uid: string) => uid.slice(0, 64);
  const where = file.studyUid === held.studyUid ? `series ${u(file.seriesUid)} of the same study` : `series ${u(file.seriesUid)} of study ${u(file.studyUid)}`;
  return (
    `its SOP Instance UID (0008,0018) ${u(sopInstanceUid)} is that of another image the library holds: ${held.path}, in series ${u(held.seriesUid)} of study ${u(held.studyUid)}, ` +
    `where this file is in ${where}. Not the same image, so it was not imported; the image held stays where it is, with its labels and predictions. ` +
    "Check the files' source: one of the two was given a SOP Instance UID that is not its own. If this file is the right one, remove the held image's series (lumen rm --series) and import it again."
  );
}

/** Why a result document is refused whose SOP Instance UID the library holds for a document of another series (UIDs and a path: no patient data). */
export function sopOfAnotherResultReason(sopInstanceUid: string, held: { path: string; seriesUid: string; studyUid: string }, file: { seriesUid: string; studyUid: string }): string {
  const u = (uid: string) => uid.slice(0, 64);
  const where = file.studyUid === held.studyUid ? `series ${u(file.seriesUid)} of the same study` : `series ${u(file.seriesUid)} of study ${u(file.studyUid)}`;
  return (
    `its SOP Instance UID (0008,0018) ${u(sopInstanceUid)} is that of another result document the library holds: ${held.path}, in series ${u(held.seriesUid)} of study ${u(held.studyUid)}, ` +
    `where this file is in ${where}. Not the same document, so it was not imported; the document held stays where it is. ` +
    "Check the files' source: one of the two was given a SOP Instance UID that is not its own."
  );
}

/** Added to a refusal of a file the library held before it changed: what stays. */
export const KEPT_AS_READ_BEFORE =
  ' The library keeps the image it read from this file before the file changed, where it was; if the new header is right, remove that series (lumen rm --series) and import the file again.';

/** Why a file is refused whose series the library holds in another study. No patient data: reasons reach logs. */
export const SERIES_OF_ANOTHER_STUDY =
  'its Series Instance UID (0020,000E) names a series the library holds in another study (the Study Instance UID (0020,000D) differs). ' +
  "Not imported, so that no image is shown in another patient's or another study's series. Check the file's source: one of the two was exported with the wrong series or the wrong study.";

type HeldDemographics = { patient_name: string | null; birth_date: string | null; sex: string | null };
type FileDemographics = { patientName: string; patientBirthDate?: string; patientSex?: string };

/** The file's Patient's Name, Birth Date and Sex where they differ from the library's patient row (both known), else null each. */
export function ownDemographics(held: HeldDemographics | undefined, m: FileDemographics): { name: string | null; birthDate: string | null; sex: string | null } {
  const own = (a: string | null | undefined, b: string | undefined) => (held && a !== null && a !== undefined && b !== undefined && b.trim() !== '' && a.trim() !== b.trim() ? b.trim() : null);
  return { name: own(held?.patient_name, m.patientName), birthDate: own(held?.birth_date, m.patientBirthDate), sex: own(held?.sex, m.patientSex) };
}

/** Which of Patient's Name, Birth Date and Sex a file gives otherwise than the library's patient row (both known). */
export function demographicsDiffer(held: HeldDemographics | undefined, m: FileDemographics): string[] {
  const own = ownDemographics(held, m);
  const fields: string[] = [];
  if (own.name !== null) fields.push("Patient's Name (0010,0010)");
  if (own.birthDate !== null) fields.push("Patient's Birth Date (0010,0030)");
  if (own.sex !== null) fields.push("Patient's Sex (0010,0040)");
  return fields;
}

export function patientDescribedBy(m: { patientId: string }): string {
  return m.patientId.trim() !== '' ? 'Patient ID' : "Patient's Name";
}

/** The import report's warning for a file imported with other demographics. No patient data: reasons reach logs. */
export function otherDemographicsReason(fields: string[], key: string): string {
  const what = fields.length === 1 ? fields[0] : `${fields.slice(0, -1).join(', ')} and ${fields[fields.length - 1]}`;
  return (
    `its ${what} ${fields.length === 1 ? 'differs' : 'differ'} from what the library holds for the same ${key}. ` +
    "Imported: its series keeps the file's own values, the viewer shows them, and the study list marks the study. Check that both are the same patient."
  );
}

/** True when Image Type (0008,0008) holds LOCALIZER (a scout or topogram, not a diagnostic image). */
export function isLocalizer(imageType: string | undefined): boolean {
  return (imageType ?? '').split('\\').some((v) => v.trim().toUpperCase() === 'LOCALIZER');
}

/**
 * Why a file's UIDs cannot name it in the library, or null. A leading zero in a component (some
 * vendors write them) is accepted: the UID still names one image, and refusing would hide an
 * image the user can otherwise read; only sending it on to a PACS refuses it (common/dicom-uid.ts).
 */
function uidsProblem(meta: { sopInstanceUid: string; seriesInstanceUid: string; studyInstanceUid: string }): string | null {
  const uids = [
    ['SOP Instance UID (0008,0018)', meta.sopInstanceUid],
    ['Series Instance UID (0020,000E)', meta.seriesInstanceUid],
    ['Study Instance UID (0020,000D)', meta.studyInstanceUid],
  ] as const;
  for (const [what, uid] of uids) {
    if (!isLibraryUid(uid)) return `its ${what} is not a DICOM UID: it ${uidProblem(uid)}. The header is corrupt: export it again from its source.`;
  }
  return null;
}

/** Series UIDs are digits and dots, but a corrupt file could hold anything: keep file names safe. */
export function safeFileName(uid: string): string {
  return uid.replace(/[^0-9A-Za-z._-]/g, '_').slice(0, 200);
}
