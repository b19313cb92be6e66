// Results as DICOM SR (issue #16 point 5): `lumen export --results` on a real library, each
// file read back by dcmtk's dsrdump, checked by dicom3tools' dciodvfy, and the lengths
// loaded by dcmjs's Cornerstone3D adapter, the code OHIF uses to make SR lengths editable.
import fs from 'node:fs';
import path from 'node:path';
import dcmjs from 'dcmjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportResults } from '../../electron/results/export';
import { readDataset, writeDataset } from '../../electron/results/part10';
import { buildReport } from '../../electron/results/sr';
import { dciodvfy, dsrdump, natural } from './check';
import { lumen, MODEL_HASH, MODEL_META, PATIENT_A, QUOTED_LABEL, resultsLibrary, tmpDir, type ResultsLibrary } from './fixtures';

let lib: ResultsLibrary;
let files: { file: string; kind: string }[];

const items = (x: unknown): any[] => (Array.isArray(x) ? x : x === undefined ? [] : [x]);
const meaning = (item: any) => items(item.ConceptNameCodeSequence)[0]?.CodeMeaning;
const child = (item: any, m: string) => items(item.ContentSequence).find((c) => meaning(c) === m);
const children = (item: any, m: string) => items(item.ContentSequence).filter((c) => meaning(c) === m);

