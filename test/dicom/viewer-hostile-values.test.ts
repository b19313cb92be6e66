// The viewer's frame on hostile rescale values written by dcmtk's dump2dcm: a Rescale Slope (or
// Intercept) whose values are no 32-bit floats (the viewer's values are Float32:
// renderer/src/viewer/image.ts loadFrame). The engine refuses such an image with the attribute
// and its value named (dcmtk's dcmj2pnm draws it all black, saying nothing), rather than send a
// frame whose window, corner and measurements would read Infinity or NaN (or, with 1e308, a frame
// its own schema rejects as "a bug"). The corner text on such values:
// test/renderer/viewer-hostile-values-corner.test.ts; on screen: test/e2e/viewer-hostile-values.test.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DicomFileError, parseDicomFile } from '../../electron/dicom/parse';
import { renderFrame } from '../../electron/dicom/pixels';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { renderThumbnail } from '../../electron/library/thumbnail';
import type { InstanceRecord } from '../../electron/library/types';
import { writeUs, type UsImage } from './us-regions-fixture';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-viewer-hostile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 8-bit stored values: 20..59 in the background, 230 in the bright square (us-regions-fixture).
const IMG: UsImage = { columns: 60, rows: 45, modality: 'CT' };
const notNumbers = /Infinity|NaN/;

async function refusal(name: string, lines: string[]): Promise<DicomFileError> {
  const file = writeUs(dir, name, { ...IMG, lines });
  const err = await viewerFrameOf(await parseDicomFile(file), 0).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DicomFileError);
  expect((err as DicomFileError).file).toBe(file);
  return err as DicomFileError;
}

describe('values after the Modality LUT beyond 32-bit floats', () => {
  it('refuses a Rescale Slope of 1e308 or 1e38 (every value infinite), naming the attribute and its value', async () => {
    for (const slope of ['1e308', '1e38', '-1e308']) {
      const err = await refusal(`slope-${slope}`, ['(0028,1052) DS [0]', `(0028,1053) DS [${slope}]`]);
      expect(err.reason).toBe(`Rescale Slope ${slope} makes every value infinite, so the image cannot be shown. The file is corrupt; export it again from its source.`);
      expect(err.message).not.toMatch(notNumbers);
    }
  });

  it('names Rescale Intercept where the intercept alone is too large, and says how far values reach where only some overflow', async () => {
    const intercept = await refusal('intercept-1e39', ['(0028,1052) DS [1e39]', '(0028,1053) DS [1]']);
    expect(intercept.reason).toMatch(/^Rescale Intercept 1e39 makes every value infinite, so the image cannot be shown\./);
    // 20 x 1e37 is a 32-bit float, 230 x 1e37 is not.
    const some = await refusal('slope-1e37', ['(0028,1052) DS [0]', '(0028,1053) DS [1e37]']);
    expect(some.reason).toBe('Rescale Slope 1e37 makes some values infinite (up to 2.3e39, beyond the ±3.4e38 of 32-bit values), so the image cannot be shown. The file is corrupt; export it again from its source.');
  });
});

describe('the rest of the one pixel pipeline on such a file', () => {
  it('refuses it in words for lumen render, training and prediction, and a thumbnail is made from a neighbour', async () => {
    const bad = writeUs(dir, 'pipeline-1e308', { ...IMG, lines: ['(0028,1052) DS [0]', '(0028,1053) DS [1e308]'] });
    const good = writeUs(dir, 'pipeline-1', { ...IMG, lines: ['(0028,1052) DS [0]', '(0028,1053) DS [1]'] });
    const err = await renderFrame(await parseDicomFile(bad), 0).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DicomFileError);
    expect((err as DicomFileError).reason).toMatch(/^Rescale Slope 1e308 makes every value infinite, so the image cannot be shown\./);
    // The series' middle image is the refused one: its thumbnail is its neighbour's (before: all white).
    const instance = (path: string) => ({ path, missing: false, hasPixelData: true }) as InstanceRecord;
    const png = await renderThumbnail([instance(good), instance(bad), instance(good)], '1.2.3');
    const alone = await renderThumbnail([instance(good)], '1.2.3');
    expect(png.equals(alone)).toBe(true);
  });
});

describe("a file's window narrower than 1", () => {
  // PS3.3 C.11.2.1.2: Window Width is at least 1 for LINEAR, and only greater than 0 for
  // LINEAR_EXACT and SIGMOID (continuous values: a dose of 0.5 Gy across). 0 and -5 are no window.
  it('is kept for LINEAR_EXACT and SIGMOID, dropped for LINEAR, and 0 or -5 is dropped for all', async () => {
    const own = async (name: string, fn: string | null, width: string) => {
      const file = writeUs(dir, name, { ...IMG, lines: [...(fn ? [`(0028,1056) CS [${fn}]`] : []), '(0028,1050) DS [40]', `(0028,1051) DS [${width}]`] });
      return (await viewerFrameOf(await parseDicomFile(file), 0)).windows.filter((w) => w.id.startsWith('file-')).map((w) => [w.center, w.width]);
    };
    expect(await own('exact-half', 'LINEAR_EXACT', '0.5')).toEqual([[40, 0.5]]);
    expect(await own('sigmoid-half', 'SIGMOID', '0.5')).toEqual([[40, 0.5]]);
    expect(await own('linear-half', null, '0.5')).toEqual([]);
    for (const fn of [null, 'LINEAR_EXACT', 'SIGMOID']) for (const width of ['0', '-5']) expect(await own(`${fn ?? 'linear'}-${width}`, fn, width)).toEqual([]);
  });
});
