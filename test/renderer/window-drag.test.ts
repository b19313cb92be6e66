// The W/L drag's narrowest window follows the VOI LUT Function (PS3.3 C.11.2.1.2), the one rule
// in common/voi.ts that also decides which of a file's windows are kept (pixels.ts voiWindows):
// at least 1 for LINEAR, anything above 0 for LINEAR_EXACT and SIGMOID. A file's window of
// 0.5 Gy under LINEAR_EXACT is dragged narrower or wider from where it is, never made to jump.
// Frames are the engine's own of files written by dcmtk's dump2dcm (us-regions-fixture).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerFrame } from '../../common/contract/library';
import { narrowestWindowWidth } from '../../common/voi';
import { parseDicomFile } from '../../electron/dicom/parse';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { defaultWindow, windowDragged } from '../../renderer/src/viewer/window';
import { writeUs } from '../dicom/us-regions-fixture';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-window-drag-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The engine's frame of an 8-bit CT (stored 20..230) with this VOI LUT Function and one window. */
async function frameOf(name: string, fn: string | null, center: string, width: string): Promise<ViewerFrame> {
  const lines = [...(fn ? [`(0028,1056) CS [${fn}]`] : []), `(0028,1050) DS [${center}]`, `(0028,1051) DS [${width}]`];
  const file = writeUs(dir, name, { columns: 60, rows: 45, modality: 'CT', lines });
  return ViewerFrame.parse(await viewerFrameOf(await parseDicomFile(file), 0));
}

describe('the narrowest window a W/L drag makes', () => {
  it('is any width above 0 for LINEAR_EXACT and SIGMOID: a 0.5 window drags narrower and a 0.1 one a pixel wider, without a jump', async () => {
    for (const fn of ['LINEAR_EXACT', 'SIGMOID']) {
      const half = await frameOf(`${fn}-half`, fn, '100', '0.5');
      expect(defaultWindow(half)).toEqual({ center: 100, width: 0.5 });
      // 200 px left divides the width by e.
      expect(windowDragged(half, defaultWindow(half), -200, 0).width).toBeCloseTo(0.5 / Math.E, 12);
      const tenth = await frameOf(`${fn}-tenth`, fn, '100', '0.1');
      expect(windowDragged(tenth, defaultWindow(tenth), 1, 0).width).toBeCloseTo(0.1 * Math.exp(1 / 200), 12);
      // However far, never 0 or below: the function takes only widths above 0.
      expect(windowDragged(tenth, defaultWindow(tenth), -1e6, 0).width).toBeGreaterThan(0);
    }
  });

  it('is 1 for LINEAR, as the file windows kept are', async () => {
    const one = await frameOf('linear-one', null, '100', '1');
    expect(defaultWindow(one)).toEqual({ center: 100, width: 1 });
    expect(windowDragged(one, defaultWindow(one), -200, 0).width).toBe(1);
    expect(windowDragged(one, defaultWindow(one), 200, 0).width).toBeCloseTo(Math.E, 12);
    // A file window narrower than the rule is no window (the full range instead), by the same rule.
    const half = await frameOf('linear-half', null, '100', '0.5');
    expect(half.windows.some((w) => w.id.startsWith('file-'))).toBe(false);
    expect(narrowestWindowWidth('LINEAR')).toBe(1);
    expect(narrowestWindowWidth('LINEAR_EXACT')).toBeGreaterThan(0);
  });
});
