// Confidence intervals that respect who the images came from: a percentile bootstrap that
// resamples patients (clusters), each patient drawn bringing all of its images, so a data set
// of many correlated slices of few patients gets the interval of its patients, not of its
// slices. Every resample is a vector of weights (how often each patient was drawn); the
// scores are sorted once per ROC curve, so each resample's AUC and ROC are one linear pass.

import { mulberry32 } from '../../common/random';
import { CI_NAME, METRIC_NAMES } from '../../common/metric-words';
import { FEW_TEST_PATIENTS } from '../../common/training-advice';

/** Deterministic pseudo-random numbers: the same seed gives the same run. */
export function seededRandom(seed: number): () => number {
  return mulberry32((seed >>> 0) ^ 0x9e3779b9);
}

export type Interval = [number, number];

/** The false positive rates at which the ROC band gives the true positive rate's interval: 0, 0.02, ..., 1. */
export const ROC_BAND_FPR: readonly number[] = Array.from({ length: 51 }, (_, i) => i / 50);

/** A ROC curve's 95% band: at each false positive rate, the 2.5th and 97.5th percentiles of the true positive rate. */
export type RocBand = { fpr: number; lo: number; hi: number }[];

/** The resampling units: each row's cluster index, and how many clusters there are. */
export interface Clusters {
  of: Int32Array;
  count: number;
  /** What a unit is, in the method's words ('patients', or 'images' when there are no cluster ids). */
  unit: string;
}

/** Rows grouped by cluster id (e.g. patient); with no ids every row is its own unit. */
export function clustersOf(n: number, ids?: readonly string[], unit = 'patients'): Clusters {
  const of = new Int32Array(n);
  if (!ids) {
    for (let i = 0; i < n; i++) of[i] = i;
    return { of, count: n, unit: 'images' };
  }
  if (ids.length !== n) throw new Error(`${ids.length} cluster ids for ${n} rows: one per row is needed.`);
  const index = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    let k = index.get(ids[i]);
    if (k === undefined) index.set(ids[i], (k = index.size));
    of[i] = k;
  }
  return { of, count: index.size, unit };
}

/**
 * Calls `each` with the weights of `reps` seeded resamples of `count` clusters drawn with
 * replacement (weights[c] = how many times cluster c was drawn). The same seed and count give
 * the same resamples, which is what makes a paired comparison of two models paired.
 */
export function forEachResample(count: number, reps: number, seed: number, each: (weights: Float64Array, r: number) => void): void {
  const rand = seededRandom(seed);
  const weights = new Float64Array(count);
  for (let r = 0; r < reps; r++) {
    weights.fill(0);
    for (let j = 0; j < count; j++) weights[Math.floor(rand() * count)]++;
    each(weights, r);
  }
}

/** Scores sorted once, descending, with their tie groups: what every resample's AUC and ROC walk. */
export interface SortedScores {
  /** order[k]: the row at rank k (descending score). */
  order: Int32Array;
  /** Ranks groupStart[g]..groupStart[g+1]-1 are tied; the last entry is n. */
  groupStart: Int32Array;
  /** positive[k]: whether the row at rank k is positive (in rank order, so a pass reads memory in sequence). */
  positive: Uint8Array;
}

export function sortScores(scores: ArrayLike<number>, positive: ArrayLike<boolean | number>): SortedScores {
  const n = scores.length;
  const order = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  const starts: number[] = [];
  for (let i = 0; i < n; i++) if (i === 0 || scores[order[i]] !== scores[order[i - 1]]) starts.push(i);
  starts.push(n);
  return { order, groupStart: Int32Array.from(starts), positive: Uint8Array.from({ length: n }, (_, k) => (positive[order[k]] ? 1 : 0)) };
}

/** Row weights in the rank order of `sorted`, from a weight per cluster: what weightedAuc reads. */
export function rankWeights(sorted: SortedScores, clusterOf: Int32Array, clusterWeight: Float64Array, out = new Float64Array(sorted.order.length)): Float64Array {
  const { order } = sorted;
  for (let k = 0; k < order.length; k++) out[k] = clusterWeight[clusterOf[order[k]]];
  return out;
}

