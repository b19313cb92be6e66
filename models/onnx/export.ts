// ONNX export of a TF.js functional model (the EfficientNet family and its heads).
//
// Layout: TF.js runs NHWC; the ONNX graph is NCHW, ONNX Runtime's native
// layout. The graph's input is "input" with shape [batch, 3, H, W] (batch is
// dynamic) and takes the already-normalised image, exactly what the TF.js model
// takes, transposed to channels-first. Outputs: "probabilities" [batch, classes]
// when the model has a classification top, and "features" [batch, C], the
// globally average-pooled backbone features, so one file serves predict and embed.
// On request (featureMaps) also "feature_maps" [batch, C, h, w], the maps that
// pooling averages: with the dense head's weights they give the exact class
// activation map from the same pass (the app's Run); packages do not store it.
//
// Folding: a BatchNormalization that is the only consumer of a convolution is
// folded into that convolution's weights and bias (w * g/sqrt(v+eps),
// (b - m) * g/sqrt(v+eps) + beta, computed in float64); a ZeroPadding2D feeding
// a convolution becomes that convolution's explicit pads; TF 'same' padding
// becomes explicit (asymmetric: the extra row/column goes at the bottom/right)
// pads computed from the static input size. Dropout is the identity.
import type * as tf from '@tensorflow/tfjs';
import { encodeModel, type OnnxInitializer, type OnnxModel, type OnnxNode } from './proto';

export const ONNX_OPSET = 17;
export const ONNX_IR_VERSION = 8;
export const ONNX_INPUT_NAME = 'input';
export const ONNX_PROBABILITIES = 'probabilities';
export const ONNX_FEATURES = 'features';
export const ONNX_FEATURE_MAPS = 'feature_maps';

export interface OnnxExportOptions {
  /** Model-level metadata_props (e.g. variant, class names as JSON). */
  metadata?: Record<string, string>;
  producerVersion?: string;
  graphName?: string;
  /** Add the "feature_maps" output (the last feature maps, before global pooling). */
  featureMaps?: boolean;
}

export interface OnnxExportResult {
  bytes: Uint8Array;
  inputShape: [string, number, number, number];
  outputs: { name: string; shape: (string | number)[] }[];
}

type Sym = tf.SymbolicTensor;
type AnyLayer = tf.layers.Layer;

/** What one TF tensor became in the ONNX graph. */
interface Value {
  name: string;
  /** 4 = NCHW feature map; 2 = [N, C]. */
  rank: number;
  /** Pads not yet applied (from ZeroPadding2D): [top, left, bottom, right] over `name`. */
  pendingPads?: [number, number, number, number];
  /** For [N,C] values made by GlobalAveragePool+Flatten: the [N,C,1,1] tensor before the flatten. */
  pooled4d?: string;
}

function asList(x: Sym | Sym[]): Sym[] {
  return Array.isArray(x) ? x : [x];
}

function weightsByName(layer: AnyLayer): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const w of layer.weights) {
    const key = w.originalName.split('/').pop()!;
    out.set(key, { shape: w.shape.map((d) => d as number), data: w.read().dataSync() as Float32Array });
  }
  return out;
}

function pair(v: number | number[]): [number, number] {
  return Array.isArray(v) ? [v[0], v[1] ?? v[0]] : [v, v];
}

/** TF 'same' padding for one spatial dimension: total split with the extra at the end. */
export function samePads(inSize: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const out = Math.ceil(inSize / stride);
  const effective = (kernel - 1) * dilation + 1;
  const total = Math.max((out - 1) * stride + effective - inSize, 0);
  const begin = Math.floor(total / 2);
  return [begin, total - begin];
}

class GraphBuilder {
  nodes: OnnxNode[] = [];
  initializers: OnnxInitializer[] = [];
  private counter = 0;

  fresh(base: string): string {
    return `${base}_${this.counter++}`;
  }

  add(opType: string, inputs: string[], output: string, attributes?: OnnxNode['attributes']): string {
    // Node names must be unique; output names are, so each node is named after its output.
    this.nodes.push({ opType, inputs, outputs: [output], attributes, name: output });
    return output;
  }

  init(name: string, dims: number[], data: Float32Array | BigInt64Array): string {
    this.initializers.push({ name, dims, data });
    return name;
  }
}

function unsupported(layer: AnyLayer, why: string): Error {
  return new Error(`ONNX export: layer "${layer.name}" (${layer.getClassName()}) ${why}`);
}

