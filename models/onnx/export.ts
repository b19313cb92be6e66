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
//
// Each layer class has one converter in layers.ts (LAYER_CONVERTERS); exportOnnx walks the
// model's layers through that table and refuses, naming the layer, a class it lacks.
import type * as tf from '@tensorflow/tfjs';
import { asList, GraphBuilder, unsupported, type AnyLayer, type Sym, type Value } from './graph';
import { LAYER_CONVERTERS } from './layers';
import { encodeModel, type OnnxModel } from './proto';

export { samePads } from './graph';

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
  // Layers folded into another's converter (a BatchNormalization into its convolution).
  const folded = new Set<string>();

  const valueOf = (t: Sym): Value => {
    const v = values.get(t.id);
    if (!v) throw new Error(`ONNX export: tensor ${t.name} is used before it is produced`);
    return v;
  };
  const materialise = (t: Sym): string => {
    const v = valueOf(t);
    if (!v.pendingPads) return v.name;
    const [top, left, bottom, right] = v.pendingPads;
    const pads = g.init(g.fresh('pads'), [8], BigInt64Array.from([0, 0, top, left, 0, 0, bottom, right].map(BigInt)));
    return g.add('Pad', [v.name, pads], g.fresh(`${v.name}_padded`), { mode: 'constant' });
  };

  let featuresName: string | undefined;

  // Each layer through its class's converter, in the model's (topological) order.
  for (const layer of model.layers) {
    const cls = layer.getClassName();
    if (cls === 'InputLayer' || folded.has(layer.name)) continue;
    if (Array.isArray(layer.output)) throw unsupported(layer, 'has several outputs');
    const convert = LAYER_CONVERTERS[cls];
    if (!convert) throw unsupported(layer, `has no ONNX export; supported: ${Object.keys(LAYER_CONVERTERS).join(', ')}`);
    const output = layer.output as Sym;
    convert({
      g,
      layer,
      cfg: layer.getConfig() as Record<string, any>,
      inputs: asList(layer.input as Sym | Sym[]),
      output,
      valueOf,
      materialise,
      set: (v) => values.set(output.id, v),
      setValueOf: (t, v) => values.set(t.id, v),
      consumers: (t) => consumers.get(t.id),
      isModelOutput: (t) => modelOutputIds.has(t.id),
      fold: (l) => folded.add(l.name),
      markFeatures: () => (featuresName = layer.name),
    });
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
