// The class a score strip ranks by and a binary run's ROC is drawn for: not a "normal"-type class
// when the other one is not; index 1 otherwise, as before. And a binary training run puts that
// class second, so the run's threshold, AUC and ROC are about it.
import { describe, expect, it } from 'vitest';
import { isNormalClass, orderForTraining, positiveClassIndex, topClassIndex } from '../../common/positive-class';
import { classNamesOf } from '../../electron/training/dataset';
import { rocClassIndex, rocForClass } from '../../common/plots/roc-class';
import { inClassOrder } from '../../electron/training/compare';

const image = (label: string, patient = 'p') => ({ label, patient }) as Parameters<typeof classNamesOf>[0][number];

describe('the positive class', () => {
  it('knows the normal-type names, whatever their case, spaces or underscores', () => {
    for (const n of ['normal', 'Normal', 'NEGATIVE', 'no finding', 'No_Finding', 'no-finding', ' healthy ', 'benign', 'none']) expect(isNormalClass(n), n).toBe(true);
    for (const n of ['abnormal', 'positive', 'disc', 'malignant', 'no_acute_finding_reported', 'normalish', '']) expect(isNormalClass(n), n).toBe(false);
  });

  it('is the class that is not normal-type', () => {
    expect(positiveClassIndex(['abnormal', 'normal'])).toBe(0);
    expect(positiveClassIndex(['disc', 'none'])).toBe(0);
    expect(positiveClassIndex(['No_Finding', 'pneumothorax'])).toBe(1);
    expect(positiveClassIndex(['normal', 'abnormal'])).toBe(1);
  });

  it('stays index 1 where names say nothing, or both are normal-type', () => {
    expect(positiveClassIndex(['negative', 'positive'])).toBe(1);
    expect(positiveClassIndex(['cat', 'dog'])).toBe(1);
    expect(positiveClassIndex(['healthy', 'normal'])).toBe(1);
    expect(positiveClassIndex(['a', 'b', 'c'])).toBe(1);
    expect(positiveClassIndex(['cyst', 'normal', 'tumour'])).toBe(0);
    expect(positiveClassIndex(['only'])).toBe(0);
    expect(positiveClassIndex([])).toBe(0);
  });

  it('puts a binary run normal-type class first, so index 1 is the positive one', () => {
    expect(orderForTraining(['abnormal', 'normal'])).toEqual(['normal', 'abnormal']);
    expect(orderForTraining(['negative', 'positive'])).toEqual(['negative', 'positive']);
    expect(orderForTraining(['cyst', 'normal', 'tumour'])).toEqual(['cyst', 'normal', 'tumour']);
    expect(classNamesOf([image('normal'), image('abnormal'), image('normal')])).toEqual(['normal', 'abnormal']);
    expect(classNamesOf([image('none'), image('disc')])).toEqual(['none', 'disc']);
    expect(classNamesOf([image('positive'), image('negative')])).toEqual(['negative', 'positive']);
    expect(classNamesOf([image('b'), image('c'), image('a')])).toEqual(['a', 'b', 'c']);
  });

  it('names the top class of scores, the first of equal ones', () => {
    expect(topClassIndex([0.2, 0.8])).toBe(1);
    expect(topClassIndex([0.5, 0.5])).toBe(0);
    expect(topClassIndex([])).toBeNull();
    expect(topClassIndex(undefined)).toBeNull();
  });
});

