// The binary decision threshold (youdenThreshold) sits in the middle of the interval with the
// best Youden's J, on the logit scale, not on the weakest validation positive (T2-2, s16): with
// perfectly separated validation scores the old threshold was the lowest positive score, so a
// test series a shade below it was called negative although every score ranked it right.
import { describe, expect, it } from 'vitest';
import { decide, evaluate, youdenThreshold } from '../../models/training/metrics';

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

// Series scores [P(Disc), P(ring)] of a real MIL run (T2's `lumen train --level series` on the
// disc/ring phantoms, mil2.json testPredictions), and the validation threshold it chose then
// (0.99989, its lowest validation ring score).
const TEST = [
  { label: 0, scores: [0.9995306901667024, 0.0004693098332977484] },
  { label: 1, scores: [8.08453315204574e-5, 0.9999191546684797] },
  { label: 1, scores: [0.00040582999231450375, 0.9995941700076855] },
  { label: 0, scores: [0.9988937477174356, 0.0011062522825644214] },
];
const OLD_THRESHOLD = 0.9998875426553008;

describe('youdenThreshold: the middle of the best J', () => {
  it('perfectly separated real scores: between the classes, so the test split is counted as its scores rank it', () => {
    // A validation split like that run's: its lowest ring score the old threshold, Disc scores of the same model.
    const validation = [OLD_THRESHOLD, 0.9999191546684797, 0.0004693098332977484, 0.0011062522825644214];
    const t = youdenThreshold(validation, [true, true, false, false]);
    expect(t).toBeCloseTo(sigmoid((logit(0.0011062522825644214) + logit(OLD_THRESHOLD)) / 2), 12);
    expect(t).toBeGreaterThan(0.0011062522825644214);
    expect(t).toBeLessThan(0.99);
    const scores = TEST.map((s) => s.scores);
    const labels = TEST.map((s) => s.label);
    // The old threshold called the ring series at P(ring) 0.9996 Disc: accuracy 0.75 with ROC AUC 1.
    expect(evaluate(scores, labels, ['Disc', 'ring'], { threshold: OLD_THRESHOLD, bootstrap: 10 }).accuracy).toBe(0.75);
    const e = evaluate(scores, labels, ['Disc', 'ring'], { threshold: t, bootstrap: 10 });
    expect(e.accuracy).toBe(1);
    expect(e.auc).toBe(1);
    // Here the threshold and the larger probability (what predict and the Classifier panel name) agree.
    expect(decide(scores, t)).toEqual(decide(scores));
  });

  it('takes the midpoint on the logit scale: 0.0001 and 0.9998 give about 0.41, 0.2 and 0.8 give 0.5', () => {
    expect(youdenThreshold([0.9998, 0.0001], [true, false])).toBeCloseTo(sigmoid((logit(0.0001) + logit(0.9998)) / 2), 12);
    expect(youdenThreshold([0.9998, 0.0001], [true, false])).toBeCloseTo(0.414, 3);
    expect(youdenThreshold([0.8, 0.2, 0.9, 0.1], [true, false, true, false])).toBeCloseTo(0.5, 12);
  });

  it('an interval between two adjacent distinct scores: the J of the threshold found is the best J', () => {
    // Descending: 0.9 (J 1/4), 0.7 (1/2), 0.6 (3/4), 0.4 (1/4), 0.3 (1/2), 0.1 (0): best between 0.4 and 0.6.
    const t = youdenThreshold([0.1, 0.3, 0.4, 0.6, 0.7, 0.9], [false, true, false, true, true, true]);
    expect(t).toBeCloseTo(0.5, 12);
  });

  it('ties: a tied positive and negative make one interval with the points around them', () => {
    // 0.9 P (J 1/2), 0.5 P+N tied (J 1/2), 0.1 N (J 0): every threshold in (0.1, 0.9] has J 1/2.
    expect(youdenThreshold([0.9, 0.5, 0.5, 0.1], [true, true, false, false])).toBeCloseTo(0.5, 12);
  });

  it('two separate intervals with the best J: the wider one on the logit scale', () => {
    // 0.9 P (J 1/2), 0.8 N (0), 0.7 P (1/2), 0.2 N (0): (0.8, 0.9] and (0.2, 0.7]; the second is wider.
    const t = youdenThreshold([0.9, 0.8, 0.7, 0.2], [true, false, true, false]);
    expect(t).toBeCloseTo(sigmoid((logit(0.2) + logit(0.7)) / 2), 12);
  });

  it('no threshold better than chance, or one class only: 0.5, the larger-probability rule', () => {
    expect(youdenThreshold([0.3, 0.3, 0.3], [true, false, true])).toBe(0.5);
    expect(youdenThreshold([0.9, 0.2], [true, true])).toBe(0.5);
    expect(youdenThreshold([0.9, 0.2], [false, true])).toBe(0.5);
  });

  it('saturated probabilities (exactly 0 and 1, or closer to 1 than the logit can tell): a threshold still between them', () => {
    expect(youdenThreshold([1, 1, 0, 0], [true, true, false, false])).toBeCloseTo(0.5, 4);
    const lo = 1 - 1e-14;
    const t = youdenThreshold([1, lo], [true, false]);
    expect(t).toBeGreaterThan(lo);
    expect(t).toBeLessThanOrEqual(1);
  });
});

describe('thresholdRule: each place says which rule counts a class', () => {
  it('names the threshold, with the digits it takes, and where lumen predict differs', async () => {
    const { thresholdRule, thresholdFigure } = await import('../../common/threshold-words');
    const { evaluationLines } = await import('../../models/training/levels');
    // An old package keeps its stored threshold: it reads as 0.9999, not 1.000.
    expect(thresholdFigure(OLD_THRESHOLD)).toBe('0.9999');
    expect(thresholdRule(OLD_THRESHOLD, ['Disc', 'ring'])).toBe(
      'Counted as ring from a ring score of 0.9999 (the threshold chosen on validation); lumen predict and the Classifier panel name the class with the larger probability (ring from 0.5), so a ring score from 0.5 to 0.9999 is counted Disc here but named ring there.',
    );
    expect(thresholdRule(0.414, ['Disc', 'ring'])).toContain('a ring score from 0.414 to 0.5 is counted ring here but named Disc there');
    expect(thresholdRule(0.5, ['Disc', 'ring'])).toBe('Counted as ring from a ring score of 0.500 (the threshold chosen on validation), as lumen predict and the Classifier panel name it (the larger probability).');
    expect(thresholdRule(undefined, ['a', 'b'])).toBeNull();
    expect(thresholdRule(0.3, ['a', 'b', 'c'])).toBeNull();
    // lumen eval's lines carry it.
    const e = evaluate(TEST.map((s) => s.scores), TEST.map((s) => s.label), ['Disc', 'ring'], { threshold: OLD_THRESHOLD, bootstrap: 10 });
    expect(evaluationLines(e).at(-1)).toBe(`  ${thresholdRule(OLD_THRESHOLD, ['Disc', 'ring'])}`);
  });
});
