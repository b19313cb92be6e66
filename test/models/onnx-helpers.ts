// Shared by the ONNX/weights/package tests: small models made from the same
// tf.layers types the EfficientNet builder uses, and BatchNorm randomisation
// so that folding and weight import are really exercised.
import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from '../../common/random';

/** A tiny MBConv network (stem, one expanded block with SE and skip, a stride-2 depthwise block, head, top). */
export function tinyNet(opts: { size?: number; classes?: number; includeTop?: boolean; seed?: number; stemFilters?: number } = {}): tf.LayersModel {
  const size = opts.size ?? 32;
  const seed = opts.seed ?? 1;
  let s = seed;
  const init = () => tf.initializers.glorotUniform({ seed: s++ });
  const L = tf.layers;
  const input = tf.input({ shape: [size, size, 3], name: 'input_1' });
  let x = L.zeroPadding2d({ padding: [[0, 1], [0, 1]], name: 'stem_conv_pad' }).apply(input) as tf.SymbolicTensor;
  x = L.conv2d({ filters: opts.stemFilters ?? 8, kernelSize: 3, strides: 2, padding: 'valid', useBias: false, kernelInitializer: init(), name: 'stem_conv' }).apply(x) as tf.SymbolicTensor;
  x = L.batchNormalization({ epsilon: 1e-3, name: 'stem_bn' }).apply(x) as tf.SymbolicTensor;
  x = L.activation({ activation: 'swish' as never, name: 'stem_activation' }).apply(x) as tf.SymbolicTensor;
  const blockIn = x;
  x = L.conv2d({ filters: 16, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: init(), name: 'block1a_expand_conv' }).apply(x) as tf.SymbolicTensor;
  x = L.batchNormalization({ name: 'block1a_expand_bn' }).apply(x) as tf.SymbolicTensor;
  x = L.activation({ activation: 'swish' as never, name: 'block1a_expand_activation' }).apply(x) as tf.SymbolicTensor;
  x = L.depthwiseConv2d({ kernelSize: 5, padding: 'same', useBias: false, depthwiseInitializer: init(), name: 'block1a_dwconv' }).apply(x) as tf.SymbolicTensor;
  x = L.batchNormalization({ name: 'block1a_bn' }).apply(x) as tf.SymbolicTensor;
  x = L.activation({ activation: 'swish' as never, name: 'block1a_activation' }).apply(x) as tf.SymbolicTensor;
  let se = L.globalAveragePooling2d({ name: 'block1a_se_squeeze' }).apply(x) as tf.SymbolicTensor;
  se = L.reshape({ targetShape: [1, 1, 16], name: 'block1a_se_reshape' }).apply(se) as tf.SymbolicTensor;
  se = L.conv2d({ filters: 2, kernelSize: 1, padding: 'same', activation: 'swish' as never, kernelInitializer: init(), name: 'block1a_se_reduce' }).apply(se) as tf.SymbolicTensor;
  se = L.conv2d({ filters: 16, kernelSize: 1, padding: 'same', activation: 'sigmoid', kernelInitializer: init(), name: 'block1a_se_expand' }).apply(se) as tf.SymbolicTensor;
  x = L.multiply({ name: 'block1a_se_excite' }).apply([x, se]) as tf.SymbolicTensor;
  x = L.conv2d({ filters: opts.stemFilters ?? 8, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: init(), name: 'block1a_project_conv' }).apply(x) as tf.SymbolicTensor;
  x = L.batchNormalization({ name: 'block1a_project_bn' }).apply(x) as tf.SymbolicTensor;
  x = L.dropout({ rate: 0.1, name: 'block1a_drop' }).apply(x) as tf.SymbolicTensor;
  x = L.add({ name: 'block1a_add' }).apply([x, blockIn]) as tf.SymbolicTensor;
  // 'same' with stride 2 on an even size: TF pads asymmetrically (extra at bottom/right).
  x = L.depthwiseConv2d({ kernelSize: 3, strides: 2, padding: 'same', useBias: false, depthwiseInitializer: init(), name: 'block2a_dwconv' }).apply(x) as tf.SymbolicTensor;
  x = L.batchNormalization({ name: 'block2a_bn' }).apply(x) as tf.SymbolicTensor;
  x = L.conv2d({ filters: 24, kernelSize: 1, padding: 'same', useBias: false, kernelInitializer: init(), name: 'top_conv' }).apply(x) as tf.SymbolicTensor;
  x = L.batchNormalization({ name: 'top_bn' }).apply(x) as tf.SymbolicTensor;
  x = L.activation({ activation: 'swish' as never, name: 'top_activation' }).apply(x) as tf.SymbolicTensor;
  x = L.globalAveragePooling2d({ name: 'avg_pool' }).apply(x) as tf.SymbolicTensor;
  if (opts.includeTop !== false) {
    x = L.dropout({ rate: 0.2, name: 'top_dropout' }).apply(x) as tf.SymbolicTensor;
    x = L.dense({ units: opts.classes ?? 5, activation: 'softmax', kernelInitializer: init(), name: 'predictions' }).apply(x) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: x, name: 'tinynet' });
}

