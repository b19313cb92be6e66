// Task B, session 19: the engine follows what another Lumen process commits to its library
// (electron/engine/library-watch.ts). Before, library.changed came only for the engine's own
// imports and removals, so `lumen import`, `lumen labels import` and `lumen rm` run beside the
// app left its study list, viewer and Training panel as they were until a reload. Here the real
// engine (createEngine, its own events collected) on a library that real `lumen` child processes
// change: each outside command gives one library.changed 'external', however many commits it
// made, and the engine's own import, labelling and removal give none. Fails before the change
// (no 'external' at all).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/engine/engine';
import { runLumen } from '../support/cli';
import { engineRequests } from '../support/engine';
import { tempFolderForTests } from '../support/temp-folder';
import { writeManyCt } from '../support/many-ct';
import { copyAsSchema14 } from '../support/old-library';

const t = tempFolderForTests('b19-external', (dir) => ({
  own: writeManyCt(path.join(dir, 'own'), { studies: 2, series: 1, slices: 2, root: '61', name: 'OWN' }),
  // Three studies of three files each: `lumen import` commits them in more than one go.
  outside: writeManyCt(path.join(dir, 'outside'), { studies: 3, series: 1, slices: 3, root: '62', name: 'OUT' }),
}));
let engine: Engine | undefined;
afterAll(() => engine?.dispose());

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('library.changed for what another Lumen committed', () => {
  it('comes once per outside command, and not for the engine’s own commits', async () => {
    const data = path.join(t.dir, 'data');
    fs.mkdirSync(data, { recursive: true });
    const { events, ctx, call, job } = engineRequests(() => engine!);
    engine = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu', emit: ctx.emit });
    const external = () => events.filter((e) => e.event === 'library.changed' && (e.payload as { reason: string }).reason === 'external').length;
    /** Waits until `n` 'external' events came, then three more of the watcher's ticks, so a second one would have come too. */
    const externalsSettle = async (n: number) => {
      await expect.poll(external, { timeout: 30_000, interval: 100 }).toBeGreaterThanOrEqual(n);
      await sleep(3500);
      return external();
    };

    // The library made (by the engine's first request), then looked at by the watcher (it ticks each second).
    expect(await call('library.studies', {})).toEqual([]);
    await sleep(1500);
    // The engine's own work: an import (a job, many commits), a label, a removal and its undo, and
    // last (no event of the engine's after it) a labels table exported, its audit log row.
    const imported = await job('library.import', { paths: [t.own.dir] });
    expect(imported.studyInstanceUids).toHaveLength(2);
    await call('training.labels.set', { targets: [{ kind: 'series', uid: t.own.seriesUids[0] }], label: 'yes' });
    const removed = await call('library.remove', { seriesInstanceUid: t.own.seriesUids[1] });
    await call('library.undoRemove', { undoToken: removed.undoToken });
    expect((await call('export.table', { kind: 'labels', format: 'csv', uid: null, packageHash: null, out: path.join(t.dir, 'labels-out.csv') })).rows).toBe(1);
    await sleep(3500);
    expect(events.filter((e) => e.event === 'library.changed').map((e) => (e.payload as { reason: string }).reason)).toEqual(['import', 'remove', 'undo-remove']);

    // `lumen import` in another process: one event, and the engine's answers are the library's now.
    const cli = await runLumen(['import', t.outside.dir], data);
    expect(cli.code, cli.stderr).toBe(0);
    expect(await externalsSettle(1)).toBe(1);
    const studies = (await call('library.studies', {})) as { studyInstanceUid: string }[];
    expect(studies.map((s) => s.studyInstanceUid).sort()).toEqual([...t.own.studyUids, ...t.outside.studyUids].sort());

    // `lumen labels import`: the labels are the library's too.
    const csv = path.join(t.dir, 'labels.csv');
    fs.writeFileSync(csv, `StudyInstanceUID,SeriesInstanceUID,SOPInstanceUID,frame,label\n,${t.outside.seriesUids[0]},,,no\n,${t.outside.seriesUids[1]},,,yes\n`);
    const labels = await runLumen(['labels', 'import', csv], data);
    expect(labels.code, labels.stderr).toBe(0);
    expect(await externalsSettle(2)).toBe(2);

    // `lumen rm --study` of a study the engine was showing: one event; the series is gone from its answers.
    const shown = t.outside.seriesUids[2];
    expect((await call('library.series', { seriesInstanceUid: shown })).images).toHaveLength(3);
    const rm = await runLumen(['rm', '--study', t.outside.studyUids[2], '--yes'], data);
    expect(rm.code, rm.stderr).toBe(0);
    expect(await externalsSettle(3)).toBe(3);
    await expect(call('library.series', { seriesInstanceUid: shown })).rejects.toThrow(`The library has no series ${shown}`);

    // And the engine's own work after all that is still its own.
    await call('training.labels.set', { targets: [{ kind: 'series', uid: t.own.seriesUids[1] }], label: 'no' });
    await sleep(3500);
    expect(external()).toBe(3);
  }, 180_000);

  it('stops watching when the engine is disposed', async () => {
    const data = path.join(t.dir, 'data2');
    const { events, ctx, job } = engineRequests(() => other);
    const other = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu', emit: ctx.emit });
    try {
      await job('library.import', { paths: [path.join(t.own.dir, 'study1')] });
    } finally {
      other.dispose();
    }
    expect((await runLumen(['import', t.outside.dir], data)).code).toBe(0);
    await sleep(3500);
    expect(events.filter((e) => e.event === 'library.changed').map((e) => (e.payload as { reason: string }).reason)).toEqual(['import']);
  }, 120_000);

  it('is not told for what the engine writes opening an older library', async () => {
    // A library of schema 14: opening it migrates it and reads each series' patient details once,
    // in the background, batch after batch: all of it the engine's own commits.
    const made = path.join(t.dir, 'made');
    expect((await runLumen(['import', t.outside.dir], made)).code).toBe(0);
    const data = path.join(t.dir, 'data3');
    copyAsSchema14(path.join(made, 'library', 'library.sqlite'), path.join(data, 'library'), false);
    const { events, ctx, call } = engineRequests(() => old);
    const old = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu', emit: ctx.emit });
    try {
      await sleep(1500); // the watcher's first look, before the engine opens the library
      expect(await call('library.studies', {})).toHaveLength(3);
      await expect.poll(async () => (await call('library.patientDetailsCheck', {}))?.running ?? false, { timeout: 30_000 }).toBe(false);
      await sleep(3500);
      expect(events.filter((e) => e.event === 'library.changed')).toEqual([]);
    } finally {
      old.dispose();
    }
  }, 120_000);
});
