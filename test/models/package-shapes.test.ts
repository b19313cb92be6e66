// A package whose model.json declares weight shapes its weight files or its layers do not
// have (its content hash made right again, as a buggy or hostile exporter can) is refused when
// the folder is opened and when its .lumenpkg is imported, naming the layer and both sizes;
// nothing of it is left in the models folder. Before, it was listed and used and failed only
// when a heatmap loaded the TF.js weights.
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPackageArchive, importPackageArchive } from '../../models/package/archive';
import type { PackageMetadataInput } from '../../models/package/metadata';
import { contentHash, loadPackage, savePackage } from '../../models/package/package';
import { tinyNet } from './onnx-helpers';

let dir: string;
let good: string;
const meta: PackageMetadataInput = {
  name: 'Shapes (test)',
  variant: 'b0',
  inputSize: 32,
  preprocessing: { window: { center: 40, width: 400 }, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  classNames: ['none', 'lesion'],
  task: 'multiclass',
  metrics: {},
  provenance: {},
};

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-package-shapes-'));
  good = path.join(dir, 'good');
  await savePackage(good, tinyNet({ size: 32, classes: 2, seed: 3 }), meta);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the good package with model.json's weight `name` declared with `shape`, its content hash recomputed. */
function withWeightShape(name: string, shape: number[], to: string): string {
  const out = path.join(dir, to);
  mkdirSync(out);
  for (const f of readdirSync(good)) writeFileSync(path.join(out, f), readFileSync(path.join(good, f)));
  const modelJson = JSON.parse(readFileSync(path.join(out, 'model.json'), 'utf8'));
  const w = modelJson.weightsManifest[0].weights.find((x: { name: string }) => x.name === name);
  expect(w, name).toBeDefined();
  w.shape = shape;
  writeFileSync(path.join(out, 'model.json'), JSON.stringify(modelJson));
  const m = JSON.parse(readFileSync(path.join(out, 'metadata.json'), 'utf8'));
  m.contentHash = contentHash(out, m);
  writeFileSync(path.join(out, 'metadata.json'), JSON.stringify(m));
  return out;
}

describe('model.json weight shapes against the weight files and the layers', () => {
  it('the package as saved opens', async () => {
    await expect(loadPackage(good)).resolves.toMatchObject({ metadata: { name: 'Shapes (test)' } });
  });

  it('a kernel declared bigger than the weight files hold: refused as a folder, naming the layer and the sizes', async () => {
    const bad = withWeightShape('stem_conv/kernel', [3, 3, 3, 999], 'bigger');
    const shard = readFileSync(path.join(good, 'group1-shard1of1.bin')).length;
    const err = await loadPackage(bad).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    const msg = (err as Error).message;
    expect(msg).toContain('stem_conv/kernel');
    expect(msg).toContain('3×3×3×999');
    expect(msg).toMatch(/layer stem_conv has 8 filters/);
    expect(msg).toContain(`the weight files hold ${shard} bytes`);
    expect(msg).toMatch(/model\.json.s weights need \d+ bytes/);
  });

  it('a kernel with its sizes swapped (the same bytes) is refused by its layer', async () => {
    const bad = withWeightShape('stem_conv/kernel', [3, 3, 8, 3], 'swapped');
    await expect(loadPackage(bad)).rejects.toThrow(/model\.json declares stem_conv\/kernel as 3×3×8×3, but layer stem_conv has 8 filters/);
  });

  it('a shape with a negative, fractional or huge size is refused as not a list of sizes, or by its bytes', async () => {
    await expect(loadPackage(withWeightShape('stem_conv/kernel', [3, 3, 3, -8], 'negative'))).rejects.toThrow(/stem_conv\/kernel with shape \[3,3,3,-8\], not a list of sizes/);
    await expect(loadPackage(withWeightShape('stem_conv/kernel', [3, 3, 3, 2.5], 'fractional'))).rejects.toThrow(/stem_conv\/kernel with shape \[3,3,3,2\.5\], not a list of sizes/);
    // 2^60 elements: no overflow into a match, the sizes disagree with the layer and the files.
    await expect(loadPackage(withWeightShape('stem_conv/kernel', [3, 3, 3, 2 ** 60], 'huge'))).rejects.toThrow(/stem_conv\/kernel/);
  });

  it('a .lumenpkg holding such a package is refused on import; nothing is left in the models folder', async () => {
    const bad = withWeightShape('stem_conv/kernel', [3, 3, 3, 999], 'bigger-archive');
    // Exporting verifies the package too, so the bad one cannot be exported.
    const archive = path.join(dir, 'bad.lumenpkg');
    await expect(exportPackageArchive(bad, archive)).rejects.toThrow(/stem_conv\/kernel/);
    // A hostile archive: the good package's tar with the bad model.json and metadata.json in place of the good ones.
    await exportPackageArchive(good, archive);
    const tar = readFileSync(archive);
    const swapped = swapTarEntries(tar, { 'model.json': readFileSync(path.join(bad, 'model.json')), 'metadata.json': readFileSync(path.join(bad, 'metadata.json')) });
    writeFileSync(archive, swapped);
    const models = path.join(dir, 'models');
    mkdirSync(models);
    await expect(importPackageArchive(archive, path.join(models, 'imported'))).rejects.toThrow(/Model package archive bad\.lumenpkg: .*stem_conv\/kernel as 3×3×3×999/);
    expect(existsSync(path.join(models, 'imported'))).toBe(false);
    expect(readdirSync(models)).toEqual([]);
  });
});

/** A ustar archive with the named entries' contents replaced (sizes and checksums rewritten). */
function swapTarEntries(tar: Buffer, replace: Record<string, Buffer>): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  while (at + 512 <= tar.length) {
    const h = Buffer.from(tar.subarray(at, at + 512));
    if (h.every((b) => b === 0)) break;
    const name = h.subarray(0, 100).toString('latin1').replace(/\0.*$/s, '');
    const size = parseInt(h.subarray(124, 136).toString('latin1').replace(/\0.*$/s, '').trim(), 8);
    const body = tar.subarray(at + 512, at + 512 + size);
    const next = replace[name] ?? body;
    h.write(next.length.toString(8).padStart(11, '0') + '\0', 124, 12, 'latin1');
    h.fill(32, 148, 156);
    let sum = 0;
    for (const b of h) sum += b;
    h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 8, 'latin1');
    out.push(h, next, Buffer.alloc((512 - (next.length % 512)) % 512));
    at += 512 + Math.ceil(size / 512) * 512;
  }
  out.push(Buffer.alloc(1024));
  return Buffer.concat(out);
}
