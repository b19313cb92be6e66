// `lumen train`, `compare` and `suggest` as a user runs them on a tiny phantom library (T2-3,
// T2-6, T2-9 a/c/d of session s16): --backbone and --model take an installed package's name,
// name@<hash prefix> or hash prefix as eval does; a run under a name in use says --overwrite,
// and with it says which version the earlier package became; "Features n/n" is said once; and a
// run whose settings differ from an interrupted run's checkpoint is refused with what the
// checkpoint is and how to go on, deleting nothing, unless --no-resume discards it (said).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killWhen, runLumen, spawnLumen } from '../support/crash';
import { writePhantomSet, type PhantomSet } from './phantoms';

let root: string;
let set: PhantomSet;
let library: string;
let dataDir: string;
let models: string;
/** The labels of all but the last two patients: suggest has unlabelled series to rank. */
let csv: string;
const env = () => ({ LUMEN_DATA_DIR: dataDir });
const head = (out: string, extra: string[] = []) => ['train', '--library', library, '--labels', csv, '--variant', 'custom-phi-6', '--resolution', '32', '--epochs', '2', '--seed', '3', '--no-augment', '--out', out, ...extra];
const scratch = (out: string, epochs: number, extra: string[] = []) => ['train', '--library', library, '--labels', csv, '--variant', 'custom-phi-6', '--resolution', '32', '--from-scratch', '--epochs', String(epochs), '--seed', '3', '--no-augment', '--out', out, ...extra];

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-train-cli-'));
  set = writePhantomSet(path.join(root, 'dicom'), { patients: 12, slices: 1, size: 32, seed: 11 });
  library = path.join(root, 'library');
  dataDir = path.join(root, 'data');
  models = path.join(dataDir, 'models');
  const lines = readFileSync(set.csv, 'utf8').trim().split(/\r?\n/);
  csv = path.join(root, 'labels.csv');
  writeFileSync(csv, lines.slice(0, -2).join('\n') + '\n');
  const imported = await runLumen(['import', set.dir, '--library', library, '--json'], env());
  expect(imported.code, imported.output).toBe(0);
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('package names in lumen train, compare and suggest', () => {
  it('trains on --backbone <name>, compares and suggests by name, name@hash and hash prefix; --overwrite says which version the earlier package became', async () => {
    // A head run into a file (no progress line): each "Features n/total" once (T2-9 c).
    const a = await runLumen(head(path.join(models, 'shape-a')), env());
    expect(a.code, a.output).toBe(0);
    const features = a.output.split('\n').filter((l) => /^Features \d+\/\d+$/.test(l));
    expect(features.length).toBeGreaterThan(0);
    expect(new Set(features).size, features.join(' | ')).toBe(features.length);
    const hashA = /content hash ([0-9a-f]{12})/.exec(a.stdout)![1];

    // --backbone by name (T2-3): was "--backbone: no such file or folder".
    const b = await runLumen([...head(path.join(models, 'shape-b'), ['--backbone', 'shape-a']), '--json'], env());
    expect(b.code, b.output).toBe(0);
    const hashB = JSON.parse(b.stdout).package.contentHash as string;
    expect(JSON.parse(b.stdout).keptEarlier).toBeNull();
    const card = JSON.parse(readFileSync(path.join(models, 'shape-b', 'metadata.json'), 'utf8')).provenance.training.backbone.weights as string;
    expect(card).toMatch(new RegExp(`^package ${hashA}`));

    const [byName, byHash, suggested, unknown, twice] = await Promise.all([
      runLumen(['compare', '--model', 'shape-a', '--model', 'shape-b', '--library', library, '--subset', 'all', '--resamples', '100', '--json'], env()),
      runLumen(['compare', '--model', hashA.slice(0, 8), '--model', `shape-b@${hashB.slice(0, 6)}`, '--library', library, '--subset', 'all', '--resamples', '100'], env()),
      runLumen(['suggest', '--model', 'shape-b', '--library', library, '--json'], env()),
      runLumen(['compare', '--model', 'shape-a', '--model', 'no-such-model', '--library', library], env()),
      runLumen(['compare', '--model', 'shape-a', '--model', hashA.slice(0, 8), '--library', library], env()),
    ]);
    expect(byName.code, byName.output).toBe(0);
    expect(JSON.parse(byName.stdout).models).toEqual({ a: path.join(models, 'shape-a'), b: path.join(models, 'shape-b') });
    expect(byHash.code, byHash.output).toBe(0);
    expect(byHash.stdout).toContain(`A: shape-a (${path.join(models, 'shape-a')})`);
    expect(byHash.stdout).toContain(`B: shape-b (${path.join(models, 'shape-b')})`);
    expect(suggested.code, suggested.output).toBe(0);
    const s = JSON.parse(suggested.stdout);
    expect(s.model.contentHash).toBe(hashB);
    expect(s.unlabelledSeries).toBe(2);
    expect(unknown.code).not.toBe(0);
    expect(unknown.output).toContain('No installed model package is named "no-such-model"');
    expect(twice.code).toBe(2);
    expect(twice.output).toContain('twice: pass two different packages');

    // A name in use without --overwrite: the flag as a user types it (T2-9 a), before anything trains.
    const refused = await runLumen(head(path.join(models, 'shape-a')), env());
    expect(refused.code).toBe(2);
    expect(refused.output).toContain('already exists: pass --overwrite to keep it as an earlier version');
    expect(refused.output).not.toContain('pass overwrite');
    expect(refused.output).not.toContain('Features');

    // With --overwrite the earlier package is kept as version 1, and lumen train says so (T2-9 d).
    const again = await runLumen(head(path.join(models, 'shape-a'), ['--overwrite', '--seed', '4']), env());
    expect(again.code, again.output).toBe(0);
    expect(again.stdout).toContain(`The earlier shape-a (#${hashA}) is kept as version 1: ${path.join(models, 'shape-a.versions', hashA)}`);
    const listed = await runLumen(['models', 'versions', 'shape-a', '--json'], env());
    expect(JSON.parse(listed.stdout).versions.map((v: { contentHash: string; version: number }) => [v.contentHash.slice(0, 12), v.version])[1]).toEqual([hashA, 1]);
  }, 600_000);
});

