// A series-head package (lumen train --level series) as trustworthy as an image-level one:
// a temperature fitted on the validation series and folded into the head, so that every score
// the package gives is calibrated (its recorded NLL after calibration is what the package's
// own predictions reach; undoing exactly T gives back the fitted head's NLL); `lumen eval`
// scores each series through the head and gives the series AUC training reported; the run
// record has the per-image, per-series and per-patient shape of an image run.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { trainSeriesClassifier, type SeriesTrainResult } from '../../electron/training/mil-train';
import { predictSeries } from '../../electron/training/predict';
import { libraryPseudonyms } from '../../electron/training/pseudonyms';
import { readRunResults } from '../../electron/training/run-results';
import { loadPackage } from '../../models/package';
import { initBackend } from '../../models/runtime';
import { applyTemperature, expectedCalibrationError, negativeLogLikelihood } from '../../models/training/calibration';
import { evaluateLevels, SERIES_HEAD_AGGREGATION, SERIES_HEAD_SLICES } from '../../models/training/levels';
import { writeMilPhantoms, type MilPhantomSet } from './mil-phantoms';

const run = promisify(execFile);
const repo = path.resolve(__dirname, '../..');
let root: string;
let set: MilPhantomSet;
let library: Library;
let mil: SeriesTrainResult;

beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-mil-cal-'));
  // Four series a patient: the validation split holds at least the 20 series (5 of each class)
  // a temperature is fitted on (CALIBRATION_MINIMUM in models/training/calibration.ts).
  set = writeMilPhantoms(path.join(root, 'dicom'), { patients: 16, seriesPerPatient: 4, slices: 6, lesionSlices: 2, seed: 6 });
  library = Library.open(path.join(root, 'library'));
  const report = await library.importPaths([set.dir]);
  expect(report.errors).toEqual([]);
  importLabelsCsvFile(library, set.csv, { author: 'tester' });
  // A tiny random backbone at 32 px: the head's validation scores are off by a temperature
  // the fit finds inside its range (T = 0.83 with these phantoms; 2 series a patient gave 10
  // validation series, too few to fit on, where T = 5 had raised the test ECE).
  mil = await trainSeriesClassifier({ library, variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', epochs: 40, patience: 0, seed: 3, validationFraction: 0.3, testFraction: 0.3, out: path.join(root, 'mil-pkg'), cacheDir: path.join(root, 'cache') });
}, 300_000);

