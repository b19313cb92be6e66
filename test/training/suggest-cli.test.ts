// `lumen suggest` as a user runs it (spawned, --json and the table), on a phantom library with
// a package trained by `lumen train`: only unlabelled series are suggested; the uncertainty is
// the mean mutual information of the package's uncertainty heads (computed here independently
// from ensemble.bin), or for a package without heads the entropy of the scores `lumen predict`
// gives; labelling a suggested series removes it, bad input is refused in words, and a
// cancelled run stops.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedLibrary, runLumen } from '../support/cli';
import { normalisedEntropy } from '../../models/training/acquisition';
import { loadPackage, MODEL_ONNX, savePackage } from '../../models/package';
import { readEnsemble } from '../../models/package/uncertainty';
import { initBackend } from '../../models/runtime';
import { Library } from '../../electron/library/library';
import { DEFAULT_AUGMENTATION } from '../../electron/training/augment';
import { extractFeatures } from '../../electron/training/features';
import { TrainingStore } from '../../electron/training/store';
import { suggestSeries, SuggestCancelled } from '../../electron/training/suggest';
import { writeLesionSeries, type WrittenSeries } from './suggest-phantoms';

let root: string;
let library: string;
let pkg: string;
let series: WrittenSeries[];
/** Series labelled by the CSV: 12 by series, one by an image, one by its study. */
let labelled: Set<string>;

const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));

// Each `lumen` run costs seconds of start-up, most of this file's time: the runs that only read
// are made once and shared (all the suggestions, asked for with --n larger than the pool), and
// runs that do not depend on each other go side by side.
let everySuggestion: ReturnType<typeof lumen> | undefined;
const suggestAll = () => (everySuggestion ??= lumen(['suggest', '--model', pkg, '--library', library, '--n', '50', '--json']));

