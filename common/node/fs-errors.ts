// Node's file-system errors in words a person understands: one wording for the
// DICOM reader (parse.ts readErrorReason), the library (import, scan, open), the
// paths a user names (user-path.ts) and the CLI's last resort (electron/cli/main.ts); and,
// with SQLite's codes beside Node's, a full or read-only disk under whatever Lumen writes
// (describeDiskProblem: the library, packages, exports, settings, the PACS receiver).

import fs from 'node:fs';
import path from 'node:path';
import { errorMessage } from '../errors';

/** The codes this file words; any other error is left to the caller. */
const WORDS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'it is a folder, not a file',
  ELOOP: 'too many symbolic links (a link loop?)',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  EIO: 'input/output error (a failing disk or disc?)',
  ENAMETOOLONG: 'the path is too long',
  EROFS: 'the disk is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EEXIST: 'something of that name is already there',
  EBUSY: 'it is in use by another program',
};

/** Whether `err` carries a file-system code this file words (so its own text, Node's, need never be shown). */
export function isWordedFsError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && Object.hasOwn(WORDS, code);
}

/** Turns a Node file-system error into words a person understands ("permission denied"). */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && Object.hasOwn(WORDS, code) ? WORDS[code] : errorMessage(err);
}

/** A disk that is full or read-only, in SQLite's words (better-sqlite3's SqliteError.code) beside Node's. */
const DISK_CODES: Record<string, 'full' | 'read-only' | 'quota'> = {
  ENOSPC: 'full',
  SQLITE_FULL: 'full',
  EDQUOT: 'quota',
  EROFS: 'read-only',
  SQLITE_READONLY: 'read-only',
  SQLITE_READONLY_DIRECTORY: 'read-only',
};

/** Below this many free bytes a disk that gives an input/output error is called full (SQLite fails to map its -shm file there). */
const NEARLY_FULL_BYTES = 256 * 1024;

/** Whether the disk holding the existing folder `dir` is mounted read-only (it may still be readable). */
export function isReadOnlyDisk(dir: string): boolean {
  try {
    fs.accessSync(dir, fs.constants.W_OK);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EROFS';
  }
}

/** What the folder `dir` (or its nearest existing parent) is like now: read-only, full, or neither. */
function diskStateAt(dir: string): 'full' | 'read-only' | null {
  let at = path.resolve(dir);
  while (!fs.existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
  try {
    fs.accessSync(at, fs.constants.W_OK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EROFS') return 'read-only';
  }
  try {
    const s = fs.statfsSync(at);
    if (s.bavail * s.bsize < NEARLY_FULL_BYTES) return 'full';
  } catch {
    // statfs is missing on some systems: no verdict
  }
  return null;
}

/**
 * Whether `err`, thrown while writing in `dir`, came from a full or read-only disk, in words
 * ("the disk is full"), else null. SQLite names some of these only as an input/output error or a
 * file it cannot open (its -shm file on a full tmpfs, its -wal file on a read-only one), so for
 * those the folder itself is looked at (when `dir` is given).
 */
export function describeDiskProblem(err: unknown, dir?: string): string | null {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return null;
  let kind: 'full' | 'read-only' | 'quota' | null = Object.hasOwn(DISK_CODES, code) ? DISK_CODES[code] : null;
  if (dir !== undefined && (code.startsWith('SQLITE_READONLY') || code.startsWith('SQLITE_IOERR') || code.startsWith('SQLITE_CANTOPEN') || code === 'EIO')) {
    kind = diskStateAt(dir) ?? kind;
  }
  if (kind === 'full') return 'the disk is full';
  if (kind === 'quota') return WORDS.EDQUOT;
  if (kind === 'read-only') return 'the disk is read-only';
  return null;
}
