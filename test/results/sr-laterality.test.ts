// Where on the body each exported SR group is (PS3.16 TID 1501 rows 6–7): a Finding Site
// coded from the source's Body Part Examined through PS3.16 Table L-1 (CID 4031), with a
// Laterality modifier when the source names a side. Sources made by dcmtk's dump2dcm: knee,
// chest and an unknown body part, sides R, L, B and U in Laterality (0020,0060) and Image
// Laterality (0020,0062), lower case and padding, the two attributes disagreeing, a value no
// standard allows, and a multi-frame image whose frames name their own side in Frame Anatomy
// Sequence (0020,9071). The predictions SR and the measurements SR are read back with dcmjs
// (and its Cornerstone3D adapter, OHIF's reader) and dsrdump; dciodvfy finds no error; a real
// Orthanc stores each and gives back the data set sent.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import dcmjs from 'dcmjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { savePredictions } from '../../electron/library/predictions';
import { TrainingStore } from '../../electron/training/store';
import { exportResults } from '../../electron/results/export';
import { readDataset } from '../../electron/results/part10';
import { ctPixels, tmpDir, writeSlice } from '../library/fixtures';
import { resultsDir } from '../support/browser';
import { startOrthanc } from '../support/orthanc';
import { dciodvfy, dsrdump, natural } from './check';

const STUDY = '1.2.826.0.1.3680043.8.498.7702';
const SERIES = `${STUDY}.1`;
const MODEL = { name: 'Side model', packageHash: 'b'.repeat(63) + '2', variant: 'b0', version: '0.1.0' };
const KNEE = '72696002';
const CHEST = '816094009';
const RIGHT = '24028007';
const LEFT = '7771000';
const BOTH = '51440002';

interface Source {
  sop: string;
  lines: string[];
  /** The Finding Site's SCT code and its Laterality's, per frame (null: none written). */
  expected: { site: string | null; side: string | null }[];
}
const SOURCES: Source[] = [
  { sop: `${SERIES}.1`, lines: ['(0018,0015) CS [KNEE]', '(0020,0060) CS [R]'], expected: [{ site: KNEE, side: RIGHT }] },
  // Lower case and padding, as some modalities write them; Image Laterality alone (mammography, DX).
  { sop: `${SERIES}.2`, lines: ['(0018,0015) CS [ knee ]', '(0020,0062) CS [l ]'], expected: [{ site: KNEE, side: LEFT }] },
  { sop: `${SERIES}.3`, lines: ['(0018,0015) CS [CHEST]', '(0020,0060) CS [B]'], expected: [{ site: CHEST, side: BOTH }] },
  // U: an unpaired structure, no side to name.
  { sop: `${SERIES}.4`, lines: ['(0018,0015) CS [CHEST]', '(0020,0062) CS [U]'], expected: [{ site: CHEST, side: null }] },
  // A body part Table L-1 does not list: no site (and so nothing a side could modify), no error.
  { sop: `${SERIES}.5`, lines: ['(0018,0015) CS [ELBOWPIT]', '(0020,0060) CS [L]'], expected: [{ site: null, side: null }] },
  { sop: `${SERIES}.6`, lines: [], expected: [{ site: null, side: null }] },
  // The two disagree: the image's own attribute wins.
  { sop: `${SERIES}.7`, lines: ['(0018,0015) CS [KNEE]', '(0020,0060) CS [R]', '(0020,0062) CS [L]'], expected: [{ site: KNEE, side: LEFT }] },
  // A value no standard allows is no side: the series' Laterality stands.
  { sop: `${SERIES}.8`, lines: ['(0018,0015) CS [KNEE]', '(0020,0060) CS [R]', '(0020,0062) CS [X]'], expected: [{ site: KNEE, side: RIGHT }] },
];
/** Two frames: the knee and its side per frame in Frame Anatomy Sequence, the series saying R for both. */
const MULTIFRAME: Source = { sop: `${SERIES}.9`, lines: [], expected: [{ site: KNEE, side: RIGHT }, { site: KNEE, side: LEFT }] };

