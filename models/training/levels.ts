// Metrics at the three levels clinicians decide at: the image, the series and the patient.
// A series' scores are the mean of its images' probabilities, a patient's the mean of its
// series' scores; a series whose images carry different labels (or a patient whose series
// do) has no single truth, so it is left out and counted rather than given a guessed label.
// Every level's intervals resample patients, so all three are honest about correlation.

import { evaluate, flatMetrics, type Evaluation } from './metrics';
import { aucText, headlineText, METRIC_NAMES, withCi } from '../../common/metric-words';
import { fewTestPatientsWarning } from '../../common/training-advice';
import { thresholdRule } from '../../common/threshold-words';

export const SERIES_AGGREGATION = 'mean of image probabilities';
export const PATIENT_AGGREGATION = "mean of the patient's series scores, each the mean of its image probabilities";

export interface LevelEvaluation extends Evaluation {
  level: 'image' | 'series' | 'patient';
  /** How image scores became this level's scores ('none' for images). */
  aggregation: string;
  /** Series (or patients) left out because their images (or series) carry different labels. */
  skippedMixedLabels: number;
}

/** The per-image evaluation (the fields callers always read) with the three levels beside it. */
export interface TestEvaluation extends Evaluation {
  perImage: LevelEvaluation;
  perSeries: LevelEvaluation;
  perPatient: LevelEvaluation;
}

export interface ScoredImage {
  scores: readonly number[];
  label: number;
  series: string;
  patient: string;
}

interface Group {
  key: string;
  patient: string;
  label: number;
  mixed: boolean;
  sum: number[];
  count: number;
}

/** Groups rows by key: the mean score vector per group, its label, or mixed. */
function groupMeans(rows: readonly { scores: readonly number[]; label: number; patient: string }[], key: (i: number) => string): Group[] {
  const groups = new Map<string, Group>();
  rows.forEach((r, i) => {
    const k = key(i);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { key: k, patient: r.patient, label: r.label, mixed: false, sum: new Array<number>(r.scores.length).fill(0), count: 0 }));
    if (r.label !== g.label) g.mixed = true;
    r.scores.forEach((s, c) => (g.sum[c] += s));
    g.count++;
  });
  return [...groups.values()];
}

function levelOf(groups: Group[], classNames: string[], level: 'series' | 'patient', aggregation: string, opts: { threshold?: number; bootstrap?: number; seed?: number }): LevelEvaluation {
  const kept = groups.filter((g) => !g.mixed);
  const scores = kept.map((g) => g.sum.map((s) => s / g.count));
  const e = evaluate(scores, kept.map((g) => g.label), classNames, { ...opts, clusters: kept.map((g) => g.patient) });
  return { ...e, level, aggregation, skippedMixedLabels: groups.length - kept.length };
}

/**
 * Evaluation per image, per series and per patient (see the file's comment for the
 * aggregation and the mixed-label rule). The top level is the per-image evaluation, as before.
 * Every interval is a cluster bootstrap over patients with the same seed.
 */
export function evaluateLevels(rows: readonly ScoredImage[], classNames: string[], opts: { threshold?: number; bootstrap?: number; seed?: number } = {}): TestEvaluation {
  const perImageEval = evaluate(rows.map((r) => r.scores as number[]), rows.map((r) => r.label), classNames, { ...opts, clusters: rows.map((r) => r.patient) });
  const perImage: LevelEvaluation = { ...perImageEval, level: 'image', aggregation: 'none', skippedMixedLabels: 0 };
  const { series, patients } = groupLevels(rows);
  const perSeries = levelOf(series, classNames, 'series', SERIES_AGGREGATION, opts);
  const perPatient = levelOf(patients, classNames, 'patient', PATIENT_AGGREGATION, opts);
  return { ...perImageEval, perImage, perSeries, perPatient };
}

