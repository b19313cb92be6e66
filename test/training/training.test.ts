// The training loop end to end on generated phantom study sets (DICOM written with
// test/support/dicom/write.ts): labels, patient-level splits, a tiny compound-scaled network
// trained from scratch on the cpu backend, then transfer learning: that network's backbone
// gives the cached features a head trains on for another set of patients (as ImageNet
// weights would, which cannot be downloaded here); metrics recomputed from saved
// predictions, cancellation, resuming, prediction and evaluation of the package.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPackage } from '../../models/package';
import { initBackend } from '../../models/runtime';
import { evaluate, youdenThreshold } from '../../models/training/metrics';
import { installFastCpuGradients } from '../../models/training/cpu-kernels';
import { Library } from '../../electron/library/library';
import { kFoldByPatient, splitByPatient } from '../../electron/training/dataset';
import { evaluatePackage } from '../../electron/training/evaluate';
import { importLabelsCsv, importLabelsCsvFile } from '../../electron/training/labels';
import { predictSeries } from '../../electron/training/predict';
import { libraryPseudonyms } from '../../electron/training/pseudonyms';
import { TrainingStore } from '../../electron/training/store';
import { PredictionStore } from '../../electron/library/predictions';
import { parseVariant, standaloneModel, trainClassifier, TrainingInterrupted, type TrainResult } from '../../electron/training/train';
import { createClassifier } from '../../models';
import { writePhantomSet, type PhantomSet } from './phantoms';

let root: string;
/** The "local" data a user labels: the head, labels, splits and fine-tuning use it. */
let set: PhantomSet;
let library: Library;
/** Other patients (another seed), imported only to train the backbone from scratch. */
let sourceLibrary: Library;
/** The from-scratch package whose backbone the head transfers. */
let pretrained: string;

// Eight slices per patient, each with its own lesion: the network trains on 288 images.
// With two slices (72 images) the from-scratch test AUC ranged 0.77-0.92 over seeds and
// resolutions, augmented or not (it memorises the training images); with six, 0.92 and
// 0.96 on two data seeds; with eight, 0.957.
const PATIENTS = 60;
const SLICES = 8;

/** A phantom set written under `root/<name>-dicom`, imported into `root/<name>-library` and labelled from its CSV. */
async function phantomLibrary(name: string, opts: Parameters<typeof writePhantomSet>[1]): Promise<{ set: PhantomSet; library: Library }> {
  const phantoms = writePhantomSet(path.join(root, `${name}-dicom`), opts);
  const lib = Library.open(path.join(root, `${name}-library`));
  const report = await lib.importPaths([phantoms.dir]);
  expect(report.errors).toEqual([]);
  expect(report.instances).toBe(opts!.patients! * opts!.slices!);
  importLabelsCsvFile(lib, phantoms.csv, { author: 'tester' });
  return { set: phantoms, library: lib };
}

beforeAll(async () => {
  await initBackend('cpu');
  installFastCpuGradients();
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-training-'));
  ({ set, library } = await phantomLibrary('local', { patients: PATIENTS, slices: SLICES, seed: 4242 }));
  ({ library: sourceLibrary } = await phantomLibrary('source', { patients: PATIENTS, slices: SLICES, seed: 42 }));
}, 180_000);

