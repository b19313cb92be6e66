// Temperature scaling and ECE (models/training/calibration.ts) on numbers whose answer is
// known: logits made overconfident by a known temperature, and an ECE worked by hand.
import { describe, expect, it } from 'vitest';
import { applyTemperature, CALIBRATION_MINIMUM, calibrateOnValidation, calibrationOnTest, expectedCalibrationError, fitTemperature, negativeLogLikelihood, TEMPERATURE_RANGE } from '../../models/training/calibration';
import { evaluate, rocAuc, seededRandom } from '../../models/training/metrics';

function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** n images whose true class probabilities are softmax(z); the model reports softmax(z * t): overconfident by t. */
function overconfident(n: number, k: number, t: number, seed: number): { scores: number[][]; labels: number[] } {
  const rand = seededRandom(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const scores: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: k }, () => 1.5 * gauss());
    const p = softmax(z);
    let u = rand();
    let label = k - 1;
    for (let c = 0; c < k; c++) if ((u -= p[c]) < 0) { label = c; break; }
    labels.push(label);
    scores.push(softmax(z.map((v) => v * t)));
  }
  return { scores, labels };
}

describe('temperature scaling', () => {
  it.each([
    { k: 2, t: 2.5 },
    { k: 3, t: 0.6 },
    { k: 5, t: 4 },
  ])('recovers a known temperature ($k classes, T = $t) within 5%', ({ k, t }) => {
    const { scores, labels } = overconfident(20_000, k, t, 7 + k);
    const fit = fitTemperature(scores, labels);
    expect(Math.abs(fit.temperature - t) / t).toBeLessThan(0.05);
    expect(fit.nllAfter).toBeLessThan(fit.nllBefore);
    // Calibrated, the ECE falls well below the miscalibrated one.
    const after = applyTemperature(scores, fit.temperature);
    expect(expectedCalibrationError(after, labels)).toBeLessThan(0.02);
    expect(expectedCalibrationError(scores, labels)).toBeGreaterThan(0.05);
  });

  it('recovers it from one sigmoid score per image too', () => {
    const { scores, labels } = overconfident(20_000, 2, 3, 99);
    const fit = fitTemperature(scores.map((s) => [s[1]]), labels);
    expect(Math.abs(fit.temperature - 3) / 3).toBeLessThan(0.05);
  });

  it('a calibrated model keeps T near 1', () => {
    const { scores, labels } = overconfident(20_000, 3, 1, 3);
    expect(Math.abs(fitTemperature(scores, labels).temperature - 1)).toBeLessThan(0.05);
  });

  it('keeps the ranking (AUC) and maps a threshold across', () => {
    const { scores, labels } = overconfident(2_000, 2, 2, 5);
    const after = applyTemperature(scores, 2);
    const pos = labels.map((l) => l === 1);
    expect(rocAuc(after.map((s) => s[1]), pos)).toBeCloseTo(rocAuc(scores.map((s) => s[1]), pos), 12);
    const t = 0.7;
    const mapped = applyTemperature([[1 - t, t]], 2)[0][1];
    scores.forEach((s, i) => expect(after[i][1] >= mapped).toBe(s[1] >= t));
    // And back: 1/T undoes T.
    const back = applyTemperature(after, 1 / 2);
    back.forEach((s, i) => s.forEach((v, c) => expect(v).toBeCloseTo(scores[i][c], 9)));
  });

  it('refuses a temperature that is not a positive number', () => {
    expect(() => applyTemperature([[0.5, 0.5]], 0)).toThrow(/positive number/);
    expect(() => applyTemperature([[0.5, 0.5]], Number.NaN)).toThrow(/positive number/);
  });

  it('on validation: applies the fit only when it lowers NLL and does not raise ECE; the test split reports both', () => {
    const { scores, labels } = overconfident(5_000, 3, 2, 11);
    const rec = calibrateOnValidation(scores, labels);
    expect(rec.applied).toBe(true);
    expect(rec.validation.eceAfter).toBeLessThanOrEqual(rec.validation.eceBefore);
    expect(rec.validation.nllAfter).toBeCloseTo(negativeLogLikelihood(applyTemperature(scores, rec.temperature), labels), 12);
    const test = overconfident(3_000, 3, 2, 12);
    const calibrated = applyTemperature(test.scores, rec.temperature);
    const onTest = calibrationOnTest(rec.temperature, calibrated, test.labels);
    expect(onTest.eceBefore).toBeCloseTo(expectedCalibrationError(test.scores, test.labels), 9);
    expect(onTest.eceAfter).toBeLessThan(onTest.eceBefore);
  });
});

