// The once-per-library read of projection X-rays' spacing (electron/library/imager-spacing.ts)
// on a library of thousands of such rows, as the engine runs it: after Library.open has returned,
// a batch at a time, so that the app answers meanwhile. A series the viewer lists before the pass
// reaches it has its own rows read at once; closing the library stops the pass where it is, and
// the next opening goes on from there; files it cannot use are logged with why.
// The library: spacing-reread-fixture.ts (copies of one file by dcmtk's dump2dcm).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../common/contract';
import type { SpacingCheck } from '../../common/contract/library';
import type { RequestContext } from '../../common/rpc';
import { createEngine } from '../../electron/engine/engine';
import { IMAGER_SPACING_KEY, IMAGER_SPACING_PROGRESS_KEY } from '../../electron/library/imager-spacing';
import { Library } from '../../electron/library/library';
import { LIBRARY_FILE } from '../../electron/library/paths';
import { openDatabase } from '../../electron/library/sqlite';
import { LATE, oldSpacingLibrary } from './spacing-reread-fixture';

/** Rows of SERIES (copies of one file, each its own SOP Instance UID). */
const COPIES = 3000;

let dir: string;
/** The library made once, each test working on a copy of it. */
let made: string;
/** The copy turned into a FIFO, and the one overwritten with the same size and time. */
let fifo: string;
let spoilt: string;

function rowCounts(libraryDir: string): { none: number; detector: number; done: string | undefined; at: string | undefined } {
  const db = openDatabase(path.join(libraryDir, LIBRARY_FILE), { readonly: true });
  try {
    return {
      none: db.prepare('SELECT count(*) FROM instances WHERE pixel_spacing IS NULL').pluck().get() as number,
      detector: db.prepare("SELECT count(*) FROM instances WHERE pixel_spacing_kind = 'detector'").pluck().get() as number,
      done: db.prepare('SELECT value FROM lumen_info WHERE key = ?').pluck().get(IMAGER_SPACING_KEY) as string | undefined,
      at: db.prepare('SELECT value FROM lumen_info WHERE key = ?').pluck().get(IMAGER_SPACING_PROGRESS_KEY) as string | undefined,
    };
  } finally {
    db.close();
  }
}

function copyOf(name: string): string {
  const to = path.join(dir, name);
  fs.cpSync(made, to, { recursive: true });
  return to;
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-spacing-background-'));
  ({ library: made, fifo, spoilt } = await oldSpacingLibrary(dir, COPIES, path.join(dir, 'made')));
}, 180_000);
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('the spacing read of a large library from before schema 27', () => {
  it('is left by open to run in turns, reads a listed series first, and logs the files it cannot use', async () => {
    const lib = copyOf('later');
    const logged: string[] = [];
    const library = Library.open(lib, { log: (l) => logged.push(l), imagerSpacing: 'later' });
    try {
      // Open has returned with none of them read.
      expect(library.imagerSpacingDue()).toBe(true);
      expect(rowCounts(lib)).toMatchObject({ none: COPIES + 2, detector: 0, done: undefined });
      const progress: number[] = [];
      const pass = library.readImagerSpacing((done) => progress.push(done));
      // The pass answers between batches: listing the last series reads its row now.
      await new Promise((resolve) => setImmediate(resolve));
      expect(progress.length).toBeGreaterThan(0);
      expect(progress[progress.length - 1]).toBeLessThan(COPIES + 1);
      const late = library.listInstances(LATE);
      expect(late[0].pixelSpacing).toEqual([0.2, 0.25]);
      expect(rowCounts(lib).done).toBeUndefined();
      const summary = await pass;
      expect(summary).toMatchObject({ rows: COPIES + 2, updated: COPIES - 1, left: 2 });
      expect(summary?.stopped).toBeUndefined();
      expect(progress.length).toBeGreaterThan(5);
      expect(library.imagerSpacingDue()).toBe(false);
    } finally {
      library.close();
    }
    expect(rowCounts(lib)).toMatchObject({ none: 2, detector: COPIES, at: undefined });
    expect(rowCounts(lib).done).toBeTypeOf('string');
    // Each file left as it was, with why.
    expect(logged[0]).toMatch(/pixel spacing .* read again .* 2 of them could not be used/);
    expect(logged).toContain(`  ${fifo}: no longer a file`);
    expect(logged.find((l) => l.startsWith(`  ${spoilt}: unreadable: `))).toBeDefined();
    expect(logged).toHaveLength(3);
  });

  it('stops when the library is closed part way, and the next opening goes on from there', async () => {
    const lib = copyOf('closed');
    const library = Library.open(lib, { log: () => {}, imagerSpacing: 'later' });
    let closedAt = 0;
    const summary = await library.readImagerSpacing((done) => {
      if (done >= 1000 && closedAt === 0) {
        closedAt = done;
        // As the engine closes it: between two turns.
        setImmediate(() => library.close());
      }
    });
    expect(summary?.stopped).toBe(true);
    const part = rowCounts(lib);
    expect(part.done).toBeUndefined();
    expect(Number(part.at)).toBeGreaterThan(0);
    expect(part.detector).toBeGreaterThanOrEqual(closedAt - 2);
    expect(part.detector).toBeLessThan(COPIES);

    const again = Library.open(lib, { log: () => {}, imagerSpacing: 'later' });
    try {
      const rest = await again.readImagerSpacing();
      // Only the rows after where it stopped.
      expect(rest?.rows).toBe(rowsAfter(part.at, lib));
      expect(rest?.rows).toBeLessThanOrEqual(COPIES + 2 - 1000);
      expect(rest?.stopped).toBeUndefined();
    } finally {
      again.close();
    }
    expect(rowCounts(lib)).toMatchObject({ none: 2, detector: COPIES, at: undefined });
  });

  it('runs in the engine after the library opens, telling its progress until it ends', async () => {
    const dataDir = path.join(dir, 'engine');
    fs.mkdirSync(dataDir);
    fs.cpSync(made, path.join(dataDir, 'library'), { recursive: true });
    const ctx: RequestContext = { emit: <K extends EventName>(_event: K, _payload: EventPayload<K>) => undefined };
    const engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu', log: () => {} });
    try {
      const checks: SpacingCheck[] = [];
      for (;;) {
        const reply = await engine.dispatch('library.spacingCheck', {}, ctx);
        if (!reply.ok) throw new Error(reply.error.message);
        const check = reply.value as SpacingCheck | null;
        if (!check) break;
        checks.push(check);
        if (!check.running) break;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      // Answered while it ran, and ended.
      expect(checks[0]).toMatchObject({ running: true, total: COPIES + 2 });
      expect(checks[0].done).toBeLessThan(COPIES + 2);
      expect(checks[checks.length - 1]).toEqual({ running: false, done: COPIES + 2, total: COPIES + 2, skipped: 2 });
      // Told once.
      expect(await engine.dispatch('library.spacingCheck', {}, ctx)).toEqual({ ok: true, value: null });
    } finally {
      engine.dispose();
    }
    expect(rowCounts(path.join(dataDir, 'library'))).toMatchObject({ none: 2, detector: COPIES });
  });
});

/** Rows the first opening had not reached: those after the rowid it recorded. */
function rowsAfter(at: string | undefined, libraryDir: string): number {
  const db = openDatabase(path.join(libraryDir, LIBRARY_FILE), { readonly: true });
  try {
    return db.prepare('SELECT count(*) FROM instances WHERE rowid > ?').pluck().get(Number(at)) as number;
  } finally {
    db.close();
  }
}
