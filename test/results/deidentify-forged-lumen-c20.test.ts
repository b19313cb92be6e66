// Task C, session 20: de-identified export copied a result document with the images whenever its
// Manufacturer and Manufacturer's Model Name said "Lumen", words any software can write; its text
// was then cleaned by rules written for Lumen's own content, which miss a nickname in a TEXT item,
// a name as a code's meaning, or a sequence Lumen never writes. Now (session 21) a document is
// copied only when the library recorded writing it, as written (electron/results/written.ts).
//
// Lumen's real documents (a predictions SR, a measurements SR with every kind of measurement and
// labels, and Parametric Maps, all written by exportResults) are still copied. Documents that say
// "Lumen" but were changed by dcmtk (dump2dcm: an extra TEXT item naming the patient by nickname;
// dcmodify: a code meaning set to the patient's name, a sequence and an attribute Lumen never
// writes, on an SR and on a map) are not copied, and the note says why. Before the change every
// forged document was copied (the export test fails: 4 documents more written, and "Janie" in them).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportDeidentified } from '../../electron/results/deidentify';
import { exportResults } from '../../electron/results/export';
import { savePredictions } from '../../electron/library/predictions';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { natural } from './check';
import { PATIENT_A, resultsLibrary, tmpDir, type ResultsLibrary } from './fixtures';

const SR_CLASS = '1.2.840.10008.5.1.4.1.1.88.33';
const PM_CLASS = '1.2.840.10008.5.1.4.1.1.30';
const NICKNAME = 'Janie';

let lib: ResultsLibrary;
/** Lumen's own documents as exportResults wrote them. */
let lumenFiles: string[] = [];
/** The forged documents, by what was done to them. */
const forged = new Map<string, string>();

function dicomFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.dcm')).map((f) => path.join(dir, f));
}

/**
 * Lumen's SR with one more TEXT item, first in its content, that names the patient by nickname
 * under a concept Lumen writes text under (Algorithm Parameters): dcmdump, edited, then dump2dcm.
 */
function withTextItem(source: string, out: string): void {
  const dump = execFileSync('dcmdump', ['-q', '+L', '+E', source], { encoding: 'utf8', maxBuffer: 64 << 20 }).split('\n');
  // The top-level Content Sequence: the one not indented.
  const at = dump.findIndex((l) => l.startsWith('(0040,a730) SQ'));
  expect(at).toBeGreaterThan(0);
  const item = [
    '(fffe,e000) na (Item with undefined length)',
    '  (0040,a010) CS [HAS OBS CONTEXT]',
    '  (0040,a040) CS [TEXT]',
    '  (0040,a043) SQ (Sequence with undefined length)',
    '    (fffe,e000) na (Item with undefined length)',
    '      (0008,0100) SH [111002]',
    '      (0008,0102) SH [DCM]',
    '      (0008,0104) LO [Algorithm Parameters]',
    '    (fffe,e00d) na (ItemDelimitationItem)',
    '  (fffe,e0dd) na (SequenceDelimitationItem)',
    `  (0040,a160) UT [The patient goes by ${NICKNAME}]`,
    '(fffe,e00d) na (ItemDelimitationItem)',
  ];
  dump.splice(at + 1, 0, ...item);
  const text = `${out}.txt`;
  fs.writeFileSync(text, dump.join('\n'));
  execFileSync('dump2dcm', ['-q', '+E', '--update-meta-info', text, out], { stdio: 'pipe' });
  fs.rmSync(text);
  execFileSync('dcmodify', ['-nb', '-q', '-gin', out], { stdio: 'pipe' });
}

/** A copy of `source` changed by dcmodify (a new SOP Instance UID, so the library files it beside the original). */
function modified(source: string, out: string, ...args: string[]): void {
  fs.copyFileSync(source, out);
  execFileSync('dcmodify', ['-nb', '-q', '-gin', ...args, out], { stdio: 'pipe' });
}

