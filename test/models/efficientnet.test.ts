import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  VARIANTS,
  V2_PROGRESSIVE,
  buildEfficientNet,
  copyWeights,
  countMacs,
  customVariant,
  embeddingDim,
  progressiveSchedule,
  setDropoutRate,
  summarizeVariants,
  type VariantName,
} from '../../models';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Keras' counts with a 1000-class top and no preprocessing layers (issue 3);
// V2: the Keras applications table (keras.io/api/applications, also DeepVision's README,
// DavidLandup0/deepvision) — V2-S/M/L have only a weightless Rescaling as preprocessing.
const PARAMS: Record<VariantName, number> = {
  b0: 5_330_564,
  b1: 7_856_232,
  b2: 9_177_562,
  b3: 12_320_528,
  b4: 19_466_816,
  b5: 30_562_520,
  b6: 43_265_136,
  b7: 66_658_680,
  'v2-s': 21_612_360,
  'v2-m': 54_431_388,
  'v2-l': 119_027_848,
};
// Multiply-adds per image at native resolution (EfficientNet paper FLOPs), in G.
const GMACS: Partial<Record<VariantName, number>> = {
  b0: 0.385, b1: 0.686, b2: 0.992, b3: 1.825, b4: 4.39, b5: 10.26, b6: 19.06, b7: 37.7,
};

