// The display conformance sweep's corpus (issue G), shared by test/dicom/display-sweep.test.ts
// (Lumen's rendering against dcm2pnm) and test/renderer/display-sweep-viewer.test.ts (the viewer
// against Lumen's rendering): files written by dcmtk's dump2dcm (Enhanced MR frames unenhanced by
// GDCM's gdcmtar for the reference) with the pixel formats real archives hold, each with how
// dcm2pnm shows it as Lumen's defaults say (the file's first window, else the values' min-max).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { parseDicomFile } from '../../electron/dicom/parse';
import { renderFrame } from '../../electron/dicom/pixels';
import { rng } from '../support/dicom/phantom';

let dir: string;
/** Call once in a test file: a temporary folder for the corpus, removed after. */
export function useSweepDir(): void {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'lumen-display-sweep-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
}

interface Image {
  rows: number;
  columns: number;
  /** Header lines (dump2dcm syntax) besides the SOP class, UIDs and size. */
  lines: string[];
  /** The pixel data as stored (little endian). */
  pixels: Buffer;
  /** VR of the pixel data. */
  vr?: 'OB' | 'OW';
  /** dcmtk's name of the SOP class (Secondary Capture by default). */
  sopClass?: string;
  /** A pixel data line of its own (dump2dcm syntax) in place of `pixels`. */
  pixelLine?: string;
}

let serial = 0;
/** A file written by dump2dcm (Explicit VR Little Endian). */
function write(name: string, img: Image): string {
  const base = join(dir, `${name.replace(/\W+/g, '-')}-${++serial}`);
  writeFileSync(`${base}.raw`, img.pixels);
  const uid = `1.2.826.0.1.3680043.10.88.7.${serial}.${Date.now()}`;
  const sopClass = img.sopClass ?? 'SecondaryCaptureImageStorage';
  writeFileSync(`${base}.dump`, [
    `(0002,0002) UI =${sopClass}`,
    `(0002,0003) UI [${uid}]`,
    '(0002,0010) UI =LittleEndianExplicit',
    `(0008,0016) UI =${sopClass}`,
    `(0008,0018) UI [${uid}]`,
    `(0028,0010) US ${img.rows}`,
    `(0028,0011) US ${img.columns}`,
    ...img.lines,
    img.pixelLine ?? `(7fe0,0010) ${img.vr ?? 'OW'} =${base}.raw`,
  ].join('\n') + '\n');
  execFileSync('dump2dcm', [`${base}.dump`, `${base}.dcm`], { stdio: 'pipe' });
  return `${base}.dcm`;
}

/** 8-bit samples as Lumen or dcmtk shows them (interleaved for colour). */
export interface Shown {
  columns: number;
  rows: number;
  channels: number;
  data: number[];
}

/** dcm2pnm's 8-bit output (PGM or PPM) with `options`. */
export function dcmtk(file: string, options: string[]): Shown {
  const out = `${file}.${Math.random().toString(36).slice(2)}.pnm`;
  execFileSync('dcm2pnm', [...options, file, out], { stdio: 'pipe' });
  const bytes = readFileSync(out);
  const m = /^P([56])\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.subarray(0, 40).toString('latin1'))!;
  expect(Number(m[4])).toBe(255);
  return { columns: Number(m[2]), rows: Number(m[3]), channels: m[1] === '6' ? 3 : 1, data: Array.from(bytes.subarray(m[0].length)) };
}

/** What `lumen render` writes, thumbnails show and the model input starts from (renderFrame). */
export async function lumen(file: string, frame = 0): Promise<Shown> {
  const img = await renderFrame(await parseDicomFile(file), frame);
  return { columns: img.columns, rows: img.rows, channels: img.channels, data: Array.from(img.data) };
}

export function maxDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

/** One file of the corpus and how to check it. */
export interface SweepFile {
  file: string;
  /** Frames to check (default: the first). */
  frames?: number[];
  /** dcm2pnm's options that show what Lumen shows by default. */
  dcm2pnm: string[];
  /** The file dcm2pnm reads for a frame, where it is not `file` (Enhanced: GDCM's classic frames). */
  reference?: (frame: number) => string;
  /** Gray levels Lumen may be from dcm2pnm, with the reason where it is not the default 1. */
  tolerance?: number;
  /** More to assert on Lumen's rendering of a frame. */
  check?: (shown: number[], frame: number) => void;
}