let library: Library;
let libraryDir: string;
let files: { file: string; kind: string }[];

const items = (x: unknown): any[] => (Array.isArray(x) ? x : x === undefined ? [] : [x]);
const meaning = (item: any) => items(item.ConceptNameCodeSequence)[0]?.CodeMeaning;
const child = (item: any, m: string) => items(item.ContentSequence).find((c) => meaning(c) === m);
const children = (item: any, m: string) => items(item.ContentSequence).filter((c) => meaning(c) === m);

/** An Enhanced CT of two frames written by dump2dcm, each frame naming its anatomy and side. */
function writeMultiframe(file: string, src: Source): void {
  const work = tmpDir('sr-lat-mf');
  const raw = path.join(work, 'pixels.raw');
  fs.writeFileSync(raw, Buffer.concat([ctPixels(32, 32, 1), ctPixels(32, 32, 2)]));
  const anatomy = (side: string) => [
    '(fffe,e000) -',
    '(0020,9071) SQ',
    '(fffe,e000) -',
    '(0008,2218) SQ',
    '(fffe,e000) -',
    `(0008,0100) SH [${KNEE}]`,
    '(0008,0102) SH [SCT]',
    '(0008,0104) LO [Knee]',
    '(fffe,e00d) -',
    '(fffe,e0dd) -',
    `(0020,9072) CS [${side}]`,
    '(fffe,e00d) -',
    '(fffe,e0dd) -',
    '(fffe,e00d) -',
  ];
  const lines = [
    '(0002,0002) UI =EnhancedCTImageStorage',
    `(0002,0003) UI [${src.sop}]`,
    '(0002,0010) UI =LittleEndianExplicit',
    '(0008,0016) UI =EnhancedCTImageStorage',
    `(0008,0018) UI [${src.sop}]`,
    '(0008,0020) DA [20240102]',
    '(0008,0030) TM [101500]',
    '(0008,0060) CS [CT]',
    '(0010,0010) PN [Side^Test]',
    '(0010,0020) LO [LAT2]',
    `(0020,000d) UI [${STUDY}]`,
    `(0020,000e) UI [${SERIES}]`,
    '(0020,0011) IS [1]',
    '(0020,0013) IS [9]',
    '(0020,0060) CS [R]',
    '(0028,0002) US 1',
    '(0028,0004) CS [MONOCHROME2]',
    '(0028,0008) IS [2]',
    '(0028,0010) US 32',
    '(0028,0011) US 32',
    '(0028,0100) US 16',
    '(0028,0101) US 12',
    '(0028,0102) US 11',
    '(0028,0103) US 0',
    '(5200,9230) SQ',
    ...anatomy('R'),
    ...anatomy('L'),
    '(fffe,e0dd) -',
    `(7fe0,0010) OW =${raw}`,
  ];
  const dump = path.join(work, 'mf.dump');
  fs.writeFileSync(dump, lines.join('\n') + '\n');
  execFileSync('dump2dcm', [dump, file], { stdio: 'pipe' });
  fs.rmSync(work, { recursive: true, force: true });
}