describe('temperature scaling keeps T = 1 where it cannot be fitted, and says why', () => {
  /** n images, half of each class, every one on the right side of 0.5 with a moderate score: separated perfectly. */
  function separable(n: number): { scores: number[][]; labels: number[] } {
    const rand = seededRandom(41);
    const labels = Array.from({ length: n }, (_, i) => i % 2);
    const scores = labels.map((l) => { const p = 0.55 + 0.3 * rand(); return l === 1 ? [1 - p, p] : [p, 1 - p]; });
    return { scores, labels };
  }

  it('a perfectly separated validation split runs the fit to the lowest temperature, and T = 1 is kept with that reason', () => {
    const { scores, labels } = separable(100);
    // The NLL falls without end as T -> 0 here: the fit stops at the range's bound and says so.
    const fit = fitTemperature(scores, labels);
    expect(fit.atBound).toBe('lower');
    expect(fit.temperature).toBeCloseTo(TEMPERATURE_RANGE.min, 6);
    const rec = calibrateOnValidation(scores, labels);
    expect(rec.applied).toBe(false);
    expect(rec.temperature).toBe(1);
    expect(rec.reason).toMatch(/ran to the lowest temperature searched \(T = 0\.05\).*separated/);
    expect(rec.validation.nllAfter).toBe(rec.validation.nllBefore);
    expect(rec.validation.eceAfter).toBe(rec.validation.eceBefore);
  });

  it('a validation split the model ranks at chance runs the fit to the highest temperature, and T = 1 is kept with that reason', () => {
    // Each confident score twice, once for each class: no temperature below infinity lowers the NLL further.
    const rand = seededRandom(43);
    const scores: number[][] = [];
    const labels: number[] = [];
    for (let i = 0; i < 30; i++) {
      const p = 0.7 + 0.25 * rand();
      scores.push([1 - p, p], [1 - p, p]);
      labels.push(0, 1);
    }
    expect(fitTemperature(scores, labels).atBound).toBe('upper');
    const rec = calibrateOnValidation(scores, labels, { unit: 'series' });
    expect(rec.applied).toBe(false);
    expect(rec.temperature).toBe(1);
    expect(rec.reason).toMatch(/ran to the highest temperature searched \(T = 20\).*validation series/);
  });

  it('a validation split too small to fit on keeps T = 1 and names what is missing', () => {
    // Overconfident by 3: a large split fits T = 3, a tiny one is not trusted to.
    const tiny = overconfident(CALIBRATION_MINIMUM.total - 8, 2, 3, 51);
    const rec = calibrateOnValidation(tiny.scores, tiny.labels, { unit: 'series' });
    expect(rec).toMatchObject({ applied: false, temperature: 1, validation: { n: 12 } });
    expect(rec.reason).toBe('the validation split has 12 series, fewer than the 20 a temperature is fitted on');
    // Enough images, but one class has only 3 of them.
    const big = overconfident(400, 2, 3, 52);
    const few = { scores: [] as number[][], labels: [] as number[] };
    let ones = 0;
    big.scores.forEach((s, i) => {
      if (big.labels[i] === 1 && ++ones > 3) return;
      few.scores.push(s);
      few.labels.push(big.labels[i]);
    });
    const rec2 = calibrateOnValidation(few.scores, few.labels, { classNames: ['none', 'lesion'] });
    expect(rec2.applied).toBe(false);
    expect(rec2.reason).toBe('the validation split has 3 images of class "lesion", fewer than the 5 of each class a temperature is fitted on');
  });

  it('a modest split of an overconfident model still fits a T inside the range that lowers the NLL', () => {
    const { scores, labels } = overconfident(60, 2, 3, 53);
    const rec = calibrateOnValidation(scores, labels);
    expect(rec.applied).toBe(true);
    expect(rec.reason).toBeUndefined();
    expect(rec.temperature).toBeGreaterThan(1.5);
    expect(rec.temperature).toBeLessThan(TEMPERATURE_RANGE.max);
    expect(rec.validation.nllAfter).toBeLessThan(rec.validation.nllBefore);
  });
});

describe('expected calibration error', () => {
  it('matches a case worked by hand', () => {
    // Top-class scores 0.9 (right: bin 9), 0.85 (wrong) and 0.88 (right) in bin 8, 0.6 (right: bin 6).
    // ECE = 1/4 |1 - 0.9| + 2/4 |0.5 - 0.865| + 1/4 |1 - 0.6| = 0.025 + 0.1825 + 0.1 = 0.3075.
    const scores = [[0.1, 0.9], [0.15, 0.85], [0.12, 0.88], [0.6, 0.4]];
    const labels = [1, 0, 1, 0];
    expect(expectedCalibrationError(scores, labels)).toBeCloseTo(0.3075, 12);
    // A perfectly calibrated bin contributes nothing: two images at 0.5 confidence, one right.
    expect(expectedCalibrationError([[0.5, 0.5], [0.5, 0.5]], [0, 1])).toBeCloseTo(0, 12);
  });

  it('is the ECE evaluate() reports in the metrics', () => {
    const { scores, labels } = overconfident(1_000, 3, 1.7, 21);
    expect(expectedCalibrationError(scores, labels)).toBeCloseTo(evaluate(scores, labels, ['a', 'b', 'c'], { bootstrap: 1 }).ece, 12);
  });
});
