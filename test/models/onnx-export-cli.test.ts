// `lumen export` end to end: a Keras-layout .h5 (with Keras' Normalization layer)
// in, a model package out, whose model.onnx ONNX Runtime loads and runs with the
// same outputs as the TF.js model the weights came from.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEfficientNet } from '../../models/efficientnet/build';
import { OnnxModelSession, nhwcToNchw } from '../../models/inference/onnx';
import { loadPackage } from '../../models/package/package';
import { saveKerasH5Weights } from '../../models/weights/h5';
import { kerasNormalization, maxAbsDiff, randomImages, randomiseBatchNorm } from './onnx-helpers';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-export-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('lumen export', () => {
  it('turns a Keras .h5 into a package whose ONNX file ORT runs, with the file\'s normalisation in the metadata', async () => {
    const size = 64;
    const model = buildEfficientNet('b0', { inputSize: size, classes: 3, seed: 9 });
    randomiseBatchNorm(model, 9);
    const h5 = path.join(dir, 'mine.h5');
    await saveKerasH5Weights(model, h5, { extraLayers: [kerasNormalization()] });
    const out = path.join(dir, 'pkg');
    const res = spawnSync(process.execPath, [
      'bin/lumen.mjs', 'export', '--variant', 'b0', '--weights', h5, '--classes', '3', '--class-names', 'a,b,c',
      '--resolution', String(size), '--format', 'package', '--out', out, '--json',
    ], { encoding: 'utf8', cwd: path.resolve(__dirname, '../..'), timeout: 180_000 });
    expect(res.status, res.stderr).toBe(0);
    const summary = JSON.parse(res.stdout);
    expect(summary.onnx.input).toEqual({ name: 'input', layout: 'NCHW', shape: ['batch', 3, size, size] });
    expect(summary.weights.source).toBe('keras-h5');
    expect(summary.weights.knownFile).toBeNull();
    expect(summary.weights.skipped).toEqual([]);

    const pkg = await loadPackage(out);
    expect(pkg.metadata.classNames).toEqual(['a', 'b', 'c']);
    expect(pkg.metadata.inputSize).toBe(size);
    expect(pkg.metadata.preprocessing.scale).toBeCloseTo(1 / 255, 12);
    pkg.metadata.preprocessing.std.forEach((s, i) => expect(s).toBeCloseTo([0.229, 0.224, 0.225][i], 6));
    expect(pkg.metadata.provenance.sourceWeights).toEqual({ file: 'mine.h5', sha256: createHash('sha256').update(readFileSync(h5)).digest('hex') });

    const n = 2;
    const images = randomImages(n, size, 21);
    const expected = tf.tidy(() => (model.predict(tf.tensor4d(images, [n, size, size, 3])) as tf.Tensor).dataSync() as Float32Array);
    const session = await OnnxModelSession.create(pkg.onnxPath);
    try {
      const got = await session.run(nhwcToNchw(images, n, size, size, 3), n);
      expect(maxAbsDiff(got.probabilities!, expected)).toBeLessThanOrEqual(1e-4);
      expect(got.features.length).toBe(n * 1280);
    } finally {
      await session.release();
      model.dispose();
    }
  });
});
