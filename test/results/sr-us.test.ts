// The measurements SR on ultrasound images calibrated by their Sequence of Ultrasound Regions and
// on images with a Pixel Aspect Ratio (dcmtk's dump2dcm files, imported into a real library):
// a length or area in one calibrated region says so as TID 300's Measurement Method, one left in
// pixels says why in the table's words and never carries mm, and an ellipse names its longer axis
// first by the calibration its area used, its SCOORD staying in image pixels (PS3.3 C.18.6.1).
// Read back by dcmjs (OHIF's adapter too) and dcmtk's dsrdump; dciodvfy finds no error.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import dcmjs from 'dcmjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { ResultsStore } from '../../electron/results/store';
import { measurementTable, measurementValue, spacingKindOf } from '../../electron/results/tables';
import { sopOf, writeUs, type RegionLines } from '../dicom/us-regions-fixture';
import { dciodvfy, dsrdump, items, meaning, natural, writeSeriesSr } from './check';

const STUDY = '1.2.826.0.1.3680043.10.89.1';
const SERIES = '1.2.826.0.1.3680043.10.89.29.1';
// 0.2 x 0.3 mm per pixel on the left, 0.5 x 0.5 mm on the right (Physical Delta is cm).
const LEFT: RegionLines = { x0: 0, y0: 0, x1: 79, y1: 119, deltaX: 0.02, deltaY: 0.03 };
const RIGHT: RegionLines = { x0: 80, y0: 0, x1: 159, y1: 119, deltaX: 0.05, deltaY: 0.05 };
type Pt = [number, number];


