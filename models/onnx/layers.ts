// One converter per TF.js layer class: what the layer becomes in the ONNX graph. exportOnnx
// (export.ts) walks the model's layers through LAYER_CONVERTERS; a class missing here is
// refused with the layer's name. A new layer is one function and one line in the table.
import { applyActivation, bnParams, flattenNhwc, pair, samePads, transposeKernel, unsupported, weightsByName, type AnyLayer, type GraphBuilder, type Sym, type Value } from './graph';

/** What a converter sees of one layer and of the graph built so far. */
export interface LayerContext {
  g: GraphBuilder;
  layer: AnyLayer;
  /** The layer's config (TF.js's camelCase keys). */
  cfg: Record<string, any>;
  inputs: Sym[];
  output: Sym;
  valueOf(t: Sym): Value;
  /** The tensor as a plain ONNX name, applying any pending pads with a Pad op. */
  materialise(t: Sym): string;
  /** Records what the layer's output became. */
  set(v: Value): void;
  /** Records what another layer's output became (a folded BatchNormalization's is its convolution's). */
  setValueOf(t: Sym, v: Value): void;
  /** The layers that take `t` as an input. */
  consumers(t: Sym): readonly AnyLayer[] | undefined;
  isModelOutput(t: Sym): boolean;
  /** Folds `layer` into the one converted now: the walk skips it. */
  fold(layer: AnyLayer): void;
  /** Marks this layer's output as the pooled features (the "features" output). */
  markFeatures(): void;
}

export type LayerConverter = (c: LayerContext) => void;

/** Dropout and noise layers are the identity at inference. */
const identity: LayerConverter = (c) => c.set(c.valueOf(c.inputs[0]));

/** Kept as pads still to apply, which a following convolution takes as its own. */
const zeroPadding2d: LayerConverter = ({ inputs, cfg, valueOf, set }) => {
  const v = valueOf(inputs[0]);
  const [[top, bottom], [left, right]] = cfg.padding as [[number, number], [number, number]];
  const base = v.pendingPads ?? [0, 0, 0, 0];
  set({ name: v.name, rank: 4, pendingPads: [base[0] + top, base[1] + left, base[2] + bottom, base[3] + right] });
};

/**
 * Conv2D and DepthwiseConv2D as Conv (NCHW kernels), 'same' and pending pads made explicit;
 * a BatchNormalization that alone consumes a linear convolution is folded into its weights
 * and bias (in float64, rounded to float32 once).
 */
