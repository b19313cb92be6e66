// Results read back (issue #16 point 5): Lumen's own exports, made here by the results
// writer from a real library, imported into a library again: the SR's findings stored with
// the study, the Parametric Map with its source image, and hostile SR files refused cleanly.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { readResultDocument } from '../../electron/library/results';
import { exportResults } from '../../electron/results/export';
import { buildParametricMap } from '../../electron/results/parametric-map';
import { readDataset, writeDataset } from '../../electron/results/part10';
import { MODEL_HASH, MODEL_META, PATIENT_A, resultsLibrary, tmpDir, type ResultsLibrary } from '../results/fixtures';

let lib: ResultsLibrary;
let out: string;

beforeAll(async () => {
  lib = await resultsLibrary('results-import');
  out = path.join(tmpDir('results-import-out'), 'results');
  const model = { name: MODEL_META.name, packageHash: MODEL_HASH, variant: MODEL_META.variant, version: '0.1.0' };
  await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model, out });
  // A parametric map of the third image, through the writer the heatmap export uses.
  const sourceFile = lib.library.listInstances(PATIENT_A.seriesUid)[2].path;
  const { dataset: source } = readDataset(sourceFile, { headerOnly: true });
  const rows = Number(source.Rows);
  const columns = Number(source.Columns);
  const values = new Float32Array(rows * columns).map((_, i) => i / (rows * columns));
  const map = buildParametricMap({ source, frame: 0, frames: 1, values, rows, columns, className: 'nodule', modelName: MODEL_META.name, packageHash: MODEL_HASH, seriesInstanceUid: '2.25.9876', seriesNumber: 901, instanceNumber: 1 });
  fs.writeFileSync(path.join(out, 'map.dcm'), writeDataset(map));
}, 180_000);
afterAll(() => lib?.library.close());

