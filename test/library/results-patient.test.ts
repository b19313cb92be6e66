// A result document carries its study by Study Instance UID alone (T1-1, s16): one of another
// patient (Patient ID ZZZ999, Other^Patient) that names a library study must never be listed
// with that study, under the study's patient's name. Lumen's own exports (predictions and
// measurements SR, a Parametric Map) are made from a real library, then given another patient
// (and SOP Instance UIDs of their own) by dcmtk's dcmodify, as the tester did; real SQLite, the
// real importer, and the `lumen` command. Both orders: the results after their study's images
// (refused at import, the report naming the file and the study), and before them (T1-9: filed,
// the import says their study is not in the library yet; the images that come later are another
// patient's, so the results are not listed with them).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { exportResults } from '../../electron/results/export';
import { buildParametricMap } from '../../electron/results/parametric-map';
import { readDataset, writeDataset } from '../../electron/results/part10';
import { runLumen } from '../support/cli';
import { MODEL_HASH, MODEL_META, PATIENT_A, resultsLibrary, tmpDir, type ResultsLibrary } from '../results/fixtures';
import { buildMixedFolder, copyMixedFolder } from './fixtures';

let lib: ResultsLibrary;
/** Lumen's own result documents of patient A's study: 2 SR and a map. */
let own: string;
/** The same documents given another patient (ZZZ999, Other^Patient) and SOP Instance UIDs of their own. */
let other: string;
/** The same documents under patient A's Patient ID with another name: the same patient, as the image import reads it. */
let renamed: string;
let images: string;
const work = tmpDir('results-patient');
const dataDir = tmpDir('results-patient-data');

const dcmFiles = (dir: string) =>
  fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.dcm'))
    .sort()
    .map((f) => path.join(dir, f));

/** Copies of `from`'s documents, each changed by dcmodify (its SOP Instance UID made new: 2.25.<n><i>). */
function edited(from: string, to: string, uidRoot: number, changes: string[]): string {
  fs.mkdirSync(to, { recursive: true });
  dcmFiles(from).forEach((file, i) => {
    const copy = path.join(to, path.basename(file));
    fs.copyFileSync(file, copy);
    execFileSync('dcmodify', ['-nb', ...changes.flatMap((c) => ['-i', c]), '-i', `(0008,0018)=2.25.${uidRoot}${i + 1}`, copy], { stdio: 'pipe' });
  });
  return to;
}

/** SOP Instance UIDs of a folder's documents, as dcmdump reads them. */
const sopUids = (dir: string) => dcmFiles(dir).map((f) => /\[([\d.]+)\]/.exec(execFileSync('dcmdump', ['+P', '0008,0018', f], { encoding: 'utf8' }))![1]);

/** The SOP Instance UID of a folder's map.dcm. */
const mapUid = (dir: string) => sopUids(dir)[dcmFiles(dir).findIndex((f) => path.basename(f) === 'map.dcm')];

beforeAll(async () => {
  lib = await resultsLibrary('results-patient');
  own = path.join(work, 'own');
  const model = { name: MODEL_META.name, packageHash: MODEL_HASH, variant: MODEL_META.variant, version: '0.1.0' };
  await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model, out: own });
  const { dataset: source } = readDataset(lib.library.listInstances(PATIENT_A.seriesUid)[2].path, { headerOnly: true });
  const [rows, columns] = [Number(source.Rows), Number(source.Columns)];
  const values = new Float32Array(rows * columns).map((_, i) => i / (rows * columns));
  const map = buildParametricMap({ source, frame: 0, frames: 1, values, rows, columns, className: 'nodule', modelName: MODEL_META.name, packageHash: MODEL_HASH, seriesInstanceUid: '2.25.9877', seriesNumber: 901, instanceNumber: 1 });
  fs.writeFileSync(path.join(own, 'map.dcm'), writeDataset(map));
  expect(dcmFiles(own)).toHaveLength(3);
  other = edited(own, path.join(work, 'other'), 1111, ['(0010,0010)=Other^Patient', '(0010,0020)=ZZZ999']);
  renamed = edited(own, path.join(work, 'renamed'), 2222, ['(0010,0010)=DOE^JANET']);
  images = copyMixedFolder(buildMixedFolder(path.join(tmpDir('results-patient-template'), 'mixed')), 'results-patient-images');
}, 180_000);
afterAll(() => lib?.library.close());

