// The library, viewer and prediction handlers on the real engine (no mocks):
// import a phantom series, read frames, run a tiny trained package and check
// that its class activation map is hottest over the lesion.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CamMap, PredictionResult } from '../../common/contract/models';
import { createEngine, type Engine } from '../../electron/engine/engine';
import { exportPackageArchive } from '../../models/package';
import { engineRequests } from '../support/engine';
import { PHANTOM_SIZE, SERIES_LESION, trainTinyPackage, writePhantomSeries, type PhantomSeries } from '../support/phantom-series';

describe('workspace handlers', () => {
  let dataDir: string;
  let engine: Engine;
  let series: PhantomSeries;
  const { events, ctx, call, waitJob } = engineRequests(() => engine);

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-handlers-'));
    series = writePhantomSeries(path.join(dataDir, 'incoming'), 8);
    engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu' });
  });
  afterAll(() => {
    engine?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('imports through a job, lists the study with a thumbnail and serves decoded frames', async () => {
    const { jobId } = await call('library.import', { paths: [series.dir] });
    const report = await waitJob(jobId);
    expect(report.imported).toBe(8);
    expect(events.some((e) => e.event === 'library.changed')).toBe(true);
    const studies = await call('library.studies', { search: 'phantom' });
    expect(studies).toHaveLength(1);
    expect(studies[0].series[0]).toMatchObject({ seriesInstanceUid: series.seriesUid, modality: 'CT', instances: 8 });
    expect(await call('library.studies', { search: 'nothing-like-this' })).toHaveLength(0);
    const thumb = await call('library.thumbnail', { seriesInstanceUid: series.seriesUid });
    expect(thumb.dataUrl).toMatch(/^data:image\/png;base64,/);
    const detail = await call('library.series', { seriesInstanceUid: series.seriesUid });
    expect(detail.images.map((i: { instanceNumber: number }) => i.instanceNumber)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const lesionImage = detail.images[series.lesionSlices[0]];
    const frame = await call('viewer.frame', { seriesInstanceUid: series.seriesUid, sopInstanceUid: lesionImage.sopInstanceUid, frame: 0 });
    expect(frame).toMatchObject({ rows: PHANTOM_SIZE, columns: PHANTOM_SIZE, dtype: 'int16', pixelSpacing: [0.7, 0.7] });
    const px = new Int16Array(Uint8Array.from(frame.pixels).buffer);
    expect(px[SERIES_LESION.y * PHANTOM_SIZE + SERIES_LESION.x]).toBe(400);
    expect(frame.windows[0]).toMatchObject({ id: 'file-1', center: 40, width: 400 });
    expect(frame.windows.map((w: { id: string }) => w.id)).toContain('ct-lung');
    // A bad UID never reaches the handler.
    const bad = await engine.dispatch('viewer.frame', { seriesInstanceUid: 'x', sopInstanceUid: '1', frame: 0 }, ctx);
    expect(bad.ok).toBe(false);
  });

  it('says there is no classifier, then predicts with a trained package and stores it', async () => {
    const empty = await call('models.catalog', {});
    expect(empty.packages).toEqual([]);
    expect(empty.variants.map((v: { name: string }) => v.name)).toContain('b7');
    expect(empty.variants.find((v: { name: string }) => v.name === 'b0')).toMatchObject({ params: 5_330_564, resolution: 224, embeddingDim: 1280 });
    const rec512 = await call('models.recommend', { rows: 512, columns: 512, budgetMs: 100_000 });
    expect(['b5', 'b6']).toContain(rec512.variant);
    const rec256 = await call('models.recommend', { rows: 256, columns: 256, budgetMs: 100_000 });
    expect(['b1', 'b2']).toContain(rec256.variant);
    expect((await call('models.recommend', { rows: 2000, columns: 2500, budgetMs: 100_000 })).variant).toBe('b7');
    const tight = await call('models.recommend', { rows: 512, columns: 512, budgetMs: 12 });
    expect(tight.variant).toBe('b0');
    expect(tight.reason).toMatch(/budget/);

    // Trained elsewhere, exported as one file, imported through the contract.
    const staged = path.join(dataDir, 'staging', 'phantom-lesion');
    const meta = await trainTinyPackage(staged);
    const archive = path.join(dataDir, 'staging', 'phantom-lesion.lumenpkg');
    await exportPackageArchive(staged, archive);
    const imported = await call('models.importPackage', { file: archive });
    expect(imported).toMatchObject({ contentHash: meta.contentHash, dir: path.join(dataDir, 'models', 'phantom-lesion') });
    await expect(call('models.importPackage', { file: archive })).rejects.toThrow(/already installed/);
    await expect(call('models.importPackage', { file: path.join(staged, 'model.json') })).rejects.toThrow(/not a model package archive/);
    const catalog = await call('models.catalog', {});
    expect(catalog.packages.map((p: { contentHash: string }) => p.contentHash)).toEqual([meta.contentHash]);

    const { jobId } = await call('predict.run', { packageHash: meta.contentHash, scope: 'series', seriesInstanceUid: series.seriesUid });
    const result = (await waitJob(jobId)) as PredictionResult;
    expect(result.images).toHaveLength(8);
    const lesionScore = (i: number) => result.images[i].scores[1];
    const withLesion = series.lesionSlices.map(lesionScore);
    const without = [0, 1, 2, 3, 4, 5, 6, 7].filter((i) => !series.lesionSlices.includes(i)).map(lesionScore);
    expect(Math.min(...withLesion)).toBeGreaterThan(Math.max(...without));
    expect(result.series[0].max[1]).toBeCloseTo(Math.max(...withLesion), 5);

    // Cancelled at once: a job.failed with cancelled, nothing made up.
    const cancelled = await call('predict.run', { packageHash: meta.contentHash, scope: 'study', seriesInstanceUid: series.seriesUid });
    expect((await call('job.cancel', { jobId: cancelled.jobId })).cancelled).toBe(true);
    await expect(waitJob(cancelled.jobId)).rejects.toThrow('Cancelled');

    const stored = (await call('predict.latest', { packageHash: meta.contentHash, seriesInstanceUid: series.seriesUid })) as PredictionResult;
    expect(stored.images).toHaveLength(8);

    const sop = result.images[series.lesionSlices[0]].sopInstanceUid;
    const cam = (await call('predict.cam', { packageHash: meta.contentHash, seriesInstanceUid: series.seriesUid, sopInstanceUid: sop, frame: 0, classIndex: 1 })) as CamMap;
    const values = new Float32Array(Uint8Array.from(cam.values).buffer);
    expect(cam.reference).toBeGreaterThanOrEqual(cam.max);
    let best = 0;
    for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
    const cellX = ((best % cam.columns) + 0.5) * (PHANTOM_SIZE / cam.columns);
    const cellY = (Math.floor(best / cam.columns) + 0.5) * (PHANTOM_SIZE / cam.rows);
    expect(Math.hypot(cellX - SERIES_LESION.x, cellY - SERIES_LESION.y)).toBeLessThan(PHANTOM_SIZE / cam.columns);
  });

  it('measures a latency on demand and remembers it in the data folder', async () => {
    const { jobId } = await call('models.measureLatency', { variant: 'b0' });
    const record = await waitJob(jobId);
    // Measured on the runner Run uses, which the catalog names.
    expect(record).toMatchObject({ variant: 'b0', runtime: 'ONNX Runtime (cpu)' });
    expect(record.ms).toBeGreaterThan(0);
    const catalog = await call('models.catalog', {});
    expect(catalog.runtime.run).toBe('ONNX Runtime (cpu)');
    const b0 = catalog.variants.find((v: { name: string }) => v.name === 'b0');
    expect(b0).toMatchObject({ latencyMs: record.ms, latencyRuntime: 'ONNX Runtime (cpu)' });
    expect(readFileSync(path.join(dataDir, 'latency.json'), 'utf8')).toContain('"b0"');
  });
});