export interface SweepCase {
  name: string;
  make: () => SweepFile;
}

/**
 * dcm2pnm's LINEAR window truncates its output to a whole gray level where Lumen rounds to the
 * nearest (both as PS3.3 C.11.2.1.2 allows; display.test.ts allows the same step): 1 level.
 */
export const DEFAULT_TOLERANCE = 1;

const grey = (bits: { allocated: number; stored: number; high?: number; signed?: boolean }, photometric = 'MONOCHROME2'): string[] => [
  '(0028,0002) US 1',
  `(0028,0004) CS [${photometric}]`,
  `(0028,0100) US ${bits.allocated}`,
  `(0028,0101) US ${bits.stored}`,
  `(0028,0102) US ${bits.high ?? bits.stored - 1}`,
  `(0028,0103) US ${bits.signed ? 1 : 0}`,
];

/** 16-bit words of `values` (two's complement for negatives). */
function words(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16LE(v & 0xffff, i * 2));
  return b;
}

/** A ramp over lo..hi with noise, rows x columns. */
function ramp(rows: number, columns: number, lo: number, hi: number, seed = 1): number[] {
  const r = rng(seed);
  const n = rows * columns;
  return Array.from({ length: n }, (_, i) => Math.min(hi, lo + Math.floor(((i + 0.5) / n) * 0.9 * (hi - lo + 1) + r() * 0.1 * (hi - lo + 1))));
}

const colour = (photometric: string, planar: 0 | 1, bits = 8): string[] => [
  '(0028,0002) US 3',
  `(0028,0004) CS [${photometric}]`,
  `(0028,0006) US ${planar}`,
  `(0028,0100) US ${bits}`,
  `(0028,0101) US ${bits}`,
  `(0028,0102) US ${bits - 1}`,
  '(0028,0103) US 0',
];

/** Three samples per pixel of a colourful gradient with noise, interleaved. */
function colourSamples(rows: number, columns: number, max: number, seed = 3): number[] {
  const r = rng(seed);
  const out: number[] = [];
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const t = [x / Math.max(1, columns - 1), y / Math.max(1, rows - 1), ((x + y) % 17) / 16];
      for (let s = 0; s < 3; s++) out.push(Math.min(max, Math.floor((0.85 * t[s] + 0.15 * r()) * (max + 1))));
    }
  }
  return out;
}

/** Interleaved samples as planes (Planar Configuration 1). */
function planes(samples: number[]): number[] {
  const n = samples.length / 3;
  return [0, 1, 2].flatMap((s) => Array.from({ length: n }, (_, i) => samples[i * 3 + s]));
}

/** A palette descriptor and its data for one colour (1 red, 2 green, 3 blue), entries as 16-bit words. */
function palette(name: string, channel: 1 | 2 | 3, entries: number[], first: number, bits: 8 | 16): string[] {
  const data = join(dir, `${name}-${channel}.lut`);
  writeFileSync(data, words(entries));
  return [`(0028,110${channel}) US ${entries.length === 65536 ? 0 : entries.length}\\${first}\\${bits}`, `(0028,120${channel}) OW =${data}`];
}

/** Three palettes of `n` entries up to `max` (red, green, blue), from `first`, grey lines for the indices. */
function palettes(name: string, n: number, max: number, first: number, bits: 8 | 16): string[] {
  const curves = [
    Array.from({ length: n }, (_, i) => Math.round((i / (n - 1)) * max)),
    Array.from({ length: n }, (_, i) => Math.round(Math.abs(Math.sin((i / n) * Math.PI * 3)) * max)),
    Array.from({ length: n }, (_, i) => Math.round(((n - 1 - i) / (n - 1)) ** 2 * max)),
  ];
  return curves.flatMap((c, k) => palette(name, (k + 1) as 1 | 2 | 3, c, first, bits));
}

