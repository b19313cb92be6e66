// The test split's predictions that training stores carry the training-domain verdict, as any
// later prediction does: a real tiny image run (head mode) and a series run on CT phantoms; the
// stored verdict of each test-split image is what `lumen predictions --json` lists, and equals
// what `lumen predict` gives for the same image with the same package.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import type { ImageScores, PredictionResult } from '../../common/contract/models';
import { Library } from '../../electron/library/library';
import { PredictionStore } from '../../electron/library/predictions';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { trainClassifier } from '../../electron/training/train';
import { trainSeriesClassifier } from '../../electron/training/mil-train';
import { initBackend } from '../../models/runtime';
import { writePhantomSet } from './phantoms';

let root: string;
let library: Library;
let seriesUids: string[] = [];
const runs: { kind: string; dir: string; hash: string }[] = [];

const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));

/** The test split's stored predictions of a package: one result per series that has any. */
function storedTestSplit(hash: string): { uid: string; result: PredictionResult }[] {
  const store = new PredictionStore(library.dir);
  try {
    return seriesUids.map((uid) => ({ uid, result: store.latestForSeries(hash, uid) })).filter((s): s is { uid: string; result: PredictionResult } => s.result !== null);
  } finally {
    store.close();
  }
}

const key = (im: Pick<ImageScores, 'sopInstanceUid' | 'frame'>) => `${im.sopInstanceUid}/${im.frame}`;

beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-domain-test-split-'));
  const train = writePhantomSet(path.join(root, 'train-dicom'), { patients: 24, slices: 2, seed: 431 });
  seriesUids = train.patients.map((p) => p.seriesUid);
  library = Library.open(path.join(root, 'library'));
  const report = await library.importPaths([train.dir]);
  expect(report.errors).toEqual([]);
  importLabelsCsvFile(library, train.csv, { author: 'tester' });
  const image = await trainClassifier({ library, out: path.join(root, 'image-pkg'), variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'head', augmentation: false, epochs: 5, seed: 5, cacheDir: path.join(root, 'cache') });
  runs.push({ kind: 'image run', dir: image.packageDir, hash: image.metadata.contentHash });
  const series = await trainSeriesClassifier({ library, out: path.join(root, 'series-pkg'), variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', seed: 6, epochs: 10, cacheDir: path.join(root, 'cache') });
  runs.push({ kind: 'series run', dir: series.packageDir, hash: series.metadata.contentHash });
}, 400_000);

afterAll(() => {
  library?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe("the test split's stored predictions carry the training-domain verdict", () => {
  for (const which of ['image run', 'series run']) {
    it(`${which}: every test-split image has a verdict, listed by lumen predictions and equal to lumen predict's`, async () => {
      const run = runs.find((r) => r.kind === which)!;
      const stored = storedTestSplit(run.hash);
      expect(stored.length).toBeGreaterThan(0);
      for (const { result } of stored) {
        expect(result.trainingDomain).toBe('recorded');
        for (const im of result.images) {
          expect(im.domain, `${which}: ${key(im)}`).not.toBeNull();
          expect(typeof im.domain!.outside).toBe('boolean');
          expect(im.domain!.threshold).toBeGreaterThan(0);
        }
      }
      const { uid, result } = stored[0];
      // What a user lists for the series (before lumen predict stores a newer prediction).
      const listed = await lumen(['predictions', '--series', uid, '--library', library.dir, '--json']);
      expect(listed.code, listed.stderr).toBe(0);
      const mine = JSON.parse(listed.stdout).predictions.find((p: PredictionResult) => p.modelHash === run.hash) as PredictionResult;
      expect(new Map(mine.images.map((im) => [key(im), im.domain]))).toEqual(new Map(result.images.map((im) => [key(im), im.domain])));
      // The same images predicted later by the same package: the same verdicts.
      const predicted = await lumen(['predict', '--model', run.dir, '--library', library.dir, '--series', uid, '--json']);
      expect(predicted.code, predicted.stderr).toBe(0);
      const p = JSON.parse(predicted.stdout) as PredictionResult;
      expect(p.images.length).toBe(result.images.length);
      const later = new Map(p.images.map((im) => [key(im), im.domain!]));
      for (const im of result.images) {
        const d = later.get(key(im))!;
        expect(d, key(im)).toBeDefined();
        expect(im.domain!.outside).toBe(d.outside);
        expect(im.domain!.reasons).toEqual(d.reasons);
        expect(im.domain!.threshold).toBe(d.threshold);
        expect(im.domain!.distance).toBeCloseTo(d.distance!, 3);
      }
    }, 120_000);
  }
});
