// What `lumen import` says about a folder from other software with an SR beside its images and
// one patient under two names (dcmtk's dump2dcm, test/e2e/external-dicom-more.ts): images and
// result documents counted apart ("25 images and 1 result document imported"), and the file
// with other patient details listed as imported with a warning, not among the files not imported.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { writeMoreExternalSet } from '../e2e/external-dicom-more';
import { tmpDir } from './fixtures';

const run = promisify(execFile);
const root = path.resolve(__dirname, '../..');

describe('lumen import wording', () => {
  const dir = tmpDir('import-wording');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('counts images and result documents apart, and lists a patient-details conflict as imported', async () => {
    const set = writeMoreExternalSet(path.join(dir, 'in'));
    const args = [path.join(root, 'bin/lumen.mjs'), 'import', set.dir, '--library', path.join(dir, 'lib')];
    const env = { ...process.env, LUMEN_DATA_DIR: path.join(dir, 'data') };
    const { stdout } = await run(process.execPath, args, { cwd: root, env });
    const lines = stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${set.imageFiles + 1} images \\(${set.imageFiles} files\\) and 1 result document imported;`));
    const warned = lines.findIndex((l) => l.startsWith('1 file imported with other patient details than the library holds for the same patient'));
    expect(warned).toBeGreaterThan(0);
    expect(lines[warned + 1]).toContain(`${path.join(set.dir, 'two-names-2.dcm')}: its Patient's Name (0010,0010) differs`);
    expect(stdout).toMatch(/^2 files not imported \(2 objects without an image\):$/m);
    expect(stdout).not.toMatch(/with other patient details \(imported\)/);

    // Read again: nothing is new, the SR no more than the images (same path, size and time).
    const again = await run(process.execPath, args, { cwd: root, env });
    expect(again.stdout.split('\n')[0]).toMatch(new RegExp(`^0 images imported, ${set.imageFiles + 1} files already in the library;`));
  }, 120_000);
});
