// The exported measurements of an Enhanced multi-frame image use each frame's own header, as the
// viewer does (electron/dicom/pixels.ts metaOfFrame): an Enhanced CT written by dcmtk's dump2dcm
// whose two frames differ in Rescale Intercept (Pixel Value Transformation) and Pixel Spacing
// (Pixel Measures) in their Per-Frame Functional Groups. A rectangle on frame 2 exports the mean
// and area the viewer computes on the engine's frame (viewerFrameOf, the viewer.frame request's
// answer), in the SR and in the CSV.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerFrame } from '../../common/contract/library';
import { calibrationAt, regionReading, regionStats } from '../../common/roi';
import { parseDicomFile } from '../../electron/dicom/parse';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { Library } from '../../electron/library/library';
import { exportResults } from '../../electron/results/export';
import { measuredOnFrames, tableOnFrames } from '../../electron/results/region-stats';
import { ResultsStore, type ImageFile, type StoredMeasurement } from '../../electron/results/store';
import { measurementValue } from '../../electron/results/tables';
import { dumpItem as item, dumpSequence as seq, writeDump2dcm } from '../support/dicom/dump2dcm';
import { natural } from './check';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-region-stats-frames-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = 40;
const COLUMNS = 50;
/** Each frame's Rescale Intercept and Pixel Spacing (row, column), as its Per-Frame Functional Groups item says. */
const FRAMES = [
  { intercept: -1024, spacing: [0.5, 0.5] },
  { intercept: -1000, spacing: [0.8, 0.6] },
] as const;
const UID = '1.2.826.0.1.3680043.10.89.77.1';

/** The Enhanced CT, written by dump2dcm; frame f's stored values are (r * 7 + c * 3 + 100 f) % 200 + 1000. */
function writeEnhancedCt(): string {
  const px = Buffer.alloc(ROWS * COLUMNS * 2 * FRAMES.length);
  FRAMES.forEach((_, f) => {
    for (let r = 0; r < ROWS; r++) for (let c = 0; c < COLUMNS; c++) px.writeUInt16LE(((r * 7 + c * 3 + 100 * f) % 200) + 1000, ((f * ROWS + r) * COLUMNS + c) * 2);
  });
  const shared = seq('5200,9229', [item(seq('0020,9116', [item(['(0020,0037) DS [1\\0\\0\\0\\1\\0]'])]))]);
  const perFrame = seq(
    '5200,9230',
    FRAMES.map(({ intercept, spacing }, f) =>
      item([
        ...seq('0020,9113', [item([`(0020,0032) DS [0\\0\\${5 * f}]`])]),
        ...seq('0028,9110', [item([`(0028,0030) DS [${spacing[0]}\\${spacing[1]}]`, '(0018,0050) DS [5]'])]),
        ...seq('0028,9145', [item([`(0028,1052) DS [${intercept}]`, '(0028,1053) DS [1]', '(0028,1054) LO [HU]'])]),
      ]),
    ),
  );
  return writeDump2dcm(join(dir, 'ct.dcm'), {
    sopClass: 'EnhancedCTImageStorage',
    sopInstanceUid: UID,
    modality: 'CT',
    rows: ROWS,
    columns: COLUMNS,
    frames: FRAMES.length,
    pixels: px,
    lines: ['(0020,000d) UI [1.2.826.0.1.3680043.10.89.77]', '(0020,000e) UI [1.2.826.0.1.3680043.10.89.77.2]', ...shared, ...perFrame],
  });
}

type P = [number, number];
const BOX: [P, P] = [[10, 8], [30, 20]];
const SERIES = '1.2.826.0.1.3680043.10.89.77.2';

