// `lumen compare` with a series-head package (lumen train --level series) on one side: its
// series are scored through its head, as `lumen eval` scores them, never by the mean of its
// slices' scores; the other side, a plain image package trained on the same split, keeps the
// mean of its image probabilities; the paired difference is over the same series and patients,
// and each side says how it made its series scores (the `aggregation` field).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { comparedRows, comparePackages } from '../../electron/training/compare';
import { evaluatePackage } from '../../electron/training/evaluate';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { trainSeriesClassifier } from '../../electron/training/mil-train';
import { trainClassifier } from '../../electron/training/train';
import { initBackend } from '../../models/runtime';
import { rocAuc } from '../../models/training/metrics';
import { SERIES_AGGREGATION, SERIES_HEAD_AGGREGATION, SERIES_HEAD_PATIENT_AGGREGATION } from '../../models/training/levels';
import { runLumen } from '../support/cli';
import { writeMilPhantoms, type MilPhantomSet } from './mil-phantoms';

let root: string;
let set: MilPhantomSet;
let library: Library;
const milDir = () => path.join(root, 'mil-pkg');
const plainDir = () => path.join(root, 'plain-pkg');

// A tiny random backbone at 32 px, as mil-calibration.test.ts: features cached once, shared by
// both runs. The lesion on 1 slice of 8: the mean of a series' slice scores ranks the test
// series worse than the head's pooled score does (AUC 0.75 against 1.00), so the two differ.
const common = () => ({ library, variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', seed: 3, validationFraction: 0.3, testFraction: 0.3, cacheDir: path.join(root, 'cache') });

beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-mil-compare-'));
  set = writeMilPhantoms(path.join(root, 'dicom'), { patients: 12, seriesPerPatient: 2, slices: 8, lesionSlices: 1, seed: 9 });
  library = Library.open(path.join(root, 'library'));
  const report = await library.importPaths([set.dir]);
  expect(report.errors).toEqual([]);
  importLabelsCsvFile(library, set.csv, { author: 'tester' });
  const mil = await trainSeriesClassifier({ ...common(), epochs: 5, patience: 0, out: milDir() });
  const plain = await trainClassifier({ ...common(), mode: 'head', augmentation: false, epochs: 10, out: plainDir() });
  // The same split: both runs split the same labelled images by patient with the same seed.
  expect(plain.split.patients).toEqual(mil.split.patients);
}, 300_000);

afterAll(() => {
  library?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

const mean = (rows: readonly (readonly number[])[]) => rows[0].map((_, c) => rows.reduce((a, r) => a + r[c], 0) / rows.length);

describe('lumen compare with a series-head package', () => {
  it("scores the series-head side's series through its head, and says so", async () => {
    const ev = await evaluatePackage(library, milDir(), { subset: 'test', bootstrap: 200 });
    expect(ev.level).toBe('series');
    // The rows compare pairs per series are the head's pooled scores, not the mean of the slices'.
    const rows = comparedRows(ev, 'series');
    expect(rows.map((r) => r.key).sort()).toEqual(ev.seriesPredictions!.map((s) => s.seriesInstanceUid).sort());
    let apart = 0;
    for (const r of rows) {
      const head = ev.seriesPredictions!.find((s) => s.seriesInstanceUid === r.key)!;
      r.scores.forEach((v, k) => expect(v).toBeCloseTo(head.scores[k], 12));
      const slices = mean(ev.predictions.filter((p) => p.seriesInstanceUid === r.key).map((p) => p.scores));
      if (Math.abs(slices[0] - head.scores[0]) > 0.01) apart++;
    }
    // The test can tell the two apart: the head's score is not the mean of its slices', nor is its AUC.
    expect(apart).toBeGreaterThan(0);
    // Two classes: the AUC of the second class's score, as evaluate() reports it.
    const positive = 1;
    const sliceMeanAuc = rocAuc(rows.map((r) => mean(ev.predictions.filter((p) => p.seriesInstanceUid === r.key).map((p) => p.scores))[positive]), rows.map((r) => r.label === positive));
    const headAuc = rocAuc(rows.map((r) => r.scores[positive]), rows.map((r) => r.label === positive));
    expect(Math.abs(headAuc - sliceMeanAuc)).toBeGreaterThan(0.05);

    const c = await comparePackages(library, milDir(), plainDir(), { subset: 'test', bootstrap: 200 });
    const series = new Set(ev.seriesPredictions!.map((s) => s.seriesInstanceUid)).size;
    expect(c.a.perSeries.aggregation).toBe(SERIES_HEAD_AGGREGATION);
    expect(c.b.perSeries.aggregation).toBe(SERIES_AGGREGATION);
    expect(c.differences.perSeries.aggregation).toEqual({ a: SERIES_HEAD_AGGREGATION, b: SERIES_AGGREGATION });
    expect(c.differences.perPatient.aggregation.a).toBe(SERIES_HEAD_PATIENT_AGGREGATION);
    // Paired over the same series (and patients), each side scored its own way: each side's AUC
    // in the paired test is the AUC its own evaluation reports at that level.
    expect(c.differences.perSeries.n).toBe(series);
    expect(c.a.perSeries.n).toBe(series);
    expect(c.b.perSeries.n).toBe(series);
    expect(c.differences.perSeries.aucA).toBeCloseTo(c.a.perSeries.auc, 10);
    expect(c.differences.perSeries.aucA).toBeCloseTo(ev.evaluation.perSeries.auc, 10);
    expect(c.differences.perSeries.aucA).toBeCloseTo(headAuc, 10);
    expect(c.differences.perSeries.aucB).toBeCloseTo(c.b.perSeries.auc, 10);
    // Every phantom patient has a series of each class: no patient has one label, on either side.
    expect(c.differences.perPatient.n).toBe(0);
    expect(c.a.perPatient.skippedMixedLabels).toBe(c.b.perPatient.skippedMixedLabels);
    expect(c.a.perPatient.skippedMixedLabels).toBeGreaterThan(0);
    expect(c.differences.perImage.aucB).toBeCloseTo(c.b.perImage.auc, 10);
    console.log(`series head ${c.a.perSeries.auc.toFixed(3)} vs mean of image probabilities ${c.b.perSeries.auc.toFixed(3)} on ${series} series: ${c.differences.perSeries.sentence}`);

    // Swapped, the head is B's, and the difference mirrors.
    const s = await comparePackages(library, plainDir(), milDir(), { subset: 'test', bootstrap: 200 });
    expect(s.differences.perSeries.aggregation).toEqual({ a: SERIES_AGGREGATION, b: SERIES_HEAD_AGGREGATION });
    expect(s.differences.perSeries.aucB).toBeCloseTo(c.a.perSeries.auc, 10);
    expect(s.differences.perSeries.difference).toBeCloseTo(-c.differences.perSeries.difference, 10);
  }, 240_000);

  it('says in its output which aggregation each side used', async () => {
    library.close();
    try {
      const r = await runLumen(['compare', '--model', milDir(), '--model', plainDir(), '--library', library.dir, '--subset', 'test', '--resamples', '200'], path.join(root, 'data'));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`Per series (A: ${SERIES_HEAD_AGGREGATION}; B: ${SERIES_AGGREGATION}) (`);
      expect(r.stdout).toContain(`Per patient (A: ${SERIES_HEAD_PATIENT_AGGREGATION}; B: `);
      // Patient data stays out of the output.
      expect(r.stdout).not.toMatch(/MIL0\d\d/);
    } finally {
      library = Library.open(library.dir);
    }
  }, 120_000);
});