const item = (lines: string[]) => ['(fffe,e000) na (Item with undefined length)', ...lines, '(fffe,e00d) na (ItemDelimitationItem)'];
const seq = (tag: string, items: string[][]) => [`(${tag}) SQ (Sequence with undefined length)`, ...items.flat(), '(fffe,e0dd) na (SequenceDelimitationItem)'];
/** The per-frame windows of enhancedMr's frames. */
export const ENHANCED_WINDOWS = [[400, 800], [900, 1500], [600, 1200]] as const;
/** The per-frame rescales (intercept, slope) of enhancedMr's frames, where they differ (as Philips writes them). */
const ENHANCED_RESCALES = [[-100, 0.5], [0, 1], [50, 2.25]] as const;

/** A top-level window besides the functional groups' (as some converters leave one): the groups win. */
const TOP_LEVEL_WINDOW = ['(0028,1050) DS [2048]', '(0028,1051) DS [4096]'];

/**
 * An Enhanced MR of 3 frames written by dump2dcm: Rescale (slope 0.5, intercept -100) in the
 * Shared Functional Groups, each frame's window in its Per-Frame Functional Groups (as scanners
 * write them) or one window with an explanation in the shared groups.
 */
function enhancedMr(name: string, perFrameWindows: boolean, perFrameRescale = false, topLevelWindow = false): string {
  const rows = 24;
  const columns = 31;
  const rescale = ([intercept, slope]: readonly [number, number]) => seq('0028,9145', [item([`(0028,1052) DS [${intercept}]`, `(0028,1053) DS [${slope}]`, '(0028,1054) LO [US]'])]);
  const shared = seq('5200,9229', [[
    ...(perFrameRescale ? [] : rescale(ENHANCED_RESCALES[0])),
    ...seq('0028,9110', [item(['(0028,0030) DS [0.5\\0.5]', '(0018,0050) DS [2]'])]),
    ...seq('0020,9116', [item(['(0020,0037) DS [1\\0\\0\\0\\1\\0]'])]),
    ...(perFrameWindows ? [] : seq('0028,9132', [item(['(0028,1050) DS [900]', '(0028,1051) DS [1500]', '(0028,1055) LO [BRAIN]'])])),
  ]].map(item));
  const perFrame = seq('5200,9230', ENHANCED_WINDOWS.map(([c, w], k) => item([
    ...seq('0020,9113', [item([`(0020,0032) DS [0\\0\\${2 * k}]`])]),
    ...(perFrameRescale ? rescale(ENHANCED_RESCALES[k]) : []),
    ...(perFrameWindows ? seq('0028,9132', [item([`(0028,1050) DS [${c}]`, `(0028,1051) DS [${w}]`])]) : []),
  ])));
  const values = [0, 1, 2].flatMap((f) => ramp(rows, columns, 0, 4095, 11 + f).map((v) => (v + 700 * f) % 4096));
  return write(name, {
    rows,
    columns,
    lines: ['(0008,0060) CS [MR]', ...grey({ allocated: 16, stored: 12 }), '(0028,0008) IS [3]', ...(topLevelWindow ? TOP_LEVEL_WINDOW : []), ...shared, ...perFrame],
    pixels: words(values),
    sopClass: 'EnhancedMRImageStorage',
  });
}

/**
 * The reference for an Enhanced MR: GDCM's gdcmtar -U makes one classic MR file per frame, each
 * with its frame's window; it leaves the rescale out, so the rescale GDCM reads from the groups
 * (gdcminfo: the first frame's) is written into each by dcmodify, or each frame's where they differ
 * (GDCM reports one; these are the values the file was written with).
 */
function classicFrames(file: string, perFrameRescale = false): string[] {
  const out = `${file}-classic-`;
  execFileSync('gdcmtar', ['-U', '-i', file, '-o', out], { stdio: 'pipe' });
  const info = execFileSync('gdcminfo', [file], { encoding: 'utf8' });
  const [, intercept, slope] = /Rescale Intercept\/Slope: \(([-\d.]+),([-\d.]+)\)/.exec(info)!;
  expect([Number(intercept), Number(slope)]).toEqual([-100, 0.5]);
  return [0, 1, 2].map((f) => {
    const [b, m] = perFrameRescale ? ENHANCED_RESCALES[f] : [intercept, slope];
    execFileSync('dcmodify', ['-nb', '-i', `(0028,1052)=${b}`, '-i', `(0028,1053)=${m}`, `${out}${f}`], { stdio: 'pipe' });
    return `${out}${f}`;
  });
}

