// A probe's reading in the exports (s14 F1): the value the viewer lists for a probe ("(12, 9)
// 42 HU") is the probe's value in the measurements CSV (value, unit) and in the SR (a NUM of the
// pixel value in the image's modality units, inferred from the probe's point), while dcmjs's
// Cornerstone3D adapter (the code OHIF loads SR measurements with) still loads it as a Probe.
// Images written by dcmtk's dump2dcm: a CT with a Rescale Intercept (HU) and an MR without one
// (no units); the viewer's value comes from the engine's frame as the renderer holds it.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import dcmjs from 'dcmjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerFrame } from '../../common/contract/library';
import { probeReading, probeValue } from '../../common/roi';
import { parseDicomFile } from '../../electron/dicom/parse';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { Library } from '../../electron/library/library';
import { readResultDocument } from '../../electron/library/results';
import { exportResults } from '../../electron/results/export';
import { tableOnFrames } from '../../electron/results/region-stats';
import { ResultsStore } from '../../electron/results/store';
import { writeDump2dcm } from '../support/dicom/dump2dcm';
import { dciodvfy, dsrdump, items, meaning, natural } from './check';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-probe-reading-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = 16;
const COLUMNS = 20;
const STUDY = '1.2.826.0.1.3680043.10.89.78';
const CT = { series: `${STUDY}.1`, sop: `${STUDY}.1.1` };
const MR = { series: `${STUDY}.2`, sop: `${STUDY}.2.1` };

/** Stored value of pixel (r, c): (r * 20 + c) * 3 + 1000. */
const stored = (r: number, c: number) => (r * COLUMNS + c) * 3 + 1000;

function write(file: string, modality: string, sop: string, series: string, lines: string[]): string {
  const px = Buffer.alloc(ROWS * COLUMNS * 2);
  for (let r = 0; r < ROWS; r++) for (let c = 0; c < COLUMNS; c++) px.writeUInt16LE(stored(r, c), (r * COLUMNS + c) * 2);
  return writeDump2dcm(file, {
    sopClass: modality === 'CT' ? '=CTImageStorage' : '=MRImageStorage',
    sopInstanceUid: sop,
    modality,
    rows: ROWS,
    columns: COLUMNS,
    pixels: px,
    lines: ['(0010,0010) PN [Probe^Test]', '(0010,0020) LO [PROBE1]', `(0020,000d) UI [${STUDY}]`, `(0020,000e) UI [${series}]`, '(0020,0013) IS [1]', '(0028,0030) DS [0.5\\0.5]', ...lines],
  });
}

/** The viewer's value under a point and its reading, from the engine's frame as renderer/src/viewer/image.ts holds it. */
async function viewerProbe(file: string, p: [number, number]) {
  const frame = ViewerFrame.parse(await viewerFrameOf(await parseDicomFile(file), 0));
  const raw = new Uint16Array(frame.pixels.buffer.slice(frame.pixels.byteOffset, frame.pixels.byteOffset + frame.pixels.byteLength));
  const values = { rows: frame.rows, columns: frame.columns, values: Float32Array.from(raw, (v) => v * frame.slope + frame.intercept), offset: frame.valueBase ?? 0 };
  return { value: probeValue(p, values), reading: probeReading(p, values, frame.unit), unit: frame.unit };
}

