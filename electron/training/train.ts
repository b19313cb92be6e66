// A training run, end to end: labelled images -> patient-level split -> features (cached)
// or images -> fit (checkpointed every epoch) -> evaluation on the test split -> model
// package with a model card -> HTML report. Used by `lumen train` and the engine's
// training.start job.
import { thresholdFigure } from '../../common/threshold-words';
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, renameSync } from 'node:fs';
import { readRegularFile, readRegularText } from '../../common/node/read-file';
import path from 'node:path';
import { z } from 'zod';
import { DEFAULT_EPOCHS, TrainRequest } from '../../common/contract/training';
import { assertInside, ensurePrivateDir, removeInside, writeFileAtomic } from '../../common/node/safe-fs';
import { liveOwner, OWNER_FILE, thisProcess } from '../../common/node/run-owner';
import { APP_VERSION } from '../../common/version';
import { CancelledError } from '../../common/cancel';
import { buildEfficientNet, copyWeights, createClassifier, parseVariant, setDropoutRate, type Classifier, type VariantSpec } from '../../models';
import { progressiveSchedule, V2_PROGRESSIVE, type ProgressiveEpoch } from '../../models/efficientnet/progressive';
import { exportOnnx } from '../../models/onnx';
import { loadPackage, PackageError, savePackage, type PackageMetadata, type Preprocessing } from '../../models/package';
import { activeBackend, initBackend } from '../../models/runtime';
import { decodeState, encodeState, fit, weightedCrossEntropy, type EpochRecord, type FitConfig, type FitState } from '../../models/training/fit';
import { evaluate, flatMetrics, rocAuc, youdenThreshold, type Evaluation } from '../../models/training/metrics';
import { evaluateLevels, flatTestMetrics, modelCardLevels, type TestEvaluation } from '../../models/training/levels';
import { renderReport } from '../../models/training/report';
import { applyTemperature, calibrateOnValidation, calibrationMetrics, calibrationOnTest, type CalibrationRecord } from '../../models/training/calibration';
import { DEFAULT_ENSEMBLE_HEADS, ensembleUncertainty, foldStandardisation as foldEnsemble, quantile, trainEnsemble, type EnsembleHeads } from '../../models/training/ensemble';
import { ENSEMBLE_BIN, ensembleBytes, type EnsembleMetadata } from '../../models/package/uncertainty';
import { createRunner } from '../../models/inference/runner';
import { describeDomain, DOMAIN_BIN, domainBytes, type DomainFeatures, type DomainHeader, type DomainMetadata } from '../../models/package/domain';
import { MAX_FIT_ROWS, type FeatureDensity } from '../../models/training/ood';
import { fitTrainingDomain, packageVerdicts, trainingDomainHeader } from './domain';
import { PipelineCancelled } from '../../models/inference/pipeline';
import type { Library } from '../library/library';
import { savePredictions } from '../library/predictions';
import { splitByPatient, type DatasetSplit } from './dataset';
import { extractFeatures, featureCacheDir } from './features';
import { predictImages } from './predict';
import { libraryPseudonyms } from './pseudonyms';
import { aucText, capitalised, METRIC_NAMES } from '../../common/metric-words';
import { DEFAULT_NORMALISATION, loadModelInputs, normalisedBlack, resolveWindow } from '../dicom/model-input';
import { augment, DEFAULT_AUGMENTATION, isAugmenting, type Augmentation } from './augment';
import { changedFilesMessage, changedSinceImport } from './changed-files';
import { TrainingStore, type LabelledImage } from './store';
import { checkpointWords, earlierVersionNumber, OtherCheckpointError, readCheckpointSummary, settingsDifferences } from './checkpoint';

export type TrainMode = 'head' | 'scratch' | 'finetune';

export interface TrainOptions {
  library: Library;
  /** The model package folder to write. */
  out: string;
  /** b0..b7, v2-s/m/l, or custom compound scaling "custom-phi<phi>" (e.g. custom-phi-4). */
  variant: string;
  /** Square input size; default the variant's resolution. */
  resolution?: number;
  /** Window preset id/name, or explicit centre/width; default the file's own window. */
  window?: string | { center: number; width: number };
  augmentation?: Partial<Augmentation> | false;
  /** 'head' (default): a dense head on cached backbone features; 'scratch': the whole network; 'finetune': head then top blocks (GPU backend). */
  mode?: TrainMode;
  /** A model package whose backbone weights to start from (e.g. imported ImageNet weights). */
  backbonePackage?: string;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  patience?: number;
  seed?: number;
  validationFraction?: number;
  testFraction?: number;
  /** Augmented copies per image whose features are cached (head mode; default 2 when augmenting). */
  featureCopies?: number;
  name?: string;
  intendedUse?: string;
  /** Folder for cached features (default <library>/feature-cache). */
  cacheDir?: string;
  /** Folder for checkpoints (default <out>.checkpoint); removed when the run completes. */
  checkpointDir?: string;
  /** Continue from the checkpoint when there is one for the same configuration (default true); false discards any checkpoint and starts over. */
  resume?: boolean;
  /**
   * A checkpoint holding an epoch of a run with other settings or labels: 'discard' starts over
   * (the default: the app asks before it starts such a run), 'refuse' throws OtherCheckpointError
   * and deletes nothing (`lumen train`, which cannot ask).
   */
  otherCheckpoint?: 'discard' | 'refuse';
  /** What a user should read once, apart from progress (a checkpoint discarded by resume: false). */
  onNotice?: (message: string) => void;
  overwrite?: boolean;
  onProgress?: (p: TrainProgress) => void;
  signal?: AbortSignal;
  /** Stop (as if interrupted) after this many epochs, leaving the checkpoint: for tests of resuming. */
  interruptAfterEpochs?: number;
  /**
   * Progressive resizing (EfficientNetV2's progressive learning) when the backbone is trained
   * (scratch or finetune): the image size grows over `stages` stages from about 0.43x (V2-S;
   * 0.34x for M/L, as in the paper) to the resolution. Default on for V2 backbones, refused
   * for V1 (its padding depends on a fixed size). Only the size progresses: dropout stays off
   * so that a seed reproduces a run, and RandAugment/mixup are not implemented.
   */
  progressive?: boolean | { stages?: number; minSize?: number };
  /** Fine-tuning: how many of the backbone's last stages to unfreeze, with top_conv (default 1). */
  fineTuneStages?: number;
  /** Allow fine-tuning on the cpu backend (tiny networks in tests; far too slow for real ones). */
  allowCpuFineTune?: boolean;
  /** Stored with the checkpoint so that a run can be resumed after a restart (the engine's request). */
  request?: unknown;
}

export interface TrainProgress {
  phase: 'preparing' | 'features' | 'training' | 'evaluating' | 'saving' | 'done';
  fraction: number | null;
  message: string;
  epoch?: number;
  epochs?: number;
  step?: number;
  steps?: number;
  loss?: number;
  record?: EpochRecord;
  /** The epoch's image size under progressive resizing. */
  imageSize?: number;
}

/** A test image's scores as the package records them: the image and its patient by the library's pseudonyms. */
export interface TestPrediction {
  /** The SOPInstanceUID's pseudonym. */
  image: string;
  frame: number;
  /** The PatientID's pseudonym. */
  patient: string;
  label: number;
  scores: number[];
}

/** What a training run gives back, an image run's (TrainResult) or a series run's (mil-train.ts SeriesTrainResult). */
export interface TrainedPackage {
  packageDir: string;
  reportPath: string;
  metadata: PackageMetadata;
  classNames: string[];
  test: TestEvaluation;
  validation: Evaluation;
  threshold?: number;
  backend: string | null;
  /** Temperature scaling fitted on validation (models/training/calibration.ts). */
  calibration: CalibrationRecord;
  /** The package's training domain in lines (describeDomain), as the report lists them: the app's Results view shows them. */
  domain: string[];
  /** The package that was under the name and is kept as an earlier version (overwrite), or null. */
  keptEarlier: KeptEarlier | null;
}

/** A package a run wrote over, kept as an earlier version: where it went, its number among the name's versions, its hash. */
export interface KeptEarlier {
  dir: string;
  version: number;
  contentHash: string | null;
}

