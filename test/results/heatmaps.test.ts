// Heatmaps as DICOM Parametric Maps (issue #16 point 5): a tiny two-class package made here,
// its predictions stored in a real library, then `exportResults(..., heatmaps)` computes
// each image's class activation map with the package's runner and writes a Parametric Map
// on the image's own grid. dciodvfy must find no error; the map must sit on the source's
// geometry, carry float values whose Real World Value Mapping spans them, and be the
// runner's map (its values over the image follow the CAM the runner gives for that image).
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelInput } from '../../electron/dicom/model-input';
import { exportResults } from '../../electron/results/export';
import { camOnImage } from '../../electron/results/parametric-map';
import { savePredictions } from '../../electron/library/predictions';
import { createRunner } from '../../models/inference/runner';
import { loadPackage, type PackageMetadata } from '../../models/package';
import { dcmdump, dciodvfy, dsrdump, natural } from './check';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { lumen, PATIENT_A, resultsLibrary, tmpDir, type ResultsLibrary } from './fixtures';

const SIZE = 64;
let lib: ResultsLibrary;
let packageDir: string;
let meta: PackageMetadata;

beforeAll(async () => {
  lib = await resultsLibrary('heatmaps');
  packageDir = path.join(tmpDir('heatmaps-pkg'), 'tiny');
  meta = await saveRandomHeadPackage(
    packageDir,
    { inputSize: SIZE, seed: 3, sd: 2, headSeed: 5 },
    { name: 'Tiny CAM', classNames: ['none', 'lesion'], preprocessing: { window: { center: 40, width: 400 }, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
  );
  const images = lib.images.map((sop, i) => ({ seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: sop, frame: 0, scores: i % 2 ? [0.3, 0.7] : [0.8, 0.2] }));
  savePredictions(lib.dir, { modelHash: meta.contentHash, modelName: meta.name, classNames: meta.classNames, images, series: [], createdAt: new Date().toISOString() }, { dir: packageDir, metadata: meta });
}, 180_000);
afterAll(() => lib?.library.close());

describe('heatmaps as Parametric Maps', () => {
  it('one map per image on its grid, no dciodvfy error, the runner’s activation map of the top class', async () => {
    const out = tmpDir('heatmaps-out');
    const model = { name: meta.name, packageHash: meta.contentHash, variant: meta.variant, version: null };
    const result = await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model, out, heatmaps: 'parametric-map', packageDir });
    const maps = result.files.filter((f) => f.kind === 'parametric-map');
    expect(maps).toHaveLength(5);
    expect(new Set(maps.map((m) => m.seriesInstanceUid)).size).toBe(1);
    dsrdump(result.files.find((f) => f.kind === 'predictions-sr')!.file);

    const pkg = await loadPackage(packageDir);
    const runner = await createRunner({ package: pkg }, { runtime: 'tfjs' });
    try {
      for (const m of maps) {
        const { errors, output } = dciodvfy(m.file);
        expect(errors, output).toEqual([]);
        const ds = natural(m.file);
        const sopUid = ds.SharedFunctionalGroupsSequence[0].DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID;
        const index = lib.images.indexOf(sopUid);
        expect(index).toBeGreaterThanOrEqual(0);
        const source = lib.library.listInstances(PATIENT_A.seriesUid).find((i) => i.sopInstanceUid === sopUid)!;
        expect(ds).toMatchObject({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.30', Rows: 32, Columns: 32, StudyInstanceUID: PATIENT_A.studyUid, BitsAllocated: 32 });
        expect(ds.PerFrameFunctionalGroupsSequence[0].PlanePositionSequence[0].ImagePositionPatient).toEqual(source.imagePositionPatient);
        expect(ds.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].PixelSpacing).toEqual([0.7, 0.7]);
        const values = new Float32Array(ds.FloatPixelData[0]);
        expect(values).toHaveLength(32 * 32);
        const rwvm = ds.SharedFunctionalGroupsSequence[0].RealWorldValueMappingSequence[0];
        expect(rwvm.DoubleFloatRealWorldValueFirstValueMapped).toBeCloseTo(Math.min(...values), 4);
        expect(rwvm.DoubleFloatRealWorldValueLastValueMapped).toBeCloseTo(Math.max(...values), 4);
        // The class written is the stored prediction's top class, and the values are its map.
        const top = index % 2 ? 1 : 0;
        expect(ds.ContentDescription).toContain(`"${meta.classNames[top]}"`);
        const input = await loadModelInput({ path: source.path, frame: 0 }, pkg.metadata.preprocessing, SIZE);
        const cam = await runner.cam(input, top);
        const expected = camOnImage(cam.map, cam.height, cam.width, 32, 32);
        for (let i = 0; i < values.length; i += 37) expect(values[i]).toBeCloseTo(expected[i], 4);
      }
    } finally {
      await runner.dispose();
    }
  }, 240_000);

  it('lumen export --results --heatmaps: nothing on stderr, the window (DS) at most 16 characters and the map\'s own range', async () => {
    // dcmjs cut a longer WindowCenter at 16 characters itself and printed "Truncating value ...".
    const out = path.join(tmpDir('heatmaps-cli'), 'pm');
    const r = await lumen(['export', '--results', PATIENT_A.seriesUid, '--model', packageDir, '--heatmaps', '--library', lib.dir, '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    const maps = (JSON.parse(r.stdout).files as { file: string; kind: string }[]).filter((f) => f.kind === 'parametric-map');
    expect(maps.length).toBeGreaterThan(0);
    for (const { file } of maps) {
      const dump = dcmdump(file);
      const ds = (tag: string) => {
        const m = new RegExp(`\\(${tag}\\) DS \\[([^\\]]*)\\]`).exec(dump);
        expect(m, `${tag} in ${dump}`).not.toBeNull();
        return m![1];
      };
      const center = ds('0028,1050');
      const width = ds('0028,1051');
      for (const text of [center, width]) {
        expect(text.length).toBeLessThanOrEqual(16);
        expect(text).toMatch(/^[-+]?[0-9.]+(e[-+]?[0-9]+)?$/i);
      }
      // The window spans the map's values: min..max as the Real World Value Mapping gives them.
      const map = natural(file);
      const rwv = map.SharedFunctionalGroupsSequence[0].RealWorldValueMappingSequence[0];
      const low = Number(rwv.RealWorldValueFirstValueMapped ?? rwv.DoubleFloatRealWorldValueFirstValueMapped);
      const high = Number(rwv.RealWorldValueLastValueMapped ?? rwv.DoubleFloatRealWorldValueLastValueMapped);
      const w = high - low;
      expect(Math.abs(Number(width) - w)).toBeLessThanOrEqual(1e-6 * Math.abs(w));
      expect(Math.abs(Number(center) - (low + w / 2))).toBeLessThanOrEqual(1e-6 * Math.max(Math.abs(low + w / 2), w));
    }
  }, 240_000);

  it('lumen export --heatmaps secondary-capture: the explicit fallback, RGB pictures dciodvfy finds no error in', async () => {
    const out = path.join(tmpDir('heatmaps-sc'), 'sc');
    const r = await lumen(['export', '--results', PATIENT_A.seriesUid, '--model', packageDir, '--heatmaps', 'secondary-capture', '--library', lib.dir, '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    const files: { file: string; kind: string }[] = JSON.parse(r.stdout).files;
    const pictures = files.filter((f) => f.kind === 'secondary-capture');
    expect(pictures).toHaveLength(5);
    expect(files.some((f) => f.kind === 'parametric-map')).toBe(false);
    for (const { file } of pictures) {
      const { errors, output } = dciodvfy(file);
      expect(errors, output).toEqual([]);
      const ds = natural(file);
      expect(ds).toMatchObject({ SOPClassUID: '1.2.840.10008.5.1.4.1.1.7', PhotometricInterpretation: 'RGB', Rows: 32, Columns: 32, SamplesPerPixel: 3, StudyInstanceUID: PATIENT_A.studyUid });
      const rgb = new Uint8Array(ds.PixelData[0]);
      expect(rgb).toHaveLength(32 * 32 * 3);
      // The blend is coloured somewhere: red above green where the map is strong.
      expect(rgb.some((_, i) => i % 3 === 0 && rgb[i] > rgb[i + 1] + 20)).toBe(true);
    }
  }, 240_000);

  it('lays the map onto the image: a square image takes the whole grid, corners at the cell centres’ extremes', () => {
    // 2x2 grid over a square image: the corners of the image read the corner cells.
    const on = camOnImage([0, 1, 2, 3], 2, 2, 4, 4);
    expect(on[0]).toBeCloseTo(0, 6);
    expect(on[3]).toBeCloseTo(1, 6);
    expect(on[12]).toBeCloseTo(2, 6);
    expect(on[15]).toBeCloseTo(3, 6);
    // A wide image (rows < columns) sits in the middle band of the square input: its rows read between the grid's rows.
    const wide = camOnImage([0, 0, 10, 10], 2, 2, 2, 8);
    expect(wide[0]).toBeGreaterThan(0);
    expect(wide[8]).toBeLessThan(10);
  });
});