describe('an interrupted run and a new one with other settings', () => {
  it('is refused with what the checkpoint is and how to go on, deleting nothing; --no-resume discards it and says so', async () => {
    const out = path.join(models, 'shape-c');
    const state = path.join(`${out}.checkpoint`, 'state.json');
    await killWhen(spawnLumen(scratch(out, 40), env()), () => existsSync(state), 240_000);
    const before = readFileSync(state, 'utf8');
    const epoch = JSON.parse(before).epoch as number;
    expect(epoch).toBeGreaterThanOrEqual(1);

    // One option changed: refused, nothing deleted (was: "Epoch 1/6", the checkpoint gone without a word).
    const changed = await runLumen(scratch(out, 6), env());
    expect(changed.code, changed.output).toBe(2);
    expect(changed.output).toContain(`${out}.checkpoint holds an interrupted run of shape-c (epoch ${epoch} of 40 done`);
    expect(changed.output).toContain('--epochs 40 (now 6)');
    expect(changed.output).not.toContain('--seed');
    expect(changed.output).toContain('Nothing was deleted');
    expect(changed.output).toContain('add --no-resume');
    expect(changed.output).not.toMatch(/Epoch 1\//);
    expect(readFileSync(state, 'utf8')).toBe(before);
    expect(existsSync(path.join(`${out}.checkpoint`, JSON.parse(before).weightsFile))).toBe(true);
    expect(existsSync(out)).toBe(false);

    // --no-resume starts over, and says what it discarded.
    const over = await runLumen(scratch(out, 1, ['--no-resume']), env());
    expect(over.code, over.output).toBe(0);
    expect(over.output).toContain(`Note: Discarded the checkpoint ${out}.checkpoint (epoch ${epoch} of 40 done`);
    expect(existsSync(`${out}.checkpoint`)).toBe(false);
    expect(existsSync(path.join(out, 'metadata.json'))).toBe(true);
  }, 600_000);
});
