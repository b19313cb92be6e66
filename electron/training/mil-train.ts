// Series classifiers trained from series labels alone (multiple-instance learning): each
// labelled series is a bag of its slices' cached backbone features (features.ts); a gated
// attention head (models/training/mil.ts) learns the series' class and, on the way, which
// slices carry it; an anchored ensemble on the series' pooled features gives each series an
// uncertainty (models/training/series-ensemble.ts). `lumen train --level series` and the Training tab's "Series (MIL)" run
// trainSeriesClassifier; prediction with the package is in mil.ts (apart, because train.ts
// imports the prediction module and this file imports train.ts).
import { thresholdFigure } from '../../common/threshold-words';
import * as tf from '@tensorflow/tfjs';
import path from 'node:path';
import { existsSync } from 'node:fs';
import { readRegularText } from '../../common/node/read-file';
import { assertInside, writeFileAtomic } from '../../common/node/safe-fs';
import { APP_VERSION } from '../../common/version';
import { CancelledError } from '../../common/cancel';
import { createClassifier } from '../../models';
import { exportOnnx } from '../../models/onnx';
import { savePackage, type Preprocessing } from '../../models/package';
import { SERIES_HEAD_BIN, seriesHeadBytes, type SeriesHeadMetadata } from '../../models/package/series-head';
import { SERIES_ENSEMBLE_BIN, seriesEnsembleBytes } from '../../models/package/series-ensemble';
import { SERIES_HIGH_MINIMUM, trainSeriesEnsemble, type SeriesEnsemble } from '../../models/training/series-ensemble';
import { activeBackend, initBackend } from '../../models/runtime';
import { calibrateOnValidation, calibrationMetrics, calibrationOnTest, type CalibrationRecord } from '../../models/training/calibration';
import { evaluateSeriesLevels, flatTestMetrics, modelCardLevels, type TestEvaluation } from '../../models/training/levels';
import { evaluate, flatMetrics, youdenThreshold } from '../../models/training/metrics';
import { fitMil, foldedClassifier, predictBag, withTemperature, type Bag, type MilEpoch } from '../../models/training/mil';
import { renderReport } from '../../models/training/report';
import { DEFAULT_NORMALISATION, resolveWindow, type ImageRef } from '../dicom/model-input';
import type { ImageScores } from '../../common/contract/models';
import { extractFeatures, featureCacheDir } from './features';
import { featureSpec, saveSeriesPredictions, seriesResult } from './mil';
import { fitTrainingDomain, packageVerdicts, trainingDomainHeader } from './domain';
import { describeDomain, DOMAIN_BIN, domainBytes, type DomainMetadata } from '../../models/package/domain';
import type { LabelledImage } from './store';
import { aucText, capitalised, METRIC_NAMES } from '../../common/metric-words';
import { backboneHash, copyBackboneWeights, featureProgress, keepingEarlier, labelledSplit, outExists, modelCardOpening, parseVariant, standaloneModel, summarise, type TrainedPackage, type TrainOptions, type TrainProgress } from './train';

/** A test series' scores as the package records them: series, patient and slices by the library's pseudonyms. */
export interface SeriesTestPrediction {
  /** The pseudonym of the series' first slice's SOP Instance UID (a series has no pseudonym of its own). */
  series: string;
  patient: string;
  label: number;
  scores: number[];
  /** The slices' attention weights, in the series' order. */
  attention: number[];
}

export interface SeriesTrainResult extends TrainedPackage {
  level: 'series';
  /**
   * Per series (each test series' attention-pooled score against its label), with perImage
   * (each slice's own score against its series' label), perSeries and perPatient beside it,
   * as an image run's test evaluation has them (models/training/levels.ts).
   */
  test: TestEvaluation;
  history: MilEpoch[];
  bestEpoch: number;
  stopped: 'epochs' | 'early';
  split: { patients: Record<string, string>; series: { train: number; validation: number; test: number }; warnings: string[] };
  features: { cached: number; computed: number; seconds: number };
  testPredictions: SeriesTestPrediction[];
  /** Temperature scaling of the series scores, fitted on the validation series (models/training/calibration.ts). */
  calibration: CalibrationRecord;
  /** The series uncertainty heads (models/training/series-ensemble.ts, series-ensemble.bin): how many, the validation series' uncertainties, seconds to train. */
  ensemble: { heads: number; validation: SeriesEnsemble['validation']; seconds: number };
}

