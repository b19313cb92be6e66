// Active learning: which unlabelled series to label next. Plain numbers in, plain numbers
// out (no TF.js, no files), so `lumen suggest`, the app's "Label next" queue and the
// simulation in test/training/suggest.test.ts rank with exactly this code.
//
// A candidate's score is its uncertainty times a diversity factor:
//   uncertainty = the caller's measure when it gives one (`lumen suggest`: the mean mutual
//                 information of a package's uncertainty heads, models/training/ensemble.ts),
//                 else the entropy of the series' mean class probabilities / log(classes), in
//                 [0, 1] (1: the model cannot tell the classes apart; 0: it is sure);
//   distance    = Euclidean distance of the series' mean backbone features (standardised per
//                 feature, projected to at most PROJECTED_DIMS dimensions) to the nearest
//                 labelled series or series already suggested in this list, divided by the
//                 median distance between two series of the pool, so 1 is "as far as two
//                 series usually are";
//   score       = uncertainty * min(1, distance).
// Picked greedily, one at a time, each pick joining the set the next distances are taken to
// (uncertainty-weighted k-centre): a near copy of a labelled or already suggested series
// scores near 0 however uncertain it is, so a list of 20 is not 20 scans of one patient.
import { seededRandom } from './metrics';

export interface AcquisitionCandidate {
  /** Mean over the series' images of the model's class probabilities. */
  probabilities: readonly number[];
  /** Mean over the series' images of the pooled backbone features; null when the model gives none. */
  features: Float32Array | null;
  /** The series' uncertainty in [0, 1] when measured otherwise (e.g. the heads' mutual information); absent: the normalised entropy of `probabilities`. */
  uncertainty?: number;
}

export interface RankedCandidate {
  /** Index into the candidates given. */
  index: number;
  score: number;
  uncertainty: number;
  /** Distance to the nearest labelled or earlier-suggested series, in units of the pool's typical spacing; null without features. */
  distance: number | null;
}

export interface AcquisitionOptions {
  /** How many to return (default all). */
  n?: number;
  /** Mean features of the series already labelled. */
  labelled?: readonly Float32Array[];
  /** Seed of the random projection (default 1): the same inputs and seed give the same ranking. */
  seed?: number;
}

/** Features are projected to at most this many dimensions before distances: cost O(series² x 128), not x 1280. */
export const PROJECTED_DIMS = 128;

/** Normalised entropy of class probabilities, in [0, 1]. Probabilities need not sum exactly to 1. */
export function normalisedEntropy(p: readonly number[]): number {
  if (p.length < 2) return 0;
  const sum = p.reduce((a, b) => a + Math.max(0, b), 0);
  if (!(sum > 0)) return 1;
  let h = 0;
  for (const v of p) {
    const q = Math.max(0, v) / sum;
    if (q > 0) h -= q * Math.log(q);
  }
  return Math.min(1, Math.max(0, h / Math.log(p.length)));
}

/**
 * Ranks candidates by uncertainty with diversity (see the top of this file). Ties (e.g. every
 * score 0 when the model is sure of everything) go to the larger distance, then the lower index.
 */
export function rankCandidates(candidates: readonly AcquisitionCandidate[], opts: AcquisitionOptions = {}): RankedCandidate[] {
  const n = Math.min(candidates.length, opts.n ?? candidates.length);
  const uncertainty = candidates.map((c) => c.uncertainty ?? normalisedEntropy(c.probabilities));
  const withFeatures = candidates.every((c) => c.features && c.features.length > 0);
  if (!withFeatures) {
    return candidates
      .map((_, i) => ({ index: i, score: uncertainty[i], uncertainty: uncertainty[i], distance: null }))
      .sort((a, b) => b.score - a.score || a.index - b.index)
      .slice(0, n);
  }
  const labelled = (opts.labelled ?? []).filter((f) => f.length === candidates[0].features!.length);
  const rows = project([...candidates.map((c) => c.features!), ...labelled], opts.seed ?? 1);
  const cand = rows.slice(0, candidates.length);
  const lab = rows.slice(candidates.length);
  const scale = typicalSpacing(rows);
  // Distance of each candidate to the nearest member of the chosen set (labelled, then picks).
  const nearest = cand.map((c) => lab.reduce((m, l) => Math.min(m, dist(c, l)), Infinity));
  const picked: RankedCandidate[] = [];
  const free = new Set(cand.map((_, i) => i));
  while (picked.length < n) {
    let best = -1;
    let bestScore = -1;
    let bestDistance = -1;
    for (const i of free) {
      const d = nearest[i] / scale;
      const s = uncertainty[i] * Math.min(1, d);
      if (s > bestScore || (s === bestScore && d > bestDistance)) {
        best = i;
        bestScore = s;
        bestDistance = d;
      }
    }
    free.delete(best);
    picked.push({ index: best, score: bestScore, uncertainty: uncertainty[best], distance: Number.isFinite(bestDistance) ? bestDistance : null });
    for (const i of free) nearest[i] = Math.min(nearest[i], dist(cand[i], cand[best]));
  }
  return picked;
}

function dist(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let d = 0; d < a.length; d++) s += (a[d] - b[d]) ** 2;
  return Math.sqrt(s);
}

/**
 * Each feature standardised over all rows (a constant feature drops out), then a seeded
 * Gaussian random projection to PROJECTED_DIMS dimensions when there are more, which keeps
 * distances within a few percent (Johnson-Lindenstrauss) at a tenth of the cost.
 */
function project(rows: readonly Float32Array[], seed: number): Float64Array[] {
  const dim = rows[0]?.length ?? 0;
  const mean = new Float64Array(dim);
  const sd = new Float64Array(dim);
  for (const r of rows) for (let d = 0; d < dim; d++) mean[d] += r[d] / rows.length;
  for (const r of rows) for (let d = 0; d < dim; d++) sd[d] += (r[d] - mean[d]) ** 2 / rows.length;
  for (let d = 0; d < dim; d++) sd[d] = Math.sqrt(sd[d]);
  const z = rows.map((r) => Float64Array.from(r, (v, d) => (sd[d] > 1e-12 ? (v - mean[d]) / sd[d] : 0)));
  if (dim <= PROJECTED_DIMS) return z;
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const m = Array.from({ length: PROJECTED_DIMS }, () => Float64Array.from({ length: dim }, gauss));
  const k = 1 / Math.sqrt(PROJECTED_DIMS);
  return z.map((v) => Float64Array.from(m, (row) => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += row[d] * v[d];
    return s * k;
  }));
}

/** The median distance between two rows (over the pairs of at most 400 rows, evenly spaced); 1 when undefined. */
function typicalSpacing(rows: readonly Float64Array[]): number {
  if (rows.length < 2) return 1;
  const step = Math.max(1, Math.floor(rows.length / 400));
  const sample = rows.filter((_, i) => i % step === 0);
  const d: number[] = [];
  for (let i = 0; i < sample.length; i++) for (let j = i + 1; j < sample.length; j++) d.push(dist(sample[i], sample[j]));
  d.sort((a, b) => a - b);
  const med = d[Math.floor(d.length / 2)];
  return med > 1e-12 ? med : 1;
}
