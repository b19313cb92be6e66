// Is this image like the training data? A real training run (head mode, a tiny backbone, CT
// phantoms) records its training split's domain in the package (metadata.json's `domain`, the
// feature density in domain.bin); predictions then carry `domain: { outside, reasons }`: a CT
// phantom from the same generator is inside, an MR phantom is outside for its modality, a noise
// image for its feature distance above the package's threshold. A package without the record
// predicts with "training domain unknown"; a tampered one is refused.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import type { ImageScores } from '../../common/contract/models';
import { Library } from '../../electron/library/library';
import { PredictionStore } from '../../electron/library/predictions';
import { ResultsStore } from '../../electron/results/store';
import { predictionTable } from '../../electron/results/tables';
import { predict, predictSeries } from '../../electron/training/predict';
import { TrainingStore } from '../../electron/training/store';
import { createRunner } from '../../models/inference/runner';
import { trainClassifier, type TrainResult } from '../../electron/training/train';
import { loadPackage, savePackage } from '../../models/package';
import { DOMAIN_BIN, readDomainDensity } from '../../models/package/domain';
import { featureDistance } from '../../models/training/ood';
import { initBackend } from '../../models/runtime';
import { domainLibrary, tamperedCopy } from './domain-data';

let root: string;
let library: Library;
let result: TrainResult;
let pkgDir: string;
let like: string[] = [];
let mr = '';
let noise = '';

const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));

/** A copy of the package under `root`/`name`, changed by `edit` and `bin` (tamperedCopy). */
const tampered = (name: string, edit: (meta: any) => void, bin?: (bytes: Buffer) => Buffer | null) => tamperedCopy(pkgDir, path.join(root, name), edit, bin);

beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-domain-'));
  ({ library, like, mr, noise } = await domainLibrary(root, { trainSeed: 411, uidRoot: '1.2.826.0.1.3680043.10.97', mrSeed: 5000, noiseSeed: 7002, idSuffix: '1' }));
  pkgDir = path.join(root, 'pkg');
  result = await trainClassifier({ library, out: pkgDir, variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'head', augmentation: false, epochs: 10, seed: 5, cacheDir: path.join(root, 'cache') });
}, 300_000);

