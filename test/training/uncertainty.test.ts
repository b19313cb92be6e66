// Calibration and uncertainty on a real training run (electron/training/train.ts, head mode on
// a tiny backbone): temperature scaling lowers (never raises) the validation ECE and is what
// the package's scores carry; each prediction's uncertainty (the package's anchored ensemble
// of heads, models/training/ensemble.ts) is higher on images unlike the training data than on
// held-out images like them, is stored with the prediction (library migration 10), and is
// null for a package without heads.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { Library } from '../../electron/library/library';
import { PredictionStore } from '../../electron/library/predictions';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { libraryPseudonyms } from '../../electron/training/pseudonyms';
import { predictSeries } from '../../electron/training/predict';
import { readRunResults } from '../../electron/training/run-results';
import { trainClassifier, type TrainResult } from '../../electron/training/train';
import { exportPackageArchive, importPackageArchive, loadPackage, savePackage } from '../../models/package';
import { readEnsemble } from '../../models/package/uncertainty';
import { initBackend } from '../../models/runtime';
import { applyTemperature, expectedCalibrationError } from '../../models/training/calibration';
import { rng } from '../support/dicom/phantom';
import { writeImage } from '../support/dicom/write';
import { writePhantomSet } from './phantoms';

let root: string;
let library: Library;
let result: TrainResult;
let pkgDir: string;
let trainSet: ReturnType<typeof writePhantomSet>;
/** Series of held-out patients like the training data (another seed, not labelled). */
const like: string[] = [];
/** Series unlike it: noise, and another family of images. */
const noise: string[] = [];
const checkers: string[] = [];

/** Images of another kind, written as CT like the phantoms: `kind` noise (uniform HU) or checkerboards. */
function writeUnlike(dir: string, kind: 'noise' | 'checkers', series: number, slices: number, size = 64): string[] {
  mkdirSync(dir, { recursive: true });
  const r = rng(kind === 'noise' ? 9001 : 9002);
  const uids: string[] = [];
  for (let p = 0; p < series; p++) {
    const base = `1.2.826.0.1.3680043.10.98.${kind === 'noise' ? 1 : 2}.${p + 1}`;
    uids.push(`${base}.1.2`);
    for (let s = 0; s < slices; s++) {
      const px = new Int16Array(size * size);
      const cell = 4 + Math.floor(r() * 8);
      const phase = Math.floor(r() * cell);
      for (let y = 0; y < size; y++) {
        for (let x = 0; x < size; x++) {
          px[y * size + x] = kind === 'noise' ? Math.round(-1000 + r() * 2000) : ((Math.floor((x + phase) / cell) + Math.floor(y / cell)) % 2 ? 250 : -150) + Math.round((r() - 0.5) * 40);
        }
      }
      writeImage(path.join(dir, `${kind}${p + 1}_${s + 1}.dcm`), {
        rows: size, columns: size, bitsAllocated: 16, pixelRepresentation: 1, modality: 'CT', rescaleSlope: 1, rescaleIntercept: 0, pixelBytes: new Uint8Array(px.buffer),
        extra: {
          0x00080018: { vr: 'UI', value: `${base}.1.2.${s + 1}` },
          0x0020000d: { vr: 'UI', value: `${base}.1` },
          0x0020000e: { vr: 'UI', value: `${base}.1.2` },
          0x00100020: { vr: 'LO', value: `${kind.toUpperCase()}${p + 1}` },
          0x00200013: { vr: 'IS', value: s + 1 },
        },
      });
    }
  }
  return uids;
}

async function uncertainties(series: string[]): Promise<number[]> {
  const out: number[] = [];
  for (const uid of series) {
    const r = await predictSeries({ library, packageDir: pkgDir, seriesUid: uid });
    for (const im of r.images) {
      expect(typeof im.uncertainty).toBe('number');
      out.push(im.uncertainty as number);
    }
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));

beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-uncertainty-'));
  const train = (trainSet = writePhantomSet(path.join(root, 'train-dicom'), { patients: 36, slices: 3, seed: 311 }));
  const heldOut = writePhantomSet(path.join(root, 'like-dicom'), { patients: 8, slices: 3, seed: 312 });
  like.push(...heldOut.patients.map((p) => p.seriesUid));
  noise.push(...writeUnlike(path.join(root, 'noise-dicom'), 'noise', 4, 3));
  checkers.push(...writeUnlike(path.join(root, 'checkers-dicom'), 'checkers', 4, 3));
  library = Library.open(path.join(root, 'library'));
  const report = await library.importPaths([train.dir, heldOut.dir, path.join(root, 'noise-dicom'), path.join(root, 'checkers-dicom')]);
  expect(report.errors).toEqual([]);
  // Only the training set is labelled: the others are never trained on.
  importLabelsCsvFile(library, train.csv, { author: 'tester' });
  pkgDir = path.join(root, 'pkg');
  // The seed is a draw (so is the images' order, image-order.ts): the "unlike" check below held for
  // seeds 1-5 with the images in UID order, and for 1, 2, 4 and 5 in training order (seed 3 there
  // left the noise images' uncertainty 0.255 under the validation 95th percentile, 0.329).
  result = await trainClassifier({ library, out: pkgDir, variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'head', augmentation: false, epochs: 30, seed: 1, cacheDir: path.join(root, 'cache') });
}, 300_000);