/** A 1-bit mask (BitsAllocated 1), bits packed low bit first across byte ends. */
function oneBit(rows: number, columns: number): Buffer {
  const bytes = Math.ceil((rows * columns) / 8);
  const bits = Buffer.alloc(bytes + (bytes % 2));
  for (let i = 0; i < rows * columns; i++) if ((Math.floor(i / columns) + (i % columns)) % 5 < 2) bits[i >> 3] |= 1 << (i & 7);
  return bits;
}

/** dcm2pnm +Ww for the LINEAR window over lo..hi of `values`, as Lumen's min-max (common/voi.ts fullRangeWindow). */
function minMaxWindow(values: number[]): string[] {
  const lo = values.reduce((a, b) => Math.min(a, b));
  const hi = values.reduce((a, b) => Math.max(a, b));
  return ['+Ww', String((lo + hi + 1) / 2), String(hi - lo + 1)];
}

const ctLines = [...grey({ allocated: 16, stored: 16, signed: true }), '(0008,0060) CS [CT]', '(0028,1052) DS [-1024]', '(0028,1053) DS [1]'];
const ctValues = () => ramp(37, 61, -2000, 3000);
const garbageHigh = () => ramp(37, 61, 0, 4095).map((v) => v | 0xf000);
const signed12 = () => ramp(37, 61, -2048, 2047);
const signed12Lines = [...grey({ allocated: 16, stored: 12, signed: true }), '(0028,1052) DS [0]', '(0028,1053) DS [1]'];
/** Read unsigned, -1 (0xFFF) would be the brightest value: the ramp starts dark. */
const startsDark = (shown: number[]) => expect(shown[0]).toBeLessThan(30);

