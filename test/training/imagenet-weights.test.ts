// ImageNet weights: import from disk, download with resume and hash check, the CLI. The
// real Keras files cannot be fetched here, so the tests make .h5 files in the exact layout
// and names Keras publishes (efficientnetb0_notop.h5: every layer of EfficientNet-B0 without
// the top, plus Keras' Normalization layer) from Lumen's own B0.
import * as tf from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEfficientNet } from '../../models';
import { loadPackage } from '../../models/package';
import { hashFile, saveKerasH5Weights } from '../../models/weights';
import { imagenetBackbone, importImagenetWeights, listImagenetWeights } from '../../electron/training/imagenet';
import { downloadImagenetWeights } from '../../electron/training/weights-download';
import { kerasNormalization, tinyNet } from '../models/onnx-helpers';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { trainClassifier } from '../../electron/training/train';
import { writePhantomSet } from './phantoms';

const run = promisify(execFile);
let dir: string;
let b0File: string;
let b0Md5: string;

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-imagenet-'));
  const source = buildEfficientNet('b0', { inputSize: 64, includeTop: false, seed: 7 });
  b0File = path.join(dir, 'efficientnetb0_notop.h5');
  await saveKerasH5Weights(source, b0File, { extraLayers: [kerasNormalization()] });
  source.dispose();
  b0Md5 = (await hashFile(b0File)).md5;
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshDataDir(name: string): string {
  return mkdtempSync(path.join(dir, `${name}-`));
}

describe('importing Keras ImageNet weights', () => {
  it('checks the layers, stores a B0 backbone package and lists it; the weights are the file\'s', async () => {
    const dataDir = freshDataDir('import');
    const record = await importImagenetWeights({ dataDir, file: b0File });
    expect(record).toMatchObject({ variant: 'b0', file: 'efficientnetb0_notop.h5', md5: b0Md5, published: null });
    // A made file is not the published one, and the record says so.
    expect(record.check).toContain('does NOT match the published hash of Keras\' efficientnetb0_notop.h5');
    expect(listImagenetWeights(dataDir)).toEqual([record]);
    expect(imagenetBackbone(dataDir, 'b0')).toBe(path.join(dataDir, 'weights', 'imagenet-b0'));
    expect(imagenetBackbone(dataDir, 'b1')).toBeNull();

    const pkg = await loadPackage(record.packageDir, { loadModel: true });
    expect(pkg.metadata.variant).toBe('b0');
    expect(pkg.metadata.provenance.sourceWeights).toEqual({ file: 'efficientnetb0_notop.h5', sha256: record.sha256 });
    const again = buildEfficientNet('b0', { inputSize: 64, includeTop: false, seed: 7 });
    for (const layer of ['stem_conv', 'block4b_dwconv', 'top_bn']) {
      const want = again.getLayer(layer).getWeights().map((w) => Array.from(w.dataSync()));
      const got = pkg.model!.getLayer(layer).getWeights().map((w) => Array.from(w.dataSync()));
      expect(got).toEqual(want);
    }
    again.dispose();
    pkg.model!.dispose();
  }, 180_000);

  it('guesses the variant from the layers when the name says nothing, and refuses the wrong variant or file clearly', async () => {
    const dataDir = freshDataDir('guess');
    const renamed = path.join(dir, 'my-weights.h5');
    copyFileSync(b0File, renamed);
    expect((await importImagenetWeights({ dataDir, file: renamed })).variant).toBe('b0');

    await expect(importImagenetWeights({ dataDir, file: b0File, variant: 'b3' })).rejects.toThrow(
      'efficientnetb0_notop.h5 is not EfficientNet-B3 weights: its layers have a 32-channel stem, 16 blocks and a 1280-channel top (that is EfficientNet-B0); B3 has a 40-channel stem, 26 blocks and a 1536-channel top.',
    );
    const misnamed = path.join(dir, 'efficientnetb2_notop.h5');
    copyFileSync(b0File, misnamed);
    await expect(importImagenetWeights({ dataDir, file: misnamed })).rejects.toThrow(/efficientnetb2_notop\.h5 is not EfficientNet-B2 weights: .*\(that is EfficientNet-B0\)/);

    const tiny = path.join(dir, 'tiny.h5');
    await saveKerasH5Weights(tinyNet({ size: 32 }), tiny);
    await expect(importImagenetWeights({ dataDir, file: tiny })).rejects.toThrow('tiny.h5: cannot tell which EfficientNet it is: its layers have a 8-channel stem, 1 blocks and a 24-channel top, which matches none of B0..B7');
    const junk = path.join(dir, 'efficientnetb1.h5');
    writeFileSync(junk, 'not an HDF5 file at all');
    await expect(importImagenetWeights({ dataDir, file: junk })).rejects.toThrow(/not an HDF5 file.*Choose a Keras EfficientNet file/);
    await expect(importImagenetWeights({ dataDir, file: b0File, variant: 'v2-s' })).rejects.toThrow('ImageNet weights exist for b0..b7 only');
    // Only the good import is there.
    expect(listImagenetWeights(dataDir).map((w) => w.variant)).toEqual(['b0']);
  }, 180_000);
});

