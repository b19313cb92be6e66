// The viewer's corner text on hostile values, on the engine's own frames of files written by dcmtk's
// dump2dcm: a Pixel Spacing of 1e308 mm reads "pixel spacing too large" as the measurements do
// (common/roi.ts spacingProblem, which calibrationAt decides with); a padding pixel whose value is
// beyond 32-bit floats reads "too large" under the pointer; Window Widths of 0 and -5 are no window
// (the full range instead), 1e308 is kept (as dcmj2pnm +Wi 1 keeps it: all mid-grey) and a W/L
// drag from it never makes Infinity. Nothing in the corner reads Infinity or NaN.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerFrame } from '../../common/contract/library';
import { lengthReading } from '../../common/roi';
import { parseDicomFile } from '../../electron/dicom/parse';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { scaleText, valueUnderPointer, windowText } from '../../renderer/src/viewer/cornerReadings';
import { defaultWindow, windowDragged } from '../../renderer/src/viewer/window';
import { squareOf, writeUs, type UsImage } from '../dicom/us-regions-fixture';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-viewer-hostile-corner-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// 8-bit stored values: 20..59 in the background, 230 in the bright square (us-regions-fixture).
const IMG: UsImage = { columns: 60, rows: 45, modality: 'CT' };
const notNumbers = /Infinity|NaN/;

/** The frame's values as the viewer makes them (renderer/src/viewer/image.ts loadFrame: Float32 after Rescale Slope and Intercept). */
function loadFrame(frame: ViewerFrame) {
  // The fixture's stored values are 8-bit.
  expect(frame.dtype).toBe('uint8');
  const stored = new Uint8Array(frame.pixels.buffer, frame.pixels.byteOffset, frame.pixels.byteLength);
  return { frame, values: Float32Array.from(stored, (v) => v * frame.slope + frame.intercept) };
}

async function frameOf(name: string, lines: string[]): Promise<ViewerFrame> {
  const file = writeUs(dir, name, { ...IMG, lines });
  return ViewerFrame.parse(await viewerFrameOf(await parseDicomFile(file), 0));
}

describe('the corner text on hostile values', () => {
  it('shows a large slope whose values fit; a padding pixel beyond them reads "too large" under the pointer, never Infinity', async () => {
    // 59 x 5e36 fits a 32-bit float; the bright square's 230 x 5e36 does not, and is padding.
    const frame = await frameOf('slope-5e36-padded', ['(0028,0120) US 230', '(0028,1052) DS [0]', '(0028,1053) DS [5e36]']);
    expect(frame.range).toEqual([20 * 5e36, 59 * 5e36]);
    const loaded = loadFrame(frame);
    const [left, top] = squareOf(IMG);
    expect(loaded.values[top * IMG.columns + left]).toBe(Infinity);
    expect(valueUnderPointer(loaded, left, top)).toBe('too large');
    // 20 x 5e36 in 32 bits is 9.99999968e37: five digits, as a DS writes it, not 17.
    expect(valueUnderPointer(loaded, 0, 0)).toBe('1e38 HU');
    expect(valueUnderPointer(loaded, IMG.columns, 0)).toBeNull();
    // The full range, 1e38 to 2.95e38: W 1.95e38 L 1.975e38.
    expect(windowText(loaded, defaultWindow(frame))).toBe('W 1.95e38 L 1.975e38 HU');
  });

  it('says "pixel spacing too large" for a Pixel Spacing of 1e308 mm, as the measurements do', async () => {
    const frame = await frameOf('spacing-1e308', ['(0028,0030) DS [1e308\\1e308]']);
    expect(scaleText(frame)).toBe('pixel spacing too large');
    expect(lengthReading([[0, 0], [3, 4]], frame)).toBe('5.0 px (pixel spacing too large)');
    // A spacing the measurements use is shown as before.
    expect(scaleText(await frameOf('spacing-half', ['(0028,0030) DS [0.5\\0.25]']))).toBe('0.25×0.5 mm');
  });

  it('drops a Window Width of 0 or -5 (full range instead), keeps 1e308 as dcmj2pnm does, and a drag never makes it Infinity', async () => {
    for (const width of ['0', '-5']) {
      const frame = await frameOf(`width-${width}`, ['(0028,1050) DS [100]', `(0028,1051) DS [${width}]`]);
      expect(frame.windows.filter((w) => w.id.startsWith('file-'))).toEqual([]);
      expect(defaultWindow(frame)).toEqual({ center: (20 + 230 + 1) / 2, width: 230 - 20 + 1 });
    }
    const frame = await frameOf('width-1e308', ['(0028,1050) DS [100]', '(0028,1051) DS [1e308]']);
    expect(defaultWindow(frame)).toEqual({ center: 100, width: 1e308 });
    const loaded = loadFrame(frame);
    expect(windowText(loaded, defaultWindow(frame))).toBe('W 1e308 L 100 HU');
    // A drag right and down from it: wider than any number, and a centre moved by a width's worth.
    const dragged = windowDragged(frame, defaultWindow(frame), 600, 300);
    expect(Number.isFinite(dragged.width) && Number.isFinite(dragged.center)).toBe(true);
    expect(windowText(loaded, dragged)).not.toMatch(notNumbers);
    // Infinity or NaN handed to it still reads in words.
    expect(windowText(loaded, { center: NaN, width: Infinity })).toBe('W/L not a number');
  });
});
