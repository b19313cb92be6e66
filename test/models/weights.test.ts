import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync, unlinkSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKerasH5Weights, readKerasPreprocessing, saveKerasH5Weights } from '../../models/weights/h5';
import { KERAS_EFFICIENTNET_FILES, identifyWeightsFile } from '../../models/weights/keras-files';
import { loadTfjsModel, readTfjsMetadata, saveTfjsModel } from '../../models/weights/tfjs-format';
import { kerasNormalization, maxAbsDiff, randomImages, randomiseBatchNorm, tinyNet } from './onnx-helpers';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-weights-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIZE = 32;
const images = randomImages(2, SIZE, 11);
function predict(model: tf.LayersModel): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor4d(images, [2, SIZE, SIZE, 3])) as tf.Tensor).dataSync() as Float32Array);
}

describe('Keras .h5 weights', () => {
  it('round-trips: a fresh model built with another seed gives identical outputs after import', async () => {
    const source = tinyNet({ size: SIZE, seed: 1 });
    randomiseBatchNorm(source, 5);
    const file = path.join(dir, 'roundtrip.h5');
    await saveKerasH5Weights(source, file);
    const target = tinyNet({ size: SIZE, seed: 99 });
    const before = predict(target);
    const expected = predict(source);
    expect(maxAbsDiff(before, expected)).toBeGreaterThan(1e-3);
    const report = await loadKerasH5Weights(target, file);
    expect(report.skipped).toEqual([]);
    expect(report.loaded).toContain('stem_conv');
    expect(report.loaded).toContain('predictions');
    expect(report.kerasVersion).toMatch(/^2\./);
    expect(Array.from(predict(target))).toEqual(Array.from(expected));
    // Every weight tensor is bit-identical, BatchNorm statistics included.
    const a = source.getLayer('block1a_bn').getWeights().map((w) => Array.from(w.dataSync()));
    const b = target.getLayer('block1a_bn').getWeights().map((w) => Array.from(w.dataSync()));
    expect(b).toEqual(a);
  });

  it('reads the full-model layout (/model_weights) and skips the top a notop model lacks', async () => {
    const source = tinyNet({ size: SIZE, seed: 1 });
    randomiseBatchNorm(source, 6);
    const file = path.join(dir, 'nested.h5');
    await saveKerasH5Weights(source, file, { nestUnderModelWeights: true });
    const notop = tinyNet({ size: SIZE, seed: 3, includeTop: false });
    const report = await loadKerasH5Weights(notop, file);
    expect(report.unused).toEqual(['predictions']);
    const feats = (m: tf.LayersModel, name: string) =>
      tf.tidy(() => {
        const f = tf.model({ inputs: m.inputs, outputs: m.getLayer(name).output as tf.SymbolicTensor });
        return Array.from((f.predict(tf.tensor4d(images, [2, SIZE, SIZE, 3])) as tf.Tensor).dataSync());
      });
    expect(feats(notop, 'avg_pool')).toEqual(feats(source, 'avg_pool'));
  });

  it('loads a notop file into a model with a top, skipping the head and saying why', async () => {
    const notop = tinyNet({ size: SIZE, seed: 1, includeTop: false });
    const file = path.join(dir, 'notop.h5');
    await saveKerasH5Weights(notop, file);
    const withTop = tinyNet({ size: SIZE, seed: 2 });
    const report = await loadKerasH5Weights(withTop, file);
    expect(report.skipped).toEqual([{ layer: 'predictions', reason: expect.stringContaining('not in the file') }]);
  });

  it('skips a head with another class count, naming both shapes', async () => {
    const five = tinyNet({ size: SIZE, seed: 1, classes: 5 });
    const file = path.join(dir, 'five.h5');
    await saveKerasH5Weights(five, file);
    const seven = tinyNet({ size: SIZE, seed: 2, classes: 7 });
    const report = await loadKerasH5Weights(seven, file);
    expect(report.skipped).toHaveLength(1);
    expect(report.skipped[0].layer).toBe('predictions');
    expect(report.skipped[0].reason).toContain('[24, 5]');
    expect(report.skipped[0].reason).toContain('[24, 7]');
  });

  it('fails on a backbone shape mismatch with a message naming the layer and both shapes, leaving the model unchanged', async () => {
    const narrow = tinyNet({ size: SIZE, seed: 1, stemFilters: 8 });
    const file = path.join(dir, 'narrow.h5');
    await saveKerasH5Weights(narrow, file);
    const wide = tinyNet({ size: SIZE, seed: 2, stemFilters: 16 });
    const before = predict(wide);
    await expect(loadKerasH5Weights(wide, file)).rejects.toThrow(
      'narrow.h5: layer "stem_conv" weight "kernel": expected shape [3, 3, 3, 16], found [3, 3, 3, 8]',
    );
    expect(Array.from(predict(wide))).toEqual(Array.from(before));
  });

  it('fails when a backbone layer is missing, and on a file that is not HDF5', async () => {
    const source = tinyNet({ size: SIZE, seed: 1 });
    const file = path.join(dir, 'full.h5');
    await saveKerasH5Weights(source, file);
    const other = tinyNet({ size: SIZE, seed: 1 });
    // Rename a layer so the file lacks it (names are how weights are matched).
    (other.getLayer('top_conv') as unknown as { name: string }).name = 'head_conv';
    await expect(loadKerasH5Weights(other, file)).rejects.toThrow('layer "head_conv" of the model is not in the file');
    const junk = path.join(dir, 'junk.h5');
    writeFileSync(junk, 'not hdf5 at all');
    await expect(loadKerasH5Weights(other, junk)).rejects.toThrow(/junk\.h5/);
  });

  it('takes preprocessing from a Normalization layer in the file, or Keras ImageNet defaults', async () => {
    const model = tinyNet({ size: SIZE, seed: 1 });
    const plain = path.join(dir, 'plain.h5');
    await saveKerasH5Weights(model, plain);
    expect(await readKerasPreprocessing(plain)).toEqual({ scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], source: 'imagenet-default' });

    // Keras' ImageNet files store the stddev as "variance" (tensorflow#49930): the divisor is the stored value.
    const keras = path.join(dir, 'keras-norm.h5');
    const norm = (variance: number[]) => [kerasNormalization(variance)];
    await saveKerasH5Weights(model, keras, { extraLayers: norm([0.229, 0.224, 0.225]) });
    const p = await readKerasPreprocessing(keras);
    expect(p.source).toBe('file');
    expect(p.layer).toBe('normalization');
    p.std.forEach((s, i) => expect(s).toBeCloseTo([0.229, 0.224, 0.225][i], 6));
    p.mean.forEach((m, i) => expect(m).toBeCloseTo([0.485, 0.456, 0.406][i], 6));

    // Any other Normalization layer: std = sqrt(variance).
    const own = path.join(dir, 'own-norm.h5');
    await saveKerasH5Weights(model, own, { extraLayers: norm([0.25, 0.16, 0.09]) });
    const q = await readKerasPreprocessing(own);
    q.std.forEach((s, i) => expect(s).toBeCloseTo([0.5, 0.4, 0.3][i], 6));
    const report = await loadKerasH5Weights(tinyNet({ size: SIZE, seed: 2 }), own);
    expect(report.unused).toEqual(['normalization']);
  });
});