describe('training from imported ImageNet weights', () => {
  it('a head trains on the imported B0 backbone: every backbone weight is the file\'s', async () => {
    const dataDir = freshDataDir('train');
    const record = await importImagenetWeights({ dataDir, file: b0File });
    const phantoms = writePhantomSet(path.join(dataDir, 'dicom'), { patients: 12, slices: 1, size: 48, seed: 77 });
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      await library.importPaths([phantoms.dir]);
      importLabelsCsvFile(library, phantoms.csv, { author: 'tester' });
      const result = await trainClassifier({ library, out: path.join(dataDir, 'models', 'b0-imagenet-head'), variant: 'b0', resolution: 32, mode: 'head', backbonePackage: record.packageDir, augmentation: false, epochs: 2, seed: 1, cacheDir: path.join(dataDir, 'cache') });
      const training = result.metadata.provenance.training as { backbone: { weights: string } };
      expect(training.backbone.weights).toContain('package');
      // The package's backbone is the imported file's, weight for weight.
      const pkg = await loadPackage(result.packageDir, { loadModel: true });
      const source = buildEfficientNet('b0', { inputSize: 64, includeTop: false, seed: 7 });
      for (const layer of ['stem_conv', 'block6d_project_conv', 'top_conv']) {
        expect(pkg.model!.getLayer(layer).getWeights().map((w) => Array.from(w.dataSync()))).toEqual(source.getLayer(layer).getWeights().map((w) => Array.from(w.dataSync())));
      }
      source.dispose();
      pkg.model!.dispose();
    } finally {
      library.close();
    }
  }, 300_000);
});

