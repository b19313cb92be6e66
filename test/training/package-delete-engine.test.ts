// Deleting a model package through the real engine (in this process, no mocks), as the app's
// Classifier panel does: refused while a prediction with it runs; once deleted, its stored
// predictions stay readable (predict.latest names it as the library recorded it); Undo puts it
// back; and what waits for Undo is removed for good when the engine stops, or, left by an
// engine that died, when the next one starts.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PredictionResult } from '../../common/contract/models';
import { createEngine, type Engine } from '../../electron/engine/engine';
import { deletedDir } from '../../electron/engine/predict/packages';
import { engineRequests } from '../support/engine';
import { writePhantomSeries, type PhantomSeries } from '../support/phantom-series';
import { saveRandomHeadPackage } from '../support/tiny-package';

const preprocessing = { window: 'ct-abdomen', scale: 1 / 255, mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

describe('deleting a package through the engine', () => {
  let dataDir: string;
  let engine: Engine;
  let series: PhantomSeries;
  let hash: string;
  const { events, call, waitJob } = engineRequests(() => engine);

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-delete-engine-'));
    series = writePhantomSeries(path.join(dataDir, 'incoming'), 24);
    hash = (await saveRandomHeadPackage(path.join(dataDir, 'models', 'knee'), { inputSize: 64, seed: 3, sd: 20, headSeed: 5 }, { name: 'knee', classNames: ['none', 'lesion'], preprocessing })).contentHash;
    // What an engine that died left waiting for Undo: removed when the next engine starts.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    const stale = path.join(deletedDir(dataDir), `2026-01-01T00-00-00-000Z-${dead}-0123abcd`);
    mkdirSync(path.join(stale, '0'), { recursive: true });
    writeFileSync(path.join(stale, 'record.json'), JSON.stringify({ id: path.basename(stale), pid: dead, deletedAt: '2026-01-01T00:00:00.000Z', moves: [{ from: 'old', to: '0' }], promoted: [] }));
    engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu' });
    await waitJob((await call('library.import', { paths: [series.dir] })).jobId);
  }, 120_000);
  afterAll(() => {
    engine?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('removes what a dead engine left for Undo when it starts', async () => {
    await call('models.catalog', {});
    expect(readdirSync(deletedDir(dataDir))).toEqual([]);
  });

  it('refuses while a prediction with the package runs, then deletes; the stored prediction stays readable', async () => {
    const { jobId } = await call('predict.run', { packageHash: hash, scope: 'series', seriesInstanceUid: series.seriesUid });
    // The job has started once it reports loading the package.
    for (let i = 0; i < 200 && !events.some((e) => e.event === 'job.progress' && (e.payload as { jobId: string }).jobId === jobId); i++) await new Promise((r) => setTimeout(r, 10));
    expect((await call('models.packageUse', { packageHash: hash })).inUse).toBe('a prediction with it is running');
    await expect(call('models.deletePackage', { packageHash: hash })).rejects.toThrow(`The package #${hash.slice(0, 12)} was not deleted: a prediction with it is running.`);
    const result = (await waitJob(jobId)) as PredictionResult;
    expect(result.modelHash).toBe(hash);

    expect(await call('models.packageUse', { packageHash: hash })).toEqual({ predictions: 24, series: 1, inUse: null });
    const done = await call('models.deletePackage', { packageHash: hash });
    expect(done.message).toBe(`Deleted knee version 1 #${hash.slice(0, 12)} (knee).`);
    expect((await call('models.catalog', {})).packages).toEqual([]);
    // The library still has its scores, named as it recorded the package.
    const stored = (await call('predict.latest', { packageHash: hash, seriesInstanceUid: series.seriesUid })) as PredictionResult;
    expect(stored.modelName).toBe('knee');
    expect(stored.images.map((i) => i.scores)).toEqual(result.images.map((i) => i.scores));
    await expect(call('predict.run', { packageHash: hash, scope: 'series', seriesInstanceUid: series.seriesUid }).then((r) => waitJob(r.jobId))).rejects.toThrow(/No installed model package has content hash/);

    // Undo: back, and it runs again.
    expect((await call('models.undoDelete', { undoId: done.undoId })).message).toBe('Put back knee.');
    expect((await call('models.catalog', {})).packages.map((p: { contentHash: string }) => p.contentHash)).toEqual([hash]);
    expect(((await waitJob((await call('predict.run', { packageHash: hash, scope: 'image', seriesInstanceUid: series.seriesUid, sopInstanceUid: result.images[0].sopInstanceUid, frame: 0 })).jobId)) as PredictionResult).modelHash).toBe(hash);
  }, 300_000);

  it('removes for good what waits for Undo when the engine stops', async () => {
    await call('models.deletePackage', { packageHash: hash });
    expect(readdirSync(deletedDir(dataDir))).toHaveLength(1);
    engine.dispose();
    expect(readdirSync(deletedDir(dataDir))).toEqual([]);
    engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu' });
    expect((await call('models.catalog', {})).packages).toEqual([]);
  }, 120_000);
});