/** The viewer's frame (the engine's answer to viewer.frame) and a rectangle's area and statistics on it, as measurementText.ts reads them. */
async function viewerRegion(file: string, frameIndex: number, box: [P, P]) {
  const frame = ViewerFrame.parse(await viewerFrameOf(await parseDicomFile(file), frameIndex));
  const stored = new Uint16Array(frame.pixels.buffer.slice(frame.pixels.byteOffset, frame.pixels.byteOffset + frame.pixels.byteLength));
  // renderer/src/viewer/image.ts loadFrame: stored x slope + intercept, 32-bit floats.
  const values = { rows: frame.rows, columns: frame.columns, values: Float32Array.from(stored, (v) => v * frame.slope + frame.intercept), paddingMask: frame.paddingMask ?? null };
  const c = calibrationAt(box, frame);
  return { frame, values, stats: regionStats('rectangle', box[0], box[1], values, c.unit === 'mm' ? c.spacing : null)! };
}

const items = (v: any): any[] => (Array.isArray(v) ? v : v ? [v] : []);

describe('an Enhanced CT whose frames have their own rescale and spacing', () => {
  it('exports a rectangle on frame 2 with the mean and area the viewer reads on that frame', async () => {
    const file = writeEnhancedCt();
    const parsed = await parseDicomFile(file);
    // What the library keeps for the image: the file's (its first frame's) spacing.
    expect(parsed.meta.pixelSpacing).toEqual([0.5, 0.5]);

    // The viewer: the engine's frame 2 and its values as renderer/src/viewer/image.ts makes them.
    const frame = ViewerFrame.parse(await viewerFrameOf(parsed, 1));
    expect([frame.intercept, frame.pixelSpacing]).toEqual([-1000, [0.8, 0.6]]);
    const stored = new Uint16Array(frame.pixels.buffer.slice(frame.pixels.byteOffset, frame.pixels.byteOffset + frame.pixels.byteLength));
    const values = { rows: frame.rows, columns: frame.columns, values: Float32Array.from(stored, (v) => v * frame.slope + frame.intercept), paddingMask: frame.paddingMask ?? null };
    const c = calibrationAt(BOX, frame);
    const viewer = regionStats('rectangle', BOX[0], BOX[1], values, c.unit === 'mm' ? c.spacing : null);
    expect(viewer?.area).toBeCloseTo(20 * 12 * 0.8 * 0.6, 9);
    expect(regionReading('rectangle', BOX[0], BOX[1], values, frame, frame.unit)).toMatch(/^Area 115\.2 mm² · mean /);
    // The frame's own values: stored + 100 for frame 2, intercept -1000.
    let sum = 0;
    for (let r = 8; r < 20; r++) for (let col = 10; col < 30; col++) sum += ((r * 7 + col * 3 + 100) % 200) + 1000 - 1000;
    expect(viewer?.mean).toBeCloseTo(sum / 240, 4);

    // The export, from the library's rows: the file's spacing, frame 2 (index 1).
    const measurement: StoredMeasurement = { id: 'm-frame-2', kind: 'rectangle', studyInstanceUid: '1.2.826.0.1.3680043.10.89.77', seriesInstanceUid: '1.2.826.0.1.3680043.10.89.77.2', sopInstanceUid: UID, sopClassUid: null, frame: 1, points: BOX, pixelSpacing: [0.5, 0.5], pixelSpacingKind: 'patient', rows: ROWS, columns: COLUMNS, author: null, createdAt: 'now' };
    const length: StoredMeasurement = { ...measurement, id: 'm-length-2', kind: 'length', points: [[0, 0], [30, 40]] };
    const onFrame1: StoredMeasurement = { ...measurement, id: 'm-frame-1', frame: 0 };
    const image: ImageFile = { sopInstanceUid: UID, seriesInstanceUid: measurement.seriesInstanceUid, studyInstanceUid: measurement.studyInstanceUid!, sopClassUid: null, frames: 2, path: file, missing: false, hasPixelData: true, seriesNumber: null };
    const { measurements, statistics } = await measuredOnFrames([measurement, length, onFrame1], [image]);
    const exported = statistics.get('m-frame-2');
    expect(exported).toEqual({ mean: viewer?.mean, sd: viewer?.sd, min: viewer?.min, max: viewer?.max, unit: 'HU' });
    const byId = new Map(measurements.map((m) => [m.id, m]));
    // The SR's area and length are measured with frame 2's own spacing.
    const area = measurementValue(byId.get('m-frame-2')!);
    expect(area.unit).toBe('mm2');
    expect(area.value).toBeCloseTo(viewer!.area, 9);
    expect(measurementValue(byId.get('m-length-2')!).value).toBeCloseTo(Math.hypot(30 * 0.6, 40 * 0.8), 9);
    // Frame 1 keeps its own: intercept -1024, 0.5 mm.
    expect(measurementValue(byId.get('m-frame-1')!)).toEqual({ value: 20 * 12 * 0.25, unit: 'mm2' });
    let sum1 = 0;
    for (let r = 8; r < 20; r++) for (let col = 10; col < 30; col++) sum1 += ((r * 7 + col * 3) % 200) + 1000 - 1024;
    expect(statistics.get('m-frame-1')?.mean).toBeCloseTo(sum1 / 240, 4);
  });
});