/** Writes `model` as an ONNX ModelProto (opset 17, NCHW input with a dynamic batch). */
export function exportOnnx(model: tf.LayersModel, options: OnnxExportOptions = {}): OnnxExportResult {
  if (model.inputs.length !== 1) throw new Error(`ONNX export: the model has ${model.inputs.length} inputs; one image input is supported`);
  if (model.outputs.length !== 1) throw new Error(`ONNX export: the model has ${model.outputs.length} outputs; one is supported`);
  const inShape = model.inputs[0].shape;
  if (inShape.length !== 4 || inShape.slice(1).some((d) => d == null)) {
    throw new Error(`ONNX export: the input shape must be [batch, H, W, C] with known H, W, C (got ${JSON.stringify(inShape)})`);
  }
  const [, H, W, C] = inShape as [null, number, number, number];

  // Consumers of each symbolic tensor decide what may be folded.
  const consumers = new Map<number, AnyLayer[]>();
  for (const layer of model.layers) {
    if (layer.getClassName() === 'InputLayer') continue;
    for (const t of asList(layer.input as Sym | Sym[])) {
      const list = consumers.get(t.id) ?? [];
      list.push(layer);
      consumers.set(t.id, list);
    }
  }
  const modelOutputIds = new Set(model.outputs.map((t) => t.id));

  const g = new GraphBuilder();
  const values = new Map<number, Value>();
  values.set(model.inputs[0].id, { name: ONNX_INPUT_NAME, rank: 4 });
  // Convolutions whose BatchNormalization is folded in: BN layer name -> conv output name.
  const foldedBn = new Set<string>();

  const valueOf = (t: Sym): Value => {
    const v = values.get(t.id);
    if (!v) throw new Error(`ONNX export: tensor ${t.name} is used before it is produced`);
    return v;
  };
  /** The tensor as a plain ONNX name, applying any pending pads with a Pad op. */
  const materialise = (t: Sym): string => {
    const v = valueOf(t);
    if (!v.pendingPads) return v.name;
    const [top, left, bottom, right] = v.pendingPads;
    const pads = g.init(g.fresh('pads'), [8], BigInt64Array.from([0, 0, top, left, 0, 0, bottom, right].map(BigInt)));
    const out = g.add('Pad', [v.name, pads], g.fresh(`${v.name}_padded`), { mode: 'constant' });
    return out;
  };

  let featuresName: string | undefined;

  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'InputLayer') continue;
    const inputs = asList(layer.input as Sym | Sym[]);
    const output = layer.output as Sym;
    if (Array.isArray(layer.output)) throw unsupported(layer, 'has several outputs');
    const cfg = layer.getConfig() as Record<string, any>;
    const set = (v: Value) => values.set(output.id, v);

    switch (cls) {
      case 'Dropout':
      case 'SpatialDropout2D':
      case 'GaussianNoise':
      case 'GaussianDropout':
      case 'AlphaDropout':
        set(valueOf(inputs[0]));
        break;

      case 'ZeroPadding2D': {
        const v = valueOf(inputs[0]);
        const [[top, bottom], [left, right]] = cfg.padding as [[number, number], [number, number]];
        const base = v.pendingPads ?? [0, 0, 0, 0];
        set({ name: v.name, rank: 4, pendingPads: [base[0] + top, base[1] + left, base[2] + bottom, base[3] + right] });
        break;
      }

      case 'Conv2D':
      case 'DepthwiseConv2D': {
        if (cfg.dataFormat && cfg.dataFormat !== 'channelsLast') throw unsupported(layer, 'uses channelsFirst; only channelsLast models are exported');
        const src = valueOf(inputs[0]);
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
              for (let c = 0; c < cin; c++)
                for (let m = 0; m < mult; m++) kernel[((c * mult + m) * kh + y) * kw + x] = k.data[((y * kw + x) * cin + c) * mult + m];
        }
        let bias: Float64Array | undefined = w.get('bias') ? new Float64Array(w.get('bias')!.data) : undefined;

        // Fold the BatchNormalization that alone consumes this conv's output.
        let outName = layer.name;
        const next = consumers.get(output.id);
        const activation = cfg.activation ?? 'linear';
        if (activation === 'linear' && !modelOutputIds.has(output.id) && next?.length === 1 && next[0].getClassName() === 'BatchNormalization') {
          const bnLayer = next[0];
          const bn = bnParams(bnLayer, outCh);
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
          foldedBn.add(bnLayer.name);
          outName = bnLayer.name;
        }
        const inputsOnnx = [src.name, g.init(`${layer.name}.weight`, [outCh, inCh, kh, kw], kernel)];
        if (bias) inputsOnnx.push(g.init(`${layer.name}.bias`, [outCh], new Float32Array(bias)));
        const convOut = g.add(
          'Conv',
          inputsOnnx,
          activation === 'linear' ? outName : g.fresh(outName),
          { kernel_shape: [kh, kw], strides: [sh, sw], dilations: [dh, dw], pads, group },
        );
        set({ name: applyActivation(g, layer, activation, convOut, outName, 4), rank: 4 });
        if (foldedBn.has(next?.[0]?.name ?? '')) values.set((next![0].output as Sym).id, valueOf(output));
        break;
      }

      case 'BatchNormalization': {
        if (foldedBn.has(layer.name)) break; // already mapped by its convolution
        const src = valueOf(inputs[0]);
        const rank = src.rank;
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
        set({ name: layer.name, rank });
        break;
      }

      case 'Activation': {
        const src = valueOf(inputs[0]);
        const name = materialise(inputs[0]);
        set({ name: applyActivation(g, layer, cfg.activation, name, layer.name, src.rank), rank: src.rank });
        break;
      }

      case 'ReLU': {
        if (cfg.maxValue != null) throw unsupported(layer, 'has maxValue (clipped ReLU) which is not exported');
        const src = valueOf(inputs[0]);
        set({ name: g.add('Relu', [materialise(inputs[0])], layer.name), rank: src.rank });
        break;
      }

      case 'GlobalAveragePooling2D': {
        if (cfg.keepDims) {
          set({ name: g.add('GlobalAveragePool', [materialise(inputs[0])], layer.name), rank: 4 });
        } else {
          const pooled = g.add('GlobalAveragePool', [materialise(inputs[0])], `${layer.name}_4d`);
          const flat = g.add('Flatten', [pooled], layer.name, { axis: 1 });
          set({ name: flat, rank: 2, pooled4d: pooled });
        }
        if (!cfg.keepDims) featuresName = layer.name;
        break;
      }

      case 'Reshape': {
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
        break;
      }

      case 'Flatten': {
        const src = valueOf(inputs[0]);
        if (src.rank === 2) set(src);
        else set(flattenNhwc(g, layer.name, materialise(inputs[0]), inputs[0]));
        break;
      }

      case 'Add':
      case 'Multiply': {
        const names = inputs.map((t) => materialise(t));
        const op = cls === 'Add' ? 'Add' : 'Mul';
        let acc = names[0];
        for (let i = 1; i < names.length; i++) acc = g.add(op, [acc, names[i]], i === names.length - 1 ? layer.name : g.fresh(layer.name));
        set({ name: acc, rank: Math.max(...inputs.map((t) => valueOf(t).rank)) });
        break;
      }

      case 'Dense': {
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
        break;
      }

      default:
        throw unsupported(layer, 'has no ONNX export; supported: Conv2D, DepthwiseConv2D, BatchNormalization, Activation, ZeroPadding2D, GlobalAveragePooling2D, Reshape, Flatten, Add, Multiply, Dense, Dropout');
    }
  }

  // Outputs: probabilities from the top (if any) and the pooled features.
  const finalSym = model.outputs[0];
  const finalValue = valueOf(finalSym);
  const outputs: { name: string; shape: (string | number)[] }[] = [];
  const featuresValue = featuresName ? valueOf(model.getLayer(featuresName).output as Sym) : undefined;
  // A top is whatever follows the last global pooling: its output is the probabilities.
  const hasTop = finalValue.rank === 2 && featuresValue !== undefined && featuresValue.name !== finalValue.name;
  if (finalValue.rank === 4) {
    // No pooling in the model: features are the pooled last feature map.
    const pooled = g.add('GlobalAveragePool', [materialise(finalSym)], 'features_4d');
    g.add('Flatten', [pooled], ONNX_FEATURES, { axis: 1 });
    outputs.push({ name: ONNX_FEATURES, shape: ['batch', finalSym.shape[3] as number] });
  } else if (hasTop) {
    g.add('Identity', [finalValue.name], ONNX_PROBABILITIES);
    outputs.push({ name: ONNX_PROBABILITIES, shape: ['batch', finalSym.shape[1] as number] });
    if (!featuresName) throw new Error('ONNX export: the model has a top but no GlobalAveragePooling2D to take features from');
    const featLayer = model.getLayer(featuresName);
    g.add('Identity', [valueOf(featLayer.output as Sym).name], ONNX_FEATURES);
    outputs.push({ name: ONNX_FEATURES, shape: ['batch', (featLayer.output as Sym).shape[1] as number] });
  } else {
    g.add('Identity', [finalValue.name], ONNX_FEATURES);
    outputs.push({ name: ONNX_FEATURES, shape: ['batch', finalSym.shape[1] as number] });
  }
  if (options.featureMaps) {
    const maps = finalValue.rank === 4 ? finalSym : featuresName ? (model.getLayer(featuresName).input as Sym) : undefined;
    if (!maps) throw new Error('ONNX export: feature maps were asked for, but the model has no GlobalAveragePooling2D over feature maps');
    const [, h, w, c] = maps.shape as [null, number, number, number];
    g.add('Identity', [materialise(maps)], ONNX_FEATURE_MAPS);
    outputs.push({ name: ONNX_FEATURE_MAPS, shape: ['batch', c, h, w] });
  }

  const proto: OnnxModel = {
    irVersion: ONNX_IR_VERSION,
    opsetVersion: ONNX_OPSET,
    producerName: 'lumen',
    producerVersion: options.producerVersion ?? '0',
    docString: 'Input "input" is NCHW [batch, 3, H, W], already normalised (preprocessing is not in the graph).',
    metadata: { layout: 'NCHW', ...(options.metadata ?? {}) },
    graph: {
      name: options.graphName ?? model.name,
      nodes: g.nodes,
      initializers: g.initializers,
      inputs: [{ name: ONNX_INPUT_NAME, shape: ['batch', C, H, W] }],
      outputs: outputs.map((o) => ({ name: o.name, shape: o.shape })),
    },
  };
  return { bytes: encodeModel(proto), inputShape: ['batch', C, H, W], outputs };
}

