// De-identified copies of a study that holds result documents (T1-11 of s16): Lumen's own
// export writes an SR and Parametric Maps of a series (a tiny package's predictions and
// activation maps), which the library imports back as the study's results. `lumen export
// --deidentify` copies the images only, and must say so: how many result documents of which
// kinds were not copied, in its lines, its --json summary and the engine's notes (the Export
// dialog's words); and none of them is among the files it writes.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../common/rpc';
import { createEngine } from '../../electron/engine/engine';
import { exportDeidentified } from '../../electron/results/deidentify';
import { exportResults } from '../../electron/results/export';
import { savePredictions } from '../../electron/library/predictions';
import type { PackageMetadata } from '../../models/package';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { natural } from './check';
import { lumen, PATIENT_A, PATIENT_B, resultsLibrary, tmpDir, type ResultsLibrary } from './fixtures';

let lib: ResultsLibrary;
/** The data folder whose library (data/library) the engine opens, as the app does. */
let data: string;
let srs = 0;
let maps = 0;

beforeAll(async () => {
  data = tmpDir('deid-results-data');
  lib = await resultsLibrary('deid-results', path.join(data, 'library'));
  const packageDir = path.join(tmpDir('deid-results-pkg'), 'tiny');
  const meta: PackageMetadata = await saveRandomHeadPackage(
    packageDir,
    { inputSize: 64, seed: 3, sd: 2, headSeed: 5 },
    { name: 'Tiny CAM', classNames: ['none', 'lesion'], preprocessing: { window: { center: 40, width: 400 }, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
  );
  const images = lib.images.map((sop, i) => ({ seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: sop, frame: 0, scores: i % 2 ? [0.3, 0.7] : [0.8, 0.2] }));
  savePredictions(lib.dir, { modelHash: meta.contentHash, modelName: meta.name, classNames: meta.classNames, images, series: [], createdAt: new Date().toISOString() }, { dir: packageDir, metadata: meta });
  const out = tmpDir('deid-results-written');
  const model = { name: meta.name, packageHash: meta.contentHash, variant: meta.variant, version: null };
  const written = await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model, out, heatmaps: 'parametric-map', packageDir });
  srs = written.files.filter((f) => f.kind !== 'parametric-map').length;
  maps = written.files.filter((f) => f.kind === 'parametric-map').length;
  expect(srs).toBeGreaterThan(0);
  expect(maps).toBeGreaterThan(0);
  const report = await lib.library.importPaths([out]);
  expect(report.errors).toEqual([]);
  expect(lib.library.studyResults(PATIENT_A.studyUid)).toHaveLength(srs + maps);
}, 240_000);
afterAll(() => lib?.library.close());

const dicomFiles = (dir: string) => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.dcm')).map((f) => path.join(dir, f));
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

describe('de-identified copies of a study with result documents', () => {
  it('lumen export --deidentify <study> says how many result documents of which kinds it did not copy, and writes images only', async () => {
    const out = path.join(tmpDir('deid-results-cli'), 'copies');
    const r = await lumen(['export', '--deidentify', PATIENT_A.studyUid, '--library', lib.dir, '--out', out]);
    expect(r.code, `${r.stderr}${r.stdout}`).toBe(0);
    const count = srs + maps;
    expect(r.stdout).toContain(
      `Note: ${plural(count, 'result document')} of this study not copied (${plural(srs, 'structured report')}, ${plural(maps, 'parametric map')}): Lumen de-identifies images only`,
    );
    const files = dicomFiles(out);
    expect(files.length).toBeGreaterThanOrEqual(lib.images.length);
    expect(r.stdout).toContain(`Wrote de-identified copies of ${files.length} images`);
    // Images only: no SR (1.2.840.10008.5.1.4.1.1.88.*), no Parametric Map (1.2.840.10008.5.1.4.1.1.30).
    for (const f of files) expect(natural(f).SOPClassUID).toBe('1.2.840.10008.5.1.4.1.1.2');

    const json = await lumen(['export', '--deidentify', PATIENT_A.seriesUid, '--library', lib.dir, '--out', path.join(tmpDir('deid-results-json'), 'copies'), '--json']);
    expect(json.code, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout) as { resultDocumentsNotCopied: number; notes: string[] };
    expect(summary.resultDocumentsNotCopied).toBe(count);
    expect(summary.notes.join('\n')).toContain(`${plural(count, 'result document')} of this series' study not copied`);
  }, 120_000);

  it('the engine job the Export dialog words carries the same note', async () => {
    const events: { event: string; payload: any }[] = [];
    const ctx: RequestContext = { emit: (event, payload) => void events.push({ event, payload }) };
    const engine = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu' });
    try {
      const started = await engine.dispatch('export.deidentify', { uid: PATIENT_A.studyUid, out: path.join(tmpDir('deid-results-app'), 'copies'), includeBurnedIn: false }, ctx);
      expect(started.ok, JSON.stringify(started)).toBe(true);
      const { jobId } = (started as { value: { jobId: string } }).value;
      const ended = () => events.find((e) => (e.event === 'job.finished' || e.event === 'job.failed') && e.payload.jobId === jobId);
      await expect.poll(ended, { timeout: 60_000 }).toBeTruthy();
      expect(ended()!.event, JSON.stringify(ended()!.payload)).toBe('job.finished');
      expect((ended()!.payload.result.notes as string[]).join('\n')).toContain(`${plural(srs + maps, 'result document')} of this study not copied`);
    } finally {
      engine.dispose();
    }
  }, 120_000);

  it('a study without result documents says nothing of them', async () => {
    const result = await exportDeidentified(lib.library, { uid: PATIENT_B.studyUid, out: tmpDir('deid-results-b') });
    expect(result.written).toBeGreaterThan(0);
    expect(result.resultDocumentsNotCopied).toBe(0);
    expect(result.notes.join('\n')).not.toMatch(/result document/);
  }, 60_000);
});
