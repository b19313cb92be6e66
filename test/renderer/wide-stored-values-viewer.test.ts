// The viewer with 32-bit stored values far from 0 with a narrow spread (2^30 .. 2^30 + 4000, slope
// 1): its values are Float32 (image.ts loadFrame), which would make them steps of 128 (a banded
// image, values and statistics off by up to 64), or one flat gray refused as "Rescale Slope 1
// makes every value ..." for a spread below 64. The engine's frame says what they are carried
// relative to (valueBase); the viewer windows them as dcm2pnm does, and the value under the
// pointer, a probe, a region's statistics (and the exports', region-stats.ts) read the file's own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { regionStats } from '../../common/roi';
import { parseDicomFile } from '../../electron/dicom/parse';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { valueAt } from '../../renderer/src/viewer/cornerReadings';
import { loadFrame } from '../../renderer/src/viewer/frameValues';
import { measurementText } from '../../renderer/src/viewer/measurementText';
import { defaultWindow, windowInto } from '../../renderer/src/viewer/window';
import { COLUMNS, dcm2pnmGray, maxDiff, ROWS, storedAt, writeWide, type WideImage } from '../dicom/wide-values-fixture';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-wide-viewer-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the viewer with 32-bit values far above 2^24', () => {
  for (const [name, img] of [
    ['unsigned-2-30', { spread: 4000 }],
    ['signed-narrow', { spread: 30, signed: true, base: -(2 ** 31) + 10 }],
  ] as [string, WideImage][]) {
    it(`shows ${name} as dcm2pnm does, and reads and measures the file's values`, async () => {
      const file = writeWide(dir, name, img);
      const frame = await viewerFrameOf(await parseDicomFile(file), 0);
      const loaded = loadFrame(frame);
      const w = defaultWindow(frame);
      const out = { data: new Uint8ClampedArray(ROWS * COLUMNS * 4) };
      windowInto(out, loaded, w.center, w.width, false, 'file');
      const gray = Array.from({ length: ROWS * COLUMNS }, (_, i) => out.data[i * 4]);
      expect(maxDiff(gray, dcm2pnmGray(dir, file, ['+Wm']))).toBeLessThanOrEqual(1);
      // The value under the pointer and a probe: the stored value itself.
      expect(valueAt(loaded, 79, 1)).toBe(storedAt(img, 79, 1));
      expect(valueAt(loaded, 40, 0)).toBe(storedAt(img, 40, 0));
      expect(measurementText({ kind: 'probe', points: [[40.5, 0.5]] }, loaded)).toBe(`(40, 0) ${storedAt(img, 40, 0)}`);
      // A region over the two first columns of two rows: the mean, min and max of those four values.
      const s = regionStats('rectangle', [0, 0], [2, 2], { rows: ROWS, columns: COLUMNS, values: loaded.values, offset: frame.valueBase }, null)!;
      const four = [storedAt(img, 0, 0), storedAt(img, 1, 0), storedAt(img, 0, 1), storedAt(img, 1, 1)];
      expect([s.min, s.max, s.mean]).toEqual([Math.min(...four), Math.max(...four), four.reduce((a, b) => a + b) / 4]);
    });
  }

  it('carries an ordinary image as it always did (no base)', async () => {
    const frame = await viewerFrameOf(await parseDicomFile(writeWide(dir, 'ordinary', { spread: 4000, base: 1000 })), 0);
    expect(frame.valueBase).toBeUndefined();
    expect(loadFrame(frame).values[COLUMNS + 1]).toBe(storedAt({ spread: 4000, base: 1000 }, 1, 1));
  });
});