/** TF 'same' padding for one spatial dimension (TensorFlow's documented formula). */
function tfSamePad(n: number, k: number, s: number): [number, number] {
  const out = Math.ceil(n / s);
  const total = Math.max((out - 1) * s + k - n, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

function paddingOf(model: tf.LayersModel, name: string): number[][] {
  return (model.getLayer(name).getConfig() as { padding: number[][] }).padding;
}

describe('EfficientNet family: parameters and multiply-adds', () => {
  for (const v of VARIANTS) {
    it(`${v.name}: exact parameter count and MACs at ${v.resolution}px`, () => {
      const model = buildEfficientNet(v.name, { init: 'zeros' });
      try {
        expect(model.countParams()).toBe(PARAMS[v.name]);
        expect(model.inputs[0].shape).toEqual([null, v.resolution, v.resolution, 3]);
        expect(model.outputs[0].shape).toEqual([null, 1000]);
        const expected = GMACS[v.name];
        if (expected !== undefined) {
          const macs = countMacs(model) / 1e9;
          expect(Math.abs(macs - expected) / expected).toBeLessThan(0.02);
        }
        // The embedding size is the width of the head conv in the built graph.
        expect(model.getLayer('top_conv').getWeights()[0].shape[3]).toBe(embeddingDim(v.name));
      } finally {
        model.dispose();
      }
    });
  }

  it('embedding sizes follow the rounded 1280 x width', () => {
    expect(['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7', 'v2-s'].map((n) => embeddingDim(n as VariantName)))
      .toEqual([1280, 1280, 1408, 1536, 1792, 2048, 2304, 2560, 1280]);
  });

  it('summarizeVariants (lumen models) reports the same numbers and leaks nothing', () => {
    const before = tf.memory().numTensors;
    const rows = summarizeVariants(['b0', 'v2-s']);
    expect(tf.memory().numTensors).toBe(before);
    expect(rows.map((r) => [r.name, r.family, r.resolution, r.params, r.embeddingDim])).toEqual([
      ['b0', 'efficientnet', 224, 5_330_564, 1280],
      ['v2-s', 'efficientnetv2', 384, 21_612_360, 1280],
    ]);
    expect(rows[0].macs / 1e9).toBeCloseTo(0.385, 1);
  });
});

describe('Keras layer names and weight layout', () => {
  it('B0 has Keras names and weight shapes', () => {
    const model = buildEfficientNet('b0', { init: 'zeros' });
    try {
      const names = new Set(model.layers.map((l) => l.name));
      for (const name of [
        'stem_conv_pad', 'stem_conv', 'stem_bn', 'stem_activation',
        'block1a_dwconv', 'block1a_bn', 'block1a_activation', 'block1a_se_squeeze', 'block1a_se_reshape',
        'block1a_se_reduce', 'block1a_se_expand', 'block1a_se_excite', 'block1a_project_conv', 'block1a_project_bn',
        'block2a_expand_conv', 'block2a_expand_bn', 'block2a_expand_activation', 'block2a_dwconv_pad', 'block2a_dwconv',
        'block2b_drop', 'block2b_add', 'block3a_dwconv_pad', 'block7a_project_bn',
        'top_conv', 'top_bn', 'top_activation', 'avg_pool', 'top_dropout', 'predictions',
      ]) expect(names, name).toContain(name);
      // Block 1a has no expansion (ratio 1); the first block of a stage has no skip.
      for (const name of ['block1a_expand_conv', 'block2a_add', 'block1a_drop', 'block6e_se_reduce']) expect(names).not.toContain(name);
      expect(names).toContain('block6d_se_reduce');
      const shapes = (name: string) => model.getLayer(name).getWeights().map((w) => w.shape);
      expect(shapes('stem_conv')).toEqual([[3, 3, 3, 32]]);
      expect(shapes('stem_bn')).toEqual([[32], [32], [32], [32]]);
      expect(shapes('block1a_dwconv')).toEqual([[3, 3, 32, 1]]);
      expect(shapes('block1a_se_reduce')).toEqual([[1, 1, 32, 8], [8]]);
      expect(shapes('block1a_se_expand')).toEqual([[1, 1, 8, 32], [32]]);
      expect(shapes('block2a_expand_conv')).toEqual([[1, 1, 16, 96]]);
      expect(shapes('block2a_se_reduce')).toEqual([[1, 1, 96, 4], [4]]);
      expect(shapes('block3a_dwconv')).toEqual([[5, 5, 144, 1]]);
      expect(shapes('top_conv')).toEqual([[1, 1, 320, 1280]]);
      expect(shapes('predictions')).toEqual([[1280, 1000], [1000]]);
      const bn = model.getLayer('stem_bn').getConfig() as { epsilon: number; momentum: number };
      expect(bn.epsilon).toBe(0.001);
      expect(bn.momentum).toBe(0.99);
    } finally {
      model.dispose();
    }
  });

  it('V2-S has Fused-MBConv stages named as Keras names them', () => {
    const model = buildEfficientNet('v2-s', { init: 'zeros', includeTop: false, pooling: 'avg' });
    try {
      const names = new Set(model.layers.map((l) => l.name));
      for (const name of [
        'stem_conv', 'block1a_project_conv', 'block1a_project_activation', 'block1b_add',
        'block2a_expand_conv', 'block2a_project_conv', 'block3d_add',
        'block4a_expand_conv', 'block4a_dwconv2', 'block4a_se_reduce', 'block6o_add', 'top_conv', 'avg_pool',
      ]) expect(names, name).toContain(name);
      // Fused stages have no depthwise conv and no SE; V2 pads with 'same', no ZeroPadding2D.
      for (const name of ['block1a_dwconv2', 'block2a_dwconv2', 'block3a_se_reduce', 'stem_conv_pad', 'block4a_dwconv_pad', 'predictions']) {
        expect(names).not.toContain(name);
      }
      const shapes = (name: string) => model.getLayer(name).getWeights().map((w) => w.shape);
      expect(shapes('block1a_project_conv')).toEqual([[3, 3, 24, 24]]);
      expect(shapes('block2a_expand_conv')).toEqual([[3, 3, 24, 96]]);
      expect(shapes('block2a_project_conv')).toEqual([[1, 1, 96, 48]]);
      expect(shapes('block4a_se_reduce')).toEqual([[1, 1, 256, 16], [16]]);
      expect((model.getLayer('stem_bn').getConfig() as { momentum: number }).momentum).toBe(0.9);
      expect(model.outputs[0].shape).toEqual([null, 1280]);
    } finally {
      model.dispose();
    }
  });
});

describe('stride-2 padding equals TF "same"', () => {
  for (const size of [64, 65]) {
    it(`explicit ZeroPadding2D before stride-2 convs matches TF 'same' at ${size}px (${size % 2 ? 'odd' : 'even'})`, () => {
      const spec = customVariant({ phi: -4 });
      const model = buildEfficientNet(spec, { inputSize: size, includeTop: false, seed: 3 });
      try {
        expect(paddingOf(model, 'stem_conv_pad')).toEqual([tfSamePad(size, 3, 2), tfSamePad(size, 3, 2)]);
        const h2 = (model.getLayer('block2a_dwconv_pad').input as tf.SymbolicTensor).shape[1] as number; // 3x3 kernel
        expect(paddingOf(model, 'block2a_dwconv_pad')).toEqual([tfSamePad(h2, 3, 2), tfSamePad(h2, 3, 2)]);
        const h3 = (model.getLayer('block3a_dwconv_pad').input as tf.SymbolicTensor).shape[1] as number; // 5x5 kernel
        expect(paddingOf(model, 'block3a_dwconv_pad')).toEqual([tfSamePad(h3, 5, 2), tfSamePad(h3, 5, 2)]);
        // Output sizes: ceil(n / 2) at each stride-2 layer.
        expect(model.getLayer('stem_conv').outputShape).toEqual([null, Math.ceil(size / 2), Math.ceil(size / 2), 24]);
        expect(model.getLayer('block2a_dwconv').outputShape[1]).toBe(Math.ceil(h2 / 2));
        expect(model.getLayer('block3a_dwconv').outputShape[1]).toBe(Math.ceil(h3 / 2));

        // Numerically: the padded 'valid' convs give what TF.js' own 'same' convolution gives.
        const x = tf.randomNormal([1, size, size, 3], 0, 1, 'float32', 7);
        const probe = tf.model({
          inputs: model.inputs,
          outputs: ['stem_conv', 'block3a_expand_activation', 'block3a_dwconv'].map((n) => model.getLayer(n).output as tf.SymbolicTensor),
        });
        const [stem, dwIn, dwOut] = probe.predict(x) as tf.Tensor4D[];
        const stemRef = tf.conv2d(x as tf.Tensor4D, model.getLayer('stem_conv').getWeights()[0] as tf.Tensor4D, 2, 'same');
        const dwRef = tf.depthwiseConv2d(dwIn, model.getLayer('block3a_dwconv').getWeights()[0] as tf.Tensor4D, 2, 'same');
        expect(tf.max(tf.abs(tf.sub(stem, stemRef))).dataSync()[0]).toBeLessThan(1e-5);
        expect(tf.max(tf.abs(tf.sub(dwOut, dwRef))).dataSync()[0]).toBeLessThan(1e-5);
        tf.dispose([x, stem, dwIn, dwOut, stemRef, dwRef]);
      } finally {
        model.dispose();
      }
    });
  }

  it('V2 (TF "same") gives ceil(n/2) for odd and even sizes', () => {
    const model = buildEfficientNet('v2-s', { init: 'zeros', includeTop: false, inputSize: 65 });
    try {
      expect(model.getLayer('stem_conv').outputShape[1]).toBe(33);
      expect(model.getLayer('block2a_expand_conv').outputShape[1]).toBe(17);
      expect(model.getLayer('block4a_dwconv2').outputShape[1]).toBe(5);
      expect(model.getLayer('block6a_dwconv2').outputShape[1]).toBe(3);
    } finally {
      model.dispose();
    }
  });
});

describe('compound scaling (custom variants)', () => {
  it('phi = 1 scales depth, width and resolution by alpha, beta, gamma', () => {
    const v = customVariant({ phi: 1 });
    expect(v.depth).toBeCloseTo(1.2, 12);
    expect(v.width).toBeCloseTo(1.1, 12);
    expect(v.resolution).toBe(256); // 224 x 1.15 = 257.6 -> nearest multiple of 8
    expect(v.flopsFactor).toBeCloseTo(1.2 * 1.1 ** 2 * 1.15 ** 2, 12);
    expect(v.warning).toBeUndefined();
  });

  it('phi = 0 is exactly B0', () => {
    const model = buildEfficientNet(customVariant({ phi: 0 }), { init: 'zeros' });
    try {
      expect(model.countParams()).toBe(5_330_564);
    } finally {
      model.dispose();
    }
  });

  it('warns when alpha*beta^2*gamma^2 is far from 2', () => {
    const v = customVariant({ phi: 1, alpha: 1.5, beta: 1.2, gamma: 1.2 });
    expect(v.flopsFactor).toBeCloseTo(3.1104, 6);
    expect(v.warning).toMatch(/3\.110.*10%/);
    expect(customVariant({ phi: 1, alpha: 1.1, beta: 1.05, gamma: 1.05 }).warning).toMatch(/1\.337/);
  });

  // The continuous theory says MACs grow by flopsFactor^phi; the built models round depth up
  // (ceil of small repeat counts), width to multiples of 8 and resolution to multiples of 8, so
  // they land somewhat above it, never below.
  it('each step of phi multiplies the MACs by about the flops factor', () => {
    const macsAt = (phi: number) => {
      const model = buildEfficientNet(customVariant({ phi }), { init: 'zeros' });
      try {
        return countMacs(model);
      } finally {
        model.dispose();
      }
    };
    const base = macsAt(0);
    const factor = customVariant({ phi: 1 }).flopsFactor;
    for (const phi of [1, 2]) {
      const ratio = macsAt(phi) / base / factor ** phi;
      expect(ratio).toBeGreaterThanOrEqual(1);
      expect(ratio).toBeLessThan(1.3);
    }
  });

  it('a tiny negative-phi model builds and runs at its own resolution and at an explicit 64px', () => {
    const v = customVariant({ phi: -4 });
    expect(v.resolution).toBe(128);
    expect(v.depth).toBeLessThan(0.5);
    for (const inputSize of [undefined, 64]) {
      const model = buildEfficientNet(v, { inputSize, classes: 5, seed: 1 });
      try {
        const size = inputSize ?? 128;
        expect(model.inputs[0].shape).toEqual([null, size, size, 3]);
        const x = tf.randomNormal([2, size, size, 3], 0, 1, 'float32', 2);
        const y = model.predict(x) as tf.Tensor2D;
        expect(y.shape).toEqual([2, 5]);
        const values = y.arraySync();
        for (const row of values) {
          expect(row.every(Number.isFinite)).toBe(true);
          expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
        }
        tf.dispose([x, y]);
      } finally {
        model.dispose();
      }
    }
  });
});

describe('EfficientNetV2 progressive resizing', () => {
  it('the schedule raises size and regularisation together, stage by stage', () => {
    const schedule = progressiveSchedule({ epochs: 10, stages: 4, minSize: 128, maxSize: 300, minDropout: 0.1, maxDropout: 0.3, minRandAugment: 5, maxRandAugment: 15 });
    expect(schedule).toHaveLength(10);
    expect(schedule[0]).toMatchObject({ epoch: 0, stage: 0, imageSize: 128, randAugmentMagnitude: 5 });
    expect(schedule[0].dropout).toBeCloseTo(0.1, 12);
    expect(schedule[9]).toMatchObject({ stage: 3, imageSize: 304, randAugmentMagnitude: 15 }); // 300 -> multiple of 8
    expect(schedule[9].dropout).toBeCloseTo(0.3, 12);
    expect(new Set(schedule.map((e) => e.stage))).toEqual(new Set([0, 1, 2, 3]));
    for (let i = 1; i < schedule.length; i++) {
      const [a, b] = [schedule[i - 1], schedule[i]];
      expect(b.stage).toBeGreaterThanOrEqual(a.stage);
      expect(b.imageSize).toBeGreaterThanOrEqual(a.imageSize);
      expect(b.dropout).toBeGreaterThanOrEqual(a.dropout);
      expect(b.randAugmentMagnitude).toBeGreaterThanOrEqual(a.randAugmentMagnitude);
      // Size and regularisation change only at stage boundaries.
      if (a.stage === b.stage) expect(b).toMatchObject({ imageSize: a.imageSize, dropout: a.dropout });
    }
    for (const e of schedule) expect(e.imageSize % 8).toBe(0);
    // Stage 1 of 4: one third of the way.
    const stage1 = schedule.find((e) => e.stage === 1)!;
    expect(stage1.imageSize).toBe(184); // 128 + 172/3 = 185.3 -> 184
    expect(stage1.dropout).toBeCloseTo(0.1 + 0.2 / 3, 12);
  });

  it('the paper presets and bad inputs', () => {
    const s = progressiveSchedule({ ...V2_PROGRESSIVE['v2-m'], epochs: 8, stages: 4 });
    expect(s[7]).toMatchObject({ imageSize: 384, mixupAlpha: 0.2, randAugmentMagnitude: 20 });
    expect(s[7].dropout).toBeCloseTo(0.4, 12);
    expect(() => progressiveSchedule({ epochs: 3, stages: 4, minSize: 128, maxSize: 300, minDropout: 0.1, maxDropout: 0.3 })).toThrow(/stages/);
    expect(() => progressiveSchedule({ epochs: 3, stages: 2, minSize: 300, maxSize: 128, minDropout: 0.1, maxDropout: 0.3 })).toThrow(/minSize/);
    expect(() => progressiveSchedule({ epochs: 3, stages: 2, minSize: 128, maxSize: 300, minDropout: 0.4, maxDropout: 0.3 })).toThrow(/Dropout/);
  });

  it('a V2 model built with free spatial size runs at each stage size and equals per-size models sharing its weights', () => {
    const free = buildEfficientNet('v2-s', { inputSize: null, includeTop: false, pooling: 'avg', seed: 5 });
    try {
      expect(free.inputs[0].shape).toEqual([null, null, null, 3]);
      for (const size of [48, 65]) {
        const fixed = buildEfficientNet('v2-s', { inputSize: size, includeTop: false, pooling: 'avg', init: 'zeros' });
        try {
          expect(copyWeights(free, fixed)).toBeGreaterThan(100);
          const x = tf.randomNormal([1, size, size, 3], 0, 1, 'float32', size);
          const a = free.predict(x) as tf.Tensor2D;
          const b = fixed.predict(x) as tf.Tensor2D;
          expect(a.shape).toEqual([1, 1280]);
          const scale = tf.max(tf.abs(b)).dataSync()[0];
          expect(scale).toBeGreaterThan(0);
          expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeLessThanOrEqual(1e-5 * scale);
          tf.dispose([x, a, b]);
        } finally {
          fixed.dispose();
        }
      }
    } finally {
      free.dispose();
    }
  });

  it('V1 refuses a free input size with a reason; setDropoutRate changes top_dropout', () => {
    expect(() => buildEfficientNet('b0', { inputSize: null })).toThrow(/fixed inputSize/);
    const model = buildEfficientNet(customVariant({ phi: -4 }), { inputSize: 64, init: 'zeros', classes: 2 });
    try {
      setDropoutRate(model, 0.35);
      expect((model.getLayer('top_dropout').getConfig() as { rate: number }).rate).toBe(0.35);
      expect(() => setDropoutRate(model, 0.3, 'nope')).toThrow(/no Dropout layer named "nope"/);
    } finally {
      model.dispose();
    }
  });
});
