// Task M (T's finding T4): a package import takes its folder name atomically and never replaces
// what it finds there; once the package is in place it stays installed, and an audit entry that
// cannot be written is said as such, not as "nothing was installed".
import { mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { moveToFreeName } from '../../common/node/safe-fs';
import { createEngine } from '../../electron/engine/engine';
import { importPackage, listPackages } from '../../electron/engine/predict/packages';
import { exportPackageArchive, importPackageArchive } from '../../models/package/archive';
import { tempFolderForTests } from '../support/temp-folder';
import { saveRandomHeadPackage } from '../support/tiny-package';

const t = tempFolderForTests('m-import-claims-name', () => ({}));
const preprocessing = { scale: 1 / 255, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };

async function archive(who: string, seed: number): Promise<{ file: string; hash: string }> {
  const dir = path.join(t.dir, 'made', who);
  const meta = await saveRandomHeadPackage(dir, { inputSize: 32, seed, sd: 5, headSeed: seed + 4 }, { name: who, classNames: ['none', 'lesion'], preprocessing });
  mkdirSync(path.join(t.dir, who), { recursive: true });
  const file = path.join(t.dir, who, 'lesion.lumenpkg');
  await exportPackageArchive(dir, file);
  return { file, hash: meta.contentHash };
}

function folderWith(dir: string, name: string, text: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, name), text);
}

describe('moveToFreeName', () => {
  it('moves to the name when free, else to the first free numbered one, replacing nothing', () => {
    const parent = path.join(t.dir, 'free-name');
    folderWith(path.join(parent, 'x.partial-1'), 'a', 'first');
    expect(moveToFreeName(parent, path.join(parent, 'x.partial-1'), 'x', { numbered: true })).toBe(path.join(parent, 'x'));
    // Taken by a package, an empty folder (another process's claim) and a dangling link: none is touched.
    mkdirSync(path.join(parent, 'x-2'));
    symlinkSync(path.join(t.dir, 'nowhere'), path.join(parent, 'x-3'));
    folderWith(path.join(parent, 'x.partial-2'), 'a', 'second');
    expect(moveToFreeName(parent, path.join(parent, 'x.partial-2'), 'x', { numbered: true })).toBe(path.join(parent, 'x-4'));
    expect(readFileSync(path.join(parent, 'x', 'a'), 'utf8')).toBe('first');
    expect(readdirSync(path.join(parent, 'x-2'))).toEqual([]);
    expect(readFileSync(path.join(parent, 'x-4', 'a'), 'utf8')).toBe('second');
    expect(readdirSync(parent).sort()).toEqual(['x', 'x-2', 'x-3', 'x-4']);
  });

  it('without numbered, refuses a taken name (even an empty folder) and moves nothing', () => {
    const parent = path.join(t.dir, 'taken-name');
    mkdirSync(path.join(parent, 'y'), { recursive: true });
    folderWith(path.join(parent, 'y.partial-1'), 'a', 'new');
    expect(() => moveToFreeName(parent, path.join(parent, 'y.partial-1'), 'y')).toThrow(expect.objectContaining({ code: 'EEXIST', path: path.join(parent, 'y') }));
    expect(readdirSync(path.join(parent, 'y'))).toEqual([]);
    expect(readFileSync(path.join(parent, 'y.partial-1', 'a'), 'utf8')).toBe('new');
  });

  it('refuses a name that is not one plain folder name, and a folder outside the parent', () => {
    const parent = path.join(t.dir, 'bad-name');
    folderWith(path.join(parent, 'z.partial-1'), 'a', 'new');
    for (const name of ['..', '.', 'a/b', '']) expect(() => moveToFreeName(parent, path.join(parent, 'z.partial-1'), name, { numbered: true })).toThrow(/Refusing to create/);
    expect(() => moveToFreeName(parent, t.dir, 'z', { numbered: true })).toThrow(/Refusing to move/);
    expect(readdirSync(parent)).toEqual(['z.partial-1']);
  });

  it('says so when every numbered name is taken', () => {
    const parent = path.join(t.dir, 'all-taken');
    for (const n of ['w', 'w-2', 'w-3']) mkdirSync(path.join(parent, n), { recursive: true });
    folderWith(path.join(parent, 'w.partial-1'), 'a', 'new');
    expect(() => moveToFreeName(parent, path.join(parent, 'w.partial-1'), 'w', { numbered: true, tries: 3 })).toThrow(/w-2 … w-3\) are all taken/);
  });
});

