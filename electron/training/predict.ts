// The one prediction module: the app's Run (electron/engine/handlers/models.ts), `lumen
// predict`, `lumen eval` (evaluate.ts) and the training panel's predictions all score images
// here. Model inputs come from the one pixel pipeline on the decode pool, in batches, with
// batch n+1 decoding while batch n runs (models/inference/pipeline.ts); the model runs on
// the one runner (models/inference/runner.ts: ONNX Runtime where available, else TF.js);
// the scores go into the one prediction store (electron/library/predictions.ts), keyed by
// image and frame; progress per batch, cancel between batches.
import type { ImageScores, PredictionResult } from '../../common/contract/models';
import { CancelledError } from '../../common/cancel';
import { createRunner, type ImageActivations, type ModelRunner } from '../../models/inference/runner';
import { PipelineCancelled, runPipelined, type PipelineTimings } from '../../models/inference/pipeline';
import { loadPackage, type LoadedPackage, type Preprocessing } from '../../models/package';
import { readEnsemble } from '../../models/package/uncertainty';
import { ensembleUncertainty, type EnsembleHeads } from '../../models/training/ensemble';
import { readDomainDensity } from '../../models/package/domain';
import { featureDistances, type FeatureDensity } from '../../models/training/ood';
import { domainVerdicts } from './domain';
import type { Library } from '../library/library';
import { PredictionStore, summarizeBySeries } from '../library/predictions';
import { loadModelInputs, type ImageRef } from '../dicom/model-input';
import { startDecodePool } from '../dicom/pool';
import { predictSeriesWithHead } from './mil';
import { changedFilesMessage, changedSinceImport } from './changed-files';
import { TrainingStore } from './store';

export type { PredictionResult } from '../../common/contract/models';

export interface PredictProgress {
  done: number;
  total: number;
}

/** The pipeline's stages plus what surrounds them, in milliseconds of wall time. */
export interface PredictTimings extends PipelineTimings {
  /** Loading the package and creating the runtime's session. */
  openMs: number;
  /** Writing the scores into the library. */
  storeMs: number;
}

/** One image as a batch gives it back: its scores, its uncertainty (null without heads), its feature distance (null without a density) and, when asked, its maps. */
interface Scored {
  scores: number[];
  uncertainty: number | null;
  distance?: number | null;
  features?: Float32Array;
  activations?: ImageActivations;
}

export interface PredictImagesOptions {
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: PredictProgress) => void;
  timings?: PipelineTimings;
  /** Also each image's class activation maps (the runner must have been opened with them). */
  activations?: boolean;
  /** The package's uncertainty heads: each image's uncertainty from the same pass (the runner must have been opened with features). */
  ensemble?: EnsembleHeads | null;
  /** The package's training-domain density: each image's feature distance from the same pass (the runner must have been opened with features). */
  density?: FeatureDensity | null;
  /** Also each image's pooled features (the runner must have been opened with features): training fits its domain check on them. */
  features?: boolean;
  /** Stopped by `signal`: return what the batches before the stop gave (the first images, `cancelled: true`) instead of throwing. */
  keepScoredOnCancel?: boolean;
}

/**
 * Scores images with an open runner, in batches: the shared loop of the app's Run, predict,
 * eval. Returns scores in the images' order (and their activation maps when asked).
 */
