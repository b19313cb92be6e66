// Task D (session 19): `lumen labels import` while another `lumen import` writes the same library
// (a second process committing a batch every 20 ms) waits for it and labels, as `lumen rm` does
// (test/cli/rm-during-import-r18.test.ts), instead of failing with "database is locked"; where it
// cannot have the write lock (another process holds it, committing nothing, past SQLite's 5 s
// wait) it says so in the same words as `lumen rm` (rm-busy-words-r18.test.ts). Both go through
// electron/library/write-lock.ts. The deterministic checks, with a writer that commits every
// 20 ms for 8 s, are test/library/labels-write-lock-d19.test.ts.
import Database from 'better-sqlite3';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { spawnLumen } from '../support/crash';
import { tempFolderForTests } from '../support/temp-folder';
import { writeManyCt } from '../support/many-ct';
import { holdWriteLock } from '../library/write-lock-holder-r18';

const t = tempFolderForTests('labels-during-import-d19', (dir) => ({
  small: writeManyCt(path.join(dir, 'small'), { studies: 3, series: 2, slices: 2, root: '43', name: 'LABELLED' }),
  // Enough files that the import is still writing when the label import reaches its transaction (about 8 s on two busy cores).
  big: writeManyCt(path.join(dir, 'big'), { studies: 40, series: 5, slices: 60, root: '44', name: 'BIGGER' }),
}));

const WORDS = 'another Lumen (or another program) is changing the library and did not let go of it in time. Nothing stored in it was lost; try again when it is done.';

const query = <T>(data: string, sql: string): T[] => {
  const db = new Database(path.join(data, 'library', 'library.sqlite'), { readonly: true, fileMustExist: true });
  try {
    return db.prepare<[], T>(sql).all();
  } finally {
    db.close();
  }
};
const instances = (data: string) => query<{ n: number }>(data, 'SELECT count(*) AS n FROM instances')[0].n;
const labels = (data: string) => query<{ target_uid: string; label: string }>(data, "SELECT target_uid, label FROM labels WHERE target_kind = 'series' ORDER BY target_uid");

/** A label CSV that labels every series of t.small `label`. */
function csvOf(file: string, label: string): string {
  writeFileSync(file, ['SeriesInstanceUID,label', ...t.small.seriesUids.map((s) => `${s},${label}`)].join('\n') + '\n');
  return file;
}

describe('lumen labels import beside another writer of the library', () => {
  it('labels while another lumen import commits its batches, waiting for it, and the import keeps every file', async () => {
    const data = path.join(t.dir, 'during');
    expect((await runLumen(['import', t.small.dir], data)).code).toBe(0);
    const csv = csvOf(path.join(t.dir, 'during.csv'), 'tumour');
    const importer = spawnLumen(['import', t.big.dir], { LUMEN_DATA_DIR: data });
    const imported = new Promise<number | null>((resolve) => importer.once('close', resolve));
    // The import is under way once it has filed anything of t.big.
    while (importer.exitCode === null && !(existsSync(path.join(data, 'library', 'library.sqlite')) && instances(data) > t.small.files)) await new Promise((r) => setTimeout(r, 20));
    const overlapped = importer.exitCode === null;
    const run = await runLumen(['labels', 'import', csv, '--json'], data);
    expect(await imported, importer.output()).toBe(0);
    expect(overlapped, 'the import ended before the label import ran: the test proves nothing').toBe(true);
    expect(run.stdout + run.stderr).not.toMatch(/database is locked|SQLITE_BUSY/);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ rows: t.small.seriesUids.length, labelled: { series: t.small.seriesUids.length }, problems: [] });
    expect(labels(data)).toEqual([...t.small.seriesUids].sort().map((target_uid) => ({ target_uid, label: 'tumour' })));
    expect(instances(data)).toBe(t.small.files + t.big.files);
  }, 240_000);

  it('says in the words lumen rm uses that another Lumen is changing the library, and labels nothing', async () => {
    const data = path.join(t.dir, 'held');
    expect((await runLumen(['import', t.small.dir], data)).code).toBe(0);
    const csv = csvOf(path.join(t.dir, 'held.csv'), 'normal');
    const holder = await holdWriteLock(path.join(data, 'library', 'library.sqlite'));
    try {
      const run = await runLumen(['labels', 'import', csv], data);
      expect(run.stderr).toBe(`lumen labels: ${WORDS}\n`);
      expect(run.code).toBe(1);
      const json = await runLumen(['labels', 'import', csv, '--json'], data);
      expect(JSON.parse(json.stdout)).toEqual({ error: WORDS });
    } finally {
      await holder.release();
    }
    expect(labels(data)).toEqual([]);
    // Once the other writer is done, the same command labels.
    expect((await runLumen(['labels', 'import', csv], data)).code).toBe(0);
    expect(labels(data)).toHaveLength(t.small.seriesUids.length);
  }, 240_000);
});
