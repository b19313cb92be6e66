// One file per transfer syntax Lumen reads, each made by dcmtk, GDCM or
// OpenJPH from an uncompressed source with an edge of the pixel data format:
// odd sizes (511x257), one row or one column, Bits Stored 12 at high bit 11 or
// 15 with every padding bit set, signed samples, planar configuration 1,
// several frames with fragments cut across items and no offset table. Lumen's
// stored values must be the reference decoder's (exactly, or within a bound
// for lossy codecs) and, for lossless ones, the source's.
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TS } from '../../electron/dicom/parse';
import { widePartialPhantom } from '../support/dicom/ybr-partial';
import { writeImage } from './dicom-writer';
import { gradientImage, lumenValues, maxDiff, run, storedValues, writeEncapsulated, writeNative, type TestImage } from './reference-decoder';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-sweep-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  /** The transfer syntax and the edge, as the test's name. */
  name: string;
  img: TestImage;
  source?: { highBit?: number; padding?: boolean; planar?: boolean; photometric?: string };
  /** The encoder's command before its input and output files. */
  encode: string[];
  /** The reference decoder's command before its input and output files. */
  decode: string[];
  /** Largest difference from the reference (0: lossless, and then the source's values too). */
  tolerance?: number;
  /** A Photometric Interpretation written over the encoder's (dcmodify), as some archives label their files. */
  relabel?: string;
}

const big = (bits: number, opts: Parameters<typeof gradientImage>[1] = {}) => gradientImage(bits, { rows: 257, columns: 511, ...opts });
/** A few bits stored in 16 allocated, as some ultrasound and secondary capture writers store 8-bit images. */
const inWords = (bits: number): TestImage => ({ ...gradientImage(bits, { rows: 37, columns: 61 }), bitsAllocated: 16 });

