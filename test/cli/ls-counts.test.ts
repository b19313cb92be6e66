// `lumen ls` counts images as the study list does: a multi-frame file is as many images as it has
// frames (GDCM's three-frame word image, JPEG-LS by dcmcjpls), and the files that hold them are
// named where they are fewer: "3 images (1 file)", never "1 image, 3 frames".
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageCount } from '../../common/counts';
import { importedLibrary, runLumen, type ImportedLibrary } from '../support/cli';
import { writeDataSet, type DataSet } from '../e2e/external-dicom-data';

describe('the one way of counting images', () => {
  it('says images, and the files where they are fewer', () => {
    expect(imageCount(1)).toBe('1 image');
    expect(imageCount(0)).toBe('0 images');
    expect(imageCount(3, 1)).toBe('3 images (1 file)');
    expect(imageCount(7, 2)).toBe('7 images (2 files)');
    expect(imageCount(4, 4)).toBe('4 images');
    // Files without frames known (an object the list has no frames for) never read as fewer images.
    expect(imageCount(0, 2)).toBe('2 images');
  });
});

describe('lumen ls on a multi-frame file', () => {
  let lib: ImportedLibrary<DataSet>;
  beforeAll(async () => {
    lib = await importedLibrary('ls-counts', (dir) => writeDataSet(dir));
  }, 180_000);
  afterAll(() => rmSync(lib.root, { recursive: true, force: true }));

  it('counts its frames as images on the patient, study and series lines, naming the one file', async () => {
    const run = await runLumen(['ls', '--library', lib.library, '--search', lib.set.multiframe.search], path.join(lib.root, 'data'));
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    const patient = lines.find((l) => l.includes('Jürgen'));
    expect(patient).toContain('1 study, 3 images (1 file)');
    const study = lines.find((l) => / — 1 series, /.test(l));
    expect(study).toContain('1 series, 3 images (1 file)');
    const series = lines.find((l) => l.includes(lib.set.multiframe.seriesUid));
    expect(series).toContain(' — 3 images (1 file)');
    expect(run.stdout).not.toMatch(/frames?\b/);
  }, 60_000);

  it('says a single-frame file is one image, as before', async () => {
    const run = await runLumen(['ls', '--library', lib.library, '--search', 'Photo'], path.join(lib.root, 'data'));
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('1 series, 1 image\n');
    expect(run.stdout).not.toContain('file)');
  }, 60_000);
});