function groupLevels(rows: readonly ScoredImage[]): { series: Group[]; patients: Group[] } {
  const series = groupMeans(rows, (i) => rows[i].series);
  const seriesScores = series.filter((g) => !g.mixed).map((g) => ({ scores: g.sum.map((s) => s / g.count), label: g.label, patient: g.patient }));
  return { series, patients: groupMeans(seriesScores, (i) => seriesScores[i].patient) };
}

/** The rows of one level as evaluateLevels scores them (mixed labels left out): key, patient, label, scores. */
export function levelRows(rows: readonly ScoredImage[], level: 'image' | 'series' | 'patient'): { key: string; patient: string; label: number; scores: number[] }[] {
  if (level === 'image') return rows.map((r, i) => ({ key: String(i), patient: r.patient, label: r.label, scores: [...r.scores] }));
  const groups = groupLevels(rows)[level === 'series' ? 'series' : 'patients'];
  return groups.filter((g) => !g.mixed).map((g) => ({ key: g.key, patient: g.patient, label: g.label, scores: g.sum.map((s) => s / g.count) }));
}

/** flatMetrics of the per-image evaluation plus each level's n, AUC and interval (finite values only). */
export function flatTestMetrics(t: TestEvaluation, prefix = 'test'): Record<string, number> {
  const out: Record<string, number> = { ...flatMetrics(t, prefix) };
  for (const [name, e] of [['perSeries', t.perSeries], ['perPatient', t.perPatient]] as const) {
    out[`${prefix}.${name}.n`] = e.n;
    out[`${prefix}.${name}.auc`] = e.auc;
    out[`${prefix}.${name}.aucCiLow`] = e.aucCi[0];
    out[`${prefix}.${name}.aucCiHigh`] = e.aucCi[1];
    out[`${prefix}.${name}.accuracy`] = e.accuracy;
    out[`${prefix}.${name}.balancedAccuracy`] = e.balancedAccuracy;
  }
  return Object.fromEntries(Object.entries(out).filter(([, v]) => Number.isFinite(v)));
}


/**
 * The CLI's summary of an evaluation: one line of overall figures, then one per class. A figure
 * that has no value (PPV of a class never predicted, NPV when every image is predicted as the
 * class, sensitivity of a class absent from the split) reads "n/a" with the reason, never NaN.
 */
export function evaluationLines(e: Evaluation): string[] {
  const na = (x: number, why: string) => (Number.isFinite(x) ? x.toFixed(3) : `n/a (${why})`);
  return [
    headlineText(e, { lowercase: true }),
    ...e.perClass.map(
      (c) =>
        `  ${c.className}: sensitivity ${na(c.sensitivity, 'none in the split')} specificity ${na(c.specificity, 'no other class in the split')} PPV ${na(c.ppv, 'never predicted')} NPV ${na(c.npv, 'always predicted')} ${METRIC_NAMES.auc} ${na(c.auc, 'one class only')}`,
    ),
    ...[thresholdRule(e.threshold, e.classNames)].filter((r): r is string => r !== null).map((r) => `  ${r}`),
  ];
}

/** The patients a test evaluation held out: those scored and those left out for mixed labels. */
export function heldOutPatients(t: Pick<TestEvaluation, 'perPatient'>): number {
  return t.perPatient.n + (t.perPatient.skippedMixedLabels ?? 0);
}

/** One line per level for the CLI's human-readable output, and the interval method. */
export function levelLines(t: TestEvaluation): string[] {
  const line = (name: string, e: LevelEvaluation) =>
    `  ${name}: ${e.n}${e.skippedMixedLabels ? ` (${e.skippedMixedLabels} with mixed labels left out)` : ''} · ${aucText(e.auc, e.aucCi)} · ${METRIC_NAMES.accuracy} ${withCi(e.accuracy, e.accuracyCi)} · ${METRIC_NAMES.balancedAccuracy} ${withCi(e.balancedAccuracy, e.balancedAccuracyCi)}`;
  const few = fewTestPatientsWarning(heldOutPatients(t));
  return [
    line('Per image', t.perImage),
    line(`Per series (${t.perSeries.aggregation})`, t.perSeries),
    line(`Per patient (${t.perPatient.aggregation})`, t.perPatient),
    `  Intervals: ${t.ciMethod} (${t.ciUnits} ${t.ciMethod.includes('over images') ? 'images' : 'patients'}).`,
    ...(few ? [`⚠ ${few}`] : []),
  ];
}

