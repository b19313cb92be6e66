// `lumen eval`, `lumen compare` and `lumen suggest` on a library on a read-only disk (a real tmpfs remounted
// read-only, test/support/small-disk.ts). Both only read the library: they work (the backbone
// features they compute are used without being cached there), and say that they could not be
// written into the library's audit log. A library there with no pseudonym key yet
// (one that never trained a package) evaluates a package from elsewhere with --subset all, and no
// key is made.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { PSEUDONYM_KEY_FILE } from '../../electron/training/pseudonyms';
import { trainClassifier } from '../../electron/training/train';
import { initBackend } from '../../models/runtime';
import { runLumen } from '../support/cli';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { writePhantomSet } from './phantoms';

const NOT_NODE = /EROFS|SQLITE_|attempt to write|readonly database|[Cc]annot create|at .*\.ts:\d+/;
const disk = smallDiskForTests('read-only-eval', 48);
let root: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-read-only-eval-'));
});
afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe.skipIf(smallDiskSkip)(`lumen eval on a read-only library${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('evaluates and suggests, and says the audit log could not take them; a library without a key makes none', async () => {
    await initBackend('cpu');
    const set = writePhantomSet(path.join(disk.dir, 'dicom'), { patients: 12, slices: 1, size: 32, seed: 17 });
    const trained = path.join(disk.dir, 'trained-library');
    const library = Library.open(trained);
    let packageDir: string;
    try {
      expect((await library.importPaths([set.dir])).errors).toEqual([]);
      importLabelsCsvFile(library, set.csv, { author: 'tester' });
      // Unlabelled series, for Label next to rank.
      const more = writePhantomSet(path.join(disk.dir, 'unlabelled'), { patients: 3, slices: 1, size: 32, seed: 19 });
      expect((await library.importPaths([more.dir])).errors).toEqual([]);
      ({ packageDir } = await trainClassifier({ library, out: path.join(root, 'pkg'), variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'head', augmentation: false, epochs: 2, seed: 3, cacheDir: path.join(root, 'cache') }));
    } finally {
      library.close();
    }
    // Another library of the same images that never trained anything: no key.
    const other = path.join(disk.dir, 'other-library');
    const data = path.join(root, 'data');
    expect((await runLumen(['import', set.dir, '--library', other], data)).code).toBe(0);
    expect((await runLumen(['labels', 'import', set.csv, '--library', other], data)).code).toBe(0);
    expect(fs.existsSync(path.join(other, PSEUDONYM_KEY_FILE))).toBe(false);

    disk.readOnly();
    try {
      const own = await runLumen(['eval', '--model', packageDir, '--library', trained, '--subset', 'test'], data);
      expect(own.stderr).not.toMatch(NOT_NODE);
      expect(own.code, own.stderr).toBe(0);
      expect(own.stdout).toMatch(/ROC AUC \d\.\d{3}/);
      expect(own.stdout).toContain(`Note: Not recorded in the library's audit log: the library ${trained} is on a read-only disk.`);
      const elsewhere = await runLumen(['eval', '--model', packageDir, '--library', other, '--subset', 'all', '--json'], data);
      expect(elsewhere.stderr).not.toMatch(NOT_NODE);
      expect(elsewhere.code, elsewhere.stderr).toBe(0);
      const json = JSON.parse(elsewhere.stdout) as { images: number; notes: string[] };
      expect(json.images).toBe(set.patients.length);
      expect(json.notes.join(' ')).toMatch(/audit log/);
      // A copy of the package as a second model.
      const copy = path.join(root, 'pkg-copy');
      fs.cpSync(packageDir, copy, { recursive: true });
      const compared = await runLumen(['compare', '--model', packageDir, '--model', copy, '--library', trained, '--subset', 'test'], data);
      expect(compared.stderr).not.toMatch(NOT_NODE);
      expect(compared.code, compared.stderr).toBe(0);
      expect(compared.stdout).toMatch(/ROC AUC difference, B - A/);
      expect(compared.stdout).toContain(`Note: Not recorded in the library's audit log: the library ${trained} is on a read-only disk.`);
      const suggested = await runLumen(['suggest', '--model', packageDir, '--library', trained, '--json'], data);
      expect(suggested.stderr).not.toMatch(NOT_NODE);
      expect(suggested.code, suggested.stderr).toBe(0);
      const suggestions = JSON.parse(suggested.stdout) as { suggestions: unknown[]; diversity: boolean; note?: string };
      expect(suggestions.suggestions).toHaveLength(3);
      expect(suggestions.diversity).toBe(true);
      expect(suggestions.note).toMatch(/audit log/);
      expect(fs.existsSync(path.join(trained, 'feature-cache'))).toBe(false);
    } finally {
      disk.writable();
    }
    expect(fs.existsSync(path.join(other, PSEUDONYM_KEY_FILE))).toBe(false);
  }, 300_000);
});
