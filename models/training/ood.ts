// Is an image's feature vector like the training images'? A Gaussian density of the training
// split's pooled backbone features, and each image's Mahalanobis distance under it; a distance
// above the threshold (the validation split's 99th percentile) is "unlike the training images".
//
// The covariance, in the space of features standardised by their training mean and standard
// deviation (so that no feature dominates by its scale), is
//   Σ = (1 - α) (P Λ Pᵀ + σ² (I - P Pᵀ)) + α μ I
// - P Λ Pᵀ: the top k principal components of the training features (k ≤ 32), σ² the mean of
//   the eigenvalues left out: probabilistic PCA (Tipping & Bishop 1999), which keeps the
//   directions the training data never varied in (where an unlike image shows) instead of
//   dropping them, in k·d numbers rather than d².
// - α μ I: Ledoit-Wolf shrinkage towards the mean variance μ (Ledoit & Wolf 2004, its α
//   estimated from the data), since a few hundred images cannot estimate a 1280-dimensional
//   covariance.
// The squared distance is then Σ z_i² / v_i over the components plus |r|² / v_r for the rest.
// Mahalanobis distances on pooled features are a standard out-of-distribution score (Lee et
// al. 2018; Kamoi & Kobayashi 2020 on why the small-variance directions matter). It says how
// unlike the training images an image's features are; it does not say a prediction is right.
import { quantile } from './ensemble';

/** The fitted density, as domain.bin stores it. */
export interface FeatureDensity {
  /** Length of the pooled features (model.onnx's "features"). */
  features: number;
  /** Training mean and standard deviation per feature (standardisation). */
  mean: Float32Array;
  std: Float32Array;
  /** k principal components [k][features], row-major, orthonormal in standardised space. */
  components: Float32Array;
  /** Each component's variance after shrinkage: v_i. */
  variances: Float32Array;
  /** The variance of every direction outside the components after shrinkage: v_r. */
  residualVariance: number;
  /** Ledoit-Wolf's α, 0..1 (recorded in the package for a reader). */
  shrinkage: number;
}

/** At most this many components are kept. */
export const MAX_COMPONENTS = 32;
/** At most this many training rows fit the components (a deterministic stride through the split). */
export const MAX_FIT_ROWS = 256;

