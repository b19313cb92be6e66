// Prediction with a package trained from series labels (multiple-instance learning,
// mil-train.ts): every slice's backbone features from the package's model.onnx, then the
// package's attention head (models/training/mil.ts, series-head.bin) per series, giving the
// series' pooled score and each slice's attention weight beside the slice's own scores, and
// with the package's series uncertainty heads (series-ensemble.bin) the series' uncertainty.
// predict.ts's predictSeries comes here for a package with a series head.
import type { ImageScores, PredictionResult } from '../../common/contract/models';
import type { LoadedPackage, PackageMetadata, Preprocessing } from '../../models/package';
import { readSeriesHead } from '../../models/package/series-head';
import { readSeriesEnsemble } from '../../models/package/series-ensemble';
import type { EnsembleHeads } from '../../models/training/ensemble';
import { seriesUncertainty, seriesUncertaintyHigh } from '../../models/training/series-ensemble';
import { predictBag, type MilHead, type MilPrediction } from '../../models/training/mil';
import type { Library } from '../library/library';
import { savePredictions } from '../library/predictions';
import type { ImageRef } from '../dicom/model-input';
import { extractFeatures, featureCacheDir, type FeatureSpec } from './features';
import { packageVerdicts } from './domain';

const NO_AUGMENTATION = { flip: false, verticalFlip: false, rotateDeg: 0, crop: 0, intensity: 0 };

/** Each slice's features, computed once and cached as in head mode (one copy: the slice itself). */
export function featureSpec(weightsHash: string, preprocessing: Preprocessing, inputSize: number, seed: number): FeatureSpec {
  return { weightsHash, preprocessing, inputSize, copies: 1, augmentation: NO_AUGMENTATION, seed };
}

/** The series head's uncertainty heads and what "high" is for them, or null for a package without them. */
export interface SeriesUncertaintyHeads {
  heads: EnsembleHeads;
  high: number | null;
}

/**
 * A prediction of series by a series head: every slice's own scores and attention weight, each
 * series' pooled score and, with the package's series uncertainty heads, its uncertainty.
 */
export function seriesResult(meta: PackageMetadata, bags: { seriesInstanceUid: string; images: ImageRef[] }[], predictions: MilPrediction[], ensemble: SeriesUncertaintyHeads | null, domain?: Map<ImageRef, ImageScores['domain']>): PredictionResult {
  const images: ImageScores[] = [];
  const series: PredictionResult['series'] = [];
  bags.forEach((b, i) => {
    const p = predictions[i];
    // The uncertainty heads are the series': a slice has none (null, never a made-up number).
    b.images.forEach((im, k) => images.push({ seriesInstanceUid: b.seriesInstanceUid, sopInstanceUid: im.sopInstanceUid, frame: im.frame, scores: p.instanceScores[k], attention: p.attention[k], uncertainty: null, ...(domain ? { domain: domain.get(im) ?? null } : {}) }));
    const k = p.instanceScores[0].length;
    const mean = Array.from({ length: k }, (_, c) => p.instanceScores.reduce((a, s) => a + s[c], 0) / p.instanceScores.length);
    const max = Array.from({ length: k }, (_, c) => Math.max(...p.instanceScores.map((s) => s[c])));
    const uncertainty = ensemble ? seriesUncertainty(ensemble.heads, p.pooled) : null;
    series.push({ seriesInstanceUid: b.seriesInstanceUid, images: b.images.length, mean, max, pooled: { method: 'gated-attention', scores: p.scores, uncertainty, uncertaintyHigh: ensemble?.high ?? null } });
  });
  return { modelHash: meta.contentHash, modelName: meta.name, classNames: meta.classNames, images, series, createdAt: new Date().toISOString(), seriesHead: true, ...(domain ? { trainingDomain: meta.domain ? 'recorded' as const : 'unknown' as const } : {}) };
}

/** What scores series with a package's head, for the audit log. */
export const SERIES_HEAD_RUNTIME = 'ONNX Runtime (features) and the series head';

/**
 * Predicts series with a package that has a series head: each slice's features from the
 * package's model.onnx (through the feature cache, keyed by the package's content hash), the
 * head per series, then the result stored (unless `store` is false) and the run audited. The
 * caller that gathered the images has checked their files (changed-files.ts): predictSeries
 * before it comes here, the app's Run through the `predict` it made first (one stat per file).
 */
export async function predictSeriesWithHead(
  opts: { library: Library; signal?: AbortSignal; onProgress?: (p: { done: number; total: number }) => void; store?: boolean },
  pkg: Pick<LoadedPackage, 'dir' | 'metadata' | 'onnxPath'>,
  images: ImageRef[],
): Promise<PredictionResult> {
  const result = await scoreSeriesWithHead(opts, pkg, images);
  const meta = pkg.metadata;
  // A library on a read-only disk keeps nothing: the scores are returned, marked not stored.
  if (opts.library.readOnlyReason) return { ...result, stored: false };
  opts.library.audit('predict', { packageHash: meta.contentHash, variant: meta.variant, runtime: SERIES_HEAD_RUNTIME, touched: { series: result.series.map((s) => s.seriesInstanceUid), images: images.length }, scope: 'series' });
  if (opts.store !== false) saveSeriesPredictions(opts.library, result, pkg);
  return result;
}

/** The series' scores by the package's head (predictSeriesWithHead without storing or auditing; lumen eval audits its own). The caller checks the files, as for predictSeriesWithHead. */
export async function scoreSeriesWithHead(
  opts: { library: Library; signal?: AbortSignal; onProgress?: (p: { done: number; total: number }) => void },
  pkg: Pick<LoadedPackage, 'dir' | 'metadata' | 'onnxPath'>,
  images: ImageRef[],
): Promise<PredictionResult> {
  const head: MilHead = readSeriesHead(pkg.dir, pkg.metadata)!;
  const meta = pkg.metadata;
  const ensemble = readSeriesEnsemble(pkg.dir, meta);
  const f = await extractFeatures(pkg.onnxPath, featureSpec(`package ${meta.contentHash}`, meta.preprocessing, meta.inputSize, 0), images, featureCacheDir(opts.library.dir), {
    signal: opts.signal,
    onProgress: (done, total) => opts.onProgress?.({ done, total }),
  });
  const by = new Map<string, { seriesInstanceUid: string; images: ImageRef[]; instances: Float32Array[] }>();
  images.forEach((im, i) => {
    const b = by.get(im.seriesInstanceUid) ?? { seriesInstanceUid: im.seriesInstanceUid, images: [], instances: [] };
    b.images.push(im);
    b.instances.push(f.features[0][i]);
    by.set(im.seriesInstanceUid, b);
  });
  const bags = [...by.values()];
  // Each slice judged against the training domain as an image run's image is: its header, and
  // its own features (before the series is pooled) under the package's density.
  const verdicts = packageVerdicts(pkg, images, f.features[0]);
  const domain = new Map<ImageRef, ImageScores['domain']>(images.map((im, i) => [im, verdicts?.[i] ?? null]));
  return seriesResult(meta, bags, bags.map((b) => predictBag(head, b)), ensemble && { heads: ensemble.heads, high: seriesUncertaintyHigh(ensemble.header.validation) }, domain);
}

/** Stores a series-head prediction: the slices' scores as every prediction's, the series' pooled scores and attention beside them (migration 11). */
export function saveSeriesPredictions(library: Library, result: PredictionResult, model: { dir: string; metadata: PackageMetadata }, extra?: Record<string, unknown>): void {
  savePredictions(library.dir, result, model, { scope: 'series', ...(extra ? { extra } : {}) });
}