/** Row weights (one per row, in row order) in the rank order of `sorted`. */
export function rowsToRanks(sorted: SortedScores, rowWeight: ArrayLike<number>): Float64Array {
  return Float64Array.from(sorted.order, (i) => rowWeight[i]);
}

/**
 * Weighted ROC AUC (Mann-Whitney, ties one half) of presorted scores with a weight per rank
 * (rankWeights, rowsToRanks); when `tprAt` is given, also fills it with the ROC's true
 * positive rate at each of `fprGrid` (linear between the curve's points, the highest at a
 * vertical step). NaN without both classes.
 */
export function weightedAuc(sorted: SortedScores, weight: Float64Array, fprGrid?: readonly number[], tprAt?: Float64Array): number {
  const { groupStart, positive } = sorted;
  let wPos = 0;
  let wNeg = 0;
  for (let k = 0; k < positive.length; k++) {
    if (positive[k]) wPos += weight[k];
    else wNeg += weight[k];
  }
  if (wPos === 0 || wNeg === 0) {
    tprAt?.fill(NaN);
    return NaN;
  }
  let posAbove = 0;
  let negAbove = 0;
  let pairs = 0;
  let gi = 0;
  let prevF = 0;
  let prevT = 0;
  for (let g = 0; g + 1 < groupStart.length; g++) {
    let gp = 0;
    let gn = 0;
    for (let k = groupStart[g]; k < groupStart[g + 1]; k++) {
      if (positive[k]) gp += weight[k];
      else gn += weight[k];
    }
    pairs += gn * (posAbove + gp / 2);
    posAbove += gp;
    negAbove += gn;
    if (fprGrid && tprAt) {
      const f = negAbove / wNeg;
      const t = posAbove / wPos;
      while (gi < fprGrid.length && fprGrid[gi] < f) {
        tprAt[gi] = prevT + ((t - prevT) * (fprGrid[gi] - prevF)) / (f - prevF);
        gi++;
      }
      prevF = f;
      prevT = t;
    }
  }
  if (tprAt) for (; gi < tprAt.length; gi++) tprAt[gi] = prevT;
  return pairs / (wPos * wNeg);
}

/** The 2.5th and 97.5th percentiles of the finite values (nearest rank); [NaN, NaN] when none. */
export function percentileInterval(values: ArrayLike<number>): Interval {
  const f = Float64Array.from(Array.prototype.filter.call(values, Number.isFinite) as number[]).sort();
  if (f.length === 0) return [NaN, NaN];
  const at = (q: number) => f[Math.min(f.length - 1, Math.max(0, Math.floor(q * (f.length - 1) + 0.5)))];
  return [at(0.025), at(0.975)];
}

export interface BootstrapIntervals {
  /** e.g. 'cluster bootstrap over patients, 1000 resamples, percentile'. */
  method: string;
  /** How many units were resampled (patients, or images without cluster ids). */
  units: number;
  /** Binary: the positive class's AUC; multi-class: the macro mean of one-vs-rest AUCs. */
  auc: Interval;
  accuracy: Interval;
  balancedAccuracy: Interval;
  /** Per class (one-vs-rest; binary: both classes share the one AUC's interval). */
  perClass: { auc: Interval; sensitivity: Interval; specificity: Interval; ppv: Interval; npv: Interval }[];
  /** Per ROC curve (binary: one, of the positive class; multi-class: one per class). */
  rocBands: RocBand[];
}

/** The ROC curves of an evaluation: binary, the positive (second) class; else every class one-vs-rest. */
export function rocClasses(K: number): number[] {
  return K === 2 ? [1] : Array.from({ length: K }, (_, c) => c);
}

/**
 * Percentile bootstrap intervals of every metric, resampling clusters: AUC (binary or macro
 * one-vs-rest, and per class), accuracy, balanced accuracy, per-class sensitivity, specificity,
 * PPV and NPV at the fixed decisions `pred`, and a ROC band per curve. Resamples in which a
 * metric is undefined (a class not drawn) are left out of that metric's interval.
 */
