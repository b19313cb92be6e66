import type * as tf from '@tensorflow/tfjs';

/**
 * Multiply-adds per image, counted from the built graph's layers and shapes:
 * - Conv2D: kh x kw x cin x cout x Hout x Wout (the SE reduce/expand convs run at 1x1, so they
 *   count cin x cout each);
 * - DepthwiseConv2D: kh x kw x channels x multiplier x Hout x Wout;
 * - Dense: in x out.
 * Not counted (the convention of the EfficientNet paper's FLOPs figures): BatchNorm (folds
 * into the preceding conv at inference), activations, pooling, the elementwise SE multiply
 * and residual adds, and biases. Nested models are walked recursively.
 * The model must have fixed spatial dimensions (not built with inputSize null).
 */
export function countMacs(model: tf.LayersModel): number {
  let total = 0;
  for (const layer of model.layers) {
    const className = layer.getClassName();
    if ('layers' in layer && Array.isArray((layer as unknown as tf.LayersModel).layers)) {
      total += countMacs(layer as unknown as tf.LayersModel);
      continue;
    }
    if (className !== 'Conv2D' && className !== 'DepthwiseConv2D' && className !== 'Dense') continue;
    const kernel = layer.weights[0]?.shape;
    if (!kernel) throw new Error(`countMacs: layer "${layer.name}" has no kernel.`);
    const kernelSize = kernel.reduce((a: number, b) => a * (b ?? 0), 1);
    if (className === 'Dense') {
      total += kernelSize;
      continue;
    }
    const out = layer.outputShape as (number | null)[];
    const [, h, w] = out;
    if (h == null || w == null) {
      throw new Error(`countMacs: layer "${layer.name}" has no fixed output size; build the model with a fixed inputSize to count its multiply-adds.`);
    }
    total += kernelSize * h * w;
  }
  return total;
}

/** Total weights (trainable and not, BatchNorm moving statistics included), as Keras counts them. */
export function countParams(model: tf.LayersModel): number {
  return model.countParams();
}
