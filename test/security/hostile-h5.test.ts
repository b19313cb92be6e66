// Keras .h5 weight files as an attacker would hand them over: HDF5 external links that point
// at a group in another file (an absolute path, or "../" out of the weights' folder). Lumen
// must not follow them: the other file's values must never show up as weights, and the
// refusal names the file and the link. The attacker's files are made with h5wasm's Node
// build, which writes to the real file system as h5py would.
import * as tf from '@tensorflow/tfjs';
import h5node from 'h5wasm/node';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKerasH5Weights, readKerasLayerShapes, readKerasPreprocessing } from '../../models/weights';

type H5Group = InstanceType<typeof h5node.Group>;

let dir: string;
let weightsDir: string;
/** A Keras-shaped weights group in a file outside the weights' folder: values an attacker wants read. */
let stolen: string;
const STOLEN_KERNEL = [11, 12, 13, 14, 15, 16];
const STOLEN_BIAS = [17, 18];

function strings(g: H5Group, name: string, list: string[]): void {
  g.create_attribute(name, list, [list.length], `S${Math.max(1, ...list.map((s) => s.length))}`);
}

function denseDatasets(g: H5Group, kernel: number[], bias: number[]): void {
  g.create_dataset({ name: 'kernel:0', data: Float32Array.from(kernel), shape: [3, 2], dtype: '<f4' });
  g.create_dataset({ name: 'bias:0', data: Float32Array.from(bias), shape: [2], dtype: '<f4' });
}

/** A Keras 2 weights file for one Dense layer "dense" (3 -> 2); `weights` fills /dense/dense. */
function kerasFile(file: string, weights: (layer: H5Group) => void, nest = false): string {
  const f = new h5node.File(file, 'w');
  try {
    const root: H5Group = nest ? f.create_group('model_weights') : f;
    strings(root, 'layer_names', ['dense']);
    root.create_attribute('backend', 'tensorflow');
    root.create_attribute('keras_version', '2.15.0');
    const layer = root.create_group('dense');
    strings(layer, 'weight_names', ['dense/kernel:0', 'dense/bias:0']);
    weights(layer);
  } finally {
    f.close();
  }
  return file;
}

function denseModel(): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'dense', kernelInitializer: 'zeros' })] });
  return model;
}

function weightsOf(model: tf.LayersModel): number[][] {
  return model.getLayer('dense').getWeights().map((w) => Array.from(w.dataSync()));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  await h5node.ready;
  dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-hostile-h5-'));
  weightsDir = path.join(dir, 'weights');
  mkdirSync(weightsDir);
  mkdirSync(path.join(dir, 'elsewhere'));
  stolen = path.join(dir, 'elsewhere', 'stolen.h5');
  const f = new h5node.File(stolen, 'w');
  try {
    denseDatasets(f.create_group('g'), STOLEN_KERNEL, STOLEN_BIAS);
  } finally {
    f.close();
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('hostile Keras .h5 weight files', () => {
  it('loads a plain file of the same layout (the control: the hostile ones differ only by the link)', async () => {
    const file = kerasFile(path.join(weightsDir, 'plain.h5'), (layer) => denseDatasets(layer.create_group('dense'), [1, 2, 3, 4, 5, 6], [7, 8]));
    const model = denseModel();
    const report = await loadKerasH5Weights(model, file, { headLayers: [] });
    expect(report.loaded).toEqual(['dense']);
    expect(weightsOf(model)).toEqual([[1, 2, 3, 4, 5, 6], [7, 8]]);
    model.dispose();
  });

  it('refuses an external link to a group in a file elsewhere (absolute path), naming the file and the link; nothing is loaded', async () => {
    const file = kerasFile(path.join(weightsDir, 'absolute-link.h5'), (layer) => layer.create_external_link(stolen, '/g', 'dense'));
    const model = denseModel();
    const before = weightsOf(model);
    const err = await loadKerasH5Weights(model, file, { headLayers: [] }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(weightsOf(model)).toEqual(before);
    expect(weightsOf(model)).not.toEqual([STOLEN_KERNEL, STOLEN_BIAS]);
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toContain(file);
    expect(err!.message).toContain('the HDF5 link "/dense/dense" points outside the file');
    expect(err!.message).toContain('stolen.h5');
    model.dispose();
  });

  it('refuses a relative link out of the weights folder ("../elsewhere/stolen.h5") in every reader', async () => {
    const file = kerasFile(path.join(weightsDir, 'relative-link.h5'), (layer) => layer.create_external_link('../elsewhere/stolen.h5', '/g', 'dense'));
    const model = denseModel();
    await expect(loadKerasH5Weights(model, file, { headLayers: [] })).rejects.toThrow('the HDF5 link "/dense/dense" points outside the file (to "../elsewhere/stolen.h5" /g)');
    expect(weightsOf(model)).not.toEqual([STOLEN_KERNEL, STOLEN_BIAS]);
    await expect(readKerasLayerShapes(file)).rejects.toThrow(/relative-link\.h5: the HDF5 link "\/dense\/dense" points outside the file/);
    await expect(readKerasPreprocessing(file)).rejects.toThrow(/relative-link\.h5: the HDF5 link "\/dense\/dense" points outside the file/);
    model.dispose();
  });

  it('refuses a file whose /model_weights is itself a link to another file', async () => {
    // The other file holds a whole Keras tree (layer_names at its root) with the stolen values.
    const tree = kerasFile(path.join(dir, 'elsewhere', 'tree.h5'), (layer) => denseDatasets(layer.create_group('dense'), STOLEN_KERNEL, STOLEN_BIAS));
    const file = path.join(weightsDir, 'root-link.h5');
    const f = new h5node.File(file, 'w');
    try {
      f.create_external_link(tree, '/', 'model_weights');
    } finally {
      f.close();
    }
    const model = denseModel();
    await expect(loadKerasH5Weights(model, file, { headLayers: [] })).rejects.toThrow('root-link.h5: the HDF5 link "/model_weights" points outside the file');
    expect(weightsOf(model)).not.toEqual([STOLEN_KERNEL, STOLEN_BIAS]);
    model.dispose();
  });
});
