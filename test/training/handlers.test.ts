// The training requests as the UI makes them: the real handlers with the engine's real
// JobRunner, events collected from the request context.
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { initBackend } from '../../models/runtime';
import { importLabelFolders } from '../../electron/training/labels';
import { featureCacheDir } from '../../electron/training/features';
import { writePhantomSet, type PhantomSet } from './phantoms';
import { phantomDataDir, trainingRequests } from './support';

let dataDir: string;
let set: PhantomSet;
const training = trainingRequests();
const { events, jobs, call, waitForJob } = training;

beforeAll(async () => {
  await initBackend('cpu');
  ({ dataDir, set } = await phantomDataDir('training-handlers', (dir) => writePhantomSet(dir, { patients: 30, slices: 1, seed: 11 })));
  training.open(dataDir);
}, 120_000);

afterAll(async () => {
  await training.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('training requests', () => {
  it('labels series from the UI, previews the split, trains as a job with progress, lists, exports and imports the package, and gives a CAM', async () => {
    // An older Lumen's app cache; the app now shares the CLI's, beside the library.
    const oldCache = path.join(dataDir, 'feature-cache');
    mkdirSync(oldCache);
    writeFileSync(path.join(oldCache, 'stale.bin'), 'features');
    for (const p of set.patients) await call('training.labels.set', { targets: [{ kind: 'series', uid: p.seriesUid }], label: p.label });
    const listed = await call('training.labels.list', { targetUids: [set.patients[0].seriesUid] });
    expect(listed).toMatchObject([{ targetKind: 'series', label: set.patients[0].label }]);

    const preview = await call('training.dataset.preview', { seed: 1 });
    expect(preview).toMatchObject({ classNames: ['elongated', 'none', 'round'], patients: 30, images: 30 });

    const { jobId } = await call('training.start', { name: 'phantoms', variant: 'custom-phi-6', resolution: 48, epochs: 8, window: 'ct-abdomen', intendedUse: 'test' });
    const end = await waitForJob(jobId);
    expect(end.event, JSON.stringify(end.payload)).toBe('job.finished');
    const progress = events.filter((e) => e.event === 'job.progress' && e.payload.jobId === jobId);
    expect(progress.some((e) => e.payload.detail?.history?.length >= 1)).toBe(true);
    const result = end.payload.result;
    expect(result.packageDir).toBe(path.join(dataDir, 'models', 'phantoms'));
    // The features went to the one cache the CLI's training and lumen suggest use too.
    expect(existsSync(oldCache)).toBe(false);
    expect(readdirSync(featureCacheDir(path.join(dataDir, 'library'))).length).toBeGreaterThan(0);
    expect(await call('training.runs', {})).toEqual([]);

    const packages = await call('training.packages', {});
    expect(packages).toMatchObject([{ name: 'phantoms', classNames: ['elongated', 'none', 'round'], contentHash: result.contentHash }]);

    const file = path.join(dataDir, 'phantoms.lumenpkg');
    const exported = await call('training.exportPackage', { packageDir: result.packageDir, file });
    expect(exported.contentHash).toBe(result.contentHash);
    rmSync(result.packageDir, { recursive: true });
    const imported = await call('training.importPackage', { file });
    expect(imported.contentHash).toBe(result.contentHash);

    const cam = await call('training.cam', { packageDir: imported.dir, sopInstanceUid: set.patients[1].sops[0] });
    expect(cam.data).toHaveLength(48 * 48);
    expect(cam.scores).toHaveLength(3);
    expect(cam.imageRegion).toEqual({ x0: 0, y0: 0, width: 48, height: 48 });

    const pred = await call('training.predict', { packageDir: imported.dir, seriesUid: set.patients[1].seriesUid });
    const done = await waitForJob(pred.jobId);
    expect(done.payload.result.series[0].seriesInstanceUid).toBe(set.patients[1].seriesUid);
  }, 300_000);

  it('a cancelled training job leaves a checkpoint and no package; resuming it finishes the run', async () => {
    const { jobId } = await call('training.start', { name: 'cancelled', variant: 'custom-phi-6', resolution: 48, epochs: 100, seed: 2 });
    const started = Date.now();
    while (!events.some((e) => e.event === 'job.progress' && e.payload.jobId === jobId && e.payload.detail?.history?.length) && Date.now() - started < 120_000) await new Promise((r) => setTimeout(r, 20));
    expect(jobs.cancel(jobId)).toBe(true);
    const end = await waitForJob(jobId);
    expect(end).toMatchObject({ event: 'job.failed', payload: { cancelled: true } });
    expect(existsSync(path.join(dataDir, 'models', 'cancelled'))).toBe(false);
    const runs = await call('training.runs', {});
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: 'cancelled', epochs: 100 });
    expect(runs[0].epoch).toBeGreaterThanOrEqual(1);

    const resumed = await call('training.resume', { checkpointDir: runs[0].checkpointDir });
    const done = await waitForJob(resumed.jobId);
    expect(done.event, JSON.stringify(done.payload)).toBe('job.finished');
    expect(done.payload.result.resumedFromEpoch).toBe(runs[0].epoch);
    expect(existsSync(path.join(dataDir, 'models', 'cancelled', 'metadata.json'))).toBe(true);
    expect(await call('training.runs', {})).toEqual([]);
  }, 200_000);
});