beforeAll(async () => {
  // 24 patients, one series of 3 slices each: lesions in every other one.
  ({ root, library, set: series } = await importedLibrary('suggest-cli', (dir) => writeLesionSeries(dir, Array.from({ length: 24 }, (_, i) => ({ contrast: i % 2 ? 120 : 0 })), { uidRoot: 91, slices: 3, prefix: 'SG' })));
  const rows = [
    'StudyInstanceUID,SeriesInstanceUID,SOPInstanceUID,label',
    ...series.slice(0, 12).map((s) => `,${s.seriesUid},,${s.label}`),
    `,,${series[12].sops[1]},${series[12].label}`,
    `${series[13].studyUid},,,${series[13].label}`,
  ];
  labelled = new Set(series.slice(0, 14).map((s) => s.seriesUid));
  const csv = path.join(root, 'labels.csv');
  writeFileSync(csv, rows.join('\n') + '\n');
  pkg = path.join(root, 'pkg');
  const trained = await lumen(['train', '--library', library, '--labels', csv, '--variant', 'custom-phi-10', '--resolution', '32', '--epochs', '8', '--seed', '3', '--out', pkg, '--window', 'ct-abdomen', '--no-augment', '--json']);
  expect(trained.code, trained.stderr).toBe(0);
}, 240_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('lumen suggest', () => {
  it('ranks only unlabelled series, with score, uncertainty, distance and reason, and no patient data', async () => {
    const [r, every] = await Promise.all([lumen(['suggest', '--model', pkg, '--library', library, '--n', '5', '--json']), suggestAll()]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ unlabelledSeries: 10, labelledSeries: 14, diversity: true, classNames: ['none', 'lesion'] });
    expect(out.suggestions.map((s: { rank: number }) => s.rank)).toEqual([1, 2, 3, 4, 5]);
    const bySeries = new Map(series.map((s) => [s.seriesUid, s]));
    for (const s of out.suggestions) {
      expect(labelled.has(s.seriesInstanceUid)).toBe(false);
      expect(bySeries.get(s.seriesInstanceUid)!.studyUid).toBe(s.studyInstanceUid);
      expect(s.seriesDescription).toMatch(/^Phantom series \d+$/);
      expect(s.images).toBe(3);
      expect(s.uncertainty).toBeGreaterThanOrEqual(0);
      expect(s.uncertainty).toBeLessThanOrEqual(1);
      expect(s.distance).toBeGreaterThanOrEqual(0);
      expect(s.score).toBeCloseTo(s.uncertainty * Math.min(1, s.distance), 12);
      expect(s.meanScores.lesion + s.meanScores.none).toBeCloseTo(1, 5);
      expect(s.reason).toMatch(/uncertainty \d\.\d\d/);
    }
    // Greedy: each pick's score is the best left, and scores only fall as picks are added.
    const scores = out.suggestions.map((s: { score: number }) => s.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(new Set(out.suggestions.map((s: { seriesInstanceUid: string }) => s.seriesInstanceUid)).size).toBe(5);
    // No patient names or IDs.
    expect(r.stdout).not.toMatch(/Phantom\^|SG0\d\d/);

    // All of them when --n is larger than the pool.
    expect(every.code, every.stderr).toBe(0);
    expect(JSON.parse(every.stdout).suggestions).toHaveLength(10);
  }, 120_000);

  it('with uncertainty heads: ranks by their mean mutual information, as computed from ensemble.bin', async () => {
    // All ten unlabelled series (--n 50).
    const r = await suggestAll();
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.suggestions).toHaveLength(10);
    expect(out.uncertaintyMeasure).toBe('mutual-information');
    expect(out.method).toMatch(/uncertainty = the mean over the series' images of the package's uncertainty heads' mutual information \/ log\(classes\)/);
    // Each series' uncertainty, independently: the heads on the package's pooled features of its images.
    const loaded = await loadPackage(pkg);
    const heads = readEnsemble(loaded.dir, loaded.metadata)!;
    expect(heads.heads.length).toBeGreaterThanOrEqual(2);
    const lib = Library.open(library);
    let differs = 0;
    try {
      const store = new TrainingStore(lib);
      const m = loaded.metadata;
      const spec = { weightsHash: `package ${m.contentHash}`, preprocessing: m.preprocessing, inputSize: m.inputSize, copies: 1, augmentation: DEFAULT_AUGMENTATION, seed: 0 };
      try {
        for (const s of out.suggestions) {
          const images = store.images(s.seriesInstanceUid);
          const f = await extractFeatures(path.join(pkg, MODEL_ONNX), spec, images, path.join(root, 'test-feature-cache'));
          const mi = f.features[0].map((x) => mutualInformation(heads, x));
          const expected = mi.reduce((a, b) => a + b, 0) / mi.length;
          expect(s.uncertainty).toBeCloseTo(expected, 4);
          expect(s.score).toBeCloseTo(s.uncertainty * Math.min(1, s.distance), 12);
          expect(s.reason).toMatch(/the heads' mutual information/);
          if (Math.abs(normalisedEntropy(Object.values(s.meanScores) as number[]) - expected) > 0.05) differs++;
        }
      } finally {
        store.close();
      }
    } finally {
      lib.close();
    }
    // The two measures disagree here, so ranking by entropy would not have passed the checks above.
    expect(differs).toBeGreaterThan(0);
  }, 180_000);

  it('without uncertainty heads: ranks by the entropy of the scores lumen predict gives the series', async () => {
    await initBackend('cpu');
    const loaded = await loadPackage(pkg, { loadModel: true });
    const plain = path.join(root, 'plain-pkg');
    try {
      const { contentHash: _h, formatVersion: _f, layout: _l, ensemble: _e, domain: _d, ...meta } = loaded.metadata;
      await savePackage(plain, loaded.model!, { ...meta, name: 'no heads' }, { onnx: readFileSync(path.join(pkg, MODEL_ONNX)) });
    } finally {
      loaded.model!.dispose();
    }
    const out = JSON.parse((await lumen(['suggest', '--model', plain, '--library', library, '--n', '1', '--json'])).stdout);
    expect(out.uncertaintyMeasure).toBe('entropy');
    expect(out.method).toMatch(/uncertainty = entropy of the mean class probabilities/);
    const top = out.suggestions[0];
    const predicted = await lumen(['predict', '--model', plain, '--library', library, '--series', top.seriesInstanceUid, '--json']);
    expect(predicted.code, predicted.stderr).toBe(0);
    const p = JSON.parse(predicted.stdout);
    const mean = p.classNames.map((_: string, c: number) => p.images.reduce((a: number, im: { scores: number[] }) => a + im.scores[c], 0) / p.images.length);
    expect(top.uncertainty).toBeCloseTo(normalisedEntropy(mean), 5);
    p.classNames.forEach((name: string, c: number) => expect(top.meanScores[name]).toBeCloseTo(mean[c], 5));
  }, 120_000);

  it('prints a table without --json', async () => {
    const r = await lumen(['suggest', '--model', pkg, '--library', library, '--n', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/3 of 10 unlabelled series to label next \(14 labelled\)/);
    expect(r.stdout).toMatch(/rank\s+score\s+uncert\.\s+distance\s+series/);
    expect(r.stdout).toMatch(/^\s+1\s+\d\.\d{3}\s+\d\.\d{3}\s+\d\.\d\d\s+CT\s+Phantom series \d+$/m);
    // The package has uncertainty heads: the table says that they rank.
    expect(r.stdout).toMatch(/^Uncertainty: the uncertainty heads' mutual information/m);
  }, 120_000);

  it('refuses bad input in words', async () => {
    const [noModel, zero, notPkg, noLibrary] = await Promise.all([
      lumen(['suggest', '--library', library]),
      lumen(['suggest', '--model', pkg, '--library', library, '--n', '0']),
      lumen(['suggest', '--model', path.join(root, 'dicom'), '--library', library, '--json']),
      lumen(['suggest', '--model', pkg, '--library', path.join(root, 'nowhere')]),
    ]);
    expect(noModel.code).toBe(2);
    expect(noModel.stderr).toMatch(/--model <package folder> is required/);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--n must be a whole number/);
    expect(notPkg.code).toBe(1);
    expect(JSON.parse(notPkg.stdout).error).toContain(path.join(root, 'dicom'));
    expect(noLibrary.code).toBe(1);
    expect(noLibrary.stderr).toMatch(/There is no library in .*nowhere/);
  }, 120_000);

  it('drops a series once it is labelled, and stops when cancelled', async () => {
    const lib = Library.open(library);
    try {
      const first = await suggestSeries({ library: lib, packageDir: pkg, n: 3 });
      const top = first.suggestions[0].seriesInstanceUid;
      const store = new TrainingStore(lib);
      try {
        store.setLabels([{ targetKind: 'series', targetUid: top, label: 'none' }], 'tester');
      } finally {
        store.close();
      }
      const next = await suggestSeries({ library: lib, packageDir: pkg, n: 10 });
      expect(next.unlabelledSeries).toBe(first.unlabelledSeries - 1);
      expect(next.labelledSeries).toBe(first.labelledSeries + 1);
      expect(next.suggestions.map((s) => s.seriesInstanceUid)).not.toContain(top);

      // Cancelled as scoring starts (what Ctrl+C and the app's Cancel do).
      const controller = new AbortController();
      const phases: string[] = [];
      const onProgress = (p: { phase: string }) => {
        phases.push(p.phase);
        if (p.phase === 'scoring') controller.abort();
      };
      await expect(suggestSeries({ library: lib, packageDir: pkg, signal: controller.signal, onProgress })).rejects.toBeInstanceOf(SuggestCancelled);
      expect(phases).not.toContain('ranking');
    } finally {
      lib.close();
    }
  }, 120_000);
});

/** The heads' mutual information over log K for one image's features, written out here (not models/training/ensemble.ts). */
function mutualInformation(e: { features: number; classes: number; heads: { kernel: Float32Array; bias: Float32Array }[] }, x: Float32Array): number {
  const k = e.classes;
  const entropy = (p: number[]) => -p.reduce((a, v) => a + (v > 0 ? v * Math.log(v) : 0), 0);
  const perHead = e.heads.map((h) => {
    const z = Array.from({ length: k }, (_, c) => {
      let v = h.bias[c];
      for (let d = 0; d < e.features; d++) v += x[d] * h.kernel[d * k + c];
      return v;
    });
    const max = Math.max(...z);
    const ex = z.map((v) => Math.exp(v - max));
    const sum = ex.reduce((a, b) => a + b, 0);
    return ex.map((v) => v / sum);
  });
  const mean = Array.from({ length: k }, (_, c) => perHead.reduce((a, p) => a + p[c], 0) / perHead.length);
  const mi = entropy(mean) - perHead.reduce((a, p) => a + entropy(p), 0) / perHead.length;
  return Math.min(1, Math.max(0, mi / Math.log(k)));
}
