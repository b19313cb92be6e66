// Evaluation of a classifier from its scores: plain numbers in, plain numbers out, so a
// report can always be recomputed from the saved predictions.

import { bootstrapIntervals, clustersOf, rocClasses, type Interval, type RocBand } from './stats';

export { seededRandom } from './stats';

/** ROC AUC by the Mann-Whitney statistic (ties count one half). NaN when one side is empty. */
export function rocAuc(scores: readonly number[], positive: readonly boolean[]): number {
  const idx = scores.map((s, i) => i).sort((a, b) => scores[a] - scores[b]);
  let nPos = 0;
  let rankSumPos = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]] === scores[idx[i]]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) if (positive[idx[k]]) {
      nPos++;
      rankSumPos += rank;
    }
    i = j + 1;
  }
  const nNeg = scores.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

/** ROC curve points (false positive rate, true positive rate), thresholds descending. */
export function rocCurve(scores: readonly number[], positive: readonly boolean[]): { fpr: number; tpr: number; threshold: number }[] {
  const idx = scores.map((s, i) => i).sort((a, b) => scores[b] - scores[a]);
  const nPos = positive.filter(Boolean).length;
  const nNeg = positive.length - nPos;
  const pts = [{ fpr: 0, tpr: 0, threshold: Infinity }];
  let tp = 0;
  let fp = 0;
  for (let i = 0; i < idx.length; i++) {
    if (positive[idx[i]]) tp++;
    else fp++;
    if (i + 1 < idx.length && scores[idx[i + 1]] === scores[idx[i]]) continue;
    pts.push({ fpr: nNeg ? fp / nNeg : 0, tpr: nPos ? tp / nPos : 0, threshold: scores[idx[i]] });
  }
  return pts;
}

/**
 * The threshold on `scores` (probabilities of the positive class) that maximises Youden's J
 * (sensitivity + specificity - 1), in the middle of the best J's interval: every threshold
 * between the lowest score called positive and the next lower score gives the same J, so the
 * threshold is their midpoint on the logit scale (0.9998 and 0.0001 give about 0.41, not 0.9998:
 * a threshold on the weakest positive would call the next test positive a shade below it
 * negative). Equal J in runs of adjacent ROC points is one interval; of separate intervals with
 * the best J the widest (on the logit scale) wins, the higher one on a tie. 0.5 when no threshold
 * beats chance (J <= 0, or one class missing). Scores outside 0–1 take the plain midpoint.
 */
export function youdenThreshold(scores: readonly number[], positive: readonly boolean[]): number {
  const pts = rocCurve(scores, positive).filter((p) => Number.isFinite(p.threshold));
  // J times nPos·nNeg, an integer: equal J compares equal (2/3 - 1/3 and 1/3 - 0 as floats need not).
  const nPos = positive.filter(Boolean).length;
  const nNeg = positive.length - nPos;
  const js = pts.map((p) => Math.round(p.tpr * nPos) * nNeg - Math.round(p.fpr * nNeg) * nPos);
  const bestJ = Math.max(...js);
  if (!(bestJ > 0) || nPos === 0 || nNeg === 0) return 0.5;
  // Runs of adjacent points at the best J: the run from point a to b holds every threshold in
  // (the score below point b, the score of point a].
  let chosen: { hi: number; lo: number; width: number } | null = null;
  for (let a = 0; a < pts.length; a++) {
    if (js[a] !== bestJ || (a > 0 && js[a - 1] === bestJ)) continue;
    let b = a;
    while (b + 1 < pts.length && js[b + 1] === bestJ) b++;
    const hi = pts[a].threshold;
    // With both classes present the last point (everything positive) has J = 0, so a best run ends before it.
    const lo = pts[b + 1].threshold;
    const width = logit(hi) - logit(lo);
    if (!chosen || width > chosen.width) chosen = { hi, lo, width };
  }
  return between(chosen!.lo, chosen!.hi);
}