const CASES: Case[] = [
  { name: 'Implicit VR Little Endian: 511x257, signed 16 bits', img: big(16, { signed: true }), encode: ['dcmconv', '+ti'], decode: ['dcmconv', '+te'] },
  {
    name: 'Explicit VR Big Endian: 12 bits at high bit 11, padding bits set',
    img: big(12),
    source: { padding: true },
    encode: ['dcmconv', '+tb'],
    decode: ['dcmconv', '+te'],
  },
  {
    name: 'Explicit VR Big Endian: 12 bits at high bit 15, padding bits set, 2 frames',
    img: big(12, { frames: 2 }),
    source: { highBit: 15, padding: true },
    encode: ['dcmconv', '+tb'],
    decode: ['dcmconv', '+te'],
  },
  { name: 'Deflated: one row of RGB, planar configuration 1', img: gradientImage(8, { rows: 1, columns: 301, samples: 3 }), source: { planar: true }, encode: ['dcmconv', '+td'], decode: ['dcmconv', '+te'] },
  { name: 'RLE: 511x257, 12 bits at high bit 11, padding bits set', img: big(12), source: { padding: true }, encode: ['dcmcrle'], decode: ['dcmdrle'] },
  { name: 'RLE: 16-bit RGB planar configuration 1, 3 frames, odd size', img: gradientImage(16, { rows: 37, columns: 61, samples: 3, frames: 3 }), source: { planar: true }, encode: ['dcmcrle'], decode: ['dcmdrle'] },
  { name: 'RLE: one column, signed 16 bits', img: gradientImage(16, { rows: 301, columns: 1, signed: true }), encode: ['dcmcrle'], decode: ['dcmdrle'] },
  {
    name: 'JPEG baseline: 511x257 YBR 4:2:2, 3 frames in 1 KB fragments, no offset table',
    img: big(8, { samples: 3, frames: 3 }),
    encode: ['dcmcjpeg', '+eb', '+fs', '1', '-ot'],
    decode: ['dcmdjpeg'],
    tolerance: 0.5,
  },
  { name: 'JPEG baseline: one row, grey', img: gradientImage(8, { rows: 1, columns: 301 }), encode: ['dcmcjpeg', '+eb'], decode: ['dcmdjpeg'], tolerance: 0.5 },
  { name: 'JPEG extended: 12 bits, one column', img: gradientImage(12, { rows: 301, columns: 1 }), encode: ['dcmcjpeg', '+ee'], decode: ['dcmdjpeg'], tolerance: 0.5 },
  {
    name: 'JPEG extended: 12 bits at high bit 11, padding bits set, 511x257, 2 frames in 1 KB fragments',
    img: big(12, { frames: 2 }),
    source: { padding: true },
    encode: ['dcmcjpeg', '+ee', '+fs', '1'],
    decode: ['dcmdjpeg'],
    tolerance: 0.5,
  },
  { name: 'JPEG extended: 12-bit colour 4:2:0, odd size', img: gradientImage(12, { rows: 37, columns: 61, samples: 3 }), encode: ['dcmcjpeg', '+ee', '+n1'], decode: ['dcmdjpeg'], tolerance: 0.5 },
  { name: 'JPEG progressive: 511x257 grey', img: big(8), encode: ['dcmcjpeg', '+ep'], decode: ['dcmdjpeg'], tolerance: 0.5 },
  { name: 'JPEG lossless SV1: signed 16 bits, 511x257, 3 frames in 1 KB fragments, no offset table', img: big(16, { signed: true, frames: 3 }), encode: ['dcmcjpeg', '+e1', '+fs', '1', '-ot'], decode: ['dcmdjpeg'] },
  { name: 'JPEG lossless process 14: 12 bits at high bit 11, padding bits set, one row', img: gradientImage(12, { rows: 1, columns: 301 }), source: { padding: true }, encode: ['dcmcjpeg', '+el', '+sv', '7'], decode: ['dcmdjpeg'] },
  { name: 'JPEG lossless: 8-bit RGB planar configuration 1, odd size', img: gradientImage(8, { rows: 37, columns: 61, samples: 3 }), source: { planar: true }, encode: ['dcmcjpeg', '+e1'], decode: ['dcmdjpeg'] },
  { name: 'JPEG-LS lossless: signed 12 bits, 511x257', img: big(12, { signed: true }), encode: ['dcmcjpls'], decode: ['dcmdjpls'] },
  { name: 'JPEG-LS lossless: 8-bit RGB planar configuration 1, 2 frames in 1 KB fragments', img: gradientImage(8, { rows: 37, columns: 61, samples: 3, frames: 2 }), source: { planar: true }, encode: ['dcmcjpls', '+fs', '1'], decode: ['dcmdjpls'] },
  { name: 'JPEG-LS near-lossless: one row, 16 bits', img: gradientImage(16, { rows: 1, columns: 301 }), encode: ['dcmcjpls', '+en', '+md', '3'], decode: ['dcmdjpls'], tolerance: 0.5 },
  { name: 'JPEG 2000 lossless: signed 16 bits, 511x257, 2 frames', img: big(16, { signed: true, frames: 2 }), encode: ['gdcmconv', '--j2k'], decode: ['gdcmconv', '--raw'] },
  { name: 'JPEG 2000 lossless: 12 bits at high bit 11, padding bits set', img: big(12), source: { padding: true }, encode: ['gdcmconv', '--j2k'], decode: ['gdcmconv', '--raw'] },
  // GDCM 3.0.21 crashes (SIGSEGV) encoding one-row and one-column images to JPEG 2000, and refuses 16-bit RGB.
  { name: 'JPEG 2000 lossless: RGB planar configuration 1, odd size', img: gradientImage(8, { rows: 37, columns: 61, samples: 3 }), source: { planar: true }, encode: ['gdcmconv', '--j2k'], decode: ['gdcmconv', '--raw'] },
  { name: 'JPEG 2000 lossy: 12 bits, 3x301', img: gradientImage(12, { rows: 3, columns: 301 }), encode: ['gdcmconv', '--j2k', '--lossy', '-q', '45'], decode: ['gdcmconv', '--raw'], tolerance: 1 },
  // A second round: signed and padded samples through the lossy and JPEG-LS encoders, 8-bit odd-length data.
  { name: 'Explicit VR Big Endian: 8-bit RGB, odd length', img: gradientImage(8, { rows: 37, columns: 61, samples: 3 }), encode: ['dcmconv', '+tb'], decode: ['dcmconv', '+te'] },
  { name: 'Explicit VR Big Endian: signed 16-bit RGB planar configuration 1', img: gradientImage(16, { rows: 37, columns: 61, samples: 3, signed: true }), source: { planar: true }, encode: ['dcmconv', '+tb'], decode: ['dcmconv', '+te'] },
  { name: 'Deflated: 8-bit grey, odd length, 3 frames', img: gradientImage(8, { rows: 37, columns: 61, frames: 3 }), encode: ['dcmconv', '+td'], decode: ['dcmconv', '+te'] },
  { name: 'RLE: 8-bit grey 511x257 (odd segments), 2 frames', img: big(8, { frames: 2 }), encode: ['dcmcrle'], decode: ['dcmdrle'] },
  { name: 'RLE: signed 12 bits at high bit 15, padding bits set', img: big(12, { signed: true }), source: { highBit: 15, padding: true }, encode: ['dcmcrle'], decode: ['dcmdrle'] },
  // dcmcjpeg's lossy modes write signed samples' bits as unsigned (Pixel Representation 0): Lumen follows that header.
  { name: 'JPEG extended: signed 12 bits, 511x257', img: big(12, { signed: true }), encode: ['dcmcjpeg', '+ee'], decode: ['dcmdjpeg'], tolerance: 0.5 },
  { name: 'JPEG baseline: YBR_FULL 4:4:4, 3 frames, odd size', img: gradientImage(8, { rows: 37, columns: 61, samples: 3, frames: 3 }), encode: ['dcmcjpeg', '+eb', '+s4'], decode: ['dcmdjpeg'], tolerance: 0.5 },
  { name: 'JPEG lossless: point transform 3, signed 16 bits, odd size', img: gradientImage(16, { rows: 37, columns: 61, signed: true }), encode: ['dcmcjpeg', '+el', '+sv', '4', '+pt', '3'], decode: ['dcmdjpeg'], tolerance: 0.5 },
  { name: 'JPEG lossless: 16-bit RGB, odd size', img: gradientImage(16, { rows: 37, columns: 61, samples: 3 }), encode: ['dcmcjpeg', '+e1'], decode: ['dcmdjpeg'] },
  { name: 'JPEG-LS lossless: 12 bits at high bit 11, padding bits set', img: big(12), source: { padding: true }, encode: ['dcmcjpls'], decode: ['dcmdjpls'] },
  { name: 'JPEG-LS lossless: signed 16 bits, one column', img: gradientImage(16, { rows: 301, columns: 1, signed: true }), encode: ['dcmcjpls'], decode: ['dcmdjpls'] },
  { name: 'JPEG-LS near-lossless: 8-bit RGB, line-interleaved, odd size', img: gradientImage(8, { rows: 37, columns: 61, samples: 3 }), encode: ['dcmcjpls', '+en', '+md', '2', '+il'], decode: ['dcmdjpls'], tolerance: 0.5 },
  { name: 'JPEG 2000 lossless: signed 12 bits, padding bits set', img: big(12, { signed: true }), source: { padding: true }, encode: ['gdcmconv', '--j2k'], decode: ['gdcmconv', '--raw'] },
  { name: 'JPEG 2000 lossy: RGB, 2 frames, odd size', img: gradientImage(8, { rows: 37, columns: 61, samples: 3, frames: 2 }), encode: ['gdcmconv', '--j2k', '--lossy', '-q', '45'], decode: ['gdcmconv', '--raw'], tolerance: 1 },
  { name: 'JPEG baseline: 8 bits stored in 16 allocated', img: inWords(8), encode: ['dcmcjpeg', '+eb'], decode: ['dcmdjpeg'], tolerance: 0.5 },
  { name: 'JPEG lossless: 6 bits stored in 16 allocated', img: inWords(6), encode: ['dcmcjpeg', '+e1'], decode: ['dcmdjpeg'] },
  { name: 'JPEG-LS lossless: 8 bits stored in 16 allocated', img: inWords(8), encode: ['dcmcjpls'], decode: ['dcmdjpls'] },
  { name: 'RLE: 8 bits stored in 16 allocated', img: inWords(8), encode: ['dcmcrle'], decode: ['dcmdrle'] },
  { name: 'JPEG 2000 lossless: 8 bits stored in 16 allocated', img: inWords(8), encode: ['gdcmconv', '--j2k'], decode: ['gdcmconv', '--raw'] },
  // A third round: 12-bit progressive (processes 10 and 12, retired but written by dcmcjpeg +ep), spectral selection
  // (processes 6 and 8, retired, dcmcjpeg +es), and JPEG labelled
  // YBR_PARTIAL_422 (old ultrasound): the stream is JFIF YCbCr, converted as dcmdjpeg converts it.
  {
    name: 'JPEG progressive: 12 bits at high bit 11, padding bits set, 511x257, 2 frames in 1 KB fragments',
    img: big(12, { frames: 2 }),
    source: { padding: true },
    encode: ['dcmcjpeg', '+ep', '+fs', '1'],
    decode: ['dcmdjpeg'],
    tolerance: 0.5,
  },
  { name: 'JPEG progressive: 12-bit colour 4:2:2, odd size, no offset table', img: gradientImage(12, { rows: 37, columns: 61, samples: 3 }), encode: ['dcmcjpeg', '+ep', '-ot'], decode: ['dcmdjpeg'], tolerance: 0.5 },
  { name: 'JPEG progressive: signed 12 bits, one column', img: gradientImage(12, { rows: 301, columns: 1, signed: true }), encode: ['dcmcjpeg', '+ep'], decode: ['dcmdjpeg'], tolerance: 0.5 },
  { name: 'JPEG progressive: 12-bit colour labelled YBR_PARTIAL_422, 3 frames', img: gradientImage(12, { rows: 37, columns: 62, samples: 3, frames: 3 }), encode: ['dcmcjpeg', '+ep'], decode: ['dcmdjpeg'], tolerance: 0.5, relabel: 'YBR_PARTIAL_422' },
  { name: 'JPEG spectral selection: 12 bits at high bit 11, padding bits set, 2 frames in 1 KB fragments', img: big(12, { frames: 2 }), source: { padding: true }, encode: ['dcmcjpeg', '+es', '+fs', '1'], decode: ['dcmdjpeg'], tolerance: 0.5 },
  { name: 'JPEG spectral selection: 8-bit colour 4:2:2, odd size', img: gradientImage(8, { rows: 37, columns: 61, samples: 3 }), encode: ['dcmcjpeg', '+es'], decode: ['dcmdjpeg'], tolerance: 0.5 },
  { name: 'JPEG baseline: colour labelled YBR_PARTIAL_422, odd size', img: gradientImage(8, { rows: 37, columns: 61, samples: 3 }), encode: ['dcmcjpeg', '+eb'], decode: ['dcmdjpeg'], tolerance: 0.5, relabel: 'YBR_PARTIAL_422' },
  { name: 'JPEG extended: 12-bit colour labelled YBR_PARTIAL_422', img: gradientImage(12, { rows: 37, columns: 62, samples: 3 }), encode: ['dcmcjpeg', '+ee'], decode: ['dcmdjpeg'], tolerance: 0.5, relabel: 'YBR_PARTIAL_422' },
];