describe("a result document of another patient that names a library study (T1-1)", () => {
  it('is not filed with the study: the report names the file and the study, and the rest of the import goes in', async () => {
    const report = await lib.library.importPaths([other, own]);
    // The tester's own documents, in the same import, are filed; the other patient's are not.
    expect(report.results).toBe(3);
    const refused = report.errors.filter((e) => e.file.startsWith(other + path.sep));
    expect(refused.map((e) => e.file).sort()).toEqual(dcmFiles(other));
    for (const e of refused) {
      expect(e.kind).toBe('error');
      expect(e.reason).toMatch(/^a (structured report \(SR\)|parametric map) of another patient: its Study Instance UID \(0020,000D\) 1\.2\.826\.0\.1\.3680043\.10\.543\.1 names a study the library holds for another patient \(the document's Patient ID differs/);
      expect(e.reason).toContain('Not filed with that study');
      // No patient data in a reason: reasons reach logs.
      expect(e.reason).not.toMatch(/ZZZ999|Other\^Patient|DOE\^|PA001/i);
    }
    expect(report.errors).toHaveLength(3);

    const listed = lib.library.studyResults(PATIENT_A.studyUid).map((r) => r.sopInstanceUid);
    expect(listed.sort()).toEqual(sopUids(own).sort());
    // The map over image 3 is the study's own.
    expect(lib.library.parametricMap(lib.images[2], 0)?.sopInstanceUid).toBe(mapUid(own));

    // Imported again: refused again, never filed by being unchanged.
    const again = await lib.library.importPaths([other]);
    expect(again.errors.map((e) => e.file).sort()).toEqual(dcmFiles(other));
    expect(again.results).toBe(0);
    expect(lib.library.studyResults(PATIENT_A.studyUid)).toHaveLength(3);
  }, 120_000);

  it("is filed where only its name differs under the study's Patient ID: the image import's rule", async () => {
    const report = await lib.library.importPaths([renamed]);
    expect(report.errors).toEqual([]);
    expect(report.results).toBe(3);
    expect(lib.library.studyResults(PATIENT_A.studyUid).map((r) => r.sopInstanceUid)).toEqual(expect.arrayContaining(sopUids(renamed)));
  }, 120_000);

  it('lumen import names each file and the study, and imports the rest', async () => {
    const library = path.join(work, 'cli-library');
    const first = await runLumen(['import', images, '--library', library], dataDir);
    expect(first.code, first.stderr).toBe(0);
    const run = await runLumen(['import', other, own, '--library', library], dataDir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^3 result documents imported; /);
    expect(run.stdout).toContain('3 files not imported (3 files could not be read):');
    for (const file of dcmFiles(other)) expect(run.stdout).toMatch(new RegExp(`\\n  ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: a (structured report \\(SR\\)|parametric map) of another patient: its Study Instance UID \\(0020,000D\\) ${PATIENT_A.studyUid.replace(/\./g, '\\.')} names a study`));
    expect(run.stdout).not.toMatch(/ZZZ999|Other\^Patient/);
    expect(run.stderr).toBe('');
  }, 120_000);
});

describe('results imported before their study (T1-9), then images of another patient under that study', () => {
  it('says their study is not in the library yet, and never lists them with the other patient’s study', async () => {
    const library = path.join(work, 'results-first');
    const results = await runLumen(['import', other, '--library', library], dataDir);
    expect(results.code, results.stderr).toBe(0);
    expect(results.stdout).toMatch(/^3 result documents imported; their study is not in the library yet: import its images to see them; 3 files looked at/);

    // Patient A's images carry the same Study Instance UID: they are another patient's.
    const imported = await runLumen(['import', images, '--library', library], dataDir);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).not.toContain('result document');
    const opened = Library.open(library);
    try {
      expect(opened.studyResults(PATIENT_A.studyUid)).toEqual([]);
      const third = opened.listInstances(PATIENT_A.seriesUid)[2].sopInstanceUid;
      expect(opened.parametricMap(third, 0)).toBeNull();
    } finally {
      opened.close();
    }

    // The study's own documents are listed with it; the other patient's still are not.
    const ownRun = await runLumen(['import', own, '--library', library], dataDir);
    expect(ownRun.stdout).toMatch(/^3 result documents imported; 3 files looked at/);
    const again = Library.open(library);
    try {
      expect(again.studyResults(PATIENT_A.studyUid).map((r) => r.sopInstanceUid).sort()).toEqual(sopUids(own).sort());
      expect(again.parametricMap(again.listInstances(PATIENT_A.seriesUid)[2].sopInstanceUid, 0)?.sopInstanceUid).toBe(mapUid(own));
    } finally {
      again.close();
    }
  }, 180_000);

  it('counts apart those whose study is absent when some have theirs', async () => {
    const library = path.join(work, 'some-absent');
    expect((await runLumen(['import', images, '--library', library], dataDir)).code).toBe(0);
    // Patient A's own documents have their study; a copy of the map given another study has not.
    const elsewhere = edited(own, path.join(work, 'elsewhere'), 3333, ['(0020,000D)=2.25.424242']);
    fs.rmSync(path.join(elsewhere, dcmFiles(elsewhere).map((f) => path.basename(f)).find((f) => f !== 'map.dcm')!));
    const run = await runLumen(['import', own, elsewhere, '--library', library], dataDir);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^5 result documents imported; 2 result documents are of a study not in the library yet: import its images to see them; /);
  }, 180_000);
});
