// The ONNX graph being built, and the helpers every layer converter (layers.ts) shares:
// weights by name, TF 'same' padding, activations, kernel layout and flattening.
import type * as tf from '@tensorflow/tfjs';
import type { OnnxInitializer, OnnxNode } from './proto';

export type Sym = tf.SymbolicTensor;
export type AnyLayer = tf.layers.Layer;

/** What one TF tensor became in the ONNX graph. */
export interface Value {
  name: string;
  /** 4 = NCHW feature map; 2 = [N, C]. */
  rank: number;
  /** Pads not yet applied (from ZeroPadding2D): [top, left, bottom, right] over `name`. */
  pendingPads?: [number, number, number, number];
  /** For [N,C] values made by GlobalAveragePool+Flatten: the [N,C,1,1] tensor before the flatten. */
  pooled4d?: string;
}

export function asList(x: Sym | Sym[]): Sym[] {
  return Array.isArray(x) ? x : [x];
}

export function weightsByName(layer: AnyLayer): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const w of layer.weights) {
    const key = w.originalName.split('/').pop()!;
    out.set(key, { shape: w.shape.map((d) => d as number), data: w.read().dataSync() as Float32Array });
  }
  return out;
}

export function pair(v: number | number[]): [number, number] {
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

export class GraphBuilder {
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

export function unsupported(layer: AnyLayer, why: string): Error {
  return new Error(`ONNX export: layer "${layer.name}" (${layer.getClassName()}) ${why}`);
}

export function bnParams(layer: AnyLayer, channels: number): { scale: Float64Array; mean: Float64Array; beta: Float64Array } {
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

export function applyActivation(g: GraphBuilder, layer: AnyLayer, activation: string, input: string, outName: string, rank: number): string {
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
export function transposeKernel(src: Float32Array, positions: number, inCh: number, outCh: number): Float32Array {
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

export function flattenNhwc(g: GraphBuilder, name: string, input: string, sym: Sym): Value {
  const [, h, w] = sym.shape as [null, number, number, number];
  if (h === 1 && w === 1) return { name: g.add('Flatten', [input], name, { axis: 1 }), rank: 2 };
  // TF flattens in HWC order: go back to NHWC first.
  const t = g.add('Transpose', [input], `${name}_nhwc`, { perm: [0, 2, 3, 1] });
  return { name: g.add('Flatten', [t], name, { axis: 1 }), rank: 2 };
}
