/**
 * Notices what another Lumen process committed to the library (`lumen import`, `lumen rm`,
 * `lumen labels import`, a second app on the same data folder), so the open app's study list,
 * viewer and Training panel follow without a reload: `library.changed` with reason 'external'.
 *
 * SQLite's `PRAGMA data_version` on a connection changes when any *other* connection commits.
 * The watcher keeps a connection of its own, idle but for that one pragma a tick (~1 s,
 * unref'd), so every commit shows, the engine's own included. Those are taken out: after a
 * request that writes ends, and whenever the engine itself says `library.changed` (an import, a
 * removal, the receiver storing an instance), the watcher reads the version again and keeps it as
 * seen (`own`); while a writing request or job is still running, ticks are skipped. An outside
 * commit that lands while the engine writes is therefore folded into the engine's own event,
 * which asks the same views to read again.
 *
 * One event per burst: a tick that sees the version moved waits for a tick that sees it still
 * (an import commits batch after batch); a burst going on longer than `longestQuietWait` is told
 * every that often, so a long import elsewhere still shows as it goes.
 */
import fs from 'node:fs';
import path from 'node:path';
import type Database from 'better-sqlite3';
import { errorMessage } from '../../common/errors';
import { LIBRARY_FILE } from '../library/paths';
import { openDatabase } from '../library/sqlite';

/**
 * Requests that commit to the library themselves (their rows, or the audit log's: an export, a
 * package imported): their commits are the engine's own.
 */
export const WRITING_REQUESTS: ReadonlySet<string> = new Set([
  'library.import',
  'library.remove',
  'library.undoRemove',
  'measurements.save',
  'measurements.delete',
  'predict.run',
  'training.labels.set',
  'training.labels.clear',
  'training.labels.undo',
  'training.labels.importCsv',
  'training.labels.importCsvText',
  'training.labels.importFolders',
  'pacs.retrieve',
  'export.results',
  'export.deidentify',
  'export.table',
  'export.models',
  'models.importPackage',
  'training.importPackage',
  'training.exportPackage',
  'training.start',
  'training.resume',
  'training.evaluate',
  'training.predict',
  'training.suggest',
]);

/**
 * Jobs (JobRunner kinds) that commit to the library while they run, ticks held off until they end.
 * Not a training run ('training', minutes to hours, its commits at its end): another Lumen's
 * changes meanwhile are told as they come, and what it wrote last is taken as seen as it ends.
 */
export const WRITING_JOBS: ReadonlySet<string> = new Set(['library.import', 'labels.importFolders', 'pacs.retrieve', 'predict', 'training.predict', 'training.evaluate', 'training.suggest', 'export.deidentify']);

export interface LibraryWatchOptions {
  /** The library folder (`<data>/library`); the watcher starts once its library.sqlite exists. */
  libraryDir: string;
  /** Something outside the engine committed (after the burst settled). */
  onExternal: () => void;
  log?: (line: string) => void;
  /** Between two looks at data_version (default 1000 ms). */
  intervalMs?: number;
  /** A burst still going on after this long is told anyway, and again as often (default 10 s). */
  longestQuietWait?: number;
}

export interface LibraryWatch {
  /** The engine committed just now: what the version says now is its own. */
  own(): void;
  /** A writing request or job started (true) or ended (false); ending one counts as `own`. */
  writing(busy: boolean): void;
  /** One tick now (what the timer does); for tests and for a caller that wants an answer soon. */
  tick(): void;
  stop(): void;
}

export function watchLibrary(options: LibraryWatchOptions): LibraryWatch {
  const file = path.join(options.libraryDir, LIBRARY_FILE);
  const interval = options.intervalMs ?? 1000;
  const longest = options.longestQuietWait ?? 10_000;
  let db: Database.Database | null = null;
  let seen: number | null = null;
  /** When an outside change was first seen and not yet told (null: none pending). */
  let pendingSince: number | null = null;
  let busy = 0;
  let stopped = false;
  let failedOnce = false;

  const version = (): number | null => {
    if (stopped) return null;
    if (!db) {
      if (!fs.existsSync(file)) return null;
      try {
        db = openDatabase(file, { readonly: true, fileMustExist: true });
        db.pragma('busy_timeout = 200');
      } catch (err) {
        // A library on a read-only disk without its -shm file, say: nobody else writes to it either.
        if (!failedOnce) options.log?.(`Changes made to the library by another Lumen are not followed: ${errorMessage(err)}`);
        failedOnce = true;
        db = null;
        return null;
      }
    }
    try {
      return db.pragma('data_version', { simple: true }) as number;
    } catch (err) {
      if (!failedOnce) options.log?.(`Could not read whether another Lumen changed the library: ${errorMessage(err)}`);
      failedOnce = true;
      return null;
    }
  };

  const own = () => {
    const v = version();
    if (v !== null) seen = v;
  };

  const tell = () => {
    pendingSince = null;
    try {
      options.onExternal();
    } catch (err) {
      options.log?.(`library.changed (external) failed: ${errorMessage(err)}`);
    }
  };

  const tick = () => {
    if (busy > 0) return;
    const v = version();
    if (v === null) return;
    if (seen === null) {
      seen = v; // the first look: what was there before the engine started is not a change
      return;
    }
    const now = Date.now();
    if (v !== seen) {
      seen = v;
      pendingSince ??= now;
      if (now - pendingSince >= longest) tell();
      return;
    }
    if (pendingSince !== null) tell();
  };

  const timer = setInterval(tick, interval);
  timer.unref();
  // The baseline now, so a change in the first interval is seen as one.
  tick();

  return {
    own,
    writing(starts) {
      if (starts) busy++;
      else {
        busy = Math.max(0, busy - 1);
        own();
      }
    },
    tick,
    stop() {
      stopped = true;
      clearInterval(timer);
      if (db?.open) db.close();
      db = null;
    },
  };
}
