import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClassifier, customVariant, embeddingDim, type Classifier } from '../../models';

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

  beforeAll(async () => {
    await tf.setBackend('cpu');
    softmax = createClassifier({ variant, classes: CLASSES, inputSize: SIZE, seed: 11 });
    randomizeHead(softmax, 5);
    images = tf.randomNormal([3, SIZE, SIZE, 3], 0, 1, 'float32', 21) as tf.Tensor4D;
  });

  afterAll(() => {
    images?.dispose();
    softmax?.dispose();
  });

  it('CAM equals Grad-CAM x (h*w) computed with tf.grad, for chosen classes', () => {
    for (const classes of [[0, 1, 2], [3, 3, 0]]) {
      const cam = softmax.cam(images, classes, { size: 'features' });
      const [, h, w] = cam.shape;
      expect(h).toBe(2); // 64 px / 32
      const grad = gradCam(softmax, images, classes);
      const scaled = tf.mul(grad, h * w);
      expect(maxAbs(cam)).toBeGreaterThan(1e-5);
      expect(maxAbsDiff(cam, scaled)).toBeLessThanOrEqual(1e-4 * maxAbs(scaled));
      tf.dispose([cam, grad, scaled]);
    }
  });

  it('the CAM of each class averages to its logit, and the default class is the top prediction', () => {
    const probs = softmax.predict(images);
    const bias = softmax.model.getLayer('logits').getWeights()[1];
    // Logits rebuilt from the maps: mean over the map + bias; softmax must give predict().
    const means: tf.Tensor[] = [];
    for (let k = 0; k < CLASSES; k++) {
      const m = softmax.cam(images, k, { size: 'features' });
      means.push(tf.mean(m, [1, 2]));
      m.dispose();
    }
    const fromMaps = tf.tidy(() => tf.softmax(tf.add(tf.stack(means, 1), bias)));
    expect(maxAbsDiff(fromMaps, probs)).toBeLessThan(1e-5);

    const top = tf.tidy(() => Array.from(tf.argMax(probs, 1).dataSync()));
    const byDefault = softmax.cam(images, undefined, { size: 'features' });
    const explicit = softmax.cam(images, top, { size: 'features' });
    expect(maxAbsDiff(byDefault, explicit)).toBe(0);
    tf.dispose([probs, fromMaps, byDefault, explicit, ...means]);
  });

  it('CAM is upsampled to the input size by default', () => {
    const small = softmax.cam(images, 1, { size: 'features' });
    const big = softmax.cam(images, 1);
    expect(big.shape).toEqual([3, SIZE, SIZE]);
    // Bilinear (half-pixel centres): each corner pixel takes its nearest feature cell's value.
    const s = small.arraySync();
    const b = big.arraySync();
    for (let n = 0; n < 3; n++) {
      expect(b[n][0][0]).toBeCloseTo(s[n][0][0], 4);
      expect(b[n][SIZE - 1][SIZE - 1]).toBeCloseTo(s[n][1][1], 4);
      expect(b[n][0][SIZE - 1]).toBeCloseTo(s[n][0][1], 4);
    }
    tf.dispose([small, big]);
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

  it('predict, embed and cam leave the live tensor count unchanged', () => {
    const before = tf.memory().numTensors;
    tf.dispose(softmax.predict(images));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(softmax.embed(images));
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose(softmax.cam(images));
    tf.dispose(softmax.cam(images, [0, 1, 2], { size: 'features' }));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects bad inputs with a reason', () => {
    const wrong = tf.zeros([1, 32, 32, 3]) as tf.Tensor4D;
    expect(() => softmax.predict(wrong)).toThrow(/takes 64x64 images, got 32x32/);
    expect(() => softmax.cam(images, 9)).toThrow(/class index 9 is out of range 0..3/);
    expect(() => softmax.cam(images, [0, 1])).toThrow(/2 class indices for 3 images/);
    wrong.dispose();
  });
});

describe('Classifier heads and backbone freezing', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('sigmoid (multi-label) head: independent probabilities matching its CAMs', () => {
    const before = tf.memory().numTensors;
    const c = createClassifier({ variant, classes: 3, head: 'sigmoid', inputSize: SIZE, seed: 2 });
    const x = tf.randomNormal([2, SIZE, SIZE, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    randomizeHead(c, 9);
    const p = c.predict(x);
    const sums = tf.tidy(() => Array.from(tf.sum(p, 1).dataSync()));
    expect(sums.some((s) => Math.abs(s - 1) > 1e-3)).toBe(true);
    const bias = c.model.getLayer('logits').getWeights()[1];
    const maps = [0, 1, 2].map((k) => c.cam(x, k, { size: 'features' }));
    const fromMaps = tf.tidy(() => tf.sigmoid(tf.add(tf.stack(maps.map((m) => tf.mean(m, [1, 2])), 1), bias)));
    expect(maxAbsDiff(fromMaps, p)).toBeLessThan(1e-5);
    tf.dispose([x, p, fromMaps, ...maps]);
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
