// One builder for every EfficientNet variant (B0..B7, custom compound scaling, V2-S/M/L).
// Layer names, rounding and padding follow Keras' applications/efficientnet.py and
// efficientnet_v2.py, so that Keras .h5 weights load by layer name and give the same outputs.
// No preprocessing layers (Rescaling/Normalization): the graph takes the already-normalised
// image; preprocessing lives in the pixel pipeline.
import * as tf from '@tensorflow/tfjs';
import {
  TOP_FILTERS,
  resolveVariant,
  roundFilters,
  roundRepeats,
  stagesOf,
  stemFilters,
  type Family,
  type StageSpec,
  type VariantName,
  type VariantSpec,
} from './variants';

type Initializer = ReturnType<typeof tf.initializers.zeros>;

export interface BuildOptions {
  /**
   * Square input size; defaults to the variant's native resolution. `null` builds with
   * free spatial dimensions (any size at run time) — EfficientNetV2 only, because its
   * convolutions use TF 'same' padding, whereas V1's explicit ZeroPadding2D before each
   * stride-2 conv depends on the parity of the feature map (Keras' correct_pad).
   */
  inputSize?: number | null;
  /** Global pool + dropout + dense `predictions` (default true). */
  includeTop?: boolean;
  /** Classes of the top (default 1000). */
  classes?: number;
  /** Activation of `predictions` (default 'softmax', as Keras). */
  classifierActivation?: 'softmax' | 'sigmoid' | 'linear';
  /** With includeTop false: 'avg' adds `avg_pool` (pooled features); omitted: the last feature maps. */
  pooling?: 'avg';
  /** Seed for the Keras initialisers (each layer gets seed + its index). */
  seed?: number;
  /**
   * 'keras' (default): Keras' initialisers (VarianceScaling fan_out). 'zeros': conv and dense
   * kernels zero (BatchNorm keeps its usual ones/zeros) — fast, for counting params and MACs
   * or when weights are loaded right after.
   */
  init?: 'keras' | 'zeros';
  /** Drop-connect rate of the last block (default 0.2, Keras); blocks ramp up to it linearly. */
  dropConnectRate?: number;
  /** Dropout before `predictions`; defaults to the variant's. */
  dropout?: number;
}

/** Keras' model names: efficientnetb0, efficientnetv2-s, ... */
export function modelName(spec: VariantSpec): string {
  return spec.family === 'efficientnet' ? `efficientnet${spec.name.replace(/^custom-/, 'custom_')}` : `efficientnet${spec.name}`;
}

class LayerFactory {
  private index = 0;
  constructor(private readonly init: 'keras' | 'zeros', private readonly seed: number | undefined, private readonly bnMomentum: number) {}

  private nextSeed(): number | undefined {
    this.index += 1;
    return this.seed === undefined ? undefined : this.seed + this.index;
  }

  /** Keras' CONV_KERNEL_INITIALIZER: VarianceScaling(2.0, fan_out, truncated normal). */
  convInit(): Initializer {
    const seed = this.nextSeed();
    if (this.init === 'zeros') return tf.initializers.zeros();
    return tf.initializers.varianceScaling({ scale: 2.0, mode: 'fanOut', distribution: 'truncatedNormal', seed });
  }

  /** Keras' DENSE_KERNEL_INITIALIZER: VarianceScaling(1/3, fan_out, uniform). */
  denseInit(): Initializer {
    const seed = this.nextSeed();
    if (this.init === 'zeros') return tf.initializers.zeros();
    return tf.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanOut', distribution: 'uniform', seed });
  }

  conv(name: string, filters: number, kernel: number, strides: number, padding: 'same' | 'valid', opts: { bias?: boolean; activation?: 'swish' | 'sigmoid' } = {}) {
    return tf.layers.conv2d({
      name,
      filters,
      kernelSize: kernel,
      strides,
      padding,
      useBias: opts.bias ?? false,
      activation: opts.activation,
      kernelInitializer: this.convInit(),
    });
  }

  depthwise(name: string, kernel: number, strides: number, padding: 'same' | 'valid') {
    return tf.layers.depthwiseConv2d({
      name,
      kernelSize: kernel,
      strides,
      padding,
      useBias: false,
      depthwiseInitializer: this.convInit(),
    });
  }