export async function predictImages(
  runner: ModelRunner,
  preprocessing: Preprocessing,
  images: Pick<ImageRef, 'path' | 'frame'>[],
  opts: PredictImagesOptions = {},
): Promise<{ scores: number[][]; activations?: ImageActivations[]; uncertainty: (number | null)[]; distances: (number | null)[]; features?: Float32Array[]; cancelled?: true }> {
  const size = runner.inputSize;
  const per = size * size * 3;
  const batchSize = Math.max(1, opts.batchSize ?? 16);
  const scores: number[][] = [];
  const activations: ImageActivations[] = [];
  const uncertainty: (number | null)[] = [];
  const distances: (number | null)[] = [];
  const pooled: Float32Array[] = [];
  const ensemble = opts.ensemble ?? null;
  const density = opts.density ?? null;
  // The pooled features of a batch, [n][dim], checked against what heads and density take.
  const checkDim = (dim: number) => {
    if (ensemble && dim !== ensemble.features) throw new Error(`The model gave ${dim} pooled features per image; its uncertainty heads take ${ensemble.features}.`);
    if (density && dim !== density.features) throw new Error(`The model gave ${dim} pooled features per image; its training-domain check takes ${density.features}.`);
  };
  const fromFeatures = (features: Float32Array, n: number) => ({
    u: ensemble ? ensembleUncertainty(ensemble, features, n) : new Array<number | null>(n).fill(null),
    dist: density ? featureDistances(density, features, n) : new Array<number | null>(n).fill(null),
  });
  const chunk = (i: number) => images.slice(i * batchSize, (i + 1) * batchSize);
  let batchBuffer: Float32Array | undefined;
  let cancelled = false;
  const run = runPipelined({
    batches: Math.ceil(images.length / batchSize),
    signal: opts.signal,
    timings: opts.timings,
    load: (i) => loadModelInputs(chunk(i), preprocessing, size),
    infer: async (_i, inputs) => {
      const n = inputs.length;
      // One batch buffer for the whole run: a fresh 10 MB array per batch cost about 1 ms per
      // image in page faults (the runtime is done with the buffer when its run resolves).
      batchBuffer ??= new Float32Array(Math.min(batchSize, images.length) * per);
      const batch = n * per === batchBuffer.length ? batchBuffer : batchBuffer.subarray(0, n * per);
      for (let k = 0; k < n; k++) batch.set(inputs[k], k * per);
      if (opts.activations) {
        const a = await runner.activations(batch, n);
        if (!ensemble && !density) return a.map((x): Scored => ({ scores: x.scores, uncertainty: null, activations: x }));
        const dim = a[0]?.features?.length ?? 0;
        checkDim(dim);
        const features = new Float32Array(n * dim);
        a.forEach((x, k) => {
          if (x.features?.length !== dim) throw new Error(`The model gave ${x.features?.length ?? 'no'} pooled features for an image of the batch; the others had ${dim}.`);
          features.set(x.features, k * dim);
        });
        const { u, dist } = fromFeatures(features, n);
        return a.map((x, k): Scored => ({ scores: x.scores, uncertainty: u[k], distance: dist[k], activations: x }));
      }
      if (!ensemble && !density && !opts.features) return (await runner.scores(batch, n)).map((s): Scored => ({ scores: s, uncertainty: null }));
      const f = await runner.features(batch, n);
      checkDim(f.dim);
      const { u, dist } = fromFeatures(f.features, n);
      return f.scores.map((s, k): Scored => ({ scores: s, uncertainty: u[k], distance: dist[k], ...(opts.features ? { features: f.features.slice(k * f.dim, (k + 1) * f.dim) } : {}) }));
    },
    deliver: (i, out) => {
      for (const o of out) {
        scores.push(o.scores);
        uncertainty.push(o.uncertainty);
        distances.push(o.distance ?? null);
        if (o.features) pooled.push(o.features);
        if (o.activations) activations.push(o.activations);
      }
      opts.onProgress?.({ done: Math.min(images.length, (i + 1) * batchSize), total: images.length });
    },
  });
  try {
    await run;
  } catch (err) {
    if (!(opts.keepScoredOnCancel && err instanceof PipelineCancelled)) throw err;
    cancelled = true;
  }
  return { scores, uncertainty, distances, ...(opts.activations ? { activations } : {}), ...(opts.features ? { features: pooled } : {}), ...(cancelled ? { cancelled: true as const } : {}) };
}

export interface PredictOptions extends Omit<PredictImagesOptions, 'timings'> {
  library: Library;
  runner: ModelRunner;
  pkg: Pick<LoadedPackage, 'dir' | 'metadata'>;
  /** The images (frames) to score, each with its series. */
  images: ImageRef[];
  /** Store the scores in the library (default true). */
  store?: boolean;
  /** 'image', 'series' or 'study' (the app's scopes); a study run also records the study. */
  scope?: string;
  studyInstanceUid?: string | null;
  /** Called with each image's activation maps as its batch ends (with `activations`). */
  onActivations?: (image: ImageRef, activations: ImageActivations) => void;
  timings?: PredictTimings;
}

/**
 * A run stopped by its signal with `keepScoredOnCancel`: `kept` holds the series whose every image
 * was scored before the stop, stored and audited as a finished run stores them (on a read-only
 * library `stored: false`); `series` is how many series the run had to score.
 */
export class PredictionCancelled extends CancelledError {
  constructor(
    readonly kept: PredictionResult,
    readonly series: number,
    readonly images: number,
  ) {
    super();
    this.name = 'PredictionCancelled';
  }
}

/** The indices of the first `scored` images whose series had all their images among them. */
function wholeSeries(images: readonly Pick<ImageRef, 'seriesInstanceUid'>[], scored: number): number[] {
  const left = new Map<string, number>();
  images.forEach((im, i) => {
    if (i >= scored) left.set(im.seriesInstanceUid, (left.get(im.seriesInstanceUid) ?? 0) + 1);
  });
  const kept: number[] = [];
  for (let i = 0; i < scored; i++) if (!left.has(images[i].seriesInstanceUid)) kept.push(i);
  return kept;
}

/**
 * Scores images with an open runner, stores them, audits the run: one prediction (on a read-only
 * library neither: `stored: false`). With `keepScoredOnCancel`, a run stopped by its signal stores
 * the series it scored whole and throws PredictionCancelled with them.
 */