beforeAll(async () => {
  lib = await resultsLibrary('c20-forged');
  // Every kind of measurement on an image of the series (the fixture holds one length and two labels).
  const image = lib.library.listInstances(PATIENT_A.seriesUid).find((i) => i.sopInstanceUid === lib.images[2])!;
  const at = { seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: image.sopInstanceUid, frame: 0, createdAt: '2026-01-01T00:00:02Z' };
  lib.library.saveMeasurement({ ...at, id: 'm-c20-0001', kind: 'ellipse', points: [[20.6, 15.1], [3.2, 4.7]] });
  lib.library.saveMeasurement({ ...at, id: 'm-c20-0002', kind: 'rectangle', points: [[10.4, 2.2], [25.7, 9.9]] });
  lib.library.saveMeasurement({ ...at, id: 'm-c20-0003', kind: 'angle', points: [[2, 2], [10, 10], [20, 3]] });
  lib.library.saveMeasurement({ ...at, id: 'm-c20-0004', kind: 'probe', points: [[5, 6]] });
  const packageDir = path.join(tmpDir('c20-forged-pkg'), 'tiny');
  const meta = await saveRandomHeadPackage(
    packageDir,
    { inputSize: 64, seed: 3, sd: 2, headSeed: 5 },
    { name: 'Tiny CAM', classNames: ['none', 'lesion'], preprocessing: { window: { center: 40, width: 400 }, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
  );
  const images = lib.images.map((sop, i) => ({ seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: sop, frame: 0, scores: i % 2 ? [0.3, 0.7] : [0.8, 0.2] }));
  savePredictions(lib.dir, { modelHash: meta.contentHash, modelName: meta.name, classNames: meta.classNames, images, series: [], createdAt: new Date().toISOString() }, { dir: packageDir, metadata: meta });
  const out = tmpDir('c20-forged-written');
  const model = { name: meta.name, packageHash: meta.contentHash, variant: meta.variant, version: '0.1.0' };
  const written = await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model, out, heatmaps: 'parametric-map', packageDir });
  expect(written.files.map((f) => f.kind).sort()).toEqual(expect.arrayContaining(['predictions-sr', 'measurements-sr', 'parametric-map']));
  expect(written).toMatchObject({ measurements: 5, labels: 2, skippedMeasurements: 0 });
  lumenFiles = dicomFiles(out);

  const predictions = written.files.find((f) => f.kind === 'predictions-sr')!.file;
  const measurements = written.files.find((f) => f.kind === 'measurements-sr')!.file;
  const map = written.files.find((f) => f.kind === 'parametric-map')!.file;
  const dir = tmpDir('c20-forged-docs');
  forged.set('a TEXT item naming the patient', path.join(dir, 'text.dcm'));
  withTextItem(predictions, forged.get('a TEXT item naming the patient')!);
  // The first content item's code (the language) given the patient's name as its meaning.
  forged.set("a code meaning naming the patient", path.join(dir, 'code.dcm'));
  modified(measurements, forged.get('a code meaning naming the patient')!, '-m', `(0040,a730)[0].(0040,a168)[0].(0008,0104)=${NICKNAME} Doe`);
  // A sequence Lumen never writes in an SR (Verifying Observer), naming the patient.
  forged.set('a sequence Lumen never writes', path.join(dir, 'sequence.dcm'));
  modified(predictions, forged.get('a sequence Lumen never writes')!, '-i', `(0040,a073)[0].(0040,a027)=${NICKNAME}'s family clinic`);
  // A map with an attribute Lumen never writes there.
  forged.set('a map with an attribute Lumen never writes', path.join(dir, 'map.dcm'));
  modified(map, forged.get('a map with an attribute Lumen never writes')!, '-i', `(0018,1030)=${NICKNAME} protocol`);
  for (const f of forged.values()) expect(natural(f)).toMatchObject({ Manufacturer: 'Lumen', ManufacturerModelName: 'Lumen' });

  const report = await lib.library.importPaths([out, dir]);
  expect(report.errors).toEqual([]);
}, 300_000);
afterAll(() => lib?.library.close());


describe("only Lumen's own result documents are copied into de-identified copies", () => {
  it("exportDeidentified copies Lumen's documents, not the forged ones, and says why", async () => {
    const out = tmpDir('c20-forged-copies');
    const classes = lumenFiles.map((f) => natural(f).SOPClassUID);
    expect(classes.filter((c) => c === SR_CLASS)).toHaveLength(2);
    expect(classes.filter((c) => c === PM_CLASS).length).toBeGreaterThan(0);
    const result = await exportDeidentified(lib.library, { uid: PATIENT_A.studyUid, out });
    expect(result.resultDocumentsWritten).toBe(lumenFiles.length);
    expect(result.resultDocumentsNotCopied).toBe(forged.size);
    expect(result.notes.join('\n')).toContain(
      // Each forged copy has a new SOP Instance UID (dcmodify -gin, dump2dcm): not recorded as written by Lumen (written.ts, session 21).
      '4 result documents of this study not copied (3 structured reports, 1 parametric map): they say Lumen made them, but this library has no record of Lumen writing them',
    );
    const bytes = dicomFiles(out).map((f) => fs.readFileSync(f).toString('latin1')).join('');
    expect(bytes.includes(NICKNAME)).toBe(false);
  }, 120_000);
});