const convolution: LayerConverter = (c) => {
  const { g, layer, cfg, inputs, output } = c;
  const cls = layer.getClassName();
  if (cfg.dataFormat && cfg.dataFormat !== 'channelsLast') throw unsupported(layer, 'uses channelsFirst; only channelsLast models are exported');
  const src = c.valueOf(inputs[0]);
  const inS = inputs[0].shape as [null, number, number, number];
  const [kh, kw] = pair(cfg.kernelSize);
  const [sh, sw] = pair(cfg.strides);
  const [dh, dw] = pair(cfg.dilationRate ?? 1);
  const pads = [0, 0, 0, 0]; // top, left, bottom, right
  if (cfg.padding === 'same') {
    const [t, b] = samePads(inS[1], kh, sh, dh);
    const [l, r] = samePads(inS[2], kw, sw, dw);
    pads.splice(0, 4, t, l, b, r);
  } else if (cfg.padding !== 'valid') throw unsupported(layer, `has padding "${cfg.padding}"`);
  if (src.pendingPads) src.pendingPads.forEach((p, i) => (pads[i] += p));

  const w = weightsByName(layer);
  let kernel: Float32Array;
  let outCh: number;
  let inCh: number;
  let group = 1;
  if (cls === 'Conv2D') {
    const k = w.get('kernel')!;
    [, , inCh, outCh] = k.shape;
    if (cfg.groups && cfg.groups !== 1) throw unsupported(layer, 'has groups != 1');
    // [kh, kw, cin, cout] -> [cout, cin, kh, kw]
    kernel = transposeKernel(k.data, kh * kw, inCh, outCh);
  } else {
    const k = w.get('depthwise_kernel')!;
    const [, , cin, mult] = k.shape;
    inCh = 1;
    outCh = cin * mult;
    group = cin;
    // [kh, kw, cin, mult] -> [cin*mult, 1, kh, kw]; output channel c*mult+m, as TF orders it.
    kernel = new Float32Array(outCh * kh * kw);
    for (let y = 0; y < kh; y++)
      for (let x = 0; x < kw; x++)
        for (let ch = 0; ch < cin; ch++)
          for (let m = 0; m < mult; m++) kernel[((ch * mult + m) * kh + y) * kw + x] = k.data[((y * kw + x) * cin + ch) * mult + m];
  }
  let bias: Float64Array | undefined = w.get('bias') ? new Float64Array(w.get('bias')!.data) : undefined;

  // Fold the BatchNormalization that alone consumes this conv's output.
  let outName = layer.name;
  const next = c.consumers(output);
  const activation = cfg.activation ?? 'linear';
  let folded: AnyLayer | undefined;
  if (activation === 'linear' && !c.isModelOutput(output) && next?.length === 1 && next[0].getClassName() === 'BatchNormalization') {
    folded = next[0];
    const bn = bnParams(folded, outCh);
    const perOut = kernel.length / outCh;
    const b = bias ?? new Float64Array(outCh);
    // Each product is formed in float64 and rounded to float32 once.
    const k = kernel;
    for (let o = 0; o < outCh; o++) {
      const s = bn.scale[o];
      const start = o * perOut;
      for (let j = start; j < start + perOut; j++) k[j] = k[j] * s;
      b[o] = (b[o] - bn.mean[o]) * s + bn.beta[o];
    }
    bias = b;
    c.fold(folded);
    outName = folded.name;
  }
  const inputsOnnx = [src.name, g.init(`${layer.name}.weight`, [outCh, inCh, kh, kw], kernel)];
  if (bias) inputsOnnx.push(g.init(`${layer.name}.bias`, [outCh], new Float32Array(bias)));
  const convOut = g.add('Conv', inputsOnnx, activation === 'linear' ? outName : g.fresh(outName), { kernel_shape: [kh, kw], strides: [sh, sw], dilations: [dh, dw], pads, group });
  c.set({ name: applyActivation(g, layer, activation, convOut, outName, 4), rank: 4 });
  if (folded) c.setValueOf(folded.output as Sym, c.valueOf(output));
};

/** A BatchNormalization not folded into a convolution: ONNX's own, over the channel axis. */
const batchNormalization: LayerConverter = ({ g, layer, cfg, inputs, valueOf, materialise, set }) => {
  const src = valueOf(inputs[0]);
  const axis = cfg.axis ?? -1;
  if (!(axis === -1 || axis === inputs[0].shape.length - 1)) throw unsupported(layer, `normalises axis ${axis}; only the channel axis is exported`);
  const ch = inputs[0].shape[inputs[0].shape.length - 1] as number;
  const w = weightsByName(layer);
  const ones = new Float32Array(ch).fill(1);
  const zeros = new Float32Array(ch);
  const name = materialise(inputs[0]);
  g.add(
    'BatchNormalization',
    [
      name,
      g.init(`${layer.name}.gamma`, [ch], w.get('gamma')?.data ?? ones),
      g.init(`${layer.name}.beta`, [ch], w.get('beta')?.data ?? zeros),
      g.init(`${layer.name}.mean`, [ch], w.get('moving_mean')!.data),
      g.init(`${layer.name}.var`, [ch], w.get('moving_variance')!.data),
    ],
    layer.name,
    { epsilon: { float: cfg.epsilon ?? 1e-3 } },
  );
  set({ name: layer.name, rank: src.rank });
};

const activationLayer: LayerConverter = ({ g, layer, cfg, inputs, valueOf, materialise, set }) => {
  const src = valueOf(inputs[0]);
  const name = materialise(inputs[0]);
  set({ name: applyActivation(g, layer, cfg.activation, name, layer.name, src.rank), rank: src.rank });
};

const relu: LayerConverter = ({ g, layer, cfg, inputs, valueOf, materialise, set }) => {
  if (cfg.maxValue != null) throw unsupported(layer, 'has maxValue (clipped ReLU) which is not exported');
  const src = valueOf(inputs[0]);
  set({ name: g.add('Relu', [materialise(inputs[0])], layer.name), rank: src.rank });
};

