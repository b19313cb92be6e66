// Which window an image of the same series shows, and what the corner says of it, on the engine's
// own frames of dump2dcm files: an ordinary CT slice with its own window, and one whose Rescale
// Slope of 1e36 puts every value near 1e38 (finite). The rule, as reading-room viewers have it: a
// window the user chose (a preset, a drag) carries from image to image; the file's or Lumen's
// own choice ("File window", "Full range": the first preset, key 1) follows each image. The corner
// names the window in force, and a carried window that every value of the image lies outside is
// said in words, not left as a blank white or black image.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerFrame } from '../../common/contract/library';
import { parseDicomFile } from '../../electron/dicom/parse';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { windowMiss } from '../../renderer/src/viewer/cornerReadings';
import { defaultWindow, firstPresetName, nextImageWindow, windowName } from '../../renderer/src/viewer/window';
import { writeUs } from '../dicom/us-regions-fixture';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-window-carry-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The engine's frame of an 8-bit CT (stored 20..230) and its values as the viewer makes them (Float32). */
async function loaded(name: string, lines: string[]) {
  const file = writeUs(dir, name, { columns: 60, rows: 45, modality: 'CT', lines });
  const frame = ViewerFrame.parse(await viewerFrameOf(await parseDicomFile(file), 0));
  const stored = new Uint8Array(frame.pixels.buffer, frame.pixels.byteOffset, frame.pixels.byteLength);
  return { frame, values: Float32Array.from(stored, (v) => v * frame.slope + frame.intercept) };
}

const ordinary = () => loaded('ordinary', ['(0028,1050) DS [100]', '(0028,1051) DS [200]', '(0028,1052) DS [0]', '(0028,1053) DS [1]']);
const huge = () => loaded('slope-1e36', ['(0028,1052) DS [0]', '(0028,1053) DS [1e36]']);
const plain = () => loaded('no-window', ['(0028,1052) DS [-1024]', '(0028,1053) DS [1]']);

describe('the window from image to image in a series', () => {
  it("follows each image while it is the file's own window, or where the last one misses every value", async () => {
    const [a, b] = [await ordinary(), await huge()];
    const shown = defaultWindow(a.frame);
    expect(shown).toEqual({ center: 100, width: 200 });
    // To the 1e36 image: its own full range, not the slice's 200 wide window (all white).
    const next = nextImageWindow(b.frame, 'file', shown);
    expect(next).toEqual(defaultWindow(b.frame));
    expect(next.width).toBeGreaterThan(1e38);
    expect(windowMiss(b, { ...next, invert: false }, 'file')).toBeNull();
  });

  it('keeps one full range across images without a window of their own, unless it misses every value', async () => {
    // Two images with no window (Lumen's full range), values 20..230 and 40..460: a dynamic
    // series' later image is brighter, and one scale across them shows it (a range of its own
    // would draw both alike).
    const c = await plain();
    const brighter = await loaded('brighter', ['(0028,1052) DS [-1024]', '(0028,1053) DS [2]']);
    const shown = defaultWindow(c.frame);
    expect(nextImageWindow(brighter.frame, 'file', shown)).toEqual(shown);
    // The 1e36 image after it: the carried range misses every value, so its own.
    const b = await huge();
    expect(nextImageWindow(b.frame, 'file', shown)).toEqual(defaultWindow(b.frame));
  });

  it('carries a window the user chose, and says so where every value lies outside it', async () => {
    const [a, b] = [await ordinary(), await huge()];
    const abdomen = b.frame.windows.find((w) => w.id === 'ct-abdomen')!;
    for (const preset of ['ct-abdomen', 'custom']) expect(nextImageWindow(b.frame, preset, abdomen)).toEqual(abdomen);
    expect(windowMiss(b, { ...abdomen, invert: false }, 'ct-abdomen')).toBe('Every value lies above this window, so the image is all white. Choose Full range to see it.');
    // Inverted, the same values are all black.
    expect(windowMiss(b, { ...abdomen, invert: true }, 'custom')).toBe('Every value lies above this window, so the image is all black. Choose Full range to see it.');
    // Values 20..230 under a window far above them.
    expect(windowMiss(a, { center: 3000, width: 400, invert: false }, 'custom')).toBe('Every value lies below this window, so the image is all black. Choose File window to see it.');
    // Some values inside: nothing to say.
    expect(windowMiss(a, { center: 40, width: 400, invert: false }, 'ct-abdomen')).toBeNull();
  });
});

describe("the window's name", () => {
  it('is "File window" where the file has one, "Full range" where Lumen chose it from the values', async () => {
    const [a, b, c] = [await ordinary(), await huge(), await plain()];
    expect(firstPresetName(a.frame.windows)).toBe('File window');
    expect(firstPresetName(b.frame.windows)).toBe('Full range');
    expect(firstPresetName(c.frame.windows)).toBe('Full range');
    expect(windowName(c.frame.windows, 'file')).toBe('Full range');
    expect(windowName(a.frame.windows, 'file')).toBe('File window');
    expect(windowName(a.frame.windows, 'ct-lung')).toBe('Lung');
    expect(windowName(a.frame.windows, 'custom')).toBe('Custom');
  });
});