/** Deterministic pseudo-random numbers. */
export const rng = mulberry32;

/**
 * Gives every BatchNormalization random gamma, beta, moving mean and moving
 * variance (as trained weights would be). gamma is drawn around sqrt(variance)
 * so that activations keep an O(1) scale through a deep network (otherwise
 * float32 rounding, not the code, dominates any comparison; measured on
 * V2-S at 64 px: activations reach 1e3 and the TF.js/ORT difference grows to
 * 1.5% relative without residualGain, 1e-7 relative at the stem).
 */
export function randomiseBatchNorm(model: tf.LayersModel, seed = 7, opts: { residualGain?: number } = {}): void {
  const r = rng(seed);
  for (const layer of model.layers) {
    if (layer.getClassName() !== 'BatchNormalization') continue;
    const byName = new Map(layer.weights.map((w) => [w.originalName.split('/').pop()!, w]));
    const n = layer.weights[0].shape[0] as number;
    const variance = Float32Array.from({ length: n }, () => 0.3 + 1.5 * r());
    const values: Record<string, Float32Array> = {
      moving_variance: variance,
      moving_mean: Float32Array.from({ length: n }, () => (r() - 0.5) * 0.6),
      // project_bn ends a residual branch: a gain below 1 keeps deep residual stacks (V2) from growing.
      gamma: Float32Array.from(variance, (v) => Math.sqrt(v) * (0.8 + 0.4 * r()) * (layer.name.endsWith('project_bn') ? (opts.residualGain ?? 1) : 1)),
      beta: Float32Array.from({ length: n }, () => (r() - 0.5) * 0.5),
    };
    const tensors = layer.weights.map((w) => tf.tensor(values[w.originalName.split('/').pop()!], w.shape as number[]));
    if (!byName.has('moving_mean')) throw new Error(`${layer.name}: no moving_mean`);
    layer.setWeights(tensors);
    tensors.forEach((t) => t.dispose());
  }
}

/** A random NHWC batch in [-2, 2] (already-normalised images). */
export function randomImages(n: number, size: number, seed = 3): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n * size * size * 3);
  for (let i = 0; i < out.length; i++) out[i] = (r() - 0.5) * 4;
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Keras' Normalization layer as its ImageNet EfficientNet files carry it (ImageNet mean, and
 * the stddev stored as "variance": tensorflow#49930), for `saveKerasH5Weights`' extraLayers.
 * `variance` replaces the stored divisor.
 */
export function kerasNormalization(variance = [0.229, 0.224, 0.225]) {
  return {
    name: 'normalization',
    weights: [
      { name: 'mean', shape: [3], data: Float32Array.from([0.485, 0.456, 0.406]) },
      { name: 'variance', shape: [3], data: Float32Array.from(variance) },
      { name: 'count', shape: [], data: Float32Array.of(0) },
    ],
  };
}
