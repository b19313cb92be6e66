// Task D (session 19): labels set, clear and undo take the library's write lock as Remove and
// Undo do (electron/library/write-lock.ts): beside another process that keeps committing, as an
// import does with its batches, they wait for it and succeed instead of failing with "database is
// locked"; beside one that holds the lock and commits nothing they fail after SQLite's wait with
// SQLITE_BUSY, which the CLI and the app word. The other writer is a real second SQLite connection
// in a child process (write-lock-holder-r18.ts). Before the change the first three failed with
// SQLITE_BUSY ("database is locked") after the 5 s busy_timeout: setLabels took the lock with a plain
// BEGIN IMMEDIATE (SQLite's wait, which finds the lock free only by luck between two commits), and
// clearLabels and the undo read first and asked for the lock later, when SQLite does not wait.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { TrainingStore } from '../../electron/training/store';
import { LabelUndoLog } from '../../electron/training/label-undo';
import { tmpDir, writeSlice } from './fixtures';
import { holdWriteLock, type LockHolder } from './write-lock-holder-r18';

const ROOT = '1.2.826.0.1.3680043.10.543.9519';
const S = { patientName: 'LOCK^LENA', patientId: 'D19L', studyUid: `${ROOT}.1`, seriesUid: `${ROOT}.1.1` };
const SOP = `${S.seriesUid}.1`;
const series = { targetKind: 'series' as const, targetUid: S.seriesUid };

describe('labels beside another writer of the library', () => {
  let root: string;
  let lib: Library;
  let store: TrainingStore;
  let holder: LockHolder | undefined;
  const file = () => path.join(root, 'library', LIBRARY_FILE);
  const labelsNow = () => store.listLabels().map((l) => [l.targetKind, l.targetUid, l.label]);
  beforeEach(async () => {
    root = tmpDir('labels-write-lock-d19');
    const src = path.join(root, 'src');
    fs.mkdirSync(src);
    writeSlice(path.join(src, '1.dcm'), { ...S, sopUid: SOP, instanceNumber: 1 });
    lib = Library.open(path.join(root, 'library'));
    expect((await lib.importPaths([src])).errors).toEqual([]);
    store = new TrainingStore(lib);
  });
  afterEach(async () => {
    await holder?.release();
    holder = undefined;
    store?.close();
    lib?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  // Past the 5 s busy_timeout, and free only for microseconds between its commits every 20 ms: SQLite's own wait gives up.
  it('labels set waits through a writer that keeps committing, then labels', async () => {
    holder = await holdWriteLock(file(), { churnMs: 8000 });
    expect(store.setLabels([{ ...series, label: 'tumour' }], 'd19')).toBe(1);
    expect(labelsNow()).toEqual([['series', S.seriesUid, 'tumour']]);
  }, 60_000);

  it('labels clear waits through a writer that keeps committing, then clears', async () => {
    store.setLabels([{ ...series, label: 'tumour' }], 'd19');
    holder = await holdWriteLock(file(), { churnMs: 8000 });
    expect(store.clearLabels([series])).toBe(1);
    expect(labelsNow()).toEqual([]);
  }, 60_000);

  it('a label undo waits through a writer that keeps committing, then puts the labels back', async () => {
    const log = new LabelUndoLog();
    store.setLabels([{ ...series, label: 'normal' }], 'd19');
    const { undoId } = log.record(store, [series], 'labelling of 1 series', () => store.setLabels([{ ...series, label: 'tumour' }], 'd19'));
    holder = await holdWriteLock(file(), { churnMs: 8000 });
    expect(log.undo(store, undoId!)).toEqual({ count: 1, what: 'labelling of 1 series' });
    expect(labelsNow()).toEqual([['series', S.seriesUid, 'normal']]);
  }, 60_000);

  it('beside a writer that commits nothing, set, clear and undo fail as SQLITE_BUSY and change nothing', async () => {
    const log = new LabelUndoLog();
    const { undoId } = log.record(store, [series], 'labelling of 1 series', () => store.setLabels([{ ...series, label: 'normal' }], 'd19'));
    holder = await holdWriteLock(file());
    const busy = expect.objectContaining({ code: expect.stringMatching(/^SQLITE_BUSY/) });
    expect(() => store.setLabels([{ ...series, label: 'tumour' }], 'd19')).toThrow(busy);
    expect(() => store.clearLabels([series])).toThrow(busy);
    expect(() => log.undo(store, undoId!)).toThrow(busy);
    await holder.release();
    holder = undefined;
    expect(labelsNow()).toEqual([['series', S.seriesUid, 'normal']]);
    // Once the other writer is done, the undo that failed is still there to do.
    expect(log.undo(store, undoId!).count).toBe(1);
    expect(labelsNow()).toEqual([]);
  }, 60_000);
});
