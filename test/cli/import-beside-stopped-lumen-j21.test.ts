// Task J (session 21): `lumen import` beside another `lumen import` that holds the library's write
// lock for long: the other is a real lumen child, paused (SIGSTOP) in the middle of one of its
// write batches. The import waits as lumen rm and lumen labels do (write-lock.ts), and where the
// lock does not come (the other commits nothing past SQLite's 5 s wait) it says so in their words,
// never "database is locked", and writes nothing; once the other goes on (SIGCONT), both finish and
// the library holds every file of both.
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { spawnLumen } from '../support/crash';
import { tempFolderForTests } from '../support/temp-folder';
import { writeManyCt } from '../support/many-ct';
import { instancesListed } from '../support/library-rows';

const t = tempFolderForTests('import-beside-stopped-lumen-j21', (dir) => ({
  small: writeManyCt(path.join(dir, 'small'), { studies: 2, series: 1, slices: 2, root: '21', name: 'SMALL' }),
  // Enough files that the first import writes batches for a few seconds.
  big: writeManyCt(path.join(dir, 'big'), { studies: 20, series: 5, slices: 20, root: '22', name: 'BIG' }),
}));

const WORDS = 'another Lumen (or another program) is changing the library and did not let go of it in time. Nothing stored in it was lost; try again when it is done.';

/** Whether another connection holds the write lock of `file` now (a write transaction asked for without waiting is refused). */
function lockHeld(file: string): boolean {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 0');
    db.exec('BEGIN IMMEDIATE');
    db.exec('ROLLBACK');
    return false;
  } catch (err) {
    if (!String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY')) throw err;
    return true;
  } finally {
    db.close();
  }
}

/** The instances the library holds now, 0 while it cannot be read yet (being created). */
function filed(file: string): number {
  try {
    return instances(file);
  } catch {
    return 0;
  }
}

/** The instances the library file `file` lists, read on a connection of its own. */
const instances = (file: string) => instancesListed(path.dirname(file));

describe('lumen import beside a paused lumen import', () => {
  it('says the other Lumen holds the library, writes nothing, and both import once it goes on', async () => {
    const data = path.join(t.dir, 'data');
    const file = path.join(data, 'library', 'library.sqlite');
    const first = spawnLumen(['import', t.big.dir], { LUMEN_DATA_DIR: data });
    const firstDone = new Promise<number | null>((resolve) => first.once('close', resolve));
    // Paused inside a batch: stopped until a stop finds it holding the lock.
    let held = false;
    const until = Date.now() + 120_000;
    while (!held) {
      expect(first.exitCode, `the first import ended before it was caught in a batch: ${first.output()}`).toBeNull();
      expect(Date.now(), 'the first import was never caught holding the lock').toBeLessThan(until);
      // Once it writes its batches: while it creates the library, nobody else can read it yet.
      if (!existsSync(file) || filed(file) < 100) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      first.kill('SIGSTOP');
      held = lockHeld(file);
      if (!held) {
        first.kill('SIGCONT');
        await new Promise((r) => setTimeout(r, 3));
      }
    }
    let second: Awaited<ReturnType<typeof runLumen>>;
    try {
      second = await runLumen(['import', t.small.dir], data);
    } finally {
      first.kill('SIGCONT');
    }
    expect(second.stderr).toBe(`lumen import: ${WORDS}\n`);
    expect(second.code).toBe(1);
    expect(await firstDone, first.output()).toBe(0);
    // The refused import wrote nothing: the library holds the first import's files alone.
    expect(instances(file)).toBe(t.big.files);
    const again = await runLumen(['import', t.small.dir], data);
    expect(again.code, again.stderr).toBe(0);
    expect(instances(file)).toBe(t.big.files + t.small.files);
  }, 240_000);
});
