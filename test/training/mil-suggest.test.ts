// `lumen suggest` with a series-head package (lumen train --level series): it has no
// uncertainty heads, so its uncertainty is an entropy, and the result says why; the entropy is
// of the score the package gives a series (the head's pooled score, what `lumen predict
// --series` returns), not of the mean of the series' slice scores.
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
import { writeMilPhantoms, type MilPhantomSet } from './mil-phantoms';

let root: string;
let set: MilPhantomSet;
let library: Library;
const milDir = () => path.join(root, 'mil-pkg');

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
}, 300_000);

afterAll(() => {
  library?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('lumen suggest with a series-head package', () => {
  it("ranks by the entropy of the head's score of each series, and says why it is entropy", async () => {
    const r = await suggestSeries({ library, packageDir: milDir(), n: 8, cacheDir: path.join(root, 'cache') });
    expect(r.unlabelledSeries).toBe(8);
    expect(r.suggestions).toHaveLength(8);
    expect(r.uncertaintyMeasure).toBe('entropy');
    expect(r.uncertaintyReason).toMatch(/^A series-head package has no uncertainty heads \(Lumen trains them only beside an image head\), so uncertainty is the entropy of the score the series head gives each series/);
    expect(r.method).toContain("entropy of the series head's pooled class probabilities");
    let apart = 0;
    for (const s of r.suggestions) {
      // Every slice of the series is scored (8 slices, 8 images a series by default).
      expect(s.images).toBe(8);
      const p = await predictSeries({ library, packageDir: milDir(), seriesUid: s.seriesInstanceUid, store: false });
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
      expect(r.stdout).toMatch(/^Uncertainty: entropy\. A series-head package has no uncertainty heads/m);
      expect(r.stdout).not.toMatch(/MIL0\d\d/);
    } finally {
      library = Library.open(library.dir);
    }
  }, 120_000);
});
