import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeInside } from '../common/node/safe-fs';
import { parseDicomBuffer } from '../electron/dicom/parse';
import { ctSlice } from '../test/support/dicom/phantom';
import { ctImageSpec } from '../test/support/dicom/ct-image';
import { dicomBytes, imageElements, type ElementValue } from '../test/support/dicom/write';
import { parseHeader } from '../electron/library/header';
import { Library } from '../electron/library/library';
import { median, roundTo as round } from './suite';

// `lumen bench import`: how fast files go into the library, and how fast their
// headers parse, on a generated CT-like series (cached in the temp folder so
// that repeated runs measure the same files).

/** Bump when the generated files change, so that the cached series is rebuilt. */
const GENERATOR_VERSION = 2;
export const BENCH_STUDY = '1.2.826.0.1.3680043.10.1.777';

/** One axial CT slice of `size`² (test/support/dicom/ct-image.ts) with the header fields every generated bench slice shares; `extra` adds the rest. */
function ctSliceElements(size: number, hu: Int16Array, extra: Record<number, ElementValue>) {
  return imageElements(
    ctImageSpec(size, hu, {
      0x00200011: { vr: 'IS', value: 1 },
      0x00200037: { vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
      0x00280030: { vr: 'DS', value: [0.7, 0.7] },
      ...extra,
    }),
  );
}

/**
 * A `slices`-slice 512x512 16-bit CT-like series in os.tmpdir(), written once
 * and reused (delete the folder to rebuild it). Returns the folder.
 */
export function ensureCtSeries(slices = 100, size = 512): string {
  const dir = path.join(os.tmpdir(), `lumen-bench-ct-${slices}x${size}-v${GENERATOR_VERSION}`);
  const done = `${dir}.complete`; // beside the folder, so that importing the folder meets only DICOM files
  if (fs.existsSync(done)) return dir;
  removeInside(os.tmpdir(), dir);
  fs.mkdirSync(dir, { recursive: true });
  const seriesUid = `${BENCH_STUDY}.${slices}.${size}`;
  for (let i = 0; i < slices; i++) {
    // The same phantom as `lumen bench dicom` (test/support/dicom/phantom.ts), as one axial series with a full CT header.
    const hu = ctSlice(size, size, 1000 + i, 20);
    const z = -i * 2.5;
    const elements = ctSliceElements(size, hu, {
      0x00080018: { vr: 'UI', value: `${seriesUid}.${i + 1}` },
      0x00080030: { vr: 'TM', value: '120000' },
      0x00081030: { vr: 'LO', value: 'BENCH CHEST' },
      0x0008103e: { vr: 'LO', value: `AXIAL ${slices}x${size}` },
      0x00100010: { vr: 'PN', value: 'Bench^Phantom' },
      0x00100020: { vr: 'LO', value: 'BENCH001' },
      0x00180050: { vr: 'DS', value: '2.5' },
      0x0020000d: { vr: 'UI', value: BENCH_STUDY },
      0x0020000e: { vr: 'UI', value: seriesUid },
      0x00200013: { vr: 'IS', value: i + 1 },
      0x00200032: { vr: 'DS', value: [-179.2, -179.2, z] },
      0x00201041: { vr: 'DS', value: z },
    });
    fs.writeFileSync(path.join(dir, `CT${String(i + 1).padStart(4, '0')}`), dicomBytes(elements));
  }
  fs.writeFileSync(done, '');
  return dir;
}

/** Bump when the many-file set changes, so that the cached folder is rebuilt. */
const MANY_FILES_VERSION = 1;
const SLICES_PER_SERIES = 100;

/**
 * `files` small CT slices (64x64, 16-bit, ~8 kB each) in os.tmpdir(), as
 * series of 100 slices, one study and patient per series: what a folder of
 * many exams looks like to the import, which reads headers only, without
 * gigabytes of pixels. Written once and reused. Returns the folder.
 */
export function ensureManyFiles(files: number): string {
  const dir = path.join(os.tmpdir(), `lumen-bench-many-${files}-v${MANY_FILES_VERSION}`);
  const done = `${dir}.complete`;
  if (fs.existsSync(done)) return dir;
  removeInside(os.tmpdir(), dir);
  fs.mkdirSync(dir, { recursive: true });
  const size = 64;
  const hu = ctSlice(size, size, 7, 20); // the pixels do not matter to the import: one slice for all
  for (let i = 0; i < files; i++) {
    const series = Math.floor(i / SLICES_PER_SERIES);
    const slice = i % SLICES_PER_SERIES;
    const studyUid = `${BENCH_STUDY}.9.${series + 1}`;
    const seriesUid = `${studyUid}.1`;
    const z = -slice * 2.5;
    const folder = path.join(dir, `exam${String(series + 1).padStart(4, '0')}`);
    if (slice === 0) fs.mkdirSync(folder);
    const elements = ctSliceElements(size, hu, {
      0x00080018: { vr: 'UI', value: `${seriesUid}.${slice + 1}` },
      0x0008103e: { vr: 'LO', value: 'AXIAL' },
      0x00100010: { vr: 'PN', value: `Load^Patient${series + 1}` },
      0x00100020: { vr: 'LO', value: `LOAD${String(series + 1).padStart(4, '0')}` },
      0x0020000d: { vr: 'UI', value: studyUid },
      0x0020000e: { vr: 'UI', value: seriesUid },
      0x00200013: { vr: 'IS', value: slice + 1 },
      0x00200032: { vr: 'DS', value: [-179.2, -179.2, z] },
    });
    fs.writeFileSync(path.join(folder, `CT${String(slice + 1).padStart(4, '0')}`), dicomBytes(elements));
  }
  fs.writeFileSync(done, '');
  return dir;
}

export interface ImportBenchResult {
  series: { folder: string; files: number; rows: number; columns: number; bitsAllocated: number; megabytes: number };
  runs: number;
  /** New files into a fresh library: walk, read, parse up to the pixel data, write SQLite. */
  import: { filesPerSecond: number; secondsPerRun: number[] };
  /** The same files again: nothing changed, so only walk + stat + one lookup per file. */
  reimportUnchanged: { filesPerSecond: number; secondsPerRun: number[] };
  /** Reading the file's header and parsing it up to (7FE0,0010), as the import does (header.ts). */
  parse: { filesPerSecond: number; secondsPerRun: number[] };
  /** Reading and parsing whole files (as the viewer does before decoding). */
  parseWholeFile: { filesPerSecond: number; secondsPerRun: number[] };
  machine: { cpus: number; cpuModel: string; node: string };
}

/** Import and header-parsing throughput; prints a human summary unless `json`. Median of 3 runs each. */
export async function runImportBench(opts: { json: boolean; slices?: number }): Promise<ImportBenchResult> {
  const slices = opts.slices ?? 100;
  const say = (line: string) => {
    if (!opts.json) process.stdout.write(line + '\n');
  };
  say(`Preparing a ${slices}-slice 512x512 CT-like series…`);
  const folder = ensureCtSeries(slices);
  const files = fs.readdirSync(folder).map((f) => path.join(folder, f));
  const bytes = files.reduce((n, f) => n + fs.statSync(f).size, 0);
  const runs = 3;

  const importSeconds: number[] = [];
  const reimportSeconds: number[] = [];
  for (let r = 0; r < runs; r++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-bench-library-'));
    const library = Library.open(dir);
    try {
      let t = performance.now();
      const first = await library.importPaths([folder]);
      importSeconds.push((performance.now() - t) / 1000);
      if (first.imported !== files.length) {
        throw new Error(`the benchmark series did not import cleanly (${first.imported} of ${files.length}; ${first.errors[0]?.reason ?? ''}). Delete ${folder} and run again.`);
      }
      t = performance.now();
      await library.importPaths([folder]);
      reimportSeconds.push((performance.now() - t) / 1000);
    } finally {
      library.close();
      removeInside(os.tmpdir(), dir);
    }
  }

  const sizes = files.map((f) => fs.statSync(f).size);
  const time = (parseOne: (file: string, size: number) => void) => {
    const seconds: number[] = [];
    for (let r = 0; r < runs; r++) {
      const t = performance.now();
      files.forEach((file, i) => parseOne(file, sizes[i]));
      seconds.push((performance.now() - t) / 1000);
    }
    return seconds;
  };
  const parseSeconds = time((file, size) => parseHeader(file, size));
  const wholeSeconds = time((file) => parseDicomBuffer(fs.readFileSync(file), file));

  const rate = (seconds: number[]) => ({ filesPerSecond: round(files.length / median(seconds)), secondsPerRun: seconds.map((s) => Math.round(s * 1000) / 1000) });
  const cpu = os.cpus();
  const result: ImportBenchResult = {
    series: { folder, files: files.length, rows: 512, columns: 512, bitsAllocated: 16, megabytes: round(bytes / 1e6) },
    runs,
    import: rate(importSeconds),
    reimportUnchanged: rate(reimportSeconds),
    parse: rate(parseSeconds),
    parseWholeFile: rate(wholeSeconds),
    machine: { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', node: process.version },
  };
  say(`Import into a fresh library:  ${result.import.filesPerSecond} files/s`);
  say(`Re-import, nothing changed:   ${result.reimportUnchanged.filesPerSecond} files/s`);
  say(`Header parse (to pixel data): ${result.parse.filesPerSecond} files/s`);
  say(`Whole-file parse:             ${result.parseWholeFile.filesPerSecond} files/s`);
  say(`(${files.length} files, ${result.series.megabytes} MB, median of ${runs}; ${result.machine.cpus} × ${result.machine.cpuModel}, Node ${result.machine.node})`);
  return result;
}
