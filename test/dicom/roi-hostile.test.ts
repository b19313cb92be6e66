// Measurements on hostile files written by dcmtk's dump2dcm: a Physical Delta of 1e308 cm, a Pixel
// Spacing of 1e308 mm or of 2 m a pixel, a Rescale Slope of 1e38 (beyond 32-bit floats, which the
// viewer's values are). The viewer (common/roi.ts, which renderer/src/viewer/measurementText.ts
// reads with, on the engine's frame) and the exports
// (electron/results/tables.ts, region-stats.ts) decide with the same calibrationAt: a pixel wider
// than MAX_PIXEL_MM is no calibration, the value stays in pixels saying why, and no Infinity or
// NaN reaches the screen, the CSV or the SR.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerFrame } from '../../common/contract/library';
import { calibrationAt, calibrationSummary, lengthReading, MAX_PIXEL_MM, probeReading, regionReading } from '../../common/roi';
import { decodeFrame } from '../../electron/dicom/decode';
import { parseDicomFile } from '../../electron/dicom/parse';
import { modalityLut } from '../../electron/dicom/pixels';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { regionStatistics } from '../../electron/results/region-stats';
import { measurementValue, spacingKindOf } from '../../electron/results/tables';
import { sopOf, writeUs, type RegionLines } from './us-regions-fixture';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-roi-hostile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COLUMNS = 120;
const ROWS = 90;
type P = [number, number];

/**
 * The engine's frame of a dump2dcm file, and what the viewer reads on it: its values as the
 * renderer makes them (renderer/src/viewer/image.ts loadFrame) and the texts its measurement list
 * shows (measurementText.ts: lengthReading, regionReading, probeReading over that frame).
 */
async function loaded(name: string, img: { regions?: RegionLines[]; lines?: string[] }) {
  const file = writeUs(dir, name, { columns: COLUMNS, rows: ROWS, ...img });
  const frame = ViewerFrame.parse(await viewerFrameOf(await parseDicomFile(file), 0));
  const stored = new Uint8Array(frame.pixels.buffer, frame.pixels.byteOffset, frame.pixels.byteLength);
  const values = { rows: frame.rows, columns: frame.columns, values: Float32Array.from(stored, (v) => v * frame.slope + frame.intercept), paddingMask: frame.paddingMask ?? null };
  const view = {
    length: (points: P[]) => lengthReading(points, frame),
    region: (kind: 'rectangle' | 'ellipse', [a, b]: P[]) => regionReading(kind, a, b, values, frame, frame.unit),
    probe: (p: P) => probeReading(p, values, frame.unit),
  };
  return { file, frame, view };
}

/** What the exports read a measurement with: the library's geometry of the image, as the viewer's frame has it. */
function stored(kind: 'length' | 'rectangle' | 'ellipse', points: P[], f: ViewerFrame) {
  return { kind, points, pixelSpacing: f.pixelSpacing, pixelSpacingKind: f.pixelSpacingKind, rows: f.rows, columns: f.columns, usRegions: f.usRegions ? [...f.usRegions] : null, pixelAspect: f.pixelAspect };
}

const notNumbers = /Infinity|NaN/;
const LENGTH: P[] = [[10, 10], [40, 50]];
const BOX: P[] = [[20, 20], [50, 40]];

