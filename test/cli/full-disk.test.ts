// Writing commands onto a full or read-only disk (a real tmpfs, test/support/small-disk.ts): each
// fails in one line naming the file and the disk, leaves nothing half-written that looks valid
// (no temporary file, no package, no half ONNX file), keeps what was there, and works once space is
// freed. Settings (settings.json), `lumen export --format onnx`, `lumen train`'s package, and a
// library on a read-only disk (viewed, not changed).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importedLibrary, runLumen } from '../support/cli';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

/** Every file under `dir`, relative. */
function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort() : [];
}

const NOT_NODE = /ENOSPC|EROFS|no space left|SQLITE_|attempt to write|at .*\.ts:\d+/;
const disk = smallDiskForTests('full-disk-cli', 48);
let root: string;
let library: string;
let set: PhantomSet;

beforeAll(async () => {
  ({ root, library, set } = await importedLibrary('full-disk-cli', (dir) => writePhantomSet(dir, { patients: 8, slices: 1, size: 32, seed: 5 })));
}, 120_000);
afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe.skipIf(smallDiskSkip)(`writing onto a full or read-only disk${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('lumen settings set: settings.json kept as it was, the file and the disk named, saved once space is freed', async () => {
    const data = path.join(disk.dir, 'settings-data');
    expect((await runLumen(['settings', 'set', 'theme', 'light'], data)).code).toBe(0);
    const before = fs.readFileSync(path.join(data, 'settings.json'), 'utf8');
    disk.fill(0);
    try {
      const full = await runLumen(['settings', 'set', 'theme', 'dark'], data);
      expect(full.code).toBe(1);
      expect(full.stderr).toBe(`lumen settings: could not write ${path.join(data, 'settings.json')}: the disk is full. Free space on that disk, then run the command again.\n`);
      expect(fs.readFileSync(path.join(data, 'settings.json'), 'utf8')).toBe(before);
      expect(filesUnder(data)).toEqual(['settings.json']);
    } finally {
      disk.unfill();
    }
    expect((await runLumen(['settings', 'set', 'theme', 'dark'], data)).code).toBe(0);
    expect(JSON.parse(fs.readFileSync(path.join(data, 'settings.json'), 'utf8')).theme).toBe('dark');
  }, 60_000);

  it('lumen export --format onnx: no file at --out, no partial file beside it; written once space is freed', async () => {
    const outDir = path.join(disk.dir, 'onnx');
    fs.mkdirSync(outDir);
    const out = path.join(outDir, 'model.onnx');
    const args = ['export', '--variant', 'b0', '--classes', '2', '--format', 'onnx', '--out', out];
    disk.fill(1024 * 1024);
    try {
      const full = await runLumen(args, path.join(root, 'data'));
      expect(full.code).toBe(1);
      expect(full.stderr).toBe(`lumen export: could not write ${out}: the disk is full. Free space on that disk, then run the command again.\n`);
      expect(filesUnder(outDir)).toEqual([]);
    } finally {
      disk.unfill();
    }
    const freed = await runLumen(args, path.join(root, 'data'));
    expect(freed.code).toBe(0);
    expect(filesUnder(outDir)).toEqual(['model.onnx']);
    fs.rmSync(outDir, { recursive: true });
  }, 240_000);

  it('lumen train onto a disk that fills while the package is written: no package, no temporary folder, the disk named', async () => {
    const outDir = path.join(disk.dir, 'packages');
    fs.mkdirSync(outDir);
    const out = path.join(outDir, 'model');
    const args = ['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-6', '--resolution', '32', '--epochs', '1', '--out', out];
    // Room for the checkpoint (tens of KiB), not for the package (its ONNX file and weights, MiBs).
    disk.fill(512 * 1024);
    try {
      const full = await runLumen(args, path.join(root, 'data'));
      expect(full.code).toBe(1);
      expect(full.stderr).toContain('Writing the model package');
      expect(full.stderr).toContain(
        `lumen train: the model package ${out} was not written: the disk is full. Nothing half-written was left there and the library records no such package; free space on that disk, then run the same command again (it resumes from the checkpoint of the last epoch, kept).`,
      );
      expect(full.stderr).not.toMatch(NOT_NODE);
      // Only the checkpoint, to resume from: no package folder, no temporary one.
      expect(fs.readdirSync(outDir)).toEqual(['model.checkpoint']);
    } finally {
      disk.unfill();
    }
    const freed = await runLumen(args, path.join(root, 'data'));
    expect(freed.code).toBe(0);
    expect(fs.readdirSync(outDir).sort()).toEqual(['model', 'model.report.html'].sort());
    expect(filesUnder(out)).toContain('metadata.json');
  }, 300_000);

  it('a library on a read-only disk: listed as it is; an import says the disk is read-only', async () => {
    const data = path.join(disk.dir, 'ro-data');
    const lib = path.join(disk.dir, 'ro-library');
    expect((await runLumen(['import', path.dirname(set.csv), '--library', lib], data)).code).toBe(0);
    const listed = (await runLumen(['ls', '--library', lib, '--json'], data)).stdout;
    disk.readOnly();
    try {
      const ls = await runLumen(['ls', '--library', lib, '--json'], data);
      expect(ls.code).toBe(0);
      expect(ls.stdout).toBe(listed);
      const imported = await runLumen(['import', path.dirname(set.csv), '--library', lib], data);
      expect(imported.code).toBe(2);
      expect(imported.stderr).toMatch(/read-only/);
      expect(imported.stderr).not.toMatch(NOT_NODE);
    } finally {
      disk.writable();
    }
  }, 120_000);
});
