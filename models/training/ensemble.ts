// An uncertainty for each prediction: a small ensemble of linear heads on the backbone's
// pooled features, trained in seconds on the features training already caches.
//
// Each head is a randomised MAP estimate, an "anchored ensemble" (Pearce et al. 2020,
// "Uncertainty in neural networks: approximately Bayesian ensembling"): head m minimises the
// class-weighted cross-entropy on a bootstrap resample of the training features (of at most
// 1,024 of them, a seeded subset, so that the heads cost seconds) plus
// ||W - W0_m||^2 / (2 sigma^2), its anchor W0_m drawn from the prior N(0, sigma^2) (sigma =
// priorScale / sqrt(features), so that the prior logit of a typical standardised feature
// vector has a standard deviation near priorScale). Where the training data pin the weights
// down, the heads agree; in directions of feature space the training images never span, each
// head keeps its own random anchor, so an image unlike the training data (whose features
// reach into those directions) gets heads that disagree. Plain weight-decayed heads from
// different seeds would not: without the anchor, weight decay pulls every head to zero in
// those directions and they agree there by construction.
//
// Uncertainty = the heads' mutual information (BALD: the entropy of their mean prediction
// minus the mean of their entropies) divided by log K: 0 when every head gives the same
// scores, 1 at most (K = 2: heads each certain and split evenly between the classes). It
// measures disagreement (epistemic uncertainty), not a score near 0.5: an image every head
// finds ambiguous in the same way has a low uncertainty and a middling score.
import { seededRandom } from './metrics';

/** One linear head on raw features: logits = features x kernel + bias, kernel row-major [features][classes]. */
export interface LinearHead {
  kernel: Float32Array;
  bias: Float32Array;
}

export interface EnsembleHeads {
  features: number;
  classes: number;
  heads: LinearHead[];
}

export interface EnsembleOptions {
  heads?: number;
  seed?: number;
  /** The prior's logit scale (see above); default 1. */
  priorScale?: number;
  /** Full-batch accelerated gradient steps (default 150). */
  iterations?: number;
  /** At most this many training rows (a seeded subset), so that the heads cost seconds (default 1024). */
  maxRows?: number;
  /** Loss weight per class (as the main head's); default all ones. */
  classWeights?: number[];
  /** Resample the training rows per head (default true). */
  bootstrap?: boolean;
}

export const DEFAULT_ENSEMBLE_HEADS = 5;

/**
 * Trains the heads on standardised features `x` (rows of `dim`), `labels` in 0..k-1. The
 * returned heads take the same standardised features (fold them with foldStandardisation).
 */
