// A writing command that fails leaves nothing it made (common/node/safe-fs.ts undoCreatedOnFailure):
// not the --out file or folder, not the folders it made above it; a folder that was there before
// stays. Real failures, no mocks: a package its own checks refuse (a name over 200 characters),
// a file name so long that the temporary file beside it cannot be made (ENAMETOOLONG after the
// folders above are made), a training run whose checkpoint folder cannot be made.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedLibrary, runLumen } from '../support/cli';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

let root: string;
let library: string;
let set: PhantomSet;

const lumen = (args: string[]) => runLumen(args, path.join(root, 'data'));
/** A file or folder name of 250 bytes: a name a file system takes, but not with ".partial-…" after it. */
const LONG = 'm'.repeat(250);

beforeAll(async () => {
  ({ root, library, set } = await importedLibrary('failed-writes', (dir) => writePhantomSet(dir, { patients: 8, slices: 1, size: 32, seed: 3 })));
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

/**
 * Makes `existing`, a folder that is there before the command, with a file in it. (What the file
 * holds is not looked at: it was a model lumen export wrote, a run of its own to make a file.)
 */
function thereBefore(existing: string): void {
  mkdirSync(existing);
  writeFileSync(path.join(existing, 'kept.onnx'), 'there before');
}

/** `existing` (there before the command) is still there and holds nothing new. */
function onlyWhatWasThere(existing: string, before: string[]): void {
  expect(statSync(existing).isDirectory()).toBe(true);
  expect(readdirSync(existing).sort()).toEqual(before);
}

describe('lumen export --format onnx | tfjs | package', () => {
  it.each([
    ['onnx', (dir: string) => path.join(dir, 'sub', 'dir', `${LONG}.onnx`)],
    ['tfjs', (dir: string) => path.join(dir, 'sub', 'dir', LONG)],
  ] as const)('--format %s: a name the temporary file beside it cannot have, in folders it made', async (format, outIn) => {
    const existing = path.join(root, `exports-${format}`);
    const out = outIn(path.join(existing, 'new'));
    thereBefore(existing);
    const before = readdirSync(existing).sort();
    const r = await lumen(['export', '--variant', 'b0', '--resolution', '32', '--classes', '2', '--format', format, '--out', out, '--library', library]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/too long/);
    expect(existsSync(path.join(existing, 'new')), 'the folders it made for --out').toBe(false);
    onlyWhatWasThere(existing, before);
  }, 120_000);

  it('--format package: a package its checks refuse leaves none of the folders it made', async () => {
    const existing = path.join(root, 'exports-package');
    thereBefore(existing);
    const before = readdirSync(existing).sort();
    const r = await lumen(['export', '--variant', 'b0', '--resolution', '32', '--classes', '2', '--format', 'package', '--name', 'x'.repeat(300), '--out', path.join(existing, 'new', 'sub', 'pkg'), '--library', library]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/invalid metadata: name/);
    expect(existsSync(path.join(existing, 'new'))).toBe(false);
    onlyWhatWasThere(existing, before);
  }, 120_000);
});

describe('lumen train --out', () => {
  it('a run whose checkpoint folder cannot be made leaves none of the folders it made', async () => {
    const existing = path.join(root, 'train-out');
    thereBefore(existing);
    const before = readdirSync(existing).sort();
    // The package name takes 250 bytes; "<name>.checkpoint" beside it cannot be made.
    const r = await lumen(['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-6', '--resolution', '32', '--epochs', '1', '--out', path.join(existing, 'new', 'sub', LONG)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/too long/);
    expect(existsSync(path.join(existing, 'new'))).toBe(false);
    onlyWhatWasThere(existing, before);
  }, 180_000);

  it('a run that fails before its first epoch leaves no checkpoint folder (one holding an epoch stays: test/cli/full-disk.test.ts)', async () => {
    const existing = path.join(root, 'train-early');
    mkdirSync(existing);
    writeFileSync(path.join(existing, 'kept.txt'), 'there before');
    const before = readdirSync(existing).sort();
    // The library's images are not where it imported them from: reading the first one fails,
    // after the run made its checkpoint folder and before any epoch.
    renameSync(set.dir, `${set.dir}.away`);
    try {
      const r = await lumen(['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-6', '--resolution', '32', '--epochs', '1', '--out', path.join(existing, 'model')]);
      expect(r.code).toBe(1);
      expect(existsSync(path.join(existing, 'model.checkpoint')), 'the checkpoint folder it made').toBe(false);
      onlyWhatWasThere(existing, before);
      const r2 = await lumen(['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-6', '--resolution', '32', '--epochs', '1', '--out', path.join(existing, 'new', 'sub', 'model')]);
      expect(r2.code).toBe(1);
      expect(existsSync(path.join(existing, 'new')), 'the folders it made above --out').toBe(false);
      onlyWhatWasThere(existing, before);
    } finally {
      renameSync(`${set.dir}.away`, set.dir);
    }
  }, 180_000);
});

describe('lumen render --out', () => {
  it('a folder that is not there: refused in words, nothing made', async () => {
    const file = path.join(set.dir, readdirSync(set.dir, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('.dcm'))!);
    const out = path.join(root, 'no-such-folder', 'x.png');
    const r = await lumen(['render', file, '--out', out]);
    // Said before anything runs, as every command says it (out-folder-missing-h21).
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--out ${out}: the folder ${path.join(root, 'no-such-folder')} does not exist: create it first.`);
    // Node's own words are not shown.
    expect(r.stderr).not.toMatch(/ENOENT|open '/);
    expect(existsSync(path.join(root, 'no-such-folder'))).toBe(false);
  }, 60_000);
});