describe('importing a package archive', () => {
  it('importPackageArchive without numbered refuses a taken folder, with numbered takes the next', async () => {
    const { file, hash } = await archive('carol', 11);
    const parent = path.join(t.dir, 'archive-dest');
    folderWith(path.join(parent, 'lesion'), 'notes.txt', 'mine');
    await expect(importPackageArchive(file, path.join(parent, 'lesion'))).rejects.toThrow('already exists');
    const imported = await importPackageArchive(file, path.join(parent, 'lesion'), { numbered: true });
    expect(imported.dir).toBe(path.join(parent, 'lesion-2'));
    expect(imported.metadata.contentHash).toBe(hash);
    expect(readFileSync(path.join(parent, 'lesion', 'notes.txt'), 'utf8')).toBe('mine');
    expect(readdirSync(parent).sort()).toEqual(['lesion', 'lesion-2']);
  });

  // Failed before the fix: the audit entry's error came out of importPackage after the package had
  // moved in, and `lumen models import` said "Nothing was installed from …" of an installed package.
  it('a package in place stays installed when the audit entry cannot be written, and says so', async () => {
    const { file, hash } = await archive('dave', 21);
    const data = path.join(t.dir, 'data-no-library');
    mkdirSync(data, { recursive: true });
    writeFileSync(path.join(data, 'library'), 'not a folder'); // the library cannot open
    const imported = await importPackage(data, file);
    expect(imported.dir).toBe(path.join(data, 'models', 'lesion'));
    expect(imported.notes).toHaveLength(1);
    expect(imported.notes[0]).toContain(`The package was installed in ${imported.dir}, but the library's audit log could not record the install: `);
    const { packages } = await listPackages(data);
    expect(packages.map((p) => p.contentHash)).toEqual([hash]);
  });

  it("the app's import requests bring the note and the folder used to the panel", async () => {
    const one = await archive('gina', 51);
    const two = await archive('hank', 61);
    const data = path.join(t.dir, 'data-app');
    mkdirSync(data, { recursive: true });
    writeFileSync(path.join(data, 'library'), 'not a folder'); // the library cannot open: each install comes with a note
    const engine = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu' });
    try {
      const ctx = { emit: () => undefined };
      const first = await engine.dispatch('models.importPackage', { file: one.file }, ctx);
      expect(first.ok, JSON.stringify(first)).toBe(true);
      const a = (first as { value: { dir: string; notes: string[] } }).value;
      expect(a.dir).toBe(path.join(data, 'models', 'lesion'));
      expect(a.notes.join(' ')).toContain("but the library's audit log could not record the install");
      const second = await engine.dispatch('training.importPackage', { file: two.file }, ctx);
      expect(second.ok, JSON.stringify(second)).toBe(true);
      const b = (second as { value: { dir: string; notes: string[] } }).value;
      expect(b.dir).toBe(path.join(data, 'models', 'lesion-2'));
      expect(b.notes).toHaveLength(1);
    } finally {
      engine.dispose();
    }
  });

  it('a second import of a same-named file goes to lesion-2, and the first stays', async () => {
    const one = await archive('erin', 31);
    const two = await archive('frank', 41);
    const data = path.join(t.dir, 'data-two');
    const first = await importPackage(data, one.file);
    expect(first.notes).toEqual([]);
    const second = await importPackage(data, two.file);
    expect([first.dir, second.dir]).toEqual([path.join(data, 'models', 'lesion'), path.join(data, 'models', 'lesion-2')]);
    expect(second.notes).toEqual([]);
    const { packages } = await listPackages(data);
    expect(new Map(packages.map((p) => [p.contentHash, p.dir]))).toEqual(new Map([[one.hash, first.dir], [two.hash, second.dir]]));
  });
});
