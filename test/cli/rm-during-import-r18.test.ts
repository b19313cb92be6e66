// Task R (session 18), finding T1, from Task T's T-rm-during-import.test.ts: `lumen rm` and
// `lumen rm --undo` while another `lumen import` writes the same library. Both must wait for the
// import's batches as `lumen labels import` does, not fail at once with SQLite's "database is
// locked"; a removal that did not happen must leave no undo snapshot behind. Failed before the
// fix (tests 2 and 3 on the run here; the first passes when rm happens to find the lock free
// between two batches): removeFromLibrary and undoRemoval (electron/library/remove.ts) read in a
// deferred transaction and then wrote, and SQLite does not wait (no busy handler) when a read
// transaction asks for the write lock another connection holds. Changed from T's: "overlapped"
// is whether the import still ran when rm was started (rm may now wait through its last
// batches). The deterministic checks of the same are test/library/remove-busy-r18.test.ts.
import Database from 'better-sqlite3';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { spawnLumen } from '../support/crash';
import { tempFolderForTests } from '../support/temp-folder';
import { writeManyCt } from '../support/many-ct';

const t = tempFolderForTests('t-rm-during-import', (dir) => ({
  small: writeManyCt(path.join(dir, 'small'), { studies: 3, series: 2, slices: 2, root: '41', name: 'SMALL' }),
  // Enough files that the import is still writing when rm reaches its transaction (about 8 s on two busy cores).
  big: writeManyCt(path.join(dir, 'big'), { studies: 40, series: 5, slices: 60, root: '42', name: 'BIG' }),
}));

const instances = (data: string) => {
  const db = new Database(path.join(data, 'library', 'library.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM instances').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

/** Runs `lumen <args>` once the import of t.big into `data` has written its first rows; returns its run and whether the import was still going when it started. */
async function duringImport(data: string, args: string[]) {
  const importer = spawnLumen(['import', t.big.dir], { LUMEN_DATA_DIR: data });
  const imported = new Promise<number | null>((resolve) => importer.once('close', resolve));
  const small = t.small.files;
  // The import is under way once it has filed anything of t.big.
  while (importer.exitCode === null && !(existsSync(path.join(data, 'library', 'library.sqlite')) && instances(data) > small)) await new Promise((r) => setTimeout(r, 20));
  // Asked while the import runs. (Not: still running when rm ends: rm may now wait for the lock
  // through the import's last batches, which is what it should do.)
  const overlapped = importer.exitCode === null;
  const run = await runLumen(args, data);
  expect(await imported, importer.output()).toBe(0);
  return { run, overlapped };
}

describe('lumen rm beside another lumen import', () => {
  it('removes the study, waiting for the import, and the import keeps every file', async () => {
    const data = path.join(t.dir, 'rm');
    expect((await runLumen(['import', t.small.dir], data)).code).toBe(0);
    const { run, overlapped } = await duringImport(data, ['rm', '--study', t.small.studyUids[0], '--yes', '--json']);
    expect(overlapped, 'the import ended before rm ran: the test proves nothing').toBe(true);
    expect(run.stdout + run.stderr).not.toMatch(/database is locked|SQLITE_BUSY/);
    expect(run.code, run.stderr).toBe(0);
    expect(instances(data)).toBe(t.small.files - 4 + t.big.files);
    const ls = await runLumen(['ls', '--json'], data);
    expect(ls.stdout).not.toContain(t.small.studyUids[0]);
  }, 180_000);

  it('a removal that failed leaves no undo snapshot behind', async () => {
    const data = path.join(t.dir, 'rm-refused');
    expect((await runLumen(['import', t.small.dir], data)).code).toBe(0);
    const { run } = await duringImport(data, ['rm', '--study', t.small.studyUids[1], '--yes', '--json']);
    const removed = path.join(data, 'library', 'removed');
    const snapshots = existsSync(removed) ? readdirSync(removed) : [];
    // Either it removed the study (one snapshot, whose token it printed) or it failed and kept none.
    if (run.code === 0) expect(snapshots).toEqual([`${JSON.parse(run.stdout).undoToken}.json`]);
    else expect(snapshots).toEqual([]);
  }, 180_000);

  it('lumen rm --undo puts the study back, waiting for the import', async () => {
    const data = path.join(t.dir, 'undo');
    expect((await runLumen(['import', t.small.dir], data)).code).toBe(0);
    const removed = await runLumen(['rm', '--study', t.small.studyUids[2], '--yes', '--json'], data);
    expect(removed.code, removed.stderr).toBe(0);
    const token = JSON.parse(removed.stdout).undoToken as string;
    const { run, overlapped } = await duringImport(data, ['rm', '--undo', token]);
    expect(overlapped, 'the import ended before rm --undo ran: the test proves nothing').toBe(true);
    expect(run.stdout + run.stderr).not.toMatch(/database is locked|SQLITE_BUSY/);
    expect(run.code, run.stderr).toBe(0);
    expect(instances(data)).toBe(t.small.files + t.big.files);
  }, 180_000);
});