/** A TestEvaluation as JSON output carries it: the per-image evaluation, and `test` with the levels and the method. */
export function levelsForJson(t: TestEvaluation): { evaluation: Evaluation; test: { ciMethod: string; perImage: LevelEvaluation; perSeries: LevelEvaluation; perPatient: LevelEvaluation } } {
  const { perImage, perSeries, perPatient, ...evaluation } = t;
  return { evaluation, test: { ciMethod: t.ciMethod, perImage, perSeries, perPatient } };
}

/** The model card's lines on the levels and the interval method. */
export function modelCardLevels(t: TestEvaluation): string[] {
  const auc = (e: LevelEvaluation) => `${aucText(e.auc, e.aucCi)} on ${e.n}${e.skippedMixedLabels ? ` (${e.skippedMixedLabels} with mixed labels left out)` : ''}`;
  const few = fewTestPatientsWarning(heldOutPatients(t));
  return [
    `Per series (${t.perSeries.aggregation}): ${auc(t.perSeries)}; per patient (${t.perPatient.aggregation}): ${auc(t.perPatient)}.`,
    `Intervals: ${t.ciMethod}.`,
    ...(few ? [few] : []),
  ];
}

export const SERIES_HEAD_AGGREGATION = "gated attention pooling of the series' slices (the package's series head)";
export const SERIES_HEAD_PATIENT_AGGREGATION = "mean of the patient's series scores, each from the series head";
export const SERIES_HEAD_SLICES = "none: each slice's own score under the series head's classifier, against its series' label (slices have no labels of their own)";

/** A series scored by a series head (models/training/mil.ts): its pooled scores and each slice's own scores. */
export interface ScoredSeries {
  scores: readonly number[];
  /** Each slice's own scores (MilPrediction.instanceScores). */
  slices: readonly (readonly number[])[];
  /** The series' class, or -1 when its images carry different labels (left out and counted). */
  label: number;
  series: string;
  patient: string;
}

/**
 * The levels of a package with a series head, in the shape evaluateLevels gives an image-level
 * package, so that reports, plots and JSON read both alike. The top level is per series (the
 * head's pooled scores: what the package was trained and calibrated for); perSeries is the same
 * evaluation; perPatient the mean of each patient's series scores; perImage each slice's own
 * score against its series' label, said so in its aggregation.
 */
export function evaluateSeriesLevels(rows: readonly ScoredSeries[], classNames: string[], opts: { threshold?: number; bootstrap?: number; seed?: number } = {}): TestEvaluation {
  const kept = rows.filter((r) => r.label >= 0);
  const skipped = rows.length - kept.length;
  const seriesEval = evaluate(kept.map((r) => [...r.scores]), kept.map((r) => r.label), classNames, { ...opts, clusters: kept.map((r) => r.patient) });
  const perSeries: LevelEvaluation = { ...seriesEval, level: 'series', aggregation: SERIES_HEAD_AGGREGATION, skippedMixedLabels: skipped };
  const slices = kept.flatMap((r) => r.slices.map((s) => ({ scores: [...s], label: r.label, patient: r.patient })));
  const sliceEval = evaluate(slices.map((s) => s.scores), slices.map((s) => s.label), classNames, { ...opts, clusters: slices.map((s) => s.patient) });
  const perImage: LevelEvaluation = { ...sliceEval, level: 'image', aggregation: SERIES_HEAD_SLICES, skippedMixedLabels: 0 };
  const patients = groupMeans(kept, (i) => kept[i].patient);
  const perPatient = levelOf(patients, classNames, 'patient', SERIES_HEAD_PATIENT_AGGREGATION, opts);
  return { ...seriesEval, perImage, perSeries, perPatient };
}
