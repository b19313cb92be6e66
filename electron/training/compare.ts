// Comparing two model packages on the same patients (lumen compare): both are evaluated on the
// labelled images of the patients that neither trained or validated on, and the AUC
// difference is tested by a paired cluster bootstrap over those patients, per image, per
// series and per patient.
import { loadPackage, type PackageMetadata } from '../../models/package';
import { levelRows, levelsForJson, type LevelEvaluation, type ScoredImage } from '../../models/training/levels';
import { clustersOf, differenceSentence, pairedAucDifference, type PairedAucDifference } from '../../models/training/stats';
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
  sentence: string;
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
  opts: { subset?: Subset; bootstrap?: number; seed?: number; signal?: AbortSignal; onProgress?: (message: string) => void } = {},
): Promise<PackageComparison> {
  const subset = opts.subset ?? 'held-out';
  const [metaA, metaB] = [await metadataOf(dirA), await metadataOf(dirB)];
  if (metaA.classNames.join('\u0000') !== metaB.classNames.join('\u0000')) {
    throw new Error(`The two models do not predict the same classes (${dirA}: ${metaA.classNames.join(', ')}; ${dirB}: ${metaB.classNames.join(', ')}), so their AUCs are not comparable. Compare models trained on the same labels.`);
  }
  const patientsOf = (dir: string, meta: PackageMetadata) => new Set(evaluationImages(library, dir, meta, subset).chosen.map((im) => im.patient));
  const heldA = patientsOf(dirA, metaA);
  const heldB = patientsOf(dirB, metaB);
  const common = new Set([...heldA].filter((p) => heldB.has(p)));
  if (common.size === 0) {
    throw new Error(`No labelled patient is held out from both models (${heldA.size} from ${dirA}, ${heldB.size} from ${dirB}, none in common${subset === 'all' ? '' : `, subset ${subset}`}): label images of patients neither model trained or validated on, or pass --subset all if you know neither saw these patients.`);
  }
  const seed = opts.seed ?? 0;
  const evaluateOne = (dir: string, which: string): Promise<PackageEvaluation> =>
    evaluatePackage(library, dir, { subset, seed, bootstrap: opts.bootstrap, onlyPatients: common, signal: opts.signal, onProgress: (d, t) => opts.onProgress?.(`Scoring with ${which}: ${d}/${t}`) });
  const evalA = await evaluateOne(dirA, 'A');
  const evalB = await evaluateOne(dirB, 'B');
  const key = (p: PackageEvaluation['predictions'][number]) => `${p.sopInstanceUid}\u0000${p.frame}`;
  if (evalA.predictions.length !== evalB.predictions.length || evalA.predictions.some((p, i) => key(p) !== key(evalB.predictions[i]) || p.label !== evalB.predictions[i].label)) {
    throw new Error('The two models were scored on different images; the library changed during the comparison. Run it again.');
  }
  const rows = (e: PackageEvaluation): ScoredImage[] => e.predictions.map((p) => ({ scores: p.scores, label: p.label, series: p.seriesInstanceUid, patient: p.patient }));
  const rowsA = rows(evalA);
  const rowsB = rows(evalB);
  const K = metaA.classNames.length;
  const differenceAt = (level: 'image' | 'series' | 'patient'): LevelDifference => {
    const a = levelRows(rowsA, level);
    const b = levelRows(rowsB, level);
    const d = pairedAucDifference(a.map((r) => r.scores), b.map((r) => r.scores), a.map((r) => r.label), K, clustersOf(a.length, a.map((r) => r.patient)), { reps: opts.bootstrap, seed });
    return { level, n: a.length, ...d, sentence: differenceSentence(d) };
  };
  const levels = (e: PackageEvaluation): ModelLevels => ({ hash: e.model.hash, name: e.model.name, ...levelsForJson(e.evaluation).test });
  const differences = { perImage: differenceAt('image'), perSeries: differenceAt('series'), perPatient: differenceAt('patient') };
  return {
    subset,
    classNames: metaA.classNames,
    patients: common.size,
    images: evalA.images,
    patientsOnlyA: heldA.size - common.size,
    patientsOnlyB: heldB.size - common.size,
    a: levels(evalA),
    b: levels(evalB),
    differences,
    sentence: differences.perImage.sentence,
  };
}
