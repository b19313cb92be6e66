// Evaluating a model package on labelled library images (lumen eval, training.evaluate).
// By default only images of patients the package did not train or validate on are used:
// the package records its split, so re-evaluating never counts training patients. A package
// with a series head (mil-train.ts) is evaluated per series through its head, as it predicts.
import { createRunner } from '../../models/inference/runner';
import { loadPackage, type LoadedPackage, type PackageMetadata } from '../../models/package';
import { evaluateLevels, evaluateSeriesLevels, type TestEvaluation } from '../../models/training/levels';
import type { Library } from '../library/library';
import { scoreSeriesWithHead, SERIES_HEAD_RUNTIME } from './mil';
import { changedFilesMessage, changedSinceImport } from './changed-files';
import { predictImages } from './predict';
import { libraryPseudonyms } from './pseudonyms';
import { patientKeyKind, TrainingStore, type LabelledImage } from './store';

export interface PackageEvaluation {
  model: { hash: string; name: string; classNames: string[] };
  /** Which images: 'held-out' (patients outside the package's train/validation), 'test' (its recorded test split) or 'all'. */
  subset: 'held-out' | 'test' | 'all';
  /**
   * What the top level of `evaluation` scores: 'image' (each image, perSeries and perPatient
   * from the mean of image probabilities), or 'series' for a package with a series head (each
   * series through the head; perImage then holds each slice's own score against its series' label).
   */
  level: 'image' | 'series';
  images: number;
  /** How many series the images belong to. */
  series: number;
  patients: number;
  /** Labelled images skipped because their label is not one of the model's classes. */
  skippedUnknownLabel: number;
  /** Per image (as before), with perImage, perSeries and perPatient beside it; intervals resample patients. */
  evaluation: TestEvaluation;
  /** patient: the PatientID's pseudonym in this library, as a package's split names it. A series-head package's slices carry their own scores. */
  predictions: { sopInstanceUid: string; frame: number; seriesInstanceUid: string; patient: string; label: number; scores: number[] }[];
  /**
   * A series-head package only: each series' pooled score (label -1: its images carry different
   * labels, left out), with its uncertainty from the package's series uncertainty heads and what
   * is high for them, as prediction gives them (null without heads; uncertaintyHigh null with too
   * few validation series, models/training/series-ensemble.ts).
   */
  seriesPredictions?: { seriesInstanceUid: string; patient: string; label: number; scores: number[]; uncertainty: number | null; uncertaintyHigh: number | null }[];
  /** What the user must know about this evaluation, in sentences (a library on a read-only disk: no audit entry). */
  notes: string[];
}

type Subset = 'held-out' | 'test' | 'all';

/**
 * The labelled images a package may be evaluated on (by default those of patients it did not
 * train or validate on), with how many labelled images have a label it does not know.
 */
export function evaluationImages(library: Library, packageDir: string, meta: PackageMetadata, subset: Subset): { chosen: LabelledImage[]; skippedUnknownLabel: number } {
  const training = meta.provenance.training as { split?: { patients?: Record<string, string>; pseudonymKey?: string } } | undefined;
  const recorded = training?.split?.patients ?? {};
  const names = libraryPseudonyms(library.dir, { readOnly: library.readOnlyReason !== null });
  // A package names its patients by the pseudonyms of the library that trained it; one made
  // before pseudonyms (no pseudonymKey) by their PatientIDs.
  const pseudonymKey = training?.split?.pseudonymKey;
  if (pseudonymKey !== undefined && pseudonymKey !== names.keyId && subset !== 'all') {
    throw new Error(`${packageDir} was trained in another library (or before this library's pseudonym key was replaced), so which of these patients it trained and was tested on cannot be told. Pass --subset all to evaluate on every labelled image, if you know it never saw these patients.`);
  }
  const splitKey = pseudonymKey === undefined ? (patient: string) => patient : names.patient;
  const store = new TrainingStore(library);
  let all;
  try {
    all = store.labelledImages();
  } finally {
    store.close();
  }
  const known = all.filter((im) => meta.classNames.includes(im.label));
  const splitOf = (key: string) => (Object.hasOwn(recorded, key) ? recorded[key] : undefined);
  const chosen = known.filter((im) => {
    // A study with no PatientID and no name is a patient of its own (store.ts PATIENT_KEY_SQL);
    // a package trained before that grouped all such studies as one patient, 'name:'.
    const s = splitOf(splitKey(im.patient)) ?? (patientKeyKind(im.patient) === 'study' ? splitOf(splitKey('name:')) : undefined);
    if (subset === 'all') return true;
    if (subset === 'test') return s === 'test';
    return s === undefined || s === 'test';
  });
  return { chosen, skippedUnknownLabel: all.length - known.length };
}