beforeAll(async () => {
  const input = tmpDir('sr-lat-in');
  SOURCES.forEach((s, i) =>
    writeSlice(path.join(input, `s${i}.dcm`), { patientName: 'Side^Test', patientId: 'LAT2', studyUid: STUDY, seriesUid: SERIES, sopUid: s.sop, instanceNumber: i + 1, z: i, modality: 'CT', extraLines: s.lines }),
  );
  writeMultiframe(path.join(input, 'mf.dcm'), MULTIFRAME);
  libraryDir = path.join(tmpDir('sr-lat'), 'library');
  library = Library.open(libraryDir);
  await library.importPaths([input]);
  const all = [...SOURCES, MULTIFRAME];
  const frames = all.flatMap((s) => s.expected.map((_, frame) => ({ sop: s.sop, frame })));
  savePredictions(
    libraryDir,
    { modelHash: MODEL.packageHash, modelName: MODEL.name, classNames: ['none', 'tear'], images: frames.map(({ sop, frame }) => ({ seriesInstanceUid: SERIES, sopInstanceUid: sop, frame, scores: [0.4, 0.6] })), series: [], createdAt: new Date().toISOString() },
    { dir: path.join(libraryDir, 'pkg'), metadata: { name: MODEL.name, variant: MODEL.variant, classNames: ['none', 'tear'], contentHash: MODEL.packageHash } },
  );
  frames.forEach(({ sop, frame }, i) =>
    library.saveMeasurement({ id: `m-lat-${i}`, seriesInstanceUid: SERIES, sopInstanceUid: sop, frame, kind: 'length', points: [[2, 3], [5, 7]], createdAt: '2026-01-01T00:00:01Z' }),
  );
  const store = new TrainingStore(library);
  try {
    store.setLabels([
      // One image: its site and side. The series: images on different sides, so no one site.
      { targetKind: 'image', targetUid: SOURCES[0].sop, label: 'torn' },
      { targetKind: 'series', targetUid: SERIES, label: 'knees' },
    ]);
  } finally {
    store.close();
  }
  const result = await exportResults(library, { uid: SERIES, model: MODEL, out: tmpDir('sr-lat-out') });
  expect(result).toMatchObject({ predictions: frames.length, measurements: frames.length, labels: 2, skippedMeasurements: 0 });
  files = result.files;
}, 180_000);
afterAll(() => library?.close());

/** Each group's source image and frame, with the Finding Site and Laterality codes it carries. */
function anatomyByGroup(file: string, sourceOf: (group: any) => any): Map<string, { site: string | null; side: string | null; sites: number }> {
  const ds = natural(file);
  const out = new Map<string, { site: string | null; side: string | null; sites: number }>();
  for (const group of children(child(ds, 'Imaging Measurements'), 'Measurement Group')) {
    const ref = sourceOf(group);
    if (!ref) continue;
    const sop = items(ref.ReferencedSOPSequence)[0];
    const sites = children(group, 'Finding Site');
    const site = sites[0];
    if (site) {
      expect(site).toMatchObject({ RelationshipType: 'HAS CONCEPT MOD', ValueType: 'CODE' });
      expect(items(site.ConceptNameCodeSequence)[0]).toMatchObject({ CodeValue: '363698007', CodingSchemeDesignator: 'SCT' });
    }
    const side = site && child(site, 'Laterality');
    if (side) {
      expect(side).toMatchObject({ RelationshipType: 'HAS CONCEPT MOD', ValueType: 'CODE' });
      expect(items(side.ConceptNameCodeSequence)[0]).toMatchObject({ CodeValue: '272741003', CodingSchemeDesignator: 'SCT' });
    }
    out.set(`${sop.ReferencedSOPInstanceUID}#${sop.ReferencedFrameNumber ?? 1}`, {
      site: site ? items(site.ConceptCodeSequence)[0].CodeValue : null,
      side: side ? items(side.ConceptCodeSequence)[0].CodeValue : null,
      sites: sites.length,
    });
  }
  return out;
}

function expectAnatomy(found: Map<string, { site: string | null; side: string | null; sites: number }>): void {
  for (const s of [...SOURCES, MULTIFRAME]) {
    s.expected.forEach((want, frame) => {
      const key = `${s.sop}#${frame + 1}`;
      expect(found.get(key), `${key} ${s.lines.join(' ')}`).toEqual({ ...want, sites: want.site ? 1 : 0 });
    });
  }
}

