// Task T's finding T5 (moved here by G2): two Lumen processes opening a library that
// is not yet at the current schema (a new one, or one an older Lumen made) at the same time: the
// app and `lumen import`, or two imports. migrate() (electron/library/schema.ts) reads user_version
// outside any transaction, then runs each migration in its own transaction without reading it
// again, so the second process runs migration 1 after the first ran it: "cannot open the library
// …: table patients already exists" / "duplicate column name: modality_list", and that command fails.
// Here the test holds the write lock of a new, empty WAL library (and of one an older Lumen left at
// schema 20) while both imports open it (both read its user_version), then lets go. Both cases
// failed before the fix (one import exits 1 with SQLite's words).
import Database from 'better-sqlite3';
import { mkdirSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../electron/library/schema';
import { runLumen } from '../support/cli';
import { spawnLumen } from '../support/crash';
import { tempFolderForTests } from '../support/temp-folder';
import { writeManyCt } from '../support/many-ct';

const t = tempFolderForTests('t-first-open', (dir) => ({
  a: writeManyCt(path.join(dir, 'a'), { studies: 2, series: 1, slices: 3, root: '81', name: 'FIRSTA' }),
  b: writeManyCt(path.join(dir, 'b'), { studies: 2, series: 1, slices: 3, root: '82', name: 'FIRSTB' }),
}));

/** Whether process `pid` has `file` open. */
const hasOpen = (pid: number, file: string) => {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === file;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
};

describe('two lumen imports opening a library to upgrade at once', () => {
  it.each([
    ['a new library (schema 0)', 0],
    ['an older Lumen\'s library (schema 20)', 20],
  ])('%s: both import; neither fails with SQLite words', async (_, schema) => {
    const data = path.join(t.dir, `data-${schema}`);
    const file = path.join(data, 'library', 'library.sqlite');
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    // A library as SQLite makes it (user_version 0) or as an older Lumen left it, in WAL as Lumen opens it; its write lock held here.
    const holder = new Database(file);
    holder.pragma('journal_mode = WAL');
    if (schema > 0) migrate(holder, schema);
    holder.exec('BEGIN IMMEDIATE');
    const runs = [t.a, t.b].map((set) => {
      const child = spawnLumen(['import', set.dir], { LUMEN_DATA_DIR: data });
      return { child, closed: new Promise<number | null>((resolve) => child.once('close', resolve)) };
    });
    // Both have opened the library (and read its schema version) and wait for the write lock.
    while (!runs.every((r) => hasOpen(r.child.pid!, file))) {
      expect(runs.every((r) => r.child.exitCode === null), runs.map((r) => r.child.output()).join('\n')).toBe(true);
      await new Promise((r) => setTimeout(r, 10));
    }
    await new Promise((r) => setTimeout(r, 1000));
    holder.exec('ROLLBACK');
    holder.close();
    const codes = await Promise.all(runs.map((r) => r.closed));
    const said = runs.map((r) => r.child.output()).join('\n');
    expect(said).not.toMatch(/already exists|duplicate column|SQLITE|database is locked/);
    expect(codes, said).toEqual([0, 0]);
    const ls = await runLumen(['ls', '--json'], data);
    for (const uid of [...t.a.studyUids, ...t.b.studyUids]) expect(ls.stdout).toContain(uid);
  }, 120_000);
});
