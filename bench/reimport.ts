import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeInside } from '../common/node/safe-fs';
import { Library } from '../electron/library/library';
import type { ImportReport } from '../electron/library/types';
import { buildParametricMap } from '../electron/results/parametric-map';
import { writeDataset, type NaturalDataset } from '../electron/results/part10';
import { ctSlice } from '../test/support/dicom/phantom';
import { writeCtImage } from '../test/support/dicom/ct-image';
import { ensureManyFiles, BENCH_STUDY } from './library';
import { median, roundTo as round } from './suite';

// `lumen bench import --reimport N`: a folder the library already holds imported again, as a
// user does to pick up a few new files: N small images (ensureManyFiles), a Parametric Map of
// each (what Lumen's own results export writes) and an SR per series of 100, then the same
// folders again with nothing changed, then again with 3 new images beside them.

/** Bump when the generated results change, so that the cached folder is rebuilt. */
const RESULTS_VERSION = 1;
const SLICES_PER_SERIES = 100; // as ensureManyFiles
const SIZE = 64;
const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const BASIC_TEXT_SR = '1.2.840.10008.5.1.4.1.1.88.11';

/** The header of image `i` of ensureManyFiles(…), as a map's source. */
function sourceOf(i: number): NaturalDataset {
  const series = Math.floor(i / SLICES_PER_SERIES);
  const slice = i % SLICES_PER_SERIES;
  const studyUid = `${BENCH_STUDY}.9.${series + 1}`;
  return {
    SOPClassUID: CT_IMAGE_STORAGE,
    SOPInstanceUID: `${studyUid}.1.${slice + 1}`,
    StudyInstanceUID: studyUid,
    SeriesInstanceUID: `${studyUid}.1`,
    PatientName: `Load^Patient${series + 1}`,
    PatientID: `LOAD${String(series + 1).padStart(4, '0')}`,
    Modality: 'CT',
    Rows: SIZE,
    Columns: SIZE,
    PixelSpacing: [0.7, 0.7],
    ImagePositionPatient: [-179.2, -179.2, -slice * 2.5],
    ImageOrientationPatient: [1, 0, 0, 0, 1, 0],
  };
}

const code = (value: string, scheme: string, meaning: string) => ({ CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning });

/** A Basic Text SR with one finding on the series' first image. */
function seriesReport(source: NaturalDataset, series: number): NaturalDataset {
  return {
    SOPClassUID: BASIC_TEXT_SR,
    SOPInstanceUID: `${String(source.StudyInstanceUID)}.50.1`,
    StudyInstanceUID: source.StudyInstanceUID,
    SeriesInstanceUID: `${String(source.StudyInstanceUID)}.50`,
    PatientName: source.PatientName,
    PatientID: source.PatientID,
    Modality: 'SR',
    ContentDate: '20260101',
    ContentTime: '120000',
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [code('126000', 'DCM', 'Imaging Measurement Report')],
    ContinuityOfContent: 'SEPARATE',
    ContentSequence: [
      { RelationshipType: 'CONTAINS', ValueType: 'TEXT', ConceptNameCodeSequence: [code('121071', 'DCM', 'Finding')], TextValue: `Finding ${series + 1}` },
    ],
  };
}

/**
 * Beside ensureManyFiles(images): a Parametric Map of every image and an SR per series, in
 * os.tmpdir(), written once and reused. Returns the folder.
 */
export function ensureResultFiles(images: number): string {
  const dir = path.join(os.tmpdir(), `lumen-bench-results-${images}-v${RESULTS_VERSION}`);
  const done = `${dir}.complete`;
  if (fs.existsSync(done)) return dir;
  removeInside(os.tmpdir(), dir);
  fs.mkdirSync(dir, { recursive: true });
  const values = new Float32Array(ctSlice(SIZE, SIZE, 7, 20)).map((v) => v / 1000);
  for (let i = 0; i < images; i++) {
    const source = sourceOf(i);
    const series = Math.floor(i / SLICES_PER_SERIES);
    const map = buildParametricMap({ source, frame: 0, frames: 1, values, rows: SIZE, columns: SIZE, className: 'nodule', modelName: 'Bench', packageHash: '0'.repeat(64), seriesInstanceUid: `${String(source.StudyInstanceUID)}.60`, seriesNumber: 900, instanceNumber: (i % SLICES_PER_SERIES) + 1 });
    fs.writeFileSync(path.join(dir, `MAP${String(i + 1).padStart(5, '0')}`), writeDataset(map));
    if (i % SLICES_PER_SERIES === 0) fs.writeFileSync(path.join(dir, `SR${String(series + 1).padStart(4, '0')}`), writeDataset(seriesReport(source, series)));
  }
  fs.writeFileSync(done, '');
  return dir;
}