  /** BatchNormalization as Keras: epsilon 1e-3; momentum 0.99 (V1) or 0.9 (V2). */
  bn(name: string) {
    return frozenBatchNormRunsInInference(tf.layers.batchNormalization({ name, axis: -1, epsilon: 1e-3, momentum: this.bnMomentum }));
  }
}

/**
 * Keras semantics for frozen BatchNorm: a BN layer with trainable = false runs in inference
 * mode (moving statistics, no updates) even while the model trains. TF.js would otherwise
 * normalise with batch statistics and update the moving averages of a frozen backbone,
 * so head training would silently change it.
 */
export function frozenBatchNormRunsInInference<L extends tf.layers.Layer>(layer: L): L {
  const marked = layer as L & { [FROZEN_BN]?: true };
  if (marked[FROZEN_BN]) return layer;
  const call = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => call(inputs, layer.trainable ? kwargs : { ...kwargs, training: false });
  marked[FROZEN_BN] = true;
  return layer;
}
const FROZEN_BN = Symbol('frozenBatchNormRunsInInference');

/** Installs frozenBatchNormRunsInInference on every BatchNormalization layer of a model (e.g. one loaded from disk). */
export function keepFrozenBatchNormInInference(model: tf.LayersModel): void {
  for (const layer of model.layers) {
    if (layer.getClassName() === 'BatchNormalization' && !(layer as { [FROZEN_BN]?: true })[FROZEN_BN]) frozenBatchNormRunsInInference(layer);
  }
}

type Sym = tf.SymbolicTensor;
const apply = (layer: tf.layers.Layer, x: Sym | Sym[]): Sym => layer.apply(x) as Sym;

/**
 * Keras' imagenet_utils.correct_pad: the explicit padding before a stride-2 'valid' conv
 * that reproduces TF 'same' (for an even size the extra row/column goes to the bottom/right).
 */
export function correctPad(size: number, kernel: number): [number, number] {
  const half = Math.floor(kernel / 2);
  const adjust = 1 - (size % 2);
  return [half - adjust, half];
}

function spatial(x: Sym): [number, number] {
  const [, h, w] = x.shape;
  if (h == null || w == null) throw new Error('EfficientNet (V1) needs a fixed input size: its stride-2 padding depends on the feature map size.');
  return [h, w];
}

function paddedForStride2(f: LayerFactory, x: Sym, kernel: number, name: string): Sym {
  const [h, w] = spatial(x);
  return apply(tf.layers.zeroPadding2d({ name, padding: [correctPad(h, kernel), correctPad(w, kernel)] }), x);
}

interface BlockArgs {
  name: string;
  stage: StageSpec;
  filtersIn: number;
  filtersOut: number;
  stride: 1 | 2;
  dropRate: number;
  family: Family;
}

/** Squeeze-and-excitation: pool, 1x1 reduce (swish), 1x1 expand (sigmoid), rescale. Shared by both families. */
function squeezeExcite(f: LayerFactory, x: Sym, a: BlockArgs, filters: number): Sym {
  const filtersSe = Math.max(1, Math.trunc(a.filtersIn * a.stage.se));
  let se = apply(tf.layers.globalAveragePooling2d({ name: `${a.name}se_squeeze` }), x);
  se = apply(tf.layers.reshape({ name: `${a.name}se_reshape`, targetShape: [1, 1, filters] }), se);
  se = apply(f.conv(`${a.name}se_reduce`, filtersSe, 1, 1, 'same', { bias: true, activation: 'swish' }), se);
  se = apply(f.conv(`${a.name}se_expand`, filters, 1, 1, 'same', { bias: true, activation: 'sigmoid' }), se);
  return apply(tf.layers.multiply({ name: `${a.name}se_excite` }), [x, se]);
}

function residual(x: Sym, inputs: Sym, a: BlockArgs): Sym {
  if (a.stride !== 1 || a.filtersIn !== a.filtersOut) return x;
  if (a.dropRate > 0) {
    // Drop-connect: drops the whole residual branch per example (noise shape [batch, 1, 1, 1]).
    const noiseShape = [null, 1, 1, 1] as unknown as number[];
    x = apply(tf.layers.dropout({ name: `${a.name}drop`, rate: a.dropRate, noiseShape }), x);
  }
  return apply(tf.layers.add({ name: `${a.name}add` }), [x, inputs]);
}