function bnParams(layer: AnyLayer, channels: number): { scale: Float64Array; mean: Float64Array; beta: Float64Array } {
  const cfg = layer.getConfig() as Record<string, any>;
  const axis = cfg.axis ?? -1;
  const rank = (layer.input as Sym).shape.length;
  if (!(axis === -1 || axis === rank - 1)) throw unsupported(layer, `normalises axis ${axis}; only the channel axis is folded`);
  const eps = cfg.epsilon ?? 1e-3;
  const w = weightsByName(layer);
  const gamma = w.get('gamma')?.data;
  const beta = w.get('beta')?.data;
  const mean = w.get('moving_mean')!.data;
  const variance = w.get('moving_variance')!.data;
  if (mean.length !== channels) throw unsupported(layer, `has ${mean.length} channels; its convolution has ${channels}`);
  const scale = new Float64Array(channels);
  for (let c = 0; c < channels; c++) scale[c] = (gamma ? gamma[c] : 1) / Math.sqrt(variance[c] + eps);
  return { scale, mean: new Float64Array(mean), beta: beta ? new Float64Array(beta) : new Float64Array(channels) };
}

function applyActivation(g: GraphBuilder, layer: AnyLayer, activation: string, input: string, outName: string, rank: number): string {
  switch (activation) {
    case 'linear':
      return input === outName ? input : g.add('Identity', [input], outName);
    case 'sigmoid':
      return g.add('Sigmoid', [input], outName);
    case 'relu':
      return g.add('Relu', [input], outName);
    case 'tanh':
      return g.add('Tanh', [input], outName);
    case 'swish': {
      const s = g.add('Sigmoid', [input], `${outName}_sigmoid`);
      return g.add('Mul', [input, s], outName);
    }
    case 'softmax':
      if (rank !== 2) throw unsupported(layer, 'applies softmax to a feature map; only [N, C] is exported');
      return g.add('Softmax', [input], outName, { axis: -1 });
    default:
      throw unsupported(layer, `uses activation "${activation}", which has no ONNX export`);
  }
}