const METHOD = 'gated attention pooling over slice features (Ilse et al. 2018), trained from series labels';

interface SeriesBag extends Bag {
  seriesInstanceUid: string;
  patient: string;
  images: ImageRef[];
}

/** The series of a split, each a bag of its images (in training order: image-order.ts) with its one label. */
function bagsOf(images: LabelledImage[], features: Map<LabelledImage, Float32Array>, classNames: string[]): SeriesBag[] {
  const by = new Map<string, LabelledImage[]>();
  for (const im of images) by.set(im.seriesInstanceUid, [...(by.get(im.seriesInstanceUid) ?? []), im]);
  return [...by].map(([uid, list]) => ({
    seriesInstanceUid: uid,
    patient: list[0].patient,
    images: list,
    instances: list.map((im) => features.get(im)!),
    label: classNames.indexOf(list[0].label),
  }));
}

/** Series whose images carry more than one label (an image label overriding its series'): MIL needs one label per series. */
function mixedSeries(images: LabelledImage[]): number {
  const labels = new Map<string, Set<string>>();
  for (const im of images) labels.set(im.seriesInstanceUid, (labels.get(im.seriesInstanceUid) ?? new Set()).add(im.label));
  return [...labels.values()].filter((s) => s.size > 1).length;
}

/**
 * Trains a series classifier from series labels: the labelled series split by patient, every
 * slice's backbone features (cached), the attention head fitted on the training series and
 * chosen on the validation series' loss, evaluated per series on the test split, and written
 * as a model package whose dense layer is the head's classifier (so it scores slices too) with
 * series-head.bin beside it.
 */
