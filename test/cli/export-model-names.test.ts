// `lumen export --results … --model` and `--csv … --model` take a package as lumen predict does:
// its folder, an installed package's name or the 12-character hash prefix lumen models packages
// prints (F9: they took only a folder or the full 64-digit hash, and read a name as a folder).
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { saveTinyNetPackage } from '../support/tiny-package';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

let root: string;
let set: PhantomSet;
let library: string;
let hash: string;
const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-export-model-'));
  set = writePhantomSet(path.join(root, 'dicom'), { patients: 1, slices: 2, size: 32, seed: 5 });
  library = path.join(root, 'library');
  const imported = await lumen(['import', set.dir, '--library', library, '--json']);
  expect(imported.code, imported.stderr).toBe(0);
  await saveTinyNetPackage(path.join(root, 'data', 'models', 'tiny'), 'tiny');
  const predicted = await lumen(['predict', '--model', 'tiny', '--library', library, '--series', set.patients[0].seriesUid, '--json']);
  expect(predicted.code, predicted.stderr).toBe(0);
  hash = JSON.parse(predicted.stdout).modelHash;
  expect(hash).toMatch(/^[0-9a-f]{64}$/);
}, 180_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('export --model by name or hash prefix', () => {
  it('--results takes the package name and the 12-character hash prefix', async () => {
    for (const [model, out] of [['tiny', 'by-name'], [hash.slice(0, 12), 'by-prefix'], [hash, 'by-hash']]) {
      const r = await lumen(['export', '--results', set.patients[0].seriesUid, '--model', model, '--library', library, '--out', path.join(root, out), '--json']);
      expect(r.code, `${model}: ${r.stderr}`).toBe(0);
      expect(JSON.parse(r.stdout).predictions).toBe(2);
      expect(readdirSync(path.join(root, out)).length).toBeGreaterThan(0);
    }
    // Nothing named so: the words lumen predict uses, and no folder in the working directory is looked for.
    const none = await lumen(['export', '--results', set.patients[0].seriesUid, '--model', 'nosuch', '--library', library, '--out', path.join(root, 'none')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('No installed model package is named "nosuch"');
    expect(none.stderr).not.toContain('not found (expected a folder');
    expect(existsSync(path.join(root, 'none'))).toBe(false);
  }, 120_000);

  it('--csv predictions takes the name and the prefix, with the same rows as the full hash', async () => {
    const rows: string[] = [];
    for (const [model, out] of [[hash, 'full.csv'], ['tiny', 'name.csv'], [hash.slice(0, 12), 'prefix.csv']]) {
      const r = await lumen(['export', '--csv', 'predictions', '--model', model, '--library', library, '--out', path.join(root, out)]);
      expect(r.code, `${model}: ${r.stderr}`).toBe(0);
      expect(r.stdout).toMatch(/^Wrote [1-9]\d* predictions rows to /);
      rows.push(readFileSync(path.join(root, out), 'utf8'));
    }
    expect(rows[1]).toBe(rows[0]);
    expect(rows[2]).toBe(rows[0]);
    const none = await lumen(['export', '--csv', 'predictions', '--model', 'nosuch', '--library', library, '--out', path.join(root, 'none.csv')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('No installed model package is named "nosuch"');
  }, 120_000);
});
