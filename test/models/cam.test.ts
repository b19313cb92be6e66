import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resizeBilinear } from '../../electron/engine/predict/heatmap';
import { standaloneModel } from '../../electron/training/train';
import { buildEfficientNet, copyWeights, createClassifier, customVariant, embeddingDim, type Classifier } from '../../models';
import { createRunner, type ImageActivations } from '../../models/inference/runner';
import { initBackend } from '../../models/runtime';

// A tiny backbone (phi = -4, 64 px) with a 4-class head whose weights are made non-trivial,
// so that different classes have clearly different maps.
const SIZE = 64;
const CLASSES = 4;
const variant = customVariant({ phi: -4 });

function randomizeHead(c: Classifier, seed: number): void {
  const dense = c.model.getLayer('logits');
  const [kernel, bias] = dense.getWeights();
  const k = tf.randomNormal(kernel.shape, 0, 0.5, 'float32', seed);
  const b = tf.randomNormal(bias.shape, 0, 0.5, 'float32', seed + 1);
  dense.setWeights([k, b]);
  tf.dispose([k, b]);
}

function maxAbs(t: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(t)).dataSync()[0]);
}

function maxAbsDiff(a: tf.Tensor, b: tf.Tensor): number {
  return tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
}

/** Grad-CAM (Selvaraju et al.) on the logit, before ReLU: weights = spatial mean of d logit_k / dA. */
function gradCam(c: Classifier, images: tf.Tensor4D, classes: number[]): tf.Tensor3D {
  return tf.tidy(() => {
    const features = c.backbone.predict(images) as tf.Tensor4D;
    const pool = c.model.getLayer('avg_pool');
    const logitsLayer = c.model.getLayer('logits');
    const oneHot = tf.oneHot(tf.tensor1d(classes, 'int32'), CLASSES);
    // Sum over images of each image's chosen logit: images are independent, so the gradient
    // with respect to image n's features is d logit_{k_n} / dA_n.
    const score = (a: tf.Tensor) => tf.sum(tf.mul(logitsLayer.apply(pool.apply(a)) as tf.Tensor, oneHot)) as tf.Scalar;
    const grads = tf.grad(score)(features) as tf.Tensor4D;
    const alpha = tf.mean(grads, [1, 2], true);
    return tf.sum(tf.mul(features, alpha), 3) as tf.Tensor3D;
  });
}

describe('Classifier: CAM, embeddings, heads', () => {
  let softmax: Classifier;
  let images: tf.Tensor4D;

  /** The classifier as a package holds it (one graph, Keras' top): what the runner runs. */
  let packaged: tf.LayersModel;

  beforeAll(async () => {
    await initBackend('cpu');
    softmax = createClassifier({ variant, classes: CLASSES, inputSize: SIZE, seed: 11 });
    randomizeHead(softmax, 5);
    packaged = standaloneModel(softmax, variant, SIZE);
    images = tf.randomNormal([3, SIZE, SIZE, 3], 0, 1, 'float32', 21) as tf.Tensor4D;
  });

  afterAll(() => {
    images?.dispose();
    packaged?.dispose();
    softmax?.dispose();
  });

  /** Class k's map of image n from the runner, as [h][w]. */
  const grid = (a: ImageActivations[], n: number, k: number) => Array.from({ length: a[n].height }, (_, y) => Array.from(a[n].maps[k].subarray(y * a[n].width, (y + 1) * a[n].width)));

  it("the runner's CAM equals Grad-CAM x (h*w) computed with tf.grad, on ONNX Runtime and TF.js", async () => {
    const batch = images.dataSync() as Float32Array;
    for (const runtime of ['onnxruntime', 'tfjs'] as const) {
      const runner = await createRunner({ model: packaged, name: 'the classifier' }, { runtime });
      try {
        const a = await runner.activations(batch, 3);
        expect([a[0].height, a[0].width]).toEqual([2, 2]); // 64 px / 32
        for (const classes of [[0, 1, 2], [3, 3, 0]]) {
          const grad = gradCam(softmax, images, classes);
          const scaled = tf.mul(grad, 4);
          const cam = tf.tensor3d(classes.map((k, n) => grid(a, n, k)));
          expect(maxAbs(cam)).toBeGreaterThan(1e-5);
          expect(maxAbsDiff(cam, scaled), runtime).toBeLessThanOrEqual(1e-4 * maxAbs(scaled));
          tf.dispose([cam, grad, scaled]);
        }
      } finally {
        await runner.dispose();
      }
    }
  });

  it('the CAM of each class averages to its logit, and the default class is the top prediction', async () => {
    const probs = softmax.predict(images);
    const bias = Array.from(softmax.model.getLayer('logits').getWeights()[1].dataSync());
    const runner = await createRunner({ model: packaged, name: 'the classifier' });
    try {
      const a = await runner.activations(images.dataSync() as Float32Array, 3);
      // Logits rebuilt from the maps: mean over the map + bias; softmax must give predict().
      const logits = a.map((img) => img.maps.map((m, k) => m.reduce((s, v) => s + v, 0) / m.length + bias[k]));
      const fromMaps = tf.tidy(() => tf.softmax(tf.tensor2d(logits)));
      expect(maxAbsDiff(fromMaps, probs)).toBeLessThan(1e-5);
      const top = tf.tidy(() => Array.from(tf.argMax(probs, 1).dataSync()));
      const per = SIZE * SIZE * 3;
      for (let n = 0; n < 3; n++) {
        const byDefault = await runner.cam((images.dataSync() as Float32Array).subarray(n * per, (n + 1) * per));
        expect(byDefault.classIndex).toBe(top[n]);
        expect(Array.from(byDefault.map)).toEqual(Array.from(a[n].maps[top[n]]));
      }
      tf.dispose([probs, fromMaps]);
    } finally {
      await runner.dispose();
    }
  });

  it('the training panel resizes a map to the input size, bilinear with half-pixel centres', () => {
    const small = Float32Array.from([1, 2, 3, 4]);
    const big = resizeBilinear(small, 2, 2, SIZE);
    const at = (y: number, x: number) => big[y * SIZE + x];
    // Each corner pixel takes its nearest feature cell's value; the centre their mean.
    expect([at(0, 0), at(0, SIZE - 1), at(SIZE - 1, 0), at(SIZE - 1, SIZE - 1)]).toEqual([1, 2, 3, 4]);
    expect(at(SIZE / 2, SIZE / 2) + at(SIZE / 2 - 1, SIZE / 2 - 1)).toBeCloseTo(5, 5);
  });

  it('embed gives the pooled last feature maps, of embeddingDim', () => {
    const e = softmax.embed(images);
    expect(e.shape).toEqual([3, embeddingDim(variant)]);
    expect(softmax.embeddingDim).toBe(embeddingDim(variant));
    const features = softmax.backbone.predict(images) as tf.Tensor4D;
    const pooled = tf.mean(features, [1, 2]);
    expect(maxAbsDiff(e, pooled)).toBeLessThan(1e-5);
    // The head model on cached embeddings gives the full model's prediction.
    const fromCache = softmax.headModel.predict(e) as tf.Tensor;
    const direct = softmax.predict(images);
    expect(maxAbsDiff(fromCache, direct)).toBeLessThan(1e-6);
    tf.dispose([e, features, pooled, fromCache, direct]);
  });

  it('predict and embed leave the live tensor count unchanged', () => {
    const before = tf.memory().numTensors;
    tf.dispose(softmax.predict(images));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(softmax.embed(images));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad inputs with a reason', () => {
    const wrong = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
    expect(() => softmax.predict(wrong)).toThrow(/takes 64x64 images, got 32x32/);
    wrong.dispose();
  });
});

