// Colour with more than 8 bits in YBR_FULL (and uncompressed YBR_FULL_422):
// PS3.3 C.7.6.3.1.2 centres Cb and Cr on half full scale whatever the depth,
// so the same inverse of its equations applies with 2^(Bits Stored - 1) for
// 128. Files are RGB phantoms converted by those equations, written
// uncompressed and RLE-compressed by dcmcrle; dcmtk's dcm2pnm (which converts
// YBR to RGB itself) is the second opinion.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame } from '../../electron/dicom/decode';
import { DicomFileError, parseDicomFile, TS } from '../../electron/dicom/parse';
import { encodeJpeg } from '../support/dicom/jpeg-encoder';
import { writeImage } from './dicom-writer';
import { gradientImage, lumenValues, maxDiff, run, writeEncapsulated } from './reference-decoder';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-ybr16-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Colour {
  rows: number;
  columns: number;
  bitsStored: number;
  /** The source, interleaved R G B. */
  rgb: number[];
  /** The same through PS3.3's equations (scaled to the depth), rounded: interleaved Y Cb Cr. */
  ybr: number[];
}

/** Every corner of the RGB cube and greys, then pseudo-random colours over the whole range. */
function colours(bitsStored: number, rows = 9, columns = 11): Colour {
  const max = 2 ** bitsStored - 1;
  const half = 2 ** (bitsStored - 1);
  const rgb: number[] = [];
  const ybr: number[] = [];
  const fixed = [[0, 0, 0], [max, max, max], [max, 0, 0], [0, max, 0], [0, 0, max], [max, max, 0], [0, max, max], [max, 0, max], [half, half, half]];
  const clamp = (v: number) => Math.max(0, Math.min(max, Math.round(v)));
  for (let i = 0; i < rows * columns; i++) {
    const [r, g, b] = fixed[i] ?? [(i * 7919) % (max + 1), (i * 104729 + 12345) % (max + 1), (i * 1299709 + 999) % (max + 1)];
    rgb.push(r, g, b);
    ybr.push(clamp(0.299 * r + 0.587 * g + 0.114 * b), clamp(-0.168736 * r - 0.331264 * g + 0.5 * b + half), clamp(0.5 * r - 0.418688 * g - 0.081312 * b + half));
  }
  return { rows, columns, bitsStored, rgb, ybr };
}

/** Samples into 16-bit words, interleaved or (planar) plane after plane, shifted up so that High Bit is `highBit`, with `padding` set above it. */
function words(c: Colour, opts: { planar?: boolean; highBit?: number; padding?: number; layout422?: boolean } = {}): Uint8Array {
  const shift = (opts.highBit ?? c.bitsStored - 1) + 1 - c.bitsStored;
  const n = c.rows * c.columns;
  let samples: number[];
  if (opts.layout422) {
    // Y1 Y2 Cb Cr per pixel pair, the pair's chroma from its first pixel (the phantom below shares it).
    samples = [];
    for (let p = 0; p < n; p += 2) samples.push(c.ybr[3 * p], c.ybr[3 * p + 3], c.ybr[3 * p + 1], c.ybr[3 * p + 2]);
  } else if (opts.planar) samples = [0, 1, 2].flatMap((s) => Array.from({ length: n }, (_, p) => c.ybr[3 * p + s]));
  else samples = c.ybr;
  return new Uint8Array(Uint16Array.from(samples, (v) => ((v << shift) | (opts.padding ?? 0)) & 0xffff).buffer);
}

