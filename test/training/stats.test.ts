// Honest intervals: the cluster bootstrap over patients, its weighted AUC and ROC band, and
// metrics per series and per patient, on cases small enough to work out by hand; and the key
// property: slices that are copies of each other add no information, so a data set of K
// copies per patient gets the interval of its patients, where resampling images would not.
import { describe, expect, it } from 'vitest';
import { evaluate, rocAuc } from '../../models/training/metrics';
import { evaluateLevels, flatTestMetrics, PATIENT_AGGREGATION, SERIES_AGGREGATION } from '../../models/training/levels';
import { bootstrapIntervals, clustersOf, forEachResample, percentileInterval, rankWeights, rowsToRanks, seededRandom, sortScores, weightedAuc } from '../../models/training/stats';

const binary = (p: number[]) => p.map((x) => [1 - x, x]);
const width = (ci: readonly [number, number]) => ci[1] - ci[0];

describe('weighted AUC, ROC at fixed false positive rates, percentiles', () => {
  it('a weight counts a row that many times, ties one half', () => {
    // Positives 0.9 (x2) and 0.4 (x1); negatives 0.5 (x1) and 0.4 (x3).
    // Pairs: 0.9 beats 0.5 (2x1) and 0.4 (2x3); 0.4 ties 0.4 (1x3 halves): 9.5 of 3x4.
    const sorted = sortScores([0.9, 0.4, 0.5, 0.4], [true, true, false, false]);
    expect(weightedAuc(sorted, rowsToRanks(sorted, [2, 1, 1, 3]))).toBeCloseTo(9.5 / 12, 12);
    // Unit weights: the Mann-Whitney AUC of the rows.
    expect(weightedAuc(sorted, rowsToRanks(sorted, [1, 1, 1, 1]))).toBeCloseTo(rocAuc([0.9, 0.4, 0.5, 0.4], [true, true, false, false]), 12);
    expect(weightedAuc(sorted, rowsToRanks(sorted, [0, 0, 1, 1]))).toBeNaN();
  });

  it('TPR at fixed FPRs: linear between the curve points, the top of a vertical step', () => {
    // Descending 0.8 pos, 0.7 neg, 0.6 pos, 0.3 neg: (0,0) (0,.5) (.5,.5) (.5,1) (1,1).
    const sorted = sortScores([0.8, 0.3, 0.6, 0.7], [true, false, true, false]);
    const tpr = new Float64Array(5);
    expect(weightedAuc(sorted, rowsToRanks(sorted, [1, 1, 1, 1]), [0, 0.25, 0.5, 0.75, 1], tpr)).toBeCloseTo(0.75, 12);
    expect([...tpr]).toEqual([0.5, 0.5, 1, 1, 1]);
  });

  it('percentiles by nearest rank, non-finite values left out', () => {
    const v = Array.from({ length: 1000 }, (_, i) => i + 1);
    // Ranks round(0.025 x 999) = 25 and round(0.975 x 999) = 974, counted from 0.
    expect(percentileInterval(v)).toEqual([26, 975]);
    expect(percentileInterval([NaN, 3, NaN])).toEqual([3, 3]);
    expect(percentileInterval([NaN])).toEqual([NaN, NaN]);
  });
});

