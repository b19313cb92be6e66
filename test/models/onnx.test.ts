import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEfficientNet } from '../../models/efficientnet/build';
import { exportOnnx, samePads } from '../../models/onnx/export';
import { OnnxModelSession, nhwcToNchw } from '../../models/inference/onnx';
import { maxAbsDiff, randomImages, randomiseBatchNorm, tinyNet } from './onnx-helpers';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** TF.js outputs (probabilities and pooled features) for an NHWC batch. */
function tfOutputs(model: tf.LayersModel, images: Float32Array, n: number, size: number) {
  const feat = tf.model({ inputs: model.inputs, outputs: model.getLayer('avg_pool').output as tf.SymbolicTensor });
  return tf.tidy(() => {
    const x = tf.tensor4d(images, [n, size, size, 3]);
    return {
      probabilities: (model.predict(x) as tf.Tensor).dataSync() as Float32Array,
      features: (feat.predict(x) as tf.Tensor).dataSync() as Float32Array,
    };
  });
}

describe('samePads', () => {
  it('puts the extra padding row at the end, as TF does', () => {
    expect(samePads(8, 3, 2)).toEqual([0, 1]);
    expect(samePads(7, 3, 2)).toEqual([1, 1]);
    expect(samePads(8, 5, 2)).toEqual([1, 2]);
    expect(samePads(8, 3, 1)).toEqual([1, 1]);
    expect(samePads(8, 1, 1)).toEqual([0, 0]);
  });
});

describe('ONNX export parity (TF.js cpu vs ONNX Runtime cpu)', () => {
  it('matches on a small MBConv network with random BatchNorm statistics', async () => {
    const size = 32;
    const model = tinyNet({ size, classes: 5 });
    randomiseBatchNorm(model);
    const { bytes, outputs } = exportOnnx(model);
    expect(outputs.map((o) => o.name)).toEqual(['probabilities', 'features']);
    const n = 3;
    const images = randomImages(n, size);
    const ref = tfOutputs(model, images, n, size);
    const session = await OnnxModelSession.create(bytes);
    try {
      expect(session.imageShape).toEqual([3, size, size]);
      const got = await session.run(nhwcToNchw(images, n, size, size, 3), n);
      expect(got.probabilities!.length).toBe(n * 5);
      expect(got.features.length).toBe(n * 24);
      expect(maxAbsDiff(got.probabilities!, ref.probabilities)).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(got.features, ref.features)).toBeLessThanOrEqual(1e-4);
      // The comparison is meaningful: the outputs are not all equal to each other.
      expect(Math.max(...ref.probabilities) - Math.min(...ref.probabilities)).toBeGreaterThan(1e-3);
      // The batch dimension is dynamic: one image through the same session gives the first row.
      const one = await session.run(nhwcToNchw(images.subarray(0, size * size * 3), 1, size, size, 3), 1);
      expect(maxAbsDiff(one.features, ref.features.subarray(0, 24))).toBeLessThanOrEqual(1e-4);
    } finally {
      await session.release();
    }
    model.dispose();
  });

  it('exports a model without a top as features only (pooled, or pooled by the exporter)', async () => {
    const size = 32;
    const pooled = tinyNet({ size, includeTop: false, seed: 2 });
    randomiseBatchNorm(pooled, 3);
    // The same backbone without the final pooling: the exporter adds GlobalAveragePool for "features".
    const maps = tf.model({ inputs: pooled.inputs, outputs: pooled.getLayer('top_activation').output as tf.SymbolicTensor });
    const images = randomImages(2, size, 9);
    const ref = tf.tidy(() => (pooled.predict(tf.tensor4d(images, [2, size, size, 3])) as tf.Tensor).dataSync() as Float32Array);
    for (const m of [pooled, maps]) {
      const { bytes, outputs } = exportOnnx(m);
      expect(outputs).toEqual([{ name: 'features', shape: ['batch', 24] }]);
      const session = await OnnxModelSession.create(bytes);
      const got = await session.run(nhwcToNchw(images, 2, size, size, 3), 2);
      await session.release();
      expect(got.probabilities).toBeUndefined();
      expect(maxAbsDiff(got.features, ref)).toBeLessThanOrEqual(1e-4);
    }
  });

  it('says when a file is not a model, and refuses to run after release', async () => {
    // Refused by Lumen's own reading of the graph (models/onnx/graph-check.ts) before ONNX Runtime sees it.
    await expect(OnnxModelSession.create(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow('The ONNX model is not a graph Lumen runs: it is not a valid ONNX model');
    const session = await OnnxModelSession.create(exportOnnx(tinyNet({ size: 32 })).bytes);
    await expect(session.run(new Float32Array(10), 1)).rejects.toThrow('expected 1 x 3x32x32 = 3072 floats, got 10');
    await session.release();
    await expect(session.run(new Float32Array(3072), 1)).rejects.toThrow('released');
  });

  it('names the layer it cannot export', () => {
    const input = tf.input({ shape: [8, 8, 3] });
    const pool = tf.layers.maxPooling2d({ poolSize: 2, name: 'my_pool' }).apply(input) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: pool });
    expect(() => exportOnnx(model)).toThrow('layer "my_pool" (MaxPooling2D) has no ONNX export');
  });

  // B0 at reduced resolution (64 px: 3 stride-2 stages see odd sizes, so Keras' correct_pad
  // is exercised both ways) and V2-S (TF 'same' padding, Fused-MBConv) at 64 px.
  for (const [variant, size] of [['b0', 64], ['v2-s', 64]] as const) {
    it(`matches for EfficientNet ${variant} at ${size} px with random weights and BatchNorm statistics`, async () => {
      const model = buildEfficientNet(variant, { inputSize: size, classes: 10, seed: 3 });
      randomiseBatchNorm(model, 17, { residualGain: 0.5 });
      const { bytes } = exportOnnx(model);
      const n = 2;
      const images = randomImages(n, size, 5);
      const ref = tfOutputs(model, images, n, size);
      const session = await OnnxModelSession.create(bytes);
      try {
        const got = await session.run(nhwcToNchw(images, n, size, size, 3), n);
        expect(got.features.length).toBe(ref.features.length);
        const featDiff = maxAbsDiff(got.features, ref.features);
        const probDiff = maxAbsDiff(got.probabilities!, ref.probabilities);
        expect(featDiff).toBeLessThanOrEqual(1e-4);
        expect(probDiff).toBeLessThanOrEqual(1e-4);
        // Non-trivial outputs: features vary and the softmax is not uniform.
        expect(Math.max(...ref.features) - Math.min(...ref.features)).toBeGreaterThan(1e-2);
        expect(Math.max(...ref.probabilities) - Math.min(...ref.probabilities)).toBeGreaterThan(1e-3);
      } finally {
        await session.release();
        model.dispose();
      }
    });
  }
});