describe('every transfer syntax, each with an edge of the format: as the reference decoder', () => {
  it.each(CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const base = c.name.replace(/\W+/g, '-').slice(0, 80);
    const src = writeNative(join(dir, `${base}-src.dcm`), c.img, c.source);
    const encoded = join(dir, `${base}.dcm`);
    run(c.encode[0], [...c.encode.slice(1), src, encoded]);
    if (c.relabel) run('dcmodify', ['-nb', '-m', `(0028,0004)=${c.relabel}`, encoded]);
    const back = join(dir, `${base}-ref.dcm`);
    run(c.decode[0], [...c.decode.slice(1), encoded, back]);
    const theirs = storedValues(back, c.img, dir);
    const ours = await lumenValues(encoded);
    const tolerance = c.tolerance ?? 0;
    expect(maxDiff(ours.values, theirs), 'Lumen against the reference decoder').toBeLessThanOrEqual(tolerance);
    if (tolerance === 0) expect(ours.values).toEqual(c.img.values);
  });
});

describe('YBR_PARTIAL_422 in 16-bit words through the uncompressed syntaxes: as dcm2pnm converts it', () => {
  // The reference here is dcmtk's own conversion to RGB (dcm2pnm), not stored values: 4:2:2 is not RGB.
  function dcmtkRgb(file: string, bits: number): number[] {
    const out = `${file}.ppm`;
    run('dcm2pnm', ['+opn', String(bits), file, out]);
    return readFileSync(out, 'latin1').split(/\s+/).filter(Boolean).slice(4).map(Number);
  }
  it.each([
    ['Explicit VR Big Endian, 12 bits, padding bits set', ['+tb'], 12, true],
    ['Implicit VR Little Endian, 10 bits', ['+ti'], 10, false],
    ['Deflated, 16 bits', ['+td'], 16, false],
  ] as const)('%s', async (label, option, bits, padding) => {
    const rows = 6;
    const columns = 14;
    const p = widePartialPhantom(bits, rows, columns, padding);
    const base = join(dir, `partial-${label.replace(/\W+/g, '-')}`);
    writeImage(`${base}-src.dcm`, { rows, columns, bitsAllocated: 16, bitsStored: bits, samplesPerPixel: 3, photometric: 'YBR_PARTIAL_422', pixelBytes: p.bytes });
    run('dcmconv', [...option, `${base}-src.dcm`, `${base}.dcm`]);
    const ours = await lumenValues(`${base}.dcm`);
    expect(ours.photometric).toBe('RGB');
    // ybr-partial.test.ts: within 2 steps of 8 bits of the source and of dcmtk (which scales its offsets by (2^n - 1) / 255).
    const step = 2 ** (bits - 8);
    expect(maxDiff(ours.values, p.rgb)).toBeLessThanOrEqual(2 * step);
    expect(maxDiff(ours.values, dcmtkRgb(`${base}.dcm`, bits))).toBeLessThanOrEqual(2 * step);
  });
});