describe('importing results Lumen wrote', () => {
  it('stores the predictions SR as findings with the study: finding, score, images, algorithm', async () => {
    const report = await lib.library.importPaths([out]);
    expect(report.errors).toEqual([]);
    expect(report.imported).toBe(3); // predictions SR, measurements SR, parametric map
    const results = lib.library.studyResults(PATIENT_A.studyUid);
    const predictions = results.find((r) => r.kind === 'sr' && r.findings.some((f) => f.algorithmName === MODEL_META.name))!;
    expect(predictions.title).toBe('Imaging Measurement Report');
    expect(predictions.contentDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
    expect(predictions.findings).toHaveLength(5);
    // The fixture scores image i as [1 - i/10, i/10]: the top class is "normal" with 1 - i/10.
    const byImage = new Map(predictions.findings.map((f) => [f.referencedSopInstanceUids[0], f]));
    expect([...byImage.keys()].sort()).toEqual([...lib.images].sort());
    expect(byImage.get(lib.images[3])).toMatchObject({
      finding: 'normal',
      codeValue: 'normal',
      codingScheme: '99LUMEN',
      unit: '1',
      algorithmName: MODEL_META.name,
      // The package's version as `lumen models packages` prints it (s16 T1-5), not Lumen's.
      algorithmVersion: `#${MODEL_HASH.slice(0, 12)}`,
      algorithmHash: MODEL_HASH,
    });
    expect(byImage.get(lib.images[3])!.score).toBeCloseTo(0.7, 6);

    // The measurements SR: the length drawn on image 1, in mm.
    const lengths = results.flatMap((r) => r.findings).filter((f) => f.finding === 'Length');
    expect(lengths).toHaveLength(1);
    expect(lengths[0]).toMatchObject({ unit: 'mm', referencedSopInstanceUids: [lib.images[1]] });
    expect(lengths[0].score).toBeGreaterThan(0);

    // The parametric map, found by its source image; not listed as images of a series.
    const maps = results.filter((r) => r.kind === 'parametric-map');
    expect(maps).toHaveLength(1);
    expect(maps[0].sources).toEqual([{ sopInstanceUid: lib.images[2], frame: 0 }]);
    expect(lib.library.listInstances('2.25.9876')).toEqual([]);
    // Its values, read back for the viewer's overlay: the ramp written, over the image's grid.
    const map = lib.library.parametricMap(lib.images[2], 0)!;
    expect(map).toMatchObject({ sopInstanceUid: maps[0].sopInstanceUid, title: `Lumen heatmaps: ${MODEL_META.name}`, min: 0 });
    expect(map.values.length).toBe(map.rows * map.columns);
    expect(map.values[7]).toBeCloseTo(7 / (map.rows * map.columns), 6);
    expect(lib.library.parametricMap(lib.images[1], 0)).toBeNull();

    // Imported again: the same rows, not twice.
    await lib.library.importPaths([out]);
    expect(lib.library.studyResults(PATIENT_A.studyUid).map((r) => r.findings.length).sort()).toEqual(results.map((r) => r.findings.length).sort());

    // A result whose file is gone goes at the next import of its folder; the others stay.
    const mapFile = path.join(out, 'map.dcm');
    const kept = fs.readFileSync(mapFile);
    fs.rmSync(mapFile);
    try {
      await lib.library.importPaths([out]);
      expect(lib.library.studyResults(PATIENT_A.studyUid).map((r) => r.kind)).toEqual(['sr', 'sr']);
      expect(lib.library.parametricMap(lib.images[2], 0)).toBeNull();
    } finally {
      fs.writeFileSync(mapFile, kept);
    }
  });

  it('refuses damaged or empty SR files with a reason, keeps going, and reads a bare data set', async () => {
    const dir = path.join(tmpDir('results-hostile'), 'in');
    fs.mkdirSync(dir);
    const good = fs.readdirSync(out).map((f) => path.join(out, f)).find((f) => readDataset(f).dataset.SOPClassUID === '1.2.840.10008.5.1.4.1.1.88.33')!;
    const bytes = fs.readFileSync(good);
    // Cut in the middle of its content tree.
    fs.writeFileSync(path.join(dir, 'cut.dcm'), bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    // A finding whose items lack everything: no code, no values, no references.
    const { dataset } = readDataset(good);
    dataset.SOPInstanceUID = '2.25.1111';
    dataset.ContentSequence = [{ RelationshipType: 'CONTAINS', ValueType: 'CONTAINER', ConceptNameCodeSequence: [{ CodeValue: '125007', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Measurement Group' }], ContentSequence: [{ ValueType: 'CODE' }, { ValueType: 'NUM' }] }];
    fs.writeFileSync(path.join(dir, 'empty-group.dcm'), writeDataset(dataset));
    // A bare data set (no preamble, no meta information), as the importer accepts images: read.
    fs.writeFileSync(path.join(dir, 'bare'), bytes.subarray(144 + bytes.readUInt32LE(140)));
    const fresh = Library.open(path.join(tmpDir('results-hostile-lib'), 'library'));
    try {
      const report = await fresh.importPaths([dir]);
      const reasons = report.errors.map((e) => [path.basename(e.file), e.kind, e.reason]);
      expect(reasons).toHaveLength(2);
      // Where the cut lands moves with the lengths of the file's random UIDs, and so does who
      // notices: the parser (an element cut short, or one declaring more bytes than are left) or
      // the SR reader (a sequence item of undefined length cut short). Each says it in words.
      expect(reasons.find((r) => r[0] === 'cut.dcm')).toEqual([
        'cut.dcm',
        'error',
        expect.stringMatching(/^(a structured report \(SR\) that cannot be read: |truncated at byte \d+: the data set stops in the middle of an element|declared length beyond the file: element \([0-9A-F]{4},[0-9A-F]{4}\) at byte \d+ declares \d+ bytes but the file ends at byte \d+\. The file is truncated or corrupt)/),
      ]);
      // Nothing to list in the empty group: an SR without findings, named as before.
      expect(reasons.find((r) => r[0] === 'empty-group.dcm')).toEqual(['empty-group.dcm', 'no-image', expect.stringMatching(/^a Comprehensive SR: /)]);
      for (const r of reasons) expect(r[2]).not.toMatch(/dcmjs|undefined|\[object|RangeError|TypeError|Chest|Patient/);
      expect(report.imported).toBe(1);
      const [bare] = fresh.studyResults(PATIENT_A.studyUid);
      expect(bare.findings.length).toBeGreaterThan(0);
      expect(bare.findings).toEqual(readResultDocument(bytes, 'sr').findings);
    } finally {
      fresh.close();
    }
  });
});
