// Where ONNX Runtime is not available, TF.js serves Run through the same runner: with the
// runner forced to TF.js (LUMEN_RUNTIME=tfjs), the model panel names it, the app's Run
// stores the same scores `lumen predict`'s path gets on ONNX Runtime, its heatmaps are the
// same maps, and the audit log names the runtime each ran on.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CamMap, PredictionResult } from '../../common/contract/models';
import { createEngine, type Engine } from '../../electron/engine/engine';
import { Library } from '../../electron/library/library';
import { predictSeries } from '../../electron/training/predict';
import { engineRequests } from '../support/engine';
import { writePhantomSeries, type PhantomSeries } from '../support/phantom-series';
import { saveRandomHeadPackage } from '../support/tiny-package';

const SIZE = 64;

describe('Run on TF.js when ONNX Runtime is not used', () => {
  let dataDir: string;
  let engine: Engine;
  let series: PhantomSeries;
  let packageDir: string;
  let contentHash: string;
  const saved = process.env.LUMEN_RUNTIME;
  const { call, job } = engineRequests(() => engine);

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-predict-tfjs-'));
    series = writePhantomSeries(path.join(dataDir, 'incoming'), 4);
    packageDir = path.join(dataDir, 'models', 'tiny');
    contentHash = (
      await saveRandomHeadPackage(
        packageDir,
        { inputSize: SIZE, seed: 4, sd: 5, headSeed: 6 },
        { name: 'tiny', classNames: ['none', 'lesion'], preprocessing: { window: 'ct-abdomen', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
      )
    ).contentHash;
    process.env.LUMEN_RUNTIME = 'tfjs';
    engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu' });
    expect((await job('library.import', { paths: [series.dir] })).imported).toBe(4);
  }, 120_000);
  afterAll(() => {
    if (saved === undefined) delete process.env.LUMEN_RUNTIME;
    else process.env.LUMEN_RUNTIME = saved;
    engine?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('names TF.js, runs on it, and gives the scores and maps ONNX Runtime gives', async () => {
    const catalog = await call('models.catalog', {});
    expect(catalog.runtime.run).toBe('TF.js (cpu)');

    const app = (await job('predict.run', { packageHash: contentHash, scope: 'series', seriesInstanceUid: series.seriesUid })) as PredictionResult;
    expect(app.images).toHaveLength(4);
    const maps: Float32Array[] = [];
    for (const k of [0, 1]) {
      const cam = (await call('predict.cam', { packageHash: contentHash, seriesInstanceUid: series.seriesUid, sopInstanceUid: app.images[0].sopInstanceUid, frame: 0, classIndex: k })) as CamMap;
      maps.push(new Float32Array(Uint8Array.from(cam.values).buffer));
    }

    // The same package through the same module on ONNX Runtime.
    process.env.LUMEN_RUNTIME = 'onnxruntime';
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      const onnx = await predictSeries({ library, packageDir, seriesUid: series.seriesUid, store: false });
      for (const img of app.images) {
        const same = onnx.images.find((o) => o.sopInstanceUid === img.sopInstanceUid && o.frame === img.frame)!;
        img.scores.forEach((s, k) => expect(s).toBeCloseTo(same.scores[k], 4));
      }
      // Its maps: the runner's own, so the same numbers as the heatmaps Run sent.
      const logits = maps.map((m) => m.reduce((a, b) => a + b, 0) / m.length);
      const p1 = 1 / (1 + Math.exp(logits[0] - logits[1]));
      expect(p1).toBeCloseTo(app.images[0].scores[1], 3);
      const audit = library.auditEntries({}).filter((e) => e.action === 'predict');
      expect(audit.map((e) => e.runtime)).toEqual(['TF.js (cpu)', expect.stringMatching(/^ONNX Runtime \(/)]);
    } finally {
      library.close();
      process.env.LUMEN_RUNTIME = 'tfjs';
    }
  }, 300_000);
});
