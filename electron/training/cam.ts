// Class activation map for one image with a model package, for the viewer's heatmap.
// EfficientNet's head is global average pooling + one dense layer, so the map is exact
// without gradients: M_k(x, y) = sum_c w[c, k] * A_c(x, y) over the last feature maps.
import * as tf from '@tensorflow/tfjs';
import { loadPackage } from '../../models/package';
import { loadModelInput } from '../dicom/model-input';

export interface CamResult {
  classIndex: number;
  className: string;
  scores: number[];
  /** The map at model input resolution (size x size, row-major), in logit units. */
  size: number;
  data: number[];
  min: number;
  max: number;
  /**
   * Where the image sits in the model input (it is letterboxed): the map's region
   * [x0, y0, x0 + width, y0 + height) covers the whole image.
   */
  imageRegion: { x0: number; y0: number; width: number; height: number };
}

export async function camForImage(opts: { packageDir: string; path: string; frame?: number; classIndex?: number; rows: number; columns: number }): Promise<CamResult> {
  const pkg = await loadPackage(opts.packageDir, { loadModel: true });
  const model = pkg.model!;
  const meta = pkg.metadata;
  try {
    const size = meta.inputSize;
    const input = await loadModelInput({ path: opts.path, frame: opts.frame ?? 0 }, meta.preprocessing, size);
    const features = model.getLayer('top_activation').output as tf.SymbolicTensor;
    const dense = model.layers.find((l) => l.name === 'predictions' || l.name === 'logits');
    if (!dense) throw new Error(`Model package ${opts.packageDir} has no dense head (predictions/logits layer): it cannot give a class activation map.`);
    const probe = tf.model({ inputs: model.inputs, outputs: [features, model.outputs[0]] });
    const [maps, probs] = tf.tidy(() => probe.predict(tf.tensor4d(input, [1, size, size, 3])) as tf.Tensor[]);
    const scores = Array.from(await probs.data());
    const k = opts.classIndex ?? scores.indexOf(Math.max(...scores));
    if (!Number.isInteger(k) || k < 0 || k >= scores.length) throw new Error(`Class index ${k} is out of range 0..${scores.length - 1}.`);
    const cam = tf.tidy(() => {
      const kernel = dense.getWeights()[0] as tf.Tensor2D;
      const w = tf.reshape(tf.slice(kernel, [0, k], [-1, 1]), [1, 1, 1, -1]);
      const m = tf.sum(tf.mul(maps, w), 3, true) as tf.Tensor4D;
      return tf.squeeze(tf.image.resizeBilinear(m, [size, size], false, true));
    });
    const data = Array.from(await cam.data());
    tf.dispose([maps, probs, cam]);
    const scale = size / Math.max(opts.rows, opts.columns);
    const width = Math.max(1, Math.round(opts.columns * scale));
    const height = Math.max(1, Math.round(opts.rows * scale));
    return {
      classIndex: k,
      className: meta.classNames[k],
      scores,
      size,
      data,
      min: Math.min(...data),
      max: Math.max(...data),
      imageRegion: { x0: Math.floor((size - width) / 2), y0: Math.floor((size - height) / 2), width, height },
    };
  } finally {
    model.dispose();
  }
}
