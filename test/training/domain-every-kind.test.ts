// Every kind of package gets the training-domain feature check, not only head mode: a
// fine-tuned network (its backbone changed, so the features are the final network's, computed
// after the fit through the prediction path), a network trained from scratch, and a series
// head (its slices' features before the series is pooled). Real runs on CT phantoms (a tiny
// backbone at 32 px): held-out CT is mostly inside, MR phantoms are outside for their
// modality, noise images for their feature score. `lumen models packages` gives each
// installed package's domain in one line (and says "header check only" or "domain unknown"
// for packages that lack the check or the record); `lumen models show` gives the full
// record. A tampered domain.bin is refused for every kind.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import type { ImageScores } from '../../common/contract/models';
import { Library } from '../../electron/library/library';
import { trainSeriesClassifier, type SeriesTrainResult } from '../../electron/training/mil-train';
import { splitByPatient } from '../../electron/training/dataset';
import { predictImages, predictSeries } from '../../electron/training/predict';
import { TrainingStore } from '../../electron/training/store';
import { trainClassifier, type TrainResult } from '../../electron/training/train';
import { createRunner } from '../../models/inference/runner';
import { loadPackage } from '../../models/package';
import { DOMAIN_BIN, readDomainDensity } from '../../models/package/domain';
import { initBackend } from '../../models/runtime';
import { domainLibrary, tamperedCopy } from './domain-data';

let root: string;
let dataDir: string;
let library: Library;
let finetune: TrainResult;
let scratch: TrainResult;
let series: SeriesTrainResult;
let finetuneSeconds = 0;
let like: string[] = [];
let mr = '';
let noise = '';

const lumen = (args: string[]) => runLumen(args, dataDir);
const models = () => path.join(dataDir, 'models');

/** An installed copy of the package at `from`, named `name`, changed by `edit` and `bin` (tamperedCopy). */
const tampered = (from: string, name: string, edit: (meta: any) => void, bin?: (bytes: Buffer) => Buffer | null) => tamperedCopy(from, path.join(models(), name), edit, bin);

/** The held-out CT, MR and noise images as a package scores them. */
async function judged(pkgDir: string): Promise<{ likes: ImageScores[]; mrImages: ImageScores[]; noiseImages: ImageScores[] }> {
  const likes: ImageScores[] = [];
  for (const uid of like) likes.push(...(await predictSeries({ library, packageDir: pkgDir, seriesUid: uid, store: false })).images);
  const mrImages = (await predictSeries({ library, packageDir: pkgDir, seriesUid: mr, store: false })).images;
  const noiseImages = (await predictSeries({ library, packageDir: pkgDir, seriesUid: noise, store: false })).images;
  return { likes, mrImages, noiseImages };
}

/** Held-out CT mostly inside (none for its header), MR outside for its modality, noise outside for its features. */
function expectJudged({ likes, mrImages, noiseImages }: Awaited<ReturnType<typeof judged>>, threshold: number, what: string): void {
  const dist = (ims: ImageScores[]) => ims.map((im) => im.domain!.distance!);
  console.log(`${what}: distances like ${dist(likes).map((x) => x.toFixed(1)).join(' ')}; mr ${dist(mrImages).map((x) => x.toFixed(1)).join(' ')}; noise ${dist(noiseImages).map((x) => x.toFixed(1)).join(' ')}; threshold ${threshold.toFixed(1)}`);
  expect(likes.length).toBeGreaterThan(0);
  for (const im of [...likes, ...mrImages, ...noiseImages]) expect(im.domain!.threshold).toBe(threshold);
  expect(likes.filter((im) => !im.domain!.outside).length).toBeGreaterThanOrEqual(Math.ceil(0.75 * likes.length));
  for (const im of likes) expect(im.domain!.reasons.filter((r) => !r.startsWith('unlike the training images'))).toEqual([]);
  for (const im of mrImages) {
    expect(im.domain!.outside).toBe(true);
    expect(im.domain!.reasons).toContain('modality MR; trained on CT');
  }
  const sorted = dist(likes).sort((a, b) => a - b);
  for (const im of noiseImages) {
    expect(im.domain!.outside).toBe(true);
    expect(im.domain!.distance).toBeGreaterThan(threshold);
    expect(im.domain!.distance).toBeGreaterThan(sorted[Math.floor(sorted.length / 2)]);
    expect(im.domain!.reasons).toEqual([expect.stringMatching(/^unlike the training images: score [\d.]+ > threshold [\d.]+$/)]);
  }
}

beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-domain-kinds-'));
  dataDir = path.join(root, 'data');
  mkdirSync(models(), { recursive: true });
  ({ library, like, mr, noise } = await domainLibrary(root, { trainSeed: 421, uidRoot: '1.2.826.0.1.3680043.10.95', mrSeed: 5100, noiseSeed: 7102, idSuffix: '9' }));
  const started = performance.now();
  finetune = await trainClassifier({
    library, out: path.join(models(), 'finetuned'), name: 'finetuned', variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'finetune', allowCpuFineTune: true, epochs: 2, batchSize: 32, learningRate: 3e-3, seed: 6, augmentation: false, cacheDir: path.join(root, 'cache'),
  });
  finetuneSeconds = (performance.now() - started) / 1000;
  scratch = await trainClassifier({ library, out: path.join(root, 'scratch'), variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'scratch', epochs: 1, batchSize: 32, seed: 6, augmentation: false, cacheDir: path.join(root, 'cache') });
  series = await trainSeriesClassifier({ library, out: path.join(models(), 'series-head'), name: 'series-head', variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', seed: 6, epochs: 20, cacheDir: path.join(root, 'cache') });
}, 400_000);

afterAll(() => {
  library?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a fine-tuned package has the feature check, on the final network', () => {
  it('records a density of the final network\'s features of the training split and a threshold from validation', async () => {
    const pkg = await loadPackage(finetune.packageDir);
    const f = pkg.metadata.domain!.features!;
    const trainImages = Object.values(finetune.split.patients).filter((s) => s === 'train').length * 2;
    expect(f.train.n).toBe(trainImages);
    expect(f.validation.n).toBe(finetune.validation.n);
    expect(f.threshold).toBe(f.validation.p99);
    expect(readdirSync(finetune.packageDir)).toContain(DOMAIN_BIN);
    expect(pkg.metadata.modelCard).toMatch(/## Training domain\n[\s\S]*Feature check: Mahalanobis distance/);
    expect(pkg.metadata.modelCard).not.toMatch(/Header check only/);
    const d = finetune.domainCheck!;
    expect(d).toMatchObject({ train: trainImages, validation: finetune.validation.n });
    console.log(`fine-tune run ${finetuneSeconds.toFixed(1)} s in all; the domain check's features (${d.train} training + ${d.validation} validation images through the prediction path) and fit: ${d.seconds.toFixed(2)} s`);
  });

  it("is the final network's: its mean is the package's own features' mean over the training split, not the initial backbone's", async () => {
    const pkg = await loadPackage(finetune.packageDir);
    const density = readDomainDensity(pkg.dir, pkg.metadata)!;
    // The same split the run made (same labels, same seed).
    const store = new TrainingStore(library);
    const labelled = store.labelledImages();
    store.close();
    const train = splitByPatient(labelled, { seed: 6 }).train;
    const runner = await createRunner({ package: pkg }, { features: true });
    let rows: Float32Array[];
    try {
      rows = (await predictImages(runner, pkg.metadata.preprocessing, train, { features: true })).features!;
    } finally {
      await runner.dispose();
    }
    expect(rows.length).toBe(train.length);
    const mean = Array.from({ length: density.features }, (_, j) => rows.reduce((a, r) => a + r[j], 0) / rows.length);
    const gap = (m: ArrayLike<number>) => Math.max(...mean.map((x, j) => Math.abs(x - m[j])));
    const scale = Math.max(...mean.map(Math.abs));
    // The series head was trained on the same split with the same seed's backbone, frozen: its
    // density's mean is the initial backbone's, which fine-tuning moved.
    const initial = readDomainDensity(series.packageDir, series.metadata)!.mean;
    console.log(`feature means: final network vs domain.bin ${gap(density.mean).toExponential(2)}; vs the initial backbone ${gap(initial).toExponential(2)} (largest |mean| ${scale.toExponential(2)})`);
    expect(gap(density.mean)).toBeLessThan(1e-4 * scale);
    expect(gap(initial)).toBeGreaterThan(100 * gap(density.mean));
  }, 120_000);

  it('flags noise and MR phantoms as outside and keeps most held-out CT inside', async () => {
    const pkg = await loadPackage(finetune.packageDir);
    expectJudged(await judged(finetune.packageDir), pkg.metadata.domain!.features!.threshold, 'fine-tune');
  }, 120_000);
});

describe('a from-scratch package has it too', () => {
  it('flags noise and MR phantoms as outside and keeps most held-out CT inside', async () => {
    const pkg = await loadPackage(scratch.packageDir);
    const f = pkg.metadata.domain!.features!;
    expect(f.train.n).toBe(scratch.domainCheck!.train);
    expectJudged(await judged(scratch.packageDir), f.threshold, 'scratch');
  }, 120_000);
});

describe('a series-head package has the header record and the feature check on its slices', () => {
  it('records the training slices\' headers and their features\' density', async () => {
    const pkg = await loadPackage(series.packageDir);
    const d = pkg.metadata.domain!;
    expect(d.header.modalities).toEqual({ CT: d.header.images });
    expect(d.header.images).toBeGreaterThan(10);
    expect(d.features!.train.n).toBe(d.header.images);
    expect(readdirSync(series.packageDir)).toContain(DOMAIN_BIN);
    expect(pkg.metadata.modelCard).toMatch(/## Training domain\n\d+ training images from \d+ series of \d+ patients\./);
  });

  it('judges each slice before the series is pooled: noise and MR outside, held-out CT mostly inside', async () => {
    const pkg = await loadPackage(series.packageDir);
    const r = await predictSeries({ library, packageDir: series.packageDir, seriesUid: noise, store: false });
    expect(r.seriesHead).toBe(true);
    expect(r.trainingDomain).toBe('recorded');
    expectJudged(await judged(series.packageDir), pkg.metadata.domain!.features!.threshold, 'series head');
  }, 120_000);
});

describe('lumen models packages and lumen models show', () => {
  it('gives each installed package its training domain in one line, and says what a package lacks', async () => {
    tampered(finetune.packageDir, 'header-only', (m) => delete m.domain.features, () => null);
    tampered(finetune.packageDir, 'no-record', (m) => delete m.domain, () => null);
    const r = await lumen(['models', 'packages']);
    expect(r.code, r.stderr).toBe(0);
    const line = (name: string) => r.stdout.split('\n').find((l) => l.startsWith(`${name}  #`));
    const patients = (p: string) => (p === 'finetuned' ? finetune.metadata : series.metadata).domain!.header.patients;
    expect(line('finetuned')).toMatch(new RegExp(`^finetuned  #[0-9a-f]{12}  custom-phi-10 32px  3 classes  domain: CT, 64×64, ${patients('finetuned')} patients$`));
    expect(line('series-head')).toMatch(new RegExp(`  domain: CT, 64×64, ${patients('series-head')} patients$`));
    expect(line('finetuned')).not.toMatch(/header check only/);
    expect(r.stdout.split('\n').filter((l) => / domain: CT, 64×64, \d+ patients · header check only$/.test(l))).toHaveLength(1);
    expect(r.stdout.split('\n').filter((l) => l.endsWith('  domain unknown'))).toHaveLength(1);
    const json = JSON.parse((await lumen(['models', 'packages', '--json'])).stdout);
    expect(json.packages.map((p: any) => p.name).sort()).toEqual(['finetuned', 'finetuned', 'finetuned', 'series-head']);
    const ft = json.packages.find((p: any) => p.contentHash === finetune.metadata.contentHash);
    expect(ft.domainSummary).toBe(line('finetuned')!.split('  ').pop());
    expect(ft.domain.features.file).toBe(DOMAIN_BIN);
  }, 120_000);

  it('shows one package\'s full record, by content-hash prefix or folder, as the model card has it', async () => {
    const byHash = await lumen(['models', 'show', finetune.metadata.contentHash.slice(0, 12)]);
    expect(byHash.code, byHash.stderr).toBe(0);
    const card = finetune.metadata.modelCard!.split('## Training domain\n')[1].trim();
    expect(byHash.stdout).toContain(`Training domain\n${card}\n`);
    const byDir = await lumen(['models', 'show', series.packageDir, '--json']);
    expect(byDir.code, byDir.stderr).toBe(0);
    const j = JSON.parse(byDir.stdout);
    expect(j.contentHash).toBe(series.metadata.contentHash);
    expect(j.seriesHead).toBe(true);
    expect(j.domain).toEqual(series.metadata.domain);
    expect(j.trainingDomain.at(-1)).toMatch(/^Feature check: /);
    const missing = await lumen(['models', 'show', 'no-such-package']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No installed model package is named "no-such-package"/);
  }, 120_000);
});

describe('a tampered domain.bin is refused for every kind', () => {
  it('fine-tuned and series-head packages alike, and lumen models packages says why', async () => {
    for (const [kind, from] of [['finetune', finetune.packageDir], ['series', series.packageDir]] as const) {
      const short = tampered(from, `${kind}-short-bin`, () => {}, (b) => b.subarray(0, b.length - 4));
      await expect(loadPackage(short), kind).rejects.toThrow(/domain\.bin holds \d+ bytes, but a training-domain density of \d+ features and \d+ components needs \d+/);
      await expect(predictSeries({ library, packageDir: short, seriesUid: mr, store: false }), kind).rejects.toThrow(/^Model package /);
      const nan = tampered(from, `${kind}-nan-bin`, () => {}, (b) => {
        const c = Buffer.from(b);
        c.writeFloatLE(NaN, 8);
        return c;
      });
      await expect(loadPackage(nan), kind).rejects.toThrow(/domain\.bin holds values that are not finite numbers/);
    }
    const r = await lumen(['models', 'packages']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n').filter((l) => l.startsWith('not a usable package: ') && /domain\.bin/.test(l))).toHaveLength(4);
    const byDir = await lumen(['models', 'show', path.join(models(), 'series-nan-bin')]);
    expect(byDir.code).toBe(1);
    expect(byDir.stderr).toMatch(/domain\.bin holds values that are not finite numbers/);
  }, 120_000);
});
