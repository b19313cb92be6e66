// Comparing two model packages on the same patients (lumen compare): both are evaluated on the
// labelled images of the patients that neither trained or validated on, and the AUC
// difference is tested by a paired cluster bootstrap over those patients, per image, per
// series and per patient. Each side's series and patients are scored as that package scores
// them (lumen eval): a package with a series head through its head, any other by the mean of
// its image probabilities; the pairs are the same series and patients either way.
import { loadPackage, type PackageMetadata } from '../../models/package';
import { levelRows, levelsForJson, type LevelEvaluation, type ScoredImage } from '../../models/training/levels';
import { clustersOf, differenceSentence, pairedAucDifference, type PairedAucDifference } from '../../models/training/stats';
import { fewTestPatientsWarning } from '../../common/training-advice';
import type { Library } from '../library/library';
import { evaluatePackage, evaluationImages, type PackageEvaluation } from './evaluate';

type Subset = 'held-out' | 'test' | 'all';

export interface ModelLevels {
  hash: string;
  name: string;
  ciMethod: string;
  perImage: LevelEvaluation;
  perSeries: LevelEvaluation;
  perPatient: LevelEvaluation;
}

export interface LevelDifference extends PairedAucDifference {
  level: 'image' | 'series' | 'patient';
  n: number;
  /** How each side's scores at this level were made (its evaluation's `aggregation`). */
  aggregation: { a: string; b: string };
  sentence: string;
}

/** One level's rows of a comparison: a series, patient or image, with its label and scores. */
export type ComparedRow = { key: string; patient: string; label: number; scores: number[] };

/**
 * The rows of one level as a package's own evaluation scores them (evaluatePackage): images by
 * their scores; series and patients of a series-head package from its series head (each
 * series' pooled score, a patient the mean of its series' scores, as evaluateSeriesLevels),
 * of any other package by the mean of image probabilities (levelRows). Series or patients
 * with mixed labels are left out, as the evaluations leave them out.
 */
export function comparedRows(e: PackageEvaluation, level: 'image' | 'series' | 'patient'): ComparedRow[] {
  const images: ScoredImage[] = e.predictions.map((p) => ({ scores: p.scores, label: p.label, series: p.seriesInstanceUid, patient: p.patient }));
  if (level === 'image' || !e.seriesPredictions) return levelRows(images, level);
  const series = e.seriesPredictions.filter((s) => s.label >= 0).map((s) => ({ key: s.seriesInstanceUid, patient: s.patient, label: s.label, scores: [...s.scores] }));
  if (level === 'series') return series;
  // Each series as one row keyed by its patient: levelRows' series grouping is then the mean per patient.
  return levelRows(series.map((s) => ({ scores: s.scores, label: s.label, series: s.patient, patient: s.patient })), 'series');
}


/** An evaluation's scores and labels with its classes in another order (`to`: the same names as `from`). */
export function inClassOrder(e: PackageEvaluation, from: readonly string[], to: readonly string[]): PackageEvaluation {
  if (from.join('\u0000') === to.join('\u0000')) return e;
  const pick = to.map((c) => from.indexOf(c));
  const label = (l: number) => (l < 0 ? l : to.indexOf(from[l]));
  const scores = (s: readonly number[]) => pick.map((j) => s[j]);
  return {
    ...e,
    predictions: e.predictions.map((p) => ({ ...p, label: label(p.label), scores: scores(p.scores) })),
    ...(e.seriesPredictions ? { seriesPredictions: e.seriesPredictions.map((r) => ({ ...r, label: label(r.label), scores: scores(r.scores) })) } : {}),
  };
}

export interface PackageComparison {
  subset: Subset;
  classNames: string[];
  /** Patients held out from both models (the ones compared on), and their labelled images. */
  patients: number;
  images: number;
  /** Patients held out from only one of the two, left out of the comparison. */
  patientsOnlyA: number;
  patientsOnlyB: number;
  a: ModelLevels;
  b: ModelLevels;
  /** The paired test per level; `difference` is B's AUC minus A's. */
  differences: { perImage: LevelDifference; perSeries: LevelDifference; perPatient: LevelDifference };
  /** The per-image test's sentence, the headline. */
  sentence: string;
  /** What the user must know, in sentences (a library on a read-only disk could not record the evaluations in its audit log). */
  notes: string[];
}

async function metadataOf(dir: string): Promise<PackageMetadata> {
  return (await loadPackage(dir, { loadModel: false })).metadata;
}

/**
 * Evaluates packages A and B on the same labelled images (of the patients held out from both,
 * or of the chosen subset) and tests the AUC difference by a paired cluster bootstrap over
 * patients, with the same seeded resamples for both models.
 */
