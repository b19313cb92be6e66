// Temperature scaling (Guo et al. 2017, "On calibration of modern neural networks"): one
// number T > 0 fitted on the validation split so that softmax(z / T) = softmax(log p / T) has
// the least negative log-likelihood there. Dividing every logit by one positive number keeps
// the order of the classes in each image and, for two classes, the order of the images by
// their positive score: the ranking (AUC) is unchanged and a threshold t on the raw scores is
// the threshold applyTemperature([[1 - t, t]], T)[0][1] on the calibrated ones.
//
// Training folds 1/T into the dense head's weights (electron/training/train.ts), so every
// score a package gives, on either runtime, is already calibrated; the package's metadata
// records T and the ECE before and after. A package without a temperature is T = 1.

/** Below this a probability is treated as this, so that log p stays finite. */
const TINY = 1e-30;

/** Row-wise softmax(log p / T): the scores a temperature T makes of probabilities p. One score per row is a sigmoid's. */
export function applyTemperature(scores: readonly (readonly number[])[], temperature: number): number[][] {
  if (!(temperature > 0) || !Number.isFinite(temperature)) throw new Error(`A temperature must be a positive number (got ${temperature}).`);
  const beta = 1 / temperature;
  return scores.map((row) => {
    if (row.length === 1) {
      // A sigmoid's p: logit(p) / T.
      const p = Math.min(1 - 1e-16, Math.max(TINY, row[0]));
      return [1 / (1 + Math.exp(-beta * Math.log(p / (1 - p))))];
    }
    const z = row.map((p) => beta * Math.log(Math.max(TINY, p)));
    const max = Math.max(...z);
    const e = z.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / sum);
  });
}

/** Mean negative log-likelihood of the true classes (nats). */
export function negativeLogLikelihood(scores: readonly (readonly number[])[], labels: readonly number[]): number {
  if (scores.length === 0) return NaN;
  let sum = 0;
  scores.forEach((row, i) => {
    const p = row.length === 1 ? (labels[i] === 1 ? row[0] : 1 - row[0]) : row[labels[i]];
    sum -= Math.log(Math.max(TINY, p));
  });
  return sum / scores.length;
}

/**
 * Expected calibration error: over 10 equal-width bins of the top class's score (bin
 * min(9, floor(10 p))), the image-weighted mean of |accuracy - mean score|. The same
 * definition as evaluate()'s `ece` in metrics.ts (a test holds them equal).
 */
export function expectedCalibrationError(scores: readonly (readonly number[])[], labels: readonly number[], bins = 10): number {
  const n = scores.length;
  if (n === 0) return NaN;
  const count = new Array<number>(bins).fill(0);
  const conf = new Array<number>(bins).fill(0);
  const hits = new Array<number>(bins).fill(0);
  scores.forEach((row, i) => {
    const two = row.length === 1 ? [1 - row[0], row[0]] : row;
    const top = two.indexOf(Math.max(...two));
    const b = Math.min(bins - 1, Math.floor(two[top] * bins));
    count[b]++;
    conf[b] += two[top];
    hits[b] += top === labels[i] ? 1 : 0;
  });
  let ece = 0;
  for (let b = 0; b < bins; b++) if (count[b] > 0) ece += (count[b] / n) * Math.abs(hits[b] / count[b] - conf[b] / count[b]);
  return ece;
}

export interface TemperatureFit {
  temperature: number;
  nllBefore: number;
  nllAfter: number;
}

/**
 * The T in [minT, maxT] with the least NLL of applyTemperature(scores, T). The NLL is convex in
 * 1/T (a log-sum-exp of lines in 1/T minus a line), so a golden-section search over 1/T finds
 * its minimum; 80 steps narrow the interval below 1e-12 of its width.
 */
