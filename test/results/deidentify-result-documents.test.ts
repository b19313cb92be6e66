// De-identified copies of a study that holds result documents. Lumen's own export writes an
// SR and Parametric Maps of a series (a tiny package's predictions and activation maps),
// which the library imports back as the study's results; a copy of that SR re-labelled by
// dcmodify as another vendor's stands for a document of other software.
// `lumen export --deidentify` must copy Lumen's own documents de-identified: no patient value
// and no original UID in their bytes, no dciodvfy error added, dsrdump still reads the SR, and
// imported into a fresh library the copies are the copied study's results again, referring to
// the copied images and their maps. Other software's document, and a document whose images
// the copy does not hold, are not copied, and the lines, the --json summary and the engine's
// notes (the Export dialog's words) say how many of which kind, and why.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../common/rpc';
import { createEngine } from '../../electron/engine/engine';
import { Library } from '../../electron/library/library';
import { exportDeidentified, libraryDeidentifier } from '../../electron/results/deidentify';
import { exportResults } from '../../electron/results/export';
import { savePredictions } from '../../electron/library/predictions';
import type { PackageMetadata } from '../../models/package';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { dciodvfy, dsrdump, natural } from './check';
import { lumen, PATIENT_A, PATIENT_B, resultsLibrary, tmpDir, type ResultsLibrary } from './fixtures';

let lib: ResultsLibrary;
/** The data folder whose library (data/library) the engine opens, as the app does. */
let data: string;
let srs = 0;
let maps = 0;
/** The files Lumen wrote, by SOP Instance UID. */
const sources = new Map<string, string>();

const SR_CLASS = '1.2.840.10008.5.1.4.1.1.88.33';
const PM_CLASS = '1.2.840.10008.5.1.4.1.1.30';

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
  for (const f of dicomFiles(out)) sources.set(natural(f).SOPInstanceUID, f);
  // Another vendor's document: a copy of Lumen's SR, given a new SOP Instance UID and another
  // Manufacturer by dcmtk's dcmodify.
  const foreignDir = tmpDir('deid-results-foreign');
  const srFile = [...sources.values()].find((f) => natural(f).SOPClassUID === SR_CLASS)!;
  const foreign = path.join(foreignDir, 'other-vendor.dcm');
  fs.copyFileSync(srFile, foreign);
  execFileSync('dcmodify', ['-nb', '-gin', '-m', '(0008,0070)=Other Vendor', '-m', '(0008,1090)=Reporter 3', foreign], { stdio: 'pipe' });
  const report = await lib.library.importPaths([out, foreignDir]);
  expect(report.errors).toEqual([]);
  expect(lib.library.studyResults(PATIENT_A.studyUid)).toHaveLength(srs + maps + 1);
}, 240_000);
afterAll(() => lib?.library.close());

function dicomFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.dcm')).map((f) => path.join(dir, f));
}
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const kinds = (s: number, m: number) => [...(s ? [plural(s, 'structured report')] : []), ...(m ? [plural(m, 'parametric map')] : [])].join(', ');