/** MBConv: optional 1x1 expansion, depthwise kxk, SE, 1x1 projection, skip. */
function mbConv(f: LayerFactory, inputs: Sym, a: BlockArgs): Sym {
  const { stage, name } = a;
  const filters = a.filtersIn * stage.expand;
  let x = inputs;
  if (stage.expand !== 1) {
    x = apply(f.conv(`${name}expand_conv`, filters, 1, 1, 'same'), x);
    x = apply(f.bn(`${name}expand_bn`), x);
    x = apply(tf.layers.activation({ name: `${name}expand_activation`, activation: 'swish' }), x);
  }
  if (a.family === 'efficientnet') {
    // V1 pads explicitly before stride-2 depthwise convs and names the layer `dwconv`.
    let padding: 'same' | 'valid' = 'same';
    if (a.stride === 2) {
      x = paddedForStride2(f, x, stage.kernel, `${name}dwconv_pad`);
      padding = 'valid';
    }
    x = apply(f.depthwise(`${name}dwconv`, stage.kernel, a.stride, padding), x);
  } else {
    // V2 uses TF 'same' directly (asymmetric, identical to correct_pad) and names it `dwconv2`.
    x = apply(f.depthwise(`${name}dwconv2`, stage.kernel, a.stride, 'same'), x);
  }
  x = apply(f.bn(`${name}bn`), x);
  x = apply(tf.layers.activation({ name: `${name}activation`, activation: 'swish' }), x);
  if (stage.se > 0 && stage.se <= 1) x = squeezeExcite(f, x, a, filters);
  x = apply(f.conv(`${name}project_conv`, a.filtersOut, 1, 1, 'same'), x);
  x = apply(f.bn(`${name}project_bn`), x);
  return residual(x, inputs, a);
}

/** Fused-MBConv (EfficientNetV2): one regular kxk conv replaces expansion + depthwise. */
function fusedMbConv(f: LayerFactory, inputs: Sym, a: BlockArgs): Sym {
  const { stage, name } = a;
  const filters = a.filtersIn * stage.expand;
  let x = inputs;
  if (stage.expand !== 1) {
    x = apply(f.conv(`${name}expand_conv`, filters, stage.kernel, a.stride, 'same'), x);
    x = apply(f.bn(`${name}expand_bn`), x);
    x = apply(tf.layers.activation({ name: `${name}expand_activation`, activation: 'swish' }), x);
  }
  if (stage.se > 0 && stage.se <= 1) x = squeezeExcite(f, x, a, filters);
  const expanded = stage.expand !== 1;
  x = apply(f.conv(`${name}project_conv`, a.filtersOut, expanded ? 1 : stage.kernel, expanded ? 1 : a.stride, 'same'), x);
  x = apply(f.bn(`${name}project_bn`), x);
  if (!expanded) x = apply(tf.layers.activation({ name: `${name}project_activation`, activation: 'swish' }), x);
  return residual(x, inputs, a);
}

/**
 * Builds an EfficientNet as a TF.js LayersModel (NHWC, float32, input already normalised).
 * Weights layout and layer names equal Keras', so `model.getLayer('block2b_se_reduce')` etc.
 * exist and .h5 weights load by name.
 */