export async function evaluatePackage(
  library: Library,
  packageDir: string,
  opts: { subset?: Subset; signal?: AbortSignal; onProgress?: (done: number, total: number) => void; bootstrap?: number; seed?: number; onlyPatients?: ReadonlySet<string> } = {},
): Promise<PackageEvaluation> {
  const pkg = await loadPackage(packageDir);
  const meta = pkg.metadata;
  const subset = opts.subset ?? 'held-out';
  const training = meta.provenance.training as { threshold?: number | null; seed?: number } | undefined;
  const names = libraryPseudonyms(library.dir, { readOnly: library.readOnlyReason !== null });
  const images = evaluationImages(library, packageDir, meta, subset);
  // onlyPatients (PatientIDs): the patients a comparison evaluates both models on.
  const chosen = opts.onlyPatients ? images.chosen.filter((im) => opts.onlyPatients!.has(im.patient)) : images.chosen;
  if (chosen.length === 0) {
    throw new Error(`No labelled images to evaluate ${packageDir} on (subset ${subset}): label images of classes ${meta.classNames.join(', ')} from patients the model did not train on, or pass --subset all.`);
  }
  const changed = changedSinceImport(library, chosen);
  if (changed.length) throw new Error(changedFilesMessage(changed, 'evaluated'));
  if (meta.seriesHead) return evaluateSeriesHead(library, pkg, chosen, { ...opts, subset, skippedUnknownLabel: images.skippedUnknownLabel });
  const runner = await createRunner({ package: pkg }, { cam: false, spinning: false });
  let scores: number[][];
  try {
    ({ scores } = await predictImages(runner, meta.preprocessing, chosen, { signal: opts.signal, onProgress: (p) => opts.onProgress?.(p.done, p.total) }));
  } finally {
    await runner.dispose();
  }
  const unaudited = library.auditUnlessReadOnly('evaluate', { packageHash: meta.contentHash, variant: meta.variant, runtime: runner.label, touched: { series: [...new Set(chosen.map((c) => c.seriesInstanceUid))], images: chosen.length }, subset });
  const labels = chosen.map((im) => meta.classNames.indexOf(im.label));
  const threshold = meta.classNames.length === 2 && typeof training?.threshold === 'number' ? training.threshold : undefined;
  return {
    model: { hash: meta.contentHash, name: meta.name, classNames: meta.classNames },
    subset,
    level: 'image',
    images: chosen.length,
    series: new Set(chosen.map((c) => c.seriesInstanceUid)).size,
    patients: new Set(chosen.map((c) => c.patient)).size,
    skippedUnknownLabel: images.skippedUnknownLabel,
    evaluation: evaluateLevels(chosen.map((im, i) => ({ scores: scores[i], label: labels[i], series: im.seriesInstanceUid, patient: im.patient })), meta.classNames, { threshold, seed: opts.seed ?? training?.seed ?? 0, bootstrap: opts.bootstrap }),
    predictions: chosen.map((im, i) => ({ sopInstanceUid: im.sopInstanceUid, frame: im.frame, seriesInstanceUid: im.seriesInstanceUid, patient: names.patient(im.patient), label: labels[i], scores: scores[i] })),
    notes: unaudited ? [unaudited] : [],
  };
}