export async function trainSeriesClassifier(opts: TrainOptions): Promise<SeriesTrainResult> {
  const progress = (p: TrainProgress) => opts.onProgress?.(p);
  const check = () => {
    if (opts.signal?.aborted) throw new CancelledError();
  };
  if ((opts.mode ?? 'head') !== 'head') throw new Error('Series-level training (multiple-instance learning) trains a head on cached backbone features: leave out --from-scratch and --fine-tune.');
  const seed = opts.seed ?? 1;
  const spec = parseVariant(opts.variant);
  const inputSize = opts.resolution ?? spec.resolution;
  const backend = activeBackend() ?? (await initBackend());
  const preprocessing: Preprocessing = { ...(opts.window !== undefined ? { window: opts.window } : {}), ...DEFAULT_NORMALISATION, resize: 'area' };
  resolveWindow(preprocessing);
  assertInside(path.dirname(opts.out), path.resolve(opts.out), 'write a model package to');
  if (existsSync(opts.out) && !opts.overwrite) throw outExists(opts.out);

  progress({ phase: 'preparing', fraction: null, message: 'Reading series labels and splitting by patient' });
  const { labelled, names, split, classNames } = labelledSplit(opts, seed, 'series', (images) => {
    const mixed = mixedSeries(images);
    if (mixed) throw new Error(`${mixed} series ha${mixed === 1 ? 's' : 've'} images with different labels: series-level training needs one label per series. Clear the image labels of ${mixed === 1 ? 'that series' : 'those series'}, or train per image.`);
  });

  const classifier = createClassifier({ variant: spec, classes: classNames.length, inputSize, seed });
  try {
    if (opts.backbonePackage) await copyBackboneWeights(classifier, opts.backbonePackage);
    const plain = standaloneModel(classifier, spec, inputSize);
    const onnx = exportOnnx(plain).bytes;
    plain.dispose();
    const cacheDir = path.resolve(opts.cacheDir ?? featureCacheDir(opts.library.dir));
    progress({ phase: 'features', fraction: 0, message: 'Computing backbone features of every slice (ONNX Runtime; cached on disk)' });
    const all = [...split.train, ...split.validation, ...split.test];
    const f = await extractFeatures(onnx, featureSpec(backboneHash(classifier), preprocessing, inputSize, seed), all, cacheDir, {
      signal: opts.signal,
      onProgress: featureProgress(progress),
    });
    check();
    const byImage = new Map(all.map((im, i) => [im, f.features[0][i]]));
    const bags = { train: bagsOf(split.train, byImage, classNames), validation: bagsOf(split.validation, byImage, classNames), test: bagsOf(split.test, byImage, classNames) };
    const epochs = opts.epochs ?? 60;
    const fitted = fitMil(bags.train, bags.validation, classNames.length, {
      seed, epochs, learningRate: opts.learningRate, patience: opts.patience, check,
      onEpoch: (e) => progress({ phase: 'training', fraction: e.epoch / epochs, message: `Epoch ${e.epoch}/${epochs}: loss ${e.loss.toFixed(4)}, validation series ${aucText(e.valMetric)}`, epoch: e.epoch, epochs, loss: e.loss, record: e }),
    });
    check();

    // Temperature scaling of the series scores on the validation series (split by patient),
    // folded into the head's classifier as an image run folds it into its dense layer: every
    // score the package gives (series and slices, head and model.onnx) is then calibrated.
    progress({ phase: 'evaluating', fraction: null, message: 'Calibrating the series scores on the validation series (temperature scaling)' });
    const labelsOf = (list: SeriesBag[]) => list.map((b) => b.label!);
    const calibration = calibrateOnValidation(bags.validation.map((b) => predictBag(fitted.head, b).scores), labelsOf(bags.validation), { unit: 'series', classNames });
    const head = calibration.applied ? withTemperature(fitted.head, calibration.temperature) : fitted.head;

    // The series uncertainty heads on the pooled features of the training series (seconds).
    progress({ phase: 'training', fraction: null, message: 'Training the series uncertainty heads on the pooled features' });
    const ensembleStarted = Date.now();
    const ensemble = trainSeriesEnsemble(head, bags.train, bags.validation, { seed });
    const ensembleSeconds = (Date.now() - ensembleStarted) / 1000;
    check();

    // The training domain: the training split's headers, and the density of its slices' own
    // features (those the head pools; the backbone is frozen, so they are model.onnx's): a
    // slice is judged as an image run's image is, before the series is pooled.
    progress({ phase: 'training', fraction: null, message: "Fitting the training-domain check on the training slices' features" });
    const domainFeatures = fitTrainingDomain(split.train.map((im) => byImage.get(im)!), split.validation.map((im) => byImage.get(im)!));
    const domain: DomainMetadata = { header: trainingDomainHeader(split.train), ...(domainFeatures ? { features: domainFeatures.metadata } : {}) };

    progress({ phase: 'evaluating', fraction: null, message: 'Evaluating each test series' });
    const predictOf = (list: SeriesBag[]) => list.map((b) => predictBag(head, b));
    const val = predictOf(bags.validation);
    const test = predictOf(bags.test);
    calibration.test = calibrationOnTest(calibration.temperature, test.map((p) => p.scores), labelsOf(bags.test));
    // The threshold is chosen on the calibrated validation scores, as in an image run.
    const threshold = classNames.length === 2 ? youdenThreshold(val.map((p) => p.scores[1]), bags.validation.map((b) => b.label === 1)) : undefined;
    // Intervals resample patients: a patient drawn brings all its series.
    const validation = evaluate(val.map((p) => p.scores), labelsOf(bags.validation), classNames, { threshold, seed, clusters: bags.validation.map((b) => b.patient), clusterUnit: 'patients' });
    const testEval = evaluateSeriesLevels(bags.test.map((b, i) => ({ scores: test[i].scores, slices: test[i].instanceScores, label: b.label!, series: b.seriesInstanceUid, patient: b.patient })), classNames, { threshold, seed });
    const testPredictions: SeriesTestPrediction[] = bags.test.map((b, i) => ({ series: names.image(b.images[0].sopInstanceUid), patient: names.patient(b.patient), label: b.label!, scores: test[i].scores, attention: test[i].attention }));
    const patients = Object.fromEntries(Object.entries(split.patients).map(([p, s]) => [names.patient(p), s]));

    progress({ phase: 'saving', fraction: null, message: 'Writing the model package' });
    const { kernel, bias } = foldedClassifier(head);
    const dense = classifier.model.getLayer('logits');
    dense.setWeights([tf.tensor2d(kernel, [head.dim, head.classes]), tf.tensor1d(bias)]);
    const seriesHead: SeriesHeadMetadata = { file: SERIES_HEAD_BIN, pooling: 'gated-attention', features: head.dim, hidden: head.hidden, classes: head.classes, method: METHOD };
    const dataSummary = summarise(labelled, split);
    const seriesCounts = { train: bags.train.length, validation: bags.validation.length, test: bags.test.length };
    const training = {
      level: 'series', mode: 'head', seed, backend, epochsRun: fitted.history.length, bestEpoch: fitted.bestEpoch, stopped: fitted.stopped,
      backbone: { variant: spec.name, width: spec.width, depth: spec.depth, weights: opts.backbonePackage ? `package ${backboneContentHash(opts.backbonePackage)}` : `random initialisation (seed ${seed})` },
      data: { ...dataSummary, series: seriesCounts }, split: { patients, pseudonymKey: names.keyId, warnings: split.warnings },
      threshold: threshold ?? null, history: fitted.history, testPredictions, evaluation: { test: testEval, validation },
    };
    const finalModel = standaloneModel(classifier, spec, inputSize);
    const earlier = keepingEarlier(opts.out);
    const name = opts.name ?? path.basename(path.resolve(opts.out));
    const card = modelCard({ name, opts, spec: spec.name, inputSize, classNames, seed, dataSummary, seriesCounts, test: testEval, threshold, fitted, backend, calibration, ensemble }) + ['', '', '## Training domain', ...describeDomain(domain)].join('\n');
    const metadata = await savePackage(
      opts.out,
      finalModel,
      {
        name, variant: spec.name, inputSize, preprocessing, classNames, task: 'multiclass',
        provenance: { softwareVersion: `lumen ${APP_VERSION}`, training },
        metrics: { ...flatTestMetrics(testEval, 'test'), ...flatMetrics(validation, 'validation'), ...calibrationMetrics(calibration) },
        modelCard: card,
        calibration,
        seriesHead,
        domain,
      },
      { overwrite: opts.overwrite, keepEarlier: earlier.keepEarlier, files: { [SERIES_HEAD_BIN]: seriesHeadBytes(head), [SERIES_ENSEMBLE_BIN]: seriesEnsembleBytes(ensemble), ...(domainFeatures ? { [DOMAIN_BIN]: domainBytes(domainFeatures.density) } : {}) } },
    ).finally(() => finalModel.dispose());
    const reportPath = `${path.resolve(opts.out)}.report.html`;
    writeFileAtomic(reportPath, renderReport({ title: metadata.name, classNames, test: testEval, validation, history: fitted.history, modelCard: metadata.modelCard ?? '', contentHash: metadata.contentHash, unit: 'series', domain: describeDomain(metadata.domain) }));

    // The test series' predictions go into the library's store, as an image run's do.
    // Each test slice judged against the package as written, as a later prediction judges it.
    const testSlices = bags.test.flatMap((b) => b.images);
    const verdicts = packageVerdicts({ dir: opts.out, metadata }, testSlices, bags.test.flatMap((b) => b.instances));
    const judged = new Map<ImageRef, ImageScores['domain']>(testSlices.map((im, i) => [im, verdicts?.[i] ?? null]));
    const result = seriesResult(metadata, bags.test, test, { heads: ensemble.heads, high: ensemble.validation.p95 }, judged);
    saveSeriesPredictions(opts.library, result, { dir: opts.out, metadata }, { split: 'test' });
    opts.library.audit('train', { packageHash: metadata.contentHash, variant: spec.name, runtime: `tfjs ${backend}`, touched: { series: [...new Set(labelled.map((i) => i.seriesInstanceUid))], images: labelled.length, patients: Object.keys(split.patients).length, files: [path.resolve(opts.out)] }, mode: 'head', level: 'series', seed });
    progress({ phase: 'done', fraction: 1, message: `Saved ${opts.out}: test series ${aucText(testEval.auc)}` });
    return {
      level: 'series', domain: describeDomain(metadata.domain), keptEarlier: earlier.kept(), packageDir: path.resolve(opts.out), reportPath, metadata, classNames, test: testEval, validation, threshold,
      history: fitted.history, bestEpoch: fitted.bestEpoch, stopped: fitted.stopped,
      split: { patients, series: seriesCounts, warnings: split.warnings },
      features: { cached: f.cached, computed: f.computed, seconds: f.seconds }, testPredictions, backend, calibration,
      ensemble: { heads: ensemble.heads.heads.length, validation: ensemble.validation, seconds: ensembleSeconds },
    };
  } finally {
    classifier.dispose();
  }
}