describe('exports of an Enhanced CT imported into a library', () => {
  it('write the SR and the CSV with frame 2\'s own mean, area and length, as the viewer reads them', async () => {
    const input = join(dir, 'in');
    execFileSync('mkdir', ['-p', input]);
    const file = writeEnhancedCt();
    execFileSync('cp', [file, join(input, 'ct.dcm')]);
    const library = Library.open(join(dir, 'library'));
    try {
      await library.importPaths([input]);
      const [instance] = library.listInstances(SERIES);
      expect(instance.sopInstanceUid).toBe(UID);
      library.saveMeasurement({ id: 'rect-2', seriesInstanceUid: SERIES, sopInstanceUid: UID, frame: 1, kind: 'rectangle', points: BOX, createdAt: '2026-01-01T00:00:01Z' });
      library.saveMeasurement({ id: 'len-2', seriesInstanceUid: SERIES, sopInstanceUid: UID, frame: 1, kind: 'length', points: [[0, 0], [30, 40]], createdAt: '2026-01-01T00:00:02Z' });
      const viewer = await viewerRegion(instance.path, 1, BOX);

      // The CSV (lumen export --csv measurements, Export results… > table).
      const store = new ResultsStore(library);
      let rows;
      try {
        rows = (await tableOnFrames(store, 'measurements', { seriesInstanceUid: SERIES })).rows;
      } finally {
        store.close();
      }
      const row = (id: string) => rows.find((r) => r.id === id)!;
      expect([row('rect-2').unit, row('rect-2').frame, row('rect-2').pixelSpacing]).toEqual(['mm2', 2, 'patient']);
      expect(row('rect-2').value as number).toBeCloseTo(viewer.stats.area, 9);
      expect(row('len-2').value as number).toBeCloseTo(Math.hypot(30 * 0.6, 40 * 0.8), 9);

      // The SR: the rectangle's area and mean, the length.
      const out = join(dir, 'out');
      const result = await exportResults(library, { uid: SERIES, model: null, out });
      const sr = result.files.find((f) => f.kind === 'measurements-sr')!;
      const imaging = items(natural(sr.file).ContentSequence).find((c) => items(c.ConceptNameCodeSequence)[0]?.CodeMeaning === 'Imaging Measurements');
      const groups = items(imaging.ContentSequence).map((g) => items(g.ContentSequence));
      const value = (group: any[], meaning: string) => Number(items(items(group.find((c) => c.ValueType === 'NUM' && items(c.ConceptNameCodeSequence)[0].CodeMeaning === meaning)?.MeasuredValueSequence)[0]?.NumericValue));
      const rect = groups.find((g) => g.some((c) => items(c.ConceptNameCodeSequence)[0]?.CodeMeaning === 'Area'))!;
      const length = groups.find((g) => g.some((c) => items(c.ConceptNameCodeSequence)[0]?.CodeMeaning === 'Length'))!;
      expect(value(rect, 'Area')).toBeCloseTo(viewer.stats.area, 5);
      expect(value(rect, 'Mean')).toBeCloseTo(viewer.stats.mean, 5);
      expect([value(rect, 'Minimum'), value(rect, 'Maximum')]).toEqual([viewer.stats.min, viewer.stats.max]);
      expect(value(length, 'Length')).toBeCloseTo(Math.hypot(30 * 0.6, 40 * 0.8), 5);
    } finally {
      library.close();
    }
  }, 120_000);
});
