// Node's file-system errors in words a person understands: one wording for the
// DICOM reader (parse.ts readErrorReason) and the library (import, scan, open).

import { errorMessage } from '../../common/errors';
/** Turns a Node file-system error into words a person understands ("permission denied"). */
export function describeFsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOENT':
      return 'no such file or folder';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a folder';
    case 'EISDIR':
      return 'it is a folder, not a file';
    case 'ELOOP':
      return 'too many symbolic links (a link loop?)';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'EIO':
      return 'input/output error (a failing disk or disc?)';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    default:
      return errorMessage(err);
  }
}
