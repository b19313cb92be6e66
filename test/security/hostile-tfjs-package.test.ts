// A model package whose content hash matches (anyone can recompute it) but whose model.json
// does not fit its weights, or names a layer TF.js does not know: loading it must fail with a
// message naming the package and what is wrong, not TF.js's bare text.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPackage } from '../../models/package/package';
import { rehashedCopy, saveTinyNetPackage } from '../support/tiny-package';

let dir: string;
let good: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-hostile-tfjs-'));
  good = path.join(dir, 'good');
  await saveTinyNetPackage(good, 'tfjs test');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let copies = 0;
/** A copy of the good package with model.json changed and the content hash made to match again. */
function hostileCopy(change: (modelJson: any) => void): string {
  return rehashedCopy(good, path.join(dir, `hostile-${copies++}`), (pkgDir) => {
    const modelFile = path.join(pkgDir, 'model.json');
    const modelJson = JSON.parse(readFileSync(modelFile, 'utf8'));
    change(modelJson);
    writeFileSync(modelFile, JSON.stringify(modelJson));
  });
}

describe('TF.js errors from a damaged package', () => {
  it('the good package loads (the control)', async () => {
    const pkg = await loadPackage(good, { loadModel: true });
    expect(pkg.model).toBeDefined();
    pkg.model!.dispose();
  });

  // Caught before TF.js builds anything (models/package/weight-shapes.ts): the layer, the shape
  // model.json declares and the one the layer needs, and the bytes against the weight files.
  it('weights that do not fit the layers: names the package, the layer, both shapes and the weight files', async () => {
    const pkgDir = hostileCopy((m) => {
      const spec = m.weightsManifest[0].weights.find((w: { shape: number[] }) => w.shape.length === 4);
      spec.shape = [...spec.shape.slice(0, 3), spec.shape[3] * 2];
    });
    const err = await loadPackage(pkgDir, { loadModel: true }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    const spec = JSON.parse(readFileSync(path.join(pkgDir, 'model.json'), 'utf8')).weightsManifest[0].weights.find((w: { shape: number[] }) => w.shape.length === 4);
    const shape = (spec.shape as number[]).join('×');
    expect(err!.message).toMatch(new RegExp(`^Model package ${pkgDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: model\\.json declares ${spec.name} as ${shape}, but layer \\S+ has .*; model\\.json's weights need \\d+ bytes, the weight files hold \\d+ bytes \\(group1-shard1of1\\.bin\\)`));
    expect(err!.message.split('\n')).toHaveLength(1);
  });

  it('a layer TF.js does not know: names the package and model.json, without TF.js\'s text', async () => {
    const pkgDir = hostileCopy((m) => {
      const layers = m.modelTopology.model_config?.config?.layers ?? m.modelTopology.config.layers;
      layers[layers.length - 2].class_name = 'NotALayer';
    });
    const err = await loadPackage(pkgDir, { loadModel: true }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err!.message).toBe(`Model package ${pkgDir}: model.json does not describe a model TF.js can build; the package is damaged or was not written by Lumen. Export it again from the library it came from.`);
  });
});