export function buildEfficientNet(variant: VariantName | VariantSpec, opts: BuildOptions = {}): tf.LayersModel {
  const spec = resolveVariant(variant);
  const family = spec.family;
  const includeTop = opts.includeTop ?? true;
  const classes = opts.classes ?? 1000;
  const inputSize = opts.inputSize === undefined ? spec.resolution : opts.inputSize;
  if (inputSize === null && family === 'efficientnet') {
    throw new Error(`${spec.name}: EfficientNet (V1) needs a fixed inputSize (its stride-2 padding depends on the size); build one model per size and copy weights with copyWeights().`);
  }
  if (inputSize !== null && (!Number.isInteger(inputSize) || inputSize < 32)) {
    throw new Error(`${spec.name}: inputSize must be an integer >= 32, got ${inputSize}.`);
  }
  if (!Number.isInteger(classes) || classes < 1) throw new Error(`classes must be a positive integer, got ${classes}.`);

  const f = new LayerFactory(opts.init ?? 'keras', opts.seed, family === 'efficientnet' ? 0.99 : 0.9);
  const r = (filters: number) => roundFilters(filters, spec.width, family);
  const stages = stagesOf(spec);

  const input = tf.input({ name: 'input_image', shape: [inputSize, inputSize, 3] as number[] });
  let x: Sym = input;

  // Stem: 3x3 stride-2 conv.
  if (family === 'efficientnet') {
    x = paddedForStride2(f, x, 3, 'stem_conv_pad');
    x = apply(f.conv('stem_conv', r(stemFilters(spec)), 3, 2, 'valid'), x);
  } else {
    x = apply(f.conv('stem_conv', r(stemFilters(spec)), 3, 2, 'same'), x);
  }
  x = apply(f.bn('stem_bn'), x);
  x = apply(tf.layers.activation({ name: 'stem_activation', activation: 'swish' }), x);

  // Blocks, with drop-connect rising linearly with the block index (Keras: rate * b / blocks;
  // V1 divides by the rounded total, V2 by the table's total).
  const dropConnectRate = opts.dropConnectRate ?? 0.2;
  const totalBlocks = family === 'efficientnet'
    ? stages.reduce((n, s) => n + roundRepeats(s.repeats, spec.depth), 0)
    : stages.reduce((n, s) => n + s.repeats, 0);
  let b = 0;
  stages.forEach((stage, i) => {
    const repeats = roundRepeats(stage.repeats, spec.depth);
    if (repeats > 26) throw new Error(`${spec.name}: stage ${i + 1} has ${repeats} blocks; Keras names only a..z.`);
    for (let j = 0; j < repeats; j++) {
      const args: BlockArgs = {
        name: `block${i + 1}${String.fromCharCode(97 + j)}_`,
        stage,
        filtersIn: j === 0 ? r(stage.filtersIn) : r(stage.filtersOut),
        filtersOut: r(stage.filtersOut),
        stride: j === 0 ? stage.stride : 1,
        dropRate: (dropConnectRate * b) / totalBlocks,
        family,
      };
      x = stage.block === 'fused' ? fusedMbConv(f, x, args) : mbConv(f, x, args);
      b += 1;
    }
  });

  // Head: 1x1 conv to 1280 x width channels.
  x = apply(f.conv('top_conv', r(TOP_FILTERS), 1, 1, 'same'), x);
  x = apply(f.bn('top_bn'), x);
  x = apply(tf.layers.activation({ name: 'top_activation', activation: 'swish' }), x);

  if (includeTop) {
    x = apply(tf.layers.globalAveragePooling2d({ name: 'avg_pool' }), x);
    const dropout = opts.dropout ?? spec.dropout;
    if (dropout > 0) x = apply(tf.layers.dropout({ name: 'top_dropout', rate: dropout }), x);
    x = apply(tf.layers.dense({
      name: 'predictions',
      units: classes,
      activation: opts.classifierActivation ?? 'softmax',
      kernelInitializer: f.denseInit(),
      biasInitializer: 'zeros',
    }), x);
  } else if (opts.pooling === 'avg') {
    x = apply(tf.layers.globalAveragePooling2d({ name: 'avg_pool' }), x);
  }

  return tf.model({ inputs: input, outputs: x, name: modelName(spec) });
}

/**
 * Copies every weight from one model to another by layer name (shapes must agree): how a
 * model built at one input size shares its weights with a copy built at another size.
 * Layers missing from the target (e.g. the top) are skipped; returns how many were copied.
 */
export function copyWeights(from: tf.LayersModel, to: tf.LayersModel): number {
  let copied = 0;
  const targets = new Map(to.layers.map((l) => [l.name, l]));
  for (const layer of from.layers) {
    const target = targets.get(layer.name);
    const weights = layer.getWeights();
    if (!target || weights.length === 0) continue;
    const expected = target.getWeights();
    if (expected.length !== weights.length) throw new Error(`copyWeights: layer "${layer.name}" has ${weights.length} weights in the source and ${expected.length} in the target.`);
    weights.forEach((w, i) => {
      if (w.shape.join('x') !== expected[i].shape.join('x')) {
        throw new Error(`copyWeights: layer "${layer.name}" weight ${i}: source shape [${w.shape}] but target expects [${expected[i].shape}].`);
      }
    });
    target.setWeights(weights);
    copied += 1;
  }
  return copied;
}
