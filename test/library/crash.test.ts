// An import killed mid-way (SIGKILL, no cleanup) leaves a library that SQLite finds intact,
// and running the same import again finishes it.
import Database from 'better-sqlite3';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killWhen, runLumen, spawnLumen } from '../support/crash';
import { writePhantomSet } from '../training/phantoms';
import { tmpDir } from './fixtures';

const FILES = 1500;
let root: string;
let dicom: string;

beforeAll(() => {
  root = tmpDir('crash-import');
  dicom = writePhantomSet(path.join(root, 'dicom'), { patients: FILES, slices: 1, size: 16, seed: 3 }).dir;
}, 60_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

function count(file: string): number {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM instances').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('an import killed mid-way', () => {
  it('leaves an intact library, and the same import resumes and finishes it', async () => {
    const library = path.join(root, 'library');
    const file = path.join(library, 'library.sqlite');
    const env = { LUMEN_DATA_DIR: path.join(root, 'data') };
    const child = spawnLumen(['import', dicom, '--library', library, '--json'], env);
    // The importer commits in batches: kill once the first batch is in.
    await killWhen(child, () => existsSync(file) && count(file) > 0);

    const db = new Database(file);
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      db.close();
    }
    const before = count(file);
    expect(before).toBeGreaterThan(0);
    expect(before).toBeLessThan(FILES);

    const again = await runLumen(['import', dicom, '--library', library, '--json'], env);
    expect(again.code, again.output).toBe(0);
    const report = JSON.parse(again.stdout);
    expect(report.errors).toEqual([]);
    expect(report.unchanged).toBe(before);
    expect(report.imported).toBe(FILES - before);
    expect(report.instances).toBe(FILES);
    expect(count(file)).toBe(FILES);
  }, 120_000);
});