describe('a probe in the exports', () => {
  it('carries the value the viewer shows, with its units, in the CSV and the SR; OHIF\'s adapter still loads it', async () => {
    const input = join(dir, 'in');
    mkdirSync(input, { recursive: true });
    const ctFile = write(join(input, 'ct.dcm'), 'CT', CT.sop, CT.series, ['(0028,1052) DS [-1024]', '(0028,1053) DS [1]']);
    const mrFile = write(join(input, 'mr.dcm'), 'MR', MR.sop, MR.series, []);
    const at: [number, number] = [12.5, 9.5];

    // The viewer: CT pixel (row 9, column 12) stored 1576, less 1024: 552 HU; the MR's stored value, no units.
    const ctView = await viewerProbe(ctFile, at);
    const mrView = await viewerProbe(mrFile, at);
    expect(ctView.value).toBe(stored(9, 12) - 1024);
    expect(ctView.reading).toBe(`(12, 9) ${stored(9, 12) - 1024} HU`);
    expect(mrView.value).toBe(stored(9, 12));
    expect(mrView.reading).toBe(`(12, 9) ${stored(9, 12)}`);

    const library = Library.open(join(dir, 'library'));
    try {
      await library.importPaths([input]);
      library.saveMeasurement({ id: 'probe-ct', seriesInstanceUid: CT.series, sopInstanceUid: CT.sop, frame: 0, kind: 'probe', points: [at], createdAt: '2026-01-01T00:00:01Z' });
      // Outside the image: no value, as the viewer says "no value".
      library.saveMeasurement({ id: 'probe-out', seriesInstanceUid: CT.series, sopInstanceUid: CT.sop, frame: 0, kind: 'probe', points: [[40, 3]], createdAt: '2026-01-01T00:00:02Z' });
      library.saveMeasurement({ id: 'probe-mr', seriesInstanceUid: MR.series, sopInstanceUid: MR.sop, frame: 0, kind: 'probe', points: [at], createdAt: '2026-01-01T00:00:03Z' });

      // The CSV (lumen export --csv measurements; Export results… > table).
      const store = new ResultsStore(library);
      let rows;
      try {
        rows = (await tableOnFrames(store, 'measurements', { studyInstanceUid: STUDY })).rows;
      } finally {
        store.close();
      }
      const row = (id: string) => rows.find((r) => r.id === id)!;
      expect([row('probe-ct').value, row('probe-ct').unit]).toEqual([ctView.value, 'HU']);
      expect([row('probe-mr').value, row('probe-mr').unit]).toEqual([mrView.value, null]);
      expect([row('probe-out').value, row('probe-out').unit]).toEqual([null, null]);

      // The SR of each series.
      const srOf = async (series: string) => {
        const out = join(dir, `out-${series}`);
        const result = await exportResults(library, { uid: series, model: null, out });
        const file = result.files.find((f) => f.kind === 'measurements-sr')!.file;
        expect(dsrdump(file)).toContain('SCOORD');
        const { errors, output } = dciodvfy(file);
        expect(errors, output).toEqual([]);
        return file;
      };
      const ctSr = await srOf(CT.series);
      const mrSr = await srOf(MR.series);
      const groups = (file: string) => items(items(natural(file).ContentSequence).find((c) => meaning(c) === 'Imaging Measurements').ContentSequence).map((g) => items(g.ContentSequence));
      const num = (group: any[]) => {
        const n = group.find((c) => c.ValueType === 'NUM');
        const mv = items(n.MeasuredValueSequence)[0];
        return { concept: items(n.ConceptNameCodeSequence)[0], value: mv?.NumericValue, units: mv && items(mv.MeasurementUnitsCodeSequence)[0].CodeValue, scoord: items(n.ContentSequence).find((c) => c.ValueType === 'SCOORD') };
      };
      const [ctProbe, outProbe] = groups(ctSr).map(num);
      expect(ctProbe).toMatchObject({ concept: { CodeValue: '112031', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Attenuation Coefficient' }, value: ctView.value, units: "[hnsf'U]" });
      expect(ctProbe.scoord).toMatchObject({ GraphicType: 'POINT', GraphicData: at });
      // No value: no number made up (dcmjs's Point writes its "Center" NUM without one too).
      expect(outProbe).toMatchObject({ concept: { CodeValue: '111010', CodeMeaning: 'Center' }, value: undefined });
      const [mrProbe] = groups(mrSr).map(num);
      expect(mrProbe).toMatchObject({ concept: { CodeMeaning: 'Pixel value' }, value: mrView.value, units: '1' });

      // OHIF's adapter: both CT probes load as Probes at their points.
      const metadata = { get: () => ({ frameOfReferenceUID: '1.2.3', rowCosines: [1, 0, 0], columnCosines: [0, 1, 0], rowPixelSpacing: 0.5, columnPixelSpacing: 0.5 }) };
      const state = dcmjs.adapters.Cornerstone3D.MeasurementReport.generateToolState(natural(ctSr), { [CT.sop]: 'lumen:ct' }, (_id: string, p: number[]) => [...p, 0], metadata);
      expect(state.Probe.map((s: any) => s.annotation.data.handles.points)).toEqual([[[...at, 0]], [[40, 3, 0]]]);

      // Read back as a result document: the probe's reading, not "Center".
      const doc = readResultDocument(readFileSync(ctSr), 'sr');
      expect(doc.findings.map((f) => [f.finding, f.score, f.unit])).toEqual([
        ['Attenuation Coefficient', ctView.value, "[hnsf'U]"],
        ['Center', null, null],
      ]);
    } finally {
      library.close();
    }
  }, 120_000);
});
