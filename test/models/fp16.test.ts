// Half precision (models/onnx/fp16.ts): the conversion itself, and what it does to scores.
// ONNX Runtime's cpu provider runs the float16 graph here (casting around the kernels it
// has only in float32), so the scores of the fp16 model are compared with fp32's on CPU;
// on a GPU provider the arithmetic itself is fp16, which this machine cannot measure.
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildEfficientNet } from '../../models';
import { exportOnnx } from '../../models/onnx/export';
import { fromHalf, toFloat16, toHalf } from '../../models/onnx/fp16';
import { OnnxModelSession } from '../../models/inference/onnx';

const SIZE = 128;

async function scores(bytes: Uint8Array, x: Float32Array, n: number): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    const out = await s.run({ input: new ort.Tensor('float32', x, [n, 3, SIZE, SIZE]) });
    return out.probabilities.data as Float32Array;
  } finally {
    await s.release();
  }
}

describe('float16 conversion', () => {
  it('rounds to the nearest half, ties to even, saturating beyond 65504', () => {
    expect(toHalf(1)).toBe(0x3c00);
    expect(toHalf(-2)).toBe(0xc000);
    expect(toHalf(65504)).toBe(0x7bff);
    expect(toHalf(70000)).toBe(0x7c00);
    expect(toHalf(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to the even neighbour
    expect(toHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    for (const v of [0.1, -3.14159, 1e-3, 1234.5]) expect(Math.abs(fromHalf(toHalf(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11);
  });

  describe('an EfficientNet-B0 classifier', () => {
    let fp32: Uint8Array;
    const n = 4;
    const x = Float32Array.from({ length: n * 3 * SIZE * SIZE }, (_, i) => Math.sin(i * 0.37) * 1.5 + Math.cos(i * 0.011));
    beforeAll(async () => {
      await tf.setBackend('cpu');
      const model = buildEfficientNet('b0', { inputSize: SIZE, classes: 3, seed: 7 });
      // Keras' initial weights give near-uniform scores; a sharper head spreads them (and amplifies any error).
      const head = model.getLayer('predictions');
      const [kernel, bias] = head.getWeights();
      head.setWeights([tf.mul(kernel, 1000), bias]);
      fp32 = exportOnnx(model).bytes;
      model.dispose();
    });

    it('keeps float32 input and outputs, halves the weights, and scores within 1e-3 of fp32', async () => {
      const { bytes, summary } = toFloat16(fp32, 'full');
      expect(summary.initializers).toBeGreaterThan(100);
      expect(summary.overflowed).toBe(0);
      expect(bytes.length).toBeLessThan(fp32.length * 0.6);
      const s = await ort.InferenceSession.create(bytes);
      expect(s.inputNames).toEqual(['input']);
      expect(s.outputNames).toEqual(['probabilities', 'features']);
      await s.release();

      const ref = await scores(fp32, x, n);
      const half = await scores(bytes, x, n);
      // The scores differ between images and classes (so agreeing means something) ...
      expect(Math.max(...ref) - Math.min(...ref)).toBeGreaterThan(0.05);
      // ... and fp16 stays within 1e-3 of fp32 on every one.
      let worst = 0;
      for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ref[i] - half[i]));
      console.log(`fp16 vs fp32 on ONNX Runtime cpu: largest score difference ${worst.toExponential(2)} (scores spread ${(Math.max(...ref) - Math.min(...ref)).toFixed(3)})`);
      expect(worst).toBeLessThan(1e-3);
      expect(worst).toBeGreaterThan(0); // it really ran in half precision
    });

    it('weights-only mode (fp16 storage, fp32 compute) scores within 1e-3 too', async () => {
      const { bytes } = toFloat16(fp32, 'weights');
      const ref = await scores(fp32, x, n);
      const half = await scores(bytes, x, n);
      for (let i = 0; i < ref.length; i++) expect(Math.abs(ref[i] - half[i])).toBeLessThan(1e-3);
    });
  });

  it('OnnxModelSession: fp32 on cpu unless asked, fp16 when asked, and only the outputs read', async () => {
    await tf.setBackend('cpu');
    const bytes = exportOnnx(buildEfficientNet('b0', { inputSize: 64, classes: 2, seed: 3 })).bytes;
    const x = Float32Array.from({ length: 2 * 3 * 64 * 64 }, (_, i) => Math.sin(i * 0.21));
    const auto = await OnnxModelSession.create(bytes);
    const half = await OnnxModelSession.create(bytes, { precision: 'fp16', reads: ['probabilities'] });
    try {
      expect(auto.precision).toBe('fp32'); // cpu has no fp16 kernels: 'auto' keeps fp32 there
      expect(half.precision).toBe('fp16');
      const a = await auto.run(x, 2);
      const h = await half.run(x, 2);
      expect(a.features.length).toBe(2 * 1280);
      expect(h.features.length).toBe(0); // not read, not fetched
      for (let i = 0; i < 4; i++) expect(Math.abs(a.probabilities![i] - h.probabilities![i])).toBeLessThan(1e-3);
    } finally {
      await auto.release();
      await half.release();
    }
  });

  it('OnnxModelSession: reading only the feature maps still gets the feature maps', async () => {
    await tf.setBackend('cpu');
    const bytes = exportOnnx(buildEfficientNet('b0', { inputSize: 64, classes: 2, seed: 3 }), { featureMaps: true }).bytes;
    const x = Float32Array.from({ length: 3 * 64 * 64 }, (_, i) => Math.cos(i * 0.13));
    const all = await OnnxModelSession.create(bytes);
    const maps = await OnnxModelSession.create(bytes, { reads: ['feature_maps'] });
    try {
      const a = await all.run(x, 1);
      const m = await maps.run(x, 1);
      expect(m.featureMaps?.channels).toBe(1280);
      expect(Array.from(m.featureMaps!.data.subarray(0, 8))).toEqual(Array.from(a.featureMaps!.data.subarray(0, 8)));
    } finally {
      await all.release();
      await maps.release();
    }
  });

  it('refuses bytes that are not an ONNX model', () => {
    expect(() => toFloat16(new Uint8Array([0x3a, 0x05, 1, 2]))).toThrow(/ONNX model/);
  });
});
