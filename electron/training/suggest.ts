// Active learning: which unlabelled series to label next, for `lumen suggest` and the
// Training tab's "Label next" queue. A series is unlabelled when neither it, nor any of its
// images, nor its study has a label (a study label labels its series for training).
//
// Per unlabelled series, up to `imagesPerSeries` images evenly spaced through it are scored
// by the package through the one prediction module (predict.ts: decode pool, batches, the
// runner). The series' uncertainty: with the package's uncertainty heads (ensemble.bin), the
// mean over its images of the heads' mutual information / log K (their disagreement, the
// epistemic part, what the Classifier panel shows: models/training/ensemble.ts); for a
// package with a series head (mil-train.ts), its series uncertainty heads' mutual information
// on the series' pooled features (models/training/series-ensemble.ts), what `lumen predict`
// gives the series. Without such heads, the normalised entropy of the mean of its images'
// probabilities, or for a series-head package of the head's pooled score of the series, what
// the package predicts for it; `uncertaintyReason` says why. Its
// diversity comes from the package's pooled backbone features (the "features" output of its
// model.onnx, computed once and cached like training's, electron/training/features.ts), the
// labelled series' features included. models/training/acquisition.ts ranks them.
import path from 'node:path';
import { CancelledError } from '../../common/cancel';
import { loadPackage, MODEL_ONNX } from '../../models/package';
import { readEnsemble } from '../../models/package/uncertainty';
import { readSeriesEnsemble } from '../../models/package/series-ensemble';
import { seriesUncertaintyHigh } from '../../models/training/series-ensemble';
import { createRunner } from '../../models/inference/runner';
import { PipelineCancelled } from '../../models/inference/pipeline';
import { rankCandidates, type AcquisitionCandidate } from '../../models/training/acquisition';
import type { Suggestion, SuggestResult } from '../../common/contract/training';
import type { ImageRef } from '../dicom/model-input';
import type { Library } from '../library/library';
import { DEFAULT_AUGMENTATION } from './augment';
import { changedFilesMessage, changedSinceImport } from './changed-files';
import { extractFeatures, featureCacheDir } from './features';
import { scoreSeriesWithHead } from './mil';
import { predictImages } from './predict';
import { TrainingStore } from './store';

import { DEFAULT_IMAGES_PER_SERIES, DEFAULT_SUGGESTIONS } from './suggest-defaults';
export { DEFAULT_IMAGES_PER_SERIES, DEFAULT_SUGGESTIONS };
export type { Suggestion, SuggestResult };

export interface SuggestProgress {
  phase: 'reading' | 'scoring' | 'features' | 'ranking';
  /** Fraction of the phase done, null when unknown. */
  fraction: number | null;
  message: string;
}

export interface SuggestOptions {
  library: Library;
  packageDir: string;
  /** How many series to suggest (default 20). */
  n?: number;
  /** Images per series scored and pooled, evenly spaced through it (default 8): bounds the work for long series. */
  imagesPerSeries?: number;
  /** Folder for cached backbone features (default <library>/feature-cache, training's). */
  cacheDir?: string;
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: (p: SuggestProgress) => void;
}

export type UncertaintyMeasure = SuggestResult['uncertaintyMeasure'];

const UNCERTAINTY_TEXT: Record<UncertaintyMeasure | 'series-head-entropy' | 'series-head-mutual-information', string> = {
  'mutual-information': 'the mean over the series\' images of the package\'s uncertainty heads\' mutual information / log(classes) (how much the heads disagree)',
  'series-head-mutual-information': 'the mutual information / log(classes) of the series head\'s uncertainty heads on the series\' attention-pooled features (how much the heads disagree on the series)',
  entropy: 'entropy of the mean class probabilities over the series\' images / log(classes) (the package has no uncertainty heads)',
  'series-head-entropy': 'entropy of the series head\'s pooled class probabilities for the series / log(classes) (the package has no series uncertainty heads)',
};

/**
 * Why a package's uncertainty is entropy rather than its uncertainty heads' disagreement: it
 * has none. Uncertainty heads (an anchored ensemble, models/training/ensemble.ts) are trained
 * beside an image head on cached features, and beside a series head on its pooled features
 * (series-ensemble.ts, series-ensemble.bin) since this Lumen; an older package has none.
 */
