// One model package install at a time in a data folder, across processes (two `lumen models
// import`s, the app's Import beside the CLI): what an install checks (is this package, by content
// hash, installed already?) must still hold when it moves the package in, or two imports of one
// file at once both find it missing and install it twice, as `x` and `x-2` (C, session 20).
//
// The lock is an SQLite exclusive lock on <data folder>/models-install.lock: the operating system
// holds it for the process (fcntl), so a process killed while holding it leaves nothing held; no
// owner's pid has to be read back and judged. The file itself stays (removing it under a waiter
// would let a third process lock a new file beside the waiter's). It is held only around the check
// and the move (milliseconds to the seconds listing the packages takes), never while an archive
// unpacks, and it is waited for without blocking the process's event loop.
import { lstatSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { NativeModuleError, openDatabase } from '../../library/sqlite';
import { describeFsError } from '../../../common/node/fs-errors';

/** The lock file, in the data folder beside models/ (not in it: models/ holds packages only). */
export const INSTALL_LOCK_FILE = 'models-install.lock';

/** How long an install waits for another process's, at most. */
export const INSTALL_LOCK_WAIT_MS = 5 * 60_000;

const isBusy = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
};

/** Runs `fn` while this process alone may install a package in `dataDir`, and returns what it returns. */
export async function withInstallLock<T>(dataDir: string, fn: () => Promise<T>): Promise<T> {
  const file = path.join(dataDir, INSTALL_LOCK_FILE);
  // Hostile like any file: only a regular file (or none yet) is opened; never a link, FIFO or device.
  let isFile = true;
  try {
    isFile = lstatSync(file).isFile();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`Cannot read the model install lock ${file} (${describeFsError(err)}).`);
  }
  if (!isFile) throw new Error(`${file} is not a regular file; Lumen keeps its model install lock there. Remove it and try again.`);
  let db: Database.Database;
  try {
    db = openDatabase(file, { timeout: 0 });
  } catch (err) {
    if (err instanceof NativeModuleError) throw err;
    throw new Error(`Cannot open the model install lock ${file} (${describeFsError(err)}): the data folder must be writable by you.`);
  }
  try {
    const deadline = Date.now() + INSTALL_LOCK_WAIT_MS;
    for (;;) {
      try {
        db.exec('BEGIN EXCLUSIVE');
        break;
      } catch (err) {
        if (!isBusy(err)) throw new Error(`Cannot take the model install lock ${file}: ${describeFsError(err)}`);
        if (Date.now() >= deadline) throw new Error(`Another Lumen has been installing a model package in ${dataDir} for over ${INSTALL_LOCK_WAIT_MS / 60_000} minutes; try again when it has finished.`);
        await sleep(50);
      }
    }
    try {
      return await fn();
    } finally {
      db.exec('ROLLBACK');
    }
  } finally {
    db.close();
  }
}