describe('cluster bootstrap', () => {
  it('draws clusters with replacement, deterministically by seed', () => {
    const draws = (seed: number) => {
      const out: number[][] = [];
      forEachResample(5, 20, seed, (w) => out.push([...w]));
      return out;
    };
    const a = draws(3);
    expect(draws(3)).toEqual(a);
    expect(draws(4)).not.toEqual(a);
    // Each resample draws as many clusters as there are.
    for (const w of a) expect(w.reduce((x, y) => x + y, 0)).toBe(5);
    // The generator is the one metrics always used: the first draw is floor(u * 5).
    const u = seededRandom(3)();
    expect(a[0][Math.floor(u * 5)]).toBeGreaterThanOrEqual(1);
  });

  it('two patients: every resample is one of three cases worked by hand', () => {
    // P1: positive 0.8, negative 0.3 (AUC 1 alone); P2: positive 0.6, negative 0.7 (AUC 0 alone).
    // {P1,P1}: 1 (p 1/4); {P2,P2}: 0 (p 1/4); {P1,P2}: 3 of 4 pairs, 0.75 (p 1/2).
    const p = [0.8, 0.3, 0.6, 0.7];
    const labels = [1, 0, 1, 0];
    const clusters = clustersOf(4, ['P1', 'P1', 'P2', 'P2']);
    const sorted = sortScores(p, labels);
    const seen = new Map<number, number>();
    forEachResample(clusters.count, 2000, 11, (w) => {
      const auc = weightedAuc(sorted, rankWeights(sorted, clusters.of, w));
      seen.set(auc, (seen.get(auc) ?? 0) + 1);
    });
    expect([...seen.keys()].sort()).toEqual([0, 0.75, 1]);
    expect(seen.get(0.75)! / 2000).toBeCloseTo(0.5, 1);
    const boot = bootstrapIntervals(binary(p), labels, [1, 0, 1, 1], 2, clusters, { reps: 2000, seed: 11 });
    expect(boot.auc).toEqual([0, 1]);
    expect(boot.method).toBe('cluster bootstrap over patients, 2000 resamples, percentile');
    expect(boot.units).toBe(2);
  });

  it('a perfectly separated set gives [1, 1] for the AUC and a band at 1', () => {
    const p = [0.9, 0.8, 0.7, 0.3, 0.2, 0.1, 0.85, 0.15];
    const labels = [1, 1, 1, 0, 0, 0, 1, 0];
    const e = evaluate(binary(p), labels, ['no', 'yes'], { threshold: 0.5, seed: 2, clusters: ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'] });
    expect(e.auc).toBe(1);
    expect(e.aucCi).toEqual([1, 1]);
    expect(e.accuracyCi).toEqual([1, 1]);
    expect(e.perClass[1].sensitivityCi).toEqual([1, 1]);
    expect(e.roc[0].band).toHaveLength(51);
    expect(e.roc[0].band.every((b) => b.lo === 1 && b.hi === 1)).toBe(true);
    expect(e.roc[0].band[25].fpr).toBe(0.5);
  });

  it('the same seed gives the same intervals; the method is named, images when no patients', () => {
    const rand = seededRandom(5);
    const p = Array.from({ length: 60 }, () => rand());
    const labels = p.map((x) => (x + rand() * 0.6 > 0.8 ? 1 : 0));
    const ids = p.map((_, i) => `p${i % 20}`);
    const a = evaluate(binary(p), labels, ['no', 'yes'], { seed: 7, clusters: ids });
    const b = evaluate(binary(p), labels, ['no', 'yes'], { seed: 7, clusters: ids });
    expect(b.aucCi).toEqual(a.aucCi);
    expect(b.roc[0].band).toEqual(a.roc[0].band);
    expect(evaluate(binary(p), labels, ['no', 'yes'], { seed: 8, clusters: ids }).aucCi).not.toEqual(a.aucCi);
    expect(a.ciMethod).toBe('cluster bootstrap over patients, 1000 resamples, percentile');
    expect(a.ciUnits).toBe(20);
    const rows = evaluate(binary(p), labels, ['no', 'yes'], { seed: 7 });
    expect(rows.ciMethod).toBe('bootstrap over images (no patient ids), 1000 resamples, percentile');
    expect(rows.ciUnits).toBe(60);
    for (const e of [a, rows]) {
      expect(e.aucCi[0]).toBeLessThanOrEqual(e.auc);
      expect(e.aucCi[1]).toBeGreaterThanOrEqual(e.auc);
      for (const c of e.perClass) for (const ci of [c.sensitivityCi, c.specificityCi, c.ppvCi, c.npvCi]) expect(ci[0]).toBeLessThanOrEqual(ci[1]);
      for (const pt of e.roc[0].band) expect(pt.lo).toBeLessThanOrEqual(pt.hi);
    }
  });

  it('slices that are copies: the interval of the patients, not of the images', () => {
    const rand = seededRandom(21);
    const patients = 40;
    const K = 6;
    const p = Array.from({ length: patients }, () => rand());
    const labels = p.map((x) => (x + rand() * 0.7 > 0.85 ? 1 : 0));
    const one = evaluate(binary(p), labels, ['no', 'yes'], { threshold: 0.5, seed: 3, clusters: p.map((_, i) => `P${i}`) });
    // Each patient's K slices: identical scores and labels.
    const copies = p.flatMap((x, i) => Array.from({ length: K }, () => ({ x, label: labels[i], patient: `P${i}` })));
    const clustered = evaluate(binary(copies.map((c) => c.x)), copies.map((c) => c.label), ['no', 'yes'], { threshold: 0.5, seed: 3, clusters: copies.map((c) => c.patient) });
    expect(clustered.n).toBe(patients * K);
    expect(clustered.auc).toBeCloseTo(one.auc, 12);
    // The same patients drawn in every resample: the very same intervals.
    expect(clustered.aucCi).toEqual(one.aucCi);
    expect(clustered.accuracyCi).toEqual(one.accuracyCi);
    expect(clustered.perClass[1].sensitivityCi).toEqual(one.perClass[1].sensitivityCi);
    expect(clustered.roc[0].band).toEqual(one.roc[0].band);
    // Resampling images treats the copies as independent: far too narrow (about 1/sqrt(K)).
    const naive = evaluate(binary(copies.map((c) => c.x)), copies.map((c) => c.label), ['no', 'yes'], { threshold: 0.5, seed: 3 });
    expect(width(naive.aucCi)).toBeLessThan(0.7 * width(clustered.aucCi));
    expect(width(naive.accuracyCi)).toBeLessThan(0.7 * width(clustered.accuracyCi));
    console.log(`AUC ${one.auc.toFixed(3)}: ${patients} patients ${one.aucCi.map((x) => x.toFixed(3)).join('–')}; x${K} copies by patient ${clustered.aucCi.map((x) => x.toFixed(3)).join('–')}, by image ${naive.aucCi.map((x) => x.toFixed(3)).join('–')}`);
  });

  it('multi-class: macro and per-class intervals contain their estimates', () => {
    const rand = seededRandom(9);
    const rows = Array.from({ length: 90 }, (_, i) => {
      const label = i % 3;
      const s = [rand(), rand(), rand()];
      s[label] += 0.6;
      const sum = s[0] + s[1] + s[2];
      return { s: s.map((x) => x / sum), label, patient: `p${Math.floor(i / 3)}` };
    });
    const e = evaluate(rows.map((r) => r.s), rows.map((r) => r.label), ['a', 'b', 'c'], { seed: 1, clusters: rows.map((r) => r.patient) });
    expect(e.roc).toHaveLength(3);
    expect(e.ciUnits).toBe(30);
    expect(e.aucCi[0]).toBeLessThanOrEqual(e.auc);
    expect(e.aucCi[1]).toBeGreaterThanOrEqual(e.auc);
    e.perClass.forEach((c) => {
      expect(c.aucCi[0]).toBeLessThanOrEqual(c.auc);
      expect(c.aucCi[1]).toBeGreaterThanOrEqual(c.auc);
    });
  });

  it('refuses cluster ids that do not match the rows', () => {
    expect(() => evaluate(binary([0.2, 0.8]), [0, 1], ['no', 'yes'], { clusters: ['a'] })).toThrow(/1 cluster ids for 2 rows/);
  });
});

describe('per image, per series, per patient', () => {
  // P1: S1 positive 0.9, 0.1 (mean 0.5); P2: S2 positive 0.6, 0.6 (0.6); P3: S3 negative 0.2, 0.8 (0.5);
  // P4: S4 negative 0.3, 0.3 (0.3); P5: S5 positive 0.7, 0.9 (0.8) and S6 positive 0.4, 0.4 (0.4),
  // the patient 0.6; P6: S7 with a positive 0.95 and a negative 0.05 image: mixed, left out.
  const rows = [
    ['P1', 'S1', 1, 0.9], ['P1', 'S1', 1, 0.1], ['P2', 'S2', 1, 0.6], ['P2', 'S2', 1, 0.6],
    ['P3', 'S3', 0, 0.2], ['P3', 'S3', 0, 0.8], ['P4', 'S4', 0, 0.3], ['P4', 'S4', 0, 0.3],
    ['P5', 'S5', 1, 0.7], ['P5', 'S5', 1, 0.9], ['P5', 'S6', 1, 0.4], ['P5', 'S6', 1, 0.4],
    ['P6', 'S7', 1, 0.95], ['P6', 'S7', 0, 0.05],
  ] as const;
  const scored = rows.map(([patient, series, label, p]) => ({ patient, series, label, scores: [1 - p, p] }));

  it('aggregates by the named rule and gives the hand-computed AUCs', () => {
    const t = evaluateLevels(scored, ['no', 'yes'], { threshold: 0.5, seed: 1 });
    expect(t.perImage.n).toBe(14);
    expect(t.perImage.auc).toBeCloseTo(rocAuc(rows.map((r) => r[3]), rows.map((r) => r[2] === 1)), 12);
    expect(t.auc).toBe(t.perImage.auc);
    // Series: positives {0.5, 0.6, 0.8, 0.4} against negatives {0.5, 0.3}: 1.5 + 2 + 2 + 1 of 8.
    expect(t.perSeries.n).toBe(6);
    expect(t.perSeries.skippedMixedLabels).toBe(1);
    expect(t.perSeries.auc).toBeCloseTo(6.5 / 8, 12);
    expect(t.perSeries.aggregation).toBe(SERIES_AGGREGATION);
    // Patients: positives {0.5, 0.6, 0.6} against negatives {0.5, 0.3}: 1.5 + 2 + 2 of 6 (P6 has no series left).
    expect(t.perPatient.n).toBe(5);
    expect(t.perPatient.auc).toBeCloseTo(5.5 / 6, 12);
    expect(t.perPatient.aggregation).toBe(PATIENT_AGGREGATION);
    // At threshold 0.5 the series means 0.5 0.6 0.5 0.3 0.8 0.4: right 1, 1, 0, 1, 1, 0.
    expect(t.perSeries.accuracy).toBeCloseTo(4 / 6, 12);
    for (const level of [t.perImage, t.perSeries, t.perPatient]) expect(level.ciMethod).toBe('cluster bootstrap over patients, 1000 resamples, percentile');
    expect(t.perSeries.ciUnits).toBe(5);
    const flat = flatTestMetrics(t);
    expect(flat['test.perSeries.auc']).toBeCloseTo(6.5 / 8, 12);
    expect(flat['test.perPatient.n']).toBe(5);
    expect(flat['test.perPatient.aucCiLow']).toBe(t.perPatient.aucCi[0]);
  });
});
