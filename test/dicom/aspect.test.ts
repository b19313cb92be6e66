// Non-square pixels: Pixel Aspect Ratio (0028,0034) in an image with no pixel spacing (some
// ultrasound, some secondary captures) is drawn at its true shape, as dcmtk's dcmj2pnm draws it
// with +a (--recognize-aspect) when scaling, and lengths along rows are scaled by it (in column
// widths, "px"). Unequal Pixel Spacing is drawn the same way. Files written by dump2dcm.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../electron/dicom/parse';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { ViewerFrame } from '../../common/contract/library';
import { angleDegrees, calibrationAt, calibrationSummary, drawnAspect, lengthReading } from '../../common/roi';
import { writeUs, type UsImage } from './us-regions-fixture';
import { readPgm } from '../support/dicom/dcm2pnm';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-aspect-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loaded(name: string, img: UsImage) {
  const file = writeUs(dir, name, img);
  const parsed = await parseDicomFile(file);
  return { file, loaded: ViewerFrame.parse(await viewerFrameOf(parsed, 0)) };
}

/** dcmj2pnm's picture size, scaled with the aspect ratio recognised (+a, x by 1, y as the aspect says). */
function dcmtkSize(file: string): [number, number] {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.pgm`);
  execFileSync('dcmj2pnm', ['+a', '+Sxf', '1', file, out], { stdio: 'pipe' });
  const { columns, rows } = readPgm(readFileSync(out));
  return [columns, rows];
}

/** The drawn image's width and height, column widths (the viewer scales rows by drawnAspect: transform.ts imageMatrix). */
function drawnSize(f: ViewerFrame): [number, number] {
  return [f.columns, f.rows * drawnAspect(f)];
}

describe('non-square pixels', () => {
  it('draws an image with Pixel Aspect Ratio 4:3 and no spacing as dcmj2pnm +a does', async () => {
    const { file, loaded: l } = await loaded('aspect-4-3', { columns: 90, rows: 60, aspect: '4\\3', modality: 'OT' });
    expect(l.pixelAspect).toEqual([4, 3]);
    expect(drawnAspect(l)).toBeCloseTo(4 / 3, 12);
    const [dw, dh] = dcmtkSize(file);
    expect([dw, dh]).toEqual([90, 80]);
    const [w, h] = drawnSize(l);
    expect(w / h).toBeCloseTo(dw / dh, 2);
    expect(calibrationSummary(l)).toBe('aspect 4:3');
  });

  it('draws unequal Pixel Spacing at its true shape too, as dcmj2pnm +a does', async () => {
    const { file, loaded: l } = await loaded('spacing-unequal', { columns: 90, rows: 60, lines: ['(0028,0030) DS [0.5\\0.25]'], modality: 'OT' });
    const [dw, dh] = dcmtkSize(file);
    expect([dw, dh]).toEqual([90, 120]);
    const [w, h] = drawnSize(l);
    expect(w / h).toBeCloseTo(dw / dh, 2);
  });

  it('scales lengths along rows by the aspect, and says the reading is in pixels', async () => {
    const { loaded: l } = await loaded('aspect-2-1', { columns: 90, rows: 60, aspect: '2\\1', modality: 'OT' });
    // 30 rows of pixels twice as tall as wide: 60 column widths.
    expect(lengthReading([[10, 10], [10, 40]], l)).toBe('60.0 px (no pixel spacing; rows scaled by aspect 2:1)');
    expect(lengthReading([[10, 10], [40, 10]], l)).toBe('30.0 px (no pixel spacing; rows scaled by aspect 2:1)');
    const c = calibrationAt([[20, 10], [10, 10], [20, 15]], l);
    expect(c).toEqual({ unit: 'px', spacing: [2, 1], why: 'no pixel spacing', aspect: [2, 1] });
    // Drawn square on screen: 10 columns by 5 rows makes 45°.
    expect(angleDegrees([20, 10], [10, 10], [20, 15], c.spacing)).toBeCloseTo(45, 9);
  });

  it('draws square, and measures plain pixels, where the ratio is unusable', async () => {
    for (const [name, aspect] of [['zero', '0\\3'], ['one-value', '4'], ['negative', '-4\\3'], ['absurd', '1000\\1'], ['square', '3\\3']] as const) {
      const { loaded: l } = await loaded(`aspect-${name}`, { columns: 90, rows: 60, aspect, modality: 'OT' });
      expect(drawnAspect(l), name).toBe(1);
      expect(lengthReading([[10, 10], [10, 40]], l), name).toBe('30.0 px (no pixel spacing)');
      expect(calibrationSummary(l), name).toBeNull();
    }
  });
});
