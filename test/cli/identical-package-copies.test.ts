// Task E (s17): two folders that hold one package byte for byte (one content hash: a version folder
// or a package folder copied by hand). Before, `name@hash` and a hash prefix matched both and the
// CLI said "give more of the content hash", which no longer hash could satisfy: no command reached
// either copy, and the app's Delete sent users to that same dead end. Now copies of one name's
// versions are one package (run: the one under the name or the newest; delete: an earlier copy,
// said so), the listings say which versions are the same, and copies under two folder names are
// told apart by the folder. Also: `--model` and `--backbone` name themselves in a name's errors.
// Real packages (test/support/tiny-package.ts), the versions layout training makes, real `lumen`.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listPackages } from '../../electron/engine/predict/packages';
import { Library } from '../../electron/library/library';
import { placeKeepingEarlier } from '../../models/package';
import { runLumen } from '../support/crash';
import { saveTinyNetPackage } from '../support/tiny-package';

let root: string;
let dataDir: string;
let models: string;
let hashA: string;
let hashB: string;
let library: string;
const env = () => ({ LUMEN_DATA_DIR: dataDir });

/** Saves a package named `name` into models/<folder>, keeping the one there as an earlier version (as a training run does). */
async function addVersion(folder: string, name: string): Promise<string> {
  const temp = path.join(models, `${name}-new`);
  await saveTinyNetPackage(temp, name);
  const hash = (await listPackages(dataDir)).packages.find((p) => p.dir === temp)!.contentHash;
  placeKeepingEarlier(models, temp, path.join(models, folder));
  await new Promise((r) => setTimeout(r, 20)); // made one after the other
  return hash;
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-copies-'));
  dataDir = path.join(root, 'data');
  models = path.join(dataDir, 'models');
  mkdirSync(models, { recursive: true });
  hashA = await addVersion('knee', 'knee');
  hashB = await addVersion('knee', 'knee');
  // Version 1 copied by hand beside itself: knee has versions 1 and 2 (both A) and 3 (B, current).
  const v1 = path.join(models, 'knee.versions', hashA.slice(0, 12));
  cpSync(v1, `${v1}-2`, { recursive: true });
  library = path.join(root, 'library');
  Library.open(library).close();
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('copies of one version under one name', () => {
  it('lumen models versions and packages say which versions are the same package', async () => {
    const versions = await runLumen(['models', 'versions', 'knee'], env());
    expect(versions.code, versions.output).toBe(0);
    expect(versions.stdout).toMatch(new RegExp(`version 3 \\(current\\)  #${hashB.slice(0, 12)} .*knee\\n`));
    expect(versions.stdout).toMatch(new RegExp(`version 2  #${hashA.slice(0, 12)} .*  \\(the same package as version 1\\)\\n`));
    expect(versions.stdout).toMatch(new RegExp(`version 1  #${hashA.slice(0, 12)} .*  \\(the same package as version 2\\)\\n`));
    const packages = await runLumen(['models', 'packages'], env());
    expect(packages.code, packages.output).toBe(0);
    expect(packages.stdout).toContain('(the same package as version 1)');
    expect(packages.stdout).not.toContain(`#${hashB.slice(0, 12)}  (the same`);
  });

  it('name@hash reaches the package: show, export and --model (failed before: "2 installed packages match")', async () => {
    const prefix = `knee@${hashA.slice(0, 6)}`;
    const show = await runLumen(['models', 'show', prefix, '--json'], env());
    expect(show.code, show.output).toBe(0);
    expect(JSON.parse(show.stdout)).toMatchObject({ contentHash: hashA, version: 2 });
    const file = path.join(root, 'a.lumenpkg');
    const exported = await runLumen(['models', 'export', prefix, '--out', file], env());
    expect(exported.code, exported.output).toBe(0);
    expect(existsSync(file)).toBe(true);
    // A hash prefix alone too: --model goes past the name to the series, which the empty library lacks.
    const predict = await runLumen(['predict', '--model', hashA.slice(0, 8), '--library', library, '--series', '1.2.3'], env());
    expect(predict.code).toBe(1);
    expect(predict.output).toContain('1.2.3');
    expect(predict.output).not.toContain('match');
  });

  it('lumen models delete name@hash removes one copy and says the other stays; the name keeps its package', async () => {
    const versionsDir = path.join(models, 'knee.versions');
    const r = await runLumen(['models', 'delete', `knee@${hashA.slice(0, 6)}`, '--yes'], env());
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/^Removed knee version 2 .*It is a copy: version 1 holds the same package and stays\.\n$/);
    expect(readdirSync(versionsDir).filter((n) => !n.endsWith('.html'))).toHaveLength(1);
    const left = (await listPackages(dataDir)).packages.map((p) => [p.contentHash, p.version, p.earlierVersionOf ? 'earlier' : 'current']);
    expect(left).toEqual([[hashB, 2, 'current'], [hashA, 1, 'earlier']]);
    // The last copy is a version like any other: no note, and it goes.
    const last = await runLumen(['models', 'delete', `knee@${hashA.slice(0, 6)}`, '--yes'], env());
    expect(last.code, last.output).toBe(0);
    expect(last.stdout).not.toContain('copy');
    expect((await listPackages(dataDir)).packages.map((p) => p.contentHash)).toEqual([hashB]);
  });
});

describe('one package copied into two folders', () => {
  beforeAll(() => {
    cpSync(path.join(models, 'knee'), path.join(models, 'knee-copy'), { recursive: true });
  });

  it('a hash prefix or the shared model name asks for the folder, naming both', async () => {
    const byHash = await runLumen(['models', 'show', hashB.slice(0, 8)], env());
    expect(byHash.code).toBe(1);
    expect(byHash.output).toContain(`"${hashB.slice(0, 8)}" matches one package (#${hashB.slice(0, 12)}) copied into 2 folders, knee, knee-copy: name the folder you mean (knee@${hashB.slice(0, 8)} or knee-copy@${hashB.slice(0, 8)}).`);
  });

  it('each folder is reachable by its name, with or without @hash', async () => {
    for (const [which, dir] of [['knee', 'knee'], ['knee-copy', 'knee-copy'], [`knee@${hashB.slice(0, 8)}`, 'knee'], [`knee-copy@${hashB.slice(0, 8)}`, 'knee-copy']]) {
      const r = await runLumen(['models', 'show', which, '--json'], env());
      expect(r.code, `${which}: ${r.output}`).toBe(0);
      expect(JSON.parse(r.stdout).dir).toBe(path.join(models, dir));
    }
  });
});

describe('--model and --backbone name themselves in a name lookup error', () => {
  it('says the flag before the reason', async () => {
    const predict = await runLumen(['predict', '--model', 'no-such', '--library', library], env());
    expect(predict.code).toBe(1);
    expect(predict.output).toContain('lumen predict: --model: No installed model package is named "no-such"');
    const train = await runLumen(['train', '--variant', 'b0', '--library', library, '--out', path.join(root, 'out'), '--backbone', 'no-such'], env());
    expect(train.code).toBe(1);
    expect(train.output).toContain('--backbone: No installed model package is named "no-such"');
  });
});