export function bootstrapIntervals(
  scores: readonly number[][],
  labels: readonly number[],
  pred: readonly number[],
  K: number,
  clusters: Clusters,
  opts: { reps?: number; seed?: number } = {},
): BootstrapIntervals {
  const n = labels.length;
  const reps = opts.reps ?? 1000;
  const curves = rocClasses(K);
  const sorted = curves.map((c) => sortScores(scores.map((s) => s[c]), labels.map((l) => l === c)));
  const G = ROC_BAND_FPR.length;
  const aucSamples = curves.map(() => new Float64Array(reps));
  const macro = new Float64Array(reps);
  const band = curves.map(() => new Float64Array(reps * G));
  const acc = new Float64Array(reps);
  const bal = new Float64Array(reps);
  const rates = Array.from({ length: K }, () => ({ sensitivity: new Float64Array(reps), specificity: new Float64Array(reps), ppv: new Float64Array(reps), npv: new Float64Array(reps) }));
  const rankWeight = new Float64Array(n);
  const conf = new Float64Array(K * K);
  const tprAt = new Float64Array(G);
  // Each cluster's confusion counts, once: a resample's confusion is their weighted sum.
  const clusterCells = new Float64Array(clusters.count * K * K);
  for (let i = 0; i < n; i++) clusterCells[clusters.of[i] * K * K + labels[i] * K + pred[i]]++;
  forEachResample(clusters.count, reps, opts.seed ?? 0, (weights, r) => {
    conf.fill(0);
    for (let c = 0; c < clusters.count; c++) {
      const w = weights[c];
      if (w === 0) continue;
      for (let x = 0; x < K * K; x++) conf[x] += w * clusterCells[c * K * K + x];
    }
    let aucSum = 0;
    let aucCount = 0;
    for (let k = 0; k < curves.length; k++) {
      const a = weightedAuc(sorted[k], rankWeights(sorted[k], clusters.of, weights, rankWeight), ROC_BAND_FPR, tprAt);
      aucSamples[k][r] = a;
      band[k].set(tprAt, r * G);
      if (Number.isFinite(a)) {
        aucSum += a;
        aucCount++;
      }
    }
    macro[r] = aucCount ? aucSum / aucCount : NaN;
    let total = 0;
    let correct = 0;
    let sensSum = 0;
    let sensCount = 0;
    for (let c = 0; c < K; c++) correct += conf[c * K + c];
    for (let x = 0; x < K * K; x++) total += conf[x];
    for (let c = 0; c < K; c++) {
      const tp = conf[c * K + c];
      let row = 0;
      let col = 0;
      for (let j = 0; j < K; j++) {
        row += conf[c * K + j];
        col += conf[j * K + c];
      }
      const fn = row - tp;
      const fp = col - tp;
      const tn = total - tp - fn - fp;
      const sens = tp + fn ? tp / (tp + fn) : NaN;
      rates[c].sensitivity[r] = sens;
      rates[c].specificity[r] = tn + fp ? tn / (tn + fp) : NaN;
      rates[c].ppv[r] = tp + fp ? tp / (tp + fp) : NaN;
      rates[c].npv[r] = tn + fn ? tn / (tn + fn) : NaN;
      if (Number.isFinite(sens)) {
        sensSum += sens;
        sensCount++;
      }
    }
    acc[r] = total ? correct / total : NaN;
    bal[r] = sensCount ? sensSum / sensCount : NaN;
  });
  const rocBands = band.map((b) =>
    ROC_BAND_FPR.map((fpr, gi) => {
      const at = new Float64Array(reps);
      for (let r = 0; r < reps; r++) at[r] = b[r * G + gi];
      const [lo, hi] = percentileInterval(at);
      return { fpr, lo, hi };
    }),
  );
  const unitWords = clusters.unit === 'images' ? 'bootstrap over images (no patient ids)' : `cluster bootstrap over ${clusters.unit}`;
  return {
    method: `${unitWords}, ${reps} resamples, percentile`,
    units: clusters.count,
    auc: percentileInterval(K === 2 ? aucSamples[0] : macro),
    accuracy: percentileInterval(acc),
    balancedAccuracy: percentileInterval(bal),
    perClass: rates.map((rt, c) => ({
      auc: percentileInterval(K === 2 ? aucSamples[0] : aucSamples[c]),
      sensitivity: percentileInterval(rt.sensitivity),
      specificity: percentileInterval(rt.specificity),
      ppv: percentileInterval(rt.ppv),
      npv: percentileInterval(rt.npv),
    })),
    rocBands,
  };
}

