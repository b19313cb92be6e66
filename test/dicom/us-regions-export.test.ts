// The library and the measurements table agree with the viewer on ultrasound regions and Pixel
// Aspect Ratio: imported US files (dcmtk's dump2dcm) keep their regions and ratio
// (instances.pixel_calibration, migration 28), a length or area reads the mm of the one region
// that holds it, and the table's pixelSpacing column names that region ("us-region 1"), or says
// why a value stayed in pixels ("px: crosses US regions 1 and 2"), in the viewer's words.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { ResultsStore } from '../../electron/results/store';
import { measurementTable, measurementValue } from '../../electron/results/tables';
import { lengthReading } from '../../common/roi';
import { readDataset, writeDataset } from '../../electron/results/part10';
import { buildReport } from '../../electron/results/sr';
import { dciodvfy, natural } from '../results/check';
import { sopOf, writeUs, type RegionLines } from './us-regions-fixture';

const SERIES = '1.2.826.0.1.3680043.10.89.28.1';
const LEFT: RegionLines = { x0: 0, y0: 0, x1: 79, y1: 119, deltaX: 0.02, deltaY: 0.03 };
const RIGHT: RegionLines = { x0: 80, y0: 0, x1: 159, y1: 119, deltaX: 0.05, deltaY: 0.05 };
let dir: string;
let library: Library;
const sops: Record<string, string> = {};

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-us-export-'));
  const input = path.join(dir, 'in');
  fs.mkdirSync(input);
  const img = { columns: 160, rows: 120, series: SERIES };
  sops.regions = sopOf(writeUs(input, 'regions', { ...img, instance: 1, regions: [LEFT, RIGHT] }));
  sops.zero = sopOf(writeUs(input, 'zero', { ...img, instance: 2, regions: [{ ...LEFT, deltaX: 0 }] }));
  sops.aspect = sopOf(writeUs(input, 'aspect', { ...img, instance: 3, aspect: '2\\1' }));
  sops.plain = sopOf(writeUs(input, 'plain', { ...img, instance: 4 }));
  library = Library.open(path.join(dir, 'library'));
  await library.importPaths([input]);
  const save = (id: string, sop: string, kind: 'length' | 'rectangle' | 'angle', points: [number, number][], s: number) =>
    library.saveMeasurement({ id, seriesInstanceUid: SERIES, sopInstanceUid: sop, frame: 0, kind, points, createdAt: `2026-01-01T00:00:${String(s).padStart(2, '0')}Z` });
  save('region-1', sops.regions, 'length', [[10, 10], [40, 50]], 1);
  save('region-2', sops.regions, 'length', [[90, 10], [120, 50]], 2);
  save('crossing', sops.regions, 'length', [[10, 10], [120, 10]], 3);
  save('area-2', sops.regions, 'rectangle', [[90, 10], [110, 30]], 4);
  save('angle-1', sops.regions, 'angle', [[40, 10], [10, 10], [40, 40]], 5);
  save('zero-delta', sops.zero, 'length', [[10, 10], [40, 50]], 6);
  save('aspect', sops.aspect, 'length', [[10, 10], [10, 40]], 7);
  save('plain', sops.plain, 'length', [[10, 10], [40, 50]], 8);
}, 120_000);
afterAll(() => {
  library?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const rowOf = () => {
  const table = measurementTable(new ResultsStore(library), { seriesInstanceUid: SERIES });
  return (id: string) => table.rows.find((r) => r.id === id)!;
};

describe('ultrasound regions and Pixel Aspect Ratio, exported', () => {
  it("writes each length in the mm of its region, and names the region, as the viewer reads it", () => {
    const row = rowOf();
    expect(row('region-1').value).toBeCloseTo(Math.hypot(30 * 0.2, 40 * 0.3), 10);
    expect([row('region-1').unit, row('region-1').pixelSpacing]).toEqual(['mm', 'us-region 1']);
    expect([row('region-2').value, row('region-2').unit, row('region-2').pixelSpacing]).toEqual([25, 'mm', 'us-region 2']);
    // The same figure the viewer labels the line with.
    const frame = { rows: 120, columns: 160, pixelSpacing: null, usRegions: [LEFT, RIGHT].map((r) => ({ ...r, unitsX: 3, unitsY: 3, spatialFormat: 1 })) as never };
    expect(lengthReading([[10, 10], [40, 50]], frame)).toBe(`${(row('region-1').value as number).toFixed(1)} mm (US region 1)`);
    expect(row('area-2').value).toBeCloseTo(100, 10);
    expect([row('area-2').unit, row('area-2').pixelSpacing]).toEqual(['mm2', 'us-region 2']);
    expect(row('angle-1').value).toBeCloseTo((Math.atan2(30 * 0.3, 30 * 0.2) * 180) / Math.PI, 10);
  });

  it('gives the measurements SR the same values', () => {
    const store = new ResultsStore(library);
    const measurements = store.measurements({ seriesInstanceUid: SERIES });
    const instances = library.listInstances(SERIES);
    const source = readDataset(instances[0].path, { headerOnly: true }).dataset;
    const images = new Map(instances.map((i) => [i.sopInstanceUid, { studyInstanceUid: '1.2.826.0.1.3680043.10.89.1', seriesInstanceUid: SERIES, sopInstanceUid: i.sopInstanceUid, sopClassUid: i.sopClassUid!, frames: 1 }]));
    const report = buildReport({ source, seriesInstanceUid: `${SERIES}.9`, seriesNumber: 99, seriesDescription: 'US regions', instanceNumber: 1, images, measurements });
    const file = path.join(dir, 'sr.dcm');
    fs.writeFileSync(file, writeDataset(report.dataset));
    const { errors, output } = dciodvfy(file);
    expect(errors, output).toEqual([]);
    const items = (x: unknown): any[] => (Array.isArray(x) ? x : x === undefined ? [] : [x]);
    const meaning = (item: any) => items(item.ConceptNameCodeSequence)[0]?.CodeMeaning;
    const imaging = items(natural(file).ContentSequence).find((c) => meaning(c) === 'Imaging Measurements');
    const nums = items(imaging.ContentSequence)
      .filter((g) => meaning(g) === 'Measurement Group')
      .map((g) => items(g.ContentSequence).find((c) => c.ValueType === 'NUM'))
      .filter(Boolean)
      .map((n) => [Number(items(n.MeasuredValueSequence)[0].NumericValue), items(items(n.MeasuredValueSequence)[0].MeasurementUnitsCodeSequence)[0].CodeValue]);
    const row = rowOf();
    // The lengths in the order drawn: region 1 and 2 in mm, the crossing one in pixels.
    expect(nums[0][0]).toBeCloseTo(row('region-1').value as number, 4);
    expect(nums[0][1]).toBe('mm');
    expect(nums[1]).toEqual([25, 'mm']);
    expect(nums[2][0]).toBe(110);
    expect(nums[2][1]).not.toBe('mm');
  });

  it('keeps pixels, and says why, where no single calibrated region holds the points', () => {
    const row = rowOf();
    expect([row('crossing').value, row('crossing').unit, row('crossing').pixelSpacing]).toEqual([110, 'pixel', 'px: crosses US regions 1 and 2']);
    expect([row('zero-delta').value, row('zero-delta').unit, row('zero-delta').pixelSpacing]).toEqual([50, 'pixel', 'px: US region 1 not calibrated: its Physical Delta X is 0']);
    // An image with none of these: pixels, the column empty as before.
    expect([row('plain').value, row('plain').unit, row('plain').pixelSpacing]).toEqual([50, 'pixel', '']);
  });

  it('scales rows by the Pixel Aspect Ratio, as the viewer draws and measures them', () => {
    const row = rowOf();
    expect([row('aspect').value, row('aspect').unit, row('aspect').pixelSpacing]).toEqual([60, 'pixel', 'px: no pixel spacing; rows scaled by aspect 2:1']);
  });

  it('says so where a library imported before Lumen read US regions holds none for an ultrasound image', () => {
    const db = new Database(path.join(dir, 'library', 'library.sqlite'));
    try {
      db.prepare('UPDATE instances SET pixel_calibration = NULL WHERE sop_uid = ?').run(sops.regions);
    } finally {
      db.close();
    }
    const row = rowOf();
    expect([row('region-1').value, row('region-1').unit, row('region-1').pixelSpacing]).toEqual([50, 'pixel', 'px: US regions not read (imported before Lumen read them)']);
    expect(measurementValue({ kind: 'length', points: [[0, 0], [3, 4]], pixelSpacing: null })).toEqual({ value: 5, unit: 'pixel' });
  });
});