let dir: string;
let library: Library;
let file: string;
/** Each measurement's NUM (the first: length or area), by the order saved. */
let nums: any[];
const sops: Record<string, string> = {};
const ORDER = ['len-1', 'area-2', 'ell-1', 'cross', 'ell-cross', 'len-aspect', 'ell-aspect', 'changed', 'plain', 'huge', 'huge-angle', 'garbled'];
/** The measurements the SR holds: all but the one whose points are not numbers. */
const WRITTEN = ORDER.slice(0, -1);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-sr-us-'));
  const input = path.join(dir, 'in');
  const work = path.join(dir, 'work');
  fs.mkdirSync(input);
  fs.mkdirSync(work);
  const img = { columns: 160, rows: 120, series: SERIES };
  sops.regions = sopOf(writeUs(input, 'regions', { ...img, instance: 1, regions: [LEFT, RIGHT] }, work));
  sops.aspect = sopOf(writeUs(input, 'aspect', { ...img, instance: 2, aspect: '2\\1' }, work));
  const changing = writeUs(input, 'changing', { ...img, instance: 3, regions: [LEFT] }, work);
  sops.changing = sopOf(changing);
  sops.plain = sopOf(writeUs(input, 'plain', { ...img, instance: 4 }, work));
  // A Physical Delta X of 1e308 cm: positive and finite, but no length in mm is.
  sops.huge = sopOf(writeUs(input, 'huge', { ...img, instance: 5, regions: [{ ...LEFT, deltaX: '1e308' }] }, work));
  library = Library.open(path.join(dir, 'library'));
  await library.importPaths([input]);
  let s = 0;
  const save = (id: string, sop: string, kind: 'length' | 'rectangle' | 'ellipse' | 'angle', points: Pt[]) =>
    library.saveMeasurement({ id, seriesInstanceUid: SERIES, sopInstanceUid: sop, frame: 0, kind, points, createdAt: `2026-01-01T00:00:${String(++s).padStart(2, '0')}Z` });
  save('len-1', sops.regions, 'length', [[10, 10], [40, 50]]);
  save('area-2', sops.regions, 'rectangle', [[90, 10], [110, 30]]);
  // 30 x 24 pixels: 6.0 mm across, 7.2 mm down in region 1, so the vertical axis is the major one.
  save('ell-1', sops.regions, 'ellipse', [[10, 10], [40, 34]]);
  save('cross', sops.regions, 'length', [[10, 10], [120, 10]]);
  // Across both regions: pixels, 30 x 24, the horizontal axis the major one.
  save('ell-cross', sops.regions, 'ellipse', [[65, 10], [95, 34]]);
  save('len-aspect', sops.aspect, 'length', [[10, 10], [10, 40]]);
  // 30 x 20 pixels of 2:1 aspect: drawn 30 wide, 40 high, so the vertical axis is the major one.
  save('ell-aspect', sops.aspect, 'ellipse', [[10, 10], [40, 30]]);
  // Drawn while its region measured in mm; the file is then changed (Physical Delta X 0) and imported again.
  save('changed', sops.changing, 'length', [[10, 10], [40, 50]]);
  save('plain', sops.plain, 'length', [[10, 10], [40, 50]]);
  save('huge', sops.huge, 'length', [[10, 10], [40, 50]]);
  save('huge-angle', sops.huge, 'angle', [[40, 10], [10, 10], [40, 40]]);
  save('garbled', sops.plain, 'length', [[10, 10], [40, 50]]);
  const db = new Database(path.join(dir, 'library', 'library.sqlite'));
  try {
    db.prepare(`UPDATE measurements SET points = '[[10,"x"],[40,50]]' WHERE id = 'garbled'`).run();
  } finally {
    db.close();
  }
  execFileSync('dcmodify', ['-nb', '-m', '(0018,6011)[0].(0018,602c)=0', changing], { stdio: 'pipe' });
  const later = new Date(Date.now() + 5000);
  fs.utimesSync(changing, later, later);
  await library.importPaths([input]);

  const sr = writeSeriesSr(library, STUDY, SERIES, 'US regions', dir);
  expect(sr.measurements.map((m) => m.id)).toEqual(ORDER);
  expect([sr.report.groups.measurements, sr.report.skipped]).toEqual([WRITTEN.length, 1]);
  ({ file, nums } = sr);
}, 120_000);
afterAll(() => {
  library?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const num = (id: string) => nums[WRITTEN.indexOf(id)];
const valueOf = (n: any) => Number(items(n.MeasuredValueSequence)[0].NumericValue);
const unitOf = (n: any) => items(items(n.MeasuredValueSequence)[0].MeasurementUnitsCodeSequence)[0].CodeValue;
const methodOf = (n: any) => {
  const c = items(items(n.ContentSequence).find((c) => meaning(c) === 'Measurement Method')?.ConceptCodeSequence)[0];
  return c ? [c.CodeValue, c.CodingSchemeDesignator] : null;
};
const whyOf = (n: any) => items(n.ContentSequence).find((c) => c.ValueType === 'TEXT')?.TextValue ?? null;
const scoordOf = (n: any) => {
  const s = items(n.ContentSequence).find((c) => c.ValueType === 'SCOORD');
  return { type: s.GraphicType, points: items(s.GraphicData).reduce((acc: number[][], v: number, k: number) => (k % 2 ? acc[acc.length - 1].push(v) : acc.push([v]), acc), []) };
};
const tableRow = () => {
  const table = measurementTable(new ResultsStore(library), { seriesInstanceUid: SERIES });
  return (id: string) => table.rows.find((r) => r.id === id)!;
};

describe('measurements SR on ultrasound regions and Pixel Aspect Ratio', () => {
  it('dsrdump reads it and dciodvfy finds no error', () => {
    const text = dsrdump(file);
    expect(text).toContain('"Ultrasound region calibration"');
    expect(text).toContain('"crosses US regions 1 and 2"');
    const { errors, output } = dciodvfy(file);
    expect(errors, output).toEqual([]);
  });

  it('says a length or area measured by a US region was, as TID 300 Measurement Method, with the mm of the table', () => {
    const row = tableRow();
    for (const id of ['len-1', 'area-2', 'ell-1']) {
      expect(methodOf(num(id)), id).toEqual(['SP-US-REGION', '99LUMEN']);
      expect(valueOf(num(id)), id).toBeCloseTo(row(id).value as number, 4);
      expect(unitOf(num(id)), id).toBe(row(id).unit);
      expect(whyOf(num(id)), id).toBeNull();
    }
    expect([unitOf(num('len-1')), unitOf(num('area-2')), unitOf(num('ell-1'))]).toEqual(['mm', 'mm2', 'mm2']);
    expect(valueOf(num('len-1'))).toBeCloseTo(Math.hypot(30 * 0.2, 40 * 0.3), 4);
  });

  it('keeps pixels in pixel units, and says why in the words of the table', () => {
    const row = tableRow();
    const cases: [string, string, string][] = [
      ['cross', '{pixel}', 'crosses US regions 1 and 2'],
      ['ell-cross', '{pixel2}', 'crosses US regions 1 and 2'],
      ['len-aspect', '{pixel}', 'no pixel spacing; rows scaled by aspect 2:1'],
      ['ell-aspect', '{pixel2}', 'no pixel spacing; rows scaled by aspect 2:1'],
      ['changed', '{pixel}', 'US region 1 not calibrated: its Physical Delta X is 0'],
    ];
    for (const [id, unit, why] of cases) {
      expect([unitOf(num(id)), whyOf(num(id))], id).toEqual([unit, why]);
      expect(row(id).pixelSpacing, id).toBe(`px: ${why}`);
      expect(valueOf(num(id)), id).toBeCloseTo(row(id).value as number, 4);
      expect(methodOf(num(id)), id).toEqual([id.endsWith('aspect') ? 'SP-ASPECT' : 'SP-NONE', '99LUMEN']);
    }
    expect(valueOf(num('len-aspect'))).toBe(60);
    // The file changed since the length was drawn: its mm are gone, nothing in mm is left.
    expect(valueOf(num('changed'))).toBe(50);
    // An image with no calibration at all: pixels, as before, with no method and no reason.
    expect([valueOf(num('plain')), unitOf(num('plain')), methodOf(num('plain')), whyOf(num('plain'))]).toEqual([50, '{pixel}', null, null]);
    // No NUM in mm without the calibration that gave it (none of these images has Pixel Spacing).
    for (const n of nums) if (unitOf(n).startsWith('mm')) expect(methodOf(n)).toEqual(['SP-US-REGION', '99LUMEN']);
  });

  it('writes no mm, and no number that is not one, from a delta too large to measure with or points that are not numbers', () => {
    const row = tableRow();
    const why = 'US region 1 not calibrated: its Physical Delta is too large';
    expect([valueOf(num('huge')), unitOf(num('huge')), methodOf(num('huge')), whyOf(num('huge'))]).toEqual([50, '{pixel}', ['SP-NONE', '99LUMEN'], why]);
    expect([row('huge').value, row('huge').unit, row('huge').pixelSpacing]).toEqual([50, 'pixel', `px: ${why}`]);
    // The angle between square pixels' arms, not NaN from infinite ones.
    expect(valueOf(num('huge-angle'))).toBeCloseTo(45, 6);
    expect(row('huge-angle').value).toBeCloseTo(45, 6);
    for (const n of nums) expect(Number.isFinite(valueOf(n))).toBe(true);
    // The same for a Pixel Spacing of 1e308 mm.
    const huge = { kind: 'length', points: [[10, 10], [40, 50]] as Pt[], pixelSpacing: [1e308, 1e308] as Pt, pixelSpacingKind: 'patient' as const };
    expect([measurementValue(huge), spacingKindOf(huge, 'pixel')]).toEqual([{ value: 50, unit: 'pixel' }, 'px: pixel spacing too large']);
    // Points that are not numbers: no value in the table, no group in the SR (counted as skipped).
    expect([row('garbled').value, row('garbled').unit, row('garbled').points]).toEqual([null, null, '[]']);
  });

  it("writes an ellipse's major axis first by the calibration its area used, its points in image pixels", () => {
    // Region 1: 6.0 mm across, 7.2 mm down: the vertical axis first.
    expect(scoordOf(num('ell-1'))).toEqual({ type: 'ELLIPSE', points: [[25, 10], [25, 34], [10, 22], [40, 22]] });
    // 2:1 pixels: 30 wide, 40 high as drawn: the vertical axis first.
    expect(scoordOf(num('ell-aspect'))).toEqual({ type: 'ELLIPSE', points: [[25, 10], [25, 30], [10, 20], [40, 20]] });
    // Across regions, square pixels: 30 x 24, the horizontal axis first.
    expect(scoordOf(num('ell-cross'))).toEqual({ type: 'ELLIPSE', points: [[65, 22], [95, 22], [80, 10], [80, 34]] });
    // The area is the ellipse's in the same calibration: pi/4 x 6.0 mm x 7.2 mm.
    expect(valueOf(num('ell-1'))).toBeCloseTo((Math.PI / 4) * 6 * 7.2, 4);
    expect(valueOf(num('ell-aspect'))).toBeCloseTo((Math.PI / 4) * 30 * 40, 4);
  });

  it("OHIF's adapter (dcmjs) loads the ellipses back on the points written", () => {
    const ds = natural(file);
    const sopToImageId = Object.fromEntries(Object.values(sops).map((s) => [s, `lumen:${s}`]));
    const metadata = { get: () => ({ frameOfReferenceUID: '1.2.3', rowCosines: [1, 0, 0], columnCosines: [0, 1, 0] }) };
    const state = dcmjs.adapters.Cornerstone3D.MeasurementReport.generateToolState(ds, sopToImageId, (_id: string, p: number[]) => [...p, 0], metadata);
    expect(state.EllipticalROI).toHaveLength(3);
    const first = state.EllipticalROI.find((e: any) => e.sopInstanceUid === sops.regions);
    // Cornerstone3D's order: top, bottom, left, right.
    expect(first.annotation.data.handles.points).toEqual([[25, 10, 0], [25, 34, 0], [10, 22, 0], [40, 22, 0]]);
  });
});