describe('HTJ2K (OpenJPH): 511x257, one row, one column, against ojph_expand', () => {
  function pgm(path: string, img: TestImage): void {
    const max = 2 ** img.bitsStored - 1;
    const body = Buffer.alloc(img.values.length * (max > 255 ? 2 : 1));
    img.values.forEach((v, i) => (max > 255 ? body.writeUInt16BE(v, i * 2) : body.writeUInt8(v, i)));
    writeFileSync(path, Buffer.concat([Buffer.from(`P5\n${img.columns} ${img.rows}\n${max}\n`), body]));
  }
  it.each([
    ['511x257, 12 bits, RPCL (1.2.840.10008.1.2.4.202)', big(12), TS.htj2kLosslessRpcl, ['-prog_order', 'RPCL']],
    ['one row, 16 bits', gradientImage(16, { rows: 1, columns: 301 }), TS.htj2kLossless, []],
    ['one column, 8 bits', gradientImage(8, { rows: 301, columns: 1 }), TS.htj2kLossless, []],
    ['one row, 12 bits, irreversible (1.2.840.10008.1.2.4.203)', gradientImage(12, { rows: 1, columns: 301 }), TS.htj2k, ['-qstep', '0.002']],
  ] as const)('%s', async (label, img, ts, extra) => {
    const reversible = ts !== TS.htj2k;
    const base = join(dir, `htj2k-${label.replace(/\W+/g, '-')}`);
    pgm(`${base}.pgm`, img);
    run('ojph_compress', ['-i', `${base}.pgm`, '-o', `${base}.j2c`, '-reversible', String(reversible), ...extra]);
    run('ojph_expand', ['-i', `${base}.j2c`, '-o', `${base}-ref.pgm`]);
    const ref = readFileSync(`${base}-ref.pgm`);
    const header = /^P5\s+\d+\s+\d+\s+(\d+)\s/.exec(ref.subarray(0, 40).toString('latin1'))!;
    const wide = Number(header[1]) > 255;
    const theirs = Array.from({ length: img.values.length }, (_, i) => (wide ? ref.readUInt16BE(header[0].length + 2 * i) : ref[header[0].length + i]));
    const file = writeEncapsulated(`${base}.dcm`, img, ts, [[new Uint8Array(readFileSync(`${base}.j2c`))]]);
    const ours = await lumenValues(file);
    // Irreversible: OpenJPH's own decoder and the Cornerstone build may round a dequantised sample apart by one.
    expect(maxDiff(ours.values, theirs)).toBeLessThanOrEqual(reversible ? 0 : 1);
    if (reversible) expect(ours.values).toEqual(img.values);
  });
});

describe('several frames in one fragment (PS3.5 A.4 allows none)', () => {
  // dcmdjpeg decodes the first frame only and writes Number of Frames 1; gdcmconv --raw refuses the file.
  it('JPEG lossless, 3 frames in one fragment, no offset table: refused with the count, not decoded as one', async () => {
    const img = gradientImage(12, { rows: 37, columns: 61, frames: 3 });
    const src = writeNative(join(dir, 'packed-src.dcm'), img);
    const encoded = join(dir, 'packed-dcmtk.dcm');
    run('dcmcjpeg', ['+e1', src, encoded]);
    const raw = join(dir, 'packed.raw');
    run('gdcmraw', ['-t', '7fe0,0010', '-i', encoded, '-o', raw]);
    const streams = readFileSync(raw);
    expect(streams.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    const file = writeEncapsulated(join(dir, 'packed.dcm'), img, TS.jpegLosslessSV1, [[new Uint8Array(streams)]], { offsetTable: false });
    const err = await lumenValues(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(/3 frames in 1 fragment: .* holds 3 images one after another in 1 fragment\. Several frames in one fragment are not supported/);
  });
});