/** dcmtk's RGB for a file: dcm2pnm writes an ASCII PPM at the file's own depth. */
function dcmtkRgb(file: string, bitsStored: number): number[] {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.ppm`);
  execFileSync('dcm2pnm', ['+opn', String(bitsStored), file, out], { stdio: ['ignore', 'ignore', 'pipe'] });
  const fields = readFileSync(out, 'latin1').split(/\s+/).filter(Boolean);
  expect(fields.slice(0, 4)).toEqual(['P3', expect.any(String), expect.any(String), String(2 ** bitsStored - 1)]);
  return fields.slice(4).map(Number);
}

/**
 * dcmtk (diybrpxt.h) converts with its constants rounded to four places
 * (0.3441, 0.7141, and 0.8859 for 1.772 / 2, which alone moves blue by 6.5 at
 * 16 bits), centres on (2^bits - 1) / 2 and truncates; Lumen computes the exact
 * inverse and rounds. Measured on 4000 colours: 7 apart at 16 bits, 2 at 12, 10
 * and 8 bits.
 */
const dcmtkBound = (bits: number) => Math.ceil(1.2e-4 * 2 ** bits) + 2;

describe('YBR_FULL with 16 bits allocated: converted to RGB', () => {
  it.each([16, 12, 10])('%i bits stored: uncompressed and RLE (dcmcrle), as dcmtk converts them', async (bits) => {
    const c = colours(bits);
    const src = join(dir, `ybr-${bits}.dcm`);
    writeImage(src, { rows: c.rows, columns: c.columns, bitsAllocated: 16, bitsStored: bits, samplesPerPixel: 3, photometric: 'YBR_FULL', pixelBytes: words(c) });
    const rle = join(dir, `ybr-${bits}-rle.dcm`);
    run('dcmcrle', [src, rle]);
    for (const file of [src, rle]) {
      const ours = await lumenValues(file);
      expect(ours.photometric).toBe('RGB');
      // Y, Cb and Cr each rounded (half a step) move R, G and B by less than 1.5 (blue: 0.5 + 1.772 / 2): rounded, by at most 1.
      expect(maxDiff(ours.values, c.rgb)).toBeLessThanOrEqual(1);
      expect(maxDiff(ours.values, dcmtkRgb(file, bits))).toBeLessThanOrEqual(dcmtkBound(bits));
    }
  });

  it('12 bits stored at high bit 15 with the padding bits set, planar configuration 1: the same colours', async () => {
    const c = colours(12);
    const file = join(dir, 'ybr-12-high.dcm');
    writeImage(file, {
      rows: c.rows,
      columns: c.columns,
      bitsAllocated: 16,
      bitsStored: 12,
      samplesPerPixel: 3,
      photometric: 'YBR_FULL',
      planarConfiguration: 1,
      pixelBytes: words(c, { planar: true, highBit: 15, padding: 0x000f }),
      extra: { 0x00280102: { vr: 'US', value: 15 } },
    });
    const ours = await lumenValues(file);
    expect(ours.photometric).toBe('RGB');
    expect(maxDiff(ours.values, c.rgb)).toBeLessThanOrEqual(1);
    expect(maxDiff(ours.values, dcmtkRgb(file, 12))).toBeLessThanOrEqual(dcmtkBound(12));
  });

  it('uncompressed YBR_FULL_422 at 16 bits: chroma shared by pixel pairs, expanded and converted', async () => {
    // Pair-constant colour, so that sharing the chroma loses nothing: each odd pixel repeats the even one's.
    const base = colours(16, 6, 10);
    const rgb: number[] = [];
    const ybr: number[] = [];
    for (let p = 0; p < base.rows * base.columns; p++) {
      const q = p - (p % 2);
      rgb.push(...base.rgb.slice(3 * q, 3 * q + 3));
      ybr.push(...base.ybr.slice(3 * q, 3 * q + 3));
    }
    const c = { ...base, rgb, ybr };
    const file = join(dir, 'ybr422-16.dcm');
    writeImage(file, { rows: c.rows, columns: c.columns, bitsAllocated: 16, samplesPerPixel: 3, photometric: 'YBR_FULL_422', pixelBytes: words(c, { layout422: true }) });
    const ours = await lumenValues(file);
    expect(ours.photometric).toBe('RGB');
    expect(ours.values.length).toBe(c.rows * c.columns * 3);
    expect(maxDiff(ours.values, c.rgb)).toBeLessThanOrEqual(1);
    expect(maxDiff(ours.values, dcmtkRgb(file, 16))).toBeLessThanOrEqual(dcmtkBound(16));
  });

  it('signed samples (Pixel Representation 1): refused with the reason, not shown in false colours', async () => {
    const c = colours(16);
    const file = join(dir, 'ybr-signed.dcm');
    writeImage(file, { rows: c.rows, columns: c.columns, bitsAllocated: 16, samplesPerPixel: 3, photometric: 'YBR_FULL', pixelRepresentation: 1, pixelBytes: words(c) });
    const err = await decodeFrame(await parseDicomFile(file), 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DicomFileError);
    expect((err as Error).message).toMatch(/YBR_FULL with signed samples \(Pixel Representation 1\)/);
  });
});

describe('colour spaces Lumen does not convert', () => {
  // HSV (retired), and YBR_PARTIAL_420 outside MPEG-2, are not for stored pixels. YBR_PARTIAL_422: ybr-partial.test.ts.
  it.each(['YBR_PARTIAL_420', 'HSV'])('uncompressed %s: refused with its name, not shown as if it were RGB', async (photometric) => {
    const file = join(dir, `${photometric}.dcm`);
    writeImage(file, { rows: 4, columns: 6, bitsAllocated: 8, samplesPerPixel: 3, photometric, pixelBytes: new Uint8Array(4 * 6 * 3).fill(128) });
    const err = await decodeFrame(await parseDicomFile(file), 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DicomFileError);
    expect((err as Error).message).toContain(`Photometric Interpretation ${photometric}`);
  });
});

describe('JPEG labelled YBR_PARTIAL_422', () => {
  it('decodes to RGB as the same stream labelled YBR_FULL_422 does (the JPEG decoder converts it)', async () => {
    const img = gradientImage(8, { rows: 16, columns: 24, samples: 3 });
    const stream = encodeJpeg({ columns: img.columns, rows: img.rows, components: 3, precision: 8, values: img.values, mode: 'dct', colour: 'ycc422' }, dir);
    const full = await lumenValues(writeEncapsulated(join(dir, 'jpeg-full.dcm'), img, TS.jpegBaseline, [[stream]], { photometric: 'YBR_FULL_422' }));
    const partial = await lumenValues(writeEncapsulated(join(dir, 'jpeg-partial.dcm'), img, TS.jpegBaseline, [[stream]], { photometric: 'YBR_PARTIAL_422' }));
    expect(partial.photometric).toBe('RGB');
    expect(partial.values).toEqual(full.values);
  });
});