/** Serves `file`, honouring Range; the first full request is cut after `cutAt` bytes. */
async function serve(file: string, opts: { cutAt?: number } = {}) {
  const bytes = readFileSync(file);
  const ranges: (string | null)[] = [];
  let cut = opts.cutAt !== undefined;
  const server = http.createServer((req, res) => {
    ranges.push(req.headers.range ?? null);
    const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    const start = m ? Number(m[1]) : 0;
    if (start >= bytes.length) {
      res.writeHead(416, { 'Content-Range': `bytes */${bytes.length}` }).end();
      return;
    }
    const body = bytes.subarray(start);
    res.writeHead(m ? 206 : 200, { 'Content-Length': body.length, ...(m ? { 'Content-Range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}) });
    if (cut) {
      cut = false;
      res.write(body.subarray(0, opts.cutAt), () => res.destroy());
      return;
    }
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { base, ranges, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe('downloading ImageNet weights', () => {
  it('resumes an interrupted download with Range, verifies the hash and imports it', async () => {
    const dataDir = freshDataDir('download');
    const size = readFileSync(b0File).length;
    const server = await serve(b0File, { cutAt: Math.floor(size / 3) });
    const published = { variant: 'b0' as const, file: 'efficientnetb0_notop.h5', includeTop: false, md5: b0Md5 };
    const partial = path.join(dataDir, 'weights', 'downloads', 'efficientnetb0_notop.h5.partial');
    try {
      const progress: number[] = [];
      await expect(downloadImagenetWeights({ dataDir, variant: 'b0', baseUrl: server.base, published, onProgress: (p) => progress.push(p.received) })).rejects.toThrow(/kept, and the next download resumes from there/);
      const kept = readFileSync(partial).length;
      expect(kept).toBeGreaterThan(0);
      expect(kept).toBeLessThan(size);
      expect(listImagenetWeights(dataDir)).toEqual([]);

      const messages: string[] = [];
      const record = await downloadImagenetWeights({ dataDir, variant: 'b0', baseUrl: server.base, published, onProgress: (p) => messages.push(p.message) });
      expect(server.ranges).toEqual([null, `bytes=${kept}-`]);
      expect(record.download.resumedFrom).toBe(kept);
      expect(record.md5).toBe(b0Md5);
      expect(messages.some((m) => m.includes('(resumed at'))).toBe(true);
      expect(readFileSync(path.join(dataDir, 'weights', 'downloads', 'efficientnetb0_notop.h5')).equals(readFileSync(b0File))).toBe(true);
      expect(existsSync(partial)).toBe(false);
      expect(listImagenetWeights(dataDir).map((w) => w.variant)).toEqual(['b0']);
    } finally {
      await server.close();
    }
  }, 180_000);

  it('refuses a file whose hash is not the published one, deleting it and importing nothing', async () => {
    const dataDir = freshDataDir('mismatch');
    const server = await serve(b0File);
    const published = { variant: 'b0' as const, file: 'efficientnetb0_notop.h5', includeTop: false, md5: '0'.repeat(32) };
    try {
      await expect(downloadImagenetWeights({ dataDir, variant: 'b0', baseUrl: server.base, published })).rejects.toThrow(
        `the downloaded efficientnetb0_notop.h5 does not match the published hash (expected MD5 ${'0'.repeat(32)}, got ${b0Md5}); it was deleted and nothing was imported`,
      );
      const downloads = path.join(dataDir, 'weights', 'downloads');
      expect(existsSync(path.join(downloads, 'efficientnetb0_notop.h5.partial'))).toBe(false);
      expect(existsSync(path.join(downloads, 'efficientnetb0_notop.h5'))).toBe(false);
      expect(listImagenetWeights(dataDir)).toEqual([]);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('checks a SHA-256 where the table has one: a right MD5 with a wrong SHA-256 is refused too', async () => {
    const dataDir = freshDataDir('sha256');
    const server = await serve(b0File);
    const published = { variant: 'b0' as const, file: 'efficientnetb0_notop.h5', includeTop: false, md5: b0Md5, sha256: 'f'.repeat(64) };
    try {
      await expect(downloadImagenetWeights({ dataDir, variant: 'b0', baseUrl: server.base, published })).rejects.toThrow(`(expected SHA-256 ${'f'.repeat(64)}, got `);
      expect(existsSync(path.join(dataDir, 'weights', 'downloads', 'efficientnetb0_notop.h5'))).toBe(false);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('says the machine looks offline when the host cannot be reached', async () => {
    const dataDir = freshDataDir('offline');
    await expect(downloadImagenetWeights({ dataDir, variant: 'b0', baseUrl: 'http://weights.invalid/' })).rejects.toThrow(/looks offline\. Import the file from disk instead/);
  }, 60_000);
});

describe('lumen weights', () => {
  it('imports with the variant guessed, lists as JSON, and fails clearly on a wrong file', async () => {
    const dataDir = freshDataDir('cli');
    const env = { ...process.env, LUMEN_DATA_DIR: dataDir };
    const lumen = (...args: string[]) => run(process.execPath, ['bin/lumen.mjs', 'weights', ...args], { env, maxBuffer: 1 << 22, timeout: 180_000 });
    expect(JSON.parse((await lumen('list', '--json')).stdout)).toEqual([]);
    const imported = JSON.parse((await lumen('import', b0File, '--json')).stdout);
    expect(imported).toMatchObject({ variant: 'b0', md5: b0Md5 });
    const list = JSON.parse((await lumen('list', '--json')).stdout);
    expect(list.map((w: { variant: string; packageDir: string }) => [w.variant, w.packageDir])).toEqual([['b0', path.join(dataDir, 'weights', 'imagenet-b0')]]);

    const wrong = await lumen('import', b0File, '--variant', 'b5').catch((e) => e);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('lumen weights: efficientnetb0_notop.h5 is not EfficientNet-B5 weights');
    expect(wrong.stderr).not.toMatch(/at .*\.ts:\d+/);
  }, 240_000);

  it('lumen train warns before a head on a random backbone, not from scratch; --imagenet needs imported weights', async () => {
    const dataDir = freshDataDir('train-warning');
    const env = { ...process.env, LUMEN_DATA_DIR: dataDir };
    const train = (...args: string[]) =>
      run(process.execPath, ['bin/lumen.mjs', 'train', '--library', path.join(dataDir, 'library'), '--out', path.join(dataDir, 'out'), '--backend', 'cpu', ...args], { env, maxBuffer: 1 << 22, timeout: 120_000 }).catch((e) => e);
    // An empty library: each run stops at "no labelled images", after what it says first.
    Library.open(path.join(dataDir, 'library')).close();
    const head = await train('--variant', 'custom-phi-4');
    expect(head.stderr).toContain('Warning: The backbone has random weights, and a head trained on random features is poor. On held-out phantoms, a B0 head on random features reached ROC AUC 0.59, while a small network trained from scratch reached 1.0. Instead, get ImageNet weights');
    const scratch = await train('--variant', 'custom-phi-4', '--from-scratch');
    expect(scratch.stderr).not.toContain('random weights');
    const imagenet = await train('--variant', 'b0', '--imagenet');
    expect(imagenet.code).toBe(2);
    expect(imagenet.stderr).toContain(`--imagenet: no ImageNet weights for b0 in ${dataDir}. Import them first: lumen weights import efficientnetb0_notop.h5`);
  }, 240_000);
});