export function trainEnsemble(allX: readonly Float32Array[], allLabels: readonly number[], k: number, opts: EnsembleOptions = {}): EnsembleHeads {
  if (allX.length === 0 || allX.length !== allLabels.length) throw new Error(`Ensemble: ${allX.length} feature rows for ${allLabels.length} labels.`);
  const { x, labels } = subset(allX, allLabels, opts.maxRows ?? 1024, opts.seed ?? 1);
  const n = x.length;
  const dim = x[0].length;
  const heads = opts.heads ?? DEFAULT_ENSEMBLE_HEADS;
  const sigma = (opts.priorScale ?? 1) / Math.sqrt(dim);
  const iterations = opts.iterations ?? 150;
  const cw = opts.classWeights ?? new Array<number>(k).fill(1);
  // The largest eigenvalue of X'X / n bounds the data term's curvature (softmax CE: half of it).
  const lmax = largestEigenvalue(x, dim, 30) / n;
  // Every head is fitted at once: their weights side by side as columns [features][heads * k],
  // so each pass over a feature row serves all heads (the heads stay independent: each column
  // block sees only its own head's row weights, anchor and step).
  const K = heads * k;
  const rowWeight: Float64Array[] = [];
  const anchor = new Float64Array(dim * K);
  const step = new Float64Array(heads);
  const prior = 1 / (sigma * sigma * n);
  for (let m = 0; m < heads; m++) {
    const rand = seededRandom(((opts.seed ?? 1) * 7919 + m * 104729) >>> 0);
    const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    // Row weights: bootstrap counts times the class weight, normalised to a mean of one.
    const counts = new Float64Array(n);
    if (opts.bootstrap === false) counts.fill(1);
    else for (let i = 0; i < n; i++) counts[Math.floor(rand() * n)]++;
    let total = 0;
    for (let i = 0; i < n; i++) total += counts[i] * (cw[labels[i]] ?? 1);
    const w = Float64Array.from(counts, (c, i) => (c * (cw[labels[i]] ?? 1) * n) / Math.max(total, 1e-12));
    rowWeight.push(w);
    for (let j = 0; j < dim * k; j++) anchor[Math.floor(j / k) * K + m * k + (j % k)] = sigma * gauss();
    step[m] = 1 / (0.5 * lmax * Math.max(...w) + prior + 1e-12);
  }
  const w = Float64Array.from(anchor);
  const b = new Float64Array(K);
  const wPrev = Float64Array.from(w);
  const bPrev = new Float64Array(K);
  const gw = new Float64Array(dim * K);
  const gb = new Float64Array(K);
  const yw = new Float64Array(dim * K);
  const yb = new Float64Array(K);
  const z = new Float64Array(K);
  const g = new Float64Array(K);
  for (let t = 1; t <= iterations; t++) {
    // Nesterov: the gradient at the look-ahead point y.
    const mom = (t - 1) / (t + 2);
    for (let j = 0; j < w.length; j++) yw[j] = w[j] + mom * (w[j] - wPrev[j]);
    for (let c = 0; c < K; c++) yb[c] = b[c] + mom * (b[c] - bPrev[c]);
    gw.fill(0);
    gb.fill(0);
    for (let i = 0; i < n; i++) {
      const xi = x[i];
      z.set(yb);
      for (let d = 0; d < dim; d++) {
        const v = xi[d];
        if (v === 0) continue;
        const row = d * K;
        for (let c = 0; c < K; c++) z[c] += v * yw[row + c];
      }
      let any = false;
      for (let m = 0; m < heads; m++) {
        const r = rowWeight[m][i] / n;
        const at = m * k;
        if (r === 0) {
          for (let c = 0; c < k; c++) g[at + c] = 0;
          continue;
        }
        any = true;
        let max = -Infinity;
        for (let c = 0; c < k; c++) max = Math.max(max, z[at + c]);
        let sum = 0;
        for (let c = 0; c < k; c++) sum += g[at + c] = Math.exp(z[at + c] - max);
        for (let c = 0; c < k; c++) g[at + c] = r * (g[at + c] / sum - (c === labels[i] ? 1 : 0));
      }
      if (!any) continue;
      for (let c = 0; c < K; c++) gb[c] += g[c];
      for (let d = 0; d < dim; d++) {
        const v = xi[d];
        if (v === 0) continue;
        const row = d * K;
        for (let c = 0; c < K; c++) gw[row + c] += v * g[c];
      }
    }
    wPrev.set(w);
    bPrev.set(b);
    for (let j = 0; j < w.length; j++) w[j] = yw[j] - step[Math.floor((j % K) / k)] * (gw[j] + prior * (yw[j] - anchor[j]));
    for (let c = 0; c < K; c++) b[c] = yb[c] - step[Math.floor(c / k)] * gb[c];
  }
  const out: LinearHead[] = [];
  for (let m = 0; m < heads; m++) {
    const kernel = new Float32Array(dim * k);
    for (let d = 0; d < dim; d++) for (let c = 0; c < k; c++) kernel[d * k + c] = w[d * K + m * k + c];
    out.push({ kernel, bias: Float32Array.from(b.subarray(m * k, (m + 1) * k)) });
  }
  return { features: dim, classes: k, heads: out };
}

/** Heads on (x - mean) / std become heads on raw x: kernel / std, bias - sum(mean * kernel / std). */
export function foldStandardisation(e: EnsembleHeads, mean: ArrayLike<number>, std: ArrayLike<number>): EnsembleHeads {
  const { features: dim, classes: k } = e;
  return {
    features: dim,
    classes: k,
    heads: e.heads.map((h) => {
      const kernel = new Float32Array(dim * k);
      const bias = Float64Array.from(h.bias);
      for (let d = 0; d < dim; d++) {
        for (let c = 0; c < k; c++) {
          const v = h.kernel[d * k + c] / std[d];
          kernel[d * k + c] = v;
          bias[c] -= mean[d] * v;
        }
      }
      return { kernel, bias: Float32Array.from(bias) };
    }),
  };
}

