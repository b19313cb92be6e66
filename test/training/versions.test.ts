// Versioned model packages: a training run under a name in use keeps the earlier package as a
// version (<name>.versions/<hash12>/, models/package/versions.ts). Real `lumen` runs on a tiny
// phantom set: both packages load, the earlier one's stored predictions still resolve to it,
// the CLI lists and picks versions, and a run killed while writing, or between the two renames
// of the move, leaves every package readable.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPackage, listPackages } from '../../electron/engine/predict/packages';
import { loadPackage } from '../../models/package';
import { killWhen, runLumen, spawnLumen } from '../support/crash';
import { writePhantomSet, type PhantomSet } from './phantoms';

let root: string;
let set: PhantomSet;
let library: string;
let dataDir: string;
let models: string;
let out: string;
const env = () => ({ LUMEN_DATA_DIR: dataDir });
const train = (to: string, seed: number, extra: string[] = []) => ['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-6', '--resolution', '32', '--from-scratch', '--epochs', '1', '--seed', String(seed), '--no-augment', '--out', to, '--json', ...extra];

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-versions-'));
  set = writePhantomSet(path.join(root, 'dicom'), { patients: 12, slices: 1, size: 32, seed: 11 });
  library = path.join(root, 'library');
  dataDir = path.join(root, 'data');
  models = path.join(dataDir, 'models');
  out = path.join(models, 'lesions');
  const imported = await runLumen(['import', set.dir, '--library', library, '--json'], env());
  expect(imported.code, imported.output).toBe(0);
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('a training run under a name in use', () => {
  let first: string;
  let second: string;

  it('keeps the earlier package as a version: both load, and the first one\'s stored predictions still resolve to it', async () => {
    const a = await runLumen(train(out, 3), env());
    expect(a.code, a.output).toBe(0);
    first = JSON.parse(a.stdout).package.contentHash;
    const predicted = await runLumen(['predict', '--model', 'lesions', '--library', library, '--series', set.patients[0].seriesUid, '--json'], env());
    expect(predicted.code, predicted.output).toBe(0);
    expect(JSON.parse(predicted.stdout).modelHash).toBe(first);

    // Without --overwrite the name in use is refused, as before; with it the earlier package is kept.
    const refused = await runLumen(train(out, 4), env());
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain('already exists');
    const b = await runLumen(train(out, 4, ['--overwrite']), env());
    expect(b.code, b.output).toBe(0);
    second = JSON.parse(b.stdout).package.contentHash;
    expect(second).not.toBe(first);

    const earlierDir = path.join(models, 'lesions.versions', first.slice(0, 12));
    const { packages, problems } = await listPackages(dataDir);
    expect(problems).toEqual([]);
    expect(packages.map((p) => [p.dir, p.contentHash, p.version, p.earlierVersionOf])).toEqual([
      [out, second, 2, undefined],
      [earlierDir, first, 1, out],
    ]);
    for (const dir of [out, earlierDir]) {
      const loaded = await loadPackage(dir, { loadModel: true });
      expect(loaded.model!.outputs[0].shape).toEqual([null, 3]);
      loaded.model!.dispose();
    }
    // The earlier run's report went with it; the new one's is under the name.
    expect(existsSync(`${earlierDir}.report.html`)).toBe(true);
    expect(existsSync(`${out}.report.html`)).toBe(true);
    // What the library stored for the first package (keyed by its hash) still finds that package.
    expect((await findPackage(dataDir, first)).dir).toBe(earlierDir);
    const stored = await runLumen(['predictions', '--library', library, '--series', set.patients[0].seriesUid, '--json'], env());
    expect(stored.code, stored.output).toBe(0);
    expect(stored.stdout).toContain(first);
  }, 300_000);

  it('lists the versions newest first and runs an earlier one by name@hash', async () => {
    const listed = await runLumen(['models', 'versions', 'lesions', '--json'], env());
    expect(listed.code, listed.output).toBe(0);
    const versions = JSON.parse(listed.stdout).versions as { contentHash: string; version: number; createdAt: string; earlierVersionOf: string | null }[];
    expect(versions.map((v) => [v.contentHash, v.version, v.earlierVersionOf])).toEqual([[second, 2, null], [first, 1, out]]);
    expect(versions[0].createdAt > versions[1].createdAt).toBe(true);
    const text = await runLumen(['models', 'packages'], env());
    expect(text.code, text.output).toBe(0);
    expect(text.stdout).toContain(`lesions  #${second.slice(0, 12)}`);
    expect(text.stdout).toContain(`  version 1  #${first.slice(0, 12)}`);

    // A plain name is the newest; name@<hash prefix> an earlier one; a bad prefix is refused in words.
    const newest = await runLumen(['predict', '--model', 'lesions', '--library', library, '--series', set.patients[1].seriesUid, '--json'], env());
    expect(newest.code, newest.output).toBe(0);
    expect(JSON.parse(newest.stdout).modelHash).toBe(second);
    const earlier = await runLumen(['predict', '--model', `lesions@${first.slice(0, 8)}`, '--library', library, '--series', set.patients[1].seriesUid, '--json'], env());
    expect(earlier.code, earlier.output).toBe(0);
    expect(JSON.parse(earlier.stdout).modelHash).toBe(first);
    const evaluated = await runLumen(['eval', '--model', `lesions@${first.slice(0, 8)}`, '--library', library, '--subset', 'all', '--json'], env());
    expect(evaluated.code, evaluated.output).toBe(0);
    expect(JSON.parse(evaluated.stdout).model.hash).toBe(first);
    const bad = await runLumen(['predict', '--model', 'lesions@zz', '--library', library, '--json'], env());
    expect(bad.code).not.toBe(0);
    expect(bad.output).toContain('at least 4 hex digits');
  }, 240_000);

  it('killed while writing the new package, or between the two renames, leaves every package readable', async () => {
    // Killed once the new package's temp folder has files: the package under the name is untouched.
    const partial = () => readdirSync(models).filter((n) => n.startsWith('lesions.partial-'));
    await killWhen(spawnLumen(train(out, 5, ['--overwrite']), env()), () => partial().length > 0, 240_000);
    // (`lumen train` keeps its checkpoint beside --out to resume from: not a package, not ours to judge here.)
    rmSync(`${out}.checkpoint`, { recursive: true, force: true });
    let listed = await listPackages(dataDir);
    expect(listed.problems).toEqual([]);
    expect(listed.packages.map((p) => [p.dir, p.contentHash])).toEqual([[out, second], [path.join(models, 'lesions.versions', first.slice(0, 12)), first]]);
    expect(partial()).toEqual([]);

    // Killed between the renames: the earlier package already in the versions folder, the new
    // one whole in its temp folder of a process that is gone. Listing puts the new one in place.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    renameSync(out, path.join(models, `lesions.partial-${dead}-0123abcd`));
    expect(existsSync(out)).toBe(false);
    listed = await listPackages(dataDir);
    expect(listed.problems).toEqual([]);
    expect(listed.packages.map((p) => [p.dir, p.contentHash, p.version])).toEqual([[out, second, 2], [path.join(models, 'lesions.versions', first.slice(0, 12)), first, 1]]);
    expect(partial()).toEqual([]);

    // A temp folder that is not a whole package is not put in place: the versions stay listed and nothing is under the name.
    renameSync(out, path.join(models, `lesions.partial-${dead}-4567cdef`));
    rmSync(path.join(models, `lesions.partial-${dead}-4567cdef`, 'model.onnx'));
    listed = await listPackages(dataDir);
    expect(listed.packages.map((p) => [p.contentHash, p.version, p.earlierVersionOf])).toEqual([[first, 1, out]]);
    expect(existsSync(out)).toBe(false);
    expect(partial()).toEqual([]);

    // And training under the name again works.
    const again = await runLumen(train(out, 6, ['--overwrite']), env());
    expect(again.code, again.output).toBe(0);
    expect((await listPackages(dataDir)).packages.map((p) => p.version)).toEqual([2, 1]);
  }, 300_000);
});
