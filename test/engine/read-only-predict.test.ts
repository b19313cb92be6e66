// Running a model on a library on a read-only disk (a copied library on a disc, a locked share:
// a real tmpfs remounted read-only, test/support/small-disk.ts). The app's Run and `lumen predict`
// compute the scores and heatmaps and return them without storing them: the app keeps them for
// the engine's session (the panel's latest result for the series shows them) and says once that
// they were not stored; `lumen predict` prints them and says so on stderr. The scores equal those
// of the same package on the same library once the disk is writable again; nothing was stored.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { CamMap, PredictionResult } from '../../common/contract/models';
import { createEngine, type Engine } from '../../electron/engine/engine';
import { initBackend } from '../../models/runtime';
import { runLumen } from '../support/cli';
import { engineRequests } from '../support/engine';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { writePhantomSet } from '../training/phantoms';

const NOT_NODE = /EROFS|SQLITE_|attempt to write|readonly database|[Cc]annot create|could not be changed|at .*\.ts:\d+/;
const disk = smallDiskForTests('read-only-predict', 64);

describe.skipIf(smallDiskSkip)(`predicting on a read-only library${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('Run and lumen predict score, show and keep nothing; the scores are those of the writable library', async () => {
    await initBackend('cpu');
    const data = path.join(disk.dir, 'data');
    const library = path.join(data, 'library');
    const set = writePhantomSet(path.join(disk.dir, 'dicom'), { patients: 8, slices: 2, size: 32, seed: 29 });
    let engine: Engine = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu' });
    const { call, job } = engineRequests(() => engine);
    let trained: { packageDir: string; contentHash: string };
    // What training stored (its test split's scores): a read-only run adds nothing to it.
    let stored: { predictions: number; series: number };
    try {
      expect((await job('library.import', { paths: [set.dir] })).imported).toBe(16);
      expect((await call('training.labels.importCsv', { path: set.csv })).problems).toEqual([]);
      trained = await job('training.start', { resolution: 32, window: 'ct-abdomen', augment: false, seed: 3, name: 'ro', variant: 'custom-phi-10', mode: 'scratch', epochs: 1 });
      const { predictions, series } = await call('models.packageUse', { packageHash: trained.contentHash });
      stored = { predictions, series };
    } finally {
      engine.dispose();
    }
    const series = set.patients[1];
    const hash = trained.contentHash;

    disk.readOnly();
    let appRun: PredictionResult;
    let cliJson: PredictionResult & { stored?: boolean };
    try {
      engine = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu' });
      try {
        expect((await call('library.access', {})).readOnly).toMatch(/read-only disk/);
        expect(await call('predict.latest', { packageHash: hash, seriesInstanceUid: series.seriesUid })).toBeNull();
        appRun = (await job('predict.run', { packageHash: hash, scope: 'series', seriesInstanceUid: series.seriesUid })) as PredictionResult;
        expect(appRun.images).toHaveLength(2);
        expect(appRun.stored).toBe(false);
        expect(appRun.note).toBe('These scores were not stored in the library, because its disk is read-only; they will be gone when Lumen closes.');
        // The panel's latest result for the series is this run's, until the engine stops.
        const latest = (await call('predict.latest', { packageHash: hash, seriesInstanceUid: series.seriesUid })) as PredictionResult;
        expect(latest.images.map((im) => im.scores)).toEqual(appRun.images.map((im) => im.scores));
        expect(latest.stored).toBe(false);
        expect(latest.note).toBe(appRun.note);
        // The heatmap of each image is there.
        const cam = (await call('predict.cam', { packageHash: hash, seriesInstanceUid: series.seriesUid, sopInstanceUid: series.sops[0], frame: 0, classIndex: 0 })) as CamMap;
        expect(cam.rows * cam.columns).toBeGreaterThan(0);
        // One image alone too; another series of the study has nothing.
        const one = (await job('predict.run', { packageHash: hash, scope: 'image', seriesInstanceUid: series.seriesUid, sopInstanceUid: series.sops[0], frame: 0 })) as PredictionResult;
        expect(one.stored).toBe(false);
        expect(one.images[0].scores).toEqual(appRun.images.find((im) => im.sopInstanceUid === series.sops[0])!.scores);
        expect(await call('predict.latest', { packageHash: hash, seriesInstanceUid: set.patients[2].seriesUid })).toBeNull();
        expect(await call('models.packageUse', { packageHash: hash })).toMatchObject(stored);
      } finally {
        engine.dispose();
      }
      const text = await runLumen(['predict', '--model', trained.packageDir, '--library', library, '--series', series.seriesUid], data);
      expect(text.stderr).not.toMatch(NOT_NODE);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toContain(`${series.seriesUid}: `);
      expect(text.stderr.trim()).toBe(`Not stored: the library ${library} is on a read-only disk, so these scores were only printed.`);
      const json = await runLumen(['predict', '--model', trained.packageDir, '--library', library, '--series', series.seriesUid, '--json'], data);
      expect(json.code, json.stderr).toBe(0);
      cliJson = JSON.parse(json.stdout);
      expect(cliJson.stored).toBe(false);
      // Nothing is written elsewhere either: a writable data folder and home stay empty.
      const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-read-only-predict-'));
      try {
        const [dataElsewhere, home] = ['data', 'home'].map((d) => path.join(elsewhere, d));
        fs.mkdirSync(dataElsewhere);
        fs.mkdirSync(home);
        const again = await runLumen(['predict', '--model', trained.packageDir, '--library', library, '--series', series.seriesUid, '--json'], dataElsewhere, { HOME: home, XDG_CACHE_HOME: path.join(home, '.cache') });
        expect(again.code, again.stderr).toBe(0);
        expect(fs.readdirSync(elsewhere, { recursive: true }).sort()).toEqual(['data', 'home']);
      } finally {
        fs.rmSync(elsewhere, { recursive: true, force: true });
      }
    } finally {
      disk.writable();
    }

    // Writable again: nothing was stored; the same package on the same library scores the same.
    engine = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu' });
    try {
      expect(await call('predict.latest', { packageHash: hash, seriesInstanceUid: series.seriesUid })).toBeNull();
      const writable = (await job('predict.run', { packageHash: hash, scope: 'series', seriesInstanceUid: series.seriesUid })) as PredictionResult;
      expect(writable.stored).toBeUndefined();
      expect(writable.note).toBeUndefined();
      const bySop = (r: PredictionResult) => Object.fromEntries(r.images.map((im) => [im.sopInstanceUid, im.scores]));
      expect(bySop(appRun)).toEqual(bySop(writable));
      for (const [sop, scores] of Object.entries(bySop(cliJson))) scores.forEach((s, k) => expect(s).toBeCloseTo(bySop(writable)[sop][k], 5));
      expect(await call('models.packageUse', { packageHash: hash })).toMatchObject({ predictions: stored.predictions + 2, series: stored.series + 1 });
    } finally {
      engine.dispose();
    }
  }, 300_000);
});