/** Probabilities this close to 0 or 1 count as that close: float32 softmax outputs reach exactly 1. */
const LOGIT_EPS = 1e-12;
const logit = (p: number) => {
  const q = Math.min(1 - LOGIT_EPS, Math.max(LOGIT_EPS, p));
  return Math.log(q / (1 - q));
};
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** A threshold t with lo < t <= hi: the logit-scale midpoint of two probabilities, else the plain one, else hi. */
function between(lo: number, hi: number): number {
  const inside = (t: number) => Number.isFinite(t) && t > lo && t <= hi;
  if (lo >= 0 && hi <= 1) {
    const t = sigmoid((logit(lo) + logit(hi)) / 2);
    if (inside(t)) return t;
  }
  const mid = lo + (hi - lo) / 2;
  return inside(mid) ? mid : hi;
}

export interface ClassMetrics {
  className: string;
  support: number;
  sensitivity: number;
  specificity: number;
  ppv: number;
  npv: number;
  auc: number;
  aucCi: [number, number];
  sensitivityCi: Interval;
  specificityCi: Interval;
  ppvCi: Interval;
  npvCi: Interval;
}

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  confidence: number;
  accuracy: number;
}

export interface Evaluation {
  n: number;
  classNames: string[];
  /** How every interval here was made, e.g. 'cluster bootstrap over patients, 1000 resamples, percentile'. */
  ciMethod: string;
  /** How many units the bootstrap resampled (patients; images when no patient was given). */
  ciUnits: number;
  accuracy: number;
  accuracyCi: Interval;
  balancedAccuracy: number;
  balancedAccuracyCi: Interval;
  /** Binary: AUC of the positive (second) class; multi-class: macro mean of one-vs-rest AUCs. */
  auc: number;
  aucCi: [number, number];
  perClass: ClassMetrics[];
  /** confusion[true][predicted] */
  confusion: number[][];
  ece: number;
  reliability: ReliabilityBin[];
  /** Binary only: the positive-class threshold used for the predictions (chosen on validation). */
  threshold?: number;
  /** band: the true positive rate's 95% interval at false positive rates 0, 0.02, ..., 1 (same resamples as the intervals). */
  roc: { className: string; points: { fpr: number; tpr: number }[]; band: RocBand }[];
}

const div = (a: number, b: number) => (b === 0 ? NaN : a / b);

/** Predicted class per image: argmax, or for two classes `score[1] >= threshold`. */
export function decide(scores: readonly number[][], threshold?: number): number[] {
  return scores.map((s) => (s.length === 2 && threshold !== undefined ? (s[1] >= threshold ? 1 : 0) : s.indexOf(Math.max(...s))));
}

function aucOf(scores: readonly number[][], labels: readonly number[], k: number): number[] {
  const K = scores[0]?.length ?? 0;
  const one = (c: number) => rocAuc(scores.map((s) => s[c]), labels.map((l) => l === c));
  if (K === 2) return [one(1)];
  return Array.from({ length: K }, (_, c) => c).map(one).slice(0, k);
}

function meanFinite(xs: number[]): number {
  const f = xs.filter(Number.isFinite);
  return f.length ? f.reduce((a, b) => a + b, 0) / f.length : NaN;
}

/**
 * Every metric from scores [n][K] and true labels: accuracy, balanced accuracy, per-class
 * sensitivity/specificity/PPV/NPV, ROC AUC (binary, or one-vs-rest and their mean), each with a
 * seeded percentile bootstrap 95% interval that resamples `clusters` (one id per row, e.g. the
 * patient: a patient drawn brings all its images; without ids, single rows), a ROC band, the
 * confusion matrix, and calibration (ECE over 10 equal-width bins of the top-class confidence).
 */
