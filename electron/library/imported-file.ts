// Is this file still the one the library recorded at import? The library keeps each file's
// size and modification time as the import's stat gave them (instances.file_size, mtime_ms);
// a file whose stat now gives others may hold another image, even another patient's, and
// whatever reads it (the viewer, a run that scores or trains, a pass that re-reads old
// libraries' headers) must not file it under the held image. One rule, one stat, here: the
// viewer asks without waiting (fileNow), the runs and passes with statSync (checkImportedFile),
// the import with the stat it made of each file anyway (sameAsRow), stored scores against the
// file they were made from (sameStamp).
import fs from 'node:fs';
import { stat } from 'node:fs/promises';

/** What the library recorded of a file at import: its size in bytes and its stat's mtimeMs. */
export interface ImportedStamp {
  fileSize: number;
  mtimeMs: number;
}

/** A file as one stat gives it now (its change time for whoever keeps something made from it). */
export interface FileNow {
  isFile: boolean;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

const nowOf = (s: fs.Stats): FileNow => ({ isFile: s.isFile(), size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs });

/**
 * The rule: `now` is still the file the library recorded when it is a regular file of the
 * recorded size and modification time. The time is compared exactly, at the precision the
 * library keeps it: Node's mtimeMs (whole seconds * 1000 + nanoseconds / 1e6, a double: about a
 * quarter of a microsecond at today's dates), stored bit for bit in a SQLite REAL. A file
 * system that keeps nanoseconds tells a rewrite within the same millisecond; one with a coarser
 * clock (FAT's 2 seconds) tells no finer than it keeps, and then the size alone may tell.
 */
export function sameAsImported(recorded: ImportedStamp, now: Pick<FileNow, 'isFile' | 'size' | 'mtimeMs'>): boolean {
  return now.isFile && sameStamp(recorded, { fileSize: now.size, mtimeMs: now.mtimeMs });
}

/** Whether two records of a file (what the library holds now, what scores were made from) are of the same file by the rule above: the same size and mtimeMs, exactly. */
export function sameStamp(a: ImportedStamp, b: ImportedStamp): boolean {
  return a.fileSize === b.fileSize && a.mtimeMs === b.mtimeMs;
}

/**
 * A file's size and time as a row of the library holds them (instances, result_documents,
 * import_errors, dicomdirs: file_size, mtime_ms). Either is NULL where the row was written
 * without them: a result document filed before schema 19, an error about no one file.
 */
export interface StampRow {
  file_size: number | null;
  mtime_ms: number | null;
}

/** The row's stamp; null where it holds no size or no time (then no file is the same as it: it is read again, to record them). */
export function stampOf(row: StampRow): ImportedStamp | null {
  return row.file_size === null || row.mtime_ms === null ? null : { fileSize: row.file_size, mtimeMs: row.mtime_ms };
}

/**
 * sameAsImported for a stat the caller already made: the import stats each file once and asks
 * up to four rows (image, result document, settled error, DICOMDIR) about it, and asking here
 * adds no stat. A row without size or time (stampOf) is never the same.
 */
export function sameAsRow(row: StampRow, stat: fs.Stats): boolean {
  const recorded = stampOf(row);
  return recorded !== null && sameAsImported(recorded, { isFile: stat.isFile(), size: stat.size, mtimeMs: stat.mtimeMs });
}

/** The file as it is now, from one stat that does not block the thread; null where it cannot be stat'ed (gone, no permission). */
export function fileNow(path: string): Promise<FileNow | null> {
  return stat(path).then(nowOf, () => null);
}

/** One statSync of the file against the library's record: as imported, changed (with what it is now), or not there to ask (with why). */
export type ImportedFileCheck = { same: boolean; now: FileNow } | { same: false; now: null; error: unknown };

/** Whether the file at `path` is still the one the library recorded (sameAsImported), from one statSync. */
export function checkImportedFile(path: string, recorded: ImportedStamp): ImportedFileCheck {
  let now: FileNow;
  try {
    now = nowOf(fs.statSync(path));
  } catch (error) {
    return { same: false, now: null, error };
  }
  return { same: sameAsImported(recorded, now), now };
}