export interface ReimportBenchResult {
  files: { images: number; maps: number; reports: number };
  runs: number;
  /** Into a fresh library. */
  import: { seconds: number; report: Counts };
  /** The same folders again, nothing changed (median of `runs`). */
  unchanged: { seconds: number; secondsPerRun: number[]; filesPerSecond: number; report: Counts };
  /** The same folders again with 3 new images beside them. */
  threeNew: { seconds: number; report: Counts };
}

type Counts = Pick<ImportReport, 'imported' | 'results' | 'changed' | 'unchanged'>;
const counts = (r: ImportReport): Counts => ({ imported: r.imported, results: r.results, changed: r.changed, unchanged: r.unchanged });

/** Re-import figures; prints a summary unless `json`. */
export async function runReimportBench(opts: { json: boolean; images: number }): Promise<ReimportBenchResult> {
  const say = (line: string) => {
    if (!opts.json) process.stdout.write(line + '\n');
  };
  say(`\nPreparing ${opts.images} small CT files (64x64, series of 100), a parametric map of each and an SR per series…`);
  const folders = [ensureManyFiles(opts.images), ensureResultFiles(opts.images)];
  const reports = Math.ceil(opts.images / SLICES_PER_SERIES);
  const total = opts.images * 2 + reports;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-bench-reimport-'));
  const library = Library.open(path.join(dir, 'library'));
  try {
    const timed = async (paths: string[]) => {
      const t = performance.now();
      const report = await library.importPaths(paths);
      return { seconds: (performance.now() - t) / 1000, report };
    };
    const first = await timed(folders);
    if (first.report.imported !== total) {
      throw new Error(`the benchmark files did not import cleanly (${first.report.imported} of ${total}; ${first.report.errors[0]?.reason ?? ''}). Delete ${folders.join(' and ')} and run again.`);
    }
    const runs = 3;
    const again: { seconds: number; report: ImportReport }[] = [];
    for (let r = 0; r < runs; r++) again.push(await timed(folders));
    // Three new images (a new patient's series) in a folder of their own beside the others.
    const extra = path.join(dir, 'new');
    fs.mkdirSync(extra);
    const pixels = ctSlice(SIZE, SIZE, 8, 20);
    for (let i = 1; i <= 3; i++) writeCtImage(path.join(extra, `CT${i}`), { size: SIZE, pixels, uid: `${BENCH_STUDY}.8`, patient: { name: 'New^Patient', id: 'NEW0001' }, instance: i });
    const three = await timed([...folders, extra]);
    const seconds = again.map((a) => a.seconds);
    const result: ReimportBenchResult = {
      files: { images: opts.images, maps: opts.images, reports },
      runs,
      import: { seconds: round(first.seconds, 2), report: counts(first.report) },
      unchanged: { seconds: round(median(seconds), 3), secondsPerRun: seconds.map((s) => round(s, 3)), filesPerSecond: round(total / median(seconds)), report: counts(again[0].report) },
      threeNew: { seconds: round(three.seconds, 3), report: counts(three.report) },
    };
    const line = (c: Counts) => `${c.imported} imported (${c.results} results), ${c.changed} changed, ${c.unchanged} unchanged`;
    say(`Import of ${total} files into a fresh library: ${result.import.seconds} s`);
    say(`Again, nothing changed: ${result.unchanged.seconds} s (${result.unchanged.filesPerSecond} files/s, median of ${runs}): ${line(result.unchanged.report)}`);
    say(`Again, 3 new images beside them: ${result.threeNew.seconds} s: ${line(result.threeNew.report)}`);
    return result;
  } finally {
    library.close();
    removeInside(os.tmpdir(), dir);
  }
}
