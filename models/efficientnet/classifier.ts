// A classifier: EfficientNet backbone (no top) + global average pooling + one dense head.
// Because the head is GAP followed by one dense layer, the class activation map is exact
// from the last feature maps and the dense weights, without gradients: the runner computes
// it (models/inference/runner.ts and cam.ts) on the classifier as a package holds it.
import * as tf from '@tensorflow/tfjs';
import { buildEfficientNet } from './build';
import { embeddingDim, resolveVariant, type VariantName, type VariantSpec } from './variants';

export type HeadKind = 'softmax' | 'sigmoid';

export interface ClassifierOptions {
  variant: VariantName | VariantSpec;
  classes: number;
  /** 'softmax': one class per image (multi-class). 'sigmoid': independent labels (multi-label). */
  head?: HeadKind;
  /** Square input size; defaults to the variant's resolution. */
  inputSize?: number;
  /**
   * EfficientNetV2 only: accept any input size (inputSize stays the nominal one), e.g. for
   * progressive resizing. V1 cannot: its stride-2 padding depends on the size.
   */
  variableSize?: boolean;
  /** false (default): backbone frozen, only the head trains. */
  trainableBackbone?: boolean;
  /** Dropout before the dense head; defaults to the variant's. */
  dropout?: number;
  seed?: number;
  /** Initialisation of the backbone and head, as buildEfficientNet's `init`. */
  init?: 'keras' | 'zeros';
}

/** Layer names of the classifier's head (the backbone keeps Keras' names). */
export const HEAD_LAYERS = { pool: 'avg_pool', dropout: 'top_dropout', logits: 'logits', output: 'predictions' } as const;

export class Classifier {
  /** image -> class probabilities (softmax or sigmoid). One flat graph: backbone layers + head. */
  readonly model: tf.LayersModel;
  /** image -> last feature maps (`top_activation`), sharing the model's layers. */
  readonly backbone: tf.LayersModel;
  /** image -> pooled features (`avg_pool`), size embeddingDim. */
  readonly embedder: tf.LayersModel;
  /**
   * pooled features -> probabilities, sharing the model's dropout/dense layers: trains the
   * head on cached features (e.g. computed by ONNX Runtime) without running the backbone.
   */
  readonly headModel: tf.LayersModel;
  readonly embeddingDim: number;
  readonly classes: number;
  readonly head: HeadKind;
  readonly inputSize: number;
  readonly variableSize: boolean;
  private readonly dense: tf.layers.Layer;
  private disposed = false;

  constructor(opts: ClassifierOptions) {
    const spec = resolveVariant(opts.variant);
    if (!Number.isInteger(opts.classes) || opts.classes < 1) throw new Error(`Classifier: classes must be a positive integer, got ${opts.classes}.`);
    this.classes = opts.classes;
    this.head = opts.head ?? 'softmax';
    this.inputSize = opts.inputSize ?? spec.resolution;
    this.variableSize = opts.variableSize ?? false;
    this.embeddingDim = embeddingDim(spec);

    this.backbone = buildEfficientNet(spec, { includeTop: false, inputSize: this.variableSize ? null : this.inputSize, seed: opts.seed, init: opts.init });
    const input = this.backbone.inputs[0];
    const pool = tf.layers.globalAveragePooling2d({ name: HEAD_LAYERS.pool });
    const dropout = tf.layers.dropout({ name: HEAD_LAYERS.dropout, rate: opts.dropout ?? spec.dropout });
    this.dense = tf.layers.dense({
      name: HEAD_LAYERS.logits,
      units: this.classes,
      kernelInitializer: opts.init === 'zeros' ? 'zeros' : tf.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanOut', distribution: 'uniform', seed: opts.seed }),
    });
    const activation = tf.layers.activation({ name: HEAD_LAYERS.output, activation: this.head });

    const pooled = pool.apply(this.backbone.outputs[0]) as tf.SymbolicTensor;
    const probs = activation.apply(this.dense.apply(dropout.apply(pooled))) as tf.SymbolicTensor;
    this.model = tf.model({ inputs: input, outputs: probs, name: `${this.backbone.name}_classifier` });
    this.embedder = tf.model({ inputs: input, outputs: pooled, name: `${this.backbone.name}_embedder` });

    const features = tf.input({ name: 'pooled_features', shape: [this.embeddingDim] });
    const headOut = activation.apply(this.dense.apply(dropout.apply(features))) as tf.SymbolicTensor;
    this.headModel = tf.model({ inputs: features, outputs: headOut, name: `${this.backbone.name}_head` });

    this.setBackboneTrainable(opts.trainableBackbone ?? false);
  }

  /** Freezes or unfreezes the backbone (recompile the model after changing it). */
  setBackboneTrainable(trainable: boolean): void {
    for (const layer of this.backbone.layers) layer.trainable = trainable;
  }

  get backboneTrainable(): boolean {
    return this.backbone.layers.some((l) => l.trainable && l.getWeights().length > 0);
  }

  /** Class probabilities [N, classes]. */
  predict(images: tf.Tensor4D): tf.Tensor2D {
    this.check(images);
    return this.model.predict(images) as tf.Tensor2D;
  }

  /** Pooled features [N, embeddingDim] (the input of the dense head). */
  embed(images: tf.Tensor4D): tf.Tensor2D {
    this.check(images);
    return this.embedder.predict(images) as tf.Tensor2D;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    // Every layer belongs to `model`; the head's dropout/dense/activation were applied twice
    // (also in headModel), so both containers must let go before their weights are freed.
    this.model.dispose();
    this.headModel.dispose();
  }

  private check(images: tf.Tensor): void {
    if (this.disposed) throw new Error('This classifier has been disposed.');
    const [n, h, w, c] = images.shape;
    if (images.rank !== 4 || c !== 3) throw new Error(`Expected images as [batch, height, width, 3], got [${images.shape.join(', ')}].`);
    if (!this.variableSize && (h !== this.inputSize || w !== this.inputSize)) throw new Error(`This classifier takes ${this.inputSize}x${this.inputSize} images, got ${h}x${w}: resize them first.`);
    if (n < 1) throw new Error('Expected at least one image.');
  }
}

/** Factory for a Classifier (backbone + GAP + dense head). */
export function createClassifier(opts: ClassifierOptions): Classifier {
  return new Classifier(opts);
}
