// What exported results say about themselves (s16, T1-5, T1-6, T1-8, T1-10), on a real library
// (dcmtk-made CT, test/results/fixtures.ts), a real 64-px package run with `lumen predict`, and
// the CLI as a user runs it; read back with dcmtk's dsrdump and dcmdump, dicom3tools' dciodvfy.
// - T1-5: the SR's Algorithm Version is the package's version as `lumen models packages` prints
//   it (#<12 hex digits of its content hash>), not Lumen's ("lumen 0.1.0" for every package);
//   Lumen's version stays in Software Versions (0018,1020).
// - T1-8: a Parametric Map or Secondary Capture of an unpaired body part (CHEST) has no Laterality
//   (0020,0060) and says its Body Part Examined: dciodvfy warned on the empty one ("should be
//   absent (not empty) if an unpaired body part"). Where the side is unknown it stays empty
//   (Type 2C: absent is an error there), L or R as the source has it.
// - T1-6: the tables count frames from 1, all of them: a label of a single-frame image is of
//   frame 1, as its predictions are, so a join on (SOP Instance UID, frame) finds them.
// - T1-10: `export --results` without --model says which models' predictions it left out.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_VERSION } from '../../common/version';
import { type PackageMetadata } from '../../models/package';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { Library } from '../../electron/library/library';
import { savePredictions } from '../../electron/library/predictions';
import { exportResults } from '../../electron/results/export';
import { writeSlice } from '../library/fixtures';
import { dcmdump, dciodvfy, dsrdump, natural } from './check';
import { lumen, MODEL_HASH, MODEL_META, PATIENT_A, resultsLibrary, tmpDir, type ResultsLibrary } from './fixtures';

const SIDES_STUDY = '1.2.826.0.1.3680043.8.498.7716';
const SIDES_SERIES = `${SIDES_STUDY}.1`;
/** Sources made by dump2dcm, and the Laterality each derived object must carry: null absent, '' empty. */
const SIDES = [
  { name: 'chest', sop: `${SIDES_SERIES}.1`, lines: ['(0018,0015) CS [CHEST]'], part: 'CHEST', laterality: null },
  { name: 'knee, no side', sop: `${SIDES_SERIES}.2`, lines: ['(0018,0015) CS [KNEE]'], part: 'KNEE', laterality: '' },
  { name: 'knee, left', sop: `${SIDES_SERIES}.3`, lines: ['(0018,0015) CS [KNEE]', '(0020,0060) CS [L]'], part: 'KNEE', laterality: 'L' },
  { name: 'no part, no side', sop: `${SIDES_SERIES}.4`, lines: [], part: null, laterality: '' },
  // A side of an unpaired part (a hemithorax): the side kept, the part's term left out (both contradict the condition).
  { name: 'chest, image side R', sop: `${SIDES_SERIES}.5`, lines: ['(0018,0015) CS [CHEST]', '(0020,0062) CS [R]'], part: null, laterality: 'R' },
] as const;
let sides: { library: Library; dir: string };

let lib: ResultsLibrary;
let packageDir: string;
let meta: PackageMetadata;
let root: string;

