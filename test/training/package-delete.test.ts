// `lumen models delete`: one version of a package (the next newest then runs under the name),
// a whole package with its versions, refused without a terminal and without --yes, and every
// name or folder that could lead outside models/ refused in words with nothing removed. Real
// packages (test/support/tiny-package.ts), the versions layout training makes
// (placeKeepingEarlier), and real `lumen` processes.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deletePackage, listPackages, undoDelete, deletedDir } from '../../electron/engine/predict/packages';
import { placeKeepingEarlier } from '../../models/package';
import { runLumen } from '../support/crash';
import { saveTinyNetPackage } from '../support/tiny-package';

let root: string;
let dataDir: string;
let models: string;
let outside: string;
const env = () => ({ LUMEN_DATA_DIR: dataDir });
const hashes: Record<string, string> = {};

/** Saves a package of name `name` as version `label`, kept as the earlier one when the name is taken (as a training run does). */
async function addVersion(name: string, label: string): Promise<string> {
  const temp = path.join(models, `${name}-${label}-new`);
  await saveTinyNetPackage(temp, `${name}-${label}`);
  const hash = (await listPackages(dataDir)).packages.find((p) => p.dir === temp)!.contentHash;
  placeKeepingEarlier(models, temp, path.join(models, name));
  hashes[`${name}-${label}`] = hash;
  await new Promise((r) => setTimeout(r, 20)); // made one after the other
  return hash;
}

