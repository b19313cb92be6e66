// Exports onto a full disk (a real tmpfs, test/support/small-disk.ts): DICOM SR and a CSV
// table from `lumen export` fail in one line naming the file and the disk, leave no file and no
// temporary file in the folder, and are written whole once space is freed.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { lumen, MODEL_HASH, PATIENT_A, resultsLibrary, type ResultsLibrary } from './fixtures';

/** Every file under `dir`, relative. */
function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))).sort() : [];
}

const disk = smallDiskForTests('full-disk-results');
let lib: ResultsLibrary;

beforeAll(async () => {
  if (!smallDiskSkip) lib = await resultsLibrary('full-disk');
}, 180_000);
afterAll(() => lib?.library.close());

describe.skipIf(smallDiskSkip)(`exports onto a full disk${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('lumen export --results (SR): no file, no partial file; written once space is freed', async () => {
    const out = path.join(disk.dir, 'results');
    fs.mkdirSync(out);
    const args = ['export', '--results', PATIENT_A.seriesUid, '--model', MODEL_HASH, '--library', lib.dir, '--out', out];
    disk.fill(0);
    try {
      const full = await lumen(args);
      expect(full.code).toBe(1);
      expect(full.stderr).toMatch(new RegExp(`^lumen export: could not write ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[^ ]+\\.dcm: the disk is full\\. Free space on that disk, then run the command again\\.\\n$`));
      expect(filesUnder(out)).toEqual([]);
    } finally {
      disk.unfill();
    }
    const freed = await lumen([...args, '--json']);
    expect(freed.code).toBe(0);
    expect(JSON.parse(freed.stdout).files.map((f: { kind: string }) => f.kind)).toEqual(['predictions-sr', 'measurements-sr']);
    expect(filesUnder(out).every((f) => f.endsWith('.dcm'))).toBe(true);
  }, 120_000);

  it('lumen export --csv predictions: no file, no partial file; written once space is freed', async () => {
    const file = path.join(disk.dir, 'tables', 'predictions.csv');
    fs.mkdirSync(path.dirname(file));
    const args = ['export', '--csv', 'predictions', '--library', lib.dir, '--out', file];
    disk.fill(0);
    try {
      const full = await lumen(args);
      expect(full.code).toBe(1);
      expect(full.stderr).toBe(`lumen export: could not write ${file}: the disk is full. Free space on that disk, then run the command again.\n`);
      expect(filesUnder(path.dirname(file))).toEqual([]);
    } finally {
      disk.unfill();
    }
    expect((await lumen(args)).code).toBe(0);
    expect(filesUnder(path.dirname(file))).toEqual(['predictions.csv']);
  }, 120_000);
});