/** The backbone package's content hash, as an image run records it (a path would name the user's folders). */
function backboneContentHash(dir: string): string {
  const meta = JSON.parse(readRegularText(path.join(dir, 'metadata.json'), 'json')) as { contentHash?: unknown };
  return typeof meta.contentHash === 'string' ? meta.contentHash : 'unknown';
}

function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : 'n/a';
}

function modelCard(a: {
  name: string; opts: TrainOptions; spec: string; inputSize: number; classNames: string[]; seed: number; dataSummary: ReturnType<typeof summarise>;
  seriesCounts: { train: number; validation: number; test: number }; test: TestEvaluation; threshold?: number; fitted: ReturnType<typeof fitMil>; backend: string | null;
  calibration: CalibrationRecord; ensemble: SeriesEnsemble;
}): string {
  const c = a.calibration;
  const ece = (x: { eceBefore: number; eceAfter: number }) => `ECE ${x.eceBefore.toFixed(3)} before, ${x.eceAfter.toFixed(3)} after`;
  const d = a.dataSummary;
  return [
    ...modelCardOpening(a.name, a.opts.intendedUse),
    `${d.patients} patients, ${d.images} images labelled per series (${d.createdAt}); split by patient (seed ${a.seed}): train ${a.seriesCounts.train}, validation ${a.seriesCounts.validation}, test ${a.seriesCounts.test} series.`,
    ...a.classNames.map((c) => `- ${c}: ${d.perClass[c].images} images from ${d.perClass[c].patients} patients`),
    '',
    '## Model',
    `Backbone EfficientNet ${a.spec}, input ${a.inputSize}x${a.inputSize}${a.opts.backbonePackage ? `, weights from ${a.opts.backbonePackage}` : ', randomly initialised (no pretrained weights given)'}. Series head: ${METHOD}; ${a.fitted.head.hidden} attention units, ${a.fitted.history.length} epochs (best ${a.fitted.bestEpoch}), seed ${a.seed}, Lumen ${APP_VERSION}.`,
    "Each slice's score uses the same classifier as the series; the series' score is the attention-weighted mean of its slices' logits, and the weights show which slices mattered.",
    '',
    '## Test metrics (per series)',
    `${capitalised(METRIC_NAMES.accuracy)} ${pct(a.test.accuracy)}, ${METRIC_NAMES.balancedAccuracy} ${pct(a.test.balancedAccuracy)}, ${aucText(a.test.auc, a.test.aucCi, { method: a.test.ciMethod })}${a.threshold !== undefined ? `, threshold ${thresholdFigure(a.threshold)} chosen on validation` : ''}.`,
    ...a.test.perClass.map((k) => `- ${k.className}: sensitivity ${pct(k.sensitivity)}, specificity ${pct(k.specificity)}, ${aucText(k.auc)}`),
    ...modelCardLevels(a.test),
    '',
    '## Calibration and uncertainty',
    c.applied
      ? `Series scores are temperature-scaled: T = ${c.temperature.toFixed(3)} fitted on the validation series (${c.validation.n}; ${ece(c.validation)})${c.test ? `; test series ${ece(c.test)}` : ''}. The temperature is part of the head's classifier, so the slices' scores share it; the threshold was chosen on calibrated scores.`
      : `No temperature applied (T = 1): ${c.reason ?? 'the temperature fitted on the validation series did not lower both their NLL and their ECE'} (${c.validation.n} validation series, ECE ${c.validation.eceBefore.toFixed(3)}).`,
    `Series uncertainty: ${a.ensemble.heads.heads.length} uncertainty heads on the series head's pooled features (an anchored ensemble over bootstrap resamples of the training series, ${SERIES_ENSEMBLE_BIN}); each series' uncertainty is their mutual information / log K, 0 to 1. ${a.ensemble.validation.p95 === null ? (a.ensemble.validation.n === 0 ? 'No validation series set what is high.' : `On the ${a.ensemble.validation.n} validation series: mean ${a.ensemble.validation.mean.toFixed(3)}; fewer than the ${SERIES_HIGH_MINIMUM} a 95th percentile needs, so no series is called high or usual.`) : `On the ${a.ensemble.validation.n} validation series: mean ${a.ensemble.validation.mean.toFixed(3)}, high above ${a.ensemble.validation.p95.toFixed(3)}.`} A slice has no uncertainty of its own.`,
    '',
    'The content hash in metadata.json identifies exactly these weights and this card.',
  ].join('\n');
}