export function evaluate(
  scores: readonly number[][],
  labels: readonly number[],
  classNames: string[],
  opts: { threshold?: number; bootstrap?: number; seed?: number; clusters?: readonly string[]; clusterUnit?: string } = {},
): Evaluation {
  const n = labels.length;
  const K = classNames.length;
  const pred = decide(scores, K === 2 ? opts.threshold : undefined);
  const confusion = Array.from({ length: K }, () => new Array<number>(K).fill(0));
  for (let i = 0; i < n; i++) confusion[labels[i]][pred[i]]++;
  const correct = pred.filter((p, i) => p === labels[i]).length;

  const aucs = aucOf(scores, labels, K);
  const boot = bootstrapIntervals(scores, labels, pred, K, clustersOf(n, opts.clusters, opts.clusterUnit), { reps: opts.bootstrap ?? 1000, seed: opts.seed ?? 0 });

  const perClass: ClassMetrics[] = classNames.map((className, c) => {
    const tp = confusion[c][c];
    const fn = confusion[c].reduce((a, b) => a + b, 0) - tp;
    const fp = confusion.reduce((a, row) => a + row[c], 0) - tp;
    const tn = n - tp - fn - fp;
    // Binary: both classes' one-vs-rest AUC is the same number.
    const auc = K === 2 ? aucs[0] : aucs[c];
    const b = boot.perClass[c];
    return {
      className, support: tp + fn, sensitivity: div(tp, tp + fn), specificity: div(tn, tn + fp), ppv: div(tp, tp + fp), npv: div(tn, tn + fn), auc,
      aucCi: b.auc, sensitivityCi: b.sensitivity, specificityCi: b.specificity, ppvCi: b.ppv, npvCi: b.npv,
    };
  });

  const bins: ReliabilityBin[] = Array.from({ length: 10 }, (_, b) => ({ lower: b / 10, upper: (b + 1) / 10, count: 0, confidence: 0, accuracy: 0 }));
  for (let i = 0; i < n; i++) {
    const top = scores[i].indexOf(Math.max(...scores[i]));
    const conf = scores[i][top];
    const b = Math.min(9, Math.floor(conf * 10));
    bins[b].count++;
    bins[b].confidence += conf;
    bins[b].accuracy += top === labels[i] ? 1 : 0;
  }
  let ece = 0;
  for (const b of bins) {
    if (b.count === 0) continue;
    b.confidence /= b.count;
    b.accuracy /= b.count;
    ece += (b.count / n) * Math.abs(b.accuracy - b.confidence);
  }

  const roc = rocClasses(K).map((c, k) => ({
    className: classNames[c],
    points: rocCurve(scores.map((s) => s[c]), labels.map((l) => l === c)).map(({ fpr, tpr }) => ({ fpr, tpr })),
    band: boot.rocBands[k],
  }));

  return {
    n,
    classNames,
    ciMethod: boot.method,
    ciUnits: boot.units,
    accuracy: div(correct, n),
    accuracyCi: boot.accuracy,
    balancedAccuracy: meanFinite(perClass.map((p) => p.sensitivity)),
    balancedAccuracyCi: boot.balancedAccuracy,
    auc: K === 2 ? aucs[0] : meanFinite(aucs),
    aucCi: boot.auc,
    perClass,
    confusion,
    ece,
    reliability: bins,
    ...(K === 2 && opts.threshold !== undefined ? { threshold: opts.threshold } : {}),
    roc,
  };
}

/** The flat numbers a package's metadata keeps (finite values only). */
export function flatMetrics(e: Evaluation, prefix = 'test'): Record<string, number> {
  const out: Record<string, number> = {
    [`${prefix}.n`]: e.n,
    [`${prefix}.accuracy`]: e.accuracy,
    [`${prefix}.balancedAccuracy`]: e.balancedAccuracy,
    [`${prefix}.auc`]: e.auc,
    [`${prefix}.aucCiLow`]: e.aucCi[0],
    [`${prefix}.aucCiHigh`]: e.aucCi[1],
    [`${prefix}.ece`]: e.ece,
  };
  if (e.threshold !== undefined) out[`${prefix}.threshold`] = e.threshold;
  for (const c of e.perClass) {
    for (const key of ['sensitivity', 'specificity', 'ppv', 'npv', 'auc'] as const) out[`${prefix}.${c.className}.${key}`] = c[key];
  }
  return Object.fromEntries(Object.entries(out).filter(([, v]) => Number.isFinite(v)));
}