export const GREY_CASES: SweepCase[] = [
  {
    name: 'CT, signed 16 bits, Rescale Intercept -1024, two windows: the first (+Wi 1)',
    make: () => ({ file: write('ct-window', { rows: 37, columns: 61, lines: [...ctLines, '(0028,1050) DS [40\\-600]', '(0028,1051) DS [400\\1500]'], pixels: words(ctValues()) }), dcm2pnm: ['+Wi', '1'] }),
  },
  {
    // A converter that wrote an empty first value: the file's first usable window is the second.
    name: 'CT, two windows whose first values are empty (\\40, \\400): the second (+Wi 2)',
    make: () => ({ file: write('ct-window-empty-first', { rows: 37, columns: 61, lines: [...ctLines, '(0028,1050) DS [\\40]', '(0028,1051) DS [\\400]', '(0028,1055) LO [\\SOFT TISSUE]'], pixels: words(ctValues()) }), dcm2pnm: ['+Wi', '2'] }),
  },
  { name: 'CT, signed 16 bits, Rescale Intercept -1024, no window: min-max (+Wm)', make: () => ({ file: write('ct-minmax', { rows: 37, columns: 61, lines: ctLines, pixels: words(ctValues()) }), dcm2pnm: ['+Wm'] }) },
  {
    name: 'PET-like: slope 0.37, intercept -12.5, min-max',
    make: () => ({ file: write('slope-fraction', { rows: 37, columns: 61, lines: [...grey({ allocated: 16, stored: 16 }), '(0008,0060) CS [PT]', '(0028,1052) DS [-12.5]', '(0028,1053) DS [0.37]'], pixels: words(ramp(37, 61, 0, 30000)) }), dcm2pnm: ['+Wm'] }),
  },
  {
    name: 'Bits Stored 12 in 16, every bit above High Bit set: masked, by the window',
    make: () => ({ file: write('garbage-window', { rows: 37, columns: 61, lines: [...grey({ allocated: 16, stored: 12 }), '(0028,1050) DS [2048]', '(0028,1051) DS [4096]'], pixels: words(garbageHigh()) }), dcm2pnm: ['+Wi', '1'] }),
  },
  {
    name: 'Bits Stored 12 in 16, every bit above High Bit set: masked, min-max',
    make: () => ({ file: write('garbage-minmax', { rows: 37, columns: 61, lines: grey({ allocated: 16, stored: 12 }), pixels: words(garbageHigh()) }), dcm2pnm: ['+Wm'], check: (shown) => expect(shown.reduce((a, b) => Math.min(a, b))).toBe(0) }),
  },
  {
    name: 'Bits Stored 12 at High Bit 15 (the top bits), garbage below',
    make: () => ({ file: write('high-bit-15', { rows: 37, columns: 61, lines: grey({ allocated: 16, stored: 12, high: 15 }), pixels: words(ramp(37, 61, 0, 4095).map((v) => (v << 4) | 0x9)) }), dcm2pnm: ['+Wm'] }),
  },
  {
    name: 'Pixel Representation 1, Bits Stored 12, upper bits clear: sign-extended from bit 11, min-max',
    make: () => ({ file: write('signed12-clear', { rows: 37, columns: 61, lines: signed12Lines, pixels: words(signed12().map((v) => v & 0x0fff)) }), dcm2pnm: ['+Wm'], check: startsDark }),
  },
  {
    name: 'Pixel Representation 1, Bits Stored 12, garbage in the upper bits: sign-extended, min-max',
    make: () => ({ file: write('signed12-garbage', { rows: 37, columns: 61, lines: signed12Lines, pixels: words(signed12().map((v, i) => (v & 0x0fff) | (i % 3 === 0 ? 0xa000 : 0))) }), dcm2pnm: ['+Wm'], check: startsDark }),
  },
  {
    name: 'Pixel Representation 1, Bits Stored 12, with a window around 0',
    make: () => ({ file: write('signed12-window', { rows: 37, columns: 61, lines: [...signed12Lines, '(0028,1050) DS [0]', '(0028,1051) DS [1000]'], pixels: words(signed12().map((v) => v & 0x0fff)) }), dcm2pnm: ['+Wi', '1'], check: startsDark }),
  },
  {
    name: 'MG, VOI LUT Function SIGMOID, MONOCHROME1 (+Wi 1)',
    make: () => ({ file: write('sigmoid', { rows: 37, columns: 61, lines: [...grey({ allocated: 16, stored: 12 }, 'MONOCHROME1'), '(0008,0060) CS [MG]', '(0028,1050) DS [2000]', '(0028,1051) DS [3000]', '(0028,1056) CS [SIGMOID]'], pixels: words(ramp(37, 61, 0, 4095)) }), dcm2pnm: ['+Wi', '1'] }),
  },
  {
    // dcmtk 3.6.7 reads LINEAR_EXACT as LINEAR: a fraction of a level apart at this width.
    name: 'DX, VOI LUT Function LINEAR_EXACT, fractional centre (+Wi 1)',
    make: () => ({ file: write('linear-exact', { rows: 37, columns: 61, lines: [...grey({ allocated: 16, stored: 12 }), '(0008,0060) CS [DX]', '(0028,1050) DS [2047.5]', '(0028,1051) DS [3000]', '(0028,1056) CS [LINEAR_EXACT]'], pixels: words(ramp(37, 61, 0, 4095)) }), dcm2pnm: ['+Wi', '1'] }),
  },
  {
    name: 'MONOCHROME1 without a window: min-max, inverted',
    make: () => ({ file: write('mono1-minmax', { rows: 37, columns: 61, lines: grey({ allocated: 16, stored: 12 }, 'MONOCHROME1'), pixels: words(ramp(37, 61, 100, 3000)) }), dcm2pnm: ['+Wm'], check: (shown) => expect(shown[0]).toBeGreaterThan(225) }),
  },
  ...([['one row', 1, 301], ['one column', 301, 1], ['511x383', 383, 511]] as const).map(([what, rows, columns]): SweepCase => ({
    name: `8 bits, ${what}, min-max`,
    make: () => {
      const values = ramp(rows, columns, 3, 250);
      // dcm2pnm +Wm takes 0 as the minimum of a large 8-bit image whose values start above 0 (dcmtk
      // 3.6.7 finds the range through a table over 0..max where pixels far outnumber values), so it is
      // given the min-max window of the values written instead.
      return { file: write(`odd-${rows}x${columns}`, { rows, columns, lines: grey({ allocated: 8, stored: 8 }), pixels: Buffer.from(values), vr: 'OB' }), dcm2pnm: minMaxWindow(values) };
    },
  })),
  {
    name: '16 bits, 511x383, with a window',
    make: () => ({ file: write('odd-16', { rows: 383, columns: 511, lines: [...grey({ allocated: 16, stored: 16 }), '(0028,1050) DS [30000]', '(0028,1051) DS [20000]'], pixels: words(ramp(383, 511, 0, 65535)) }), dcm2pnm: ['+Wi', '1'] }),
  },
  {
    name: '1 bit allocated (an overlay-like mask), 37x61: bits across byte ends',
    make: () => ({ file: write('one-bit', { rows: 37, columns: 61, lines: grey({ allocated: 1, stored: 1, high: 0 }), pixels: oneBit(37, 61), vr: 'OB' }), dcm2pnm: ['+Wm'], check: (shown) => expect(new Set(shown)).toEqual(new Set([0, 255])) }),
  },
];

