// The GPU check (bench/gpu, #14) runs `lumen bench models` over every variant on ONNX Runtime's
// GPU providers; ONNX Runtime only gets a graph that passes Lumen's graph check
// (models/onnx/graph-check.ts), and a refused one is only a skip in the report, so a graph the
// check refused would leave the GPU run with no figures. Every variant's graph, as bench models
// builds and exports it at its native resolution (B7 at 600 px, V2-L at 480), must pass, and
// stay within half of the bounds (B7 holds 144 values per pixel at once of 512, V2-L 72 per
// tensor of 256), so custom variants keep their room.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { benchModel } from '../../bench/models';
import { getVariant, VARIANT_NAMES } from '../../models';
import { exportOnnx } from '../../models/onnx/export';
import { MAX_LIVE_PER_PIXEL, MAX_TENSOR_PER_PIXEL, onnxGraphFigures, onnxGraphProblem } from '../../models/onnx/graph-check';

describe('the graphs lumen bench models exports pass the ONNX graph check', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it.each(VARIANT_NAMES.map((v) => [v]))('%s at its native resolution', (variant) => {
    const side = getVariant(variant).resolution;
    const model = benchModel(variant);
    let bytes: Uint8Array;
    try {
      bytes = exportOnnx(model).bytes;
    } finally {
      model.dispose();
    }
    expect(onnxGraphProblem(bytes)).toBeNull();
    const { largest, peak } = onnxGraphFigures(bytes);
    expect(largest / (side * side)).toBeLessThanOrEqual(MAX_TENSOR_PER_PIXEL / 2);
    expect(peak / (side * side)).toBeLessThanOrEqual(MAX_LIVE_PER_PIXEL / 2);
  }, 120_000);
});
