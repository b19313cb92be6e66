// T1-3 (s16): a model whose class activation map is one cell (a tiny network at 32 px: 1×1)
// cannot show where. The viewer draws no heatmap for it; the exports apply the same rule
// (common/heatmap-cells.ts): `exportResults` and `lumen export --results --heatmaps` write no
// Parametric Map or Secondary Capture for it, and say which they left out and why. Before the
// fix each image got a map of one value everywhere that, read back, tinted the whole image.
// A real library (dcmtk-made CT), a real package, the CLI as a user runs it.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { camOneCell, mapIsUniform, ONE_CELL_NOTE } from '../../common/heatmap-cells';
import { loadModelInput } from '../../electron/dicom/model-input';
import { savePredictions } from '../../electron/library/predictions';
import { exportResults } from '../../electron/results/export';
import { createRunner } from '../../models/inference/runner';
import { loadPackage, type PackageMetadata } from '../../models/package';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { lumen, PATIENT_A, resultsLibrary, tmpDir, type ResultsLibrary } from './fixtures';

let lib: ResultsLibrary;
let packageDir: string;
let meta: PackageMetadata;

beforeAll(async () => {
  lib = await resultsLibrary('results-export-one-cell');
  packageDir = path.join(tmpDir('results-export-one-cell-pkg'), 'tiny32');
  meta = await saveRandomHeadPackage(
    packageDir,
    { inputSize: 32, seed: 3, sd: 2, headSeed: 5 },
    { name: 'Tiny one cell', classNames: ['none', 'lesion'], preprocessing: { window: { center: 40, width: 400 }, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
  );
  const images = lib.images.map((sop, i) => ({ seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: sop, frame: 0, scores: i % 2 ? [0.3, 0.7] : [0.8, 0.2] }));
  savePredictions(lib.dir, { modelHash: meta.contentHash, modelName: meta.name, classNames: meta.classNames, images, series: [], createdAt: new Date().toISOString() }, { dir: packageDir, metadata: meta });
}, 180_000);
afterAll(() => lib?.library.close());

describe('heatmaps of a one-cell model are left out of the exports, with a word', () => {
  it('the premise: this package’s map is one cell, which the shared rule (the viewer’s) refuses', async () => {
    const pkg = await loadPackage(packageDir);
    const runner = await createRunner({ package: pkg }, { runtime: 'tfjs' });
    try {
      const file = lib.library.listInstances(PATIENT_A.seriesUid)[0].path;
      const cam = await runner.cam(await loadModelInput({ path: file, frame: 0 }, pkg.metadata.preprocessing, pkg.metadata.inputSize), 1);
      expect([cam.height, cam.width]).toEqual([1, 1]);
      expect(camOneCell(cam.height, cam.width)).toBe(true);
    } finally {
      await runner.dispose();
    }
    expect(camOneCell(2, 2)).toBe(false);
    expect(camOneCell(1, 2)).toBe(false);
    expect(ONE_CELL_NOTE).toMatch(/one cell \(1×1\).*cannot show where/);
    expect(mapIsUniform(0.0041941, 0.0041941)).toBe(true);
    expect(mapIsUniform(0, 0)).toBe(true);
    expect(mapIsUniform(0, 1e-4)).toBe(false);
  }, 120_000);

  it.each(['parametric-map', 'secondary-capture'] as const)('exportResults(%s): the SR, no map, a note naming how many and why', async (as) => {
    const out = tmpDir(`results-export-one-cell-${as}`);
    const model = { name: meta.name, packageHash: meta.contentHash, variant: meta.variant, version: null };
    const result = await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model, out, heatmaps: as, packageDir });
    expect(result.files.map((f) => f.kind).sort()).toEqual(['measurements-sr', 'predictions-sr']);
    expect(result.predictions).toBe(5);
    expect(result.notes).toContain("No heatmap written for the 5 predicted images: the model's heatmap is one cell (1×1) over the whole image, so it cannot show where.");
    expect(fs.readdirSync(out).filter((f) => !f.includes('-sr-'))).toEqual([]);
  }, 120_000);

  it('lumen export --results --heatmaps says it in its output (and in --json notes)', async () => {
    const out = path.join(tmpDir('results-export-one-cell-cli'), 'res');
    const r = await lumen(['export', '--results', PATIENT_A.seriesUid, '--model', packageDir, '--heatmaps', '--library', lib.dir, '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain("Note: No heatmap written for the 5 predicted images: the model's heatmap is one cell (1×1) over the whole image, so it cannot show where.");
    expect(r.stdout).not.toMatch(/Wrote (parametric-map|secondary-capture)/);
    expect(fs.readdirSync(out).filter((f) => f.startsWith('parametric-map'))).toEqual([]);

    const outJson = path.join(tmpDir('results-export-one-cell-cli-json'), 'res');
    const j = await lumen(['export', '--results', PATIENT_A.seriesUid, '--model', packageDir, '--heatmaps', 'secondary-capture', '--library', lib.dir, '--out', outJson, '--json']);
    expect(j.code, j.stderr).toBe(0);
    const parsed = JSON.parse(j.stdout) as { files: { kind: string }[]; notes: string[] };
    expect(parsed.files.filter((f) => f.kind === 'secondary-capture')).toEqual([]);
    expect(parsed.notes.some((n) => /one cell \(1×1\)/.test(n))).toBe(true);
  }, 180_000);
});
