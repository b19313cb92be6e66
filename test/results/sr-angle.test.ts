// An angle on non-square pixels (dcmtk's dump2dcm files, imported into a real library): the
// viewer's reading, the CSV's value and the SR's NUM are the same angle for the same points, on
// Pixel Spacing 0.5\0.8, in one ultrasound region with Physical Delta X ≠ Delta Y, across two
// regions (pixels), with a Pixel Aspect Ratio of 4:3 and on plain square pixels. Where it is not
// plain square pixels the angle says what it was measured with: TID 300's Measurement Method in
// the SR (the codes a length gets, with "Why in pixels" for pixels) and the CSV's pixelSpacing
// column. Read back by dcmjs and dcmtk's dsrdump; dciodvfy finds no error.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerFrame } from '../../common/contract/library';
import { angleDegrees, calibrationAt } from '../../common/roi';
import { parseDicomFile } from '../../electron/dicom/parse';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { Library } from '../../electron/library/library';
import { ResultsStore } from '../../electron/results/store';
import { measurementTable, toCsv } from '../../electron/results/tables';
import { sopOf, writeUs, type RegionLines } from '../dicom/us-regions-fixture';
import { dciodvfy, dsrdump, items, meaning, writeSeriesSr } from './check';

const SERIES = '1.2.826.0.1.3680043.10.89.31.1';
// 0.2 mm across, 0.3 mm down a pixel on the left; 0.5 x 0.5 mm on the right (Physical Delta is cm).
const LEFT: RegionLines = { x0: 0, y0: 0, x1: 79, y1: 119, deltaX: 0.02, deltaY: 0.03 };
const RIGHT: RegionLines = { x0: 80, y0: 0, x1: 159, y1: 119, deltaX: 0.05, deltaY: 0.05 };
type Pt = [number, number];
const deg = (rad: number) => (rad * 180) / Math.PI;

/**
 * Each angle: its image, its points (vertex in the middle), the angle worked out here by hand
 * (one arm along the row, so the angle is atan of the other arm's height over its width in the
 * calibration's units), and what the SR's Measurement Method, "Why in pixels" and the CSV say.
 */
const ANGLES: { id: string; image: string; points: Pt[]; expected: number; method: string | null; why: string | null; column: string }[] = [
  // 30 columns of 0.8 mm, 30 rows of 0.5 mm: 24 mm across, 15 mm down.
  { id: 'spacing', image: 'spacing', points: [[40, 10], [10, 10], [40, 40]], expected: deg(Math.atan(15 / 24)), method: null, why: null, column: 'patient' },
  // Region 1: 30 x 0.2 mm across, 30 x 0.3 mm down.
  { id: 'region', image: 'regions', points: [[40, 10], [10, 10], [40, 40]], expected: deg(Math.atan(9 / 6)), method: 'SP-US-REGION', why: null, column: 'us-region 1' },
  // From region 1 into region 2: measured in image pixels, 30 x 30.
  { id: 'cross', image: 'regions', points: [[120, 10], [10, 10], [40, 40]], expected: 45, method: 'SP-NONE', why: 'crosses US regions 1 and 2', column: 'px: crosses US regions 1 and 2' },
  // Rows 4/3 of a column wide: 30 across, 40 down.
  { id: 'aspect', image: 'aspect', points: [[40, 10], [10, 10], [40, 40]], expected: deg(Math.atan(40 / 30)), method: 'SP-ASPECT', why: 'no pixel spacing; rows scaled by aspect 4:3', column: 'px: no pixel spacing; rows scaled by aspect 4:3' },
  { id: 'plain', image: 'plain', points: [[40, 10], [10, 10], [40, 40]], expected: 45, method: null, why: null, column: '' },
];

