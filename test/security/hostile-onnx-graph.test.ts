// A model package's graph can ask ONNX Runtime for any amount of memory from a few bytes (a Pad
// to a huge shape, a convolution with thousands of output channels, a broadcast of two long
// vectors, ConstantOfShape, Expand, Tile). Such a graph is refused, by its shapes, before ONNX
// Runtime is given it: by loadPackage and by OnnxModelSession.create. No hostile graph here is
// ever run: a refusal that failed would only create a session (ONNX Runtime allocates a graph's
// tensors when it runs, and none of these folds to a constant at load), never allocate.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClassifier, getVariant } from '../../models';
import { OnnxModelSession } from '../../models/inference/onnx';
import { exportOnnx } from '../../models/onnx/export';
import { MAX_LIVE_PER_PIXEL, MAX_TENSOR_PER_PIXEL, onnxGraphFigures, onnxGraphProblem } from '../../models/onnx/graph-check';
import { encodeModel, type OnnxInitializer, type OnnxNode } from '../../models/onnx/proto';
import { loadPackage } from '../../models/package/package';
import { standaloneModel } from '../../electron/training/train';
import { tinyNet } from '../models/onnx-helpers';
import { rehashedCopy, saveTinyNetPackage } from '../support/tiny-package';

let dir: string;
let good: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-hostile-graph-'));
  good = path.join(dir, 'good');
  await saveTinyNetPackage(good, 'hostile graph test');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A graph on Lumen's input ([batch, 3, side, side]) whose nodes end in `probabilities`. */
function graph(side: number, nodes: OnnxNode[], initializers: OnnxInitializer[] = []): Uint8Array {
  return encodeModel({
    irVersion: 8,
    opsetVersion: 17,
    producerName: 'not-lumen',
    producerVersion: '1',
    graph: { name: 'hostile', nodes, initializers, inputs: [{ name: 'input', shape: ['batch', 3, side, side] }], outputs: [{ name: 'probabilities', shape: ['batch', 2] }] },
  });
}

const int64 = (name: string, values: number[]): OnnxInitializer => ({ name, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
const floats = (name: string, dims: number[]): OnnxInitializer => ({ name, dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)).fill(0.5) });

/** Pads a 32 px image by 65,536 px right and bottom: 3 x 65,568 x 65,568 floats, 48 GiB per image, from a 200-byte file. */
const hugePad = () =>
  graph(32, [{ opType: 'Pad', inputs: ['input', 'pads'], outputs: ['padded'], attributes: { mode: 'constant' } }, { opType: 'GlobalAveragePool', inputs: ['padded'], outputs: ['pooled'] }, { opType: 'Flatten', inputs: ['pooled'], outputs: ['probabilities'], attributes: { axis: 1 } }], [
    int64('pads', [0, 0, 0, 0, 0, 0, 65_536, 65_536]),
  ]);

/** A 1x1 convolution to 4,096 channels of a 1024 px image: 4.3 G floats (16 GiB) per image, from 48 KiB of weights. */
const wideConv = () =>
  graph(1024, [{ opType: 'Conv', inputs: ['input', 'w'], outputs: ['wide'], attributes: { kernel_shape: [1, 1], strides: [1, 1], pads: [0, 0, 0, 0] } }, { opType: 'GlobalAveragePool', inputs: ['wide'], outputs: ['pooled'] }, { opType: 'Flatten', inputs: ['pooled'], outputs: ['probabilities'], attributes: { axis: 1 } }], [
    floats('w', [4096, 3, 1, 1]),
  ]);

/** [3072, 1] + [1, 131072]: a broadcast to 403 M floats per image from 512 KiB. */
const wideBroadcast = () =>
  graph(32, [{ opType: 'Reshape', inputs: ['input', 'column'], outputs: ['col'] }, { opType: 'Add', inputs: ['col', 'row'], outputs: ['sum'] }, { opType: 'Flatten', inputs: ['sum'], outputs: ['probabilities'], attributes: { axis: 1 } }], [
    int64('column', [-1, 1]),
    floats('row', [1, 131_072]),
  ]);