/** Fits the density on the training split's features (each row one image's features). */
export function fitFeatureDensity(rows: readonly Float32Array[]): FeatureDensity {
  const n = rows.length;
  if (n < 2) throw new Error(`The training-domain check needs the features of 2 training images at least; there are ${n}.`);
  const d = rows[0].length;
  const mean = new Float64Array(d);
  const variance = new Float64Array(d);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j] += r[j] / n;
  for (const r of rows) for (let j = 0; j < d; j++) variance[j] += (r[j] - mean[j]) ** 2 / n;
  let avg = 0;
  for (let j = 0; j < d; j++) avg += Math.sqrt(variance[j]) / d;
  // A constant feature keeps a floor, so that standardising never divides by zero.
  const std = Float64Array.from(variance, (v) => Math.max(Math.sqrt(v), 1e-3 * avg, 1e-12));
  // The rows the components are fitted on, standardised (centred by the full split's mean).
  const step = Math.max(1, n / MAX_FIT_ROWS);
  const picked: Float64Array[] = [];
  for (let t = 0; Math.floor(t) < n && picked.length < MAX_FIT_ROWS; t += step) {
    const r = rows[Math.floor(t)];
    picked.push(Float64Array.from({ length: d }, (_, j) => (r[j] - mean[j]) / std[j]));
  }
  const m = picked.length;
  // Gram matrix G = X Xᵀ (m x m): S = Xᵀ X / m shares its non-zero eigenvalues with G / m.
  const gram = new Float64Array(m * m);
  for (let a = 0; a < m; a++) {
    for (let b = a; b < m; b++) {
      let s = 0;
      const xa = picked[a], xb = picked[b];
      for (let j = 0; j < d; j++) s += xa[j] * xb[j];
      gram[a * m + b] = s;
      gram[b * m + a] = s;
    }
  }
  // Ledoit-Wolf's α from the Gram matrix: trace(S), |S|², and each row's xᵀ S x.
  let traceG = 0, sumG2 = 0, beta = 0;
  for (let a = 0; a < m; a++) traceG += gram[a * m + a];
  for (let i = 0; i < m * m; i++) sumG2 += gram[i] * gram[i];
  const traceS = traceG / m;
  const frobS2 = sumG2 / (m * m);
  const mu = traceS / d;
  for (let a = 0; a < m; a++) {
    let xSx = 0;
    for (let b = 0; b < m; b++) xSx += gram[a * m + b] ** 2;
    xSx /= m;
    beta += gram[a * m + a] ** 2 - 2 * xSx + frobS2;
  }
  beta /= m * m;
  const delta = Math.max(frobS2 - mu * mu * d, 0);
  const shrinkage = delta > 0 ? Math.min(1, Math.max(0, beta / delta)) : 1;
  // The top components: eigenvectors u of G give the components Xᵀ u / √(m λ).
  const { values, vectors } = symmetricEigen(gram, m);
  const order = Array.from(values.keys()).sort((a, b) => values[b] - values[a]);
  const k = Math.min(MAX_COMPONENTS, Math.floor(m / 2), order.filter((i) => values[i] > 1e-9 * traceG).length);
  const components = new Float32Array(k * d);
  const variances = new Float32Array(k);
  let kept = 0;
  for (let c = 0; c < k; c++) {
    const i = order[c];
    const lambda = values[i] / m;
    const scale = 1 / Math.sqrt(values[i]);
    for (let a = 0; a < m; a++) {
      const u = vectors[a * m + i] * scale;
      if (u === 0) continue;
      const xa = picked[a];
      for (let j = 0; j < d; j++) components[c * d + j] += u * xa[j];
    }
    variances[c] = (1 - shrinkage) * lambda + shrinkage * mu;
    kept += lambda;
  }
  const residual = d > k ? Math.max(traceS - kept, 0) / (d - k) : 0;
  // Without shrinkage and with no variance left over, a floor keeps the distance finite.
  const residualVariance = Math.max((1 - shrinkage) * residual + shrinkage * mu, 1e-6 * Math.max(mu, 1e-12));
  return { features: d, mean: Float32Array.from(mean), std: Float32Array.from(std), components, variances, residualVariance, shrinkage };
}

/** Mahalanobis distance (not squared) of one image's features under the density. */
export function featureDistance(density: FeatureDensity, x: Float32Array, at = 0): number {
  const d = density.features;
  const k = density.variances.length;
  const z = new Float64Array(d);
  let norm2 = 0;
  for (let j = 0; j < d; j++) {
    z[j] = (x[at + j] - density.mean[j]) / density.std[j];
    norm2 += z[j] * z[j];
  }
  let inside = 0, projected = 0;
  for (let c = 0; c < k; c++) {
    let p = 0;
    for (let j = 0; j < d; j++) p += density.components[c * d + j] * z[j];
    inside += (p * p) / density.variances[c];
    projected += p * p;
  }
  return Math.sqrt(inside + Math.max(norm2 - projected, 0) / density.residualVariance);
}

/** Distances of n images' features ([n][features] row-major). */
export function featureDistances(density: FeatureDensity, features: Float32Array, n: number): number[] {
  return Array.from({ length: n }, (_, i) => featureDistance(density, features, i * density.features));
}

/** The validation split's distances: the threshold (its 99th percentile) and its median. */
export function distanceThreshold(validation: readonly number[]): { n: number; p50: number; p99: number } {
  return { n: validation.length, p50: quantile(validation, 0.5), p99: quantile(validation, 0.99) };
}

/** Eigenvalues and eigenvectors (columns of `vectors`, n x n row-major) of a symmetric matrix: cyclic Jacobi. */
export function symmetricEigen(matrix: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let total = 0;
  for (let i = 0; i < n * n; i++) total += a[i] * a[i];
  for (let sweep = 0; sweep < 60; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off <= 1e-22 * total || off === 0) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Float64Array.from({ length: n }, (_, i) => a[i * n + i]), vectors: v };
}
