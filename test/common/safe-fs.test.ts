// The guards in front of every recursive delete and folder replacement, on a real file
// system: "..", ".", absolute paths and symbolic links that lead out of the folder.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertInside, ensurePrivateDir, pathInside, removeInside, replaceInside, sealDir, tidyInterruptedWrites, UnsafePathError, writeFileAtomic } from '../../common/node/safe-fs';

let root: string;
let runs: string;
let outside: string;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-safe-fs-'));
  runs = path.join(root, 'data', 'runs');
  outside = path.join(root, 'outside');
  mkdirSync(path.join(runs, 'a'), { recursive: true });
  writeFileSync(path.join(runs, 'a', 'state.json'), '{}');
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'keep.txt'), 'keep');
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('removeInside', () => {
  it('deletes a folder tree inside its folder, and does nothing for one that is absent', () => {
    removeInside(runs, path.join(runs, 'a'));
    expect(existsSync(path.join(runs, 'a'))).toBe(false);
    expect(() => removeInside(runs, path.join(runs, 'never-made'))).not.toThrow();
  });

  it('refuses "..", ".", the folder itself and absolute paths elsewhere, and deletes nothing', () => {
    for (const target of [path.join(runs, '..'), path.join(runs, '.'), runs, `${runs}/`, path.join(runs, 'a', '..', '..'), outside, '/', path.join(runs, '..', 'runs-2')]) {
      expect(() => removeInside(runs, target), target).toThrow(UnsafePathError);
    }
    expect(existsSync(path.join(runs, 'a', 'state.json'))).toBe(true);
    expect(readFileSync(path.join(outside, 'keep.txt'), 'utf8')).toBe('keep');
  });

  it('refuses a symbolic link that leads out, as the target or as a folder on the way', () => {
    symlinkSync(outside, path.join(runs, 'link'));
    expect(() => removeInside(runs, path.join(runs, 'link'))).toThrow(/resolves to .*outside/);
    expect(() => removeInside(runs, path.join(runs, 'link', 'keep.txt'))).toThrow(UnsafePathError);
    expect(readFileSync(path.join(outside, 'keep.txt'), 'utf8')).toBe('keep');
  });

  it('accepts a parent that is itself reached through a symbolic link', () => {
    const alias = path.join(root, 'alias');
    symlinkSync(runs, alias);
    removeInside(alias, path.join(runs, 'a'));
    expect(existsSync(path.join(runs, 'a'))).toBe(false);
  });

  it('says what it refused and where the path had to be', () => {
    expect(() => removeInside(runs, path.join(runs, '..'))).toThrow(`Refusing to delete ${path.dirname(runs)}: it must lie inside ${runs}, and it is outside it.`);
    expect(() => assertInside(runs, path.join(runs, '.'))).toThrow(/that folder itself/);
    symlinkSync(outside, path.join(runs, 'link'));
    expect(() => removeInside(runs, path.join(runs, 'link'))).toThrow(`Refusing to delete ${path.join(runs, 'link')}: it must lie inside ${runs}, and it resolves to ${outside}, outside it.`);
  });

  it('pathInside joins a chosen name to its folder and refuses one that leaves it', () => {
    expect(pathInside(runs, 'run-1.b')).toBe(path.join(runs, 'run-1.b'));
    for (const name of ['..', '.', '', '../data', '/etc', 'a/../..']) expect(() => pathInside(runs, name), name).toThrow(UnsafePathError);
  });
});

describe('replaceInside', () => {
  const pkg = { file: 'metadata.json', what: 'a model package' };

  it('moves a new folder in, and replaces an old one of the same kind', () => {
    const models = path.join(root, 'models');
    mkdirSync(path.join(models, 'tmp1'), { recursive: true });
    writeFileSync(path.join(models, 'tmp1', 'metadata.json'), '1');
    replaceInside(models, path.join(models, 'tmp1'), path.join(models, 'm'), pkg);
    mkdirSync(path.join(models, 'tmp2'));
    writeFileSync(path.join(models, 'tmp2', 'metadata.json'), '2');
    replaceInside(models, path.join(models, 'tmp2'), path.join(models, 'm'), pkg);
    expect(readFileSync(path.join(models, 'm', 'metadata.json'), 'utf8')).toBe('2');
    expect(readdirSync(models)).toEqual(['m']);
  });

  it('refuses to replace a folder that is not of its kind, or one outside its folder', () => {
    const tmp = path.join(root, 'data', 'tmp');
    mkdirSync(tmp);
    expect(() => replaceInside(root, tmp, outside, pkg)).toThrow(/not a model package \(no metadata.json\)/);
    expect(() => replaceInside(path.join(root, 'data'), tmp, path.join(root, 'data', '..'), pkg)).toThrow(UnsafePathError);
    expect(readFileSync(path.join(outside, 'keep.txt'), 'utf8')).toBe('keep');
    expect(existsSync(tmp)).toBe(true);
  });
});

describe('tidyInterruptedWrites', () => {
  it('puts back a folder whose replacement never arrived and deletes other leftovers of dead processes only', () => {
    const models = path.join(root, 'models');
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    for (const name of ['lost', `lost.old-${dead}-0123abcd`, 'kept', `kept.old-${dead}-89abcdef`, `half.partial-${dead}-00000000`, `busy.partial-${process.pid}-11111111`]) {
      mkdirSync(path.join(models, name), { recursive: true });
      writeFileSync(path.join(models, name, 'metadata.json'), name);
    }
    rmSync(path.join(models, 'lost'), { recursive: true });
    expect(tidyInterruptedWrites(models)).toEqual(['lost']);
    expect(readdirSync(models).sort()).toEqual([`busy.partial-${process.pid}-11111111`, 'kept', 'lost']);
    expect(readFileSync(path.join(models, 'lost', 'metadata.json'), 'utf8')).toBe(`lost.old-${dead}-0123abcd`);
    expect(readFileSync(path.join(models, 'kept', 'metadata.json'), 'utf8')).toBe('kept');
  });
});

describe('private files and folders', () => {
  it('creates folders 0700 and files 0600 whatever the umask, and tightens an existing folder', () => {
    const old = process.umask(0o000);
    try {
      const dir = path.join(root, 'private', 'nested');
      ensurePrivateDir(dir);
      expect(statSync(dir).mode & 0o777).toBe(0o700);
      expect(statSync(path.join(root, 'private')).mode & 0o777).toBe(0o700);
      writeFileAtomic(path.join(dir, 'settings.json'), '{}');
      expect(statSync(path.join(dir, 'settings.json')).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir)).toEqual(['settings.json']);

      const loose = path.join(root, 'loose');
      mkdirSync(loose, { mode: 0o755 });
      writeFileSync(path.join(loose, 'f'), 'x', { mode: 0o644 });
      ensurePrivateDir(loose);
      expect(statSync(loose).mode & 0o777).toBe(0o700);
      sealDir(loose);
      expect(statSync(path.join(loose, 'f')).mode & 0o777).toBe(0o600);
    } finally {
      process.umask(old);
    }
  });
});
