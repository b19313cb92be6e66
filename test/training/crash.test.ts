// `lumen train` and a model-package write killed mid-way (SIGKILL: no handler, no cleanup).
// Training resumes from its last checkpoint and ends exactly where an uninterrupted run with
// the same seed ends; a package killed while being written is never listed, and writing it
// again works.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainingHandlers } from '../../electron/engine/handlers/training';
import { JobRunner } from '../../electron/engine/jobs';
import { listPackages } from '../../electron/engine/predict/packages';
import { killWhen, runLumen, spawnLumen } from '../support/crash';
import { writePhantomSet, type PhantomSet } from './phantoms';

let root: string;
let set: PhantomSet;
let library: string;
const env = () => ({ LUMEN_DATA_DIR: path.join(root, 'data') });

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-crash-'));
  set = writePhantomSet(path.join(root, 'dicom'), { patients: 15, slices: 1, size: 32, seed: 8 });
  library = path.join(root, 'library');
  const imported = await runLumen(['import', set.dir, '--library', library, '--json'], env());
  expect(imported.code, imported.output).toBe(0);
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

const epochOf = (checkpoint: string) => JSON.parse(readFileSync(path.join(checkpoint, 'state.json'), 'utf8')).epoch as number;

describe('lumen train killed mid-run', () => {
  it('resumes from its last checkpoint and ends with the metrics of an uninterrupted run', async () => {
    const train = (out: string) => ['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-6', '--resolution', '32', '--from-scratch', '--epochs', '4', '--patience', '100', '--seed', '3', '--no-augment', '--out', out, '--json'];
    const reference = await runLumen(train(path.join(root, 'reference')), env());
    expect(reference.code, reference.output).toBe(0);
    const whole = JSON.parse(reference.stdout);

    const out = path.join(root, 'killed');
    const checkpoint = `${out}.checkpoint`;
    await killWhen(spawnLumen(train(out), env()), () => epochOf(checkpoint) >= 2);
    const killedAt = epochOf(checkpoint);
    expect(killedAt).toBeLessThan(4);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(root).filter((n) => n.startsWith('killed') && n !== 'killed.checkpoint')).toEqual([]);
    // The run's files are the user's alone.
    for (const f of readdirSync(checkpoint)) expect(statSync(path.join(checkpoint, f)).mode & 0o777, f).toBe(0o600);

    const resumed = await runLumen(train(out), env());
    expect(resumed.code, resumed.output).toBe(0);
    const r = JSON.parse(resumed.stdout);
    expect(r.resumedFromEpoch).toBeGreaterThanOrEqual(killedAt);
    expect(r.history.map((h: { loss: number; valMetric: number }) => [h.loss, h.valMetric])).toEqual(whole.history.map((h: { loss: number; valMetric: number }) => [h.loss, h.valMetric]));
    expect(r.test).toEqual(whole.test);
    expect(r.package.metrics).toEqual(whole.package.metrics);
    expect(existsSync(checkpoint)).toBe(false);
  }, 240_000);
});

describe('a model package write killed mid-way', () => {
  it('leaves no package in view, and the same write then succeeds', async () => {
    const dataDir = path.join(root, 'data');
    const models = path.join(dataDir, 'models');
    const out = path.join(models, 'b0');
    const exportB0 = ['export', '--variant', 'b0', '--classes', '2', '--format', 'package', '--out', out, '--json'];
    // Kill once the package's temp folder has files in it: written, not yet renamed into place.
    const partial = () => readdirSync(models).filter((n) => n.startsWith('b0.partial-'));
    await killWhen(spawnLumen(exportB0, env()), () => partial().some((p) => readdirSync(path.join(models, p)).length > 0), 120_000);
    expect(existsSync(out)).toBe(false);
    expect(partial()).toHaveLength(1);
    expect(await listPackages(dataDir)).toEqual({ packages: [], problems: [], interrupted: [] });
    // Listing tidied the dead process's temp folder away.
    expect(partial()).toEqual([]);

    const again = await runLumen(exportB0, env());
    expect(again.code, again.output).toBe(0);
    const { packages, problems } = await listPackages(dataDir);
    expect(problems).toEqual([]);
    expect(packages.map((p) => p.dir)).toEqual([out]);

    // A kill between the renames of an overwrite leaves the old package as <name>.old-<pid>-<hex>
    // and none under its name: listing puts it back. Leftovers beside a package are never listed.
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    renameSync(out, path.join(models, `b0.old-${dead}-0123abcd`));
    expect((await listPackages(dataDir)).packages.map((p) => p.dir)).toEqual([out]);
    const h = trainingHandlers({ dataDir, jobs: new JobRunner(), log: () => {}, onDispose: () => {} });
    const listed = async () => (await (h as any)['training.packages']({}, { emit: () => {} })).map((p: { dir: string }) => p.dir);
    renameSync(out, path.join(models, `b0.old-${dead}-0123abcd`));
    expect(await listed()).toEqual([out]);
    // Leftovers of a process still running (this one) are left alone, and never listed.
    cpSync(out, path.join(models, `b0.old-${process.pid}-0123abcd`), { recursive: true });
    cpSync(out, path.join(models, `b0.partial-${process.pid}-89abcdef`), { recursive: true });
    expect((await listPackages(dataDir)).packages.map((p) => p.dir)).toEqual([out]);
    expect(await listed()).toEqual([out]);
  }, 240_000);
});
