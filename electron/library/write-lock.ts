// Taking the library's write lock beside another Lumen (its import, its removal, its labels). One
// way for every short change a person asks for (Remove and its Undo, labels set, cleared and
// undone, the audit entry that records them), so that all of them wait for another writer alike
// and fail alike (SQLITE_BUSY, which the CLI and the app word: cli/main.ts, engine/disk-errors.ts).
//
// The lock is taken up front (BEGIN IMMEDIATE, as importer.ts does for each batch): a transaction
// that reads first and writes later gets SQLITE_BUSY at once, without waiting, when another
// connection holds the lock or wrote in between (T1, session 18). SQLite's own wait (busy_timeout)
// is not enough beside an import either: it commits a batch every 20 ms and takes the lock again
// within a millisecond, while SQLite looks for a free lock every 100 ms and finds one only by luck
// (waits of 0.8 to 3.4 s beside a 12,000-file import on two cores, and "database is locked" after
// 5 s beside a writer that commits every 20 ms). So while the other writer is seen to commit
// (data_version moves) the wait goes on, up to WRITE_LOCK_WAIT_MS; a writer that holds the lock
// without committing fails it after one busy_timeout.
import type Database from 'better-sqlite3';

/** How long a change waits beside another writer that keeps committing (an import), at most. */
export const WRITE_LOCK_WAIT_MS = 60_000;

const isBusy = (err: unknown): boolean => {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
};

/**
 * Runs `fn` in a transaction that holds the library's write lock from its first statement (see the
 * top of this file), and returns what it returns; `fn` throwing rolls everything back. Beside a
 * writer that keeps committing it waits up to WRITE_LOCK_WAIT_MS; beside one that holds the lock
 * and commits nothing it throws SQLite's SQLITE_BUSY after the connection's busy_timeout. `fn` runs
 * once the lock is held (a try that did not get it ran none of it). Inside a transaction already
 * open on `db` it runs as a nested one (a savepoint): the lock is the outer transaction's business.
 */
export function writeTransaction<T>(db: Database.Database, fn: () => T): T {
  if (db.inTransaction) return db.transaction(fn)();
  const deadline = Date.now() + WRITE_LOCK_WAIT_MS;
  for (;;) {
    const version = db.pragma('data_version', { simple: true });
    try {
      return db.transaction(fn).immediate();
    } catch (err) {
      if (!isBusy(err) || db.inTransaction || Date.now() >= deadline || db.pragma('data_version', { simple: true }) === version) throw err;
    }
  }
}