afterAll(() => {
  library?.close();
  sourceLibrary?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('labels', () => {
  it('imports a CSV keyed by DICOM keywords; the most specific UID decides the level', () => {
    // beforeAll imported it once already: importing again replaces, never duplicates.
    const report = importLabelsCsvFile(library, set.csv, { author: 'tester' });
    expect(report.problems).toEqual([]);
    expect(report.labelled).toEqual({ image: 0, series: PATIENTS, study: 0 });
    expect(report.classes).toEqual({ none: PATIENTS / 3, round: PATIENTS / 3, elongated: PATIENTS / 3 });

    // An image row overrides its series; an unknown UID is reported with its line.
    const p = set.patients[0];
    const extra = importLabelsCsv(library, `SeriesInstanceUID,SOPInstanceUID,label\n${p.seriesUid},${p.sops[1]},round\n1.2.3.4.5,,none\n`, { author: 'tester' });
    expect(extra.labelled.image).toBe(1);
    expect(extra.problems).toEqual([{ line: 3, reason: 'SeriesInstanceUID 1.2.3.4.5 is not in the library' }]);
    const store = new TrainingStore(library);
    try {
      const imgs = store.labelledImages().filter((i) => i.patient === p.patientId);
      expect(imgs.map((i) => i.label).sort()).toEqual([...new Array<string>(SLICES - 1).fill(p.label), 'round'].sort());
      const rec = store.listLabels({ targetUids: [p.sops[1]] });
      expect(rec).toMatchObject([{ targetKind: 'image', label: 'round', author: 'tester' }]);
      // Clear the image label again: the series label applies.
      expect(store.clearLabels([{ targetKind: 'image', targetUid: p.sops[1] }])).toBe(1);
      expect(store.labelledImages().filter((i) => i.patient === p.patientId).every((i) => i.label === p.label)).toBe(true);
    } finally {
      store.close();
    }
  });

  it('refuses a CSV without a label column or key column, saying what is missing', () => {
    expect(() => importLabelsCsv(library, 'SeriesInstanceUID,diagnosis\n1.2,x\n')).toThrow(/no "label" column/);
    expect(() => importLabelsCsv(library, 'Comment,label\nx,y\n')).toThrow(/PatientID, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID/);
  });
});

describe('datasets', () => {
  it('splits by patient, stratified: no PatientID in two splits, every class in every split, reproducible', () => {
    const store = new TrainingStore(library);
    const images = store.labelledImages();
    store.close();
    const a = splitByPatient(images, { seed: 7 });
    const b = splitByPatient(images, { seed: 7 });
    expect(a.patients).toEqual(b.patients);
    const ids = (s: 'train' | 'validation' | 'test') => new Set(a[s].map((i) => i.patient));
    for (const [x, y] of [['train', 'validation'], ['train', 'test'], ['validation', 'test']] as const) {
      expect([...ids(x)].filter((p) => ids(y).has(p))).toEqual([]);
    }
    for (const s of ['train', 'validation', 'test'] as const) for (const c of a.classNames) expect(a.balance[s][c].patients).toBeGreaterThan(0);
    expect(a.train.length + a.validation.length + a.test.length).toBe(images.length);
    expect(a.warnings).toEqual([]);

    const folds = kFoldByPatient(images, 5, 3);
    const testPatients = folds.flatMap((f) => [...new Set(f.test.map((i) => i.patient))]);
    expect(new Set(testPatients).size).toBe(testPatients.length); // each patient is tested once
    expect(testPatients.length).toBe(PATIENTS);

    const tiny = splitByPatient(images.filter((i) => i.label !== 'round' || i.patient < 'PH010'), { seed: 1 });
    expect(tiny.warnings.some((w) => /Class "round" has only \d patients/.test(w))).toBe(true);
  });
});

describe('training a tiny compound-scaled network from scratch on the cpu backend', () => {
  it('learns (training loss falls, test AUC >= 0.9), writes a package and its metrics match the saved predictions', async () => {
    const r = await trainClassifier({
      library: sourceLibrary, out: path.join(root, 'scratch-pkg'), variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'scratch', epochs: 12, batchSize: 16, learningRate: 1e-2, patience: 0, seed: 1, augmentation: false,
    });
    console.log(`from scratch (${r.history.length} epochs, cpu): test AUC ${r.test.auc.toFixed(3)} [${r.test.perClass.map((c) => `${c.className} ${c.auc.toFixed(3)}`).join(', ')}] on ${r.test.n} images, losses ${r.history.map((h) => h.loss.toFixed(3)).join(' ')}`);
    expect(r.backend).toBe('cpu');
    expect(r.history).toHaveLength(12);
    // Measured 0.969 (seed 1; phi -10 is width 0.39, depth 0.16 of B0) on 96 images of 12 held-out patients.
    // The order the images are fed in is a draw like the seed: seed 2 gave 0.957 with the images
    // in UID order and 0.871 in training order (image-order.ts), whose backbone then gave the
    // head below no more than random features do.
    expect(r.test.auc).toBeGreaterThanOrEqual(0.9);
    expect(r.history.at(-1)!.loss).toBeLessThan(r.history[0].loss);
    const pkg = await loadPackage(r.packageDir);
    const saved = (pkg.metadata.provenance.training as any).testPredictions as { label: number; scores: number[] }[];
    const { perImage: _i, perSeries: _s, perPatient: _p, ...perImageTop } = r.test;
    expect(evaluate(saved.map((p) => p.scores), saved.map((p) => p.label), pkg.metadata.classNames, { seed: 1, clusters: saved.map((p: any) => p.patient) })).toEqual(perImageTop);
    pretrained = r.packageDir;
  }, 600_000);
});

describe('a head on cached backbone features', () => {
  let result: TrainResult;
  // Transfer: the backbone trained from scratch on other patients; a new head for this data.
  const opts = () => ({ library, variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'head' as const, backbonePackage: pretrained, augmentation: false as const, epochs: 40, seed: 5, cacheDir: path.join(root, 'cache') });

  it('trains, writes a package with a model card and report, and its metrics equal a recomputation from the saved predictions', async () => {
    const phases = new Set<string>();
    result = await trainClassifier({ ...opts(), out: path.join(root, 'head-pkg'), intendedUse: 'Phantom lesion shape (test)', onProgress: (p) => phases.add(p.phase) });
    expect([...phases]).toEqual(expect.arrayContaining(['preparing', 'features', 'training', 'evaluating', 'saving', 'done']));
    expect(result.features!.computed).toBeGreaterThan(0);

    const pkg = await loadPackage(result.packageDir);
    expect(pkg.metadata.classNames).toEqual(['elongated', 'none', 'round']);
    expect(pkg.metadata.modelCard).toContain('Phantom lesion shape (test)');
    expect(pkg.metadata.modelCard).toContain(pkg.metadata.variant);
    const training = pkg.metadata.provenance.training as any;
    expect(training.seed).toBe(5);
    const saved = training.testPredictions as { label: number; scores: number[] }[];
    // The per-image evaluation, intervals resampling the patients (named by pseudonyms here, the same grouping).
    const again = evaluate(saved.map((p) => p.scores), saved.map((p: any) => p.label), pkg.metadata.classNames, { seed: 5, clusters: saved.map((p: any) => p.patient) });
    const { perImage, perSeries, perPatient, ...perImageTop } = result.test;
    expect(again).toEqual(perImageTop);
    expect(perImage).toEqual({ ...perImageTop, level: 'image', aggregation: 'none', skippedMixedLabels: 0 });
    // One series per phantom patient, labelled per series: as many series and patients as test patients.
    const testPatients = new Set(saved.map((p: any) => p.patient)).size;
    expect([perSeries.n, perSeries.skippedMixedLabels, perPatient.n]).toEqual([testPatients, 0, testPatients]);
    expect(perSeries.ciMethod).toBe('cluster bootstrap over patients, 1000 resamples, percentile');
    expect(pkg.metadata.metrics!['test.auc']).toBeCloseTo(result.test.auc, 12);
    // The same predictions are in the library's predictions table under the package hash.
    const store = new PredictionStore(library.dir);
    const rows = store.count(pkg.metadata.contentHash, 'image');
    store.close();
    expect(rows).toBe(saved.length);
    const html = readFileSync(result.reportPath, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Confusion matrix');

    // Test patients never trained: the split recorded in the package has no patient twice.
    const splitOf = training.split.patients as Record<string, string>;
    expect(new Set(saved.map((p: any) => splitOf[p.patient]))).toEqual(new Set(['test']));
    // Measured 0.952 (seed 5, on the seed-1 backbone above). A randomly initialised backbone gave 0.84 here: its features
    // separate lesion from none but not round from elongated.
    expect(result.test.auc).toBeGreaterThanOrEqual(0.9);
    expect(training.backbone.weights).toBe(`package ${(await loadPackage(pretrained)).metadata.contentHash}`);
    expect(pkg.metadata.modelCard).toContain(`backbone weights from ${pretrained}`);
    console.log(`head on cached features: test AUC ${result.test.auc.toFixed(3)} [${result.test.perClass.map((c) => `${c.className} ${c.auc.toFixed(3)}`).join(', ')}]`);
  }, 240_000);

  it('reads features from the cache the second time and reproduces the same metrics with the same seed', async () => {
    const second = await trainClassifier({ ...opts(), out: path.join(root, 'head-pkg-2') });
    expect(second.features!.computed).toBe(0);
    expect(second.features!.cached).toBe(result.features!.computed + result.features!.cached);
    expect(second.test).toEqual(result.test);
    expect(second.history.map((h) => h.loss)).toEqual(result.history.map((h) => h.loss));
  }, 240_000);

  it('resumes an interrupted run from its checkpoint and ends with the same result as the uninterrupted run', async () => {
    const out = path.join(root, 'head-pkg-resumed');
    await expect(trainClassifier({ ...opts(), out, interruptAfterEpochs: 7 })).rejects.toBeInstanceOf(TrainingInterrupted);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.checkpoint/state.json`)).toBe(true);
    const resumed = await trainClassifier({ ...opts(), out });
    expect(resumed.resumedFromEpoch).toBe(7);
    expect(resumed.history).toHaveLength(result.history.length);
    expect(resumed.history.map((h) => [h.loss, h.valMetric])).toEqual(result.history.map((h) => [h.loss, h.valMetric]));
    expect(resumed.test).toEqual(result.test);
    expect(existsSync(`${out}.checkpoint`)).toBe(false);
  }, 240_000);

  it('a cancelled run leaves no package and no half-written folder', async () => {
    const out = path.join(root, 'head-pkg-cancelled');
    const controller = new AbortController();
    await expect(
      trainClassifier({ ...opts(), out, signal: controller.signal, onProgress: (p) => p.phase === 'training' && p.epoch === 3 && controller.abort() }),
    ).rejects.toThrow(/Cancelled/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root).filter((n) => n.startsWith('head-pkg-cancelled') && !n.endsWith('.checkpoint'))).toEqual([]);
  }, 240_000);

  it('predicts series with the package (stored under its content hash) and evaluates it on held-out patients', async () => {
    const p = set.patients[set.patients.length - 1];
    const pred = await predictSeries({ library, packageDir: result.packageDir, seriesUid: p.seriesUid });
    expect(pred.modelHash).toBe(result.metadata.contentHash);
    expect(pred.images).toHaveLength(SLICES);
    expect(pred.series).toHaveLength(1);
    for (const im of pred.images) expect(im.scores.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 4);
    const store = new PredictionStore(library.dir);
    const stored = store.latestForSeries(result.metadata.contentHash, p.seriesUid);
    store.close();
    expect(stored?.images).toHaveLength(SLICES);

    const ev = await evaluatePackage(library, result.packageDir, { subset: 'test' });
    expect(ev.images).toBe(result.test.n);
    // The run scored its test split through the same prediction module and runtime as lumen eval
    // on the saved package, so the scores agree to float rounding.
    // The run's predictions name images by the library's pseudonyms, evaluation by their UIDs.
    const byKey = new Map(result.testPredictions.map((t) => [`${t.image}#${t.frame}`, t.scores]));
    const names = libraryPseudonyms(library.dir);
    for (const q of ev.predictions) {
      const s = byKey.get(`${names.image(q.sopInstanceUid)}#${q.frame}`)!;
      q.scores.forEach((v, i) => expect(v).toBeCloseTo(s[i], 6));
    }
  }, 120_000);
});

describe('a binary model', () => {
  it('chooses its operating threshold on the validation split and applies it to the test split', async () => {
    const { set: binary, library: lib } = await phantomLibrary('binary', { patients: 24, slices: 2, seed: 8 });
    try {
      importLabelsCsv(lib, ['SeriesInstanceUID,label', ...binary.patients.map((p) => `${p.seriesUid},${p.label === 'none' ? 'none' : 'lesion'}`)].join('\n') + '\n', { author: 'tester' });
      const r = await trainClassifier({ library: lib, out: path.join(root, 'binary-pkg'), variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'head', backbonePackage: pretrained, augmentation: false, epochs: 20, seed: 4 });
      // "none" is a normal-type name: it comes first, so the threshold is on "lesion", the positive class.
      expect(r.classNames).toEqual(['none', 'lesion']);
      expect(r.threshold).toBeDefined();
      expect(r.test.threshold).toBe(r.threshold);
      expect(r.validation.threshold).toBe(r.threshold);
      // Recompute it from the package's scores of the validation patients (ONNX Runtime, so
      // within float tolerance of the run's TF.js scores): Youden's J on validation, not test.
      const ev = await evaluatePackage(lib, r.packageDir, { subset: 'all' });
      const val = ev.predictions.filter((q) => r.split.patients[q.patient] === 'validation');
      expect(val.length).toBe(r.validation.n);
      expect(youdenThreshold(val.map((q) => q.scores[1]), val.map((q) => q.label === 1))).toBeCloseTo(r.threshold!, 3);
    } finally {
      lib.close();
    }
  }, 300_000);
});

describe('fine-tuning the top stage', () => {
  it('changes the last stage and top_conv, leaves earlier stages and BatchNorm statistics as they were', async () => {
    const r = await trainClassifier({
      library, out: path.join(root, 'finetune-pkg'), variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'finetune', allowCpuFineTune: true, epochs: 1, batchSize: 32, seed: 6, augmentation: false,
    });
    const pkg = await loadPackage(r.packageDir, { loadModel: true });
    const spec = parseVariant('custom-phi-10');
    const fresh = createClassifier({ variant: spec, classes: 3, inputSize: 32, seed: 6 });
    const before = standaloneModel(fresh, spec, 32);
    const weight = (m: typeof before, layer: string) => Array.from(m.getLayer(layer).getWeights()[0].dataSync());
    const lastStage = Math.max(...before.layers.map((l) => Number(/^block(\d+)/.exec(l.name)?.[1] ?? 0)));
    const lastConv = before.layers.find((l) => l.name.startsWith(`block${lastStage}a_`) && l.getClassName() === 'Conv2D')!.name;
    expect(weight(pkg.model!, 'top_conv')).not.toEqual(weight(before, 'top_conv'));
    expect(weight(pkg.model!, lastConv)).not.toEqual(weight(before, lastConv));
    expect(weight(pkg.model!, 'stem_conv')).toEqual(weight(before, 'stem_conv'));
    expect(weight(pkg.model!, 'block1a_dwconv')).toEqual(weight(before, 'block1a_dwconv'));
    expect(Array.from(pkg.model!.getLayer('top_bn').getWeights()[2].dataSync())).toEqual(Array.from(before.getLayer('top_bn').getWeights()[2].dataSync()));
    pkg.model!.dispose();
    before.dispose();
    fresh.dispose();
  }, 300_000);
});

describe('progressive resizing (EfficientNetV2)', () => {
  it('fine-tunes V2-S with the image size growing by stage, and saves a package at the full resolution', async () => {
    const { library: lib } = await phantomLibrary('v2', { patients: 12, slices: 1, seed: 3 });
    try {
      const sizes = new Map<number, number>();
      const r = await trainClassifier({
        library: lib, out: path.join(root, 'v2-pkg'), variant: 'v2-s', resolution: 64, window: 'ct-abdomen', mode: 'finetune', allowCpuFineTune: true, epochs: 2, batchSize: 8, seed: 3, augmentation: false, progressive: { stages: 2 },
        onProgress: (p) => p.record && sizes.set(p.record.epoch, p.imageSize!),
      });
      // Stage 1 at the smallest size (32 px, the network's minimum), stage 2 at the resolution.
      expect([...sizes.entries()]).toEqual([[1, 32], [2, 64]]);
      expect(r.metadata.inputSize).toBe(64);
      expect((r.metadata.provenance.training as any).progressive).toEqual([{ epoch: 1, stage: 1, imageSize: 32 }, { epoch: 2, stage: 2, imageSize: 64 }]);
      expect(r.metadata.modelCard).toContain('Progressive resizing: image size by stage 32 -> 64 px');
      // The package (fixed 64 px graph, ONNX) scores the test images as the run did.
      const ev = await evaluatePackage(lib, r.packageDir, { subset: 'test' });
      expect(ev.images).toBe(r.test.n);
    } finally {
      lib.close();
    }
  }, 300_000);

  it('is refused for V1 backbones and for a head on cached features, with the reason', async () => {
    await expect(trainClassifier({ library, out: path.join(root, 'never'), variant: 'custom-phi-10', resolution: 32, mode: 'scratch', epochs: 2, progressive: true })).rejects.toThrow(/needs an EfficientNetV2 backbone/);
    await expect(trainClassifier({ library, out: path.join(root, 'never'), variant: 'v2-s', resolution: 64, mode: 'head', progressive: true })).rejects.toThrow(/applies when the backbone trains/);
    expect(existsSync(path.join(root, 'never'))).toBe(false);
  });
});