const listing = async () => (await listPackages(dataDir)).packages.map((p) => [path.relative(models, p.dir), p.contentHash, p.version ?? 1]);

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-package-delete-'));
  dataDir = path.join(root, 'data');
  models = path.join(dataDir, 'models');
  mkdirSync(models, { recursive: true });
  outside = path.join(root, 'outside');
  mkdirSync(outside);
  for (const v of ['1', '2', '3']) await addVersion('knee', v);
  await addVersion('hip', '1');
  // A package outside the data folder that must survive everything below.
  await saveTinyNetPackage(path.join(outside, 'pkg'), 'outside');
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('lumen models delete', () => {
  it('refuses without a terminal and without --yes, saying how, and deletes nothing', async () => {
    const before = await listing();
    const r = await runLumen(['models', 'delete', 'knee'], env());
    expect(r.code).toBe(2);
    expect(r.output).toContain('nothing was deleted');
    expect(r.output).toContain('add --yes');
    expect(await listing()).toEqual(before);
  });

  it('deletes the newest version: the next newest then runs under the name', async () => {
    const r = await runLumen(['models', 'delete', 'knee', '--yes'], env());
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain(`Removed knee version 3 #${hashes['knee-3'].slice(0, 12)} (knee)`);
    expect(r.stdout).toContain(`knee now runs version 2 #${hashes['knee-2'].slice(0, 12)}`);
    expect(await listing()).toEqual([
      ['hip', hashes['hip-1'], 1],
      ['knee', hashes['knee-2'], 2],
      [`knee.versions/${hashes['knee-1'].slice(0, 12)}`, hashes['knee-1'], 1],
    ]);
    // The CLI has no undo: nothing waits in the deleted-packages folder.
    expect(readdirSync(deletedDir(dataDir))).toEqual([]);
    const shown = await runLumen(['models', 'show', 'knee', '--json'], env());
    expect(JSON.parse(shown.stdout).contentHash).toBe(hashes['knee-2']);
  });

  it('deletes an earlier version by name@hash prefix, and its versions folder when it is the last', async () => {
    const r = await runLumen(['models', 'delete', `knee@${hashes['knee-1'].slice(0, 8)}`, '--yes', '--json'], env());
    expect(r.code, r.output).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ removed: [path.join(models, 'knee.versions', hashes['knee-1'].slice(0, 12))], promoted: null });
    expect(existsSync(path.join(models, 'knee.versions'))).toBe(false);
    expect(await listing()).toEqual([['hip', hashes['hip-1'], 1], ['knee', hashes['knee-2'], 1]]);
  });

  it.each([['../x'], ['a/b'], ['..'], ['.'], ['../outside@abcd']])('refuses the name %s in words', async (name) => {
    const before = await listing();
    const r = await runLumen(['models', 'delete', name, '--yes'], env());
    expect(r.code).toBe(2);
    expect(r.output).toContain('is not a package name');
    expect(await listing()).toEqual(before);
    expect(existsSync(path.join(outside, 'pkg', 'metadata.json'))).toBe(true);
  });

  it('removes one of two copies of a version that a hash prefix matches, and says the other stays', async () => {
    // Two copies of one version (placeKeepingEarlier names a second one <hash12>-2): one package,
    // so one copy goes (s17 E; before: refused with "give more of the content hash", which no hash could).
    await addVersion('knee', '4');
    const v = path.join(models, 'knee.versions', hashes['knee-2'].slice(0, 12));
    cpSync(v, `${v}-2`, { recursive: true });
    const r = await runLumen(['models', 'delete', `knee@${hashes['knee-2'].slice(0, 6)}`, '--yes'], env());
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/It is a copy: version \d holds the same package and stays\./);
    expect([existsSync(v), existsSync(`${v}-2`)].filter(Boolean)).toHaveLength(1);
    rmSync(`${v}-2`, { recursive: true, force: true });
  });

  it('refuses a symbolic link to a package outside models/, and never removes what it points to', async () => {
    // A version folder that is a link to a package outside: listed (it loads), never deleted.
    const link = path.join(models, 'hip.versions', 'outside');
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.join(outside, 'pkg'), link);
    const outsideHash = (await listPackages(dataDir)).packages.find((p) => p.dir === link)!.contentHash;
    const r = await runLumen(['models', 'delete', `hip@${outsideHash.slice(0, 12)}`, '--yes'], env());
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/Refusing to delete .*hip\.versions\/outside: it is a symbolic link/);
    expect(existsSync(link)).toBe(true);

    // A versions folder that is itself a link outside: refused too.
    const other = path.join(outside, 'versions');
    cpSync(path.join(models, 'knee.versions'), other, { recursive: true });
    rmSync(path.join(models, 'knee.versions'), { recursive: true });
    symlinkSync(other, path.join(models, 'knee.versions'));
    const all = await runLumen(['models', 'delete', 'knee', '--all-versions', '--yes'], env());
    expect(all.code).not.toBe(0);
    expect(all.output).toMatch(/knee\.versions: it is a symbolic link/);
    expect(existsSync(path.join(models, 'knee'))).toBe(true);
    expect(readdirSync(other)).toHaveLength(1);
    rmSync(path.join(models, 'knee.versions'));
    cpSync(other, path.join(models, 'knee.versions'), { recursive: true });

    // The whole of hip (its versions folder holding the link): the link goes, what it points to stays.
    const whole = await runLumen(['models', 'delete', 'hip', '--all-versions', '--yes'], env());
    expect(whole.code, whole.output).toBe(0);
    expect(whole.stdout).toContain('Removed hip with all its versions (2) (hip, hip.versions)');
    expect(existsSync(path.join(models, 'hip'))).toBe(false);
    expect(existsSync(path.join(models, 'hip.versions'))).toBe(false);
    expect(existsSync(path.join(outside, 'pkg', 'metadata.json'))).toBe(true);
    expect(readdirSync(deletedDir(dataDir))).toEqual([]);
  });

  it('moves aside and puts back exactly (the app\'s Undo): the promoted version goes back to its versions folder', async () => {
    const before = await listing();
    const done = await deletePackage(dataDir, path.join(models, 'knee'));
    expect(done.promoted?.contentHash).toBe(hashes['knee-2']);
    expect((await listing()).map((p) => p[1])).toEqual([hashes['knee-2']]);
    expect(readdirSync(path.join(deletedDir(dataDir), done.undoId)).sort()).toEqual(['0', 'record.json']);
    undoDelete(dataDir, done.undoId);
    expect(await listing()).toEqual(before);
    expect(readdirSync(deletedDir(dataDir))).toEqual([]);
    expect(() => undoDelete(dataDir, done.undoId)).toThrow(/nothing to undo/);
    expect(() => undoDelete(dataDir, '../models')).toThrow(/Refusing/);
  });

  it('refuses an undo, moving nothing, when a package took the name since', async () => {
    const done = await deletePackage(dataDir, path.join(models, 'knee'), { allVersions: true });
    expect(await listing()).toEqual([]);
    await saveTinyNetPackage(path.join(models, 'knee'), 'knee-new');
    const newer = await listing();
    expect(() => undoDelete(dataDir, done.undoId)).toThrow(`Cannot undo: ${path.join(models, 'knee')} holds something else now (a package trained or copied there since). Move it away, then undo again.`);
    expect(await listing()).toEqual(newer);
    expect(readdirSync(path.join(deletedDir(dataDir), done.undoId)).sort()).toEqual(['0', '1', 'record.json']);
    rmSync(path.join(models, 'knee'), { recursive: true });
    undoDelete(dataDir, done.undoId);
    expect((await listing()).map((p) => p[1])).toEqual([hashes['knee-4'], hashes['knee-2']]);
  });

  it('says why, and deletes nothing, when the folder for Undo cannot be made or lies on another disk', async () => {
    // The data folder holds a file where the deleted packages would wait.
    const other = path.join(root, 'data-file');
    mkdirSync(path.join(other, 'models'), { recursive: true });
    await saveTinyNetPackage(path.join(other, 'models', 'hip'), 'hip');
    writeFileSync(path.join(other, 'deleted-packages'), 'not a folder');
    await expect(deletePackage(other, path.join(other, 'models', 'hip'))).rejects.toThrow(/^Cannot delete hip version 1 #[0-9a-f]{12}: the folder deleted packages wait in for Undo, .*deleted-packages, cannot be made \(.+\)\. Nothing was deleted\.$/);
    expect(existsSync(path.join(other, 'models', 'hip', 'metadata.json'))).toBe(true);

    // models/ on another disk (tmpfs) than the data folder: a rename cannot move it aside.
    const shm = mkdtempSync('/dev/shm/lumen-package-delete-');
    try {
      const split = path.join(root, 'data-split');
      mkdirSync(split);
      mkdirSync(path.join(shm, 'models'));
      symlinkSync(path.join(shm, 'models'), path.join(split, 'models'));
      await saveTinyNetPackage(path.join(split, 'models', 'hip'), 'hip');
      await expect(deletePackage(split, path.join(split, 'models', 'hip'))).rejects.toThrow(/the models folder is on another disk than .*data-split\/deleted-packages, so it cannot be moved aside to be undone\. Nothing was deleted\./);
      expect(existsSync(path.join(shm, 'models', 'hip', 'metadata.json'))).toBe(true);
      expect(readdirSync(deletedDir(split))).toEqual([]);
    } finally {
      rmSync(shm, { recursive: true, force: true });
    }
  });

  it('asks on a terminal, and deletes only on yes', async () => {
    // `script` gives lumen a terminal (a pseudo-terminal) and types the answer.
    const ask = (answer: string) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const cmd = `${process.execPath} ${path.resolve('bin/lumen.mjs')} models delete knee`;
        const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: { ...process.env, LUMEN_DATA_DIR: dataDir }, stdio: ['pipe', 'pipe', 'pipe'] });
        let output = '';
        child.stdout.on('data', (d) => {
          output += d;
          if (output.includes('[y/N]') && !child.stdin.writableEnded) child.stdin.end(`${answer}\n`);
        });
        child.stderr.on('data', (d) => (output += d));
        child.on('close', (code) => resolve({ code, output }));
      });
    const before = await listing();
    const no = await ask('n');
    expect(no.output).toContain(`Delete knee version 2 #${hashes['knee-4'].slice(0, 12)}, made `);
    expect(no.output).toContain(`knee then runs version 1 #${hashes['knee-2'].slice(0, 12)}. Stored predictions in the library stay. [y/N]`);
    expect(no.output).toContain('Nothing was deleted.');
    expect(no.code).toBe(1);
    expect(await listing()).toEqual(before);
    const yes = await ask('y');
    expect(yes.code, yes.output).toBe(0);
    expect(yes.output).toContain(`Removed knee version 2 #${hashes['knee-4'].slice(0, 12)}`);
    expect((await listing()).map((p) => p[1])).toEqual([hashes['knee-2']]);
  });

  it('refuses while a job uses the package (the engine says which)', async () => {
    const before = await listing();
    const current = (await listPackages(dataDir)).packages.find((p) => p.dir === path.join(models, 'knee'))!;
    await expect(deletePackage(dataDir, current.dir, { inUse: (h) => (h.includes(current.contentHash) ? 'a prediction with it is running' : null) })).rejects.toThrow(
      `knee version ${current.version ?? 1} #${current.contentHash.slice(0, 12)} was not deleted: a prediction with it is running`,
    );
    expect(await listing()).toEqual(before);
  });
});