export function entropyReason(seriesHead: boolean): string {
  return seriesHead
    ? 'This series-head package has no series uncertainty heads (it was trained by a Lumen that did not make them: train it again to get them), so uncertainty is the entropy of the score the series head gives each series: how undecided that score is, not how unlike the training data the series is.'
    : 'The package has no uncertainty heads (made outside Lumen, by an older Lumen, or fine-tuned rather than trained as a head on cached features), so uncertainty is the entropy of each series\' mean scores: how undecided they are, not how unlike the training data the series is.';
}

/** The scoring formula in words, with the uncertainty measure used. */
export function suggestMethod(measure: UncertaintyMeasure, seriesHead = false): string {
  return `score = uncertainty x min(1, distance); uncertainty = ${UNCERTAINTY_TEXT[seriesHead ? (measure === 'entropy' ? 'series-head-entropy' : 'series-head-mutual-information') : measure]}; distance = distance of the series' mean backbone features to the nearest labelled or higher-ranked series / the median distance between two series; picked greedily.`;
}

/** `n` items evenly spaced through `list` (all when it has no more). */
function evenlySpaced<T>(list: readonly T[], n: number): T[] {
  if (list.length <= n) return [...list];
  return Array.from({ length: n }, (_, i) => list[Math.floor(((i + 0.5) * list.length) / n)]);
}

function meanRows(rows: readonly (readonly number[])[]): number[] {
  const out = new Array<number>(rows[0].length).fill(0);
  for (const r of rows) r.forEach((v, i) => (out[i] += v / rows.length));
  return out;
}

function meanFeatures(rows: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(rows[0].length);
  for (const r of rows) for (let d = 0; d < out.length; d++) out[d] += r[d] / rows.length;
  return out;
}

/** Thrown when the signal aborts a suggestion run: a CancelledError (isCancel). */
export class SuggestCancelled extends CancelledError {
  constructor() {
    super();
    this.name = 'SuggestCancelled';
  }
}

