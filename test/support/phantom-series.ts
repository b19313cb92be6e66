// A phantom CT series with a bright round lesion in some slices, written with
// electron/dicom's writer, and a tiny classifier package trained on the same
// kind of images through the models library. For the workspace tests.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ctSlice } from './dicom/phantom';
import { applyWindow, modelInput } from '../../electron/dicom/pixels';
import { writeImage } from './dicom/write';
import { ctImageSpec } from './dicom/ct-image';
import { buildEfficientNet, copyWeights, createClassifier, customVariant, HEAD_LAYERS } from '../../models';
import { savePackage, type PackageMetadata } from '../../models/package';
import { initBackend } from '../../models/runtime';

export const PHANTOM_SIZE = 128;
export const LESION_HU = 400;
export const LESION_RADIUS = 9;
/** Where the lesion sits in the written series (column, row). */
export const SERIES_LESION = { x: 44, y: 52 };

export function addLesion(slice: Int16Array, size: number, cx: number, cy: number, r = LESION_RADIUS): void {
  for (let y = Math.max(0, cy - r); y <= Math.min(size - 1, cy + r); y++) {
    for (let x = Math.max(0, cx - r); x <= Math.min(size - 1, cx + r); x++) {
      if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) slice[y * size + x] = LESION_HU;
    }
  }
}

export interface PhantomSeries {
  dir: string;
  slices: number;
  /** Slice indices (0-based, in instance-number order) that hold the lesion. */
  lesionSlices: number[];
  studyUid: string;
  seriesUid: string;
}