export interface PairedAucDifference {
  /** Binary: the positive class's AUC; multi-class: the macro mean of one-vs-rest AUCs. */
  aucA: number;
  aucB: number;
  /** aucB - aucA. */
  difference: number;
  ci: Interval;
  /** Two-sided: twice the smaller share of resampled differences on either side of 0, (count + 1) / (resamples + 1). */
  p: number;
  /** The interval excludes 0 (never when `tooSmall`). */
  holds: boolean;
  method: string;
  /** Resamples whose difference could be computed (a resample lacking a class has no AUC). */
  usableResamples: number;
  /**
   * Why the rows are too few for the test to tell, in words ("2 held-out patients, 1 of each
   * class"), or null. When set, `ci` and `p` are NaN (JSON null): an interval from so few
   * resampled units pretends a precision the evidence lacks (it can collapse to one value).
   */
  tooSmall: string | null;
}

/** Units (patients) a paired AUC test needs in all, the same number below which test results warn (FEW_TEST_PATIENTS), and of each class. */
export const COMPARE_MIN_UNITS = FEW_TEST_PATIENTS;
export const COMPARE_MIN_UNITS_PER_CLASS = 2;

function macroAuc(sorted: SortedScores[], clusterOf: Int32Array, clusterWeight: Float64Array): number {
  let sum = 0;
  let count = 0;
  for (const s of sorted) {
    const a = weightedAuc(s, rankWeights(s, clusterOf, clusterWeight));
    if (Number.isFinite(a)) {
      sum += a;
      count++;
    }
  }
  return count ? sum / count : NaN;
}

/**
 * A paired test of two models' AUC on the same rows: every resample draws the same clusters
 * (patients) for both, so what the two share (which patients are hard) cancels out of the
 * difference. Gives the difference B - A, its percentile interval and a two-sided p-value.
 */
export function pairedAucDifference(
  scoresA: readonly number[][],
  scoresB: readonly number[][],
  labels: readonly number[],
  K: number,
  clusters: Clusters,
  opts: { reps?: number; seed?: number; classNames?: readonly string[]; what?: string } = {},
): PairedAucDifference {
  const n = labels.length;
  if (scoresA.length !== n || scoresB.length !== n) throw new Error(`Paired scores must cover the same ${n} rows (got ${scoresA.length} and ${scoresB.length}).`);
  const reps = opts.reps ?? 1000;
  const curves = rocClasses(K);
  const sortedA = curves.map((c) => sortScores(scoresA.map((s) => s[c]), labels.map((l) => l === c)));
  const sortedB = curves.map((c) => sortScores(scoresB.map((s) => s[c]), labels.map((l) => l === c)));
  const unit = new Float64Array(clusters.count).fill(1);
  const aucA = macroAuc(sortedA, clusters.of, unit);
  const aucB = macroAuc(sortedB, clusters.of, unit);
  const diffs = new Float64Array(reps);
  forEachResample(clusters.count, reps, opts.seed ?? 0, (weights, r) => {
    diffs[r] = macroAuc(sortedB, clusters.of, weights) - macroAuc(sortedA, clusters.of, weights);
  });
  let finite = 0;
  let atMost = 0;
  let atLeast = 0;
  for (const d of diffs) {
    if (!Number.isFinite(d)) continue;
    finite++;
    if (d <= 0) atMost++;
    if (d >= 0) atLeast++;
  }
  const unitWords = clusters.unit === 'images' ? 'paired bootstrap over images (no patient ids)' : `paired cluster bootstrap over ${clusters.unit}`;
  const method = `${unitWords}, ${reps} resamples, percentile`;
  const tooSmall = tooFewToCompare(labels, K, clusters, finite, reps, opts);
  if (tooSmall) return { aucA, aucB, difference: aucB - aucA, ci: [NaN, NaN], p: NaN, holds: false, method, usableResamples: finite, tooSmall };
  const ci = percentileInterval(diffs);
  const p = finite ? Math.min(1, (2 * (Math.min(atMost, atLeast) + 1)) / (finite + 1)) : NaN;
  return { aucA, aucB, difference: aucB - aucA, ci, p, holds: ci[0] > 0 || ci[1] < 0, method, usableResamples: finite, tooSmall: null };
}