describe('the SR says where on the body each finding is', () => {
  it('predictions: each group has the Finding Site and Laterality its image (and frame) names', () => {
    const file = files.find((f) => f.kind === 'predictions-sr')!.file;
    expectAnatomy(anatomyByGroup(file, (g) => child(g, 'Source')));
  });

  it('measurements: each group has them too, and OHIF’s reader (dcmjs’s adapter) finds the site', () => {
    const file = files.find((f) => f.kind === 'measurements-sr')!.file;
    const found = anatomyByGroup(file, (g) => {
      const num = items(g.ContentSequence).find((c) => c.ValueType === 'NUM');
      return num && items(num.ContentSequence).find((c) => c.ValueType === 'SCOORD')?.ContentSequence;
    });
    expectAnatomy(found);
    const ds = natural(file);
    const ids = Object.fromEntries([...SOURCES, MULTIFRAME].map((s) => [s.sop, `lumen:${s.sop}`]));
    const state = dcmjs.adapters.Cornerstone3D.MeasurementReport.generateToolState(ds, ids, (_id: string, p: number[]) => [...p, 0], { get: () => ({ frameOfReferenceUID: '1.2.3' }) });
    const knee = state.Length.find((l: any) => l.sopInstanceUid === SOURCES[0].sop);
    // dcmjs keeps the site's Concept Code Sequence as read (an array).
    expect(items(knee.findingSites[0])[0]).toMatchObject({ CodeValue: KNEE, CodingSchemeDesignator: 'SCT' });
    expect(state.Length.find((l: any) => l.sopInstanceUid === SOURCES[5].sop).findingSites).toEqual([]);
  });

  it('labels: an image label has its image’s site; a series label of images on different sides has none', () => {
    const ds = natural(files.find((f) => f.kind === 'measurements-sr')!.file);
    const labels = children(child(ds, 'Imaging Measurements'), 'Measurement Group').filter((g) => child(g, 'Finding'));
    const byLabel = new Map(labels.map((g) => [items(child(g, 'Finding').ConceptCodeSequence)[0].CodeMeaning, g]));
    const image = child(byLabel.get('torn'), 'Finding Site');
    expect(items(image.ConceptCodeSequence)[0].CodeValue).toBe(KNEE);
    expect(items(child(image, 'Laterality').ConceptCodeSequence)[0].CodeValue).toBe(RIGHT);
    expect(child(byLabel.get('knees'), 'Finding Site')).toBeUndefined();
  });

  it('dsrdump reads both with no error nor warning, constraints checked; dciodvfy finds no error', () => {
    const report: string[] = [];
    for (const { file, kind } of files) {
      const text = dsrdump(file);
      expect(text).toMatch(/<has concept mod CODE:\(,,"Finding Site"\)=\(72696002,SCT,"Knee"\)>/);
      // Strict: relationship constraints checked, and nothing dsrdump warns about but that its
      // VR checker cannot check UTF-8 text (every Lumen SR has said so).
      const strict = spawnSync('dsrdump', ['+Pf', file], { encoding: 'utf8' });
      expect(strict.status, strict.stderr).toBe(0);
      const warnings = strict.stderr.split('\n').filter((l) => /^[WEF]:/.test(l) && !/VR checker does not support this Specific Character Set: ISO_IR 192/.test(l));
      expect(warnings, strict.stderr).toEqual([]);
      expect(strict.stdout).toMatch(/<has concept mod CODE:\(,,"Laterality"\)=\(7771000,SCT,"Left"\)>/);
      const { errors, output } = dciodvfy(file);
      expect(errors, output).toEqual([]);
      report.push(`${kind}:\n${output}`);
    }
    fs.writeFileSync(path.join(resultsDir(), 'sr-laterality-dciodvfy.txt'), report.join('\n'));
  });

  it('Orthanc stores both and gives back the data set sent, Finding Sites and all', async () => {
    const orthanc = await startOrthanc();
    try {
      for (const { file } of files) {
        const id = await orthanc.store(fs.readFileSync(file));
        const back = path.join(tmpDir('sr-lat-back'), 'back.dcm');
        fs.writeFileSync(back, Buffer.from(await (await orthanc.rest('GET', `/instances/${id}/file`)).arrayBuffer()));
        expect(readDataset(back).dataset).toEqual(readDataset(file).dataset);
        expect(JSON.stringify(readDataset(back).dataset)).toContain('363698007');
      }
    } finally {
      await orthanc.stop();
    }
  }, 120_000);
});