describe('a run cancelled in the app and resumed', () => {
  // The researcher journey (test/e2e/journey-train-ui.test.ts) cancels and resumes a run from scratch:
  // it must end as the run would have without the cancel, as lumen train killed and run again does.
  it('ends from scratch with the history and test metrics of the uninterrupted run', async () => {
    for (const p of set.patients) await call('training.labels.set', { targets: [{ kind: 'series', uid: p.seriesUid }], label: p.label });
    // As in the engine on a machine without a GPU: wasm, which the job leaves for cpu while it trains from scratch.
    await initBackend('wasm');
    const form = { variant: 'custom-phi-10', mode: 'scratch' as const, resolution: 32, epochs: 4, seed: 1, augment: false };
    const whole = await waitForJob((await call('training.start', { name: 'whole', ...form })).jobId);
    expect(whole.event, JSON.stringify(whole.payload)).toBe('job.finished');

    const { jobId } = await call('training.start', { name: 'cut', ...form });
    const started = Date.now();
    while (!events.some((e) => e.event === 'job.progress' && e.payload.jobId === jobId && e.payload.detail?.history?.length) && Date.now() - started < 120_000) await new Promise((r) => setTimeout(r, 20));
    expect(jobs.cancel(jobId)).toBe(true);
    expect((await waitForJob(jobId)).payload).toMatchObject({ cancelled: true });
    const [stopped] = await call('training.runs', {});
    const resumed = await waitForJob((await call('training.resume', { checkpointDir: stopped.checkpointDir })).jobId);
    expect(resumed.event, JSON.stringify(resumed.payload)).toBe('job.finished');
    const a = whole.payload.result;
    const b = resumed.payload.result;
    expect(b.history.map((h: { loss: number; valMetric: number }) => [h.loss, h.valMetric])).toEqual(a.history.map((h: { loss: number; valMetric: number }) => [h.loss, h.valMetric]));
    expect(b.test).toEqual(a.test);
    await initBackend('cpu');
  }, 400_000);
});

describe('folder-per-class labels', () => {
  it('imports each class folder and labels its images with the folder name', async () => {
    const root = path.join(dataDir, 'by-class');
    writePhantomSet(path.join(root, 'a'), { patients: 2, slices: 1, seed: 3 });
    writePhantomSet(path.join(root, 'b'), { patients: 3, slices: 1, seed: 4 });
    const lib = Library.open(path.join(dataDir, 'folder-library'));
    try {
      const report = await importLabelFolders(lib, root);
      expect(report.classes).toEqual({ a: 2, b: 3 });
      expect(existsSync(path.join(dataDir, 'folder-library'))).toBe(true);
    } finally {
      lib.close();
    }
  });
});
