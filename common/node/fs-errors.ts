// Node's file-system errors in words a person understands: one wording for the
// DICOM reader (parse.ts readErrorReason), the library (import, scan, open), the
// paths a user names (user-path.ts) and the CLI's last resort (electron/cli/main.ts).

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
