// `lumen train`, `lumen predict` and `lumen eval` as a user runs them (spawned, --json).
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedLibrary, runLumen } from '../support/cli';
import { writePhantomSet, type PhantomSet } from './phantoms';

let root: string;
let set: PhantomSet;
let library: string;

const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));

beforeAll(async () => {
  ({ root, library, set } = await importedLibrary('train-cli', (dir) => writePhantomSet(dir, { patients: 30, slices: 1, seed: 9 })));
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('lumen train / predict / eval', () => {
  it('trains, predicts per image and per series, and evaluates the package on held-out patients', async () => {
    const out = path.join(root, 'pkg');
    const trained = await lumen(['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-6', '--resolution', '48', '--epochs', '12', '--seed', '4', '--out', out, '--window', 'ct-abdomen', '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    const t = JSON.parse(trained.stdout);
    expect(t.labels.labelled.series).toBe(30);
    expect(t.classNames).toEqual(['elongated', 'none', 'round']);
    expect(t.test.n).toBeGreaterThan(0);
    expect(t.package.metrics['test.auc']).toBeCloseTo(t.test.auc, 12);
    expect(Object.keys(t.split.patients)).toHaveLength(30);

    const series = set.patients[0].seriesUid;
    const predicted = await lumen(['predict', '--model', out, '--library', library, '--series', series, '--json']);
    expect(predicted.code, predicted.stderr).toBe(0);
    const p = JSON.parse(predicted.stdout);
    expect(p.modelHash).toBe(t.package.contentHash);
    expect(p.images).toHaveLength(1);
    expect(p.images[0].scores).toHaveLength(3);
    expect(p.series[0]).toMatchObject({ seriesInstanceUid: series, images: 1 });

    const evaluated = await lumen(['eval', '--model', out, '--library', library, '--labels', set.csv, '--json']);
    expect(evaluated.code, evaluated.stderr).toBe(0);
    const e = JSON.parse(evaluated.stdout);
    expect(e.subset).toBe('held-out');
    expect(e.evaluation.n).toBe(t.test.n);
    expect(e.evaluation.confusion).toEqual(t.test.confusion);
    expect(e.evaluation.auc).toBeCloseTo(t.test.auc, 3);
  }, 300_000);

  it('says why fine-tuning is unavailable on a CPU backend', async () => {
    const r = await lumen(['train', '--library', library, '--variant', 'b0', '--out', path.join(root, 'ft'), '--fine-tune', '--backend', 'wasm']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/convolution gradients|GPU backend/);
  }, 120_000);

  it('lumen bench train reports feature extraction (images/s) and head training time on cached vectors', async () => {
    const r = await lumen(['bench', 'train', '--variant', 'custom-phi-6', '--resolution', '64', '--images', '16', '--vectors', '200', '--epochs', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const b = JSON.parse(r.stdout);
    expect(b.featureExtraction).toMatchObject({ runtime: expect.stringContaining('onnxruntime'), variant: 'custom-phi-6', resolution: 64 });
    expect(b.featureExtraction.imagesPerSecond).toBeGreaterThan(0);
    expect(b.headTraining).toMatchObject({ vectors: 200, epochs: 2 });
    expect(b.headTraining.seconds).toBeGreaterThan(0);
    // Three separable classes: the head learns them (the loss falls below log 3).
    expect(b.headTraining.finalLoss).toBeLessThan(Math.log(3));
  }, 120_000);
});
