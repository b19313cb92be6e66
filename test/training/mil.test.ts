// Multiple-instance learning from series labels (issue 18, point 3). Phantom series where a
// positive series shows its lesion on only 3 of its 24 slices and a negative one
// on none, labelled per series only. Trained two ways on the same patients, split the same way:
// (a) the series head (gated attention over the slices' cached B0 features), (b) the
// baseline Lumen had: a slice classifier on the labels each slice inherits from its series,
// the series scored by the mean of its slices' scores. Both are measured by their series-level
// ROC AUC on the same held-out patients; the attention must point at the lesion slices.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { PredictionStore } from '../../electron/library/predictions';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { trainSeriesClassifier, type SeriesTrainResult } from '../../electron/training/mil-train';
import { predictSeries } from '../../electron/training/predict';
import { libraryPseudonyms } from '../../electron/training/pseudonyms';
import { trainClassifier } from '../../electron/training/train';
import { loadPackage } from '../../models/package';
import { initBackend } from '../../models/runtime';
import { rocAuc } from '../../models/training/metrics';
import { writeMilPhantoms, type MilPhantomSet } from './mil-phantoms';

let root: string;
let set: MilPhantomSet;
let library: Library;
let mil: SeriesTrainResult;

// 40 patients with 2 series of 24 slices each (1,920 slices), 64 px; B0 at 64 px, randomly
// initialised (no pretrained weights can be downloaded here), features cached once.
// The lesion (radius 9-12 px of a 64 px slice, 300-400 HU) is large enough for a random B0's
// features to show it on every seed, and it is on 3 slices of 24: the mean of a series' slices
// holds 1/8 of it beside the noise level and brightness the series has on every slice
// (mil-phantoms.ts), while attention can leave those slices out. Measured over seeds 1-5
// (MIL series AUC / mean of slice scores / top slice on a lesion slice / attention on them):
//   seed 1: 0.906 / 0.656 / 7 of 8 / 0.611     seed 2: 0.969 / 0.656 / 7 of 8 / 0.721 (run here)
//   seed 3: 1.000 / 0.875 / 8 of 8 / 0.932     seed 4: 1.000 / 0.875 / 6 of 8 / 0.729
//   seed 5: 1.000 / 0.734 / 7 of 8 / 0.787
// The lesions of before (radius 6-8 px, 180-260 HU, 2 slices of 12) left MIL at the mercy of the
// seed: 0.656, 0.859, 1.000, 0.594, 1.000 over seeds 1-5. Larger ones on 12 slices let the mean
// of slices catch up (0.969 on seed 3; 0.914 with 80 patients); on 24 slices with 2 lesion
// slices MIL fitted too little (0.750 on seed 1, 4/8 top slices on seed 3).
const SLICES = 24;
const LESION_SLICES = 3;
const SEED = 2;
const common = () => ({ library, variant: 'b0', resolution: 64, window: 'ct-abdomen', seed: SEED, cacheDir: path.join(root, 'cache') });

beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-mil-'));
  set = writeMilPhantoms(path.join(root, 'dicom'), { patients: 40, seriesPerPatient: 2, slices: SLICES, lesionSlices: LESION_SLICES, radius: [9, 12], contrast: [300, 400], seed: 7 });
  library = Library.open(path.join(root, 'library'));
  const report = await library.importPaths([set.dir]);
  expect(report.errors).toEqual([]);
  importLabelsCsvFile(library, set.csv, { author: 'tester' });
}, 120_000);