/**
 * dcm2pnm converts 8-bit YBR_FULL with tables of the equations' terms, coefficients to 4 places,
 * each term truncated toward zero (dcmimage/diybrpxt.h): up to 2 levels from the equations of
 * PS3.3 C.7.6.3.1.2, which Lumen computes and rounds once. So: 2 levels from dcmtk, and exactly
 * the equations (ybrFullEquations).
 */
const YBR_FROM_DCMTK = 2;

/** PS3.3 C.7.6.3.1.2's YBR_FULL to RGB, rounded, clamped to 0..255. */
export function ybrFullEquations(ybr: number[]): number[] {
  const out: number[] = [];
  const c = (v: number) => Math.min(255, Math.max(0, Math.round(v)));
  for (let i = 0; i < ybr.length; i += 3) {
    const [y, cb, cr] = [ybr[i], ybr[i + 1] - 128, ybr[i + 2] - 128];
    out.push(c(y + 1.402 * cr), c(y - 0.344136 * cb - 0.714136 * cr), c(y + 1.772 * cb));
  }
  return out;
}

/** YBR_FULL_422 bytes (Y1 Y2 Cb Cr per pair of pixels) and the same as YBR_FULL, one Y Cb Cr a pixel. */
function ybr422(rows: number, columns: number): { stored: number[]; full: number[] } {
  const r = rng(9);
  const stored: number[] = [];
  const full: number[] = [];
  for (let i = 0; i < (rows * columns) / 2; i++) {
    const [y1, y2, cb, cr] = [Math.floor(r() * 256), Math.floor(r() * 256), 40 + Math.floor(r() * 176), 40 + Math.floor(r() * 176)];
    stored.push(y1, y2, cb, cr);
    full.push(y1, cb, cr, y2, cb, cr);
  }
  return { stored, full };
}

