// 32-bit stored values far from 0 with a narrow spread (2^30 .. 2^30 + 4000, Rescale Slope 1: a
// dose grid, a parametric map, some PET). A 32-bit float holds integers exactly only up to 2^24,
// so values of 2^30 taken as they are become steps of 128 (31 grays, or one flat gray for a
// spread below 64). The pipeline carries them relative to the frame's smallest value instead:
// the image Lumen renders (thumbnails, `lumen render`, model input) is dcmtk's, gray for gray.
// Files written by dcmtk's dump2dcm; dcm2pnm renders the same windows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../electron/dicom/parse';
import { renderFrame } from '../../electron/dicom/pixels';
import { BASE, COLUMNS, dcm2pnmGray, maxDiff, writeWide, type WideImage } from './wide-values-fixture';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-wide-values-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const grays = (a: ArrayLike<number>) => new Set(Array.from(a)).size;

describe('32-bit stored values far above 2^24 with a narrow spread', () => {
  for (const [label, img] of [
    ['unsigned 2^30 .. 2^30 + 4000', { spread: 4000 }],
    ['signed 2^30 .. 2^30 + 4000', { spread: 4000, signed: true }],
    ['signed -2^31 + 10 .. + 40 (a spread below one float step)', { spread: 30, signed: true, base: -(2 ** 31) + 10 }],
    ['unsigned 2^32 - 3000 .. 2^32 - 1', { spread: 2998, base: 2 ** 32 - 3000 }],
  ] as [string, WideImage][]) {
    it(`renders ${label} as dcm2pnm does over its full range, not as a flat image`, async () => {
      const file = writeWide(dir, label.replace(/[^a-z0-9]+/gi, '-'), img);
      const image = await renderFrame(await parseDicomFile(file), 0);
      const reference = dcm2pnmGray(dir, file, ['+Wm']);
      expect(grays(reference)).toBeGreaterThan(Math.min(img.spread, COLUMNS) / 2);
      expect(maxDiff(image.data, reference)).toBeLessThanOrEqual(1);
      // The window it reports is in the file's own values (the full range), not relative ones.
      expect(image.window!.center).toBeCloseTo((img.base ?? BASE) + (img.spread + 1 + 1) / 2, 6);
    });
  }

  it('windows them as dcm2pnm does with the file window and with a window asked for', async () => {
    const file = writeWide(dir, 'file-window', { spread: 4000, lines: [`(0028,1050) DS [${BASE + 1500}]`, '(0028,1051) DS [1000]'] });
    const parsed = await parseDicomFile(file);
    const own = await renderFrame(parsed, 0);
    expect(maxDiff(own.data, dcm2pnmGray(dir, file, ['+Wi', '1']))).toBeLessThanOrEqual(1);
    expect(grays(own.data)).toBeGreaterThan(10);
    const asked = await renderFrame(parsed, 0, { window: { center: BASE + 3000, width: 2001 } });
    expect(maxDiff(asked.data, dcm2pnmGray(dir, file, ['+Ww', String(BASE + 3000), '2001']))).toBeLessThanOrEqual(1);
  });

  it('keeps every gray of an ordinary 32-bit image (values below 2^24) as before', async () => {
    const file = writeWide(dir, 'ordinary', { spread: 4000, base: 1000 });
    const image = await renderFrame(await parseDicomFile(file), 0);
    expect(maxDiff(image.data, dcm2pnmGray(dir, file, ['+Wm']))).toBeLessThanOrEqual(1);
    expect(image.window).toEqual({ center: 1000 + (4001 + 1) / 2, width: 4002 });
  });
});