afterAll(() => {
  library?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a series classifier from series labels (multiple-instance learning)', () => {
  it('beats the mean of slice scores trained on inherited labels, on the same held-out patients', async () => {
    mil = await trainSeriesClassifier({ ...common(), out: path.join(root, 'mil-pkg') });
    const baseline = await trainClassifier({ ...common(), out: path.join(root, 'slice-pkg'), mode: 'head', augmentation: false, epochs: 40 });
    // The same split: both runs split the same labelled images by patient with the same seed.
    expect(baseline.split.patients).toEqual(mil.split.patients);

    const names = libraryPseudonyms(library.dir);
    const testSeries = set.series.filter((s) => mil.split.patients[names.patient(s.patientId)] === 'test');
    expect(testSeries.length).toBe(mil.test.n);
    expect(new Set(testSeries.map((s) => s.label))).toEqual(new Set(['lesion', 'none']));
    // The baseline's series score: the mean of its slices' scores, from the library's store
    // (training scored the test split through the one prediction module and stored it).
    const store = new PredictionStore(library.dir);
    const lesion = baseline.classNames.indexOf('lesion');
    const meanScore = testSeries.map((s) => store.latestForSeries(baseline.metadata.contentHash, s.seriesUid)!.series[0].mean[lesion]);
    store.close();
    const baselineAuc = rocAuc(meanScore, testSeries.map((s) => s.label === 'lesion'));
    // mil.test is per series; its AUC is of the second class ('none'), the same ranking.
    const milAuc = mil.test.auc;
    const c = mil.calibration;
    console.log(`series calibration: T ${c.temperature.toFixed(3)} (applied ${c.applied}); ECE validation ${c.validation.eceBefore.toFixed(3)} -> ${c.validation.eceAfter.toFixed(3)} (${c.validation.n} series), test ${c.test!.eceBefore.toFixed(3)} -> ${c.test!.eceAfter.toFixed(3)} (${c.test!.n} series)`);
    console.log(`series AUC on ${testSeries.length} held-out series of ${new Set(testSeries.map((s) => s.patientId)).size} patients: MIL ${milAuc.toFixed(3)} (95% CI ${mil.test.aucCi.map((x) => x.toFixed(3)).join('-')}), mean of slice scores ${baselineAuc.toFixed(3)}; MIL best epoch ${mil.bestEpoch} of ${mil.history.length}`);
    // Measured over seeds 1-5 above (16 series of 8 patients each time): every seed passes both.
    expect(milAuc).toBeGreaterThanOrEqual(baselineAuc + 0.1);
    expect(milAuc).toBeGreaterThanOrEqual(0.9);
  }, 600_000);

  it('puts most attention on the lesion slices, and predicts, stores and reads back series scores with it', async () => {
    const names = libraryPseudonyms(library.dir);
    const positives = set.series.filter((s) => s.label === 'lesion' && mil.split.patients[names.patient(s.patientId)] === 'test');
    let topOnLesion = 0;
    let massOnLesion = 0;
    for (const s of positives) {
      const pred = await predictSeries({ library, packageDir: mil.packageDir, seriesUid: s.seriesUid });
      expect(pred.series).toHaveLength(1);
      expect(pred.series[0].pooled?.method).toBe('gated-attention');
      expect(pred.images).toHaveLength(SLICES);
      const weights = pred.images.map((im) => im.attention!);
      expect(weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      const top = pred.images[weights.indexOf(Math.max(...weights))].sopInstanceUid;
      if (s.lesionSops.includes(top)) topOnLesion++;
      massOnLesion += pred.images.filter((im) => s.lesionSops.includes(im.sopInstanceUid)).reduce((a, im) => a + im.attention!, 0);
      // What the store gives back (lumen predictions --series, the app) is what was predicted.
      const store = new PredictionStore(library.dir);
      const stored = store.latestForSeries(mil.metadata.contentHash, s.seriesUid)!;
      store.close();
      expect(stored.series[0].pooled!.scores).toEqual(pred.series[0].pooled!.scores);
      for (const im of stored.images) expect(im.attention).toBeCloseTo(pred.images.find((p) => p.sopInstanceUid === im.sopInstanceUid)!.attention!, 6);
    }
    console.log(`attention: top slice on the lesion in ${topOnLesion}/${positives.length} positive test series; mean weight on the ${LESION_SLICES} lesion slices of ${SLICES}: ${(massOnLesion / positives.length).toFixed(3)}`);
    // Measured over seeds 1-5: 6 to 8 of 8, and 0.611 to 0.932. A slice picked at random is a
    // lesion slice 1 time in 8, and uniform weights give the 3 lesion slices 3/24 = 0.125.
    // This is the check that tells attention from a plain mean: with the weights made uniform
    // (mean pooling of the slices' features, tried locally on seed 2) the series AUC was still
    // 0.969 against 0.656, as training on series labels alone gains that much, and here 0/8, 0.125.
    expect(topOnLesion).toBeGreaterThan(positives.length / 2);
    expect(massOnLesion / positives.length).toBeGreaterThan(0.4);
  }, 180_000);

  it('writes a package whose series head is hashed with it and whose dense layer scores each slice', async () => {
    const pkg = await loadPackage(mil.packageDir);
    expect(pkg.metadata.seriesHead).toMatchObject({ file: 'series-head.bin', pooling: 'gated-attention', features: 1280, classes: 2 });
    expect((pkg.metadata.provenance.training as { level?: string }).level).toBe('series');
    // The slices' scores from the package's own model (the runner, ONNX) equal the head's.
    const s = set.series.find((x) => x.label === 'lesion')!;
    const viaHead = await predictSeries({ library, packageDir: mil.packageDir, seriesUid: s.seriesUid, store: false });
    const { createRunner } = await import('../../models/inference/runner');
    const { predictImages } = await import('../../electron/training/predict');
    const { TrainingStore } = await import('../../electron/training/store');
    const ts = new TrainingStore(library);
    const images = ts.images(s.seriesUid);
    ts.close();
    const runner = await createRunner({ package: pkg }, { cam: false });
    try {
      const { scores } = await predictImages(runner, pkg.metadata.preprocessing, images);
      images.forEach((im, i) => {
        const h = viaHead.images.find((x) => x.sopInstanceUid === im.sopInstanceUid)!;
        scores[i].forEach((v, c) => expect(v).toBeCloseTo(h.scores[c], 4));
      });
    } finally {
      await runner.dispose();
    }
  }, 120_000);
});
