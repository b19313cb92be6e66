// The app's Run on packages Lumen itself trains (issue #13): from scratch, a head on that
// backbone, and a B0 head, all through the real engine's requests (no mocks). The scores
// must equal `lumen predict`'s (training.predict, the ONNX Runtime path) and the class
// activation map must be the package's own: its mean plus the head's bias is the logit.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CamMap, PredictionResult } from '../../common/contract/models';
import { createEngine, type Engine } from '../../electron/engine/engine';
import { initBackend } from '../../models/runtime';
import { loadTfjsModel } from '../../models/weights/tfjs-format';
import { engineRequests } from '../support/engine';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

describe('Run with packages trained in Lumen', () => {
  let dataDir: string;
  let engine: Engine;
  let set: PhantomSet;
  const { call, job } = engineRequests(() => engine);

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-predict-trained-'));
    set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 18, slices: 2, seed: 5 });
    engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu' });
    await initBackend('cpu');
    expect((await job('library.import', { paths: [set.dir] })).imported).toBe(36);
    expect((await call('training.labels.importCsv', { path: set.csv })).problems).toEqual([]);
  }, 60_000);
  afterAll(() => {
    engine?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Runs the package on one series in the app and with `lumen predict`'s core, and checks scores and CAM. */
  async function runsLikeLumenPredict(packageDir: string, contentHash: string) {
    const series = set.patients[1];
    const app = (await job('predict.run', { packageHash: contentHash, scope: 'series', seriesInstanceUid: series.seriesUid })) as PredictionResult;
    expect(app.images).toHaveLength(2);
    const cli = await job('training.predict', { packageDir, seriesUid: series.seriesUid });
    for (const img of app.images) {
      const same = cli.images.find((c: { sopInstanceUid: string }) => c.sopInstanceUid === img.sopInstanceUid);
      expect(img.scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      img.scores.forEach((s, k) => expect(s).toBeCloseTo(same.scores[k], 5));
    }
    // One image alone gives its scores too.
    const one = (await job('predict.run', { packageHash: contentHash, scope: 'image', seriesInstanceUid: series.seriesUid, sopInstanceUid: series.sops[0], frame: 0 })) as PredictionResult;
    expect(one.images).toHaveLength(1);
    // The map is the package's own: the mean of class k's map plus the head's bias is logit k
    // (GAP + one dense layer), so their softmax gives the image's scores back.
    const model = await loadTfjsModel(packageDir);
    const bias = Array.from((model.getLayer('predictions').getWeights()[1] as tf.Tensor).dataSync());
    model.dispose();
    const logits: number[] = [];
    for (let k = 0; k < one.classNames.length; k++) {
      const cam = (await call('predict.cam', { packageHash: contentHash, seriesInstanceUid: series.seriesUid, sopInstanceUid: series.sops[0], frame: 0, classIndex: k })) as CamMap;
      const values = new Float32Array(Uint8Array.from(cam.values).buffer);
      expect(values.length).toBe(cam.rows * cam.columns);
      logits.push(values.reduce((a, b) => a + b, 0) / values.length + bias[k]);
    }
    const top = Math.max(...logits);
    const exp = logits.map((l) => Math.exp(l - top));
    const softmax = exp.map((e) => e / exp.reduce((a, b) => a + b, 0));
    softmax.forEach((s, k) => expect(s).toBeCloseTo(one.images[0].scores[k], 3));
  }

  it('runs a package trained from scratch, a head on its backbone, and a B0 head', async () => {
    const common = { resolution: 32, window: 'ct-abdomen', augment: false, seed: 3 };
    const scratch = await job('training.start', { ...common, name: 'scratch', variant: 'custom-phi-10', mode: 'scratch', epochs: 2 });
    await runsLikeLumenPredict(scratch.packageDir, scratch.contentHash);
    const head = await job('training.start', { ...common, name: 'head', variant: 'custom-phi-10', mode: 'head', epochs: 3, backbonePackage: scratch.packageDir });
    await runsLikeLumenPredict(head.packageDir, head.contentHash);
    const b0 = await job('training.start', { ...common, name: 'b0-head', variant: 'b0', mode: 'head', epochs: 2 });
    await runsLikeLumenPredict(b0.packageDir, b0.contentHash);
  }, 300_000);
});
