// An uncertainty for a series head's score (models/training/mil.ts): an anchored ensemble of
// linear heads on the series' pooled features, trained in seconds on the cached slice features
// the series head was trained on.
//
// The series head is gated attention pooling then a linear layer: z = sum_k a_k x_k over the
// series' standardised slice features, logits = W z + b. Given the attention, the series' class
// is a linear function of z, which is the structure the image-level uncertainty heads have on
// the backbone's pooled features (ensemble.ts), so the same method applies to the head's last
// layer with the attention held fixed (the "neural linear" or last-layer approximation:
// Riquelme, Tucker and Snoek 2018, "Deep Bayesian Bandits Showdown"; Kristiadi, Hein and Hennig
// 2020, "Being Bayesian, even just a bit, fixes overconfidence in ReLU networks"): K heads,
// each a randomised MAP estimate (an "anchored ensemble", Pearce et al. 2020) fitted on a
// bootstrap resample of the training series (the series, not the slice, is what was labelled
// and what is independent) with its own prior anchor. Where the training series pin W down the
// heads agree; a series whose pooled features reach into directions the training series never
// span meets each head's random anchor there, and the heads disagree.
//
// Why not K whole attention heads (deep ensembles, Lakshminarayanan et al. 2017): each costs a
// full fitMil (K times the training time, not seconds); their attentions would differ, so the
// series score and "which slices mattered" would come from one head and the uncertainty from
// others; and without anchors, weight decay pulls every head to the same values in the
// directions the data never span (ensemble.ts). What this leaves out: doubt about the attention
// itself. A series whose slices the attention weighs unusually is seen only through its pooled
// features being unusual.
//
// The pooled features are averages over slices, with a smaller spread than one slice's, so they
// are centred on the training series' mean and divided by one number, their root-mean-square
// spread over the features, so that the prior's logit scale means what it means in ensemble.ts.
// One number, not one per feature: the slices are already standardised per feature over every
// training slice (the series head's own space), while per-feature spreads from a few dozen
// series are noisy and would magnify the features in which those few series happen to agree
// (measured on the MIL phantoms of test/training/mil-uncertainty.test.ts: with one number,
// striped series get 0.53 to 0.73 and brighter, far noisier ones 0.23 to 0.32; per-feature
// scaling gave them 0.19 to 0.51 and 0.16 to 0.22; held-out series like the training ones
// stay at most 0.12 either way). The centring and scaling are folded
// into the heads, which take z as predictBag gives it. Uncertainty = the heads' mutual
// information / log K, 0 to 1, as for images.
import { DEFAULT_ENSEMBLE_HEADS, ensembleUncertainty, foldStandardisation, quantile, trainEnsemble, type EnsembleHeads } from './ensemble';
import { featureStandardisation, predictBag, type Bag, type MilHead } from './mil';

/**
 * The fewest validation series whose 95th percentile says what "high" is. Below 20 the 95th
 * percentile is interpolated between the two largest values (with n values the empirical
 * quantile at 0.95 sits above the (n-1)th only once n >= 20, 1/20 = 5%), so "high" would mean
 * "above about the largest of a handful", one draw's extreme: the e2e fixture's 4 validation
 * series called a training series high. The same 20 as a temperature needs (calibration.ts,
 * CALIBRATION_MINIMUM). Below it the number is shown without "high" or "usual", saying why.
 */
export const SERIES_HIGH_MINIMUM = 20;

/** What "high" is for these heads: the validation series' p95, or null when they were too few (or none). */
export function seriesUncertaintyHigh(validation: { n: number; p95: number | null }): number | null {
  return validation.n >= SERIES_HIGH_MINIMUM ? validation.p95 : null;
}

/** The prior's logit scale, as the image-level heads' (train.ts). */
export const SERIES_ENSEMBLE_PRIOR_SCALE = 1;

export interface SeriesEnsemble {
  /** Heads on the series head's pooled features z (MilPrediction.pooled). */
  heads: EnsembleHeads;
  priorScale: number;
  /** The validation series' uncertainties: above p95 is "high"; p95 null with fewer than SERIES_HIGH_MINIMUM validation series. */
  validation: { n: number; mean: number; p95: number | null };
}

export interface SeriesEnsembleOptions {
  seed: number;
  heads?: number;
  priorScale?: number;
  /** Loss weight per class, as the series head's (default balanced by the training series' classes). */
  classWeights?: number[];
}

/**
 * Trains the heads on the training series' pooled features under `head`'s attention (labels
 * from the bags), and measures the validation series' uncertainties.
 */
export function trainSeriesEnsemble(head: MilHead, train: readonly Bag[], validation: readonly Bag[], opts: SeriesEnsembleOptions): SeriesEnsemble {
  const used = train.filter((b) => b.instances.length > 0);
  if (used.length === 0) throw new Error('No training series with slices: the series head has nothing to train uncertainty heads on.');
  const k = head.classes;
  const labels = used.map((b, i) => {
    if (b.label === undefined || !Number.isInteger(b.label) || b.label < 0 || b.label >= k) throw new Error(`Training series ${i + 1} has no class among the ${k}.`);
    return b.label;
  });
  const pooled = used.map((b) => predictBag(head, b).pooled);
  // Centred per feature, scaled by one number (see the top of this file).
  const spread = featureStandardisation(pooled.map((z) => ({ instances: [z] })), head.dim);
  const mean = spread.mean;
  const std = new Float32Array(head.dim).fill(Math.max(Math.sqrt(spread.std.reduce((a, v) => a + v * v, 0) / head.dim), 1e-6));
  const rows = pooled.map((z) => Float32Array.from(z, (v, d) => (v - mean[d]) / std[d]));
  const counts = new Array<number>(k).fill(0);
  for (const l of labels) counts[l]++;
  const classWeights = opts.classWeights ?? counts.map((c) => (c === 0 ? 0 : labels.length / (k * c)));
  const priorScale = opts.priorScale ?? SERIES_ENSEMBLE_PRIOR_SCALE;
  const standardised = trainEnsemble(rows, labels, k, { heads: opts.heads ?? DEFAULT_ENSEMBLE_HEADS, seed: opts.seed, priorScale, classWeights });
  const heads = foldStandardisation(standardised, mean, std);
  const u = validation.filter((b) => b.instances.length > 0).map((b) => seriesUncertainty(heads, predictBag(head, b).pooled));
  return { heads, priorScale, validation: { n: u.length, mean: u.length ? u.reduce((a, b) => a + b, 0) / u.length : 0, p95: u.length >= SERIES_HIGH_MINIMUM ? quantile(u, 0.95) : null } };
}

/** One series' uncertainty from its pooled features (MilPrediction.pooled). */
export function seriesUncertainty(e: EnsembleHeads, pooled: Float32Array): number {
  return ensembleUncertainty(e, pooled, 1)[0];
}
