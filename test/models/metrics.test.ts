// The evaluation numbers on cases worked out by hand: ROC AUC (with ties), the Youden
// threshold, sensitivity/specificity/PPV/NPV, accuracy and balanced accuracy, the confusion
// matrix with a threshold chosen elsewhere (validation), calibration, one-vs-rest AUCs.
import { describe, expect, it } from 'vitest';
import { evaluate, rocAuc, youdenThreshold } from '../../models/training/metrics';
import { evaluationLines } from '../../models/training/levels';

describe('ROC AUC and the operating threshold', () => {
  it('AUC is the share of positive-negative pairs ranked right, ties counting one half', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [false, false, true, true])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.5, 0.5, 0.5, 0.9], [true, false, false, true])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.2, 0.3], [true, true])).toBeNaN();
  });

  it("Youden's J picks the threshold with the largest sensitivity + specificity - 1", () => {
    // Descending: 0.9 (J 1/4), 0.7 (1/2), 0.6 (3/4), 0.4 (1/4), 0.3 (1/2), 0.1 (0): every threshold
    // in (0.4, 0.6] has J 3/4; the middle on the logit scale (threshold-midpoint.test.ts).
    expect(youdenThreshold([0.1, 0.3, 0.4, 0.6, 0.7, 0.9], [false, true, false, true, true, true])).toBeCloseTo(0.5, 12);
  });
});

describe('evaluate', () => {
  const classNames = ['negative', 'positive'];
  const p = [0.1, 0.35, 0.2, 0.6, 0.4, 0.9];
  const scores = p.map((x) => [1 - x, x]);
  const labels = [0, 0, 1, 1, 1, 1];

  it('binary at a given threshold: confusion, per-class rates, accuracies, AUC, calibration', () => {
    const e = evaluate(scores, labels, classNames, { threshold: 0.3, seed: 1 });
    // Predicted positive when p >= 0.3: [0, 1, 0, 1, 1, 1].
    expect(e.confusion).toEqual([[1, 1], [1, 3]]);
    expect(e.threshold).toBe(0.3);
    const pos = e.perClass[1];
    expect([pos.sensitivity, pos.specificity, pos.ppv, pos.npv]).toEqual([0.75, 0.5, 0.75, 0.5]);
    expect(e.perClass[0].sensitivity).toBe(0.5);
    expect(e.accuracy).toBeCloseTo(4 / 6, 12);
    expect(e.balancedAccuracy).toBeCloseTo((0.5 + 0.75) / 2, 12);
    // Positive scores {0.2, 0.6, 0.4, 0.9} against negative {0.1, 0.35}: 7 of 8 pairs.
    expect(e.auc).toBeCloseTo(7 / 8, 12);
    expect(pos.auc).toBe(e.auc);
    // Top-class confidences 0.9 0.65 0.8 0.6 0.6 0.9 (right, right, wrong, right, wrong, right):
    // bin 9: 2 at 0.9, all right; bin 8: 1 at 0.8, wrong; bin 6: 0.65, 0.6, 0.6 with 2 of 3 right.
    expect(e.ece).toBeCloseTo((2 / 6) * 0.1 + (1 / 6) * 0.8 + (3 / 6) * Math.abs(2 / 3 - (0.65 + 0.6 + 0.6) / 3), 12);
    expect(e.reliability[8]).toMatchObject({ count: 1, accuracy: 0 });
    // The bootstrap interval is seeded: the same seed, the same interval.
    expect(e.aucCi[0]).toBeLessThanOrEqual(e.aucCi[1]);
    expect(evaluate(scores, labels, classNames, { threshold: 0.3, seed: 1 }).aucCi).toEqual(e.aucCi);
  });

  it('without a threshold the larger score decides, and the confusion changes accordingly', () => {
    const e = evaluate(scores, labels, classNames, { seed: 1 });
    expect(e.confusion).toEqual([[2, 0], [2, 2]]);
    expect(e.threshold).toBeUndefined();
    expect(e.auc).toBeCloseTo(7 / 8, 12);
  });

  it('multi-class: one-vs-rest AUC per class and their mean', () => {
    const s = [[0.7, 0.2, 0.1], [0.2, 0.5, 0.3], [0.1, 0.3, 0.6], [0.4, 0.4, 0.2], [0.3, 0.3, 0.4], [0.5, 0.1, 0.4]];
    const l = [0, 1, 2, 1, 2, 0];
    const e = evaluate(s, l, ['a', 'b', 'c'], { seed: 2 });
    const ovr = [0, 1, 2].map((c) => rocAuc(s.map((r) => r[c]), l.map((x) => x === c)));
    expect(e.perClass.map((c) => c.auc)).toEqual(ovr);
    expect(e.auc).toBeCloseTo((ovr[0] + ovr[1] + ovr[2]) / 3, 12);
    // Class a: 0.7 and 0.5 against 0.2 0.1 0.4 0.3: every pair right.
    expect(ovr[0]).toBe(1);
    expect(e.confusion.flat().reduce((a, b) => a + b, 0)).toBe(6);
  });
});

describe("the CLI's evaluation lines", () => {
  it('say n/a with the reason where a figure has no value, never NaN', () => {
    // Three classes; "effusion" is never the top score, so its PPV has no value.
    const scores = [
      [0.8, 0.1, 0.1],
      [0.7, 0.2, 0.1],
      [0.2, 0.7, 0.1],
      [0.1, 0.8, 0.1],
      [0.5, 0.3, 0.2],
      [0.3, 0.5, 0.2],
    ];
    const labels = [0, 0, 1, 1, 2, 2];
    const e = evaluate(scores, labels, ['normal', 'nodule', 'effusion'], { bootstrap: 50 });
    expect(e.perClass[2].ppv).toBeNaN();
    const lines = evaluationLines(e);
    expect(lines).toHaveLength(4);
    expect(lines.join('\n')).not.toMatch(/NaN/);
    expect(lines[3]).toMatch(/^ {2}effusion: sensitivity 0\.000 specificity 1\.000 PPV n\/a \(never predicted\) NPV 0\.667 ROC AUC \d\.\d{3}$/);
    expect(lines[1]).toMatch(/^ {2}normal: sensitivity 1\.000 specificity 0\.750 PPV 0\.667 NPV 1\.000 ROC AUC/);
    expect(lines[0]).toMatch(/^accuracy 0\.667 · balanced accuracy 0\.667 · ROC AUC \d\.\d{3} \(95% CI \d\.\d{3}–\d\.\d{3}\) · ECE \d\.\d{3}$/);
  });
});