/** Ranks the library's unlabelled series by how much labelling each should help the package's model. */
export async function suggestSeries(opts: SuggestOptions): Promise<SuggestResult> {
  const n = opts.n ?? DEFAULT_SUGGESTIONS;
  if (!Number.isInteger(n) || n < 1) throw new Error(`The number of suggestions must be a whole number of at least 1, not ${n}.`);
  const perSeries = opts.imagesPerSeries ?? DEFAULT_IMAGES_PER_SERIES;
  if (!Number.isInteger(perSeries) || perSeries < 1) throw new Error(`Images per series must be a whole number of at least 1, not ${perSeries}.`);
  const check = () => {
    if (opts.signal?.aborted) throw new SuggestCancelled();
  };
  const progress = (p: SuggestProgress) => opts.onProgress?.(p);
  progress({ phase: 'reading', fraction: null, message: 'Reading the model package and the labels' });
  const pkg = await loadPackage(opts.packageDir);
  const meta = pkg.metadata;
  // The uncertainty heads, when the package has them: their disagreement is the uncertainty.
  const ensemble = readEnsemble(pkg.dir, meta);
  // A package with a series head predicts a series by the head's pooled score: its series
  // uncertainty heads (or without them, that score's entropy) are what count.
  const seriesHead = meta.seriesHead !== undefined;
  const seriesEnsemble = seriesHead ? readSeriesEnsemble(pkg.dir, meta) : null;
  const measure: UncertaintyMeasure = (seriesHead ? seriesEnsemble : ensemble) ? 'mutual-information' : 'entropy';
  const { candidates, labelled } = seriesByLabelling(opts.library);
  check();
  const picked = candidates.map((c) => ({ ...c, images: evenlySpaced(c.images, perSeries) }));
  const labelledPicked = labelled.map((images) => evenlySpaced(images, perSeries));
  const base = { model: { name: meta.name, contentHash: meta.contentHash }, classNames: meta.classNames, unlabelledSeries: candidates.length, labelledSeries: labelled.length, method: suggestMethod(measure, seriesHead), uncertaintyMeasure: measure, uncertaintyOf: seriesHead ? ('series' as const) : ('images' as const), ...(measure === 'entropy' ? { uncertaintyReason: entropyReason(seriesHead) } : {}) };
  if (picked.length === 0) return { ...base, imagesScored: 0, diversity: false, note: 'Every series with images is labelled: nothing to suggest.', suggestions: [] };

  // The images read below (scored, or for their features), each file as the library recorded it:
  // one changed since import may hold another image now, whose scores would be shown as the
  // held series' (predict.ts refuses the same way).
  const images = picked.flatMap((c) => c.images);
  const labelledImages = labelledPicked.flat();
  const changed = changedSinceImport(opts.library, [...images, ...labelledImages]);
  if (changed.length) throw new Error(changedFilesMessage(changed, 'suggested'));

  // Uncertainty: the package's scores through the one prediction module.
  const runner = await createRunner({ package: pkg }, { cam: false, spinning: false });
  let scores: number[][];
  let imageUncertainty: (number | null)[];
  try {
    progress({ phase: 'scoring', fraction: 0, message: `Scoring ${images.length} images of ${picked.length} unlabelled series` });
    ({ scores, uncertainty: imageUncertainty } = await predictImages(runner, meta.preprocessing, images, {
      ensemble,
      batchSize: opts.batchSize,
      signal: opts.signal,
      onProgress: (p) => progress({ phase: 'scoring', fraction: p.done / p.total, message: `Scoring ${p.done}/${p.total} images` }),
    }));
  } catch (err) {
    if (err instanceof PipelineCancelled) throw new SuggestCancelled();
    throw err;
  } finally {
    await runner.dispose();
  }
  check();
  // The series head's pooled score of each series, over the same images (features from model.onnx, cached).
  let pooled: Map<string, { scores: number[]; uncertainty: number | null }> | null = null;
  if (seriesHead) {
    progress({ phase: 'scoring', fraction: null, message: `Scoring ${picked.length} series with the package's series head` });
    try {
      const result = await scoreSeriesWithHead({ library: opts.library, signal: opts.signal }, pkg, images);
      pooled = new Map(result.series.map((s) => [s.seriesInstanceUid, { scores: s.pooled!.scores, uncertainty: s.pooled!.uncertainty ?? null }]));
    } catch (err) {
      check();
      throw err;
    }
    check();
  }

  // Diversity: the package's pooled backbone features of the candidates and the labelled series.
  let features: { candidates: Float32Array[]; labelled: Float32Array[] } | null = null;
  let note: string | undefined;
  try {
    const all = [...images, ...labelledImages];
    progress({ phase: 'features', fraction: 0, message: `Backbone features of ${all.length} images (cached)` });
    const spec = { weightsHash: `package ${meta.contentHash}`, preprocessing: meta.preprocessing, inputSize: meta.inputSize, copies: 1, augmentation: DEFAULT_AUGMENTATION, seed: 0 };
    const f = await extractFeatures(path.join(pkg.dir, MODEL_ONNX), spec, all, path.resolve(opts.cacheDir ?? featureCacheDir(opts.library.dir)), {
      batchSize: opts.batchSize,
      signal: opts.signal,
      onProgress: (done, total) => progress({ phase: 'features', fraction: done / total, message: `Backbone features ${done}/${total}` }),
    });
    if (f.dim > 0) {
      const rows = f.features[0];
      const split = <T>(groups: readonly (readonly T[])[], from: number) => {
        let at = from;
        return groups.map((g) => {
          const part = rows.slice(at, at + g.length);
          at += g.length;
          return meanFeatures(part);
        });
      };
      features = { candidates: split(picked.map((c) => c.images), 0), labelled: split(labelledPicked, images.length) };
    } else note = 'The package\'s model.onnx has no pooled features output: ranked by uncertainty alone.';
  } catch {
    // ONNX Runtime missing here, or a package graph it cannot run: the ranking goes on without distances.
    check();
    note = 'The backbone features could not be computed with ONNX Runtime here: ranked by uncertainty alone.';
  }
  check();

  progress({ phase: 'ranking', fraction: null, message: 'Ranking' });
  let at = 0;
  const acquisition: AcquisitionCandidate[] = picked.map((c, i) => {
    const series = pooled?.get(c.seriesInstanceUid);
    const probabilities = series?.scores ?? meanRows(scores.slice(at, at + c.images.length));
    const uncertainty = seriesHead ? (series?.uncertainty ?? undefined) : ensemble ? meanOf(imageUncertainty.slice(at, at + c.images.length)) : undefined;
    at += c.images.length;
    return { probabilities, features: features ? features.candidates[i] : null, ...(uncertainty === undefined ? {} : { uncertainty }) };
  });
  const ranked = rankCandidates(acquisition, { n, labelled: features?.labelled ?? [] });
  const suggestions = ranked.map((r, k): Suggestion => {
    const c = picked[r.index];
    const p = acquisition[r.index].probabilities;
    const meanScores = Object.fromEntries(meta.classNames.map((name, i) => [name, p[i]]));
    return {
      rank: k + 1, studyInstanceUid: c.studyInstanceUid, seriesInstanceUid: c.seriesInstanceUid, seriesDescription: c.seriesDescription, modality: c.modality,
      images: c.images.length, score: r.score, uncertainty: r.uncertainty, distance: r.distance, meanScores, reason: reasonOf(r.uncertainty, r.distance, meta.classNames, p, measure, seriesHead ? (seriesEnsemble ? seriesUncertaintyHigh(seriesEnsemble.header.validation) : null) : (meta.ensemble?.validation.p95 ?? null), seriesHead ? 'series' : 'images'),
    };
  });
  const unaudited = opts.library.auditUnlessReadOnly('suggest', { packageHash: meta.contentHash, variant: meta.variant, runtime: runner.label, touched: { series: suggestions.map((s) => s.seriesInstanceUid), images: images.length + labelledImages.length }, unlabelledSeries: candidates.length });
  const said = [note, unaudited].filter(Boolean).join(' ');
  return { ...base, imagesScored: images.length, diversity: features !== null, ...(said ? { note: said } : {}), suggestions };
}