/**
 * A series-head package on the chosen images: each series scored through the head, as
 * prediction scores it (features from model.onnx, the head per series), and evaluated per
 * series, per patient and per slice (models/training/levels.ts, evaluateSeriesLevels).
 */
async function evaluateSeriesHead(
  library: Library,
  pkg: LoadedPackage,
  chosen: LabelledImage[],
  opts: { subset: Subset; skippedUnknownLabel: number; signal?: AbortSignal; onProgress?: (done: number, total: number) => void; bootstrap?: number; seed?: number },
): Promise<PackageEvaluation> {
  const meta = pkg.metadata;
  const training = meta.provenance.training as { threshold?: number | null; seed?: number } | undefined;
  const names = libraryPseudonyms(library.dir, { readOnly: library.readOnlyReason !== null });
  const result = await scoreSeriesWithHead({ library, signal: opts.signal, onProgress: (p) => opts.onProgress?.(p.done, p.total) }, pkg, chosen);
  const unaudited = library.auditUnlessReadOnly('evaluate', { packageHash: meta.contentHash, variant: meta.variant, runtime: SERIES_HEAD_RUNTIME, touched: { series: result.series.map((s) => s.seriesInstanceUid), images: chosen.length }, subset: opts.subset, scope: 'series' });
  const labelOf = (im: LabelledImage) => meta.classNames.indexOf(im.label);
  const groupBy = <T>(items: readonly T[], key: (x: T) => string) => {
    const out = new Map<string, T[]>();
    for (const x of items) {
      const list = out.get(key(x));
      if (list) list.push(x);
      else out.set(key(x), [x]);
    }
    return out;
  };
  const bySeries = groupBy(chosen, (im) => im.seriesInstanceUid);
  const slicesOf = new Map([...groupBy(result.images, (im) => im.seriesInstanceUid)].map(([uid, ims]) => [uid, ims.map((im) => im.scores)]));
  const rows = result.series.map((s) => {
    const ims = bySeries.get(s.seriesInstanceUid)!;
    const labels = new Set(ims.map(labelOf));
    return { scores: s.pooled!.scores, slices: slicesOf.get(s.seriesInstanceUid)!, label: labels.size === 1 ? [...labels][0] : -1, series: s.seriesInstanceUid, patient: ims[0].patient, uncertainty: s.pooled!.uncertainty ?? null, uncertaintyHigh: s.pooled!.uncertaintyHigh ?? null };
  });
  const threshold = meta.classNames.length === 2 && typeof training?.threshold === 'number' ? training.threshold : undefined;
  // The slices in the order chosen, as an image package's predictions are (lumen compare pairs them by position).
  const scored = new Map(result.images.map((p) => [`${p.sopInstanceUid}/${p.frame}`, p.scores]));
  return {
    model: { hash: meta.contentHash, name: meta.name, classNames: meta.classNames },
    subset: opts.subset,
    level: 'series',
    images: chosen.length,
    series: rows.length,
    patients: new Set(chosen.map((c) => c.patient)).size,
    skippedUnknownLabel: opts.skippedUnknownLabel,
    evaluation: evaluateSeriesLevels(rows, meta.classNames, { threshold, seed: opts.seed ?? training?.seed ?? 0, bootstrap: opts.bootstrap }),
    predictions: chosen.map((im) => ({ sopInstanceUid: im.sopInstanceUid, frame: im.frame, seriesInstanceUid: im.seriesInstanceUid, patient: names.patient(im.patient), label: labelOf(im), scores: scored.get(`${im.sopInstanceUid}/${im.frame}`)! })),
    seriesPredictions: rows.map((r) => ({ seriesInstanceUid: r.series, patient: names.patient(r.patient), label: r.label, scores: r.scores, uncertainty: r.uncertainty, uncertaintyHigh: r.uncertaintyHigh })),
    notes: unaudited ? [unaudited] : [],
  };
}