/**
 * Why a paired test on these rows cannot tell, or null: fewer than COMPARE_MIN_UNITS units
 * (patients), fewer than COMPARE_MIN_UNITS_PER_CLASS of a class, or fewer than half the
 * resamples usable. With two patients, one of each class, only the resample drawing both has
 * an AUC: every usable difference is the same, the interval is one value and p looks tiny.
 */
function tooFewToCompare(labels: readonly number[], K: number, clusters: Clusters, usable: number, reps: number, opts: { classNames?: readonly string[]; what?: string }): string | null {
  const perClass = Array.from({ length: K }, () => new Set<number>());
  labels.forEach((l, i) => { if (l >= 0 && l < K) perClass[l].add(clusters.of[i]); });
  const counts = perClass.map((s) => s.size);
  const units = `${clusters.count} ${opts.what ?? clusters.unit}`;
  const few = clusters.count < COMPARE_MIN_UNITS || counts.some((n) => n < COMPARE_MIN_UNITS_PER_CLASS);
  if (few) {
    if (counts.every((n) => n === counts[0])) return `${units}, ${counts[0]} of each class`;
    return `${units}: ${counts.map((n, c) => `${n} ${opts.classNames?.[c] ?? `of class ${c}`}`).join(', ')}`;
  }
  if (usable < reps / 2) return `${units}, and only ${usable} of ${reps} resamples held every class`;
  return null;
}

/** Why a too-small comparison cannot tell, with what a paired test needs ("3 held-out patients, 1 of each class; a paired test needs at least 10 patients, 2 of each class"); null where it can tell. */
export function tooSmallReason(d: PairedAucDifference): string | null {
  if (!d.tooSmall) return null;
  const unit = /^paired (?:cluster )?bootstrap over (\w+)/.exec(d.method)?.[1] ?? 'patients';
  return `${d.tooSmall}; a paired test needs at least ${COMPARE_MIN_UNITS} ${unit}, ${COMPARE_MIN_UNITS_PER_CLASS} of each class`;
}

/**
 * The comparison in a sentence: "B's ROC AUC is higher by 0.07 (95% CI 0.02 to 0.12, p = 0.004):
 * the difference holds" (a difference's bounds may be negative: "to" between them, not a dash).
 * Where the test set is too small to tell, `reason: false` leaves out why (the caller says it once
 * for several levels): "B's ROC AUC is higher by 0.10 here, but the test set is too small to tell
 * whether that holds".
 */
export function differenceSentence(d: PairedAucDifference, nameA = 'A', nameB = 'B', opts: { reason?: boolean } = {}): string {
  if (!Number.isFinite(d.difference)) return `The ${METRIC_NAMES.auc} difference cannot be computed: the rows need both classes.`;
  const f2 = (x: number) => x.toFixed(Math.abs(x) < 0.01 && x !== 0 ? 3 : 2);
  const reason = tooSmallReason(d);
  if (reason) {
    const what = d.difference === 0 ? `${nameA} and ${nameB} have the same ${METRIC_NAMES.auc} here` : `${d.difference > 0 ? nameB : nameA}'s ${METRIC_NAMES.auc} is higher by ${f2(Math.abs(d.difference))} here`;
    return `${what}, but the test set is too small to tell whether that holds${opts.reason === false ? '' : ` (${reason})`}`;
  }
  const pText = d.p < 0.001 ? 'p < 0.001' : `p = ${d.p.toFixed(3)}`;
  const higher = d.difference > 0 ? nameB : nameA;
  const sign = d.difference > 0 ? 1 : -1;
  const [lo, hi] = sign > 0 ? d.ci : [-d.ci[1], -d.ci[0]];
  const head = d.difference === 0 ? `${nameA} and ${nameB} have the same ${METRIC_NAMES.auc} (${CI_NAME} of the difference ${f2(d.ci[0])} to ${f2(d.ci[1])}, ${pText})` : `${higher}'s ${METRIC_NAMES.auc} is higher by ${f2(Math.abs(d.difference))} (${CI_NAME} ${f2(lo)} to ${f2(hi)}, ${pText})`;
  return `${head}: ${d.holds ? 'the difference holds' : 'the difference does not hold (the interval includes 0)'}`;
}
