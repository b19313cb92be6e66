// A Rescale Slope so small (1e-300) that every value of the image becomes one 32-bit float (the
// viewer's values are Float32: renderer/src/viewer/image.ts loadFrame): the image would show one
// flat gray (black under its full-range window) without a word. Lumen refuses it as it refuses a
// slope that makes values infinite (pixels.ts refuseUnshowable), naming the attribute and the one
// value. Files written by dcmtk's dump2dcm (us-regions-fixture).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DicomFileError, parseDicomFile } from '../../electron/dicom/parse';
import { renderFrame } from '../../electron/dicom/pixels';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { writeUs, type UsImage } from './us-regions-fixture';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-window-collapse-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 8-bit stored values: 20..59 in the background, 230 in the bright square.
const IMG: UsImage = { columns: 60, rows: 45, modality: 'CT' };

async function outcome(name: string, slope: string, intercept: string): Promise<{ viewer: unknown; render: unknown }> {
  const file = writeUs(dir, name, { ...IMG, lines: [`(0028,1052) DS [${intercept}]`, `(0028,1053) DS [${slope}]`] });
  const parsed = await parseDicomFile(file);
  const caught = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e);
  return { viewer: await caught(viewerFrameOf(parsed, 0)), render: await caught(renderFrame(parsed, 0)) };
}

describe('a Rescale Slope that makes every value one number', () => {
  it('is refused in words by the viewer and the rest of the pipeline, naming the slope and the value', async () => {
    for (const [slope, intercept, value] of [
      ['1e-300', '0', '0'],
      ['-1e-300', '0', '0'],
      ['1e-50', '0', '0'],
      ['1e-300', '-1024', '-1024'],
    ]) {
      const { viewer, render } = await outcome(`tiny-${slope}-${intercept}`, slope, intercept);
      for (const err of [viewer, render]) {
        expect(err).toBeInstanceOf(DicomFileError);
        expect((err as DicomFileError).reason).toBe(`Rescale Slope ${slope} makes every value ${value}, so the image cannot be shown. The file is corrupt; export it again from its source.`);
      }
    }
  });

  it('leaves small slopes whose values stay apart alone', async () => {
    for (const slope of ['1e-6', '1e-30', '1e-40']) {
      const { viewer, render } = await outcome(`small-${slope}`, slope, '0');
      expect(viewer).toBeNull();
      expect(render).toBeNull();
    }
  });
});
