// Heatmaps carry the source image's laterality. Source slices made by dcmtk's dump2dcm: one
// with Laterality (0020,0060) L, one with only Image Laterality (0020,0062) R (as mammography
// and DX write it), one with neither, one with a value no standard allows, one whose two
// attributes name different sides (the image's wins, as in the SR), one whose image names
// both. Each exported Parametric Map and Secondary Capture has General Series Laterality
// (the attribute both IODs have) as its source says: dciodvfy finds no error in any, and its
// "should be absent (not empty)" warning only where the source has no laterality. Maps of
// different sides go into different series, since Laterality is a series attribute. A real
// Orthanc stores each and gives its Laterality back.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { savePredictions } from '../../electron/library/predictions';
import { exportResults } from '../../electron/results/export';
import { type PackageMetadata } from '../../models/package';
import { writeSlice, tmpDir } from '../library/fixtures';
import { resultsDir } from '../support/browser';
import { startOrthanc, type Orthanc } from '../support/orthanc';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { dcmdump, dciodvfy, natural } from './check';

const STUDY = '1.2.826.0.1.3680043.8.498.7701';
const SERIES = `${STUDY}.1`;
/** The sources: what dump2dcm writes besides the CT slice, and the laterality each result must carry ('' = none). */
const SOURCES = [
  { sop: `${SERIES}.1`, lines: ['(0020,0060) CS [L]'], expected: 'L' },
  { sop: `${SERIES}.2`, lines: ['(0020,0062) CS [R]'], expected: 'R' },
  { sop: `${SERIES}.3`, lines: [], expected: '' },
  { sop: `${SERIES}.4`, lines: ['(0020,0060) CS [X]'], expected: '' },
  { sop: `${SERIES}.5`, lines: ['(0020,0062) CS [L]', '(0020,0060) CS [L]'], expected: 'L' },
  // Two attributes naming different sides: the image's own (Image Laterality) wins, as in the SR.
  { sop: `${SERIES}.6`, lines: ['(0020,0062) CS [L]', '(0020,0060) CS [R]'], expected: 'L' },
  // The image says both sides: no side a series' Laterality can hold, whatever the series says.
  { sop: `${SERIES}.7`, lines: ['(0020,0062) CS [B]', '(0020,0060) CS [R]'], expected: '' },
];
const EMPTY_WARNING = /should be absent \(not empty\).*<Laterality>/;

let library: Library;
let libraryDir: string;
let packageDir: string;
let meta: PackageMetadata;
let orthanc: Orthanc;

beforeAll(async () => {
  orthanc = await startOrthanc();
  const input = tmpDir('laterality-in');
  SOURCES.forEach((s, i) =>
    writeSlice(path.join(input, `s${i}.dcm`), { patientName: 'Side^Test', patientId: 'LAT1', studyUid: STUDY, seriesUid: SERIES, sopUid: s.sop, instanceNumber: i + 1, z: i, modality: 'MG', extraLines: s.lines }),
  );
  libraryDir = path.join(tmpDir('laterality'), 'library');
  library = Library.open(libraryDir);
  await library.importPaths([input]);
  packageDir = path.join(tmpDir('laterality-pkg'), 'tiny');
  meta = await saveRandomHeadPackage(
    packageDir,
    // 64 px: a 2×2 map (a one-cell map, at 32 px, is left out of the exports: s16 T1-3).
    { inputSize: 64, seed: 3, sd: 2, headSeed: 5 },
    { name: 'Tiny side', classNames: ['none', 'lesion'], preprocessing: { window: { center: 40, width: 400 }, scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
  );
  const images = SOURCES.map((s) => ({ seriesInstanceUid: SERIES, sopInstanceUid: s.sop, frame: 0, scores: [0.3, 0.7] }));
  savePredictions(libraryDir, { modelHash: meta.contentHash, modelName: meta.name, classNames: meta.classNames, images, series: [], createdAt: new Date().toISOString() }, { dir: packageDir, metadata: meta });
}, 180_000);
afterAll(async () => {
  library?.close();
  await orthanc?.stop();
});

describe('heatmaps carry the source image’s laterality', () => {
  it.each(['parametric-map', 'secondary-capture'] as const)('%s: Laterality as the source has it, no dciodvfy error, one series per side', async (as) => {
    const out = tmpDir(`laterality-${as}`);
    const model = { name: meta.name, packageHash: meta.contentHash, variant: meta.variant, version: null };
    const result = await exportResults(library, { uid: SERIES, model, out, heatmaps: as, packageDir });
    const maps = result.files.filter((f) => f.kind === as);
    expect(maps).toHaveLength(SOURCES.length);
    const seriesBySide = new Map<string, Set<string>>();
    const report: string[] = [];
    for (const m of maps) {
      const ds = natural(m.file);
      const sourceSop = as === 'parametric-map' ? ds.SharedFunctionalGroupsSequence[0].DerivationImageSequence[0].SourceImageSequence[0].ReferencedSOPInstanceUID : ds.SourceImageSequence[0].ReferencedSOPInstanceUID;
      const source = SOURCES.find((s) => s.sop === sourceSop)!;
      expect(source, sourceSop).toBeDefined();
      const dump = dcmdump(m.file);
      const { errors, output } = dciodvfy(m.file);
      report.push(`${as} of ${source.lines.join(' ') || '(no laterality)'}:\n${output}`);
      expect(errors, output).toEqual([]);
      if (source.expected) {
        expect(dump).toMatch(new RegExp(`\\(0020,0060\\) CS \\[${source.expected}\\]`));
        expect(output).not.toMatch(EMPTY_WARNING);
      } else {
        expect(dump).toMatch(/\(0020,0060\) CS (\(no value available\)|\[\])/);
        expect(output).toMatch(EMPTY_WARNING);
      }
      // Image Laterality is no attribute of these IODs: never written.
      expect(dump).not.toMatch(/\(0020,0062\)/);
      // Orthanc stores it and reads the same side back.
      const id = await orthanc.store(fs.readFileSync(m.file));
      const tags = (await (await orthanc.rest('GET', `/instances/${id}/simplified-tags`)).json()) as Record<string, unknown>;
      expect(tags.Laterality ?? '').toBe(source.expected);
      seriesBySide.set(source.expected, (seriesBySide.get(source.expected) ?? new Set()).add(m.seriesInstanceUid));
    }
    // One series per side: L, R and none, each its own.
    expect([...seriesBySide.keys()].sort()).toEqual(['', 'L', 'R']);
    for (const uids of seriesBySide.values()) expect(uids.size).toBe(1);
    expect(new Set([...seriesBySide.values()].map((u) => [...u][0])).size).toBe(3);
    fs.writeFileSync(path.join(resultsDir(), `laterality-${as}-dciodvfy.txt`), report.join('\n'));
  }, 240_000);
});