export interface TrainResult extends TrainedPackage {
  /** Per image (as before) with perImage, perSeries and perPatient beside it. */
  test: TestEvaluation;
  history: EpochRecord[];
  resumedFromEpoch: number;
  stopped: 'epochs' | 'early' | null;
  /** patients: patient pseudonym -> split, as the package records it. */
  split: { patients: Record<string, string>; balance: DatasetSplit['balance']; warnings: string[] };
  features?: { cached: number; computed: number; seconds: number };
  testPredictions: TestPrediction[];
  /** The uncertainty heads as the package records them (head mode), or null. */
  ensemble: EnsembleMetadata | null;
  /** Scratch and fine-tuning: the images whose features the final network computed for the training-domain check, and the seconds it took. */
  domainCheck?: { train: number; validation: number; seconds: number };
}

export class TrainingInterrupted extends Error {
  constructor(readonly epoch: number) {
    super(`Training stopped after epoch ${epoch}; the checkpoint is kept, run the same command again to resume.`);
  }
}

// parseVariant lives with the variants (no TF.js), so that `lumen train` checks --variant before loading the training stack.
export { parseVariant };

const GRADIENT_BACKENDS = ['tensorflow', 'webgpu', 'cpu'];

/** Hash of the backbone weights: names, shapes and bytes in graph order. */
export function backboneHash(c: Classifier): string {
  const h = createHash('sha256');
  for (const w of c.backbone.weights) {
    const data = w.read().dataSync() as Float32Array;
    h.update(`${w.originalName}\0${w.shape.join('x')}\0`);
    h.update(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  return h.digest('hex');
}

function configHash(x: unknown): string {
  return createHash('sha256').update(JSON.stringify(x)).digest('hex').slice(0, 16);
}

/** A run's checkpoint folder: run.json (what was asked), state.json (where it is) and the state.json's weights file. */
export const RUN_JSON = 'run.json';
const STATE_JSON = 'state.json';

/** run.json as the engine reads it back to list and resume runs; `request` is null for a run started by `lumen train`. */
export const CheckpointRun = z.object({
  runId: z.string(),
  name: z.string(),
  epochs: z.number().int().positive().nullable(),
  startedAt: z.string(),
  request: TrainRequest.nullable(),
});
export type CheckpointRun = z.infer<typeof CheckpointRun>;

/**
 * Writes the state after an epoch so that a process killed at any point leaves a complete
 * checkpoint: the weights go to a new file named by the epoch, then state.json (which names
 * it) replaces the old one in one rename, and only then is the previous weights file deleted.
 */
function writeCheckpoint(dir: string, state: FitState): void {
  const { json, blob } = encodeState(state);
  const weights = `state-${state.epoch}.bin`;
  writeFileAtomic(path.join(dir, weights), blob);
  writeFileAtomic(path.join(dir, STATE_JSON), JSON.stringify({ ...JSON.parse(json), weightsFile: weights }));
  for (const name of readdirSync(dir)) if (/^state-\d+\.bin$/.test(name) && name !== weights) removeInside(dir, path.join(dir, name));
}

/** The checkpoint's state when it belongs to this run (same configuration) and is complete; otherwise the run starts over. */
function readCheckpoint(dir: string, runId: string): FitState | undefined {
  try {
    if (checkpointRunId(dir) !== runId) return undefined;
    const json = readRegularText(path.join(dir, STATE_JSON), 'json');
    const weightsFile = z.string().regex(/^state-\d+\.bin$/).parse(JSON.parse(json).weightsFile);
    return decodeState(json, readRegularFile(path.join(dir, weightsFile), 'package'));
  } catch {
    // No checkpoint yet, or one this version cannot read: the run starts from epoch 0.
    return undefined;
  }
}

/** The run id a checkpoint's run.json records, or undefined. */
function checkpointRunId(dir: string): unknown {
  try {
    return (JSON.parse(readRegularText(path.join(dir, RUN_JSON), 'json')) as { runId?: unknown }).runId;
  } catch {
    return undefined;
  }
}

function classWeightsOf(labels: number[], k: number): number[] {
  const counts = new Array<number>(k).fill(0);
  for (const l of labels) counts[l]++;
  return counts.map((c) => (c === 0 ? 0 : labels.length / (k * c)));
}

function macroAuc(scores: number[][], labels: number[], k: number): number {
  if (k === 2) return rocAuc(scores.map((s) => s[1]), labels.map((l) => l === 1));
  const aucs = Array.from({ length: k }, (_, c) => rocAuc(scores.map((s) => s[c]), labels.map((l) => l === c))).filter(Number.isFinite);
  return aucs.length ? aucs.reduce((a, b) => a + b, 0) / aucs.length : NaN;
}

function toRows(t: tf.Tensor): number[][] {
  const [n, k] = t.shape as [number, number];
  const d = t.dataSync();
  return Array.from({ length: n }, (_, i) => Array.from(d.subarray(i * k, (i + 1) * k)));
}

function lossOf(scores: number[][], labels: number[], weights: number[]): number {
  return tf.tidy(() => weightedCrossEntropy(tf.tensor2d(scores), labels, weights).dataSync()[0]);
}

/** Runs (or resumes) a training run and writes the package; throws TrainingInterrupted or a cancellation error when stopped early. */
export async function trainClassifier(opts: TrainOptions): Promise<TrainResult> {
  const plan = await planRun(opts);
  const data = prepareDataset(plan);
  const checkpoint = openCheckpoint(plan, data);
  const classifier = await buildClassifier(plan, data);
  try {
    const fitted = plan.mode === 'head' ? await fitHead(plan, data, checkpoint, classifier) : await fitNetwork(plan, data, checkpoint, classifier);
    const calibration = calibrateScores(plan, data, fitted, classifier);
    plan.check();
    const testScores = await scoreTestSplit(plan, data, classifier, fitted);
    calibration.test = calibrationOnTest(calibration.temperature, testScores, data.labels.test);
    const evaluated = evaluateTest(plan, data, fitted, testScores);
    const written = await writePackage(plan, data, checkpoint, classifier, fitted, evaluated);
    recordInLibrary(plan, data, testScores, written, fitted);
    removeInside(checkpoint.parent, checkpoint.dir);
    plan.progress({ phase: 'done', fraction: 1, message: `Saved ${plan.opts.out}: test ${aucText(evaluated.test.auc)}` });
    return {
      packageDir: path.resolve(plan.opts.out), reportPath: written.reportPath, metadata: written.metadata, classNames: data.classNames,
      test: evaluated.test, validation: evaluated.validation, threshold: evaluated.threshold, history: fitted.state.history,
      resumedFromEpoch: checkpoint.resumedFromEpoch, stopped: fitted.state.stopped, domain: describeDomain(written.metadata.domain), keptEarlier: written.keptEarlier,
      split: { patients: evaluated.patients, balance: data.split.balance, warnings: data.split.warnings }, features: fitted.features, testPredictions: evaluated.testPredictions, backend: plan.backend,
      calibration, ensemble: fitted.ensemble?.metadata ?? null, ...(fitted.domainCheck ? { domainCheck: fitted.domainCheck } : {}),
    };
  } finally {
    classifier.dispose();
  }
}

/** What a run is, from its options, checked before anything is read or trained. */
interface RunPlan {
  opts: TrainOptions;
  mode: TrainMode;
  seed: number;
  spec: VariantSpec;
  inputSize: number;
  backend: string;
  augmentation: Augmentation;
  preprocessing: Preprocessing;
  epochs: number;
  /** The fit's settings but the class weights (which need the split). */
  fitBase: Omit<FitConfig, 'classWeights'>;
  schedule: ProgressiveEpoch[] | null;
  progress(p: TrainProgress): void;
  /** Throws when the run is cancelled. */
  check(): void;
}

/** The labelled images, split by patient, with each split's labels. */
interface Dataset {
  labelled: LabelledImage[];
  names: ReturnType<typeof libraryPseudonyms>;
  split: DatasetSplit;
  classNames: string[];
  labels: { train: number[]; validation: number[]; test: number[] };
  fitConfig: FitConfig;
  /** The training split's headers summarised (the package's domain.header). */
  domainHeader: DomainHeader;
}

/** The run's checkpoint folder and, when resuming, the state it holds. */
interface Checkpoint {
  runId: string;
  /** What identifies the run (its hash is runId); the package records parts of it. */
  runConfig: { backbonePackage: string | null };
  dir: string;
  /** The folder `dir` was named in: the only place it is ever deleted from. */
  parent: string;
  resume: FitState | undefined;
  /** The epoch the checkpoint held (0 for a fresh run), read before fit() advances the state. */
  resumedFromEpoch: number;
}

/** A fitted classifier's fit state and its scores on the validation split (the test split is scored as packaged: scoreTestSplit). */
interface Fitted {
  state: FitState;
  valScores: number[][];
  features?: TrainResult['features'];
  /** Set by calibrateScores: valScores are then the calibrated ones. */
  calibration?: CalibrationRecord;
  /** Head mode: the uncertainty heads on raw features (models/training/ensemble.ts). */
  ensemble?: { heads: EnsembleHeads; metadata: EnsembleMetadata };
  /** Set by scoreTestSplit: each test image's uncertainty (null without heads). */
  testUncertainty?: (number | null)[];
  /** Set by scoreTestSplit: each test image's pooled features, judged against the package's training domain once it is written (recordInLibrary). */
  testFeatures?: Float32Array[];
  /** The training features' density and its threshold (models/training/ood.ts): head mode's on cached features, other modes' on the final network's. */
  domain?: { density: FeatureDensity; metadata: DomainFeatures };
  /** Scratch and fine-tuning: what computing the final network's features for the domain check cost. */
  domainCheck?: TrainResult['domainCheck'];
}

interface Evaluated {
  threshold: number | undefined;
  validation: Evaluation;
  test: TestEvaluation;
  testPredictions: TestPrediction[];
  /** Patient pseudonym -> split. */
  patients: Record<string, string>;
}

/** Checks the options (variant, backend, window, output folder, schedule) and settles every default. */
async function planRun(opts: TrainOptions): Promise<RunPlan> {
  const mode = opts.mode ?? 'head';
  const seed = opts.seed ?? 1;
  const spec = parseVariant(opts.variant);
  const inputSize = opts.resolution ?? spec.resolution;
  // A library caller that initialised no backend gets the best one, so that every message names a real backend.
  const backend = activeBackend() ?? (await initBackend());
  if (mode !== 'head' && !GRADIENT_BACKENDS.includes(backend)) {
    throw new Error(`${mode === 'scratch' ? 'Training from scratch' : 'Fine-tuning'} needs convolution gradients, which the ${backend} backend lacks (TF.js wasm has no Conv2DBackpropFilter/DepthwiseConv2dNativeBackpropFilter kernels). Use --mode head, or a GPU backend (tensorflow or webgpu).`);
  }
  if (mode === 'finetune' && !['tensorflow', 'webgpu'].includes(backend) && !(opts.allowCpuFineTune && backend === 'cpu')) {
    throw new Error(`Fine-tuning the backbone is unavailable on the ${backend} backend: it needs a GPU backend (tensorflow or webgpu) to finish in reasonable time — wasm has no convolution backward kernels and the cpu backend takes seconds per step even for tiny networks. Train a head (--mode head) instead.`);
  }
  const augmentation: Augmentation = opts.augmentation === false ? { flip: false, verticalFlip: false, rotateDeg: 0, crop: 0, intensity: 0 } : { ...DEFAULT_AUGMENTATION, ...(opts.augmentation ?? {}) };
  // Area-averaged downscaling: a 512x512 slice going to 224..380 px keeps thin structures.
  const preprocessing: Preprocessing = { ...(opts.window !== undefined ? { window: opts.window } : {}), ...DEFAULT_NORMALISATION, resize: 'area' };
  resolveWindow(preprocessing); // fail early on an unknown preset
  // Likewise an output the package could never be written to: before the training, not after it.
  assertInside(path.dirname(opts.out), path.resolve(opts.out), 'write a model package to');
  if (existsSync(opts.out) && !opts.overwrite) throw outExists(opts.out);
  const epochs = opts.epochs ?? DEFAULT_EPOCHS[mode];
  const fitBase = {
    epochs,
    batchSize: opts.batchSize ?? (mode === 'head' ? 32 : 16),
    // Fine-tuning starts from learned weights: a small step (as Keras' transfer-learning guide), not a from-scratch one.
    learningRate: opts.learningRate ?? (mode === 'head' ? 1e-3 : mode === 'finetune' ? 1e-4 : 3e-3),
    schedule: 'cosine' as const,
    patience: opts.patience ?? (mode === 'head' ? 15 : 8),
    seed,
  };
  const schedule = progressivePlan(opts, spec, mode, inputSize, epochs);
  return {
    opts, mode, seed, spec, inputSize, backend, augmentation, preprocessing, epochs, fitBase, schedule,
    progress: (p) => opts.onProgress?.(p),
    check: () => {
      if (opts.signal?.aborted) throw new CancelledError();
    },
  };
}

/**
 * The library's labelled images and their split by patient into train, validation and test,
 * with the library's pseudonyms; refuses a set that cannot train a classifier. Image runs
 * (prepareDataset) and series runs (mil-train.ts) both start here; `check` sees the labelled
 * images before the split (a series run refuses series of mixed labels).
 */
export function labelledSplit(opts: Pick<TrainOptions, 'library' | 'validationFraction' | 'testFraction'>, seed: number, unit: 'images' | 'series', check?: (labelled: LabelledImage[]) => void): { labelled: LabelledImage[]; names: ReturnType<typeof libraryPseudonyms>; split: DatasetSplit; classNames: string[] } {
  const store = new TrainingStore(opts.library);
  let labelled: LabelledImage[];
  try {
    labelled = store.labelledImages();
  } finally {
    store.close();
  }
  if (labelled.length === 0) throw new Error(`No labelled ${unit} in the library ${opts.library.dir}: import labels first (lumen train --labels <csv>, or label series in the app).`);
  const changed = changedSinceImport(opts.library, labelled);
  if (changed.length) throw new Error(changedFilesMessage(changed, 'trained'));
  check?.(labelled);
  // The package is made to be shared: it names patients and images by the library's
  // pseudonyms (read now, so that a damaged key stops the run before it trains).
  const names = libraryPseudonyms(opts.library.dir);
  const split = splitByPatient(labelled, { seed, validation: opts.validationFraction, test: opts.testFraction });
  const classNames = split.classNames;
  if (classNames.length < 2) throw new Error(`Only one class (${classNames.join(', ')}) is labelled: a classifier needs at least two.`);
  for (const s of ['train', 'validation', 'test'] as const) if (split[s].length === 0) throw new Error(`The ${s} split is empty: label more patients (every split needs patients).`);
  return { labelled, names, split, classNames };
}

/** The library's labelled images split by patient into train, validation and test, with each split's labels and the fit's class weights. */
function prepareDataset(plan: RunPlan): Dataset {
  plan.progress({ phase: 'preparing', fraction: null, message: 'Reading labels and splitting by patient' });
  const { labelled, names, split, classNames } = labelledSplit(plan.opts, plan.seed, 'images');
  const labelOf = (im: LabelledImage) => classNames.indexOf(im.label);
  const labels = { train: split.train.map(labelOf), validation: split.validation.map(labelOf), test: split.test.map(labelOf) };
  const fitConfig: FitConfig = { ...plan.fitBase, classWeights: classWeightsOf(labels.train, classNames.length) };
  // What the model was trained on, from the training split's headers only: predictions are judged against it.
  const domainHeader = trainingDomainHeader(split.train);
  return { labelled, names, split, classNames, labels, fitConfig, domainHeader };
}

/**
 * A run's output folder is taken and the run was not asked to keep it as an earlier version. The
 * app asks for that only for a package it lists, and `lumen train` refuses before it gets here
 * (in its words: --overwrite), so the words fit both: another name, or the folder moved away.
 */
export function outExists(out: string): PackageError {
  return new PackageError(path.resolve(out), 'already exists: choose another name, or move that folder away (lumen train --overwrite keeps a package there as an earlier version and writes the new one under its name)');
}

/** A checkpoint's owner record, as read (any shape; liveOwner checks it), or null when there is none. */
function readOwner(dir: string): unknown {
  try {
    return JSON.parse(readRegularText(path.join(dir, OWNER_FILE), 'json')) as unknown;
  } catch {
    return null;
  }
}

/** The run's checkpoint: resumed when it belongs to the same configuration, else started over with a fresh run.json. */
function openCheckpoint(plan: RunPlan, data: Dataset): Checkpoint {
  const { opts, mode, spec, inputSize, preprocessing, augmentation, schedule } = plan;
  const runConfig = {
    mode, variant: spec.name, width: spec.width, depth: spec.depth, inputSize, preprocessing, augmentation, fitConfig: data.fitConfig, classNames: data.classNames,
    backbonePackage: opts.backbonePackage ? loadHashOf(opts.backbonePackage) : null, featureCopies: opts.featureCopies ?? null,
    ...(schedule ? { progressive: schedule.map((e) => e.imageSize) } : {}),
    images: data.labelled.map((i) => `${i.sopInstanceUid}#${i.frame}:${i.label}`),
  };
  const runId = configHash(runConfig);
  const givenCheckpointDir = opts.checkpointDir ?? `${path.resolve(opts.out)}.checkpoint`;
  const dir = path.resolve(givenCheckpointDir);
  // The checkpoint is deleted when a run starts over and when it completes: only ever inside
  // the folder it was named in (the dirname of the path as given, before ".." is resolved).
  const parent = path.dirname(givenCheckpointDir);
  // Another run still writing this checkpoint (the same command in a second terminal): neither
  // resume from it nor start it over under that run.
  const other = liveOwner(readOwner(dir));
  if (other && other.pid !== process.pid) throw new Error(`${dir} is being written by another training run (process ${other.pid}): wait for it to end or stop it, then run this again.`);
  const resume = opts.resume !== false ? readCheckpoint(dir, runId) : undefined;
  if (!resume) {
    // Epochs done under other settings (or labels) are not deleted without a word: refused when
    // asked to (lumen train), else said (--no-resume; the app asked before it started).
    const held = readCheckpointSummary(dir);
    const otherRun = checkpointRunId(dir) !== runId;
    if (held && opts.resume !== false && opts.otherCheckpoint === 'refuse' && otherRun) {
      throw new OtherCheckpointError(held, settingsDifferences(held.options, { ...runConfig, images: runConfig.images.length }));
    }
    if (held) opts.onNotice?.(`Discarded the checkpoint ${dir} (${checkpointWords(held)}): this run starts over ${opts.resume === false ? 'as asked (--no-resume)' : otherRun ? 'with its own settings' : '(the checkpoint did not read)'}.`);
    removeInside(parent, dir);
    ensurePrivateDir(dir);
    writeFileAtomic(path.join(dir, RUN_JSON), JSON.stringify({ runId, name: opts.name ?? path.basename(path.resolve(opts.out)), out: path.resolve(opts.out), epochs: plan.epochs, startedAt: new Date().toISOString(), request: opts.request ?? null, options: { ...runConfig, images: runConfig.images.length } }, null, 2));
  }
  // Whose checkpoint it is while this process runs: \`lumen models packages\` lists it as still
  // training, and \`lumen models delete\` does not discard it under the run.
  writeFileAtomic(path.join(dir, OWNER_FILE), JSON.stringify(thisProcess()));
  return { runId, runConfig, dir, parent, resume, resumedFromEpoch: resume?.epoch ?? 0 };
}

/** The classifier to fit: backbone weights copied in, a zero head, and the mode's trainable parts. */
async function buildClassifier(plan: RunPlan, data: Dataset): Promise<Classifier> {
  const { opts, mode, spec, seed } = plan;
  const classifier = createClassifier({ variant: spec, classes: data.classNames.length, inputSize: plan.inputSize, variableSize: plan.schedule !== null, seed, trainableBackbone: mode === 'scratch', dropout: mode === 'scratch' ? 0 : spec.dropout });
  try {
    if (opts.backbonePackage) await copyBackboneWeights(classifier, opts.backbonePackage);
    // The head starts at zero: Keras' dense initialiser scales by fan-out, which for a
    // handful of classes gives logits in the tens and a first loss far above log(K).
    const logits = classifier.model.getLayer('logits');
    logits.setWeights(logits.getWeights().map((w) => tf.zerosLike(w)));
    if (mode === 'finetune') unfreezeTopStages(classifier, opts.fineTuneStages ?? 1);
    if (mode === 'scratch') {
      // Keras' BatchNorm momentum (0.99) needs hundreds of steps before the moving statistics
      // that validation and the package use match the batches; small local datasets give tens.
      for (const layer of classifier.model.layers) if (layer.getClassName() === 'BatchNormalization') (layer as unknown as { momentum: number }).momentum = 0.9;
    }
    if (mode !== 'head') {
      // Drop-connect and dropout draw unseeded random masks in TF.js: off, so that a seed reproduces a run.
      for (const layer of classifier.model.layers) if (layer.getClassName() === 'Dropout') setDropoutRate(classifier.model, 0, layer.name);
    }
    return classifier;
  } catch (err) {
    classifier.dispose();
    throw err;
  }
}

/**
 * What both kinds of run give fit(): the split, the checkpoint after every epoch with its
 * progress, and a validation pass that scores the validation split with the run's own scorer.
 */
function fitCommon(plan: RunPlan, data: Dataset, checkpoint: Checkpoint, scoreValidation: () => number[][]) {
  const { opts, epochs, schedule } = plan;
  const onEpoch = (state: FitState, record: EpochRecord) => {
    writeCheckpoint(checkpoint.dir, state);
    const size = schedule ? ` at ${schedule[record.epoch - 1].imageSize} px` : '';
    plan.progress({ phase: 'training', fraction: state.epoch / epochs, message: `Epoch ${record.epoch}/${epochs}${size}: loss ${record.loss.toFixed(4)}, validation ${aucText(record.valMetric)}`, epoch: record.epoch, epochs, loss: record.loss, record, ...(schedule ? { imageSize: schedule[record.epoch - 1].imageSize } : {}) });
    if (opts.interruptAfterEpochs !== undefined && state.epoch >= opts.interruptAfterEpochs && state.stopped === null) throw new TrainingInterrupted(state.epoch);
  };
  const onStep = (i: { epoch: number; step: number; stepsPerEpoch: number; loss: number }) =>
    plan.progress({ phase: 'training', fraction: (i.epoch + i.step / i.stepsPerEpoch) / epochs, message: `Epoch ${i.epoch + 1}/${epochs}${schedule ? ` at ${schedule[i.epoch].imageSize} px` : ''}, step ${i.step}/${i.stepsPerEpoch}`, epoch: i.epoch + 1, epochs, step: i.step, steps: i.stepsPerEpoch, loss: i.loss });
  const validate = async () => {
    const s = scoreValidation();
    return { metric: macroAuc(s, data.labels.validation, data.classNames.length), loss: lossOf(s, data.labels.validation, data.fitConfig.classWeights) };
  };
  return { trainCount: data.split.train.length, config: data.fitConfig, resume: checkpoint.resume, onStep, onEpoch, checkCancelled: plan.check, validate };
}

/** Augmented copies of each training image whose features are cached in head mode. */
function featureCopiesOf(plan: RunPlan): number {
  return plan.opts.featureCopies ?? (isAugmenting(plan.augmentation) ? 2 : 1);
}

/**
 * Head mode: backbone features computed once on ONNX Runtime (cached on disk), then the dense
 * head fitted on standardised features; the standardisation is folded into the dense layer,
 * so the package takes raw features.
 */
async function fitHead(plan: RunPlan, data: Dataset, checkpoint: Checkpoint, classifier: Classifier): Promise<Fitted> {
  const { opts, spec, inputSize, preprocessing, augmentation, seed } = plan;
  const { split } = data;
  const copies = featureCopiesOf(plan);
  const hash = backboneHash(classifier);
  const plain = standaloneModel(classifier, spec, inputSize);
  const onnx = exportOnnx(plain).bytes;
  plain.dispose();
  const cacheDir = path.resolve(opts.cacheDir ?? featureCacheDir(opts.library.dir));
  const fspec = { weightsHash: hash, preprocessing, inputSize, copies, augmentation, seed };
  plan.progress({ phase: 'features', fraction: 0, message: 'Computing backbone features (ONNX Runtime; cached on disk)' });
  const onFeat = featureProgress(plan.progress);
  const tr = await extractFeatures(onnx, fspec, split.train, cacheDir, { signal: opts.signal, onProgress: onFeat });
  const va = await extractFeatures(onnx, { ...fspec, copies: 1 }, split.validation, cacheDir, { signal: opts.signal });
  const features = { cached: tr.cached + va.cached, computed: tr.computed + va.computed, seconds: tr.seconds + va.seconds };
  const dim = tr.dim;
  // The head trains on standardised features (train-split mean/std per feature), which
  // random or pretrained backbones alike need for a well-conditioned fit.
  const { mean, std } = featureStats(tr.features[0], dim);
  const standardise = (f: Float32Array, out: Float32Array, at: number) => {
    for (let d = 0; d < dim; d++) out[at + d] = (f[d] - mean[d]) / std[d];
  };
  const stack = (rows: Float32Array[]) => {
    const out = new Float32Array(rows.length * dim);
    rows.forEach((r, i) => standardise(r, out, i * dim));
    return tf.tensor2d(out, [rows.length, dim]);
  };
  const head = classifier.headModel;
  const rate = spec.dropout;
  const valX = stack(va.features[0]);
  const scoreHead = (x: tf.Tensor2D) => tf.tidy(() => toRows(head.predict(x) as tf.Tensor));
  try {
    const state = await fit({
      ...fitCommon(plan, data, checkpoint, () => scoreHead(valX)),
      model: head,
      trainingMode: false,
      makeBatch(indices, rand) {
        const copy = copies > 1 ? Math.floor(rand() * copies) : 0;
        const x = new Float32Array(indices.length * dim);
        indices.forEach((i, r) => {
          standardise(tr.features[copy][i], x, r * dim);
          // Dropout before the dense layer, from the seeded generator (inverted scaling).
          if (rate > 0) for (let d = 0; d < dim; d++) x[r * dim + d] = rand() < rate ? 0 : x[r * dim + d] / (1 - rate);
        });
        return { x: tf.tensor2d(x, [indices.length, dim]), labels: indices.map((i) => data.labels.train[i]) };
      },
    });
    const valScores = scoreHead(valX);
    foldStandardisation(classifier.model.getLayer('logits'), mean, std);
    plan.check();
    const ensemble = fitUncertaintyHeads(plan, data, tr.features, va.features[0], mean, std);
    const domain = fitDomainDensity(plan, tr.features[0], va.features[0]);
    return { state, valScores, features, ensemble, ...(domain ? { domain } : {}) };
  } finally {
    valX.dispose();
  }
}

/** The prior's logit scale of the uncertainty heads (models/training/ensemble.ts). */
const UNCERTAINTY_PRIOR_SCALE = 1;

/**
 * The uncertainty heads (models/training/ensemble.ts): an anchored ensemble trained on every
 * cached copy of the training features, standardised as the main head's were and then folded
 * so that the heads take model.onnx's raw "features" output. Their validation uncertainties
 * set what "high" means for this package (above the validation split's 95th percentile).
 */
function fitUncertaintyHeads(plan: RunPlan, data: Dataset, train: Float32Array[][], validation: Float32Array[], mean: Float64Array, std: Float64Array): NonNullable<Fitted['ensemble']> {
  plan.progress({ phase: 'training', fraction: null, message: `Training ${DEFAULT_ENSEMBLE_HEADS} uncertainty heads on the cached features` });
  const dim = mean.length;
  const k = data.classNames.length;
  const rows: Float32Array[] = [];
  const labels: number[] = [];
  for (const copy of train) {
    copy.forEach((f, i) => {
      const r = new Float32Array(dim);
      for (let d = 0; d < dim; d++) r[d] = (f[d] - mean[d]) / std[d];
      rows.push(r);
      labels.push(data.labels.train[i]);
    });
  }
  const standardised = trainEnsemble(rows, labels, k, { heads: DEFAULT_ENSEMBLE_HEADS, seed: plan.seed, priorScale: UNCERTAINTY_PRIOR_SCALE, classWeights: data.fitConfig.classWeights });
  const heads = foldEnsemble(standardised, mean, std);
  const flat = new Float32Array(validation.length * dim);
  validation.forEach((f, i) => flat.set(f, i * dim));
  const u = ensembleUncertainty(heads, flat, validation.length);
  const metadata: EnsembleMetadata = {
    file: ENSEMBLE_BIN, heads: heads.heads.length, features: dim, classes: k, priorScale: UNCERTAINTY_PRIOR_SCALE,
    method: 'anchored ensemble of linear heads on the pooled backbone features (bootstrap resamples, random prior anchors)',
    measure: "the heads' mutual information divided by log K, 0 to 1 (0: the heads agree)",
    validation: { n: u.length, mean: u.length ? u.reduce((a, b) => a + b, 0) / u.length : 0, p95: u.length ? quantile(u, 0.95) : 0 },
  };
  return { heads, metadata };
}

/**
 * The training-domain density (models/training/ood.ts) on the training split's own images (copy
 * 0, not augmented), its threshold the validation split's 99th percentile of distances: an image
 * further than that from the training images is said to be unlike them at prediction.
 */
function fitDomainDensity(plan: RunPlan, train: Float32Array[], validation: Float32Array[], source = 'the cached features'): Fitted['domain'] {
  if (train.length < 2 || validation.length < 1) return undefined;
  plan.progress({ phase: 'training', fraction: null, message: `Fitting the training-domain check on ${source}` });
  return fitTrainingDomain(train, validation);
}

/**
 * Temperature scaling (models/training/calibration.ts): T fitted on the validation scores and
 * folded into the dense head (kernel and bias times 1/T), so that every score of the package,
 * on either runtime, is calibrated, and the binary threshold (evaluateTest) is chosen on the
 * calibrated validation scores. Scratch and fine-tuned networks end in the same dense layer.
 */
function calibrateScores(plan: RunPlan, data: Dataset, fitted: Fitted, classifier: Classifier): CalibrationRecord {
  plan.progress({ phase: 'evaluating', fraction: null, message: 'Calibrating the scores on the validation split (temperature scaling)' });
  const calibration = calibrateOnValidation(fitted.valScores, data.labels.validation, { unit: 'images', classNames: data.classNames });
  if (calibration.applied) {
    const dense = classifier.model.getLayer('logits');
    const scaled = dense.getWeights().map((w) => tf.mul(w, 1 / calibration.temperature));
    dense.setWeights(scaled);
    tf.dispose(scaled);
    fitted.valScores = applyTemperature(fitted.valScores, calibration.temperature);
  }
  fitted.calibration = calibration;
  return calibration;
}

/**
 * Scratch and fine-tuning: the whole network fitted on decoded images (decoded again at each
 * size under progressive resizing), augmented per batch.
 */
async function fitNetwork(plan: RunPlan, data: Dataset, checkpoint: Checkpoint, classifier: Classifier): Promise<Fitted> {
  const { inputSize, preprocessing, augmentation, schedule } = plan;
  const { split } = data;
  plan.progress({ phase: 'preparing', fraction: null, message: 'Decoding images' });
  const load = async (ims: LabelledImage[], size = inputSize) => loadModelInputs(ims, preprocessing, size);
  // Training images per size (one size without progressive resizing); each is decoded
  // when its stage starts and the previous size is let go.
  let trainSize = schedule ? schedule[checkpoint.resumedFromEpoch]?.imageSize ?? inputSize : inputSize;
  let trainX = await load(split.train, trainSize);
  const trainAt = async (size: number) => {
    if (size !== trainSize) {
      plan.progress({ phase: 'training', fraction: null, message: `Progressive resizing: decoding the training images at ${size} px` });
      trainX = await load(split.train, size);
      trainSize = size;
    }
    return trainX;
  };
  const valImgs = await load(split.validation);
  plan.check();
  const per = inputSize * inputSize * 3;
  const fill = normalisedBlack(preprocessing);
  const scoreImages = (imgs: Float32Array[]) => {
    const rows: number[][] = [];
    for (let s = 0; s < imgs.length; s += 32) {
      const chunk = imgs.slice(s, s + 32);
      const x = new Float32Array(chunk.length * per);
      chunk.forEach((c, i) => x.set(c, i * per));
      rows.push(...tf.tidy(() => toRows(classifier.model.predict(tf.tensor4d(x, [chunk.length, inputSize, inputSize, 3])) as tf.Tensor)));
    }
    return rows;
  };
  const state = await fit({
    ...fitCommon(plan, data, checkpoint, () => scoreImages(valImgs)),
    model: classifier.model,
    trainingMode: true,
    async makeBatch(indices, rand, epoch) {
      const size = schedule ? schedule[epoch].imageSize : inputSize;
      const images = await trainAt(size);
      const n = size * size * 3;
      const x = new Float32Array(indices.length * n);
      indices.forEach((i, r) => x.set(isAugmenting(augmentation) ? augment(images[i], size, augmentation, rand, fill) : images[i], r * n));
      return { x: tf.tensor4d(x, [indices.length, size, size, 3]), labels: indices.map((i) => data.labels.train[i]) };
    },
  });
  return { state, valScores: scoreImages(valImgs) };
}

/**
 * The test split scored by the model exactly as it is packaged, through the one prediction
 * module (decode pool, batches, the runner: ONNX Runtime where it loads), so the test metrics
 * are those of what `lumen predict` and the app's Run will compute for these images.
 */
async function scoreTestSplit(plan: RunPlan, data: Dataset, classifier: Classifier, fitted?: Fitted): Promise<number[][]> {
  const { spec, inputSize, preprocessing, opts } = plan;
  const images = data.split.test;
  plan.progress({ phase: 'evaluating', fraction: 0, message: `Scoring the test split (${images.length} images)` });
  const model = standaloneModel(classifier, spec, inputSize);
  try {
    const ensemble = fitted?.ensemble?.heads;
    // A trained backbone has no cached features: its domain check is fitted here, on the same runner.
    const domainHere = fitted !== undefined && plan.mode !== 'head';
    // With a fit (every real run), the test images' features too: their training-domain verdicts are stored with their scores.
    const runner = await createRunner({ model, name: spec.name }, { cam: false, spinning: false, features: fitted !== undefined });
    try {
      const { scores, uncertainty, features } = await predictImages(runner, preprocessing, images, {
        ensemble,
        features: fitted !== undefined,
        signal: opts.signal,
        onProgress: (p) => plan.progress({ phase: 'evaluating', fraction: p.done / p.total, message: `Scoring the test split: ${p.done}/${p.total}` }),
      });
      if (fitted) {
        fitted.testUncertainty = uncertainty;
        fitted.testFeatures = features;
      }
      if (domainHere) {
        const started = performance.now();
        const domain = await fitFinalDomain(plan, data, runner);
        if (domain) fitted.domain = domain;
        fitted.domainCheck = { train: Math.min(data.split.train.length, MAX_FIT_ROWS), validation: Math.min(data.split.validation.length, MAX_DOMAIN_VALIDATION_ROWS), seconds: (performance.now() - started) / 1000 };
      }
      return scores;
    } catch (err) {
      if (err instanceof PipelineCancelled) plan.check();
      throw err;
    } finally {
      await runner.dispose();
    }
  } finally {
    model.dispose();
  }
}

/** At most this many validation images set a trained backbone's domain threshold (their 99th percentile). */
const MAX_DOMAIN_VALIDATION_ROWS = 1024;

/** Every `n / max`-th item of a list, at most `max` of them: a deterministic stride through a split. */
function strided<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  return Array.from({ length: max }, (_, i) => items[Math.floor((i * items.length) / max)]);
}

/**
 * Scratch and fine-tuning: the training-domain check on the final network's pooled features
 * (the package's own model.onnx "features"), as head mode fits it on its cached ones. The
 * backbone changed while training, so the features are computed again, after the fit, through
 * the one prediction path (decode pool, batches): at most MAX_FIT_ROWS training images (a
 * stride through the split; the density's mean, spread and components all come from them) and
 * at most MAX_DOMAIN_VALIDATION_ROWS validation images for the threshold.
 */
async function fitFinalDomain(plan: RunPlan, data: Dataset, runner: Awaited<ReturnType<typeof createRunner>>): Promise<Fitted['domain']> {
  const train = strided(data.split.train, MAX_FIT_ROWS);
  const validation = strided(data.split.validation, MAX_DOMAIN_VALIDATION_ROWS);
  if (train.length < 2 || validation.length < 1) return undefined;
  const total = train.length + validation.length;
  plan.progress({ phase: 'evaluating', fraction: 0, message: `Training-domain check: the final network's features of ${train.length} training and ${validation.length} validation images` });
  const onProgress = (offset: number) => (p: { done: number }) => plan.progress({ phase: 'evaluating', fraction: (offset + p.done) / total, message: `Training-domain check: features ${offset + p.done}/${total}` });
  try {
    const tr = await predictImages(runner, plan.preprocessing, train, { features: true, signal: plan.opts.signal, onProgress: onProgress(0) });
    const va = await predictImages(runner, plan.preprocessing, validation, { features: true, signal: plan.opts.signal, onProgress: onProgress(train.length) });
    return fitDomainDensity(plan, tr.features!, va.features!, "the final network's pooled features");
  } catch (err) {
    if (err instanceof PipelineCancelled) plan.check();
    throw err;
  }
}

/** Metrics on the validation and test splits (the binary threshold chosen on validation), and the test scores by pseudonym. */
function evaluateTest(plan: RunPlan, data: Dataset, fitted: Fitted, testScores: number[][]): Evaluated {
  const { seed } = plan;
  const { classNames, labels, split, names } = data;
  plan.progress({ phase: 'evaluating', fraction: null, message: 'Evaluating on the test split' });
  const threshold = classNames.length === 2 ? youdenThreshold(fitted.valScores.map((s) => s[1]), labels.validation.map((l) => l === 1)) : undefined;
  // Intervals resample patients (a patient drawn brings all its images); the test split per image, series and patient.
  const validation = evaluate(fitted.valScores, labels.validation, classNames, { threshold, seed, clusters: split.validation.map((im) => im.patient) });
  const test = evaluateLevels(split.test.map((im, i) => ({ scores: testScores[i], label: labels.test[i], series: im.seriesInstanceUid, patient: im.patient })), classNames, { threshold, seed });
  const testPredictions: TestPrediction[] = split.test.map((im, i) => ({ image: names.image(im.sopInstanceUid), frame: im.frame, patient: names.patient(im.patient), label: labels.test[i], scores: testScores[i] }));
  const patients = Object.fromEntries(Object.entries(split.patients).map(([p, s]) => [names.patient(p), s]));
  return { threshold, validation, test, testPredictions, patients };
}

/** The model package (with its provenance and model card) and the HTML report beside it. */
/** The report of a package kept as an earlier version goes beside it: `<name>.versions/<hash12>.report.html`. */
export function keepEarlierReport(out: string, earlierDir: string): void {
  const report = `${path.resolve(out)}.report.html`;
  if (!existsSync(report)) return;
  const dest = `${earlierDir}.report.html`;
  assertInside(path.dirname(earlierDir), dest, 'keep the report of an earlier version as');
  renameSync(report, dest);
}

/**
 * "Features n/total" once each: the extractor reports its last batch and then the total again,
 * which a terminal without a progress line (lumen train into a file or pipe) printed twice.
 */
export function featureProgress(progress: (p: TrainProgress) => void): (done: number, total: number) => void {
  let last = '';
  return (done, total) => {
    const message = `Features ${done}/${total}`;
    if (message === last) return;
    last = message;
    progress({ phase: 'features', fraction: done / total, message });
  };
}

/** The savePackage option that keeps a package under the name as an earlier version (with its report), and what it then records of it. */
export function keepingEarlier(out: string): { keepEarlier: (earlierDir: string) => void; kept: () => KeptEarlier | null } {
  let kept: KeptEarlier | null = null;
  return {
    keepEarlier: (earlierDir) => {
      keepEarlierReport(out, earlierDir);
      let contentHash: string | null = null;
      try {
        const m = JSON.parse(readRegularText(path.join(earlierDir, 'metadata.json'), 'json')) as { contentHash?: unknown };
        contentHash = typeof m.contentHash === 'string' ? m.contentHash : null;
      } catch {
        // A kept package whose metadata does not read: kept all the same, its hash unsaid.
      }
      kept = { dir: earlierDir, version: earlierVersionNumber(earlierDir), contentHash };
    },
    kept: () => kept,
  };
}

async function writePackage(plan: RunPlan, data: Dataset, checkpoint: Checkpoint, classifier: Classifier, fitted: Fitted, evaluated: Evaluated): Promise<{ metadata: PackageMetadata; reportPath: string; keptEarlier: KeptEarlier | null }> {
  const { opts, mode, seed, backend, spec, inputSize, preprocessing, augmentation, schedule } = plan;
  const { classNames, split, names } = data;
  const { state } = fitted;
  const { test, validation, threshold } = evaluated;
  plan.progress({ phase: 'saving', fraction: null, message: 'Writing the model package' });
  const dataSummary = summarise(data.labelled, split);
  const training = {
    mode, seed, backend, runId: checkpoint.runId, epochsRun: state.epoch, bestEpoch: state.best?.epoch ?? null, stopped: state.stopped,
    fit: data.fitConfig, augmentation, progressive: schedule ? schedule.map((e) => ({ epoch: e.epoch + 1, stage: e.stage + 1, imageSize: e.imageSize })) : null, featureCopies: mode === 'head' ? featureCopiesOf(plan) : null,
    backbone: { variant: spec.name, width: spec.width, depth: spec.depth, weights: opts.backbonePackage ? `package ${checkpoint.runConfig.backbonePackage}` : `random initialisation (seed ${seed})` },
    data: dataSummary, split: { patients: evaluated.patients, pseudonymKey: names.keyId, warnings: split.warnings },
    threshold: threshold ?? null, history: state.history, testPredictions: evaluated.testPredictions,
    evaluation: { test, validation },
  };
  const calibration = fitted.calibration;
  const ensemble = fitted.ensemble;
  const domain: DomainMetadata = { header: data.domainHeader, ...(fitted.domain ? { features: fitted.domain.metadata } : {}) };
  const metrics = { ...flatTestMetrics(test, 'test'), ...flatMetrics(validation, 'validation'), ...calibrationMetrics(calibration) };
  const finalModel = standaloneModel(classifier, spec, inputSize);
  const earlier = keepingEarlier(opts.out);
  const metadata = await savePackage(
    opts.out,
    finalModel,
    {
      name: opts.name ?? path.basename(path.resolve(opts.out)),
      variant: spec.name,
      inputSize,
      preprocessing,
      classNames,
      task: 'multiclass',
      provenance: { softwareVersion: `lumen ${APP_VERSION}`, training },
      metrics,
      modelCard: modelCard({ opts, spec, inputSize, preprocessing, classNames, mode, seed, backend, dataSummary, test, validation, threshold, state, augmentation, schedule }) + uncertaintyCard(calibration, ensemble?.metadata) + ['', '', '## Training domain', ...describeDomain(domain)].join('\n'),
      ...(calibration ? { calibration } : {}),
      ...(ensemble ? { ensemble: ensemble.metadata } : {}),
      domain,
    },
    {
      overwrite: opts.overwrite,
      // A run under a name in use keeps the earlier package as a version (models/package/versions.ts), with its report.
      keepEarlier: earlier.keepEarlier,
      files: { ...(ensemble ? { [ENSEMBLE_BIN]: ensembleBytes(ensemble.heads) } : {}), ...(fitted.domain ? { [DOMAIN_BIN]: domainBytes(fitted.domain.density) } : {}) },
    },
  ).finally(() => finalModel.dispose());
  const reportPath = `${path.resolve(opts.out)}.report.html`;
  writeFileAtomic(reportPath, renderReport({ title: metadata.name, classNames, test, validation, history: state.history, modelCard: metadata.modelCard ?? '', contentHash: metadata.contentHash, domain: describeDomain(metadata.domain) }));
  return { metadata, reportPath, keptEarlier: earlier.kept() };
}

/**
 * The library keeps the split, the test scores (under the real UIDs: it is where the images are;
 * each with its uncertainty and its training-domain verdict against the package as written, as a
 * later prediction gives them) and an audit entry.
 */
function recordInLibrary(plan: RunPlan, data: Dataset, testScores: number[][], written: { metadata: PackageMetadata }, fitted: Pick<Fitted, 'testUncertainty' | 'testFeatures'>): void {
  const { opts, spec, backend, mode, seed } = plan;
  const { split, classNames, labelled } = data;
  const { metadata } = written;
  const { testUncertainty } = fitted;
  const verdicts = packageVerdicts({ dir: opts.out, metadata }, split.test, fitted.testFeatures ?? null);
  const store = new TrainingStore(opts.library);
  try {
    store.saveDataset(`${metadata.name} (${metadata.contentHash.slice(0, 12)})`, { seed, classNames, patients: split.patients, balance: split.balance, warnings: split.warnings, package: metadata.contentHash }, `Patient-level split used to train ${metadata.name}`);
    savePredictions(opts.library.dir, { modelHash: metadata.contentHash, modelName: metadata.name, classNames, images: split.test.map((im, i) => ({ seriesInstanceUid: im.seriesInstanceUid, sopInstanceUid: im.sopInstanceUid, frame: im.frame, scores: testScores[i], uncertainty: testUncertainty?.[i] ?? null, domain: verdicts?.[i] ?? null })), series: [], createdAt: new Date().toISOString(), trainingDomain: metadata.domain ? 'recorded' : 'unknown' }, { dir: opts.out, metadata }, { extra: { split: 'test' } });
  } finally {
    store.close();
  }
  opts.library.audit('train', { packageHash: metadata.contentHash, variant: spec.name, runtime: `tfjs ${backend}`, touched: { series: [...new Set(labelled.map((i) => i.seriesInstanceUid))], images: labelled.length, patients: Object.keys(split.patients).length, files: [path.resolve(opts.out)] }, mode, seed });
}

/** The progressive-resizing schedule of a run, or null when it trains at one size. */
export function progressivePlan(opts: Pick<TrainOptions, 'progressive'>, spec: VariantSpec, mode: TrainMode, inputSize: number, epochs: number): ProgressiveEpoch[] | null {
  const asked = opts.progressive;
  const v2 = spec.family === 'efficientnetv2';
  if (asked && !v2) throw new Error(`Progressive resizing needs an EfficientNetV2 backbone (v2-s, v2-m, v2-l): ${spec.name}'s padding depends on a fixed input size. Leave it off for ${spec.name}.`);
  if (asked && mode === 'head') throw new Error('Progressive resizing applies when the backbone trains (--from-scratch or --fine-tune); a head on cached features sees each image at one size.');
  if (!v2 || mode === 'head' || asked === false || (asked === undefined && epochs < 2)) return null;
  const paper = V2_PROGRESSIVE[spec.name as keyof typeof V2_PROGRESSIVE] ?? V2_PROGRESSIVE['v2-s'];
  const custom = typeof asked === 'object' ? asked : {};
  const minSize = Math.min(inputSize, custom.minSize ?? Math.max(32, Math.round((inputSize * paper.minSize) / paper.maxSize / 8) * 8));
  const stages = Math.min(epochs, custom.stages ?? 4);
  return progressiveSchedule({ epochs, stages, minSize, maxSize: inputSize, minDropout: 0, maxDropout: 0 });
}

/**
 * The classifier as one plain graph (Keras' top: avg_pool, top_dropout, predictions) with the
 * classifier's weights: what the package stores and ONNX exports. The Classifier's own model
 * shares its head layers with headModel, which the exporter cannot walk.
 */
export function standaloneModel(c: Classifier, spec: VariantSpec, inputSize: number): tf.LayersModel {
  const m = buildEfficientNet(spec, { includeTop: true, classes: c.classes, inputSize, init: 'zeros', classifierActivation: 'softmax' });
  copyWeights(c.backbone, m);
  m.getLayer('predictions').setWeights(c.model.getLayer('logits').getWeights());
  return m;
}

/**
 * Unfreezes the backbone's last `stages` stages and top_conv for fine-tuning; BatchNorm layers
 * stay frozen (they keep their statistics and run in inference mode, as Keras recommends).
 * Returns the names of the unfrozen layers.
 */
export function unfreezeTopStages(c: Classifier, stages: number): string[] {
  const stageOf = (name: string) => Number(/^block(\d+)[a-z]+_/.exec(name)?.[1] ?? NaN);
  const last = Math.max(...c.backbone.layers.map((l) => stageOf(l.name)).filter(Number.isFinite));
  const unfrozen: string[] = [];
  for (const layer of c.backbone.layers) {
    const s = stageOf(layer.name);
    const top = layer.name === 'top_conv';
    if ((top || (Number.isFinite(s) && s > last - stages)) && layer.getClassName() !== 'BatchNormalization' && layer.getWeights().length > 0) {
      layer.trainable = true;
      unfrozen.push(layer.name);
    }
  }
  return unfrozen;
}

function featureStats(rows: Float32Array[], dim: number): { mean: Float64Array; std: Float64Array } {
  const mean = new Float64Array(dim);
  const std = new Float64Array(dim);
  for (const r of rows) for (let d = 0; d < dim; d++) mean[d] += r[d] / rows.length;
  for (const r of rows) for (let d = 0; d < dim; d++) std[d] += (r[d] - mean[d]) ** 2 / rows.length;
  let avg = 0;
  for (let d = 0; d < dim; d++) avg += Math.sqrt(std[d]) / dim;
  // A constant feature keeps a floor, so that folding never divides by zero.
  for (let d = 0; d < dim; d++) std[d] = Math.max(Math.sqrt(std[d]), 1e-3 * avg, 1e-12);
  return { mean, std };
}

/** Dense on (x - mean) / std equals dense on x with kernel W/std and bias b - sum(mean * W/std). */
function foldStandardisation(dense: tf.layers.Layer, mean: Float64Array, std: Float64Array): void {
  const [kernel, bias] = dense.getWeights();
  const [dim, k] = kernel.shape as [number, number];
  const w = kernel.dataSync();
  const b = bias.dataSync();
  const w2 = new Float32Array(dim * k);
  const b2 = Float64Array.from(b);
  for (let d = 0; d < dim; d++) {
    for (let c = 0; c < k; c++) {
      const v = w[d * k + c] / std[d];
      w2[d * k + c] = v;
      b2[c] -= mean[d] * v;
    }
  }
  dense.setWeights([tf.tensor2d(w2, [dim, k]), tf.tensor1d(Float32Array.from(b2))]);
}

function loadHashOf(dir: string): string {
  const meta = JSON.parse(readRegularText(path.join(dir, 'metadata.json'), 'json')) as { contentHash?: string };
  return meta.contentHash ?? 'unknown';
}

/** Copies every backbone weight (by Keras layer name) from a package's model. */
export async function copyBackboneWeights(c: Classifier, dir: string): Promise<void> {
  const pkg = await loadPackage(dir, { loadModel: true });
  const src = pkg.model!;
  try {
    const byName = new Map(src.weights.map((w) => [w.originalName, w]));
    let copied = 0;
    for (const w of c.backbone.weights) {
      const s = byName.get(w.originalName);
      if (!s) continue;
      if (s.shape.join('x') !== w.shape.join('x')) throw new Error(`Backbone package ${dir}: weight ${w.originalName} has shape [${s.shape}] but this backbone needs [${w.shape}] (same variant and resolution?).`);
      w.write(s.read());
      copied++;
    }
    if (copied === 0) throw new Error(`Backbone package ${dir} shares no layer names with a ${c.backbone.name} backbone: pick the same variant.`);
  } finally {
    src.dispose();
  }
}

export function summarise(images: LabelledImage[], split: DatasetSplit) {
  const perClass: Record<string, { images: number; patients: number }> = {};
  for (const c of split.classNames) {
    const ims = images.filter((i) => i.label === c);
    perClass[c] = { images: ims.length, patients: new Set(ims.map((i) => i.patient)).size };
  }
  return {
    patients: new Set(images.map((i) => i.patient)).size,
    images: images.length,
    perClass,
    splits: { train: split.train.length, validation: split.validation.length, test: split.test.length },
    balance: split.balance,
    createdAt: new Date().toISOString().slice(0, 10),
  };
}

/** The model card's section on calibration and uncertainty. */
function uncertaintyCard(c: CalibrationRecord | undefined, e: EnsembleMetadata | undefined): string {
  const lines = ['', '', '## Calibration and uncertainty'];
  if (c) {
    const ece = (x: { eceBefore: number; eceAfter: number }) => `ECE ${x.eceBefore.toFixed(3)} before, ${x.eceAfter.toFixed(3)} after`;
    lines.push(c.applied
      ? `Scores are temperature-scaled: T = ${c.temperature.toFixed(3)} fitted on the validation split (${c.validation.n} images; ${ece(c.validation)})${c.test ? `; test split ${ece(c.test)}` : ''}. The temperature is part of the head's weights; the threshold was chosen on calibrated scores.`
      : `No temperature applied (T = 1): ${c.reason ?? `the temperature fitted on the validation split did not lower both its NLL and its ECE`} (${c.validation.n} validation images, ECE ${c.validation.eceBefore.toFixed(3)}).`);
  }
  lines.push(e
    ? `Each prediction carries an uncertainty from ${e.heads} extra heads on the backbone features (${e.method}): ${e.measure}. On the validation split: mean ${e.validation.mean.toFixed(3)}, 95th percentile ${e.validation.p95.toFixed(3)}; above that it is shown as high.`
    : 'No uncertainty heads: predictions carry no uncertainty.');
  return lines.join('\n');
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a';
}

/** A model card's first lines, the same for image and series runs: its name, intended use, the research-use notice, and the Data heading. */
export function modelCardOpening(name: string, intendedUse: string | undefined): string[] {
  return [
    `# ${name}`,
    '',
    '## Intended use',
    intendedUse?.trim() || '(not stated by the person who trained it)',
    '',
    'Research use only; not a medical device. Validated only on the test split described below.',
    '',
    '## Data',
  ];
}

function modelCard(a: {
  opts: TrainOptions; spec: VariantSpec; inputSize: number; preprocessing: Preprocessing; classNames: string[]; mode: TrainMode; seed: number; backend: string | null;
  dataSummary: ReturnType<typeof summarise>; test: TestEvaluation; validation: Evaluation; threshold?: number; state: FitState; augmentation: Augmentation;
  schedule: ProgressiveEpoch[] | null;
}): string {
  const d = a.dataSummary;
  const lines = [
    ...modelCardOpening(a.opts.name ?? path.basename(path.resolve(a.opts.out)), a.opts.intendedUse),
    `${d.patients} patients, ${d.images} images (labelled ${d.createdAt}); split by patient (seed ${a.seed}): train ${d.splits.train}, validation ${d.splits.validation}, test ${d.splits.test} images.`,
    ...a.classNames.map((c) => `- ${c}: ${d.perClass[c].images} images from ${d.perClass[c].patients} patients`),
    '',
    '## Model',
    `Backbone EfficientNet ${a.spec.name} (width ${a.spec.width.toFixed(3)}, depth ${a.spec.depth.toFixed(3)}), input ${a.inputSize}x${a.inputSize}; ${a.mode === 'head' ? 'dense head trained on cached backbone features' : a.mode === 'scratch' ? 'whole network trained from scratch' : 'fine-tuned'}${a.opts.backbonePackage ? `; backbone weights from ${a.opts.backbonePackage}` : a.mode === 'head' ? '; backbone randomly initialised (no pretrained weights given)' : ''}.`,
    `Preprocessing: window ${typeof a.preprocessing.window === 'string' ? a.preprocessing.window : a.preprocessing.window ? `${a.preprocessing.window.center}/${a.preprocessing.window.width}` : "the file's own"}, x/255, ImageNet mean/std. Augmentation: ${JSON.stringify(a.augmentation)}.`,
    `Training: ${a.state.epoch} epochs (best ${a.state.best?.epoch ?? '-'}; ${a.state.stopped === 'early' ? 'stopped early' : 'all epochs'}), seed ${a.seed}, TF.js backend ${a.backend}, Lumen ${APP_VERSION}.`,
    ...(a.schedule ? [`Progressive resizing: image size by stage ${[...new Set(a.schedule.map((e) => e.imageSize))].join(' -> ')} px over ${a.schedule.length} epochs.`] : []),
    '',
    '## Test metrics',
    `${capitalised(METRIC_NAMES.accuracy)} ${pct(a.test.accuracy)}, ${METRIC_NAMES.balancedAccuracy} ${pct(a.test.balancedAccuracy)}, ${aucText(a.test.auc, a.test.aucCi)}, ${METRIC_NAMES.ece} ${a.test.ece.toFixed(3)}${a.threshold !== undefined ? `, threshold ${thresholdFigure(a.threshold)} chosen on validation` : ''}.`,
    ...a.test.perClass.map((c) => `- ${c.className}: sensitivity ${pct(c.sensitivity)}, specificity ${pct(c.specificity)}, PPV ${pct(c.ppv)}, NPV ${pct(c.npv)}, ${aucText(c.auc)}`),
    ...modelCardLevels(a.test),
    '',
    'The content hash in metadata.json identifies exactly these weights and this card.',
  ];
  return lines.join('\n');
}
