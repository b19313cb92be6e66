// `lumen suggest` with a series-head package (lumen train --level series): its uncertainty is
// that of the series head's uncertainty heads on each series (series-ensemble.bin), what `lumen
// predict --series` gives the series, and the result says so. A package from before those
// heads has none, so its uncertainty is an entropy, and the result says why; the entropy is
// of the score the package gives a series (the head's pooled score), not of the mean of the
// series' slice scores.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { trainSeriesClassifier } from '../../electron/training/mil-train';
import { predictSeries } from '../../electron/training/predict';
import { suggestSeries } from '../../electron/training/suggest';
import { initBackend } from '../../models/runtime';
import { normalisedEntropy } from '../../models/training/acquisition';
import { runLumen } from '../support/cli';
import { withoutSeriesEnsemble } from './mil-old-package';
import { writeMilPhantoms, type MilPhantomSet } from './mil-phantoms';

let root: string;
let set: MilPhantomSet;
let library: Library;
const milDir = () => path.join(root, 'mil-pkg');
/** The same package as a Lumen before series uncertainty heads wrote it. */
const oldDir = () => path.join(root, 'old-pkg');

beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-mil-suggest-'));
  set = writeMilPhantoms(path.join(root, 'dicom'), { patients: 14, seriesPerPatient: 2, slices: 8, lesionSlices: 1, seed: 11 });
  library = Library.open(path.join(root, 'library'));
  const report = await library.importPaths([set.dir]);
  expect(report.errors).toEqual([]);
  // The first 10 patients labelled; the last 4 patients' 8 series are left to suggest.
  const lines = readFileSync(set.csv, 'utf8').trim().split('\n');
  const labelled = path.join(root, 'labels.csv');
  writeFileSync(labelled, [lines[0], ...lines.slice(1, 1 + 20)].join('\n') + '\n');
  importLabelsCsvFile(library, labelled, { author: 'tester' });
  await trainSeriesClassifier({ library, variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', epochs: 5, patience: 0, seed: 3, out: milDir(), cacheDir: path.join(root, 'cache') });
  withoutSeriesEnsemble(milDir(), oldDir());
}, 300_000);

afterAll(() => {
  library?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('lumen suggest with a series-head package', () => {
  it("ranks by the series uncertainty heads' disagreement on each series, what lumen predict gives the series", async () => {
    const r = await suggestSeries({ library, packageDir: milDir(), n: 8, cacheDir: path.join(root, 'cache') });
    expect(r.suggestions).toHaveLength(8);
    expect(r.uncertaintyMeasure).toBe('mutual-information');
    expect(r.uncertaintyOf).toBe('series');
    expect(r.uncertaintyReason).toBeUndefined();
    expect(r.method).toContain("mutual information / log(classes) of the series head's uncertainty heads on the series' attention-pooled features");
    let apart = 0;
    for (const s of r.suggestions) {
      const p = await predictSeries({ library, packageDir: milDir(), seriesUid: s.seriesInstanceUid, store: false });
      const pooled = p.series[0].pooled!;
      Object.keys(s.meanScores).forEach((name, k) => expect(s.meanScores[name]).toBeCloseTo(pooled.scores[k], 5));
      expect(s.uncertainty).toBeCloseTo(pooled.uncertainty!, 10);
      // Fewer than 20 validation series set no "high" (series-ensemble.ts, SERIES_HIGH_MINIMUM): the reason says so.
      expect(s.reason).toMatch(typeof pooled.uncertaintyHigh !== 'number' ? /disagreement is not judged high or usual \(too few validation series to say what is usual\)/ : pooled.uncertainty! > pooled.uncertaintyHigh ? /more than on 95% of validation series/ : /uncertainty heads mostly agree/);
      // Not the entropy of the series score: the test tells the two apart.
      if (Math.abs(s.uncertainty - normalisedEntropy(pooled.scores)) > 0.01) apart++;
    }
    expect(apart).toBeGreaterThan(0);
  }, 240_000);

  it("without series uncertainty heads (an older package), ranks by the entropy of the head's score of each series, and says why", async () => {
    const r = await suggestSeries({ library, packageDir: oldDir(), n: 8, cacheDir: path.join(root, 'cache') });
    expect(r.unlabelledSeries).toBe(8);
    expect(r.suggestions).toHaveLength(8);
    expect(r.uncertaintyMeasure).toBe('entropy');
    expect(r.uncertaintyReason).toMatch(/^This series-head package has no series uncertainty heads \(it was trained by a Lumen that did not make them: train it again to get them\), so uncertainty is the entropy of the score the series head gives each series/);
    expect(r.method).toContain("entropy of the series head's pooled class probabilities");
    let apart = 0;
    for (const s of r.suggestions) {
      // Every slice of the series is scored (8 slices, 8 images a series by default).
      expect(s.images).toBe(8);
      const p = await predictSeries({ library, packageDir: oldDir(), seriesUid: s.seriesInstanceUid, store: false });
      const pooled = p.series[0].pooled!.scores;
      const classNames = Object.keys(s.meanScores);
      classNames.forEach((name, k) => expect(s.meanScores[name]).toBeCloseTo(pooled[k], 5));
      expect(s.uncertainty).toBeCloseTo(normalisedEntropy(pooled), 5);
      // The mean of the slices' scores is another number: the test tells the two apart.
      if (Math.abs(p.series[0].mean[0] - pooled[0]) > 0.01) apart++;
    }
    expect(apart).toBeGreaterThan(0);
  }, 240_000);

  it('says so in its output', async () => {
    library.close();
    try {
      const r = await runLumen(['suggest', '--model', milDir(), '--library', library.dir, '--n', '3'], path.join(root, 'data'));
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Uncertainty: the series head's uncertainty heads' mutual information \(how much they disagree\) on each series' pooled features\.$/m);
      expect(r.stdout).not.toMatch(/MIL0\d\d/);
      const old = await runLumen(['suggest', '--model', oldDir(), '--library', library.dir, '--n', '3'], path.join(root, 'data'));
      expect(old.code, old.stderr).toBe(0);
      expect(old.stdout).toMatch(/^Uncertainty: entropy\. This series-head package has no series uncertainty heads/m);
    } finally {
      library = Library.open(library.dir);
    }
  }, 120_000);
});
