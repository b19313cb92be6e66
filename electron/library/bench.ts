import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseDicomBuffer } from '../dicom/parse';
import { parseHeader } from './header';
import { Library } from './library';

// `lumen bench import`: how fast files go into the library, and how fast their
// headers parse, on a generated CT-like series (cached in the temp folder so
// that repeated runs measure the same files).

const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const GENERATOR_VERSION = 1;

type Value = { vr: string; value: string | number | Uint8Array };
const LONG_VRS = new Set(['OB', 'OW', 'SQ', 'UT', 'UN']);

function element(tag: number, { vr, value }: Value): Buffer {
  let bytes: Buffer;
  if (value instanceof Uint8Array) bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  else if (vr === 'US') {
    bytes = Buffer.alloc(2);
    bytes.writeUInt16LE(Number(value));
  } else if (vr === 'UL') {
    bytes = Buffer.alloc(4);
    bytes.writeUInt32LE(Number(value));
  } else {
    bytes = Buffer.from(String(value), 'latin1');
    if (bytes.length % 2) bytes = Buffer.concat([bytes, Buffer.from(vr === 'UI' ? '\0' : ' ')]);
  }
  const long = LONG_VRS.has(vr);
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(tag >>> 16, 0);
  head.writeUInt16LE(tag & 0xffff, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(bytes.length, 8);
  else head.writeUInt16LE(bytes.length, 6);
  return Buffer.concat([head, bytes]);
}

/** A Part 10 file, explicit VR little endian, from elements keyed by tag. */
function part10(elements: Record<number, Value>, sopInstanceUid: string): Buffer {
  const meta = Buffer.concat([
    element(0x00020001, { vr: 'OB', value: new Uint8Array([0, 1]) }),
    element(0x00020002, { vr: 'UI', value: CT_IMAGE_STORAGE }),
    element(0x00020003, { vr: 'UI', value: sopInstanceUid }),
    element(0x00020010, { vr: 'UI', value: EXPLICIT_LE }),
    element(0x00020012, { vr: 'UI', value: '1.2.826.0.1.3680043.10.1' }),
  ]);
  const preamble = Buffer.alloc(132);
  preamble.write('DICM', 128, 'latin1');
  const body = Object.keys(elements)
    .map(Number)
    .sort((a, b) => a - b)
    .map((tag) => element(tag, elements[tag]));
  return Buffer.concat([preamble, element(0x00020000, { vr: 'UL', value: meta.length }), meta, ...body]);
}

/** Deterministic noise (xorshift + Box-Muller) so every run writes the same files. */
function gaussian(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const uniform = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return ((s >>> 0) + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** One axial slice of a chest-like phantom in HU: body, fat, lungs with vessels, spine, ribs, noise (sd 12 HU). */
function chestSlice(size: number, slice: number, slices: number): Int16Array {
  const hu = new Int16Array(size * size);
  const noise = gaussian(slice * 7919 + 17);
  const t = slice / Math.max(1, slices - 1); // 0 at the top, 1 at the bottom
  const lungScale = 0.6 + 0.4 * Math.sin(Math.PI * (0.15 + 0.7 * t));
  const c = size / 2;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = (x - c) / size;
      const dy = (y - c) / size;
      let v = -1000;
      const body = (dx / 0.42) ** 2 + (dy / 0.3) ** 2;
      if (body < 1) {
        v = body > 0.85 ? -100 : 45; // subcutaneous fat, soft tissue
        for (const side of [-1, 1]) {
          const lx = (dx - side * 0.17) / (0.13 * lungScale);
          const ly = (dy + 0.02) / (0.2 * lungScale);
          if (lx * lx + ly * ly < 1) {
            v = -850;
            // Vessels: a few bright dots that move with the slice.
            const vx = Math.sin(x * 0.11 + slice * 0.3) * Math.cos(y * 0.13 - slice * 0.2);
            if (vx > 0.93) v = 40;
          }
        }
        const sx = dx / 0.045;
        const sy = (dy - 0.2) / 0.045;
        if (sx * sx + sy * sy < 1) v = 700; // vertebral body
        const ring = Math.hypot(dx / 0.39, dy / 0.28);
        if (ring > 0.9 && ring < 0.95 && Math.sin(Math.atan2(dy, dx) * 9 + slice * 0.4) > 0.3) v = 600; // ribs
      }
      hu[y * size + x] = Math.round(v + noise() * 12);
    }
  }
  return hu;
}

const BENCH_STUDY = '1.2.826.0.1.3680043.10.1.777';

/**
 * A `slices`-slice 512x512 16-bit CT-like series in os.tmpdir(), written once
 * and reused (delete the folder to rebuild it). Returns the folder.
 */
export function ensureCtSeries(slices = 100, size = 512): string {
  const dir = path.join(os.tmpdir(), `lumen-bench-ct-${slices}x${size}-v${GENERATOR_VERSION}`);
  const done = `${dir}.complete`; // beside the folder, so that importing the folder meets only DICOM files
  if (fs.existsSync(done)) return dir;
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const seriesUid = `${BENCH_STUDY}.${slices}.${size}`;
  for (let i = 0; i < slices; i++) {
    const hu = chestSlice(size, i, slices);
    const stored = new Uint16Array(hu.length);
    for (let k = 0; k < hu.length; k++) stored[k] = Math.max(0, Math.min(4095, hu[k] + 1024));
    const sopUid = `${seriesUid}.${i + 1}`;
    const z = -i * 2.5;
    const bytes = part10(
      {
        0x00080016: { vr: 'UI', value: CT_IMAGE_STORAGE },
        0x00080018: { vr: 'UI', value: sopUid },
        0x00080020: { vr: 'DA', value: '20260101' },
        0x00080030: { vr: 'TM', value: '120000' },
        0x00080060: { vr: 'CS', value: 'CT' },
        0x00081030: { vr: 'LO', value: 'BENCH CHEST' },
        0x0008103e: { vr: 'LO', value: `AXIAL ${slices}x${size}` },
        0x00100010: { vr: 'PN', value: 'Bench^Phantom' },
        0x00100020: { vr: 'LO', value: 'BENCH001' },
        0x00180050: { vr: 'DS', value: '2.5' },
        0x0020000d: { vr: 'UI', value: BENCH_STUDY },
        0x0020000e: { vr: 'UI', value: seriesUid },
        0x00200011: { vr: 'IS', value: '1' },
        0x00200013: { vr: 'IS', value: String(i + 1) },
        0x00200032: { vr: 'DS', value: `-179.2\\-179.2\\${z}` },
        0x00200037: { vr: 'DS', value: '1\\0\\0\\0\\1\\0' },
        0x00201041: { vr: 'DS', value: String(z) },
        0x00280002: { vr: 'US', value: 1 },
        0x00280004: { vr: 'CS', value: 'MONOCHROME2' },
        0x00280010: { vr: 'US', value: size },
        0x00280011: { vr: 'US', value: size },
        0x00280030: { vr: 'DS', value: '0.7\\0.7' },
        0x00280100: { vr: 'US', value: 16 },
        0x00280101: { vr: 'US', value: 12 },
        0x00280102: { vr: 'US', value: 11 },
        0x00280103: { vr: 'US', value: 0 },
        0x00281050: { vr: 'DS', value: '40' },
        0x00281051: { vr: 'DS', value: '400' },
        0x00281052: { vr: 'DS', value: '-1024' },
        0x00281053: { vr: 'DS', value: '1' },
        0x7fe00010: { vr: 'OW', value: new Uint8Array(stored.buffer) },
      },
      sopUid,
    );
    fs.writeFileSync(path.join(dir, `CT${String(i + 1).padStart(4, '0')}`), bytes);
  }
  fs.writeFileSync(done, '');
  return dir;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const round = (x: number) => Math.round(x * 10) / 10;

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
      fs.rmSync(dir, { recursive: true, force: true });
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