/** GlobalAveragePool; without keepDims also flattened to [N, C], and those are the features. */
const globalAveragePooling2d: LayerConverter = (c) => {
  const { g, layer, cfg, inputs } = c;
  if (cfg.keepDims) {
    c.set({ name: g.add('GlobalAveragePool', [c.materialise(inputs[0])], layer.name), rank: 4 });
    return;
  }
  const pooled = g.add('GlobalAveragePool', [c.materialise(inputs[0])], `${layer.name}_4d`);
  const flat = g.add('Flatten', [pooled], layer.name, { axis: 1 });
  c.set({ name: flat, rank: 2, pooled4d: pooled });
  c.markFeatures();
};

/** [C] <-> [1, 1, C] (squeeze-and-excitation) and flattening; nothing else. */
const reshape: LayerConverter = ({ g, layer, cfg, inputs, valueOf, materialise, set }) => {
  const src = valueOf(inputs[0]);
  const target = cfg.targetShape as number[];
  // [N, C] -> [N, 1, 1, C] in NHWC is [N, C, 1, 1] in NCHW: the squeeze-and-excitation reshape.
  if (src.rank === 2 && target.length === 3 && target[0] === 1 && target[1] === 1) {
    if (src.pooled4d) set({ name: src.pooled4d, rank: 4 });
    else {
      const shape = g.init(`${layer.name}.shape`, [4], BigInt64Array.from([0n, -1n, 1n, 1n]));
      set({ name: g.add('Reshape', [src.name, shape], layer.name), rank: 4 });
    }
  } else if (src.rank === 4 && target.length === 1) {
    set(flattenNhwc(g, layer.name, materialise(inputs[0]), inputs[0]));
  } else {
    throw unsupported(layer, `reshapes ${JSON.stringify(inputs[0].shape)} to ${JSON.stringify(target)}; only [C] <-> [1,1,C] and flattening are exported`);
  }
};

const flatten: LayerConverter = ({ g, layer, inputs, valueOf, materialise, set }) => {
  const src = valueOf(inputs[0]);
  if (src.rank === 2) set(src);
  else set(flattenNhwc(g, layer.name, materialise(inputs[0]), inputs[0]));
};

/** Add and Multiply of any number of inputs, as a chain of binary ops. */
function elementwise(op: 'Add' | 'Mul'): LayerConverter {
  return ({ g, layer, inputs, valueOf, materialise, set }) => {
    const names = inputs.map((t) => materialise(t));
    let acc = names[0];
    for (let i = 1; i < names.length; i++) acc = g.add(op, [acc, names[i]], i === names.length - 1 ? layer.name : g.fresh(layer.name));
    set({ name: acc, rank: Math.max(...inputs.map((t) => valueOf(t).rank)) });
  };
}

/** Dense on [N, C] as Gemm, then its activation. */
const dense: LayerConverter = ({ g, layer, cfg, inputs, valueOf, set }) => {
  const src = valueOf(inputs[0]);
  if (src.rank !== 2) throw unsupported(layer, 'is applied to a feature map; only [N, C] inputs are exported');
  const w = weightsByName(layer);
  const k = w.get('kernel')!;
  const [, units] = k.shape;
  const ins = [src.name, g.init(`${layer.name}.weight`, k.shape, k.data)];
  const b = w.get('bias');
  if (b) ins.push(g.init(`${layer.name}.bias`, [units], b.data));
  const activation = cfg.activation ?? 'linear';
  const gemm = g.add('Gemm', ins, activation === 'linear' ? layer.name : `${layer.name}_logits`, {});
  set({ name: applyActivation(g, layer, activation, gemm, layer.name, 2), rank: 2 });
};

/** TF.js layer class name -> its converter. */
export const LAYER_CONVERTERS: Readonly<Record<string, LayerConverter>> = {
  Conv2D: convolution,
  DepthwiseConv2D: convolution,
  BatchNormalization: batchNormalization,
  Activation: activationLayer,
  ReLU: relu,
  ZeroPadding2D: zeroPadding2d,
  GlobalAveragePooling2D: globalAveragePooling2d,
  Reshape: reshape,
  Flatten: flatten,
  Add: elementwise('Add'),
  Multiply: elementwise('Mul'),
  Dense: dense,
  Dropout: identity,
  SpatialDropout2D: identity,
  GaussianNoise: identity,
  GaussianDropout: identity,
  AlphaDropout: identity,
};