/** Each head's class probabilities for n feature rows (flat [n][dim]): [image][head][class]. */
export function headProbabilities(e: EnsembleHeads, features: Float32Array, n: number): number[][][] {
  const { features: dim, classes: k } = e;
  if (features.length !== n * dim) throw new Error(`Ensemble: expected ${n} x ${dim} features, got ${features.length} values.`);
  const z = new Float64Array(k);
  const out: number[][][] = [];
  for (let i = 0; i < n; i++) {
    const x = features.subarray(i * dim, (i + 1) * dim);
    out.push(
      e.heads.map((h) => {
        for (let c = 0; c < k; c++) z[c] = h.bias[c];
        for (let d = 0; d < dim; d++) {
          const v = x[d];
          const row = d * k;
          for (let c = 0; c < k; c++) z[c] += v * h.kernel[row + c];
        }
        softmaxInPlace(z);
        return Array.from(z);
      }),
    );
  }
  return out;
}

/** The heads' mutual information over log K, in [0, 1] (see the top of this file). */
export function normalisedMutualInformation(perHead: readonly (readonly number[])[]): number {
  const m = perHead.length;
  const k = perHead[0]?.length ?? 0;
  if (m === 0 || k < 2) return 0;
  const mean = new Array<number>(k).fill(0);
  let meanEntropy = 0;
  for (const p of perHead) {
    meanEntropy += entropy(p) / m;
    p.forEach((v, c) => (mean[c] += v / m));
  }
  const mi = entropy(mean) - meanEntropy;
  return Math.min(1, Math.max(0, mi / Math.log(k)));
}

/** One uncertainty per feature row. */
export function ensembleUncertainty(e: EnsembleHeads, features: Float32Array, n: number): number[] {
  return headProbabilities(e, features, n).map(normalisedMutualInformation);
}

/** The q-quantile (nearest rank) of finite values, NaN when there are none. */
export function quantile(values: readonly number[], q: number): number {
  const f = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (f.length === 0) return NaN;
  return f[Math.min(f.length - 1, Math.max(0, Math.ceil(q * f.length) - 1))];
}

function entropy(p: readonly number[]): number {
  let h = 0;
  for (const v of p) if (v > 0) h -= v * Math.log(v);
  return h;
}

function softmaxInPlace(z: Float64Array): void {
  let max = -Infinity;
  for (const v of z) max = Math.max(max, v);
  let sum = 0;
  for (let c = 0; c < z.length; c++) sum += z[c] = Math.exp(z[c] - max);
  for (let c = 0; c < z.length; c++) z[c] /= sum;
}

/** At most `max` rows, chosen by a seeded shuffle (all of them, in order, when there are fewer). */
function subset(x: readonly Float32Array[], labels: readonly number[], max: number, seed: number): { x: readonly Float32Array[]; labels: readonly number[] } {
  if (x.length <= max) return { x, labels };
  const rand = seededRandom((seed * 31 + 17) >>> 0);
  const order = Array.from(x, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const chosen = order.slice(0, max).sort((a, b) => a - b);
  return { x: chosen.map((i) => x[i]), labels: chosen.map((i) => labels[i]) };
}

/** Power iteration for the largest eigenvalue of X'X. */
function largestEigenvalue(x: readonly Float32Array[], dim: number, steps: number): number {
  let v = new Float64Array(dim).fill(1 / Math.sqrt(dim));
  let lambda = 0;
  for (let s = 0; s < steps; s++) {
    const next = new Float64Array(dim);
    for (const row of x) {
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += row[d] * v[d];
      for (let d = 0; d < dim; d++) next[d] += dot * row[d];
    }
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += next[d] * next[d];
    norm = Math.sqrt(norm);
    if (norm === 0) return 0;
    lambda = norm;
    v = next.map((u) => u / norm);
  }
  return lambda;
}