describe('an ONNX graph that would allocate without bound', () => {
  it('is refused by OnnxModelSession.create before ONNX Runtime is given it, naming the node and the size', async () => {
    await expect(OnnxModelSession.create(hugePad())).rejects.toThrow(
      'The ONNX model is not a graph Lumen runs: its Pad node would make a tensor of 12,897,487,872 values per image ([1,3,65568,65568]), more than the 262,144 Lumen allows for a 32x32 input. Lumen runs only the graphs it exports itself (export a package again with Lumen).',
    );
    await expect(OnnxModelSession.create(wideConv())).rejects.toThrow(/^The ONNX model is not a graph Lumen runs: its Conv node would make a tensor of 4,294,967,296 values per image \(\[1,4096,1024,1024\]\)/);
    await expect(OnnxModelSession.create(wideBroadcast())).rejects.toThrow(/^The ONNX model is not a graph Lumen runs: its Add node would make a tensor of 402,653,184 values per image \(\[3072,131072\]\)/);
  });

  it('is refused by loadPackage, naming model.onnx', async () => {
    const pkgDir = rehashedCopy(good, path.join(dir, 'pad'), (d) => writeFileSync(path.join(d, 'model.onnx'), hugePad()));
    await expect(loadPackage(pkgDir)).rejects.toThrow(/model\.onnx is not a graph Lumen runs: its Pad node would make a tensor of 12,897,487,872 values per image/);
  });

  it('refuses the operators Lumen never writes (ConstantOfShape, Expand, Tile), shapes computed by the graph, and a second input', () => {
    const pooledOut: OnnxNode[] = [{ opType: 'Flatten', inputs: ['big'], outputs: ['probabilities'], attributes: { axis: 1 } }];
    expect(onnxGraphProblem(graph(32, [{ opType: 'ConstantOfShape', inputs: ['shape'], outputs: ['big'] }, ...pooledOut], [int64('shape', [1, 65_536, 65_536])]))).toMatch(/it uses the operator "ConstantOfShape", which Lumen's graphs never hold/);
    expect(onnxGraphProblem(graph(32, [{ opType: 'Expand', inputs: ['input', 'shape'], outputs: ['big'] }, ...pooledOut], [int64('shape', [1, 3, 65_536, 65_536])]))).toMatch(/"Expand"/);
    expect(onnxGraphProblem(graph(32, [{ opType: 'Tile', inputs: ['input', 'reps'], outputs: ['big'] }, ...pooledOut], [int64('reps', [1, 1, 4096, 4096])]))).toMatch(/"Tile"/);
    // A Reshape whose shape a node computes cannot be measured here: refused.
    expect(onnxGraphProblem(graph(32, [{ opType: 'Flatten', inputs: ['input'], outputs: ['flat'] }, { opType: 'Reshape', inputs: ['input', 'flat'], outputs: ['big'] }, ...pooledOut]))).toMatch(/its Reshape node takes its shape from the graph, not from a constant/);
    const twoInputs = encodeModel({
      irVersion: 8,
      opsetVersion: 17,
      producerName: 'x',
      producerVersion: '1',
      graph: { name: 'g', nodes: [{ opType: 'Add', inputs: ['input', 'other'], outputs: ['probabilities'] }], initializers: [], inputs: [{ name: 'input', shape: ['batch', 3, 8, 8] }, { name: 'other', shape: ['n', 'big'] }], outputs: [{ name: 'probabilities', shape: ['batch', 2] }] },
    });
    expect(onnxGraphProblem(twoInputs)).toMatch(/it has 2 inputs besides its weights/);
  });

  it('a graph within the absolute bound but past the per-pixel one is refused too', () => {
    // 1x1 convolution to 300 channels of a 64 px image: 1.2 M values, 300 per pixel.
    const conv = graph(64, [{ opType: 'Conv', inputs: ['input', 'w'], outputs: ['wide'], attributes: { kernel_shape: [1, 1] } }, { opType: 'GlobalAveragePool', inputs: ['wide'], outputs: ['pooled'] }, { opType: 'Flatten', inputs: ['pooled'], outputs: ['probabilities'], attributes: { axis: 1 } }], [
      floats('w', [300, 3, 1, 1]),
    ]);
    expect(onnxGraphProblem(conv)).toMatch(/its Conv node would make a tensor of 1,228,800 values per image \(\[1,300,64,64\]\), more than the 1,048,576 Lumen allows for a 64x64 input/);
  });

  it('lets the graphs Lumen exports through: the tiny test network and EfficientNet-B0 at 224 px, well within the bounds', () => {
    const tiny = tinyNet({ size: 32, classes: 2 });
    expect(onnxGraphProblem(exportOnnx(tiny).bytes)).toBeNull();
    tiny.dispose();
    // As a package holds it: the standalone model (image in, probabilities out).
    const b0 = createClassifier({ variant: getVariant('b0'), classes: 3, inputSize: 224, seed: 1 });
    const standalone = standaloneModel(b0, getVariant('b0'), 224);
    try {
      const bytes = exportOnnx(standalone).bytes;
      expect(onnxGraphProblem(bytes)).toBeNull();
      // B0 asks for 24 values per pixel in its largest tensor and 72 alive at once (B7: 48 and 144).
      const figures = onnxGraphFigures(bytes);
      expect(figures.largest / (224 * 224)).toBeLessThan(MAX_TENSOR_PER_PIXEL / 4);
      expect(figures.peak / (224 * 224)).toBeLessThan(MAX_LIVE_PER_PIXEL / 4);
    } finally {
      standalone.dispose();
      b0.dispose();
    }
  }, 120_000);
});