describe('Keras published weight files', () => {
  it('lists B0..B7 with and without top, with Keras file names and 32-digit (MD5) hashes', () => {
    expect(KERAS_EFFICIENTNET_FILES).toHaveLength(16);
    expect(KERAS_EFFICIENTNET_FILES.map((f) => f.file)).toContain('efficientnetb0_notop.h5');
    expect(KERAS_EFFICIENTNET_FILES.find((f) => f.file === 'efficientnetb7.h5')!.md5).toBe('8c03f828fec3ef71311cd463b6759d99');
    expect(KERAS_EFFICIENTNET_FILES.find((f) => f.file === 'efficientnetb0.h5')!.md5).toBe('902e53a9f72be733fc0bcb005b3ebbac');
    for (const f of KERAS_EFFICIENTNET_FILES) expect(f.md5).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(KERAS_EFFICIENTNET_FILES.map((f) => f.md5)).size).toBe(16);
  });

  it('names the file when its hash matches, and says so when it does not', async () => {
    // MD5("abc") and SHA-256("abc") are the RFC 1321 / FIPS 180-2 test vectors.
    const abc = path.join(dir, 'efficientnetb0.h5');
    writeFileSync(abc, 'abc');
    const table = [{ variant: 'b0' as const, file: 'efficientnetb0.h5', includeTop: true, md5: '900150983cd24fb0d6963f7d28e17f72' }];
    const hit = await identifyWeightsFile(abc, table);
    expect(hit.md5).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(hit.sha256).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hit.match?.file).toBe('efficientnetb0.h5');
    expect(hit.message).toContain('matches the published hash');

    // Same name, other bytes: the real table says it is not the published file.
    const miss = await identifyWeightsFile(abc);
    expect(miss.match).toBeUndefined();
    expect(miss.message).toContain('does NOT match the published hash of Keras\' efficientnetb0.h5');
    unlinkSync(abc);

    const mine = path.join(dir, 'mine.h5');
    writeFileSync(mine, 'abc');
    expect((await identifyWeightsFile(mine)).message).toContain('matches none');
  });
});

describe('TF.js layers format on disk', () => {
  it('round-trips topology and weights through model.json + shards', async () => {
    const source = tinyNet({ size: SIZE, seed: 4 });
    randomiseBatchNorm(source, 8);
    const out = path.join(dir, 'tfjs');
    await saveTfjsModel(source, out, { lumen: { layout: 'NHWC', classNames: ['a', 'b'] } });
    expect(readdirSync(out).sort()).toEqual(['group1-shard1of1.bin', 'model.json']);
    expect(readTfjsMetadata(out)).toEqual({ lumen: { layout: 'NHWC', classNames: ['a', 'b'] } });
    const loaded = await loadTfjsModel(out);
    expect(loaded.layers.map((l) => l.name)).toEqual(source.layers.map((l) => l.name));
    expect(Array.from(predict(loaded))).toEqual(Array.from(predict(source)));
    unlinkSync(path.join(out, 'group1-shard1of1.bin'));
    await expect(loadTfjsModel(out)).rejects.toThrow('group1-shard1of1.bin is missing');
  });
});

describe('weights files that are not regular files', () => {
  it('refuses a FIFO or a device as Keras weights at once, instead of waiting on it forever', async () => {
    const fifo = path.join(dir, 'weights.h5');
    execFileSync('mkfifo', [fifo]);
    const zero = path.join(dir, 'zero.h5');
    symlinkSync('/dev/zero', zero);
    for (const [file, kind] of [[fifo, 'a FIFO'], [zero, 'a device']]) {
      const refusal = `${file} is not a regular file (${kind}).`;
      await expect(identifyWeightsFile(file)).rejects.toThrow(refusal);
      await expect(readKerasPreprocessing(file)).rejects.toThrow(refusal);
      await expect(loadKerasH5Weights(tinyNet({ size: SIZE, seed: 1 }), file)).rejects.toThrow(refusal);
    }
  });
});