export const COLOUR_CASES: SweepCase[] = [
  ...([0, 1] as const).map((planar): SweepCase => ({
    name: `RGB, planar configuration ${planar}, 37x61: exactly`,
    make: () => {
      const s = colourSamples(37, 61, 255);
      return { file: write(`rgb-${planar}`, { rows: 37, columns: 61, lines: colour('RGB', planar), pixels: Buffer.from(planar ? planes(s) : s), vr: 'OB' }), dcm2pnm: [], tolerance: 0 };
    },
  })),
  {
    name: 'RGB, 16 bits, planar configuration 1: scaled over Bits Stored',
    make: () => ({ file: write('rgb16', { rows: 37, columns: 61, lines: colour('RGB', 1, 16), pixels: words(planes(colourSamples(37, 61, 65535))) }), dcm2pnm: [] }),
  },
  {
    name: 'RGB, 12 bits stored in 16 with a narrow range and a window in the file: scaled over Bits Stored, the window ignored',
    make: () => ({ file: write('rgb12', { rows: 37, columns: 61, lines: [...colour('RGB', 0, 16).map((l) => l.replace('(0028,0101) US 16', '(0028,0101) US 12').replace('(0028,0102) US 15', '(0028,0102) US 11')), '(0028,1050) DS [1000]', '(0028,1051) DS [500]'], pixels: words(colourSamples(37, 61, 1500)) }), dcm2pnm: [] }),
  },
  ...([0, 1] as const).map((planar): SweepCase => ({
    name: `YBR_FULL, planar configuration ${planar}: the standard's equations`,
    make: () => {
      const s = colourSamples(37, 61, 255, 5);
      return {
        file: write(`ybr-full-${planar}`, { rows: 37, columns: 61, lines: colour('YBR_FULL', planar), pixels: Buffer.from(planar ? planes(s) : s), vr: 'OB' }),
        dcm2pnm: [],
        tolerance: YBR_FROM_DCMTK,
        check: (shown) => expect(shown).toEqual(ybrFullEquations(s)),
      };
    },
  })),
  {
    name: 'YBR_FULL_422, 37x62: each pair of pixels shares its chroma',
    make: () => {
      const { stored, full } = ybr422(37, 62);
      return { file: write('ybr-full-422', { rows: 37, columns: 62, lines: colour('YBR_FULL_422', 0), pixels: Buffer.from(stored), vr: 'OB' }), dcm2pnm: [], tolerance: YBR_FROM_DCMTK, check: (shown) => expect(shown).toEqual(ybrFullEquations(full)) };
    },
  },
  {
    name: 'PALETTE COLOR: 8-bit indices, 256 entries of 16 bits',
    make: () => ({ file: write('palette-16', { rows: 37, columns: 61, lines: [...grey({ allocated: 8, stored: 8 }, 'PALETTE COLOR'), ...palettes('p16', 256, 65535, 0, 16)], pixels: Buffer.from(ramp(37, 61, 0, 255)), vr: 'OB' }), dcm2pnm: [] }),
  },
  {
    name: 'PALETTE COLOR: 8-bit entries one a word, first mapped 16 (indices below take the first entry)',
    make: () => ({ file: write('palette-8', { rows: 37, columns: 61, lines: [...grey({ allocated: 8, stored: 8 }, 'PALETTE COLOR'), ...palettes('p8', 200, 255, 16, 8)], pixels: Buffer.from(ramp(37, 61, 0, 255)), vr: 'OB' }), dcm2pnm: [] }),
  },
  {
    name: 'PALETTE COLOR: 16-bit indices, 4096 entries of 16 bits from 100 (indices above take the last)',
    make: () => ({ file: write('palette-4k', { rows: 37, columns: 61, lines: [...grey({ allocated: 16, stored: 16 }, 'PALETTE COLOR'), ...palettes('p4k', 4096, 65535, 100, 16)], pixels: words(ramp(37, 61, 0, 4300)) }), dcm2pnm: [] }),
  },
];

export const SEGMENTED_CASES: SweepCase[] = [
  {
    name: 'PALETTE COLOR, segmented (discrete, linear and indirect segments): as the same palette expanded',
    make: () => {
      const { file, reference } = segmentedPalette();
      return { file, dcm2pnm: [], reference: () => reference };
    },
  },
];

export const ENHANCED_CASES: SweepCase[] = [
  {
    name: 'Enhanced MR: each frame its own rescale and window (per-frame groups)',
    make: () => {
      const file = enhancedMr('enhanced-per-frame-rescale', true, true);
      const classic = classicFrames(file, true);
      return { file, frames: [0, 1, 2], dcm2pnm: ['+Wi', '1'], reference: (f) => classic[f] };
    },
  },
  {
    name: 'Enhanced MR: each frame its own window (per-frame groups), the rescale shared',
    make: () => {
      const file = enhancedMr('enhanced-per-frame', true);
      const classic = classicFrames(file);
      return { file, frames: [0, 1, 2], dcm2pnm: ['+Wi', '1'], reference: (f) => classic[f] };
    },
  },
  {
    // dcm2pnm 3.6.7 reads no Frame VOI LUT at all (on the Enhanced file itself, +Wi 1 takes the
    // top-level window for every frame); GDCM's gdcmtar gives each classic frame its group's window.
    name: 'Enhanced MR: each frame its own window (per-frame groups) besides a top-level one',
    make: () => {
      const file = enhancedMr('enhanced-per-frame-top-level', true, false, true);
      const classic = classicFrames(file);
      return { file, frames: [0, 1, 2], dcm2pnm: ['+Wi', '1'], reference: (f) => classic[f] };
    },
  },
  {
    name: 'Enhanced MR: one window with its explanation for every frame (shared groups)',
    make: () => {
      const file = enhancedMr('enhanced-shared', false);
      const classic = classicFrames(file);
      // GDCM's classic frames hold no window here: the shared one is given to dcm2pnm.
      return { file, frames: [0, 2], dcm2pnm: ['+Ww', '900', '1500'], reference: (f) => classic[f] };
    },
  },
];

