// Temperature scaling and ECE (models/training/calibration.ts) on numbers whose answer is
// known: logits made overconfident by a known temperature, and an ECE worked by hand.
import { describe, expect, it } from 'vitest';
import { applyTemperature, calibrateOnValidation, calibrationOnTest, expectedCalibrationError, fitTemperature, negativeLogLikelihood } from '../../models/training/calibration';
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