/**
 * TF conv kernel [p = kh*kw, cin, cout] to ONNX [cout, cin, p], in 32x32 tiles
 * over (cin, cout): a plain loop is cache-hostile on one side and dominates the
 * export time of large variants.
 */
function transposeKernel(src: Float32Array, positions: number, inCh: number, outCh: number): Float32Array {
  const dst = new Float32Array(src.length);
  const T = 32;
  for (let p = 0; p < positions; p++) {
    const srcBase = p * inCh * outCh;
    for (let i0 = 0; i0 < inCh; i0 += T) {
      const i1 = Math.min(inCh, i0 + T);
      for (let o0 = 0; o0 < outCh; o0 += T) {
        const o1 = Math.min(outCh, o0 + T);
        for (let i = i0; i < i1; i++) {
          const row = srcBase + i * outCh;
          for (let o = o0; o < o1; o++) dst[(o * inCh + i) * positions + p] = src[row + o];
        }
      }
    }
  }
  return dst;
}

function flattenNhwc(g: GraphBuilder, name: string, input: string, sym: Sym): Value {
  const [, h, w] = sym.shape as [null, number, number, number];
  if (h === 1 && w === 1) return { name: g.add('Flatten', [input], name, { axis: 1 }), rank: 2 };
  // TF flattens in HWC order: go back to NHWC first.
  const t = g.add('Transpose', [input], `${name}_nhwc`, { perm: [0, 2, 3, 1] });
  return { name: g.add('Flatten', [t], name, { axis: 1 }), rank: 2 };
}