describe('de-identified copies of a study with result documents', () => {
  it("lumen export --deidentify <study> copies Lumen's documents, cleaned, and says which it did not copy and why", async () => {
    const out = path.join(tmpDir('deid-results-cli'), 'copies');
    const r = await lumen(['export', '--deidentify', PATIENT_A.studyUid, '--library', lib.dir, '--out', out]);
    expect(r.code, `${r.stderr}${r.stdout}`).toBe(0);
    expect(r.stdout).toContain(`Note: ${plural(srs + maps, 'result document')} of this study copied (${kinds(srs, maps)}): made by Lumen, de-identified the same way`);
    expect(r.stdout).toContain(`Note: 1 result document of this study not copied (1 structured report): made by other software`);
    expect(r.stdout).not.toContain('Other Vendor');

    const files = dicomFiles(out).map((file) => ({ file, ds: natural(file) }));
    const docs = files.filter((f) => f.ds.SOPClassUID === SR_CLASS || f.ds.SOPClassUID === PM_CLASS);
    expect(docs.filter((d) => d.ds.SOPClassUID === SR_CLASS)).toHaveLength(srs);
    expect(docs.filter((d) => d.ds.SOPClassUID === PM_CLASS)).toHaveLength(maps);
    expect(docs.some((d) => d.ds.Manufacturer !== 'Lumen')).toBe(false);
    const images = files.filter((f) => !docs.includes(f));
    expect(r.stdout).toContain(`Wrote de-identified copies of ${images.length} images`);

    // Nothing of the patient, and no original UID, anywhere in a document's bytes.
    const secrets = [PATIENT_A.patientName, 'DOE', 'JANE', PATIENT_A.patientId, PATIENT_A.studyUid, PATIENT_A.seriesUid, ...lib.images, ...sources.keys()];
    for (const d of docs) {
      const bytes = fs.readFileSync(d.file).toString('latin1');
      for (const s of secrets) expect(bytes.includes(s), `${s} in ${d.file}`).toBe(false);
      expect(d.ds.PatientIdentityRemoved).toBe('YES');
      expect(d.ds.DeidentificationMethod).toContain('Clean Structured Content Option');
      // The same patient and study as the image copies.
      expect(d.ds.PatientID).toBe(images[0].ds.PatientID);
      expect(d.ds.StudyInstanceUID).toBe(images[0].ds.StudyInstanceUID);
    }
    // No dciodvfy error the source document did not have; dsrdump reads every SR.
    const sourceOf = (d: { ds: Record<string, any> }) => [...sources.values()].find((f) => natural(f).SOPClassUID === d.ds.SOPClassUID && natural(f).InstanceNumber === d.ds.InstanceNumber && natural(f).SeriesNumber === d.ds.SeriesNumber)!;
    for (const d of docs) {
      const before = new Set(dciodvfy(sourceOf(d)).errors);
      expect(dciodvfy(d.file).errors.filter((e) => !before.has(e)), d.file).toEqual([]);
      if (d.ds.SOPClassUID === SR_CLASS) expect(dsrdump(d.file)).toContain('Imaging Measurements');
    }

    const json = await lumen(['export', '--deidentify', PATIENT_A.seriesUid, '--library', lib.dir, '--out', path.join(tmpDir('deid-results-json'), 'copies'), '--json']);
    expect(json.code, json.stderr).toBe(0);
    const summary = JSON.parse(json.stdout) as { resultDocumentsWritten: number; resultDocumentsNotCopied: number; notes: string[] };
    expect(summary).toMatchObject({ resultDocumentsWritten: srs + maps, resultDocumentsNotCopied: 1 });
    expect(summary.notes.join('\n')).toContain(`${plural(srs + maps, 'result document')} of this series' study copied`);
  }, 180_000);

  it('imported into a fresh library, the copies are the copied study’s results, on the copied images and their maps', async () => {
    const out = tmpDir('deid-results-reimport');
    const result = await exportDeidentified(lib.library, { uid: PATIENT_A.studyUid, out });
    expect(result.resultDocumentsWritten).toBe(srs + maps);
    const deid = libraryDeidentifier(lib.dir);
    const study = deid.uid(PATIENT_A.studyUid);
    const fresh = Library.open(path.join(tmpDir('deid-results-fresh'), 'library'));
    try {
      const report = await fresh.importPaths([out]);
      expect(report.errors).toEqual([]);
      const results = fresh.studyResults(study);
      expect(results).toHaveLength(srs + maps);
      const copiedImages = new Set(lib.images.map((sop) => deid.uid(sop)));
      const original = lib.library.studyResults(PATIENT_A.studyUid).filter((d) => d.findings.length || d.sources.length);
      for (const doc of results) {
        const refs = [...doc.findings.flatMap((f) => f.referencedSopInstanceUids), ...doc.sources.map((s) => s.sopInstanceUid)];
        expect(refs.length).toBeGreaterThan(0);
        for (const sop of refs) expect(copiedImages.has(sop), sop).toBe(true);
      }
      // The same findings and scores as the originals
      const scores = (docs: typeof results) => docs.flatMap((d) => d.findings.map((f) => `${f.finding}=${f.score}`)).sort();
      // (the other vendor's copy repeats one SR's findings, so as sets).
      expect(scores(results).length).toBeGreaterThan(0);
      expect(new Set(scores(results))).toEqual(new Set(scores(original)));
      // Each copied image's map is the original's, value for value.
      for (const sop of lib.images) {
        const before = lib.library.parametricMap(sop, 0);
        const after = fresh.parametricMap(deid.uid(sop), 0);
        expect(after === null, sop).toBe(before === null);
        if (before && after) expect(Array.from(after.values as ArrayLike<number>)).toEqual(Array.from(before.values as ArrayLike<number>));
      }
      expect(lib.images.some((sop) => fresh.parametricMap(deid.uid(sop), 0) !== null)).toBe(true);
    } finally {
      fresh.close();
    }
  }, 120_000);

  it('a copy of a series that the documents do not refer to leaves them out, saying why', async () => {
    const other = lib.library.holdings([PATIENT_A.studyUid])[0]?.series.find((s) => s.seriesInstanceUid !== PATIENT_A.seriesUid && s.instances > 0);
    expect(other).toBeTruthy();
    const result = await exportDeidentified(lib.library, { uid: other!.seriesInstanceUid, out: tmpDir('deid-results-other') });
    expect(result.written).toBeGreaterThan(0);
    expect(result).toMatchObject({ resultDocumentsWritten: 0, resultDocumentsNotCopied: srs + maps + 1 });
    expect(result.notes.join('\n')).toContain(`${plural(srs + maps + 1, 'result document')} of this series' study not copied (${kinds(srs + 1, maps)}): they refer to images this copy does not hold`);
  }, 60_000);

  it('the engine job the Export dialog words carries the same notes', async () => {
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
      const notes = (ended()!.payload.result.notes as string[]).join('\n');
      expect(notes).toContain(`${plural(srs + maps, 'result document')} of this study copied`);
      expect(notes).toContain('1 result document of this study not copied (1 structured report): made by other software');
      expect(ended()!.payload.result.resultDocumentsWritten).toBe(srs + maps);
    } finally {
      engine.dispose();
    }
  }, 120_000);

  // Last: it changes a document's file on disk.
  it("a document whose file holds another patient's file now is not copied, saying why", async () => {
    const map = [...sources.entries()].find(([, f]) => natural(f).SOPClassUID === PM_CLASS)!;
    const filed = lib.library.resultDocumentFiles([map[0]]).get(map[0])!;
    fs.copyFileSync(lib.library.listInstances(PATIENT_B.seriesUid)[0].path, filed);
    const out = tmpDir('deid-results-changed');
    const result = await exportDeidentified(lib.library, { uid: PATIENT_A.studyUid, out });
    expect(result).toMatchObject({ resultDocumentsWritten: srs + maps - 1, resultDocumentsNotCopied: 2 });
    expect(result.notes.join('\n')).toContain('1 result document of this study not copied (1 parametric map): their files could not be read, or hold another document now');
    const bytes = dicomFiles(out).map((f) => fs.readFileSync(f).toString('latin1')).join('');
    for (const s of [PATIENT_B.patientName, PATIENT_B.patientId]) expect(bytes.includes(s)).toBe(false);
  }, 60_000);

  it('a study without result documents says nothing of them', async () => {
    const result = await exportDeidentified(lib.library, { uid: PATIENT_B.studyUid, out: tmpDir('deid-results-b') });
    expect(result.written).toBeGreaterThan(0);
    expect(result).toMatchObject({ resultDocumentsWritten: 0, resultDocumentsNotCopied: 0 });
    expect(result.notes.join('\n')).not.toMatch(/result document/);
  }, 60_000);
});