afterAll(() => {
  library?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('temperature scaling in a training run', () => {
  it('lowers or keeps the validation ECE, reports test ECE before and after, and the package says so', async () => {
    const c = result.calibration;
    console.log(`calibration: T ${c.temperature.toFixed(3)} (applied ${c.applied}); validation ECE ${c.validation.eceBefore.toFixed(3)} -> ${c.validation.eceAfter.toFixed(3)}, NLL ${c.validation.nllBefore.toFixed(3)} -> ${c.validation.nllAfter.toFixed(3)}; test ECE ${c.test?.eceBefore.toFixed(3)} -> ${c.test?.eceAfter.toFixed(3)}`);
    expect(c.validation.eceAfter).toBeLessThanOrEqual(c.validation.eceBefore);
    expect(c.validation.nllAfter).toBeLessThanOrEqual(c.validation.nllBefore);
    // The evaluation's ECE is that of the calibrated scores the package gives.
    expect(result.validation.ece).toBeCloseTo(c.validation.eceAfter, 9);
    expect(result.test.ece).toBeCloseTo(c.test!.eceAfter, 9);
    const pkg = await loadPackage(pkgDir);
    expect(pkg.metadata.calibration).toEqual(JSON.parse(JSON.stringify(c)));
    expect(pkg.metadata.metrics?.['calibration.temperature']).toBe(c.temperature);
    expect(pkg.metadata.metrics?.['test.eceBeforeCalibration']).toBe(c.test!.eceBefore);
    expect(pkg.metadata.modelCard).toMatch(/## Calibration and uncertainty/);
    expect(pkg.metadata.modelCard).toMatch(c.applied ? /temperature-scaled: T = \d/ : /No temperature applied/);
  });

  it("the Training tab's results of the package carry T and the ECE before and after", async () => {
    const c = result.calibration;
    expect((await readRunResults(pkgDir)).calibration).toEqual({ temperature: c.temperature, applied: c.applied, ...(c.reason ? { reason: c.reason } : {}), validation: c.validation, test: c.test });
  });

  it('the package gives the calibrated scores: the test predictions undo to the raw ones with 1/T', () => {
    const c = result.calibration;
    const scores = result.testPredictions.map((p) => p.scores);
    const labels = result.testPredictions.map((p) => p.label);
    expect(expectedCalibrationError(scores, labels)).toBeCloseTo(c.test!.eceAfter, 9);
    expect(expectedCalibrationError(applyTemperature(scores, 1 / c.temperature), labels)).toBeCloseTo(c.test!.eceBefore, 9);
  });
});

describe('uncertainty', () => {
  it('is higher on images unlike the training data than on held-out images like them', async () => {
    const u = { like: await uncertainties(like), noise: await uncertainties(noise), checkers: await uncertainties(checkers) };
    const m = { like: mean(u.like), noise: mean(u.noise), checkers: mean(u.checkers) };
    console.log(`uncertainty mean (max): like ${m.like.toFixed(3)} (${Math.max(...u.like).toFixed(3)}), noise ${m.noise.toFixed(3)} (${Math.max(...u.noise).toFixed(3)}), checkers ${m.checkers.toFixed(3)} (${Math.max(...u.checkers).toFixed(3)}); validation mean ${result.ensemble!.validation.mean.toFixed(3)}, p95 ${result.ensemble!.validation.p95.toFixed(3)}`);
    // A margin a constant (or random) uncertainty cannot meet: each unlike set's mean at least
    // twice the like set's and above the validation split's 95th percentile.
    for (const unlike of [m.noise, m.checkers]) {
      expect(unlike).toBeGreaterThan(2 * m.like);
      expect(unlike).toBeGreaterThan(result.ensemble!.validation.p95);
    }
    for (const v of [...u.like, ...u.noise, ...u.checkers]) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });
});

describe('uncertainty with each prediction', () => {
  it("training stores its test split's predictions with their uncertainties", async () => {
    const names = libraryPseudonyms(library.dir);
    const test = trainSet.patients.filter((p) => result.split.patients[names.patient(p.patientId)] === 'test');
    expect(test.length).toBeGreaterThan(0);
    const store = new PredictionStore(library.dir);
    try {
      for (const p of test) {
        const stored = store.latestForSeries(result.metadata.contentHash, p.seriesUid)!;
        expect(stored.images).toHaveLength(3);
        for (const im of stored.images) expect(im.uncertainty).toBeGreaterThanOrEqual(0);
      }
    } finally {
      store.close();
    }
  });

  it('is stored with the prediction (by image and frame) and returned by lumen predict --json and lumen predictions --series --json', async () => {
    const series = like[0];
    const predicted = await lumen(['predict', '--model', pkgDir, '--library', library.dir, '--series', series, '--json']);
    expect(predicted.code, predicted.stderr).toBe(0);
    const p = JSON.parse(predicted.stdout);
    expect(p.images).toHaveLength(3);
    const pkg = await loadPackage(pkgDir);
    expect(p.uncertaintyHigh).toBe(pkg.metadata.ensemble!.validation.p95);
    for (const im of p.images) {
      expect(im.scores).toHaveLength(3);
      expect(im.uncertainty).toBeGreaterThanOrEqual(0);
      expect(im.uncertainty).toBeLessThanOrEqual(1);
    }
    const listed = await lumen(['predictions', '--series', series, '--library', library.dir, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const stored = JSON.parse(listed.stdout).predictions.find((x: { modelHash: string }) => x.modelHash === p.modelHash);
    const key = (im: { sopInstanceUid: string; frame: number }) => `${im.sopInstanceUid}/${im.frame}`;
    expect(new Map(stored.images.map((im: { sopInstanceUid: string; frame: number; uncertainty: number }) => [key(im), im.uncertainty]))).toEqual(new Map(p.images.map((im: { sopInstanceUid: string; frame: number; uncertainty: number }) => [key(im), im.uncertainty])));
    const text = await lumen(['predictions', '--series', series, '--library', library.dir]);
    expect(text.stdout).toMatch(/uncertainty 0\.\d{3}/);
  }, 120_000);

  it('travels with the package in a .lumenpkg archive (ensemble.bin, under the content hash)', async () => {
    const file = path.join(root, 'shared.lumenpkg');
    await exportPackageArchive(pkgDir, file);
    const imported = await importPackageArchive(file, path.join(root, 'imported'));
    const original = await loadPackage(pkgDir);
    expect(imported.metadata.contentHash).toBe(original.metadata.contentHash);
    expect(readEnsemble(imported.dir, imported.metadata)).toEqual(readEnsemble(original.dir, original.metadata));
    const heads = readEnsemble(imported.dir, imported.metadata)!;
    expect(heads.heads).toHaveLength(5);
  });

  it('refuses heads that are not finite numbers or of the wrong size, naming the file, and stores nothing', async () => {
    const pkg = await loadPackage(pkgDir, { loadModel: true });
    const e = pkg.metadata.ensemble!;
    const bytes = new Float32Array(e.heads * (e.features * e.classes + e.classes)).fill(0.1);
    bytes[7] = Number.NaN;
    const damaged = path.join(root, 'nan-pkg');
    const short = path.join(root, 'short-pkg');
    try {
      // The training-domain record names domain.bin, which these copies do not carry.
      const { contentHash: _h, formatVersion: _f, layout: _l, domain: _d, ...meta } = pkg.metadata;
      await savePackage(damaged, pkg.model!, { ...meta, name: 'nan' }, { files: { 'ensemble.bin': new Uint8Array(bytes.buffer) } });
      await savePackage(short, pkg.model!, { ...meta, name: 'short' }, { files: { 'ensemble.bin': new Uint8Array(bytes.buffer, 0, 64) } });
    } finally {
      pkg.model!.dispose();
    }
    await expect(predictSeries({ library, packageDir: damaged, seriesUid: like[1] })).rejects.toThrow(/ensemble\.bin holds values that are not finite numbers/);
    await expect(predictSeries({ library, packageDir: short, seriesUid: like[1] })).rejects.toThrow(/ensemble\.bin holds 64 bytes, but 5 heads/);
    const store = new PredictionStore(library.dir);
    try {
      for (const dir of [damaged, short]) expect(store.count((await loadPackage(dir)).metadata.contentHash, 'image')).toBe(0);
    } finally {
      store.close();
    }
  });

  it('is null, never made up, for a package without uncertainty heads', async () => {
    const pkg = await loadPackage(pkgDir, { loadModel: true });
    const plain = path.join(root, 'plain-pkg');
    try {
      const { contentHash: _h, formatVersion: _f, layout: _l, ensemble: _e, domain: _d, ...meta } = pkg.metadata;
      await savePackage(plain, pkg.model!, meta);
    } finally {
      pkg.model!.dispose();
    }
    const r = await predictSeries({ library, packageDir: plain, seriesUid: noise[0] });
    expect(r.uncertaintyHigh).toBeNull();
    expect(r.images.map((im) => im.uncertainty)).toEqual([null, null, null]);
    const store = new PredictionStore(library.dir);
    try {
      const stored = store.latestForSeries(r.modelHash, noise[0])!;
      expect(stored.images.map((im) => im.uncertainty)).toEqual([null, null, null]);
      expect(stored.images.map((im) => im.scores)).toEqual(r.images.map((im) => im.scores));
    } finally {
      store.close();
    }
  }, 120_000);
});