/**
 * The reason in words: how unsure the model is (with its two leading classes) and how far the
 * series is from those labelled. With uncertainty heads, "unsure" is measured against the
 * package's validation images (`high`: their 95th percentile), as the Classifier panel does.
 */
function reasonOf(uncertainty: number, distance: number | null, classNames: readonly string[], p: readonly number[], measure: UncertaintyMeasure, high: number | null, unit: 'images' | 'series'): string {
  const order = p.map((v, i) => i).sort((a, b) => p[b] - p[a]);
  const sure =
    measure === 'mutual-information'
      ? high === null
        ? `the model's uncertainty heads' disagreement is not judged high or usual (too few validation ${unit} to say what is usual)`
        : uncertainty > high
          ? `the model is unsure: its uncertainty heads disagree more than on 95% of validation ${unit}`
          : 'the model\'s uncertainty heads mostly agree'
      : uncertainty >= 0.8 ? 'the model cannot tell' : uncertainty >= 0.4 ? 'the model is unsure' : 'the model is fairly sure';
  const top = order.slice(0, 2).map((i) => `${classNames[i]} ${p[i].toFixed(2)}`).join(' vs ');
  const far = distance === null ? '' : distance >= 1 ? '; unlike any labelled series' : distance >= 0.5 ? '; somewhat like a labelled or higher-ranked series' : '; close to a labelled or higher-ranked series';
  const figure = measure === 'mutual-information' ? `uncertainty ${uncertainty.toFixed(3)}, the heads' mutual information` : `uncertainty ${uncertainty.toFixed(2)}`;
  return `${sure} (${top}; ${figure})${far}${distance === null ? '' : ` (distance ${distance.toFixed(2)})`}`;
}

/** The mean of per-image uncertainties (every one a number when the package has heads). */
function meanOf(values: readonly (number | null)[]): number {
  return values.reduce<number>((a, v) => a + (v ?? 0), 0) / values.length;
}

interface CandidateSeries {
  seriesInstanceUid: string;
  studyInstanceUid: string;
  seriesDescription: string | null;
  modality: string | null;
  images: ImageRef[];
}

/** The library's series with images, split into unlabelled candidates and the images of each labelled series. */
function seriesByLabelling(library: Library): { candidates: CandidateSeries[]; labelled: ImageRef[][] } {
  const store = new TrainingStore(library);
  try {
    const labels = store.listLabels();
    const seriesLabelled = new Set(labels.filter((l) => l.targetKind === 'series').map((l) => l.targetUid));
    const studyLabelled = new Set(labels.filter((l) => l.targetKind === 'study').map((l) => l.targetUid));
    const imageLabelled = new Set(labels.filter((l) => l.targetKind === 'image').map((l) => l.targetUid));
    const rows = store.db
      .prepare<[], { series_uid: string; study_uid: string; description: string | null; modality: string | null }>('SELECT series_uid, study_uid, description, modality FROM series ORDER BY series_uid')
      .all();
    const candidates: CandidateSeries[] = [];
    const labelled: ImageRef[][] = [];
    for (const r of rows) {
      const images = store.images(r.series_uid);
      if (images.length === 0) continue;
      const isLabelled = seriesLabelled.has(r.series_uid) || studyLabelled.has(r.study_uid) || images.some((im) => imageLabelled.has(im.sopInstanceUid));
      if (isLabelled) labelled.push(images);
      else candidates.push({ seriesInstanceUid: r.series_uid, studyInstanceUid: r.study_uid, seriesDescription: r.description, modality: r.modality, images });
    }
    return { candidates, labelled };
  } finally {
    store.close();
  }
}