export function fitTemperature(scores: readonly (readonly number[])[], labels: readonly number[], opts: { minT?: number; maxT?: number } = {}): TemperatureFit {
  if (scores.length !== labels.length) throw new Error(`Temperature fit: ${scores.length} score rows for ${labels.length} labels.`);
  const nllBefore = negativeLogLikelihood(scores, labels);
  if (scores.length === 0) return { temperature: 1, nllBefore, nllAfter: nllBefore };
  const nllAt = (beta: number) => negativeLogLikelihood(applyTemperature(scores, 1 / beta), labels);
  let lo = 1 / (opts.maxT ?? 100);
  let hi = 1 / (opts.minT ?? 0.01);
  const g = (Math.sqrt(5) - 1) / 2;
  let a = hi - g * (hi - lo);
  let b = lo + g * (hi - lo);
  let fa = nllAt(a);
  let fb = nllAt(b);
  for (let i = 0; i < 80 && hi - lo > 1e-9; i++) {
    if (fa <= fb) {
      hi = b;
      b = a;
      fb = fa;
      a = hi - g * (hi - lo);
      fa = nllAt(a);
    } else {
      lo = a;
      a = b;
      fa = fb;
      b = lo + g * (hi - lo);
      fb = nllAt(b);
    }
  }
  const beta = (lo + hi) / 2;
  return { temperature: 1 / beta, nllBefore, nllAfter: nllAt(beta) };
}

/** What a package records of its calibration (metadata.json `calibration`). */
export interface CalibrationRecord {
  /** The temperature folded into the head: 1 when none was applied. */
  temperature: number;
  method: 'temperature scaling on the validation split';
  /** false when the fitted temperature would not have lowered the validation NLL and ECE, and T = 1 was kept. */
  applied: boolean;
  validation: { n: number; eceBefore: number; eceAfter: number; nllBefore: number; nllAfter: number };
  test?: { n: number; eceBefore: number; eceAfter: number };
}

/**
 * Fits T on validation scores and decides whether to apply it: only when it lowers the
 * validation NLL and does not raise the validation ECE (ECE over 10 bins is noisy on a small
 * split; a temperature that makes it worse there is not trusted).
 */
export function calibrateOnValidation(scores: readonly (readonly number[])[], labels: readonly number[]): CalibrationRecord {
  const fit = fitTemperature(scores, labels);
  const eceBefore = expectedCalibrationError(scores, labels);
  const eceAfterFit = expectedCalibrationError(applyTemperature(scores, fit.temperature), labels);
  const applied = Number.isFinite(fit.temperature) && fit.nllAfter < fit.nllBefore && eceAfterFit <= eceBefore;
  const temperature = applied ? fit.temperature : 1;
  return {
    temperature,
    method: 'temperature scaling on the validation split',
    applied,
    validation: { n: scores.length, eceBefore, eceAfter: applied ? eceAfterFit : eceBefore, nllBefore: fit.nllBefore, nllAfter: applied ? fit.nllAfter : fit.nllBefore },
  };
}

/** The test split's ECE before and after, from its calibrated scores (the uncalibrated ones are applyTemperature(scores, 1 / T)). */
export function calibrationOnTest(temperature: number, calibratedScores: readonly (readonly number[])[], labels: readonly number[]): NonNullable<CalibrationRecord['test']> {
  const raw = applyTemperature(calibratedScores, 1 / temperature);
  return { n: labels.length, eceBefore: expectedCalibrationError(raw, labels), eceAfter: expectedCalibrationError(calibratedScores, labels) };
}

/** A calibration's numbers among a package's flat metrics (metadata.json `metrics`). */
export function calibrationMetrics(c: CalibrationRecord | undefined): Record<string, number> {
  if (!c) return {};
  const out: Record<string, number> = { 'calibration.temperature': c.temperature, 'validation.eceBeforeCalibration': c.validation.eceBefore, 'validation.eceAfterCalibration': c.validation.eceAfter };
  if (c.test) Object.assign(out, { 'test.eceBeforeCalibration': c.test.eceBefore, 'test.eceAfterCalibration': c.test.eceAfter });
  return out;
}
