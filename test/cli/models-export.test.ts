// `lumen models export` writes an installed package (or one version of it) as one .lumenpkg that
// another data folder's `lumen models import` installs with the same content hash; only the
// package's own files go in (not its report beside it, not its earlier versions). The path is
// checked as the other exports check theirs. Before, no command wrote a .lumenpkg (T2-4).
// Also: `--model <name>` of an installed package this Lumen cannot use (a newer format) gives
// why, not "no package is named" (T2-12), and `lumen models delete` without a terminal names
// the command once (T2-9 b).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { runLumen } from '../support/cli';
import { kneeWithTwoVersions } from '../support/knee-versions';
import { rehashedCopy } from '../support/tiny-package';

let root: string;
let dataDir: string;
let other: string;
let out: string;
let hashes: Record<string, string>;
const models = () => path.join(dataDir, 'models');
/** The names in a .lumenpkg as GNU tar lists them (not the archive code under test). */
const tarList = (file: string) => execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).trim().split('\n').sort();

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-models-export-'));
  dataDir = path.join(root, 'data');
  other = path.join(root, 'colleague');
  out = path.join(root, 'out');
  mkdirSync(out);
  hashes = await kneeWithTwoVersions(dataDir);
  // An installed package from a newer Lumen (format version 3): listed as not usable.
  rehashedCopy(path.join(models(), 'knee'), path.join(models(), 'shape-new'), (dir) => {
    const file = path.join(dir, 'metadata.json');
    const m = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...m, name: 'shape-new', formatVersion: 3 }));
  });
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('lumen models export and import', () => {
  it('exports the package under a name with only its own files; another data folder imports it to the same content hash', async () => {
    const file = path.join(out, 'knee.lumenpkg');
    const r = await runLumen(['models', 'export', 'knee', '--out', file, '--json'], dataDir);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ out: file, contentHash: hashes['2'], version: 2, packageDir: path.join(models(), 'knee') });
    // The package folder's files, metadata.json first as the format says; not knee.report.html, not knee.versions/.
    const own = readdirSync(path.join(models(), 'knee')).sort();
    expect(own).toContain('metadata.json');
    expect(tarList(file)).toEqual(own);
    expect(summary.files).toEqual(own);
    expect(execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n')[0]).toBe('metadata.json');
    expect(tarList(file).join(' ')).not.toMatch(/report|versions|library|\.sqlite|\//);
    expect(summary.bytes).toBe(statSync(file).size);
    // Nothing half-written is left beside it.
    expect(readdirSync(out)).toEqual(['knee.lumenpkg']);

    const imported = await runLumen(['models', 'import', file, '--json'], other);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ contentHash: hashes['2'], dir: path.join(other, 'models', 'knee') });
    const shown = await runLumen(['models', 'show', 'knee', '--json'], other);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).contentHash).toBe(hashes['2']);
    // The same file again: already installed, said so, nothing added.
    const again = await runLumen(['models', 'import', file], other);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`is already installed in ${path.join(other, 'models', 'knee')}`);
    expect(readdirSync(path.join(other, 'models'))).toEqual(['knee']);
  }, 120_000);

  it('exports an earlier version by name@hash prefix, and it imports as that version', async () => {
    const file = path.join(out, 'knee-v1.lumenpkg');
    const r = await runLumen(['models', 'export', `knee@${hashes['1'].slice(0, 8)}`, '--out', file], dataDir);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Wrote ${file}: knee-1 version 1 #${hashes['1'].slice(0, 12)} \\(4 files, [\\d,]+ bytes\\)\\.`));
    const imported = await runLumen(['models', 'import', file, '--json'], other);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ contentHash: hashes['1'], dir: path.join(other, 'models', 'knee-v1') });
    // By content-hash prefix alone, and by folder, the same package.
    const byHash = await runLumen(['models', 'export', hashes['1'].slice(0, 6), '--out', path.join(out, 'by-hash.lumenpkg'), '--json'], dataDir);
    expect(byHash.code, byHash.stderr).toBe(0);
    expect(JSON.parse(byHash.stdout).contentHash).toBe(hashes['1']);
    const byFolder = await runLumen(['models', 'export', path.join(models(), 'knee'), '--out', path.join(out, 'by-folder.lumenpkg'), '--json'], dataDir);
    expect(byFolder.code, byFolder.stderr).toBe(0);
    expect(JSON.parse(byFolder.stdout).contentHash).toBe(hashes['2']);
  }, 120_000);

  it('never replaces a file without --overwrite; with it the file is replaced whole', async () => {
    const file = path.join(out, 'taken.lumenpkg');
    writeFileSync(file, 'a colleague\'s file');
    const r = await runLumen(['models', 'export', 'knee', '--out', file], dataDir);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`lumen models: ${file} already exists (pass --overwrite to replace it)\n`);
    expect(readFileSync(file, 'utf8')).toBe('a colleague\'s file');
    const o = await runLumen(['models', 'export', 'knee', '--out', file, '--overwrite', '--json'], dataDir);
    expect(o.code, o.stderr).toBe(0);
    expect(tarList(file)).toEqual(readdirSync(path.join(models(), 'knee')).sort());
    expect(readdirSync(out).filter((n) => n.includes('partial'))).toEqual([]);
  }, 120_000);

  it('refuses a wrong --out with what and where, writing nothing', async () => {
    const cases: [string[], RegExp][] = [
      [['--out', path.join(out, 'knee.tar')], /--out .*knee\.tar: the file's name must end in \.lumenpkg/],
      [['--out', path.join(root, 'missing', 'k.lumenpkg')], /the folder .*missing does not exist: create it first/],
      [['--out', path.join(models(), 'knee', 'k.lumenpkg')], /is a model package's folder: a file written there would become part of that package/],
      [['--out', out], /--out .*out: it is a folder; name a file/],
      [[], /--out <file\.lumenpkg> is required/],
    ];
    const before = readdirSync(out).sort();
    for (const [args, message] of cases) {
      const r = await runLumen(['models', 'export', 'knee', ...args], dataDir);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(readdirSync(out).sort()).toEqual(before);
    expect(readdirSync(path.join(models(), 'knee')).sort()).toEqual(['group1-shard1of1.bin', 'metadata.json', 'model.json', 'model.onnx']);
    const none = await runLumen(['models', 'export', 'nosuch', '--out', path.join(out, 'n.lumenpkg')], dataDir);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('No installed model package is named "nosuch"');
    const flag = await runLumen(['models', 'packages', '--out', path.join(out, 'n.lumenpkg')], dataDir);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toContain('--out and --overwrite belong to lumen models export');
  }, 120_000);
});

describe('a package this Lumen cannot use, named', () => {
  it('--model, show and export give the reason, as lumen models packages does (failed before: "No installed model package is named")', async () => {
    const listed = await runLumen(['models', 'packages'], dataDir);
    expect(listed.stdout).toMatch(/not a usable package: .*shape-new: made by a newer Lumen/);
    const library = path.join(root, 'library');
    Library.open(library).close();
    for (const args of [
      ['eval', '--model', 'shape-new', '--library', library],
      ['predict', '--model', 'shape-new', '--library', library, '--series', '1.2.3'],
      ['models', 'show', 'shape-new'],
      ['models', 'export', 'shape-new', '--out', path.join(out, 'new.lumenpkg')],
    ]) {
      const r = await runLumen(args, dataDir);
      expect(r.code, args.join(' ')).toBe(1);
      expect(r.stderr).toMatch(/"shape-new" is installed but is not a usable package \(lumen models packages lists it so\): Model package .*shape-new: made by a newer Lumen .*Update Lumen to open it\.\n$/);
      expect(r.stderr).not.toContain('No installed model package');
    }
  }, 120_000);
});

describe('lumen models delete without a terminal', () => {
  it('names the command once (failed before: "lumen models: lumen models delete knee: …")', async () => {
    const r = await runLumen(['models', 'delete', 'knee'], dataDir);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`lumen models: nothing was deleted. Standard input is not a terminal, so Lumen cannot ask: add --yes to delete knee version 2 #${hashes['2'].slice(0, 12)} without asking.\n`);
  }, 60_000);
});