describe('a calibration too large to measure with', () => {
  it('leaves a US length and area in pixels in the viewer, saying why, as the export does', async () => {
    const { frame, view } = await loaded('delta-1e308', { regions: [{ x0: 0, y0: 0, x1: COLUMNS - 1, y1: ROWS - 1, deltaX: '1e308', deltaY: 0.03 }] });
    expect(frame.usRegions?.[0].deltaX).toBe(1e308);
    const why = 'US region 1 not calibrated: its Physical Delta is too large';
    expect(view.length(LENGTH)).toBe(`50.0 px (${why})`);
    // The corner does not claim a calibration the region cannot give.
    expect(calibrationSummary(frame)).toBe('no calibrated US region');
    const area = view.region('rectangle', BOX);
    expect(area).toMatch(new RegExp(`^Area 600\\.0 px² \\(${why}\\) · mean `));
    expect(area).not.toMatch(notNumbers);
    // The export's table says the same, from the same decision.
    for (const [kind, points, value, unit] of [['length', LENGTH, 50, 'pixel'], ['rectangle', BOX, 600, 'pixel2']] as const) {
      const m = stored(kind, [...points], frame);
      expect(measurementValue(m)).toEqual({ value, unit });
      expect(spacingKindOf(m, unit)).toBe(`px: ${why}`);
    }
  });

  it('leaves a Pixel Spacing of 1e308 mm, or of 2 m a pixel, in pixels; 1 m a pixel still measures', async () => {
    for (const [spacing, mm] of [['1e308\\1e308', null], [`${2 * MAX_PIXEL_MM}\\${2 * MAX_PIXEL_MM}`, null], [`${MAX_PIXEL_MM}\\${MAX_PIXEL_MM}`, MAX_PIXEL_MM]] as const) {
      const { frame, view } = await loaded(`spacing-${spacing.length}`, { lines: [`(0028,0030) DS [${spacing}]`] });
      expect(frame.pixelSpacing?.[0]).toBe(Number(spacing.split('\\')[0]));
      const length = view.length(LENGTH);
      const area = view.region('ellipse', BOX);
      expect(`${length} ${area}`).not.toMatch(notNumbers);
      const m = stored('length', LENGTH, frame);
      if (mm === null) {
        expect(length).toBe('50.0 px (pixel spacing too large)');
        expect(area).toMatch(/^Area 471\.2 px² \(pixel spacing too large\) · mean /);
        expect([measurementValue(m), spacingKindOf(m, 'pixel')]).toEqual([{ value: 50, unit: 'pixel' }, 'px: pixel spacing too large']);
      } else {
        expect(length).toBe(`${(50 * mm).toFixed(1)} mm`);
        expect(calibrationAt(LENGTH, frame).unit).toBe('mm');
        expect(measurementValue(m)).toEqual({ value: 50 * mm, unit: 'mm' });
      }
    }
  });

  it('gives a region no statistics where its values are not finite numbers (Rescale Slope 1e38: beyond 32-bit floats): never Infinity or NaN', async () => {
    const file = writeUs(dir, 'slope-1e38', { columns: COLUMNS, rows: ROWS, lines: ['(0028,0030) DS [0.5\\0.5]', '(0028,1052) DS [0]', '(0028,1053) DS [1e38]'] });
    // The viewer is sent no such frame (viewer-frame.ts refuses it, naming the slope:
    // test/dicom/viewer-hostile-values.test.ts); the readings still say it in words on the
    // engine's own 32-bit values of it (pixels.ts modalityLut), as the exports read them.
    const parsed = await parseDicomFile(file);
    await expect(viewerFrameOf(parsed, 0)).rejects.toThrow(/Rescale Slope 1e38 makes every value infinite/);
    const values = { rows: ROWS, columns: COLUMNS, values: modalityLut(await decodeFrame(parsed, 0), parsed.meta) };
    const geometry = { rows: ROWS, columns: COLUMNS, pixelSpacing: [0.5, 0.5] as const };
    const area = regionReading('rectangle', BOX[0], BOX[1], values, geometry, 'HU');
    expect(area).toBe('Area 150.0 mm² · no statistics: its values are too large after Rescale Slope and Intercept');
    expect(probeReading([30, 30], values, 'HU')).toBe('(30, 30) value too large');
    // The SR carries the area alone.
    const sop = sopOf(file);
    const measurement = { id: 'm-slope', kind: 'rectangle' as const, studyInstanceUid: null, seriesInstanceUid: '1.2', sopInstanceUid: sop, sopClassUid: null, frame: 0, points: BOX, pixelSpacing: [0.5, 0.5] as P, author: null, createdAt: 'now' };
    const image = { sopInstanceUid: sop, seriesInstanceUid: '1.2', studyInstanceUid: '1', sopClassUid: null, frames: 1, path: file, missing: false, hasPixelData: true, seriesNumber: null };
    expect((await regionStatistics([measurement], [image])).has('m-slope')).toBe(false);
  });
});