describe('Classifier heads and backbone freezing', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('sigmoid (multi-label) head: independent probabilities matching its CAMs', async () => {
    const before = tf.memory().numTensors;
    const c = createClassifier({ variant, classes: 3, head: 'sigmoid', inputSize: SIZE, seed: 2 });
    const x = tf.randomNormal([2, SIZE, SIZE, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    randomizeHead(c, 9);
    const p = c.predict(x);
    const sums = tf.tidy(() => Array.from(tf.sum(p, 1).dataSync()));
    expect(sums.some((s) => Math.abs(s - 1) > 1e-3)).toBe(true);
    const bias = Array.from(c.model.getLayer('logits').getWeights()[1].dataSync());
    // The classifier as one graph with a sigmoid top (standaloneModel's, for a sigmoid head), on the runner.
    const m = buildEfficientNet(variant, { includeTop: true, classes: 3, inputSize: SIZE, init: 'zeros', classifierActivation: 'sigmoid' });
    copyWeights(c.backbone, m);
    m.getLayer('predictions').setWeights(c.model.getLayer('logits').getWeights());
    const runner = await createRunner({ model: m }, { runtime: 'tfjs' });
    const a = await runner.activations(x.dataSync() as Float32Array, 2);
    await runner.dispose();
    const fromMaps = tf.tidy(() => tf.sigmoid(tf.tensor2d(a.map((img) => img.maps.map((map, k) => map.reduce((s, v) => s + v, 0) / map.length + bias[k])))));
    expect(maxAbsDiff(fromMaps, p)).toBeLessThan(1e-5);
    tf.dispose([x, p, fromMaps]);
    m.dispose();
    c.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a frozen backbone stays unchanged (BatchNorm statistics included) while the head trains', async () => {
    const c = createClassifier({ variant, classes: 2, inputSize: SIZE, seed: 3 });
    expect(c.backboneTrainable).toBe(false);
    expect(c.model.trainableWeights.map((w) => w.originalName)).toEqual(['logits/kernel', 'logits/bias']);
    const snapshot = (layers: tf.layers.Layer[]) => layers.flatMap((l) => l.getWeights().map((w) => w.clone()));
    const backboneBefore = snapshot(c.backbone.layers);
    const headBefore = snapshot([c.model.getLayer('logits')]);

    const x = tf.randomNormal([4, SIZE, SIZE, 3], 0, 1, 'float32', 8);
    const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
    c.model.compile({ optimizer: tf.train.sgd(0.5), loss: 'categoricalCrossentropy' });
    await c.model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });

    const backboneAfter = snapshot(c.backbone.layers);
    const headAfter = snapshot([c.model.getLayer('logits')]);
    const diffs = (a: tf.Tensor[], b: tf.Tensor[]) => a.map((t, i) => maxAbsDiff(t, b[i]));
    expect(Math.max(...diffs(backboneBefore, backboneAfter))).toBe(0);
    expect(Math.max(...diffs(headBefore, headAfter))).toBeGreaterThan(0);

    c.setBackboneTrainable(true);
    expect(c.backboneTrainable).toBe(true);
    expect(c.model.trainableWeights.length).toBeGreaterThan(50);
    tf.dispose([x, y, ...backboneBefore, ...backboneAfter, ...headBefore, ...headAfter]);
    c.model.optimizer?.dispose();
    c.dispose();
  });
});