let dir: string;
let library: Library;
let file: string;
let nums: any[];
const files: Record<string, string> = {};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-sr-angle-'));
  const input = path.join(dir, 'in');
  const work = path.join(dir, 'work');
  fs.mkdirSync(input);
  fs.mkdirSync(work);
  const img = { columns: 160, rows: 120, series: SERIES };
  files.spacing = writeUs(input, 'spacing', { ...img, instance: 1, lines: ['(0028,0030) DS [0.5\\0.8]'] }, work);
  files.regions = writeUs(input, 'regions', { ...img, instance: 2, regions: [LEFT, RIGHT] }, work);
  files.aspect = writeUs(input, 'aspect', { ...img, instance: 3, aspect: '4\\3' }, work);
  files.plain = writeUs(input, 'plain', { ...img, instance: 4 }, work);
  library = Library.open(path.join(dir, 'library'));
  await library.importPaths([input]);
  ANGLES.forEach((a, k) =>
    library.saveMeasurement({ id: a.id, seriesInstanceUid: SERIES, sopInstanceUid: sopOf(files[a.image]), frame: 0, kind: 'angle', points: a.points, createdAt: `2026-01-01T00:00:0${k}Z` }),
  );
  const sr = writeSeriesSr(library, '1.2.826.0.1.3680043.10.89.1', SERIES, 'Angles', dir);
  expect(sr.measurements.map((m) => m.id)).toEqual(ANGLES.map((a) => a.id));
  expect([sr.report.groups.measurements, sr.report.skipped]).toEqual([ANGLES.length, 0]);
  ({ file, nums } = sr);
}, 120_000);
afterAll(() => {
  library?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const num = (id: string) => nums[ANGLES.findIndex((a) => a.id === id)];
const valueOf = (n: any) => Number(items(n.MeasuredValueSequence)[0].NumericValue);
const unitOf = (n: any) => items(items(n.MeasuredValueSequence)[0].MeasurementUnitsCodeSequence)[0].CodeValue;
const methodOf = (n: any) => items(items(n.ContentSequence).find((c) => meaning(c) === 'Measurement Method')?.ConceptCodeSequence)[0]?.CodeValue ?? null;
const whyOf = (n: any) => items(n.ContentSequence).find((c) => c.ValueType === 'TEXT')?.TextValue ?? null;

/**
 * What the viewer reads for these points on the file: the engine's frame (viewer.frame's answer),
 * read as renderer/src/viewer/measurementText.ts reads an angle (tests outside test/renderer may
 * not import the renderer): the calibration of its points, the angle in it, one decimal.
 */
async function viewerReading(image: string, points: Pt[]): Promise<string> {
  const frame = ViewerFrame.parse(await viewerFrameOf(await parseDicomFile(files[image]), 0));
  return `${angleDegrees(points[0], points[1], points[2], calibrationAt(points, frame).spacing).toFixed(1)}°`;
}

describe('an angle on non-square pixels', () => {
  it('reads the same angle in the viewer, the CSV and the SR, measured in the calibration of its points', async () => {
    const table = measurementTable(new ResultsStore(library), { seriesInstanceUid: SERIES });
    for (const a of ANGLES) {
      const row = table.rows.find((r) => r.id === a.id)!;
      expect([row.unit, unitOf(num(a.id))], a.id).toEqual(['deg', 'deg']);
      expect(row.value as number, a.id).toBeCloseTo(a.expected, 9);
      expect(valueOf(num(a.id)), a.id).toBeCloseTo(a.expected, 5);
      expect(await viewerReading(a.image, a.points), a.id).toBe(`${a.expected.toFixed(1)}°`);
    }
  });

  it('says what an angle was measured with where the pixels are not plain and square, as a length does', () => {
    const table = measurementTable(new ResultsStore(library), { seriesInstanceUid: SERIES });
    for (const a of ANGLES) {
      const row = table.rows.find((r) => r.id === a.id)!;
      expect([methodOf(num(a.id)), whyOf(num(a.id)), row.pixelSpacing], a.id).toEqual([a.method, a.why, a.column]);
    }
    // The CSV carries the same column.
    const csv = toCsv(table);
    expect(csv).toContain(',deg,px: crosses US regions 1 and 2,');
    expect(csv).toContain(',deg,us-region 1,');
  });

  it('dsrdump reads the methods and dciodvfy finds no error', () => {
    const text = dsrdump(file);
    expect(text).toContain('"Ultrasound region calibration"');
    expect(text).toContain('"Image pixels, rows scaled by Pixel Aspect Ratio"');
    expect(text).toContain('"crosses US regions 1 and 2"');
    // dsrdump shortens long text values ("...").
    expect(text).toContain('"Why in pixels")="no pixel spacing; rows scal');
    const { errors, output } = dciodvfy(file);
    expect(errors, output).toEqual([]);
  });
});
