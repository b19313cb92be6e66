// Task C, session 20: two `lumen models import`s of the same package at once (or the app's Import
// beside the CLI) both installed it, as models/x and models/x-2: each listed the packages before it
// unpacked, found none with the hash, and moved its copy in. Now the check and the move are done
// under one lock across processes (electron/engine/predict/install-lock.ts): the package is
// installed once and the other import is told it is installed already.
//
// The first test pauses the first import (SIGSTOP) while it unpacks, runs the second, then lets
// the first go on: before the fix the first installed a second copy as x-2 every time. The second
// test starts two imports at the same moment, several times. The third shows that a process killed
// while holding the lock leaves it free.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { spawnLumen } from '../support/crash';
import { tempFolderForTests } from '../support/temp-folder';
import { importWhileOnePaused } from '../support/paused-import';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { INSTALL_LOCK_FILE } from '../../electron/engine/predict/install-lock';
import { importPackage } from '../../electron/engine/predict/packages';

const t = tempFolderForTests('c20-one-install-per-package', () => ({}));
const preprocessing = { scale: 1 / 255, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
const repo = path.resolve(__dirname, '../..');

async function exported(name: string, seed: number): Promise<{ file: string; hash: string }> {
  const made = path.join(t.dir, `made-${name}`);
  const meta = await saveRandomHeadPackage(path.join(made, 'models', name), { inputSize: 32, seed, sd: 5, headSeed: seed + 4 }, { name, classNames: ['none', 'lesion'], preprocessing });
  mkdirSync(path.join(t.dir, 'files'), { recursive: true });
  const file = path.join(t.dir, 'files', `${name}.lumenpkg`);
  const out = await runLumen(['models', 'export', name, '--out', file], made);
  expect(out.code, out.stderr).toBe(0);
  return { file, hash: meta.contentHash };
}

async function freshData(name: string): Promise<{ data: string; models: string }> {
  const data = path.join(t.dir, name);
  rmSync(data, { recursive: true, force: true });
  // The library exists already (two processes making it is another matter).
  expect((await runLumen(['ls'], data)).code).toBe(0);
  return { data, models: path.join(data, 'models') };
}

function finished(child: ReturnType<typeof spawnLumen>): Promise<number | null> {
  return new Promise((resolve) => child.once('close', resolve));
}

async function installed(data: string): Promise<{ dir: string; contentHash: string }[]> {
  const listed = await runLumen(['models', 'packages', '--json'], data);
  expect(listed.code, listed.stderr).toBe(0);
  return (JSON.parse(listed.stdout) as { packages: { dir: string; contentHash: string }[] }).packages;
}

describe('two lumen models import of one package at once', () => {
  it('installs it once when the first is still unpacking as the second finishes; the first says it is installed', async () => {
    const pkg = await exported('lesion', 3);
    const { data, models } = await freshData('paused');
    const { first, second } = await importWhileOnePaused(data, 'lesion', pkg.file, pkg.file);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(path.relative(models, (JSON.parse(second.stdout) as { dir: string }).dir)).toBe('lesion');
    // The first is refused, naming where the package is, and installs nothing.
    expect(first.code, first.output).toBe(1);
    expect(first.output).toContain(`already installed in ${path.join(models, 'lesion')}`);
    expect((await installed(data)).map((p) => [path.relative(models, p.dir), p.contentHash])).toEqual([['lesion', pkg.hash]]);
    expect(readdirSync(models)).toEqual(['lesion']);
  }, 300_000);

  it('installs it once when both start at the same moment (several rounds), and two packages of one name still each get a folder', async () => {
    const pkg = await exported('nodule', 5);
    for (let round = 0; round < 4; round++) {
      const { data, models } = await freshData(`together-${round}`);
      const both = [0, 1].map(() => spawnLumen(['models', 'import', pkg.file, '--json'], { LUMEN_DATA_DIR: data }));
      const codes = await Promise.all(both.map(finished));
      const outputs = both.map((c) => c.output());
      expect(codes.slice().sort(), outputs.join('\n---\n')).toEqual([0, 1]);
      const loser = outputs[codes.indexOf(1)];
      expect(loser).toContain(`already installed in ${path.join(models, 'nodule')}`);
      expect((await installed(data)).map((p) => path.relative(models, p.dir))).toEqual(['nodule']);
      expect(readdirSync(models)).toEqual(['nodule']);
    }
    // Another package exported under the same file name is not the same package: it gets nodule-2.
    const other = await exported('nodule-other', 9);
    const renamed = path.join(t.dir, 'other', 'nodule.lumenpkg');
    mkdirSync(path.dirname(renamed), { recursive: true });
    renameSync(other.file, renamed);
    const { data, models } = await freshData('together-two-packages');
    const two = [pkg.file, renamed].map((f) => spawnLumen(['models', 'import', f, '--json'], { LUMEN_DATA_DIR: data }));
    const codes = await Promise.all(two.map(finished));
    expect(codes, two.map((c) => c.output()).join('\n---\n')).toEqual([0, 0]);
    const byHash = new Map((await installed(data)).map((p) => [p.contentHash, path.relative(models, p.dir)]));
    expect([...byHash.keys()].sort()).toEqual([pkg.hash, other.hash].sort());
    expect([...byHash.values()].sort()).toEqual(['nodule', 'nodule-2']);
  }, 600_000);

  it('a process killed while it holds the install lock leaves it free', async () => {
    const pkg = await exported('killed', 11);
    const { data, models } = await freshData('killed-holder');
    mkdirSync(models, { recursive: true });
    // A process that takes the lock as an install does, and is then killed outright.
    const holder = spawn(process.execPath, ['-e', `const D = require('better-sqlite3'); const db = new D(${JSON.stringify(path.join(data, INSTALL_LOCK_FILE))}, { timeout: 0 }); db.exec('BEGIN EXCLUSIVE'); console.log('held'); setInterval(() => {}, 1e6);`], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.once('data', () => resolve());
      holder.once('exit', (code) => reject(new Error(`the lock holder ended (code ${code}) before it held the lock`)));
    });
    const importing = spawnLumen(['models', 'import', pkg.file, '--json'], { LUMEN_DATA_DIR: data });
    const done = finished(importing);
    // It unpacks, then waits for the lock; the holder is killed meanwhile, and the install goes on.
    const waitUntil = Date.now() + 120_000;
    while (!readdirSync(models).some((n) => n.startsWith('killed.partial-'))) {
      expect(importing.exitCode, importing.output()).toBeNull();
      expect(Date.now()).toBeLessThan(waitUntil);
      await new Promise((r) => setTimeout(r, 2));
    }
    holder.kill('SIGKILL');
    expect(await done, importing.output()).toBe(0);
    expect((await installed(data)).map((p) => [path.relative(models, p.dir), p.contentHash])).toEqual([['killed', pkg.hash]]);
  }, 300_000);

  it('a lock path that is a symbolic link or a folder is not followed: nothing is installed, and the error names it', async () => {
    const pkg = await exported('hostile', 13);
    const { data, models } = await freshData('hostile-lock');
    const elsewhere = path.join(t.dir, 'elsewhere.db');
    writeFileSync(elsewhere, 'not a lock');
    mkdirSync(data, { recursive: true });
    symlinkSync(elsewhere, path.join(data, INSTALL_LOCK_FILE));
    await expect(importPackage(data, pkg.file)).rejects.toThrow(`${path.join(data, INSTALL_LOCK_FILE)} is not a regular file`);
    rmSync(path.join(data, INSTALL_LOCK_FILE));
    mkdirSync(path.join(data, INSTALL_LOCK_FILE));
    await expect(importPackage(data, pkg.file)).rejects.toThrow(`${path.join(data, INSTALL_LOCK_FILE)} is not a regular file`);
    expect(existsSync(models) ? readdirSync(models) : []).toEqual([]);
    rmSync(path.join(data, INSTALL_LOCK_FILE), { recursive: true });
    expect((await importPackage(data, pkg.file)).contentHash).toBe(pkg.hash);
  }, 120_000);
});
