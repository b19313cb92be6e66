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

/**
 * The temperatures searched. T = 0.05 multiplies every logit by 20: a margin of 0.5 nats
 * between two classes (scores 0.62 / 0.38) becomes 10 nats (0.99995 / 0.00005); T = 20 does
 * the reverse, and every score collapses towards 1/K. Networks are seldom off by more than a
 * factor of 5 either way (Guo et al. 2017 fit T between about 1 and 3 for deep networks;
 * small heads on few images here fitted 0.3 to 6), so a fit that wants more than four times
 * that has not found a temperature: on a validation split the model separates perfectly the
 * NLL falls without end as T -> 0 (all scores 0 or 1), and on one it ranks no better than
 * chance it falls as T -> infinity (all scores 1/K). Such a fit runs to a bound and is not
 * applied (calibrateOnValidation).
 */
export const TEMPERATURE_RANGE = { min: 0.05, max: 20 } as const;

/**
 * The least validation split a temperature is fitted on: fewer than 20 images (or series), or
 * fewer than 5 of some class, and one number fitted to them follows a few confident mistakes
 * or a lucky draw rather than the model (a series head's 10 validation series once fitted
 * T = 5, which raised the test split's ECE from 0.21 to 0.30). T = 1 is kept then, and said so.
 */
export const CALIBRATION_MINIMUM = { total: 20, perClass: 5 } as const;

export interface TemperatureFit {
  temperature: number;
  nllBefore: number;
  nllAfter: number;
  /** 'lower' or 'upper' when the fit ran to that end of the range searched: no temperature inside it fits. */
  atBound: 'lower' | 'upper' | null;
}

/**
 * The T in [minT, maxT] (by default TEMPERATURE_RANGE) with the least NLL of
 * applyTemperature(scores, T). The NLL is convex in 1/T (a log-sum-exp of lines in 1/T minus a
 * line), so a golden-section search over 1/T finds its minimum; 80 steps narrow the interval
 * below 1e-12 of its width. A minimum at either end is reported in atBound.
 */
export function fitTemperature(scores: readonly (readonly number[])[], labels: readonly number[], opts: { minT?: number; maxT?: number } = {}): TemperatureFit {
  if (scores.length !== labels.length) throw new Error(`Temperature fit: ${scores.length} score rows for ${labels.length} labels.`);
  const nllBefore = negativeLogLikelihood(scores, labels);
  if (scores.length === 0) return { temperature: 1, nllBefore, nllAfter: nllBefore, atBound: null };
  const nllAt = (beta: number) => negativeLogLikelihood(applyTemperature(scores, 1 / beta), labels);
  const minT = opts.minT ?? TEMPERATURE_RANGE.min;
  const maxT = opts.maxT ?? TEMPERATURE_RANGE.max;
  const betaLo = 1 / maxT;
  const betaHi = 1 / minT;
  let lo = betaLo;
  let hi = betaHi;
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
  // The search converges to within 1e-9 of an end when the minimum is there (or beyond it).
  const near = 1e-6 * (betaHi - betaLo);
  const atBound = beta - betaLo <= near ? 'upper' : betaHi - beta <= near ? 'lower' : null;
  return { temperature: 1 / beta, nllBefore, nllAfter: nllAt(beta), atBound };
}

/** What a package records of its calibration (metadata.json `calibration`). */
export interface CalibrationRecord {
  /** The temperature folded into the head: 1 when none was applied. */
  temperature: number;
  method: 'temperature scaling on the validation split';
  /** false when T = 1 was kept: the validation split was too small, the fit ran to a bound, or it would not have lowered the validation NLL and ECE. */
  applied: boolean;
  /** Why T = 1 was kept, in words for the user (only when applied is false). */
  reason?: string;
  validation: { n: number; eceBefore: number; eceAfter: number; nllBefore: number; nllAfter: number };
  test?: { n: number; eceBefore: number; eceAfter: number };
}

/**
 * Fits T on validation scores and decides whether to apply it: only when the split is large
 * enough (CALIBRATION_MINIMUM), the fit stays inside TEMPERATURE_RANGE, and it lowers the
 * validation NLL and does not raise the validation ECE (ECE over 10 bins is noisy on a small
 * split; a temperature that makes it worse there is not trusted). Otherwise T = 1 is kept and
 * `reason` says why. unit names what the rows are ('images', or 'series' for a series head).
 */
export function calibrateOnValidation(scores: readonly (readonly number[])[], labels: readonly number[], opts: { unit?: 'images' | 'series'; classNames?: readonly string[] } = {}): CalibrationRecord {
  const unit = opts.unit ?? 'images';
  const method = 'temperature scaling on the validation split' as const;
  const eceBefore = expectedCalibrationError(scores, labels);
  const nllBefore = negativeLogLikelihood(scores, labels);
  const kept = (reason: string): CalibrationRecord => ({ temperature: 1, method, applied: false, reason, validation: { n: scores.length, eceBefore, eceAfter: eceBefore, nllBefore, nllAfter: nllBefore } });
  const tooSmall = validationTooSmall(scores, labels, unit, opts.classNames);
  if (tooSmall) return kept(tooSmall);
  const fit = fitTemperature(scores, labels);
  const { min, max } = TEMPERATURE_RANGE;
  if (fit.atBound === 'lower') return kept(`the fit ran to the lowest temperature searched (T = ${min}): the validation ${unit} are separated (nearly) perfectly, so no temperature can be told from them and one would push every score to 0 or 1`);
  if (fit.atBound === 'upper') return kept(`the fit ran to the highest temperature searched (T = ${max}): on the validation ${unit} the scores rank hardly better than chance, and such a temperature would flatten every score towards 1/K`);
  const eceAfterFit = expectedCalibrationError(applyTemperature(scores, fit.temperature), labels);
  if (!(Number.isFinite(fit.temperature) && fit.nllAfter < fit.nllBefore && eceAfterFit <= eceBefore)) {
    return kept(`the temperature fitted on the validation ${unit} (T = ${fit.temperature.toFixed(3)}) did not lower both their NLL and their ECE`);
  }
  return { temperature: fit.temperature, method, applied: true, validation: { n: scores.length, eceBefore, eceAfter: eceAfterFit, nllBefore, nllAfter: fit.nllAfter } };
}

/** Why a validation split is too small to fit a temperature on (CALIBRATION_MINIMUM), or null. */
function validationTooSmall(scores: readonly (readonly number[])[], labels: readonly number[], unit: string, classNames?: readonly string[]): string | null {
  const { total, perClass } = CALIBRATION_MINIMUM;
  if (scores.length < total) return `the validation split has ${scores.length} ${unit}, fewer than the ${total} a temperature is fitted on`;
  const k = Math.max(2, scores[0].length, classNames?.length ?? 0);
  const counts = new Array<number>(k).fill(0);
  for (const l of labels) if (l >= 0 && l < k) counts[l]++;
  const few = counts.findIndex((c) => c < perClass);
  if (few < 0) return null;
  const name = classNames?.[few] !== undefined ? `class "${classNames[few]}"` : `class ${few}`;
  return `the validation split has ${counts[few]} ${unit} of ${name}, fewer than the ${perClass} of each class a temperature is fitted on`;
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
