// A full or read-only disk under the data folder, or a library another program holds locked, in
// one sentence for the app: what could not be written and where, and what to do. Every request's error and every job's failure passes here
// (createEngine), so SQLite's "attempt to write a readonly database" or Node's "ENOSPC: no space
// left on device, write" never reaches the page.
import path from 'node:path';
import { describeDiskProblem } from '../../common/node/fs-errors';
import { errorMessage } from '../../common/errors';

/** `err` worded when a full or read-only disk, or a library locked by another program, caused it; any other error is returned as it is. */
export function wordDiskError(err: unknown, dataDir: string): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code !== 'string') return err;
  const file = (err as NodeJS.ErrnoException).path;
  if (code.startsWith('SQLITE_')) {
    const libraryDir = path.join(dataDir, 'library');
    // Another connection held the library's write lock past SQLite's wait (busy_timeout).
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      return new Error(`The library (${libraryDir}) is busy: another program (or another Lumen) is changing it and did not finish in time. Nothing stored in it was lost; try again, or close that program first.`);
    }
    const problem = describeDiskProblem(err, libraryDir);
    if (!problem) return err;
    return new Error(`The library (${libraryDir}) could not be changed: ${problem}. Nothing stored in it was lost; ${problem.includes('full') ? 'free space on that disk' : 'make that disk writable'} and try again.`);
  }
  if (typeof file !== 'string') return err;
  const problem = describeDiskProblem(err, path.dirname(file));
  if (!problem) return err;
  return new Error(`Could not write ${file}: ${problem}. ${problem.includes('full') ? 'Free space on that disk' : 'Make that disk writable'} and try again.`);
}

/** wordDiskError's text. */
export function diskErrorMessage(err: unknown, dataDir: string): string {
  return errorMessage(wordDiskError(err, dataDir));
}