/** Writes `slices` 128x128 CT slices (HU, 16-bit signed) with the lesion in the middle third. */
export function writePhantomSeries(dir: string, slices = 12): PhantomSeries {
  mkdirSync(dir, { recursive: true });
  const base = '1.2.826.0.1.3680043.10.99.5';
  const studyUid = `${base}.1`;
  const seriesUid = `${base}.2`;
  const lesionSlices: number[] = [];
  for (let i = 0; i < slices; i++) {
    const px = ctSlice(PHANTOM_SIZE, PHANTOM_SIZE, 100 + i, 15);
    if (i >= Math.floor(slices / 3) && i < Math.ceil((2 * slices) / 3)) {
      addLesion(px, PHANTOM_SIZE, SERIES_LESION.x, SERIES_LESION.y);
      lesionSlices.push(i);
    }
    const extra = {
      0x00080018: { vr: 'UI', value: `${base}.3.${i + 1}` },
      0x0020000d: { vr: 'UI', value: studyUid },
      0x0020000e: { vr: 'UI', value: seriesUid },
      0x00200013: { vr: 'IS', value: i + 1 },
      0x00200011: { vr: 'IS', value: 3 },
      0x0008103e: { vr: 'LO', value: 'Phantom abdomen 5mm' },
      0x00081030: { vr: 'LO', value: 'CT abdomen phantom' },
      0x00280030: { vr: 'DS', value: [0.7, 0.7] },
      0x00180050: { vr: 'DS', value: 5 },
      0x00201041: { vr: 'DS', value: i * 5 },
      0x00200032: { vr: 'DS', value: [-45, -45, i * 5] },
      0x00200037: { vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
    };
    writeImage(path.join(dir, `slice${String(i + 1).padStart(3, '0')}.dcm`), ctImageSpec(PHANTOM_SIZE, px, extra, { uid: base }));
  }
  return { dir, slices, lesionSlices, studyUid, seriesUid };
}

export const TINY_INPUT = 128;
export const TINY_PREPROCESSING = { window: { center: 40, width: 400 }, scale: 1 / 255, mean: [0.5, 0.5, 0.5] as [number, number, number], std: [0.25, 0.25, 0.25] as [number, number, number] };

/**
 * Trains a tiny EfficientNet (compound scaling phi = -6) to tell slices with a
 * lesion from slices without: frozen random backbone, the dense head trained on
 * its pooled features (as the app's transfer learning does), and saves it as a package.
 */
export async function trainTinyPackage(dir: string, samples = 48): Promise<PackageMetadata> {
  // wasm runs the backbone about 15x faster than the cpu backend and can train a dense head.
  await initBackend('wasm');
  const variant = customVariant({ phi: -6 });
  const classifier = createClassifier({ variant, classes: 2, inputSize: TINY_INPUT, seed: 7, dropout: 0 });
  try {
    const xs: Float32Array[] = [];
    const lesions: ({ x: number; y: number } | null)[] = [];
    for (let i = 0; i < samples; i++) {
      const px = ctSlice(PHANTOM_SIZE, PHANTOM_SIZE, 1000 + i, 15);
      const lesion = i % 2 === 1;
      const at = lesion ? { x: 20 + ((i * 37) % 88), y: 28 + ((i * 53) % 72) } : null;
      if (at) addLesion(px, PHANTOM_SIZE, at.x, at.y);
      lesions.push(at);
      const data = applyWindow(Float32Array.from(px), TINY_PREPROCESSING.window.center, TINY_PREPROCESSING.window.width, false);
      xs.push(modelInput({ rows: PHANTOM_SIZE, columns: PHANTOM_SIZE, channels: 1, data }, TINY_INPUT, TINY_PREPROCESSING));
    }
    const x = tf.tensor4d(Float32Array.from(xs.flatMap((a) => Array.from(a))), [samples, TINY_INPUT, TINY_INPUT, 3]);
    // The head is trained on the last feature maps cell by cell (is the lesion in this cell?),
    // not on the pooled features only: with a random backbone, a head fitted to pooled features
    // separates the classes but its activation map follows the body's outline. A dense layer
    // applied to each cell is the same dense layer after global average pooling, so the trained
    // weights go into the classifier's head as they are; the image-level bias is then set
    // between the classes' mean cell scores.
    const maps = classifier.backbone.predict(x) as tf.Tensor4D;
    const [, fh, fw, channels] = maps.shape;
    const cells = tf.reshape(maps, [samples * fh * fw, channels]);
    const cellLabels: number[] = [];
    for (let i = 0; i < samples; i++) {
      for (let cy = 0; cy < fh; cy++) {
        for (let cx = 0; cx < fw; cx++) {
          const l = lesions[i];
          cellLabels.push(l && Math.floor((l.y / PHANTOM_SIZE) * fh) === cy && Math.floor((l.x / PHANTOM_SIZE) * fw) === cx ? 1 : 0);
        }
      }
    }
    const mean = tf.mean(cells, 0);
    const centred = tf.sub(cells, mean);
    const s = tf.add(tf.sqrt(tf.mean(tf.square(centred))), 1e-8);
    const z = tf.div(centred, s);
    const positives = cellLabels.flatMap((v, i) => (v ? [i] : []));
    const y = tf.tensor2d(cellLabels, [cellLabels.length, 1]);
    const cellHead = tf.sequential({ layers: [tf.layers.dense({ inputShape: [channels], units: 1, activation: 'sigmoid', kernelInitializer: 'zeros' })] });
    cellHead.compile({ optimizer: tf.train.adam(0.01), loss: 'binaryCrossentropy' });
    await cellHead.fit(z, y, { epochs: 80, batchSize: cellLabels.length, verbose: 0, classWeight: { 0: 1, 1: (cellLabels.length - positives.length) / positives.length } });
    const [w, b] = cellHead.getWeights() as [tf.Tensor2D, tf.Tensor1D];
    const folded = tf.div(w, s); // [channels, 1]: cell score = folded . A + b0
    const b0 = tf.sub(b, tf.sum(tf.mul(tf.squeeze(folded), mean)));
    // Image score = mean over cells; put the decision bias halfway between the classes.
    const imageScores = Array.from(tf.tidy(() => tf.mean(tf.reshape(tf.add(tf.matMul(cells, folded), b0), [samples, fh * fw]), 1)).dataSync());
    const pos = imageScores.filter((_, i) => lesions[i]);
    const neg = imageScores.filter((_, i) => !lesions[i]);
    const gap = Math.min(...pos) - Math.max(...neg);
    const threshold = (Math.min(...pos) + Math.max(...neg)) / 2;
    const k = gap > 0 ? 10 / gap : 1;
    const accuracy = imageScores.filter((v, i) => (v > threshold) === !!lesions[i]).length / samples;
    const kernel = tf.concat([tf.zerosLike(folded), tf.mul(folded, k)], 1);
    const bias = tf.concat([tf.zeros([1]), tf.reshape(tf.mul(tf.sub(b0, threshold), k), [1])]);
    classifier.model.getLayer(HEAD_LAYERS.logits).setWeights([kernel, bias]);
    tf.dispose([x, maps, cells, mean, centred, s, z, y, folded, b0, kernel, bias]);
    cellHead.dispose();
    // Classifier.model shares its head layers with headModel, which the ONNX exporter
    // refuses (several inbound nodes); save a standalone copy with the same layer names.
    const backbone = buildEfficientNet(variant, { includeTop: false, inputSize: TINY_INPUT, init: 'zeros' });
    const pooled = tf.layers.globalAveragePooling2d({ name: HEAD_LAYERS.pool }).apply(backbone.outputs[0]);
    const logits = tf.layers.dense({ name: HEAD_LAYERS.logits, units: 2 }).apply(pooled);
    const probs = tf.layers.activation({ name: HEAD_LAYERS.output, activation: 'softmax' }).apply(logits) as tf.SymbolicTensor;
    const standalone = tf.model({ inputs: backbone.inputs[0], outputs: probs });
    copyWeights(classifier.model, standalone);
    return await savePackage(dir, standalone, {
      name: 'Phantom lesion detector',
      variant: variant.name,
      inputSize: TINY_INPUT,
      preprocessing: TINY_PREPROCESSING,
      classNames: ['no lesion', 'lesion'],
      task: 'multiclass',
      metrics: { trainAccuracy: accuracy },
      provenance: { training: { samples, epochs: 80, note: 'test fixture: frozen random backbone, dense head trained per feature-map cell' } },
    });
  } finally {
    classifier.dispose();
  }
}
