// The one runner (models/inference/runner.ts): ONNX Runtime by default, TF.js when forced,
// the same scores and the same exact class activation maps from both, and nothing left
// behind (tensors, ONNX sessions) across create / scores / cam / dispose.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxModelSession } from '../../models/inference/onnx';
import { createRunner, type ModelRunner, type RunnerRuntime } from '../../models/inference/runner';
import { loadPackage, savePackage, type LoadedPackage } from '../../models/package';
import { initBackend } from '../../models/runtime';
import { randomiseBatchNorm, tinyNet } from './onnx-helpers';

const SIZE = 32;
const CLASSES = 3;
let dir: string;
let pkg: LoadedPackage;
let images: Float32Array;

beforeAll(async () => {
  await initBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-runner-'));
  const model = tinyNet({ size: SIZE, classes: CLASSES, seed: 3 });
  randomiseBatchNorm(model, 3);
  await savePackage(path.join(dir, 'pkg'), model, {
    name: 'runner test',
    variant: 'b0',
    inputSize: SIZE,
    preprocessing: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
    classNames: ['a', 'b', 'c'],
    task: 'multiclass',
    provenance: {},
  });
  model.dispose();
  pkg = await loadPackage(path.join(dir, 'pkg'));
  images = tf.tidy(() => tf.randomNormal([4, SIZE, SIZE, 3], 0, 1, 'float32', 7).dataSync() as Float32Array);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Everything a runner may hold: TF.js tensors and ONNX sessions. */
const held = () => ({ tensors: tf.memory().numTensors, sessions: OnnxModelSession.live });

async function exercise(runtime: RunnerRuntime, cam = true): Promise<{ runner: ModelRunner; scores: number[][]; maps: Float32Array[] }> {
  const runner = await createRunner({ package: pkg }, { runtime, cam });
  const scores = await runner.scores(images, 4);
  const maps = cam ? (await runner.activations(images, 4)).flatMap((a) => a.maps) : [];
  if (cam) await runner.cam(images.subarray(0, SIZE * SIZE * 3), 1);
  await runner.dispose();
  return { runner, scores, maps };
}

describe('createRunner', () => {
  it('runs on ONNX Runtime by default and names it', async () => {
    const runner = await createRunner({ package: pkg });
    try {
      expect(runner.runtime).toBe('onnxruntime');
      expect(runner.label).toBe('ONNX Runtime (cpu)');
      expect(runner.inputSize).toBe(SIZE);
      expect(runner.classes).toBe(CLASSES);
    } finally {
      await runner.dispose();
    }
  });

  it('leaves no tensor and no ONNX session behind, on either runtime', async () => {
    // A first pass warms TF.js' kernels up (they keep nothing per call, but be sure).
    await exercise('tfjs');
    for (const runtime of ['onnxruntime', 'tfjs'] as const) {
      for (const cam of [true, false]) {
        const before = held();
        await exercise(runtime, cam);
        expect(held(), `${runtime}${cam ? '' : ' (scores only)'}`).toEqual(before);
      }
    }
  });

  it('gives the same scores and class activation maps on TF.js as on ONNX Runtime', async () => {
    const onnx = await exercise('onnxruntime');
    const tfjs = await exercise('tfjs');
    expect(tfjs.runner.label).toBe('TF.js (cpu)');
    expect(onnx.scores).toHaveLength(4);
    for (let i = 0; i < 4; i++) {
      expect(onnx.scores[i]).toHaveLength(CLASSES);
      for (let k = 0; k < CLASSES; k++) expect(tfjs.scores[i][k]).toBeCloseTo(onnx.scores[i][k], 4);
    }
    expect(tfjs.maps).toHaveLength(4 * CLASSES);
    for (let j = 0; j < onnx.maps.length; j++) {
      for (let p = 0; p < onnx.maps[j].length; p++) expect(tfjs.maps[j][p]).toBeCloseTo(onnx.maps[j][p], 3);
    }
    // Scores-only ONNX runs the package's own model.onnx: the same numbers.
    const shipped = await exercise('onnxruntime', false);
    for (let i = 0; i < 4; i++) for (let k = 0; k < CLASSES; k++) expect(shipped.scores[i][k]).toBeCloseTo(onnx.scores[i][k], 5);
  });

  it('the map is exact: its mean plus the bias is the logit, so softmax of those gives the scores', async () => {
    const runner = await createRunner({ package: pkg });
    try {
      const [a] = await runner.activations(images.subarray(0, SIZE * SIZE * 3), 1);
      const means = a.maps.map((m) => m.reduce((s, v) => s + v, 0) / m.length);
      // logit_k = mean(M_k) + b_k; softmax keeps only differences: log(p_k / p_0) = logit_k - logit_0.
      for (let k = 1; k < CLASSES; k++) {
        const fromScores = Math.log(a.scores[k] / a.scores[0]);
        expect(means[k] - means[0] + biasDiff(k)).toBeCloseTo(fromScores, 3);
      }
    } finally {
      await runner.dispose();
    }
  });

  it('refuses what it cannot do, saying what', async () => {
    const runner = await createRunner({ package: pkg }, { cam: false });
    await expect(runner.cam(images.subarray(0, SIZE * SIZE * 3))).rejects.toThrow('opened for scores only');
    await expect(runner.scores(images, 3)).rejects.toThrow('expected 3 images of 32x32x3');
    await runner.dispose();
    await expect(runner.scores(images, 4)).rejects.toThrow('disposed');
    const full = await createRunner({ package: pkg }, { runtime: 'tfjs' });
    await expect(full.cam(images.subarray(0, SIZE * SIZE * 3), 5)).rejects.toThrow('Class index 5 is out of range 0..2');
    await full.dispose();
  });
});

let biases: number[] | undefined;
function biasDiff(k: number): number {
  return biases ? biases[k] - biases[0] : 0;
}
beforeAll(async () => {
  const model = await (await import('../../models/weights/tfjs-format')).loadTfjsModel(path.join(dir, 'pkg'));
  const dense = model.layers.find((l) => l.getClassName() === 'Dense')!;
  biases = Array.from(dense.getWeights()[1].dataSync());
  model.dispose();
});