export const SWEEP_CASES: SweepCase[] = [...GREY_CASES, ...COLOUR_CASES, ...SEGMENTED_CASES, ...ENHANCED_CASES];

/** A 12x10 image of Float Pixel Data (7FE0,0008), 32-bit floats written inline by dump2dcm (it reads no OF file). */
export function floatImage(): string {
  const values = Array.from({ length: 120 }, (_, i) => ((i % 50) * 0.37 - 3.5).toFixed(2));
  return write('float', { rows: 12, columns: 10, lines: [...grey({ allocated: 32, stored: 32 }).filter((l) => !/0028,010[123]/.test(l))], pixels: Buffer.alloc(0), pixelLine: `(7fe0,0008) OF ${values.join('\\')}` });
}

/**
 * A segmented palette (PS3.3 C.7.9.2: Segmented Red, Green and Blue Palette Color Lookup Table Data,
 * 0028,1221-1223) over 8-bit indices, and the same palette expanded as the standard says, written as
 * plain tables: `reference` is that file (dcm2pnm 3.6.7 ignores segmented data and GDCM 3.0.21's
 * gdcmconv --decompress-lut aborts on it, so the expansion is the test's, from the standard's text:
 * a discrete segment's values as they are; a linear one's Length entries from the previous end
 * (X0, Y0), exclusive, to (X0 + Length, Y1), inclusive, rounded; an indirect one the segments at
 * its byte offset again).
 */
export function segmentedPalette(): { file: string; reference: string } {
  const linear = (y0: number, n: number, y1: number) => Array.from({ length: n }, (_, i) => Math.round(y0 + ((y1 - y0) * (i + 1)) / n));
  const red = { segments: [0, 4, 0, 1000, 2000, 3000, 1, 252, 65535], table: [0, 1000, 2000, 3000, ...linear(3000, 252, 65535)] };
  const green = { segments: [0, 1, 65535, 1, 127, 0, 1, 128, 40000], table: [65535, ...linear(65535, 127, 0), ...linear(0, 128, 40000)] };
  // Indirect: opcode 2, 2 segments, byte offset 0 (low word, high word): the discrete and linear segments again.
  const blueStart = [100, 200, ...linear(200, 100, 30000)];
  const blue = { segments: [0, 2, 100, 200, 1, 100, 30000, 2, 2, 0, 0, 1, 52, 65535], table: [...blueStart, 100, 200, ...linear(200, 100, 30000), ...linear(30000, 52, 65535)] };
  for (const c of [red, green, blue]) expect(c.table).toHaveLength(256);
  const lines = (data: (c: typeof red, k: number) => string) => [
    ...grey({ allocated: 8, stored: 8 }, 'PALETTE COLOR'),
    ...[red, green, blue].flatMap((c, k) => [`(0028,110${k + 1}) US 256\\0\\16`, data(c, k)]),
  ];
  const pixels = Buffer.from(ramp(37, 61, 0, 255));
  const lut = (name: string, values: number[]) => {
    const path = join(dir, `${name}.lut`);
    writeFileSync(path, words(values));
    return path;
  };
  const file = write('palette-segmented', { rows: 37, columns: 61, lines: lines((c, k) => `(0028,122${k + 1}) OW =${lut(`seg-${k}`, c.segments)}`), pixels, vr: 'OB' });
  const reference = write('palette-expanded', { rows: 37, columns: 61, lines: lines((c, k) => `(0028,120${k + 1}) OW =${lut(`exp-${k}`, c.table)}`), pixels, vr: 'OB' });
  return { file, reference };
}
