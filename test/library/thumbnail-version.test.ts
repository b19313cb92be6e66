// Thumbnails cached by an older Lumen (before 5c802cd a CT whose values all lie outside the
// soft-tissue preset was cached as a blank square; before c9c1dbe a 32-bit image far above 2^24
// as a flat one) are made again when next asked for, not kept until their series is imported
// again. A regeneration that fails keeps the old picture and says why in the log, per series.
// Files made by dcmtk's dump2dcm; the old thumbnail is written as the old code wrote it: the
// preset window, no fallback, in thumbnails/<series>.png.
import fs from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../electron/dicom/parse';
import { encodePng, renderFrame } from '../../electron/dicom/pixels';
import { Library } from '../../electron/library/library';
import { downscale } from '../../electron/library/thumbnail';
import { writeUs } from '../dicom/us-regions-fixture';
import { tmpDir } from './fixtures';

const AIR = ['(0028,1052) DS [-1024]', '(0028,1053) DS [1]'];
const SERIES_A = '1.2.826.0.1.3680043.10.89.71.1';
const SERIES_B = '1.2.826.0.1.3680043.10.89.71.2';

let root = '';
let lib: Library;
const logged: string[] = [];
const files: Record<string, string> = {};

/** The thumbnail the code before 5c802cd cached: the CT soft-tissue preset, whatever it gives. */
async function oldThumbnail(file: string): Promise<Buffer> {
  const image = await renderFrame(await parseDicomFile(file), 0, { window: { center: 40, width: 400 } });
  return encodePng(downscale(image));
}

const greys = (png: Buffer) => {
  const image = PNG.sync.read(png);
  const seen = new Set<number>();
  for (let i = 0; i < image.data.length; i += 4) seen.add(image.data[i]);
  return seen.size;
};

beforeAll(async () => {
  root = tmpDir('thumbnail-version');
  for (const [name, series] of [['a', SERIES_A], ['b', SERIES_B]] as const) {
    const folder = path.join(root, `src-${name}`);
    fs.mkdirSync(folder);
    // A slice of air, -1004..-794 HU: below the soft-tissue preset, all of it.
    files[series] = writeUs(folder, `air-${name}`, { columns: 60, rows: 45, modality: 'CT', series, lines: AIR });
  }
  lib = Library.open(path.join(root, 'library'), { log: (line) => logged.push(line) });
  await lib.importPaths([path.join(root, 'src-a'), path.join(root, 'src-b')]);
  fs.mkdirSync(path.join(lib.dir, 'thumbnails'), { recursive: true });
  for (const series of [SERIES_A, SERIES_B]) fs.writeFileSync(path.join(lib.dir, 'thumbnails', `${series}.png`), await oldThumbnail(files[series]));
});
afterAll(() => {
  lib?.close();
  fs.rmSync(root, { recursive: true, force: true });
});

describe('a thumbnail an older Lumen cached', () => {
  it('was a blank square (the old rule), the test’s premise', async () => {
    expect(greys(fs.readFileSync(path.join(lib.dir, 'thumbnails', `${SERIES_A}.png`)))).toBe(1);
  });

  it('is made again by the current rule when next asked for, and cached in its place', async () => {
    const png = await lib.thumbnail(SERIES_A);
    expect(greys(png)).toBeGreaterThan(10);
    // Asked again: the new one, from the cache (the file's pixels are not read again).
    fs.renameSync(files[SERIES_A], `${files[SERIES_A]}.away`);
    try {
      expect(await lib.thumbnail(SERIES_A)).toEqual(png);
    } finally {
      fs.renameSync(`${files[SERIES_A]}.away`, files[SERIES_A]);
    }
    // One picture of the series in the cache: the new one.
    const cached = fs.readdirSync(path.join(lib.dir, 'thumbnails')).filter((f) => f.startsWith(`${SERIES_A}.`));
    expect(cached).toHaveLength(1);
    expect(fs.readFileSync(path.join(lib.dir, 'thumbnails', cached[0]))).toEqual(png);
  });

  it('is kept, and the log says why, when it cannot be made again', async () => {
    const old = fs.readFileSync(path.join(lib.dir, 'thumbnails', `${SERIES_B}.png`));
    // The series' one file moved away since the import: nothing to draw it from.
    fs.renameSync(files[SERIES_B], `${files[SERIES_B]}.away`);
    try {
      expect(await lib.thumbnail(SERIES_B)).toEqual(old);
      expect(fs.readFileSync(path.join(lib.dir, 'thumbnails', `${SERIES_B}.png`))).toEqual(old);
      expect(logged.filter((l) => l.includes(SERIES_B))).toEqual([
        expect.stringMatching(new RegExp(`^The thumbnail of series ${SERIES_B.replace(/\./g, '\\.')} made by an older Lumen could not be made again, so the old one is shown: .*${path.basename(files[SERIES_B]).replace(/\./g, '\\.')}`)),
      ]);
      // The source's own file is where the user left it: nothing of theirs was deleted.
      expect(fs.existsSync(`${files[SERIES_B]}.away`)).toBe(true);
    } finally {
      fs.renameSync(`${files[SERIES_B]}.away`, files[SERIES_B]);
    }
    // Back in place: made again on the next ask.
    expect(greys(await lib.thumbnail(SERIES_B))).toBeGreaterThan(10);
    expect(fs.existsSync(path.join(lib.dir, 'thumbnails', `${SERIES_B}.png`))).toBe(false);
  });
});