describe('a binary ROC curve for the other class', () => {
  // Scores of class 1 for 6 images; class 0's score is 1 − that, as two softmax outputs are.
  const s1 = [0.9, 0.8, 0.65, 0.4, 0.3, 0.1];
  const label1 = [true, true, false, true, false, false];
  /** (FPR, TPR) at every threshold, from the highest score down, of scores against the labels. */
  const roc = (scores: number[], positive: boolean[]) => {
    const order = scores.map((s, i) => [s, positive[i]] as const).sort((a, b) => b[0] - a[0]);
    const P = positive.filter(Boolean).length;
    const N = positive.length - P;
    let tp = 0;
    let fp = 0;
    const pts = [{ fpr: 0, tpr: 0 }];
    for (const [, p] of order) {
      if (p) tp++;
      else fp++;
      pts.push({ fpr: fp / N, tpr: tp / P });
    }
    return pts;
  };
  const curve1 = roc(s1, label1);
  const curve0 = roc(s1.map((s) => 1 - s), label1.map((l) => !l));
  const evaluation = {
    classNames: ['abnormal', 'normal'], auc: 0.889, aucCi: [0.5, 1] as [number, number], perClass: [], confusion: [], ece: 0, reliability: [],
    roc: [{ className: 'normal', points: curve1, band: [{ fpr: 0, lo: 0, hi: 0.5 }, { fpr: 0.5, lo: 0.4, hi: 1 }, { fpr: 1, lo: 1, hi: 1 }] }],
  };

  it('is the recorded curve reflected, equal to the curve of the other class scores', () => {
    expect(rocClassIndex(evaluation)).toBe(1);
    const other = rocForClass(evaluation, 0);
    expect(other.roc[0].className).toBe('abnormal');
    const round = (ps: { fpr: number | null; tpr: number | null }[]) => ps.map((p) => [Number(p.fpr!.toFixed(6)), Number(p.tpr!.toFixed(6))]);
    expect(round(other.roc[0].points)).toEqual(round(curve0));
    expect(other.auc).toBe(evaluation.auc);
    expect(rocForClass(evaluation, 1)).toBe(evaluation);
  });

  it('reflects the band as a region: each FPR gets the TPR interval the reflected region holds', () => {
    const band = rocForClass(evaluation, 0).roc[0].band!;
    // At FPR 0: TPR 1 in the recorded band holds from FPR 0.5 (hi 1) to 1 (lo 1): TPRs 0 to 0.5.
    // At FPR 0.5: TPR 0.5 holds from FPR 0 (hi 0.5) to 0.5 (lo 0.4): TPRs 0.5 to 1.
    expect(band).toEqual([{ fpr: 0, lo: 0, hi: 0.5 }, { fpr: 0.5, lo: 0.5, hi: 1 }, { fpr: 1, lo: 1, hi: 1 }]);
  });

  it('leaves multi-class curves alone', () => {
    const multi = { ...evaluation, classNames: ['a', 'b', 'c'], roc: [{ className: 'a', points: [] }, { className: 'b', points: [] }, { className: 'c', points: [] }] };
    expect(rocClassIndex(multi)).toBeNull();
    expect(rocForClass(multi, 0)).toBe(multi);
  });
});

describe('comparing a package with its classes in the other order', () => {
  it('reads its scores and labels in the first package order', () => {
    const e = {
      predictions: [{ sopInstanceUid: '1.2', frame: 0, seriesInstanceUid: '1.3', patient: 'P1', label: 0, scores: [0.8, 0.2] }],
      seriesPredictions: [{ seriesInstanceUid: '1.3', patient: 'P1', label: 1, scores: [0.3, 0.7], uncertainty: null, uncertaintyHigh: null }, { seriesInstanceUid: '1.4', patient: 'P2', label: -1, scores: [0.5, 0.5], uncertainty: null, uncertaintyHigh: null }],
    } as unknown as Parameters<typeof inClassOrder>[0];
    const r = inClassOrder(e, ['abnormal', 'normal'], ['normal', 'abnormal']);
    expect(r.predictions[0]).toMatchObject({ label: 1, scores: [0.2, 0.8] });
    expect(r.seriesPredictions).toMatchObject([{ label: 0, scores: [0.7, 0.3] }, { label: -1, scores: [0.5, 0.5] }]);
    expect(inClassOrder(e, ['a', 'b'], ['a', 'b'])).toBe(e);
  });
});