export async function comparePackages(
  library: Library,
  dirA: string,
  dirB: string,
  opts: { subset?: Subset; bootstrap?: number; seed?: number; signal?: AbortSignal; onProgress?: (p: { which: 'A' | 'B'; done: number; total: number }) => void } = {},
): Promise<PackageComparison> {
  const subset = opts.subset ?? 'held-out';
  const [metaA, metaB] = [await metadataOf(dirA), await metadataOf(dirB)];
  // The same classes in another order compare (a two-class package trained before Lumen put its normal-type class first): B's scores are read in A's order.
  if ([...metaA.classNames].sort().join('\u0000') !== [...metaB.classNames].sort().join('\u0000')) {
    throw new Error(`The two models do not predict the same classes (${dirA}: ${metaA.classNames.join(', ')}; ${dirB}: ${metaB.classNames.join(', ')}), so their ROC AUCs are not comparable. Compare models trained on the same labels.`);
  }
  const patientsOf = (dir: string, meta: PackageMetadata) => new Set(evaluationImages(library, dir, meta, subset).chosen.map((im) => im.patient));
  const heldA = patientsOf(dirA, metaA);
  const heldB = patientsOf(dirB, metaB);
  const common = new Set([...heldA].filter((p) => heldB.has(p)));
  if (common.size === 0) {
    throw new Error(`No labelled patient is held out from both models (${heldA.size} from ${dirA}, ${heldB.size} from ${dirB}, none in common${subset === 'all' ? '' : `, subset ${subset}`}): label images of patients neither model trained or validated on, or pass --subset all if you know neither saw these patients.`);
  }
  const seed = opts.seed ?? 0;
  const evaluateOne = (dir: string, which: 'A' | 'B'): Promise<PackageEvaluation> =>
    evaluatePackage(library, dir, { subset, seed, bootstrap: opts.bootstrap, onlyPatients: common, signal: opts.signal, onProgress: (done, total) => opts.onProgress?.({ which, done, total }) });
  const evalA = await evaluateOne(dirA, 'A');
  const evalB = inClassOrder(await evaluateOne(dirB, 'B'), metaB.classNames, metaA.classNames);
  const key = (p: PackageEvaluation['predictions'][number]) => `${p.sopInstanceUid}\u0000${p.frame}`;
  if (evalA.predictions.length !== evalB.predictions.length || evalA.predictions.some((p, i) => key(p) !== key(evalB.predictions[i]) || p.label !== evalB.predictions[i].label)) {
    throw new Error('The two models were scored on different images; the library changed during the comparison. Run it again.');
  }
  const K = metaA.classNames.length;
  const levels = (e: PackageEvaluation): ModelLevels => ({ hash: e.model.hash, name: e.model.name, ...levelsForJson(e.evaluation).test });
  const [levelsA, levelsB] = [levels(evalA), levels(evalB)];
  const field = { image: 'perImage', series: 'perSeries', patient: 'perPatient' } as const;
  // How the too-few reason names the patients compared on ("2 held-out patients, 1 of each class").
  const patientsWord = { 'held-out': 'held-out patients', test: 'test patients', all: 'patients' }[subset];
  const differenceAt = (level: 'image' | 'series' | 'patient'): LevelDifference => {
    // Paired by key: the same images, series or patients on both sides, each scored its own way.
    const byKey = new Map(comparedRows(evalB, level).map((r) => [r.key, r]));
    const pairs = comparedRows(evalA, level).flatMap((a) => {
      const b = byKey.get(a.key);
      return b && b.label === a.label ? [{ a, b }] : [];
    });
    const d = pairedAucDifference(pairs.map((p) => p.a.scores), pairs.map((p) => p.b.scores), pairs.map((p) => p.a.label), K, clustersOf(pairs.length, pairs.map((p) => p.a.patient)), { reps: opts.bootstrap, seed, classNames: metaA.classNames, what: patientsWord });
    return { level, n: pairs.length, aggregation: { a: levelsA[field[level]].aggregation, b: levelsB[field[level]].aggregation }, ...d, sentence: differenceSentence(d) };
  };
  const differences = { perImage: differenceAt('image'), perSeries: differenceAt('series'), perPatient: differenceAt('patient') };
  return {
    subset,
    classNames: metaA.classNames,
    patients: common.size,
    images: evalA.images,
    patientsOnlyA: heldA.size - common.size,
    patientsOnlyB: heldB.size - common.size,
    a: levelsA,
    b: levelsB,
    differences,
    sentence: differences.perImage.sentence,
    // The warning lumen train and lumen eval give under results from so few patients.
    notes: [...new Set([...[fewTestPatientsWarning(common.size)].filter((w): w is string => w !== null), ...evalA.notes, ...evalB.notes])],
  };
}