afterAll(() => {
  library?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

/** The phantom series of one split, by the package's recorded split (pseudonyms). */
function seriesOf(split: 'validation' | 'test') {
  const names = libraryPseudonyms(library.dir);
  return set.series.filter((s) => mil.split.patients[names.patient(s.patientId)] === split);
}

describe('calibration of a series-head package', () => {
  it('fits a temperature on the validation series and applies it to every series score the package gives', async () => {
    const c = mil.calibration;
    console.log(`series temperature ${c.temperature.toFixed(3)} (applied ${c.applied}) on ${c.validation.n} validation series: NLL ${c.validation.nllBefore.toFixed(4)} -> ${c.validation.nllAfter.toFixed(4)}, ECE ${c.validation.eceBefore.toFixed(3)} -> ${c.validation.eceAfter.toFixed(3)}; test ECE ${c.test!.eceBefore.toFixed(3)} -> ${c.test!.eceAfter.toFixed(3)}`);
    expect(c.applied).toBe(true);
    expect(Math.abs(c.temperature - 1)).toBeGreaterThan(0.05);
    const pkg = await loadPackage(mil.packageDir);
    expect(pkg.metadata.calibration).toEqual(JSON.parse(JSON.stringify(c)));
    expect(pkg.metadata.metrics!['calibration.temperature']).toBeCloseTo(c.temperature, 10);

    // The package's own predictions (features from model.onnx, then the head) of the
    // validation series: their NLL is the one recorded after calibration, and undoing exactly
    // T gives the fitted head's. Without the temperature in the head, they would score nllBefore.
    const validation = seriesOf('validation');
    expect(validation.length).toBe(c.validation.n);
    const scores: number[][] = [];
    const labels: number[] = [];
    for (const s of validation) {
      const p = await predictSeries({ library, packageDir: mil.packageDir, seriesUid: s.seriesUid, store: false });
      scores.push(p.series[0].pooled!.scores);
      // The uncertainty heads are the series' (mil-uncertainty.test.ts): a slice has none, null, never a made-up number.
      for (const im of p.images) expect(im.uncertainty).toBeNull();
      expect(p.series[0].pooled!.uncertainty).toBeTypeOf('number');
      labels.push(pkg.metadata.classNames.indexOf(s.label));
    }
    expect(negativeLogLikelihood(scores, labels)).toBeCloseTo(c.validation.nllAfter, 4);
    expect(negativeLogLikelihood(applyTemperature(scores, 1 / c.temperature), labels)).toBeCloseTo(c.validation.nllBefore, 4);
    expect(Math.abs(c.validation.nllBefore - c.validation.nllAfter)).toBeGreaterThan(1e-3);
    expect(expectedCalibrationError(scores, labels)).toBeCloseTo(c.validation.eceAfter, 4);
  }, 180_000);

  it("reports the test split's ECE before and after, and the test evaluation is of the calibrated scores", async () => {
    const c = mil.calibration;
    expect(c.test!.n).toBe(mil.test.n);
    expect(Number.isFinite(c.test!.eceBefore) && Number.isFinite(c.test!.eceAfter)).toBe(true);
    expect(mil.test.ece).toBeCloseTo(c.test!.eceAfter, 10);
    const pkg = await loadPackage(mil.packageDir);
    expect(pkg.metadata.metrics!['test.eceBeforeCalibration']).toBeCloseTo(c.test!.eceBefore, 10);
    expect(pkg.metadata.metrics!['test.eceAfterCalibration']).toBeCloseTo(c.test!.eceAfter, 10);
    expect(pkg.metadata.modelCard).toMatch(/Series scores are temperature-scaled: T = \d+\.\d{3} fitted on the validation series/);
    expect(pkg.metadata.modelCard).toMatch(/^Series uncertainty: 5 uncertainty heads on the series head's pooled features .*A slice has no uncertainty of its own\.$/m);
    // The test predictions the package records are the calibrated ones.
    const recorded = mil.testPredictions.map((t) => t.scores);
    expect(expectedCalibrationError(recorded, mil.testPredictions.map((t) => t.label))).toBeCloseTo(c.test!.eceAfter, 10);
  });
});

describe('lumen eval on a series-head package', () => {
  it('scores each series through the head and gives the series AUC training reported on the same split', async () => {
    library.close();
    let stdout: string;
    let text: string;
    try {
      const evalCli = (json: boolean) => run(process.execPath, [path.join(repo, 'bin/lumen.mjs'), 'eval', '--model', mil.packageDir, '--library', library.dir, '--subset', 'test', ...(json ? ['--json'] : [])], { cwd: repo, env: { ...process.env, LUMEN_DATA_DIR: path.join(root, 'data') }, maxBuffer: 64 << 20 });
      ({ stdout } = await evalCli(true));
      ({ stdout: text } = await evalCli(false));
    } finally {
      library = Library.open(library.dir);
    }
    expect(text).toMatch(/on \d+ series \(\d+ images\) of \d+ patients \(test\), each series scored by the package's series head:/);
    expect(text).toContain(`ROC AUC ${mil.test.auc.toFixed(3)}`);
    expect(text).toContain(`Per series (${SERIES_HEAD_AGGREGATION})`);
    const r = JSON.parse(stdout);
    expect(r.level).toBe('series');
    expect(r.series).toBe(mil.test.n);
    expect(r.images).toBe(seriesOf('test').length * 6);
    // The top level and perSeries are per series, through the head: what training reported.
    expect(r.evaluation.n).toBe(mil.test.n);
    expect(r.evaluation.auc).toBeCloseTo(mil.test.auc, 6);
    expect(r.test.perSeries.n).toBe(mil.test.n);
    expect(r.test.perSeries.auc).toBeCloseTo(mil.test.auc, 6);
    expect(r.test.perSeries.aggregation).toBe(SERIES_HEAD_AGGREGATION);
    expect(r.test.perPatient.level).toBe('patient');
    expect(r.test.perPatient.n + r.test.perPatient.skippedMixedLabels).toBe(new Set(seriesOf('test').map((s) => s.patientId)).size);
    // Per image: the slices' own scores, said so.
    expect(r.test.perImage.n).toBe(r.images);
    expect(r.test.perImage.aggregation).toBe(SERIES_HEAD_SLICES);
    // Each series' pooled score equals what training recorded for it (by pseudonym).
    const names = libraryPseudonyms(library.dir);
    for (const sp of r.seriesPredictions) {
      const s = set.series.find((x) => x.seriesUid === sp.seriesInstanceUid)!;
      const recorded = mil.testPredictions.find((t) => t.series === names.image(s.sops[0]))!;
      sp.scores.forEach((v: number, k: number) => expect(v).toBeCloseTo(recorded.scores[k], 4));
    }
    expect(stdout).not.toMatch(/MIL0\d\d/);
  }, 240_000);
});

describe("a series run's record", () => {
  it('has the shape of an image run: the top level with perImage, perSeries and perPatient, read by the Training tab and the report', async () => {
    const pkg = await loadPackage(mil.packageDir);
    const recorded = (pkg.metadata.provenance.training as { evaluation: { test: Record<string, unknown> } }).evaluation.test;
    // Every field an image run's test evaluation has as the package stores it (evaluateLevels,
    // through JSON), and no other. Each phantom patient has a series of each class, so neither
    // run has a patient of one label: no per-patient AUC in either.
    const rows = [['s1', 'p1', 1, 0.8], ['s2', 'p1', 0, 0.3], ['s3', 'p2', 1, 0.6], ['s4', 'p2', 0, 0.1]] as const;
    const imageShaped = JSON.parse(JSON.stringify(evaluateLevels(rows.map(([series, patient, label, p]) => ({ scores: [1 - p, p], label, series, patient })), ['a', 'b'], { threshold: recorded.threshold as number | undefined, bootstrap: 10 })));
    expect(Object.keys(recorded).sort()).toEqual(Object.keys(imageShaped).sort());
    for (const level of ['perImage', 'perSeries', 'perPatient'] as const) expect(Object.keys(recorded[level] as object).sort()).toEqual(Object.keys(imageShaped[level] as object).sort());
    expect((recorded.perSeries as { auc: number }).auc).toBeCloseTo(mil.test.auc, 10);
    expect(recorded.n).toBe(mil.test.n);
    // The flat metrics carry the levels, as an image run's do.
    expect(pkg.metadata.metrics!['test.perSeries.n']).toBe(mil.test.n);
    // The Training tab's plots read it without a word of what is missing but the history's shape.
    const results = await readRunResults(mil.packageDir);
    expect(results.test?.n).toBe(mil.test.n);
    expect(results.calibration?.applied).toBe(true);
    expect(results.missing).toEqual([]);
    const html = readFileSync(mil.reportPath, 'utf8');
    // Its patients counted as the app's Results heading counts them.
    expect(html).toContain(`Test split (${mil.test.n} series, ${mil.test.perPatient.n + (mil.test.perPatient.skippedMixedLabels ?? 0)} patients)`);
    expect(html).toContain('By image, series and patient');
    expect(html).not.toContain('No epochs recorded');
    expect(html).toContain('gated attention pooling');
  });
});