export async function predict(opts: PredictOptions): Promise<PredictionResult> {
  const meta = opts.pkg.metadata;
  const changed = changedSinceImport(opts.library, opts.images);
  if (changed.length) throw new Error(changedFilesMessage(changed));
  // The heads are read from the package folder, whose content hash loadPackage checked.
  const ensemble = readEnsemble(opts.pkg.dir, meta);
  // So is the training-domain density (a package without a domain record: every image's domain is null, "unknown").
  const density = readDomainDensity(opts.pkg.dir, meta);
  const scored = await predictImages(opts.runner, meta.preprocessing, opts.images, { ...opts, ensemble, density });
  // Stopped part-way: only the series scored whole are kept, each with every row a finished run gives it.
  const kept = scored.cancelled ? wholeSeries(opts.images, scored.scores.length) : null;
  const refs = kept ? kept.map((i) => opts.images[i]) : opts.images;
  const pick = <T>(a: T[]): T[] => (kept ? kept.map((i) => a[i]) : a);
  const [scores, uncertainty, distances] = [pick(scored.scores), pick(scored.uncertainty), pick(scored.distances)];
  const activations = scored.activations && pick(scored.activations);
  if (activations && opts.onActivations) refs.forEach((im, i) => opts.onActivations!(im, activations[i]));
  const verdicts = meta.domain ? domainVerdicts(meta.domain, refs, density ? distances : null) : null;
  const images: ImageScores[] = refs.map((r, i) => ({ seriesInstanceUid: r.seriesInstanceUid, sopInstanceUid: r.sopInstanceUid, frame: r.frame, scores: scores[i], uncertainty: uncertainty[i], domain: verdicts?.[i] ?? null }));
  const stopped = (r: PredictionResult) => new PredictionCancelled(r, new Set(opts.images.map((im) => im.seriesInstanceUid)).size, opts.images.length);
  const result: PredictionResult = {
    modelHash: meta.contentHash,
    modelName: meta.name,
    classNames: meta.classNames,
    images,
    series: summarizeBySeries(images),
    createdAt: new Date().toISOString(),
    uncertaintyHigh: meta.ensemble?.validation.p95 ?? null,
    trainingDomain: meta.domain ? 'recorded' : 'unknown',
    ...(meta.seriesHead ? { seriesHead: true } : {}),
  };
  // A library on a read-only disk keeps nothing: the scores are returned, marked not stored.
  if (opts.library.readOnlyReason) {
    if (kept) throw stopped({ ...result, stored: false });
    return { ...result, stored: false };
  }
  // Nothing scored whole: nothing to store or audit.
  if (kept && images.length === 0) throw stopped(result);
  opts.library.audit('predict', {
    packageHash: meta.contentHash,
    variant: meta.variant,
    runtime: opts.runner.label,
    touched: { series: result.series.map((s) => s.seriesInstanceUid), images: images.length },
    ...(opts.scope ? { scope: opts.scope } : {}),
  });
  const storing = performance.now();
  if (opts.store !== false) {
    const store = new PredictionStore(opts.library.dir);
    try {
      store.save(result, opts.pkg, { scope: opts.scope, studyInstanceUid: opts.studyInstanceUid });
    } finally {
      store.close();
    }
  }
  if (opts.timings) opts.timings.storeMs += performance.now() - storing;
  if (kept) throw stopped(result);
  return result;
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
  /** Filled in as the run goes: where the time went (`lumen bench predict` reports it). */
  timings?: PredictTimings;
  /** Stopped by `signal`: store the series scored whole and throw PredictionCancelled with them (predict's; a series-head package keeps nothing). */
  keepScoredOnCancel?: boolean;
}

/** Predicts every image (frame) of a series, or of the library, and stores the scores. */
export async function predictSeries(opts: PredictSeriesOptions): Promise<PredictionResult> {
  const opened = performance.now();
  // The decode workers load their code while the package and the session open.
  startDecodePool();
  const pkg = await loadPackage(opts.packageDir);
  if (opts.seriesUid && !opts.library.getSeries(opts.seriesUid)) {
    throw new Error(`No series ${opts.seriesUid} in the library ${opts.library.dir}. Import it first, or check the UID.`);
  }
  const store = new TrainingStore(opts.library);
  let images: ImageRef[];
  try {
    images = store.images(opts.seriesUid);
  } finally {
    store.close();
  }
  // Trained from series labels: the series head scores each series and weighs its slices (mil.ts),
  // which leaves the files' check to its caller: here, as predict makes it for the other packages.
  if (pkg.metadata.seriesHead) {
    const changed = changedSinceImport(opts.library, images);
    if (changed.length) throw new Error(changedFilesMessage(changed));
    return predictSeriesWithHead(opts, pkg, images);
  }
  // Decoding overlaps inference on the same cores: a spinning intra-op pool would steal them from the decode workers.
  const runner = await createRunner({ package: pkg }, { cam: false, spinning: false });
  if (opts.timings) opts.timings.openMs += performance.now() - opened;
  try {
    return await predict({ ...opts, runner, pkg, images });
  } finally {
    await runner.dispose();
  }
}
