// Pixel Padding Value and Range Limit through a Modality LUT Sequence (a table, not Rescale
// Slope/Intercept), on a file written by dcmtk's dump2dcm: padding is in stored-pixel units,
// compared before any Modality LUT (PS3.3 C.7.5.1.1.2), so it is decided on the stored value
// whatever the table gives it, even an output a real pixel also has. Left out of the auto
// (full-range) window (the engine's renderFrame and the viewer's frame range), out of the
// viewer's region statistics (common/roi.ts over the engine's frame and its padding mask, as
// renderer/src/viewer/image.ts and measurementText.ts take them) and out of the exported
// measurements' statistics (electron/results/region-stats.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerFrame } from '../../common/contract/library';
import { regionStats } from '../../common/roi';
import { fullRangeWindow } from '../../common/voi';
import { parseDicomFile } from '../../electron/dicom/parse';
import { renderFrame } from '../../electron/dicom/pixels';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { regionStatistics } from '../../electron/results/region-stats';
import { BORDER, COLUMNS, fieldValues, PADDING_LINES, ROWS, table, writePaddedLut } from './padding-lut-fixture';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-padding-lut-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The viewer's frame and its values as the renderer makes them (renderer/src/viewer/image.ts loadFrame: slope 1 after a table). */
async function viewer(file: string) {
  const frame = ViewerFrame.parse(await viewerFrameOf(await parseDicomFile(file), 0));
  const bytes = frame.pixels;
  expect(frame.dtype).toBe('int32');
  const values = Float32Array.from(new Int32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4), (v) => v * frame.slope + frame.intercept);
  return { frame, values, paddingMask: frame.paddingMask ?? null };
}

describe('Pixel Padding Value through a Modality LUT Sequence', () => {
  it('is left out of the auto window, of the viewer\'s region statistics and of the exported ones', async () => {
    const m = writePaddedLut(dir, 'padding-lut', PADDING_LINES);
    const parsed = await parseDicomFile(m.file);
    expect(parsed.meta.padding).toEqual([4000, 4095]);
    expect(parsed.meta.modalityLutTable?.data.length).toBe(4096);
    const inside = fieldValues(m.stored);
    const lo = Math.min(...inside);
    const hi = Math.max(...inside);
    // The fixture as meant: one padding output (0) under the field's, the other (15000) among them.
    expect(lo).toBeGreaterThan(0);
    expect(lo < 15000 && 15000 < hi).toBe(true);

    // The auto window spans the field: the engine's render and the viewer's frame range.
    const rendered = await renderFrame(parsed, 0);
    expect(rendered.window).toEqual(fullRangeWindow(lo, hi));
    const loaded = await viewer(m.file);
    const frame = loaded.frame;
    expect(frame.range).toEqual([lo, hi]);

    // The viewer's values are the table's output; padding is known per pixel from the stored values.
    expect(Array.from(loaded.values)).toEqual(m.stored.map((s) => table[s]));
    const whole: [[number, number], [number, number]] = [[0, 0], [COLUMNS, ROWS]];
    const s = regionStats('rectangle', whole[0], whole[1], { rows: ROWS, columns: COLUMNS, values: loaded.values, paddingMask: loaded.paddingMask }, null);
    const mean = inside.reduce((a, b) => a + b, 0) / inside.length;
    expect(s?.pixels).toBe(inside.length);
    expect(s?.padding).toBe(ROWS * COLUMNS - inside.length);
    expect(s?.mean).toBeCloseTo(mean, 6);
    expect([s?.min, s?.max]).toEqual([lo, hi]);
    // A region over the padding alone has no statistics (the viewer says "only padding inside").
    expect(regionStats('ellipse', [0, 0], [BORDER, BORDER], { rows: ROWS, columns: COLUMNS, values: loaded.values, paddingMask: loaded.paddingMask }, null)).toBeNull();
    expect(regionStats('ellipse', [0, 0], [BORDER, BORDER], { rows: ROWS, columns: COLUMNS, values: loaded.values, paddingMask: null }, null)?.pixels).toBeGreaterThan(0);

    // The exported measurements' statistics, read again from the file, are the viewer's.
    const measurement = { id: 'm-lut', kind: 'rectangle', studyInstanceUid: null, seriesInstanceUid: '1.2', sopInstanceUid: parsed.meta.sopInstanceUid, sopClassUid: null, frame: 0, points: whole, pixelSpacing: null, author: null, createdAt: 'now' };
    const image = { sopInstanceUid: parsed.meta.sopInstanceUid, seriesInstanceUid: '1.2', studyInstanceUid: '1', sopClassUid: null, frames: 1, path: m.file, missing: false, hasPixelData: true, seriesNumber: null };
    const exported = (await regionStatistics([measurement], [image])).get('m-lut');
    expect(exported).toEqual({ mean: s?.mean, sd: s?.sd, min: lo, max: hi, unit: frame.unit });
  });

  it('counts every pixel where the file names no padding, the same table or not', async () => {
    const m = writePaddedLut(dir, 'no-padding-lut', []);
    const parsed = await parseDicomFile(m.file);
    expect(parsed.meta.padding).toBeUndefined();
    const loaded = await viewer(m.file);
    const all = m.stored.map((v) => table[v]);
    expect(loaded.frame.range).toEqual([0, Math.max(...all)]);
    expect(loaded.paddingMask).toBeNull();
    const s = regionStats('rectangle', [0, 0], [COLUMNS, ROWS], { rows: ROWS, columns: COLUMNS, values: loaded.values, paddingMask: loaded.paddingMask }, null);
    expect([s?.pixels, s?.padding, s?.min]).toEqual([ROWS * COLUMNS, 0, 0]);
  });
});
