// The library and the results export agree with the viewer on a CR's spacing: imported CR and
// DX files (dcmtk's dump2dcm) keep the spacing a length is measured with and its kind
// (instances.pixel_spacing_kind, migration 27), the measurement table names the kind beside
// each mm value, and the measurements SR says it as TID 300's Measurement Method, which
// dsrdump reads and dciodvfy finds no error in.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { readDataset, writeDataset } from '../../electron/results/part10';
import { buildReport } from '../../electron/results/sr';
import { ResultsStore } from '../../electron/results/store';
import { measurementTable } from '../../electron/results/tables';
import { migrate } from '../../electron/library/schema';
import { dciodvfy, dsrdump, natural } from '../results/check';
import { writeXrayDump } from '../support/dicom/dump2dcm-xray';

const ROOT = '1.2.826.0.1.3680043.10.1137.27';
const STUDY = `${ROOT}.1`;
const SERIES = `${ROOT}.1.1`;
let dir: string;
let library: Library;

/** A 16x16 12-bit CR or DX by dump2dcm, instance n, with `lines` added. */
function write(folder: string, n: number, modality: string, lines: string[]): string {
  return writeXrayDump({ work: dir, out: folder, n, modality, sopClass: 'ComputedRadiographyImageStorage', patient: { name: 'Spacing^Sam', id: 'SPACING27' }, study: STUDY, series: SERIES, lines }).sop;
}

const sops: Record<string, string> = {};
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-imager-spacing-'));
  const input = path.join(dir, 'in');
  fs.mkdirSync(input);
  sops.detector = write(input, 1, 'CR', ['(0018,1164) DS [0.2\\0.25]']);
  sops.magnification = write(input, 2, 'DX', ['(0018,1164) DS [0.2\\0.2]', '(0018,1114) DS [1.25]']);
  sops.calibrated = write(input, 3, 'DX', ['(0018,1164) DS [0.2\\0.2]', '(0028,0030) DS [0.15\\0.15]', '(0028,0a02) CS [GEOMETRY]']);
  sops.patient = write(input, 4, 'CR', ['(0028,0030) DS [0.3\\0.3]']);
  sops.none = write(input, 5, 'CR', []);
  library = Library.open(path.join(dir, 'library'));
  await library.importPaths([input]);
  let k = 0;
  for (const [kind, sop] of Object.entries(sops)) {
    library.saveMeasurement({ id: `len-${kind}`, seriesInstanceUid: SERIES, sopInstanceUid: sop, frame: 0, kind: 'length', points: [[0, 0], [10, 0]], createdAt: `2026-01-01T00:00:0${k++}Z` });
  }
  library.saveMeasurement({ id: 'm-area-detector', seriesInstanceUid: SERIES, sopInstanceUid: sops.detector, frame: 0, kind: 'rectangle', points: [[0, 0], [4, 2]], createdAt: '2026-01-01T00:00:09Z' });
}, 120_000);
afterAll(() => {
  library?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a CR measured with Imager Pixel Spacing, exported', () => {
  it('is stored with its spacing and kind, and the table names the kind beside each mm value', () => {
    const store = new ResultsStore(library);
    const table = measurementTable(store, { seriesInstanceUid: SERIES });
    expect(table.columns).toContain('pixelSpacing');
    const row = (id: string) => table.rows.find((r) => r.id === id)!;
    // 10 columns across: 0.25 mm at the detector; 0.2 / 1.25; 0.15 calibrated; 0.3; none: pixels.
    expect([row('len-detector').value, row('len-detector').unit, row('len-detector').pixelSpacing]).toEqual([2.5, 'mm', 'detector']);
    expect(row('len-magnification').value).toBeCloseTo(1.6, 10);
    expect(row('len-magnification').pixelSpacing).toBe('magnification');
    expect([row('len-calibrated').value, row('len-calibrated').pixelSpacing]).toEqual([1.5, 'calibrated']);
    expect([row('len-patient').value, row('len-patient').pixelSpacing]).toEqual([3, 'patient']);
    expect([row('len-none').value, row('len-none').unit, row('len-none').pixelSpacing]).toEqual([10, 'pixel', '']);
    expect([row('m-area-detector').value, row('m-area-detector').unit, row('m-area-detector').pixelSpacing]).toEqual([4 * 0.25 * 2 * 0.2, 'mm2', 'detector']);
  });

  it('says the kind in the measurements SR as TID 300 Measurement Method', () => {
    const store = new ResultsStore(library);
    const measurements = store.measurements({ seriesInstanceUid: SERIES });
    const instances = library.listInstances(SERIES);
    const source = readDataset(instances[0].path, { headerOnly: true }).dataset;
    const images = new Map(instances.map((i) => [i.sopInstanceUid, { studyInstanceUid: STUDY, seriesInstanceUid: SERIES, sopInstanceUid: i.sopInstanceUid, sopClassUid: i.sopClassUid!, frames: 1 }]));
    const report = buildReport({ source, seriesInstanceUid: `${ROOT}.9`, seriesNumber: 99, seriesDescription: 'spacing kinds', instanceNumber: 1, images, measurements });
    expect(report.groups.measurements).toBe(6);
    const file = path.join(dir, 'sr.dcm');
    fs.writeFileSync(file, writeDataset(report.dataset));
    expect(dsrdump(file)).toContain('Imager Pixel Spacing, at detector');
    const { errors, output } = dciodvfy(file);
    expect(errors, output).toEqual([]);
    const items = (x: unknown): any[] => (Array.isArray(x) ? x : x === undefined ? [] : [x]);
    const meaning = (item: any) => items(item.ConceptNameCodeSequence)[0]?.CodeMeaning;
    const ds = natural(file);
    const imaging = items(ds.ContentSequence).find((c) => meaning(c) === 'Imaging Measurements');
    const methods = items(imaging.ContentSequence)
      .filter((g) => meaning(g) === 'Measurement Group')
      .map((g) => items(g.ContentSequence).find((c) => c.ValueType === 'NUM'))
      .map((n) => items(items(n.ContentSequence).find((c) => meaning(c) === 'Measurement Method')?.ConceptCodeSequence)[0]?.CodeValue ?? null);
    // In the order made: detector, magnification, calibrated, patient (no method), none (pixels), the area.
    expect(methods).toEqual(['SP-DETECTOR', 'SP-MAGNIFIED', 'SP-CALIBRATED', null, null, 'SP-DETECTOR']);
  });

  it('marks the spacings an older library holds as Pixel Spacing when migrating to schema 27', () => {
    const db = new Database(path.join(dir, 'old.sqlite'));
    try {
      migrate(db, 22);
      // Two images alone (no series or study rows): only the column's filling is checked.
      db.pragma('foreign_keys = OFF');
      db.prepare("INSERT INTO instances (sop_uid, series_uid, path, file_size, mtime_ms, pixel_spacing, imported_at) VALUES ('1.2.3', '1.2', '/x', 1, 1, '[0.5,0.5]', 'now'), ('1.2.4', '1.2', '/y', 1, 1, NULL, 'now')").run();
      migrate(db);
      expect(db.prepare('SELECT sop_uid, pixel_spacing_kind FROM instances ORDER BY sop_uid').all()).toEqual([
        { sop_uid: '1.2.3', pixel_spacing_kind: 'patient' },
        { sop_uid: '1.2.4', pixel_spacing_kind: null },
      ]);
    } finally {
      db.close();
    }
  });
});
