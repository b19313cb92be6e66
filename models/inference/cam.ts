// The class activation map of a classifier whose top is global average pooling and one
// dense layer (every EfficientNet Lumen builds, trains or imports): the map is exact without
// gradients, M_k(x, y) = sum_c w[c, k] * A_c(x, y) over the last feature maps A, and the mean
// of M_k plus the bias b_k is the logit of class k.
//
// The head is found from the graph itself, not from layer names: Lumen's packages carry
// Keras' top (a "predictions" dense layer with its softmax) and its Classifier a "logits"
// dense layer followed by an activation; both are "the dense layer the pooling feeds".
import type * as tf from '@tensorflow/tfjs';

export interface CamHead {
  /** [channels, classes] row-major: the dense kernel applied to the pooled features. */
  kernel: Float32Array;
  /** [classes] */
  bias: Float32Array;
  channels: number;
  classes: number;
}

/** The dense layer's output is the model's, or only an activation (softmax, sigmoid) lies between. */
function endsTheModel(model: tf.LayersModel, dense: tf.layers.Layer): boolean {
  let at = dense.output as tf.SymbolicTensor;
  for (;;) {
    if (model.outputs.includes(at)) return true;
    const next = model.layers.filter((l) => ([] as tf.SymbolicTensor[]).concat(l.input as tf.SymbolicTensor | tf.SymbolicTensor[]).includes(at));
    if (next.length !== 1 || !['Activation', 'Softmax'].includes(next[0].getClassName())) return false;
    at = next[0].output as tf.SymbolicTensor;
  }
}

/** Layers between the pooling and the dense layer that change nothing at inference. */
const PASS_THROUGH = new Set(['Dropout', 'Flatten']);

/** The dense head over the model's last global average pooling, or an error that says what the graph has instead. */
export function camHead(model: tf.LayersModel, what = 'The model'): CamHead {
  const pools = model.layers.filter((l) => l.getClassName() === 'GlobalAveragePooling2D' && !(l.getConfig() as { keepDims?: boolean }).keepDims);
  const pool = pools[pools.length - 1];
  if (!pool) throw new Error(`${what} has no global average pooling over its last feature maps, so no class activation map can be computed.`);
  let at = pool.output as tf.SymbolicTensor;
  for (;;) {
    const next = model.layers.filter((l) => ([] as tf.SymbolicTensor[]).concat(l.input as tf.SymbolicTensor | tf.SymbolicTensor[]).includes(at));
    if (next.length !== 1) break;
    const layer = next[0];
    if (PASS_THROUGH.has(layer.getClassName())) {
      at = layer.output as tf.SymbolicTensor;
      continue;
    }
    if (layer.getClassName() !== 'Dense' || !endsTheModel(model, layer)) break;
    const [kernel, bias] = layer.getWeights();
    const [channels, classes] = kernel.shape as [number, number];
    return {
      kernel: Float32Array.from(kernel.dataSync() as Float32Array),
      bias: bias ? Float32Array.from(bias.dataSync() as Float32Array) : new Float32Array(classes),
      channels,
      classes,
    };
  }
  throw new Error(`${what} does not end in global average pooling and one dense layer (after "${pool.name}"), so no class activation map can be computed from it.`);
}

/**
 * Class k's map over one image's feature maps, laid out [C, h, w] (ONNX's NCHW for one
 * image), as [h * w] row-major.
 */
export function classActivationMap(head: CamHead, maps: Float32Array, height: number, width: number, k: number): Float32Array {
  const plane = height * width;
  if (maps.length !== head.channels * plane) throw new Error(`Class activation map: ${maps.length} feature values for ${head.channels} channels of ${height}x${width}.`);
  const out = new Float32Array(plane);
  for (let c = 0; c < head.channels; c++) {
    const w = head.kernel[c * head.classes + k];
    if (w === 0) continue;
    const base = c * plane;
    for (let p = 0; p < plane; p++) out[p] += w * maps[base + p];
  }
  return out;
}
