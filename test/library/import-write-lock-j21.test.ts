// Task J (session 21): an import's write batches take the library's write lock as every other writer
// does (electron/library/write-lock.ts). Beside another Lumen that keeps committing (its import: a
// row, COMMIT and BEGIN IMMEDIATE again every 20 ms for 8 s, past SQLite's 5 s busy_timeout) an
// import waits on and files everything; the first test fails before the change (SQLITE_BUSY: the
// batches had only SQLite's own wait, which finds the lock free only by luck). Beside one that holds
// the lock and commits nothing, `lumen import` says so in the words `lumen rm` and `lumen labels`
// use, imports nothing, and imports once the other writer is done. The other writer is a real second
// process with its own SQLite connection (write-lock-holder-r18.ts).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { runLumen } from '../support/cli';
import { tmpDir, writeSlice } from './fixtures';
import { holdWriteLock, type LockHolder } from './write-lock-holder-r18';
import { instancesListed } from '../support/library-rows';

const ROOT = '1.2.826.0.1.3680043.10.543.2121';
const P = { patientName: 'WAITING^WALTER', patientId: 'J21W' };
const WORDS = 'another Lumen (or another program) is changing the library and did not let go of it in time. Nothing stored in it was lost; try again when it is done.';

function writeSeries(dir: string, study: number, slices: number): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 1; i <= slices; i++) {
    writeSlice(path.join(dir, `${study}-${i}.dcm`), { ...P, studyUid: `${ROOT}.${study}`, seriesUid: `${ROOT}.${study}.1`, sopUid: `${ROOT}.${study}.1.${i}`, instanceNumber: i });
  }
}

/** The instances the library file `file` lists, read on a connection of its own. */
const instances = (file: string) => instancesListed(path.dirname(file));

describe('an import beside another writer of the library', () => {
  let root: string | undefined;
  let lib: Library | undefined;
  let holder: LockHolder | undefined;
  afterEach(async () => {
    await holder?.release();
    holder = undefined;
    lib?.close();
    lib = undefined;
    if (root) fs.rmSync(root, { recursive: true, force: true });
    root = undefined;
  });

  it('waits while the other writer keeps committing, then files every file', async () => {
    root = tmpDir('import-write-lock-j21');
    writeSeries(path.join(root, 'first'), 1, 2);
    writeSeries(path.join(root, 'second'), 2, 6);
    lib = Library.open(path.join(root, 'library'));
    expect((await lib.importPaths([path.join(root, 'first')])).errors).toEqual([]);
    holder = await holdWriteLock(path.join(root, 'library', LIBRARY_FILE), { churnMs: 8000 });
    const report = await lib.importPaths([path.join(root, 'second')]);
    expect(report.errors).toEqual([]);
    expect(report.imported).toBe(6);
    expect(lib.listStudies().map((s) => s.studyInstanceUid).sort()).toEqual([`${ROOT}.1`, `${ROOT}.2`]);
    expect(instances(path.join(root, 'library', LIBRARY_FILE))).toBe(8);
  }, 60_000);

  it('lumen import says in the words of lumen rm that another Lumen holds the library, imports nothing, then imports', async () => {
    root = tmpDir('import-write-lock-j21');
    writeSeries(path.join(root, 'first'), 1, 2);
    writeSeries(path.join(root, 'second'), 2, 3);
    const data = path.join(root, 'data');
    expect((await runLumen(['import', path.join(root, 'first')], data)).code).toBe(0);
    const file = path.join(data, 'library', LIBRARY_FILE);
    holder = await holdWriteLock(file);
    const held = await runLumen(['import', path.join(root, 'second')], data);
    expect(held.stderr).toBe(`lumen import: ${WORDS}\n`);
    expect(held.code).toBe(1);
    const json = await runLumen(['import', path.join(root, 'second'), '--json'], data);
    expect(JSON.parse(json.stdout)).toEqual({ error: WORDS });
    await holder.release();
    holder = undefined;
    expect(instances(file)).toBe(2);
    const after = await runLumen(['import', path.join(root, 'second')], data);
    expect(after.code, after.stderr).toBe(0);
    expect(instances(file)).toBe(5);
  }, 90_000);
});
