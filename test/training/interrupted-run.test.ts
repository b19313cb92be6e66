// A `lumen train --out <data folder>/models/<name>` run killed (SIGKILL) after an epoch leaves
// `<name>.checkpoint` beside where its package goes. `lumen models packages` lists it as an
// interrupted training run, with how to resume it (the same command again, which does resume
// from that epoch) and how to discard it (`lumen models delete <name>.checkpoint`, which does).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPackages } from '../../electron/engine/predict/packages';
import { killWhen, runLumen, spawnLumen } from '../support/crash';
import { setTimeout as sleep } from 'node:timers/promises';
import { writePhantomSet, type PhantomSet } from './phantoms';

let root: string;
let set: PhantomSet;
let library: string;
let dataDir: string;
let models: string;
const env = () => ({ LUMEN_DATA_DIR: dataDir });
const train = (to: string, epochs = 3) => ['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-6', '--resolution', '32', '--from-scratch', '--epochs', String(epochs), '--seed', '3', '--no-augment', '--out', to, '--json'];

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-interrupted-'));
  set = writePhantomSet(path.join(root, 'dicom'), { patients: 12, slices: 1, size: 32, seed: 11 });
  library = path.join(root, 'library');
  dataDir = path.join(root, 'data');
  models = path.join(dataDir, 'models');
  const imported = await runLumen(['import', set.dir, '--library', library, '--json'], env());
  expect(imported.code, imported.output).toBe(0);
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/** Starts the run and kills it (SIGKILL) once its checkpoint holds an epoch. */
async function killAfterAnEpoch(out: string): Promise<void> {
  await killWhen(spawnLumen(train(out), env()), () => existsSync(path.join(`${out}.checkpoint`, 'state.json')), 240_000);
}

describe('an interrupted lumen train run in the models folder', () => {
  it('is listed as an interrupted run with how to resume it, and the same command resumes it', async () => {
    const out = path.join(models, 'lesions');
    await killAfterAnEpoch(out);
    expect(existsSync(out)).toBe(false);

    const { problems, interrupted } = await listPackages(dataDir);
    expect(problems).toEqual([]);
    expect(interrupted).toHaveLength(1);
    const run = interrupted[0];
    expect(run).toMatchObject({ dir: `${out}.checkpoint`, name: 'lesions', out, epochs: 3, discard: 'lumen models delete lesions.checkpoint', running: false });
    expect(run.epoch).toBeGreaterThanOrEqual(1);

    const text = await runLumen(['models', 'packages'], env());
    expect(text.code, text.output).toBe(0);
    expect(text.stdout).not.toContain('not a usable package');
    expect(text.stdout).toContain(`interrupted training run lesions.checkpoint: lesions, epoch ${run.epoch} of 3 done`);
    expect(text.stdout).toContain(`resume: run the same "lumen train … --out ${out}" command again: it resumes after epoch ${run.epoch}`);
    expect(text.stdout).toContain('discard: lumen models delete lesions.checkpoint');

    // What it says is so: the same command resumes from that epoch and writes the package.
    const resumed = await runLumen(train(out), env());
    expect(resumed.code, resumed.output).toBe(0);
    expect(JSON.parse(resumed.stdout).resumedFromEpoch).toBe(run.epoch);
    const after = await listPackages(dataDir);
    expect(after.interrupted).toEqual([]);
    expect(after.packages.map((p) => p.dir)).toEqual([out]);
  }, 600_000);

  it('is discarded by lumen models delete <name>.checkpoint, and nothing else goes', async () => {
    const out = path.join(models, 'second');
    await killAfterAnEpoch(out);
    const refused = await runLumen(['models', 'delete', 'second.checkpoint'], env());
    expect(refused.code).toBe(2);
    expect(refused.output).toContain('add --yes to delete the interrupted training run second.checkpoint');
    const r = await runLumen(['models', 'delete', 'second.checkpoint', '--yes'], env());
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/^Removed the interrupted training run second\.checkpoint \(epoch \d of 3\) \(second\.checkpoint\)\./);
    expect(existsSync(`${out}.checkpoint`)).toBe(false);
    const after = await listPackages(dataDir);
    expect(after.interrupted).toEqual([]);
    expect(after.packages.map((p) => p.dir)).toEqual([path.join(models, 'lesions')]);
  }, 600_000);

  it('a run still training is listed as running, and discarding it is refused until it stops', async () => {
    const out = path.join(models, 'busy');
    const child = spawnLumen(train(out, 500), env());
    const ended = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      // Bounded wait for its first epoch's checkpoint.
      for (let i = 0; i < 2400 && !existsSync(path.join(`${out}.checkpoint`, 'state.json')); i++) {
        if (child.exitCode !== null) throw new Error(`lumen train ended early: ${child.output().slice(-2000)}`);
        await sleep(100);
      }
      expect(existsSync(path.join(`${out}.checkpoint`, 'state.json')), child.output()).toBe(true);
      const busy = (await listPackages(dataDir)).interrupted.find((r) => r.name === 'busy');
      expect(busy).toMatchObject({ running: true, pid: child.pid });

      const text = await runLumen(['models', 'packages'], env());
      expect(text.stdout).toContain(`training run busy.checkpoint: busy, still training (process ${child.pid}), epoch `);
    expect(text.stdout).not.toContain('interrupted training run busy.checkpoint');
      expect(text.stdout).not.toContain('discard: lumen models delete busy.checkpoint');

      const refused = await runLumen(['models', 'delete', 'busy.checkpoint', '--yes'], env());
      expect(refused.code).toBe(1);
      expect(refused.output).toContain(`busy.checkpoint is still being trained by process ${child.pid}: stop that run first (Ctrl+C in its terminal), then discard it.`);
      expect(existsSync(path.join(`${out}.checkpoint`, 'state.json'))).toBe(true);
      // The same command in a second terminal neither resumes from it nor starts it over.
      const second = await runLumen(train(out, 500), env());
      expect(second.code).toBe(1);
      expect(second.output).toContain(`busy.checkpoint is being written by another training run (process ${child.pid}): wait for it to end or stop it, then run this again.`);
      expect(existsSync(path.join(`${out}.checkpoint`, 'state.json'))).toBe(true);
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill('SIGKILL');
      await ended;
    }
    // Stopped: an interrupted run again, which can be discarded.
    const stopped = (await listPackages(dataDir)).interrupted.find((r) => r.name === 'busy');
    expect(stopped).toMatchObject({ running: false });
    const r = await runLumen(['models', 'delete', 'busy.checkpoint', '--yes'], env());
    expect(r.code, r.output).toBe(0);
    expect(existsSync(`${out}.checkpoint`)).toBe(false);
  }, 600_000);
});
