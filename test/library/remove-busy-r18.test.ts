// Task R (session 18), finding T1: Remove and Undo while another process holds the library's
// write lock (as another Lumen's import does for each batch). They wait for it (busy_timeout) as
// the import and the label import do, instead of failing at once with "database is locked"; a
// removal that failed leaves no undo snapshot behind. The lock is held by a real second SQLite
// connection in a child process (write-lock-holder-r18.ts). The first two tests fail before the
// fix (SQLITE_BUSY at once: the removal read first and asked for the lock later, when SQLite no
// longer waits), the fourth (an orphan snapshot) too. The third fails with SQLite's wait alone
// (busy_timeout, 5 s): SQLITE_BUSY.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { tmpDir, writeSlice } from './fixtures';
import { holdWriteLock, type LockHolder } from './write-lock-holder-r18';

const ROOT = '1.2.826.0.1.3680043.10.543.9419';
const P = { patientName: 'BUSY^BORIS', patientId: 'R18B' };
const S1 = { ...P, studyUid: `${ROOT}.1`, seriesUid: `${ROOT}.1.1` };
const S2 = { ...P, studyUid: `${ROOT}.2`, seriesUid: `${ROOT}.2.1` };

describe('Remove and Undo beside another writer of the library', () => {
  let root: string;
  let lib: Library;
  let holder: LockHolder | undefined;
  const file = () => path.join(root, 'library', LIBRARY_FILE);
  const snapshots = () => {
    const dir = path.join(root, 'library', 'removed');
    return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  };
  beforeEach(async () => {
    root = tmpDir('remove-busy-r18');
    const src = path.join(root, 'src');
    fs.mkdirSync(src);
    for (const s of [S1, S2]) writeSlice(path.join(src, `${s.studyUid.slice(-1)}.dcm`), { ...s, sopUid: `${s.seriesUid}.1`, instanceNumber: 1 });
    lib = Library.open(path.join(root, 'library'));
    expect((await lib.importPaths([src])).errors).toEqual([]);
  });
  afterEach(async () => {
    await holder?.release();
    holder = undefined;
    lib?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('a removal waits for the other writer to commit, then removes', async () => {
    // Lets go after 1.5 s, well inside the library's 5 s busy_timeout.
    holder = await holdWriteLock(file(), { releaseAfterMs: 1500 });
    const { counts, undoToken } = lib.remove({ studyInstanceUid: S1.studyUid });
    expect(counts).toMatchObject({ studyRemoved: true, images: 1 });
    expect(lib.listStudies().map((s) => s.studyInstanceUid)).toEqual([S2.studyUid]);
    expect(snapshots()).toEqual([`${undoToken}.json`]);
  });

  it('an undo waits for the other writer to commit, then puts the study back', async () => {
    const { undoToken } = lib.remove({ studyInstanceUid: S1.studyUid });
    holder = await holdWriteLock(file(), { releaseAfterMs: 1500 });
    expect(lib.undoRemoval(undoToken)).toMatchObject({ studyInstanceUid: S1.studyUid, images: 1 });
    expect(lib.listStudies().map((s) => s.studyInstanceUid).sort()).toEqual([S1.studyUid, S2.studyUid]);
    expect(snapshots()).toEqual([]);
  });

  it('a removal beside a writer that keeps committing, as an import does, waits on until it is done', async () => {
    // Past the 5 s busy_timeout, and free only for microseconds between its commits: SQLite's own wait would give up.
    holder = await holdWriteLock(file(), { churnMs: 8000 });
    const { undoToken } = lib.remove({ studyInstanceUid: S1.studyUid });
    expect(lib.listStudies().map((s) => s.studyInstanceUid)).toEqual([S2.studyUid]);
    expect(snapshots()).toEqual([`${undoToken}.json`]);
  });

  it('a removal that failed for the lock leaves no snapshot, and an undo that failed keeps its own', async () => {
    const { undoToken } = lib.remove({ studyInstanceUid: S2.studyUid });
    // Held past the busy_timeout: both fail, as SQLITE_BUSY (which the CLI and the app word).
    holder = await holdWriteLock(file());
    expect(() => lib.remove({ studyInstanceUid: S1.studyUid })).toThrow(expect.objectContaining({ code: expect.stringMatching(/^SQLITE_BUSY/) }));
    expect(snapshots()).toEqual([`${undoToken}.json`]);
    expect(() => lib.undoRemoval(undoToken)).toThrow(expect.objectContaining({ code: expect.stringMatching(/^SQLITE_BUSY/) }));
    await holder.release();
    holder = undefined;
    expect(lib.listStudies().map((s) => s.studyInstanceUid)).toEqual([S1.studyUid]);
    lib.undoRemoval(undoToken);
    expect(lib.listStudies().map((s) => s.studyInstanceUid).sort()).toEqual([S1.studyUid, S2.studyUid]);
  });
});
