// A series' thumbnail, for a CT without a window of its own, is drawn in the soft-tissue preset;
// where every value of the image lies outside it (all white or all black: a slope of 1e36, a
// slice of air), it is drawn in the image's own range instead, as the viewer's "Full range" would,
// rather than as a blank square. A file's own window is always kept. Files made by dump2dcm.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderThumbnail } from '../../electron/library/thumbnail';
import type { InstanceRecord } from '../../electron/library/types';
import { writeUs } from '../dicom/us-regions-fixture';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-thumbnail-window-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The grey levels of a series' thumbnail made of this one CT image (8-bit stored 20..59, a square of 230). */
async function greys(name: string, lines: string[]): Promise<Set<number>> {
  const file = writeUs(dir, name, { columns: 60, rows: 45, modality: 'CT', lines });
  const png = PNG.sync.read(await renderThumbnail([{ path: file, missing: false, hasPixelData: true } as InstanceRecord], '1.2.3'));
  const seen = new Set<number>();
  for (let i = 0; i < png.data.length; i += 4) seen.add(png.data[i]);
  return seen;
}

describe('a thumbnail in a preset the image lies wholly outside', () => {
  it('is drawn in the image’s own range, not as a white or black square', async () => {
    // Every value near 1e38: above the soft-tissue window (all white before).
    expect((await greys('slope-1e36', ['(0028,1052) DS [0]', '(0028,1053) DS [1e36]'])).size).toBeGreaterThan(10);
    // Every value -1004..-794 HU: below it (all black before).
    expect((await greys('air', ['(0028,1052) DS [-1024]', '(0028,1053) DS [1]'])).size).toBeGreaterThan(10);
  });

  it('keeps the preset where the image has values inside it, and a file’s own window always', async () => {
    // 20..230 HU: inside the soft-tissue window (-160..240), drawn in it, so the square is not at 255.
    const inPreset = await greys('soft', ['(0028,1052) DS [0]', '(0028,1053) DS [1]']);
    expect(inPreset.size).toBeGreaterThan(10);
    expect(Math.max(...inPreset)).toBeLessThan(255);
    // The file's own window, every value above it: white, as the file asks.
    expect([...(await greys('own-window', ['(0028,1050) DS [-2000]', '(0028,1051) DS [100]', '(0028,1052) DS [0]', '(0028,1053) DS [1]']))]).toEqual([255]);
  });
});
