// Prediction with a model package on library images: the core that `lumen predict` and the
// UI both use. Runs the package's ONNX export on ONNX Runtime (the fastest CPU runtime),
// feeds it through the one pixel pipeline, and stores the scores in the library's
// predictions table under the package's content hash.
import { loadPackage, type PackageMetadata } from '../../models/package';
import { nhwcToNchw, OnnxModelSession } from '../../models/inference';
import type { Library } from '../library/library';
import { loadModelInputs, type ImageRef } from '../dicom/model-input';
import { TrainingStore } from './store';

export interface ImagePrediction {
  sopInstanceUid: string;
  frame: number;
  seriesInstanceUid: string;
  scores: number[];
}

export interface SeriesPrediction {
  seriesUid: string;
  /** Per class: mean over the series' images. */
  mean: number[];
  /** Per class: max over the series' images. */
  max: number[];
  images: number;
}

export interface PredictionResult {
  model: { hash: string; classNames: string[]; name: string; variant: string; inputSize: number };
  images: ImagePrediction[];
  series: SeriesPrediction[];
}

export interface PredictProgress {
  done: number;
  total: number;
}

export interface PredictSeriesOptions {
  library: Library;
  packageDir: string;
  /** One series; omitted: every series in the library. */
  seriesUid?: string;
  onProgress?: (p: PredictProgress) => void;
  signal?: AbortSignal;
  batchSize?: number;
  /** Store the scores in the predictions table (default true). */
  store?: boolean;
}

/** Scores images with an open session; the shared loop of predict, eval and training's test pass. */
export async function scoreImages(
  session: OnnxModelSession,
  metadata: Pick<PackageMetadata, 'preprocessing' | 'inputSize'>,
  images: Pick<ImageRef, 'path' | 'frame'>[],
  opts: { batchSize?: number; signal?: AbortSignal; onProgress?: (p: PredictProgress) => void } = {},
): Promise<number[][]> {
  const size = metadata.inputSize;
  const per = size * size * 3;
  const batchSize = opts.batchSize ?? 16;
  const out: number[][] = [];
  for (let start = 0; start < images.length; start += batchSize) {
    if (opts.signal?.aborted) throw new Error('Cancelled');
    const chunk = images.slice(start, start + batchSize);
    const nhwc = new Float32Array(chunk.length * per);
    const inputs = await loadModelInputs(chunk, metadata.preprocessing, size);
    for (let i = 0; i < chunk.length; i++) nhwc.set(inputs[i], i * per);
    const { probabilities } = await session.run(nhwcToNchw(nhwc, chunk.length, size, size, 3), chunk.length);
    if (!probabilities) throw new Error('The package\'s ONNX model has no "probabilities" output: it is a feature extractor, not a classifier.');
    const k = probabilities.length / chunk.length;
    for (let i = 0; i < chunk.length; i++) out.push(Array.from(probabilities.subarray(i * k, (i + 1) * k)));
    opts.onProgress?.({ done: Math.min(images.length, start + chunk.length), total: images.length });
  }
  return out;
}

/** Mean and max per class over a series' image scores. */
export function aggregateSeries(images: ImagePrediction[]): SeriesPrediction[] {
  const groups = new Map<string, number[][]>();
  for (const im of images) {
    const list = groups.get(im.seriesInstanceUid) ?? [];
    list.push(im.scores);
    groups.set(im.seriesInstanceUid, list);
  }
  return [...groups].map(([seriesUid, scores]) => {
    const k = scores[0].length;
    const mean = new Array<number>(k).fill(0);
    const max = new Array<number>(k).fill(-Infinity);
    for (const s of scores) {
      for (let c = 0; c < k; c++) {
        mean[c] += s[c] / scores.length;
        max[c] = Math.max(max[c], s[c]);
      }
    }
    return { seriesUid, mean, max, images: scores.length };
  });
}

/** Predicts every image of a series (or of the library) and stores the scores. */
export async function predictSeries(opts: PredictSeriesOptions): Promise<PredictionResult> {
  const pkg = await loadPackage(opts.packageDir);
  const meta = pkg.metadata;
  const store = new TrainingStore(opts.library);
  try {
    if (opts.seriesUid && !opts.library.getSeries(opts.seriesUid)) {
      throw new Error(`No series ${opts.seriesUid} in the library ${opts.library.dir}. Import it first, or check the UID.`);
    }
    const refs = store.images(opts.seriesUid);
    const session = await OnnxModelSession.create(pkg.onnxPath);
    let scores: number[][];
    try {
      scores = await scoreImages(session, meta, refs, { batchSize: opts.batchSize, signal: opts.signal, onProgress: opts.onProgress });
    } finally {
      await session.release();
    }
    const images: ImagePrediction[] = refs.map((r, i) => ({ sopInstanceUid: r.sopInstanceUid, frame: r.frame, seriesInstanceUid: r.seriesInstanceUid, scores: scores[i] }));
    const series = aggregateSeries(images);
    opts.library.audit('predict', { packageHash: meta.contentHash, variant: meta.variant, runtime: `onnxruntime ${session.provider}`, touched: { series: series.map((s) => s.seriesUid), images: images.length } });
    if (opts.store !== false) {
      store.registerModel(meta.contentHash, pkg.dir, meta);
      store.savePredictions(meta.contentHash, [
        ...images.map((im) => ({
          targetKind: 'image' as const,
          targetUid: im.frame === 0 ? im.sopInstanceUid : `${im.sopInstanceUid}#${im.frame}`,
          scores: { frame: im.frame, seriesInstanceUid: im.seriesInstanceUid, scores: im.scores, classNames: meta.classNames },
        })),
        ...series.map((s) => ({ targetKind: 'series' as const, targetUid: s.seriesUid, scores: { mean: s.mean, max: s.max, images: s.images, classNames: meta.classNames } })),
      ]);
    }
    return {
      model: { hash: meta.contentHash, classNames: meta.classNames, name: meta.name, variant: meta.variant, inputSize: meta.inputSize },
      images,
      series,
    };
  } finally {
    store.close();
  }
}
