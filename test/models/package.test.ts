import * as tf from '@tensorflow/tfjs';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportPackageArchive, importPackageArchive } from '../../models/package/archive';
import { PACKAGE_FORMAT_VERSION, PACKAGE_FORMAT_VERSIONS, type PackageMetadataInput } from '../../models/package/metadata';
import { APP_VERSION } from '../../common/version';
import { contentHash, formatVersionProblem, loadPackage, savePackage } from '../../models/package/package';
import { ensembleBytes, type EnsembleMetadata } from '../../models/package/uncertainty';
import { maxAbsDiff, randomImages, randomiseBatchNorm, tinyNet } from './onnx-helpers';
import { tarEntry } from '../support/tar-entry';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-package-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SIZE = 32;
const meta: PackageMetadataInput = {
  name: 'Chest CT nodule (test)',
  variant: 'b0',
  inputSize: SIZE,
  preprocessing: { window: { center: -600, width: 1500 }, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
  classNames: ['none', 'benign', 'malignant', 'other', 'unsure'],
  task: 'multiclass',
  metrics: { auc: 0.91 },
  provenance: { sourceWeights: { file: 'efficientnetb0_notop.h5', sha256: 'a'.repeat(64) } },
};

function makeModel(seed = 1) {
  const m = tinyNet({ size: SIZE, seed, classes: 5 });
  randomiseBatchNorm(m, seed);
  return m;
}

/** Rewrites metadata.json with a change and a correct content hash (as a buggy writer would). */
function rewriteMetadata(pkgDir: string, change: (m: any) => void) {
  const file = path.join(pkgDir, 'metadata.json');
  const m = JSON.parse(readFileSync(file, 'utf8'));
  change(m);
  m.contentHash = contentHash(pkgDir, m);
  writeFileSync(file, JSON.stringify(m));
}

function copyDir(from: string, to: string) {
  cpSync(from, to, { recursive: true });
}

describe('model package folder', () => {
  it('round-trips: metadata, TF.js model and ONNX file come back and agree', async () => {
    const model = makeModel();
    const pkgDir = path.join(dir, 'pkg');
    const written = await savePackage(pkgDir, model, meta);
    expect(readdirSync(pkgDir).sort()).toEqual(['group1-shard1of1.bin', 'metadata.json', 'model.json', 'model.onnx']);
    expect(written.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(written.layout).toBe('NCHW');
    expect(written.provenance.softwareVersion).toMatch(/^lumen /);
    const loaded = await loadPackage(pkgDir, { loadModel: true });
    expect(loaded.metadata).toEqual(written);
    expect(loaded.metadata.classNames).toEqual(meta.classNames);
    const images = randomImages(2, SIZE, 4);
    const a = tf.tidy(() => (model.predict(tf.tensor4d(images, [2, SIZE, SIZE, 3])) as tf.Tensor).dataSync());
    const b = tf.tidy(() => (loaded.model!.predict(tf.tensor4d(images, [2, SIZE, SIZE, 3])) as tf.Tensor).dataSync());
    expect(maxAbsDiff(a, b)).toBe(0);
    expect(readFileSync(loaded.onnxPath).length).toBeGreaterThan(1000);
  });

  it('refuses to overwrite unless asked, and leaves no partial folder when saving fails', async () => {
    const model = makeModel();
    const pkgDir = path.join(dir, 'pkg-atomic');
    await savePackage(pkgDir, model, meta);
    await expect(savePackage(pkgDir, model, meta)).rejects.toThrow('already exists');
    // Wrong class count: fails before anything is moved into place; the old package survives intact.
    await expect(savePackage(pkgDir, model, { ...meta, classNames: ['a', 'b'] }, { overwrite: true })).rejects.toThrow('2 class names for a model with 5 output units');
    // A failure after files were written (invalid metadata caught by the schema).
    await expect(savePackage(pkgDir, model, { ...meta, task: 'regression' as never }, { overwrite: true })).rejects.toThrow('invalid metadata: task');
    expect(readdirSync(dir).filter((n) => n.includes('.partial-'))).toEqual([]);
    await expect(loadPackage(pkgDir)).resolves.toBeTruthy();
    await savePackage(pkgDir, model, { ...meta, name: 'replaced' }, { overwrite: true });
    expect((await loadPackage(pkgDir)).metadata.name).toBe('replaced');
    expect(readdirSync(dir).filter((n) => n.includes('.old-') || n.includes('.partial-'))).toEqual([]);
  });

  it('overwrite replaces only a package: never a folder of other files, "." or a path through ".."', async () => {
    const model = makeModel();
    const home = path.join(dir, 'home');
    mkdirSync(home);
    writeFileSync(path.join(home, 'thesis.txt'), 'years of work');
    await expect(savePackage(home, model, meta, { overwrite: true })).rejects.toThrow(`Refusing to replace ${home}: it is not a model package (no metadata.json)`);
    await expect(savePackage(path.join(home, 'sub') + '/..', model, meta, { overwrite: true })).rejects.toThrow(/Refusing to write a model package to .*: it must lie inside .*sub/);
    expect(readFileSync(path.join(home, 'thesis.txt'), 'utf8')).toBe('years of work');
    expect(readdirSync(dir).filter((n) => n.includes('.partial-') || n.includes('.old-'))).toEqual([]);
    // What a package holds is the user's alone, whatever the umask.
    const pkgDir = path.join(dir, 'pkg-private');
    await savePackage(pkgDir, model, meta);
    expect(statSync(pkgDir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(pkgDir)) expect(statSync(path.join(pkgDir, f)).mode & 0o777, f).toBe(0o600);
  });

  it('detects corruption and mismatches with messages that say what is wrong', async () => {
    const model = makeModel();
    const good = path.join(dir, 'pkg-good');
    await savePackage(good, model, meta);
    let n = 0;
    const copy = () => {
      const d = path.join(dir, `bad-${n++}`);
      copyDir(good, d);
      return d;
    };

    // One flipped byte in the ONNX file.
    const flipped = copy();
    const onnx = readFileSync(path.join(flipped, 'model.onnx'));
    onnx[onnx.length - 10] ^= 0x01;
    writeFileSync(path.join(flipped, 'model.onnx'), onnx);
    await expect(loadPackage(flipped)).rejects.toThrow(/content hash mismatch: metadata\.json says [0-9a-f]{64}, the files hash to [0-9a-f]{64}/);

    // A class name edited by hand (metadata is covered by the hash too).
    const edited = copy();
    const m = JSON.parse(readFileSync(path.join(edited, 'metadata.json'), 'utf8'));
    m.classNames[0] = 'normal';
    writeFileSync(path.join(edited, 'metadata.json'), JSON.stringify(m));
    await expect(loadPackage(edited)).rejects.toThrow('content hash mismatch');

    const missing = copy();
    rmSync(path.join(missing, 'model.onnx'));
    await expect(loadPackage(missing)).rejects.toThrow('missing file model.onnx');
    const noShard = copy();
    rmSync(path.join(noShard, 'group1-shard1of1.bin'));
    await expect(loadPackage(noShard)).rejects.toThrow('missing file group1-shard1of1.bin');

    const classes = copy();
    rewriteMetadata(classes, (x) => x.classNames.push('sixth'));
    await expect(loadPackage(classes)).rejects.toThrow('6 class names in metadata.json but the model has 5 output units');

    const variant = copy();
    rewriteMetadata(variant, (x) => (x.variant = 'b9'));
    await expect(loadPackage(variant)).rejects.toThrow('unknown variant "b9"');

    const size = copy();
    rewriteMetadata(size, (x) => (x.inputSize = 64));
    await expect(loadPackage(size)).rejects.toThrow('inputSize 64 in metadata.json but the model takes 32x32');

    const version = copy();
    rewriteMetadata(version, (x) => (x.formatVersion = 3));
    await expect(loadPackage(version)).rejects.toThrow(`made by a newer Lumen (Lumen ${APP_VERSION}, package format version 3)`);

    const schema = copy();
    rewriteMetadata(schema, (x) => (x.preprocessing.std = [0.2, 0, 0.2]));
    await expect(loadPackage(schema)).rejects.toThrow('invalid metadata.json: preprocessing.std.1');

    await expect(loadPackage(path.join(dir, 'nowhere'))).rejects.toThrow('not found');
  });
});

describe('a package made by a newer Lumen', () => {
  it('is refused as a folder and as an archive, saying which Lumen made it; nothing is unpacked', async () => {
    const pkgDir = path.join(dir, 'future');
    await savePackage(pkgDir, makeModel(4), meta);
    rewriteMetadata(pkgDir, (m) => {
      m.formatVersion = PACKAGE_FORMAT_VERSION + 1;
      m.provenance.softwareVersion = 'lumen 7.2.0';
      m.somethingNew = { only: 'a newer Lumen knows' };
    });
    const expected = `made by a newer Lumen (Lumen 7.2.0, package format version 3); this Lumen ${APP_VERSION} reads package format versions 1 and 2. Update Lumen to open it.`;
    await expect(loadPackage(pkgDir)).rejects.toThrow(`Model package ${pkgDir}: ${expected}`);

    // The archive: the same files as a tar, metadata.json first (as exportPackageArchive writes it).
    const names = ['metadata.json', ...readdirSync(pkgDir).filter((n) => n !== 'metadata.json').sort()];
    const file = path.join(dir, 'future.lumenpkg');
    writeFileSync(file, Buffer.concat([...names.map((n) => tarEntry(n, readFileSync(path.join(pkgDir, n)))), Buffer.alloc(1024)]));
    const parent = path.join(dir, 'future-dest-parent');
    mkdirSync(parent);
    await expect(importPackageArchive(file, path.join(parent, 'future'))).rejects.toThrow(`Model package archive future.lumenpkg: ${expected}`);
    expect(readdirSync(parent)).toEqual([]);

    // A version that is not a number at all is still refused, as unsupported rather than newer.
    rewriteMetadata(pkgDir, (m) => (m.formatVersion = 'two'));
    await expect(loadPackage(pkgDir)).rejects.toThrow('unsupported formatVersion "two"');
  });
});

describe('.lumenpkg archive', () => {
  it('round-trips a package through one file, readable as a standard tar', async () => {
    const model = makeModel(2);
    const pkgDir = path.join(dir, 'arch-src');
    const written = await savePackage(pkgDir, model, meta);
    const file = path.join(dir, 'model.lumenpkg');
    await exportPackageArchive(pkgDir, file);
    const bytes = readFileSync(file);
    expect(bytes.subarray(257, 262).toString()).toBe('ustar');
    expect(bytes.subarray(0, 13).toString()).toBe('metadata.json');
    const dest = path.join(dir, 'arch-dest');
    const imported = await importPackageArchive(file, dest);
    expect(imported.metadata).toEqual(written);
    for (const name of readdirSync(pkgDir)) expect(readFileSync(path.join(dest, name)).equals(readFileSync(path.join(pkgDir, name)))).toBe(true);
    await expect(importPackageArchive(file, dest)).rejects.toThrow('already exists');
  });

  it('refuses path traversal, links and corrupt content, leaving nothing behind', async () => {
    const end = Buffer.alloc(1024);
    const cases: [string, Buffer, RegExp][] = [
      ['traversal.lumenpkg', Buffer.concat([tarEntry('metadata.json', Buffer.from('{}')), tarEntry('../evil.txt', Buffer.from('x')), end]), /"\.\.\/evil\.txt" would be written outside the package folder; refused/],
      ['absolute.lumenpkg', Buffer.concat([tarEntry('/tmp/evil.txt', Buffer.from('x')), end]), /would be written outside/],
      ['symlink.lumenpkg', Buffer.concat([tarEntry('model.onnx', Buffer.alloc(0), '2'), end]), /not a regular file/],
      ['nometa.lumenpkg', Buffer.concat([tarEntry('model.onnx', Buffer.from('x')), end]), /no metadata\.json/],
    ];
    for (const [name, bytes, message] of cases) {
      const file = path.join(dir, name);
      writeFileSync(file, bytes);
      const dest = path.join(dir, `out-${name}`);
      await expect(importPackageArchive(file, dest)).rejects.toThrow(message);
      expect(existsSync(dest)).toBe(false);
    }
    expect(existsSync(path.join(dir, 'evil.txt'))).toBe(false);

    // A flipped byte inside the ONNX entry of a real archive: the content hash catches it.
    const pkgDir = path.join(dir, 'arch-src2');
    await savePackage(pkgDir, makeModel(3), meta);
    const file = path.join(dir, 'flip.lumenpkg');
    await exportPackageArchive(pkgDir, file);
    const bytes = readFileSync(file);
    const at = bytes.indexOf(Buffer.from('model.onnx'));
    bytes[at + 512 + 200] ^= 0xff;
    writeFileSync(file, bytes);
    const dest = path.join(dir, 'flip-dest');
    await expect(importPackageArchive(file, dest)).rejects.toThrow(/Model package archive flip\.lumenpkg: content hash mismatch/);
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.includes('.partial-'))).toEqual([]);
  });
});

/** Uncertainty heads for the 5-class test model: 2 heads on 4 features (loadPackage checks the file is there and hashed, not what it holds). */
function ensembleFor(classes: number): { metadata: EnsembleMetadata; bytes: Uint8Array } {
  const features = 4;
  const head = () => ({ kernel: new Float32Array(features * classes).fill(0.1), bias: new Float32Array(classes) });
  return {
    metadata: { file: 'ensemble.bin', heads: 2, features, classes, method: 'test', measure: 'test', priorScale: 1, validation: { n: 0, mean: 0, p95: 0 } },
    bytes: ensembleBytes({ features, classes, heads: [head(), head()] }),
  };
}

const calibration = { temperature: 1.5, method: 'temperature scaling', applied: true, validation: { n: 10, eceBefore: 0.1, eceAfter: 0.05, nllBefore: 0.7, nllAfter: 0.6 } };

describe('package format versions', () => {
  it('a plain package is written as format 1; one with uncertainty heads or calibration as format 2; this Lumen opens both', async () => {
    expect(PACKAGE_FORMAT_VERSION).toBe(2);
    expect(PACKAGE_FORMAT_VERSIONS).toEqual([1, 2]);
    const plainDir = path.join(dir, 'format-plain');
    expect((await savePackage(plainDir, makeModel(5), meta)).formatVersion).toBe(1);
    expect(JSON.parse(readFileSync(path.join(plainDir, 'metadata.json'), 'utf8')).formatVersion).toBe(1);
    expect((await loadPackage(plainDir)).metadata.formatVersion).toBe(1);

    const e = ensembleFor(5);
    const ensembleDir = path.join(dir, 'format-ensemble');
    expect((await savePackage(ensembleDir, makeModel(5), { ...meta, ensemble: e.metadata }, { files: { 'ensemble.bin': e.bytes } })).formatVersion).toBe(2);
    expect(JSON.parse(readFileSync(path.join(ensembleDir, 'metadata.json'), 'utf8')).formatVersion).toBe(2);
    const loaded = await loadPackage(ensembleDir);
    expect(loaded.metadata.formatVersion).toBe(2);
    expect(loaded.metadata.ensemble).toEqual(e.metadata);

    // Calibration alone: a format-1 reader would drop the field and so miss the content hash.
    const calibratedDir = path.join(dir, 'format-calibrated');
    expect((await savePackage(calibratedDir, makeModel(5), { ...meta, calibration })).formatVersion).toBe(2);
    expect((await loadPackage(calibratedDir)).metadata.calibration).toEqual(calibration);

    // A .lumenpkg of a format-2 package comes back as format 2.
    const file = path.join(dir, 'format-ensemble.lumenpkg');
    await exportPackageArchive(ensembleDir, file);
    expect((await importPackageArchive(file, path.join(dir, 'format-ensemble-imported'))).metadata).toEqual(loaded.metadata);
  });

  it('a Lumen that reads only format 1 says a format-2 package was made by a newer Lumen, not that it is corrupt', async () => {
    const e = ensembleFor(5);
    const pkgDir = path.join(dir, 'format-for-old');
    await savePackage(pkgDir, makeModel(6), { ...meta, ensemble: e.metadata }, { files: { 'ensemble.bin': e.bytes } });
    const raw = JSON.parse(readFileSync(path.join(pkgDir, 'metadata.json'), 'utf8'));
    expect(formatVersionProblem(raw, 1)).toBe(`made by a newer Lumen (Lumen ${APP_VERSION}, package format version 2); this Lumen ${APP_VERSION} reads package format version 1. Update Lumen to open it.`);
    expect(formatVersionProblem(raw)).toBeNull();
    // A plain package stays readable by that older Lumen.
    const plainDir = path.join(dir, 'format-plain-for-old');
    await savePackage(plainDir, makeModel(6), meta);
    expect(formatVersionProblem(JSON.parse(readFileSync(path.join(plainDir, 'metadata.json'), 'utf8')), 1)).toBeNull();
    // Version 3 (a Lumen newer than this one): refused by this Lumen as newer, as a folder too.
    expect(formatVersionProblem({ ...raw, formatVersion: 3 })).toMatch(/^made by a newer Lumen \(.*package format version 3\); this Lumen .* reads package format versions 1 and 2\. Update Lumen to open it\.$/);
    rewriteMetadata(pkgDir, (m) => (m.formatVersion = 3));
    await expect(loadPackage(pkgDir)).rejects.toThrow('package format version 3); this Lumen');
    expect(formatVersionProblem({ ...raw, formatVersion: 0 })).toMatch(/^unsupported formatVersion 0/);
  });

  it('opens a format-1 package with heads that an earlier Lumen wrote; refuses one with heads dropped in, as a folder and as an archive', async () => {
    const e = ensembleFor(5);
    const source = path.join(dir, 'format-tamper-src');
    await savePackage(source, makeModel(7), { ...meta, ensemble: e.metadata }, { files: { 'ensemble.bin': e.bytes } });

    // Stamped format 1 with a content hash that matches: what builds of Lumen before format 2 wrote.
    const earlier = path.join(dir, 'format-earlier-build');
    copyDir(source, earlier);
    rewriteMetadata(earlier, (m) => (m.formatVersion = 1));
    const opened = await loadPackage(earlier);
    expect(opened.metadata.formatVersion).toBe(1);
    expect(opened.metadata.ensemble).toEqual(e.metadata);

    // A plain format-1 package with heads dropped in beside it: the part is named, not just a hash mismatch.
    const plain = path.join(dir, 'format-tamper-plain');
    await savePackage(plain, makeModel(7), meta);
    writeFileSync(path.join(plain, 'ensemble.bin'), e.bytes);
    const said = 'says package format version 1, but the package has ensemble.bin, which that format does not have, and its content hash does not match';
    await expect(loadPackage(plain)).rejects.toThrow(said);
    const seriesHead = path.join(dir, 'format-tamper-series');
    await savePackage(seriesHead, makeModel(7), meta);
    writeFileSync(path.join(seriesHead, 'series-head.bin'), new Uint8Array(16));
    await expect(loadPackage(seriesHead)).rejects.toThrow('the package has series-head.bin, which that format does not have');

    // The tampered package as a .lumenpkg: refused, nothing unpacked.
    const names = ['metadata.json', ...readdirSync(plain).filter((n) => n !== 'metadata.json').sort()];
    const file = path.join(dir, 'tampered.lumenpkg');
    writeFileSync(file, Buffer.concat([...names.map((n) => tarEntry(n, readFileSync(path.join(plain, n)))), Buffer.alloc(1024)]));
    const parent = path.join(dir, 'tampered-dest-parent');
    mkdirSync(parent);
    await expect(importPackageArchive(file, path.join(parent, 'tampered'))).rejects.toThrow(`Model package archive tampered.lumenpkg: metadata.json ${said}`);
    expect(readdirSync(parent)).toEqual([]);
  });

});
