// Evaluating a model package on labelled library images (lumen eval, training.evaluate).
// By default only images of patients the package did not train or validate on are used:
// the package records its split, so re-evaluating never counts training patients.
import { createRunner } from '../../models/inference/runner';
import { loadPackage } from '../../models/package';
import { evaluate, type Evaluation } from '../../models/training/metrics';
import type { Library } from '../library/library';
import { predictImages } from './predict';
import { libraryPseudonyms } from './pseudonyms';
import { TrainingStore } from './store';

export interface PackageEvaluation {
  model: { hash: string; name: string; classNames: string[] };
  /** Which images: 'held-out' (patients outside the package's train/validation), 'test' (its recorded test split) or 'all'. */
  subset: 'held-out' | 'test' | 'all';
  images: number;
  patients: number;
  /** Labelled images skipped because their label is not one of the model's classes. */
  skippedUnknownLabel: number;
  evaluation: Evaluation;
  /** patient: the PatientID's pseudonym in this library, as a package's split names it. */
  predictions: { sopInstanceUid: string; frame: number; patient: string; label: number; scores: number[] }[];
}

export async function evaluatePackage(library: Library, packageDir: string, opts: { subset?: 'held-out' | 'test' | 'all'; signal?: AbortSignal; onProgress?: (done: number, total: number) => void } = {}): Promise<PackageEvaluation> {
  const pkg = await loadPackage(packageDir);
  const meta = pkg.metadata;
  const subset = opts.subset ?? 'held-out';
  const training = meta.provenance.training as { split?: { patients?: Record<string, string>; pseudonymKey?: string }; threshold?: number | null; seed?: number } | undefined;
  const recorded = training?.split?.patients ?? {};
  const names = libraryPseudonyms(library.dir);
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
  const chosen = known.filter((im) => {
    const key = splitKey(im.patient);
    const s = Object.hasOwn(recorded, key) ? recorded[key] : undefined;
    if (subset === 'all') return true;
    if (subset === 'test') return s === 'test';
    return s === undefined || s === 'test';
  });
  if (chosen.length === 0) {
    throw new Error(`No labelled images to evaluate ${packageDir} on (subset ${subset}): label images of classes ${meta.classNames.join(', ')} from patients the model did not train on, or pass --subset all.`);
  }
  const runner = await createRunner({ package: pkg }, { cam: false, spinning: false });
  let scores: number[][];
  try {
    ({ scores } = await predictImages(runner, meta.preprocessing, chosen, { signal: opts.signal, onProgress: (p) => opts.onProgress?.(p.done, p.total) }));
  } finally {
    await runner.dispose();
  }
  library.audit('evaluate', { packageHash: meta.contentHash, variant: meta.variant, runtime: runner.label, touched: { series: [...new Set(chosen.map((c) => c.seriesInstanceUid))], images: chosen.length }, subset });
  const labels = chosen.map((im) => meta.classNames.indexOf(im.label));
  const threshold = meta.classNames.length === 2 && typeof training?.threshold === 'number' ? training.threshold : undefined;
  return {
    model: { hash: meta.contentHash, name: meta.name, classNames: meta.classNames },
    subset,
    images: chosen.length,
    patients: new Set(chosen.map((c) => c.patient)).size,
    skippedUnknownLabel: all.length - known.length,
    evaluation: evaluate(scores, labels, meta.classNames, { threshold, seed: training?.seed ?? 0 }),
    predictions: chosen.map((im, i) => ({ sopInstanceUid: im.sopInstanceUid, frame: im.frame, patient: names.patient(im.patient), label: labels[i], scores: scores[i] })),
  };
}
