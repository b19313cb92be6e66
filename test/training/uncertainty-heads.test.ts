// The uncertainty heads (models/training/ensemble.ts) on numbers whose answer is known, and
// the runner's pooled features on both runtimes (what the heads read at prediction time).
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunner } from '../../models/inference/runner';
import { ensembleUncertainty, foldStandardisation, headProbabilities, normalisedMutualInformation, trainEnsemble } from '../../models/training/ensemble';
import { seededRandom } from '../../models/training/metrics';
import { randomHeadModel } from '../support/tiny-package';

describe('mutual information of the heads', () => {
  it('is 0 when the heads agree and 1 when two sure heads split', () => {
    expect(normalisedMutualInformation([[0.7, 0.3], [0.7, 0.3], [0.7, 0.3]])).toBeCloseTo(0, 12);
    expect(normalisedMutualInformation([[1, 0], [0, 1]])).toBeCloseTo(1, 12);
    // Worked by hand: heads (0.9, 0.1) and (0.5, 0.5), mean (0.7, 0.3). Entropies in nats:
    // H(0.7, 0.3) = 0.61086, H(0.9, 0.1) = 0.32508, H(0.5, 0.5) = 0.69315;
    // MI = 0.61086 - (0.32508 + 0.69315) / 2 = 0.10175, over ln 2 = 0.14679.
    expect(normalisedMutualInformation([[0.9, 0.1], [0.5, 0.5]])).toBeCloseTo(0.14679, 4);
  });
});

describe('anchored heads', () => {
  // Two classes told apart by feature 0; every training image has features 1.. at zero, so
  // the data say nothing about those directions.
  const dim = 16;
  const rand = seededRandom(5);
  const x: Float32Array[] = [];
  const labels: number[] = [];
  for (let i = 0; i < 200; i++) {
    const label = i % 2;
    const row = new Float32Array(dim);
    row[0] = (label ? 1 : -1) + 0.5 * (rand() - 0.5);
    x.push(row);
    labels.push(label);
  }
  const at = (values: Record<number, number>) => {
    const row = new Float32Array(dim);
    for (const [d, v] of Object.entries(values)) row[Number(d)] = v;
    return row;
  };
  const uncertainty = (heads: ReturnType<typeof trainEnsemble>, row: Float32Array) => ensembleUncertainty(heads, row, 1)[0];

  it('agree on images like the training data and disagree along directions it never spans', () => {
    const heads = trainEnsemble(x, labels, 2, { seed: 1, priorScale: 1 });
    const like = uncertainty(heads, at({ 0: 1 }));
    const unlike = uncertainty(heads, at({ 0: 1, 3: 8, 9: -8 }));
    expect(like).toBeLessThan(0.05);
    expect(unlike).toBeGreaterThan(0.2);
    // They learned the task: class 1 where feature 0 is positive.
    const p = headProbabilities(heads, at({ 0: 1 }), 1)[0];
    for (const head of p) expect(head[1]).toBeGreaterThan(0.8);
  });

  it('without a prior to anchor them (near-zero anchors), they agree everywhere: the anchor is what makes them disagree', () => {
    const heads = trainEnsemble(x, labels, 2, { seed: 1, priorScale: 1e-4, bootstrap: false });
    expect(uncertainty(heads, at({ 0: 1, 3: 8, 9: -8 }))).toBeLessThan(0.01);
  });

  it('folding the standardisation gives heads on raw features with the same outputs', () => {
    const heads = trainEnsemble(x, labels, 2, { seed: 2 });
    const mean = Float64Array.from({ length: dim }, (_, d) => d * 0.1);
    const std = Float64Array.from({ length: dim }, (_, d) => 1 + d * 0.05);
    const folded = foldStandardisation(heads, mean, std);
    const standardised = at({ 0: 0.7, 5: 2 });
    const raw = standardised.map((v, d) => v * std[d] + mean[d]);
    const a = headProbabilities(heads, standardised, 1)[0];
    const b = headProbabilities(folded, Float32Array.from(raw), 1)[0];
    a.forEach((head, m) => head.forEach((v, c) => expect(b[m][c]).toBeCloseTo(v, 5)));
  });

  it('refuses features of the wrong length, naming both', () => {
    const heads = trainEnsemble(x, labels, 2, { heads: 2, iterations: 5 });
    expect(() => ensembleUncertainty(heads, new Float32Array(dim + 1), 1)).toThrow(/expected 1 x 16 features, got 17/);
  });
});

describe('pooled features from the runner', () => {
  let model: tf.LayersModel;
  beforeAll(async () => {
    model = await randomHeadModel({ classes: 3, inputSize: 32, seed: 7, sd: 1, headSeed: 3 });
  });
  afterAll(() => model?.dispose());

  it('are the same on ONNX Runtime and TF.js, with scores, from features() and activations()', async () => {
    const n = 3;
    const rand = seededRandom(11);
    const batch = Float32Array.from({ length: n * 32 * 32 * 3 }, () => rand() * 2 - 1);
    const onnx = await createRunner({ model }, { runtime: 'onnxruntime', features: true });
    const tfjs = await createRunner({ model }, { runtime: 'tfjs', features: true });
    try {
      const a = await onnx.features(batch, n);
      const b = await tfjs.features(batch, n);
      expect(a.dim).toBe(b.dim);
      expect(a.dim).toBeGreaterThan(0);
      a.features.forEach((v, i) => expect(v).toBeCloseTo(b.features[i], 4));
      a.scores.forEach((s, i) => s.forEach((v, c) => expect(v).toBeCloseTo(b.scores[i][c], 5)));
      expect(a.scores).toEqual(await onnx.scores(batch, n));
      for (const runner of [onnx, tfjs]) {
        const act = await runner.activations(batch, n);
        act.forEach((x, i) => x.features!.forEach((v, d) => expect(v).toBeCloseTo(a.features[i * a.dim + d], 4)));
      }
    } finally {
      await onnx.dispose();
      await tfjs.dispose();
    }
    // Opened without features, a runner says so rather than returning nothing.
    const plain = await createRunner({ model }, { runtime: 'onnxruntime' });
    try {
      await expect(plain.features(batch, n)).rejects.toThrow(/opened without features/);
    } finally {
      await plain.dispose();
    }
  }, 120_000);
});