afterAll(() => {
  library?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the training domain in the package', () => {
  it("records the training split's headers and a feature density, shown in the model card and the report", async () => {
    const pkg = await loadPackage(pkgDir);
    const d = pkg.metadata.domain!;
    // One series of two slices per patient: the training split's patients give every count.
    const trainImages = Object.values(result.split.patients).filter((s) => s === 'train').length;
    expect(trainImages).toBeGreaterThan(10);
    expect(d.header.patients).toBe(trainImages);
    expect(d.header.images).toBe(2 * trainImages);
    expect(d.header.series).toBe(trainImages);
    expect(d.header.modalities).toEqual({ CT: 2 * trainImages });
    expect(d.header.photometric).toEqual({ MONOCHROME2: 2 * trainImages });
    expect(d.header.bodyParts).toEqual({});
    expect(d.header.rows).toEqual({ min: 64, max: 64 });
    expect(d.header.bitsStored).toEqual([16]);
    expect(d.header.pixelSpacing).toBeNull();
    const f = d.features!;
    expect(f.train.n).toBe(2 * trainImages);
    expect(f.threshold).toBe(f.validation.p99);
    expect(f.threshold).toBeGreaterThan(0);
    expect(pkg.metadata.formatVersion).toBe(2);
    expect(readdirSync(pkgDir)).toContain(DOMAIN_BIN);
    expect(pkg.metadata.modelCard).toMatch(/## Training domain\n\d+ training images from \d+ series of \d+ patients\.\nModality: CT \d+/);
    expect(readFileSync(result.reportPath, 'utf8')).toMatch(/<h2>Training domain<\/h2>.*Modality: CT \d+/s);
    console.log(`domain: ${f.method}; threshold ${f.threshold.toFixed(2)} (validation n ${f.validation.n}, median ${f.validation.p50.toFixed(2)})`);
  });
});

describe('each prediction says whether its image is like the training data', () => {
  it('a CT phantom from the same generator is inside; an MR phantom is outside for its modality; noise for its feature score', async () => {
    const pkg = await loadPackage(pkgDir);
    const threshold = pkg.metadata.domain!.features!.threshold;
    const likes: ImageScores[] = [];
    for (const uid of like) likes.push(...(await predictSeries({ library, packageDir: pkgDir, seriesUid: uid })).images);
    const mrImages = (await predictSeries({ library, packageDir: pkgDir, seriesUid: mr })).images;
    const noiseResult = await predictSeries({ library, packageDir: pkgDir, seriesUid: noise });
    expect(noiseResult.trainingDomain).toBe('recorded');
    const dist = (ims: typeof likes) => ims.map((im) => im.domain!.distance!);
    console.log(`distances: like ${dist(likes).map((x) => x.toFixed(1)).join(' ')}; mr ${dist(mrImages).map((x) => x.toFixed(1)).join(' ')}; noise ${dist(noiseResult.images).map((x) => x.toFixed(1)).join(' ')}; threshold ${threshold.toFixed(1)}`);
    // Held-out CT like the training images: most within the threshold (the validation split's 99th
    // percentile), the median clearly so, and none outside for its header.
    const inside = likes.filter((im) => !im.domain!.outside);
    expect(inside.length).toBeGreaterThanOrEqual(Math.ceil(0.75 * likes.length));
    const sorted = dist(likes).sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(threshold);
    for (const im of likes) expect(im.domain!.reasons.filter((r) => !r.startsWith('unlike the training images'))).toEqual([]);
    // MR: outside, its modality named.
    for (const im of mrImages) {
      expect(im.domain!.outside).toBe(true);
      expect(im.domain!.reasons).toContain('modality MR; trained on CT');
    }
    // Noise written as CT: its header fits; its features do not, by the numbers the package gives.
    for (const im of noiseResult.images) {
      expect(im.domain!.outside).toBe(true);
      expect(im.domain!.distance).toBeGreaterThan(threshold);
      expect(im.domain!.threshold).toBe(threshold);
      expect(im.domain!.reasons).toHaveLength(1);
      const said = /^unlike the training images: score ([\d.]+) > threshold ([\d.]+)$/.exec(im.domain!.reasons[0])!;
      expect(said, im.domain!.reasons[0]).not.toBeNull();
      expect(Math.abs(Number(said[1]) - im.domain!.distance!)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(Number(said[2]) - threshold)).toBeLessThanOrEqual(0.5);
      expect(im.domain!.distance).toBeGreaterThan(sorted[Math.floor(sorted.length / 2)]);
    }
  }, 120_000);

  it("the app's Run (scores and heatmaps from one pass) judges the images as lumen predict does", async () => {
    const pkg = await loadPackage(pkgDir);
    const plain = await predictSeries({ library, packageDir: pkgDir, seriesUid: noise, store: false });
    const store = new TrainingStore(library);
    const images = store.images(noise);
    store.close();
    const runner = await createRunner({ package: pkg });
    try {
      const run = await predict({ library, runner, pkg, images, activations: true, store: false });
      expect(run.images.map((im) => im.domain!.outside)).toEqual(plain.images.map((im) => im.domain!.outside));
      run.images.forEach((im, i) => expect(im.domain!.distance).toBeCloseTo(plain.images[i].domain!.distance!, 2));
    } finally {
      await runner.dispose();
    }
  }, 120_000);

  it("the distance is the density's: recomputed from the package's domain.bin and the features training cached", async () => {
    const pkg = await loadPackage(pkgDir);
    const density = readDomainDensity(pkgDir, pkg.metadata)!;
    expect(density.features).toBe(pkg.metadata.domain!.features!.features);
    expect(density.variances.length).toBe(pkg.metadata.domain!.features!.components);
    // A feature vector at the training mean is the closest possible: distance 0.
    expect(featureDistance(density, density.mean)).toBeCloseTo(0, 6);
  });

  it('is stored with the prediction and given by lumen predict (text and --json)', async () => {
    const predicted = await lumen(['predict', '--model', pkgDir, '--library', library.dir, '--series', mr, '--json']);
    expect(predicted.code, predicted.stderr).toBe(0);
    const p = JSON.parse(predicted.stdout);
    expect(p.trainingDomain).toBe('recorded');
    for (const im of p.images) {
      expect(im.domain.outside).toBe(true);
      expect(im.domain.reasons).toContain('modality MR; trained on CT');
    }
    const store = new PredictionStore(library.dir);
    try {
      const stored = store.latestForSeries(p.modelHash, mr)!;
      expect(stored.trainingDomain).toBe('recorded');
      const key = (im: { sopInstanceUid: string; frame: number }) => `${im.sopInstanceUid}/${im.frame}`;
      expect(new Map(stored.images.map((im) => [key(im), im.domain]))).toEqual(new Map(p.images.map((im: any) => [key(im), im.domain])));
    } finally {
      store.close();
    }
    const text = await lumen(['predict', '--model', pkgDir, '--library', library.dir, '--series', noise]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/⚠ Outside the training data: 2 of 2 images\n {4}unlike the training images: score above threshold [\d.]+ \(2 images\)/);
    expect(text.stdout).not.toMatch(/Training domain unknown/);
    const listed = await lumen(['predictions', '--series', mr, '--library', library.dir]);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(/frame 1: \w+ [\d.]+ .*· ⚠ outside the training data: modality MR; trained on CT/);
  }, 180_000);

  it("is in the exported predictions' table (lumen export --csv/--json predictions)", () => {
    const results = new ResultsStore(library);
    try {
      const rows = predictionTable(results, { seriesInstanceUid: mr }, result.metadata.contentHash).rows;
      expect(rows.length).toBe(2 * 3);
      for (const row of rows) {
        expect(row.outsideTrainingData).toBe(true);
        expect(row.trainingDataReasons).toContain('modality MR; trained on CT');
      }
      const like0 = predictionTable(results, { seriesInstanceUid: like[0] }, result.metadata.contentHash).rows;
      expect(like0.length).toBeGreaterThan(0);
      for (const row of like0) expect(typeof row.outsideTrainingData).toBe('boolean');
    } finally {
      results.close();
    }
  });
});

describe('packages without the record, and tampered ones', () => {
  it('a package without the field loads and predicts, its images unjudged, "training domain unknown" said once', async () => {
    const dir = tampered('no-domain', (m) => {
      delete m.domain;
    }, () => null);
    const pkg = await loadPackage(dir);
    expect(pkg.metadata.domain).toBeUndefined();
    const r = await predictSeries({ library, packageDir: dir, seriesUid: mr, store: false });
    expect(r.trainingDomain).toBe('unknown');
    for (const im of r.images) expect(im.domain).toBeNull();
    const text = await lumen(['predict', '--model', dir, '--library', library.dir]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.match(/Training domain unknown/g)).toHaveLength(1);
    expect(text.stdout).not.toMatch(/Outside the training data/);
  }, 120_000);

  it('a threshold that is not a finite number, a density of the wrong size, NaN in domain.bin or huge sizes are refused with a clear message', async () => {
    const cases: [string, (m: any) => void, ((b: Buffer) => Buffer | null) | undefined, RegExp][] = [
      ['nan-threshold', (m) => (m.domain.features.threshold = 'NaN'), undefined, /invalid metadata\.json: domain\.features\.threshold: /],
      ['null-threshold', (m) => (m.domain.features.threshold = null), undefined, /domain\.features\.threshold/],
      ['wrong-components', (m) => (m.domain.features.components -= 1), undefined, /domain\.bin holds \d+ bytes, but a training-domain density of \d+ features and \d+ components needs \d+/],
      ['short-bin', () => {}, (b) => b.subarray(0, b.length - 4), /domain\.bin holds \d+ bytes/],
      ['nan-bin', () => {}, (b) => {
        const c = Buffer.from(b);
        c.writeFloatLE(NaN, 8);
        return c;
      }, /domain\.bin holds values that are not finite numbers/],
      ['huge', (m) => (m.domain.features.components = 1_000_000), undefined, /domain\.features\.components/],
      ['missing-bin', () => {}, () => null, /missing or unreadable file domain\.bin/],
    ];
    for (const [name, edit, bin, message] of cases) {
      const dir = tampered(name, edit, bin);
      await expect(loadPackage(dir), name).rejects.toThrow(message);
      await expect(predictSeries({ library, packageDir: dir, seriesUid: mr, store: false }), name).rejects.toThrow(/^Model package /);
    }
    // Nor is such a package written: metadata naming domain.bin without the file is refused on save.
    const pkg = await loadPackage(pkgDir, { loadModel: true });
    try {
      const { contentHash: _h, formatVersion: _f, layout: _l, ...meta } = pkg.metadata;
      await expect(savePackage(path.join(root, 'saved-without-bin'), pkg.model!, meta, { files: {} })).rejects.toThrow(/missing or unreadable file domain\.bin/);
    } finally {
      pkg.model!.dispose();
    }
  }, 120_000);
});