beforeAll(async () => {
  lib = await resultsLibrary('results-export-identity');
  root = tmpDir('results-export-identity-out');
  packageDir = path.join(root, 'tiny-lesion');
  meta = await saveRandomHeadPackage(
    packageDir,
    { inputSize: 64, seed: 4, sd: 2, headSeed: 6 },
    { name: 'Tiny lesion', classNames: ['normal', 'lesion'], preprocessing: { window: { center: 40, width: 400 }, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
  );
  const predicted = await lumen(['predict', '--model', packageDir, '--library', lib.dir, '--series', PATIENT_A.seriesUid, '--json']);
  expect(predicted.code, predicted.stderr).toBe(0);

  const input = tmpDir('results-export-identity-sides');
  SIDES.forEach((s, i) =>
    writeSlice(path.join(input, `s${i}.dcm`), { patientName: 'Side^Test', patientId: 'SIDE16', studyUid: SIDES_STUDY, seriesUid: SIDES_SERIES, sopUid: s.sop, instanceNumber: i + 1, z: i, extraLines: [...s.lines] }),
  );
  const dir = path.join(tmpDir('results-export-identity-sides-lib'), 'library');
  sides = { library: Library.open(dir), dir };
  await sides.library.importPaths([input]);
  const images = SIDES.map((s) => ({ seriesInstanceUid: SIDES_SERIES, sopInstanceUid: s.sop, frame: 0, scores: [0.3, 0.7] }));
  savePredictions(dir, { modelHash: meta.contentHash, modelName: meta.name, classNames: meta.classNames, images, series: [], createdAt: new Date().toISOString() }, { dir: packageDir, metadata: meta });
}, 300_000);
afterAll(() => {
  lib?.library.close();
  sides?.library.close();
});

/** RFC 4180 cells (quoted cells with doubled quotes, CRLF rows), enough for these tables. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      rows.push([...row, cell]);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell || row.length) rows.push([...row, cell]);
  return rows;
}

/** The text values dsrdump shows for a concept name, e.g. "Algorithm Version". */
const concept = (dump: string, name: string) => [...dump.matchAll(new RegExp(`<has concept mod TEXT:\\([^)]*"${name}"\\)="([^"]*)"`, 'g'))].map((m) => m[1]);

describe('exported results name the model version, the side and the frame as DICOM means them', () => {
  it('SR: Algorithm Version is the package’s #hash prefix; Lumen’s version is Software Versions', async () => {
    const out = path.join(root, 'sr');
    const r = await lumen(['export', '--results', PATIENT_A.seriesUid, '--model', packageDir, '--library', lib.dir, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const sr = (JSON.parse(r.stdout).files as { file: string; kind: string }[]).find((f) => f.kind === 'predictions-sr')!.file;
    const dump = dsrdump(sr);
    const versions = concept(dump, 'Algorithm Version');
    expect(versions).toHaveLength(5);
    expect(new Set(versions)).toEqual(new Set([`#${meta.contentHash.slice(0, 12)}`]));
    // The Lumen that made the package, as an Algorithm Parameter (not as its version).
    expect(concept(dump, 'Algorithm Parameters')).toContain(`package made with Lumen ${APP_VERSION}`);
    // The same prefix `lumen models packages` prints for the package installed.
    const data = path.join(root, 'data');
    fs.cpSync(packageDir, path.join(data, 'models', 'tiny-lesion'), { recursive: true });
    const installed = await lumen(['models', 'packages'], { LUMEN_DATA_DIR: data });
    expect(installed.code, installed.stderr).toBe(0);
    expect(installed.stdout).toContain(`tiny-lesion`);
    expect(installed.stdout).toContain(versions[0]);
    expect(dcmdump(sr)).toContain(`(0018,1020) LO [${APP_VERSION}]`);
    expect(dciodvfy(sr).errors).toEqual([]);
  }, 120_000);

  it.each(['parametric-map', 'secondary-capture'] as const)('%s: no Laterality for an unpaired part (CHEST), empty for an unknown side, L as written; dciodvfy agrees', async (as) => {
    const out = path.join(root, as);
    const model = { name: meta.name, packageHash: meta.contentHash, variant: meta.variant, version: null };
    const result = await exportResults(sides.library, { uid: SIDES_SERIES, model, out, heatmaps: as, packageDir });
    const maps = result.files.filter((f) => f.kind === as);
    expect(maps).toHaveLength(SIDES.length);
    const seen: string[] = [];
    for (const m of maps) {
      const ds = natural(m.file);
      const sourceSop = as === 'parametric-map' ? ds.SharedFunctionalGroupsSequence[0].DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID : ds.SourceImageSequence[0].ReferencedSOPInstanceUID;
      const source = SIDES.find((s) => s.sop === sourceSop)!;
      const dump = dcmdump(m.file);
      const { errors, output } = dciodvfy(m.file);
      expect(errors, `${source.name}\n${output}`).toEqual([]);
      if (source.laterality === null) {
        expect(dump, source.name).not.toMatch(/\(0020,0060\)/);
        expect(output, source.name).not.toMatch(/<Laterality>/);
      } else if (source.laterality === '') {
        expect(dump, source.name).toMatch(/\(0020,0060\) CS (\(no value available\)|\[\])/);
      } else {
        expect(dump, source.name).toContain(`(0020,0060) CS [${source.laterality}]`);
        expect(output, source.name).not.toMatch(/<Laterality>/);
      }
      if (source.part) expect(dump, source.name).toContain(`(0018,0015) CS [${source.part}]`);
      else expect(dump, source.name).not.toMatch(/\(0018,0015\)/);
      seen.push(source.name);
    }
    expect(seen.sort()).toEqual(SIDES.map((s) => s.name).sort());
  }, 180_000);

  it('the tables count frames from 1: a single-frame image’s label joins its predictions on (SOP, frame)', async () => {
    const labels = path.join(root, 'labels.csv');
    const predictions = path.join(root, 'predictions.csv');
    expect((await lumen(['export', '--csv', 'labels', '--series', PATIENT_A.seriesUid, '--library', lib.dir, '--out', labels])).code).toBe(0);
    expect((await lumen(['export', '--csv', 'predictions', '--series', PATIENT_A.seriesUid, '--model', packageDir, '--library', lib.dir, '--out', predictions])).code).toBe(0);
    const rows = (file: string) => {
      const [head, ...body] = parseCsv(fs.readFileSync(file, 'utf8'));
      return body.filter((r) => r.length > 1).map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
    };
    const labelRows = rows(labels);
    const image = labelRows.find((r) => r.targetKind === 'image')!;
    expect(image.sopInstanceUid).toBe(lib.images[0]);
    expect(image.frame).toBe('1');
    // A series' label is of no frame.
    expect(labelRows.find((r) => r.targetKind === 'series')!.frame).toBe('');
    const predictionRows = rows(predictions);
    expect(new Set(predictionRows.map((r) => r.frame))).toEqual(new Set(['1']));
    const joined = predictionRows.filter((p) => p.sopInstanceUid === image.sopInstanceUid && p.frame === image.frame);
    expect(joined.map((p) => p.className).sort()).toEqual(['lesion', 'normal']);

    const json = path.join(root, 'labels.json');
    expect((await lumen(['export', '--json', 'labels', '--series', PATIENT_A.seriesUid, '--library', lib.dir, '--out', json])).code).toBe(0);
    const jsonRows = JSON.parse(fs.readFileSync(json, 'utf8')).rows as { targetKind: string; frame: number | null }[];
    expect(jsonRows.map((r) => [r.targetKind, r.frame])).toEqual([['image', 1], ['series', null]]);
  }, 120_000);

  it('export --results without --model names the models whose predictions it left out', async () => {
    const out = path.join(root, 'no-model');
    const r = await lumen(['export', '--results', PATIENT_A.seriesUid, '--library', lib.dir, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('0 image predictions');
    const names = [`${MODEL_META.name} #${MODEL_HASH.slice(0, 12)}`, `${meta.name} #${meta.contentHash.slice(0, 12)}`].sort((a, b) => a.localeCompare(b)).join(', ');
    expect(r.stdout).toContain(`Note: No predictions exported: predictions of 2 models are stored for this series: name one with --model (${names}).`);
    // The study's scope says "study"; --json carries it among the notes.
    const j = await lumen(['export', '--results', PATIENT_A.studyUid, '--library', lib.dir, '--out', path.join(root, 'no-model-study'), '--json']);
    expect(j.code, j.stderr).toBe(0);
    expect((JSON.parse(j.stdout) as { notes: string[] }).notes[0]).toBe(`No predictions exported: predictions of 2 models are stored for this study: name one with --model (${names}).`);
  }, 120_000);
});