beforeAll(async () => {
  lib = await resultsLibrary('sr');
  const out = path.join(tmpDir('sr-out'), 'results');
  const r = await lumen(['export', '--results', PATIENT_A.seriesUid, '--model', MODEL_HASH, '--library', lib.dir, '--out', out, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const summary = JSON.parse(r.stdout);
  expect(summary).toMatchObject({ predictions: 5, measurements: 1, labels: 2 });
  files = summary.files;
}, 180_000);
afterAll(() => lib?.library.close());

describe('lumen export --results', () => {
  it('writes a predictions SR and a measurements SR that dsrdump reads and dciodvfy finds no error in', () => {
    expect(files.map((f) => f.kind)).toEqual(['predictions-sr', 'measurements-sr']);
    for (const { file } of files) {
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      const text = dsrdump(file);
      expect(text).toContain('Comprehensive SR Document');
      expect(text).toContain('"Imaging Measurement Report"');
      const { errors, output } = dciodvfy(file);
      expect(errors, output).toEqual([]);
    }
  });

  it('predictions: TID 1500 with one group per image, the top class as Finding, every score, the image and the algorithm', () => {
    const ds = natural(files[0].file);
    expect(ds).toMatchObject({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.33', Modality: 'SR', StudyInstanceUID: PATIENT_A.studyUid, PatientID: PATIENT_A.patientId });
    expect(items(ds.ContentTemplateSequence)[0]).toMatchObject({ MappingResource: 'DCMR', TemplateIdentifier: '1500' });
    const groups = children(child(ds, 'Imaging Measurements'), 'Measurement Group');
    expect(groups).toHaveLength(5);
    const bySop = new Map(groups.map((g) => [items(child(g, 'Source').ReferencedSOPSequence)[0].ReferencedSOPInstanceUID, g]));
    expect([...bySop.keys()].sort()).toEqual([...lib.images].sort());
    const last = bySop.get(lib.images[4]);
    expect(items(child(last, 'Finding').ConceptCodeSequence)[0]).toMatchObject({ CodeValue: 'normal', CodingSchemeDesignator: '99LUMEN' });
    expect(items(child(last, 'nodule probability').MeasuredValueSequence)[0].NumericValue).toBeCloseTo(0.4, 6);
    expect(child(last, 'Algorithm Name').TextValue).toBe(MODEL_META.name);
    expect(children(last, 'Algorithm Parameters').map((p) => p.TextValue).join(' ')).toContain(MODEL_HASH);
    // Every image referenced is in the evidence, so a receiver can fetch them.
    const evidence = items(items(ds.CurrentRequestedProcedureEvidenceSequence)[0].ReferencedSeriesSequence)[0];
    expect(evidence.SeriesInstanceUID).toBe(PATIENT_A.seriesUid);
    expect(items(evidence.ReferencedSOPSequence)).toHaveLength(5);
  });

  it("measurements: dcmjs's Cornerstone3D adapter (OHIF's) loads the length back with its points and value", () => {
    const ds = natural(files[1].file);
    const sopToImageId = Object.fromEntries(lib.images.map((s) => [s, `lumen:${s}`]));
    const metadata = { get: () => ({ frameOfReferenceUID: '1.2.3' }) };
    const state = dcmjs.adapters.Cornerstone3D.MeasurementReport.generateToolState(ds, sopToImageId, (_id: string, p: number[]) => [...p, 0], metadata);
    expect(state.Length).toHaveLength(1);
    const [length] = state.Length;
    expect(length.sopInstanceUid).toBe(lib.images[1]);
    expect(length.annotation.data.handles.points).toEqual([[2, 3, 0], [5, 7, 0]]);
    expect(Object.values(length.annotation.data.cachedStats)[0]).toEqual({ length: 3.5 });
    const findings = children(child(ds, 'Imaging Measurements'), 'Measurement Group')
      .map((g) => child(g, 'Finding'))
      .filter(Boolean)
      .map((f) => items(f.ConceptCodeSequence)[0].CodeMeaning);
    expect(findings).toEqual(['=HYPERLINK("http://x","y")', QUOTED_LABEL]);
  });

  it('every measurement kind: dciodvfy finds no error, OHIF\'s adapter loads ellipse and probe, values from the points', () => {
    const instance = lib.library.listInstances(PATIENT_A.seriesUid)[0];
    const source = readDataset(instance.path, { headerOnly: true }).dataset;
    const base = { studyInstanceUid: PATIENT_A.studyUid, seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: instance.sopInstanceUid, sopClassUid: instance.sopClassUid, frame: 0, pixelSpacing: [0.7, 0.7] as [number, number], author: null, createdAt: '2026-01-01T00:00:00Z' };
    const measurements = [
      { ...base, id: 'm-ellipse-01', kind: 'ellipse', points: [[2, 2], [12, 6]] as [number, number][] },
      { ...base, id: 'm-rect-0001', kind: 'rectangle', points: [[1, 1], [5, 3]] as [number, number][] },
      { ...base, id: 'm-angle-001', kind: 'angle', points: [[10, 0], [0, 0], [0, 10]] as [number, number][] },
      { ...base, id: 'm-probe-001', kind: 'probe', points: [[7.5, 8.5]] as [number, number][] },
      { ...base, id: 'm-unknown-1', kind: 'freehand', points: [[1, 1]] as [number, number][] },
    ];
    const images = new Map([[instance.sopInstanceUid, { studyInstanceUid: PATIENT_A.studyUid, seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: instance.sopInstanceUid, sopClassUid: instance.sopClassUid!, frames: 1 }]]);
    // A region of an image without a modality unit (not CT, no dose): its statistics are "no units".
    const regionStatistics = new Map([['m-ellipse-01', { mean: 1.5, sd: 0.5, min: 1, max: 2, unit: null }]]);
    const report = buildReport({ source, seriesInstanceUid: '2.25.1', seriesNumber: 1, seriesDescription: 'kinds', instanceNumber: 1, images, measurements, regionStatistics });
    expect(report.groups.measurements).toBe(4);
    expect(report.skipped).toBe(1);
    const file = path.join(tmpDir('sr-kinds'), 'kinds.dcm');
    fs.writeFileSync(file, writeDataset(report.dataset));
    dsrdump(file);
    const { errors, output } = dciodvfy(file);
    expect(errors, output).toEqual([]);
    const ds = natural(file);
    const nums = children(child(ds, 'Imaging Measurements'), 'Measurement Group').map((g) => items(g.ContentSequence).find((c) => c.ValueType === 'NUM'));
    const values = nums.map((n) => [meaning(n), items(n.MeasuredValueSequence)[0]?.NumericValue, items(items(n.MeasuredValueSequence)[0]?.MeasurementUnitsCodeSequence)[0]?.CodeValue]);
    // A probe given no value (none read from its image) says none, as dcmjs's Point does, rather than 0.
    expect(values[3]).toEqual(['Center', undefined, undefined]);
    expect(values[0][0]).toBe('Area');
    expect(values[0][1]).toBeCloseTo((Math.PI / 4) * 10 * 0.7 * 4 * 0.7, 4);
    expect(values[1]).toEqual(['Area', Number((4 * 0.7 * 2 * 0.7).toPrecision(8)), 'mm2']);
    expect(values[2][1]).toBeCloseTo(90, 6);
    expect(values[2][2]).toBe('deg');
    const ellipseNums = items(children(child(ds, 'Imaging Measurements'), 'Measurement Group')[0].ContentSequence).filter((c) => c.ValueType === 'NUM');
    expect(ellipseNums.map((n) => [meaning(n), items(n.MeasuredValueSequence)[0].NumericValue, items(items(n.MeasuredValueSequence)[0].MeasurementUnitsCodeSequence)[0].CodeValue]).slice(1)).toEqual([
      ['Maximum', 2, '1'],
      ['Minimum', 1, '1'],
      ['Mean', 1.5, '1'],
      ['Standard Deviation', 0.5, '1'],
    ]);
    const sopToImageId = { [instance.sopInstanceUid]: 'lumen:1' };
    const metadata = { get: () => ({ frameOfReferenceUID: '1.2.3', rowCosines: [1, 0, 0], columnCosines: [0, 1, 0], rowPixelSpacing: 0.7, columnPixelSpacing: 0.7 }) };
    const state = dcmjs.adapters.Cornerstone3D.MeasurementReport.generateToolState(ds, sopToImageId, (_id: string, p: number[]) => [...p, 0], metadata);
    expect(state.Probe[0].annotation.data.handles.points).toEqual([[7.5, 8.5, 0]]);
    expect(state.EllipticalROI).toHaveLength(1);
  });

  it('predictions: the training-data check of each image travels with its scores, as text a reader can see', () => {
    const instance = lib.library.listInstances(PATIENT_A.seriesUid)[0];
    const source = readDataset(instance.path, { headerOnly: true }).dataset;
    const images = new Map(
      lib.library.listInstances(PATIENT_A.seriesUid).slice(0, 3).map((i) => [i.sopInstanceUid, { studyInstanceUid: PATIENT_A.studyUid, seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: i.sopInstanceUid, sopClassUid: i.sopClassUid!, frames: 1 }]),
    );
    const [outside, inside, unjudged] = [...images.keys()];
    const base = { packageHash: MODEL_HASH, modelName: MODEL_META.name, variant: 'b0', studyInstanceUid: PATIENT_A.studyUid, seriesInstanceUid: PATIENT_A.seriesUid, sopClassUid: instance.sopClassUid, frame: 0, classNames: MODEL_META.classNames, scores: [0.7, 0.3], createdAt: '2026-01-01T00:00:00Z' };
    // A reason holds header text (a modality read from the file): control characters must not reach the SR.
    const items_ = [
      { ...base, sopInstanceUid: outside, domain: { outside: true, reasons: ['modality MR\u0007; trained on CT', 'unlike the training images: score 41 > threshold 17'] } },
      { ...base, sopInstanceUid: inside, domain: { outside: false, reasons: [] } },
      { ...base, sopInstanceUid: unjudged, domain: null },
    ];
    const report = buildReport({ source, seriesInstanceUid: '2.25.2', seriesNumber: 1, seriesDescription: 'domain', instanceNumber: 1, images, predictions: { model: { name: MODEL_META.name, packageHash: MODEL_HASH, variant: 'b0', version: null }, items: items_ } });
    const file = path.join(tmpDir('sr-domain'), 'domain.dcm');
    fs.writeFileSync(file, writeDataset(report.dataset));
    expect(dsrdump(file)).toContain('Outside the training data');
    const { errors, output } = dciodvfy(file);
    expect(errors, output).toEqual([]);
    const groups = children(child(natural(file), 'Imaging Measurements'), 'Measurement Group');
    const check = (sop: string) => child(groups.find((g) => items(child(g, 'Source').ReferencedSOPSequence)[0].ReferencedSOPInstanceUID === sop), 'Training data check');
    expect(check(outside).TextValue).toBe('Outside the training data: modality MR ; trained on CT; unlike the training images: score 41 > threshold 17');
    expect(items(check(outside).ConceptNameCodeSequence)[0]).toMatchObject({ CodingSchemeDesignator: '99LUMEN' });
    expect(check(inside).TextValue).toBe('Like the training data');
    expect(check(unjudged)).toBeUndefined();
  });

  it("ellipse and rectangle: mean, SD, min and max in HU from the CT's own pixels, after the area, as dcmjs writes them", async () => {
    const image = lib.library.listInstances(PATIENT_A.seriesUid).find((i) => i.sopInstanceUid === lib.images[2])!;
    const at = { seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: image.sopInstanceUid, frame: 0 };
    const ellipse: [number, number][] = [[20.6, 15.1], [3.2, 4.7]];
    const rectangle: [number, number][] = [[10.4, 2.2], [25.7, 9.9]];
    lib.library.saveMeasurement({ ...at, id: 'm-0000-0101', kind: 'ellipse', points: ellipse, createdAt: '2026-01-01T00:00:02Z' });
    lib.library.saveMeasurement({ ...at, id: 'm-0000-0102', kind: 'rectangle', points: rectangle, createdAt: '2026-01-01T00:00:03Z' });
    const out = tmpDir('sr-stats');
    const result = await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model: null, out });
    expect(result.measurements).toBe(3);
    const file = result.files.find((f) => f.kind === 'measurements-sr')!.file;
    expect(dsrdump(file)).toContain('"Hounsfield unit"');
    const { errors, output } = dciodvfy(file);
    expect(errors, output).toEqual([]);

    // The expected figures, straight from the file: stored values x slope + intercept, every
    // pixel whose centre lies in the shape, population SD.
    const ct = natural(image.path);
    const stored = new Uint16Array(ct.PixelData[0]);
    const hu = Array.from(stored, (v) => v * Number(ct.RescaleSlope) + Number(ct.RescaleIntercept));
    const inside = (pts: [number, number][], kind: 'ellipse' | 'rectangle') => {
      const [x0, x1] = [Math.min(pts[0][0], pts[1][0]), Math.max(pts[0][0], pts[1][0])];
      const [y0, y1] = [Math.min(pts[0][1], pts[1][1]), Math.max(pts[0][1], pts[1][1])];
      const picked: number[] = [];
      for (let i = 0; i < hu.length; i++) {
        const x = (i % ct.Columns) + 0.5;
        const y = Math.floor(i / ct.Columns) + 0.5;
        const ok = kind === 'rectangle' ? x >= x0 && x <= x1 && y >= y0 && y <= y1 : ((x - (x0 + x1) / 2) / ((x1 - x0) / 2)) ** 2 + ((y - (y0 + y1) / 2) / ((y1 - y0) / 2)) ** 2 <= 1;
        if (ok) picked.push(hu[i]);
      }
      const mean = picked.reduce((a, b) => a + b, 0) / picked.length;
      const sd = Math.sqrt(picked.reduce((a, b) => a + (b - mean) ** 2, 0) / picked.length);
      return { Maximum: Math.max(...picked), Minimum: Math.min(...picked), Mean: mean, 'Standard Deviation': sd, n: picked.length };
    };

    const ds = natural(file);
    const groups = children(child(ds, 'Imaging Measurements'), 'Measurement Group');
    const byTool = (tool: string) => groups.find((g) => child(g, 'Tracking Identifier')?.TextValue === `Cornerstone3DTools@^0.1.0:${tool}`);
    for (const [tool, expected] of [['EllipticalROI', inside(ellipse, 'ellipse')], ['RectangleROI', inside(rectangle, 'rectangle')]] as const) {
      expect(expected.n).toBeGreaterThan(20);
      expect(expected.Maximum).toBeGreaterThan(expected.Minimum); // the shapes cross the body's edge
      const nums = items(byTool(tool).ContentSequence).filter((c) => c.ValueType === 'NUM');
      // dcmjs's order: the area (with the outline), then max, min, mean, SD without one.
      expect(nums.map(meaning)).toEqual(['Area', 'Maximum', 'Minimum', 'Mean', 'Standard Deviation']);
      expect(items(nums[0].ContentSequence)[0].ValueType).toBe('SCOORD');
      for (const n of nums.slice(1)) {
        expect(items(n.ConceptNameCodeSequence)[0].CodingSchemeDesignator).toBe('SCT');
        const measured = items(n.MeasuredValueSequence)[0];
        expect(items(measured.MeasurementUnitsCodeSequence)[0]).toMatchObject({ CodeValue: "[hnsf'U]", CodingSchemeDesignator: 'UCUM' });
        expect(measured.NumericValue, `${tool} ${meaning(n)}`).toBeCloseTo(expected[meaning(n) as keyof typeof expected], 3);
      }
    }
    // OHIF's adapter still loads the ellipse back, with its area.
    const metadata = { get: () => ({ frameOfReferenceUID: '1.2.3', rowCosines: [1, 0, 0], columnCosines: [0, 1, 0], rowPixelSpacing: 0.7, columnPixelSpacing: 0.7 }) };
    const state = dcmjs.adapters.Cornerstone3D.MeasurementReport.generateToolState(ds, { [image.sopInstanceUid]: 'lumen:2' }, (_id: string, p: number[]) => [...p, 0], metadata);
    expect(state.EllipticalROI).toHaveLength(1);
    expect(Object.values(state.EllipticalROI[0].annotation.data.cachedStats)[0]).toEqual({ area: expect.closeTo((Math.PI / 4) * 17.4 * 0.7 * 10.4 * 0.7, 4) });
  });

  it('refuses, in words, a UID the library lacks and a model without predictions for it', async () => {
    const out = tmpDir('sr-refused');
    await expect(exportResults(lib.library, { uid: '1.2.3.4.5', model: null, out })).rejects.toThrow(/The library has no series or study 1\.2\.3\.4\.5/);
    const other = { name: 'Other', packageHash: 'b'.repeat(64), variant: 'b0', version: null };
    await expect(exportResults(lib.library, { uid: PATIENT_A.studyUid, model: other, out })).rejects.toThrow(/no predictions of the model "Other"/);
    expect(fs.readdirSync(out)).toEqual([]);
  });
});
