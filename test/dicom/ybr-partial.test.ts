// Uncompressed YBR_PARTIAL_422 (retired, still written by old ultrasound and
// video capture): Y1 Y2 Cb Cr per pixel pair in the partial range of PS3.3
// C.7.6.3.1.2 (Y 16..235, Cb and Cr 16..240), converted to RGB. The phantoms
// are RGB colour bars and pseudo-random colours taken through the standard's
// equations; dcmtk's dcm2pnm, which converts YBR_PARTIAL_422 itself, is the
// second opinion. In 16-bit words the range is scaled to Bits Stored (as BT.601
// scales it for 10-bit video). Then what the standard leaves undefined (odd
// widths, fewer than 8 bits stored, signed samples) is refused with the reason.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame } from '../../electron/dicom/decode';
import { DicomFileError, parseDicomFile } from '../../electron/dicom/parse';
import { encodePng, renderFrame } from '../../electron/dicom/pixels';
import { writeImage } from './dicom-writer';
import { lumenValues, maxDiff } from './reference-decoder';
import { toPartialWide, widePartialPhantom } from '../support/dicom/ybr-partial';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-ybr-partial-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, Math.round(v)));

/** PS3.3 C.7.6.3.1.2's equations for YBR_PARTIAL_422 at 8 bits (.2568 = .299 x 219/255 and so on, unrounded), rounded. */
function toPartial(r: number, g: number, b: number): [number, number, number] {
  const y = 0.299 * r + 0.587 * g + 0.114 * b;
  return [clamp(16 + (219 / 255) * y, 16, 235), clamp(128 + ((224 / 255) * (b - y)) / 1.772, 16, 240), clamp(128 + ((224 / 255) * (r - y)) / 1.402, 16, 240)];
}

interface Phantom {
  rows: number;
  columns: number;
  /** Interleaved R G B, the same colour for both pixels of each pair (4:2:2 keeps one chroma a pair). */
  rgb: number[];
  /** The native layout: Y1 Y2 Cb Cr per pixel pair. */
  pairs: Uint8Array;
}

/** Colour bars (white, yellow, cyan, green, magenta, red, blue, black) above pseudo-random colours; pair-constant. */
function phantom(rows: number, columns: number): Phantom {
  const bars = [[255, 255, 255], [255, 255, 0], [0, 255, 255], [0, 255, 0], [255, 0, 255], [255, 0, 0], [0, 0, 255], [0, 0, 0]];
  const rgb: number[] = [];
  const pairs: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c += 2) {
      const i = r * columns + c;
      const colour = r < rows / 2 ? bars[Math.floor((c * bars.length) / columns)] : [(i * 7919) % 256, (i * 104729 + 12345) % 256, (i * 1299709 + 999) % 256];
      rgb.push(...colour, ...colour);
      const [y, cb, cr] = toPartial(colour[0], colour[1], colour[2]);
      pairs.push(y, y, cb, cr);
    }
  }
  return { rows, columns, rgb, pairs: Uint8Array.from(pairs) };
}

function write(name: string, p: Phantom, opts: { frames?: number; photometric?: string; pixelRepresentation?: 0 | 1 } = {}): string {
  const file = join(dir, `${name}.dcm`);
  const frames = opts.frames ?? 1;
  const pixelBytes = new Uint8Array(p.pairs.length * frames);
  for (let f = 0; f < frames; f++) pixelBytes.set(p.pairs, f * p.pairs.length);
  writeImage(file, { rows: p.rows, columns: p.columns, frames, bitsAllocated: 8, samplesPerPixel: 3, photometric: opts.photometric ?? 'YBR_PARTIAL_422', pixelRepresentation: opts.pixelRepresentation, pixelBytes });
  return file;
}

/** dcmtk's RGB for a file's first frame: dcm2pnm writes an ASCII PPM of `bits` bits. */
function dcmtkRgb(file: string, bits = 8): number[] {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.ppm`);
  execFileSync('dcm2pnm', ['+opn', String(bits), file, out], { stdio: ['ignore', 'ignore', 'pipe'] });
  const fields = readFileSync(out, 'latin1').split(/\s+/).filter(Boolean);
  expect(fields.slice(0, 4)).toEqual(['P3', expect.any(String), expect.any(String), String(2 ** bits - 1)]);
  return fields.slice(4).map(Number);
}

async function refusal(file: string): Promise<string> {
  const err = await decodeFrame(await parseDicomFile(file), 0).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DicomFileError);
  return (err as Error).message;
}

describe('uncompressed YBR_PARTIAL_422: converted to RGB', () => {
  it.each([
    [16, 24],
    [9, 2],
    [1, 64],
  ])('%ix%i: the source colours, as dcmtk converts them', async (rows, columns) => {
    const p = phantom(rows, columns);
    const file = write(`partial-${rows}x${columns}`, p);
    const ours = await lumenValues(file);
    expect(ours.photometric).toBe('RGB');
    // Y rounded moves R, G and B by 0.58 (255/219 / 2), Cb rounded moves blue by 1.01 (1.772 x 255/224 / 2): at most 2 once rounded.
    expect(maxDiff(ours.values, p.rgb)).toBeLessThanOrEqual(2);
    // dcmtk (diyp2pxt.h) rounds its constants to four places (0.8713 x 255 for red's offset, 0.83 below the
    // exact 223.0) and truncates: measured 2 apart at most over these phantoms.
    expect(maxDiff(ours.values, dcmtkRgb(file))).toBeLessThanOrEqual(2);
  });

  it('black and white at the ends of the partial range, grey at Cb = Cr = 128', async () => {
    const p: Phantom = { rows: 1, columns: 6, rgb: [0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255, 128, 128, 128, 128, 128, 128], pairs: Uint8Array.from([16, 16, 128, 128, 235, 235, 128, 128, 126, 126, 128, 128]) };
    expect((await lumenValues(write('partial-ends', p))).values).toEqual(p.rgb);
  });

  it('several frames: a frame is Rows x Columns x 2 bytes, so the header count is checked against that', async () => {
    const p = phantom(8, 10);
    const two = await parseDicomFile(write('partial-2-frames', { ...p, pairs: p.pairs }, { frames: 2 }));
    expect([two.meta.numberOfFrames, two.meta.frameCountProblem]).toEqual([2, undefined]);
    const second = await decodeFrame(two, 1);
    expect(maxDiff(second.pixels, p.rgb)).toBeLessThanOrEqual(2);
    // Three frames claimed, two stored (320 bytes): two frames of 8x10 at 2 bytes a pixel, not one of 3 bytes a pixel.
    const file = join(dir, 'partial-3-claimed.dcm');
    writeImage(file, { rows: 8, columns: 10, frames: 3, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'YBR_PARTIAL_422', pixelBytes: Uint8Array.from([...p.pairs, ...p.pairs]) });
    const three = await parseDicomFile(file);
    expect(three.meta.numberOfFrames).toBe(2);
    expect(three.meta.frameCountProblem).toMatch(/says 3, but its pixel data \(320 bytes\) holds 2 frames/);
  });

  it('rendered as the viewer shows it: colour bars in their colours', async () => {
    const p = phantom(64, 128);
    const parsed = await parseDicomFile(write('partial-bars', p));
    const img = await renderFrame(parsed, 0);
    expect(img.channels).toBe(3);
    const out = join('test-results', 'ybr-partial-422-bars.png');
    mkdirSync('test-results', { recursive: true });
    writeFileSync(out, encodePng(img));
    // The red bar (sixth of eight), a quarter of the way down.
    const at = (16 * 128 + 88) * 3;
    expect(maxDiff(img.data.subarray(at, at + 3), [255, 0, 0])).toBeLessThanOrEqual(2);
  });
});

describe('uncompressed YBR_PARTIAL_422 in 16-bit words: converted with the range scaled to Bits Stored', () => {
  it.each([
    [16, false],
    [10, true],
    [12, true],
  ])('%i bits stored (padding bits set: %s): the source colours, as dcmtk converts them', async (bits, padding) => {
    const rows = 6;
    const columns = 10;
    const p = widePartialPhantom(bits, rows, columns, padding);
    const file = join(dir, `partial-wide-${bits}.dcm`);
    writeImage(file, { rows, columns, bitsAllocated: 16, bitsStored: bits, samplesPerPixel: 3, photometric: 'YBR_PARTIAL_422', pixelBytes: p.bytes });
    const ours = await lumenValues(file);
    expect(ours.photometric).toBe('RGB');
    const step = 2 ** (bits - 8);
    // As at 8 bits: Y rounded moves R, G and B by 0.58 steps of 8 bits, Cb rounded moves blue by 1.01.
    expect(maxDiff(ours.values, p.rgb)).toBeLessThanOrEqual(2 * step);
    // dcmtk (diyp2pxt.h) scales its offsets by (2^n - 1) / 255 rather than 2^(n-8), with constants to four places.
    expect(maxDiff(ours.values, dcmtkRgb(file, bits))).toBeLessThanOrEqual(2 * step);
  });

  it('10 bits stored, rendered as the viewer shows it: colour bars in their colours', async () => {
    const [rows, columns, max] = [64, 128, 1023];
    const bars = [[1, 1, 1], [1, 1, 0], [0, 1, 1], [0, 1, 0], [1, 0, 1], [1, 0, 0], [0, 0, 1], [0, 0, 0]];
    const words: number[] = [];
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < columns; c += 2) {
        const colour = r < 40 ? bars[Math.floor((c * bars.length) / columns)].map((v) => v * max) : [c, c, c].map((v) => Math.round((v * max) / columns));
        const [y, cb, cr] = toPartialWide(10, colour[0], colour[1], colour[2]);
        words.push(y, y, cb, cr);
      }
    }
    const file = join(dir, 'partial-10-bars.dcm');
    writeImage(file, { rows, columns, bitsAllocated: 16, bitsStored: 10, samplesPerPixel: 3, photometric: 'YBR_PARTIAL_422', pixelBytes: new Uint8Array(Uint16Array.from(words).buffer) });
    const img = await renderFrame(await parseDicomFile(file), 0);
    expect(img.channels).toBe(3);
    mkdirSync('test-results', { recursive: true });
    writeFileSync(join('test-results', 'ybr-partial-422-10bit-bars.png'), encodePng(img));
    const at = (x: number, y: number) => img.data.subarray((y * columns + x) * 3, (y * columns + x) * 3 + 3);
    // Red (sixth bar), blue (seventh) and white (first), a quarter of the way down: 8-bit display values.
    expect(maxDiff(at(88, 16), [255, 0, 0])).toBeLessThanOrEqual(2);
    expect(maxDiff(at(104, 16), [0, 0, 255])).toBeLessThanOrEqual(2);
    expect(maxDiff(at(8, 16), [255, 255, 255])).toBeLessThanOrEqual(2);
  });
});

describe('what the standard leaves undefined is refused with the reason', () => {
  it.each(['YBR_PARTIAL_422', 'YBR_FULL_422'])('uncompressed %s with an odd number of columns', async (photometric) => {
    // Rows x Columns x 2 bytes, the standard's length: dcmtk reads it as pairs running on into the next row.
    const file = join(dir, `${photometric}-odd.dcm`);
    writeImage(file, { rows: 4, columns: 5, bitsAllocated: 8, samplesPerPixel: 3, photometric, pixelBytes: new Uint8Array(4 * 5 * 2).fill(128) });
    expect(await refusal(file)).toContain(`uncompressed ${photometric} with an odd number of columns (5)`);
  });

  it('YBR_PARTIAL_422 with fewer than 8 bits stored: the partial range needs 8', async () => {
    const file = join(dir, 'partial-6-in-16.dcm');
    writeImage(file, { rows: 2, columns: 4, bitsAllocated: 16, bitsStored: 6, samplesPerPixel: 3, photometric: 'YBR_PARTIAL_422', pixelBytes: new Uint8Array(2 * 4 * 2 * 2) });
    expect(await refusal(file)).toContain('uncompressed YBR_PARTIAL_422 with 6 bits stored');
  });

  it.each(['YBR_PARTIAL_422', 'YBR_FULL_422'])('uncompressed %s in 32-bit words: refused, not passed on unconverted', async (photometric) => {
    const file = join(dir, `${photometric}-32.dcm`);
    const words = { 0x00280100: { vr: 'US', value: 32 }, 0x00280101: { vr: 'US', value: 32 }, 0x00280102: { vr: 'US', value: 31 } } as const;
    writeImage(file, { rows: 2, columns: 4, bitsAllocated: 16, samplesPerPixel: 3, photometric, pixelBytes: new Uint8Array(2 * 4 * 2 * 4), extra: words });
    expect(await refusal(file)).toContain(`uncompressed ${photometric} at 32 bits allocated`);
  });

  it.each([
    ['RLE Lossless', ['dcmcrle']],
    ['JPEG-LS Lossless', ['dcmcjpls']],
    ['JPEG Lossless, Non-Hierarchical, First-Order Prediction', ['dcmcjpeg', '+e1']],
  ])('%s labelled YBR_PARTIAL_422: refused naming the case, not guessed', async (syntax, encoder) => {
    // No encoder writes it (dcmcrle refuses YBR_PARTIAL_422, gdcmconv --rle aborts), and the readers
    // disagree: dcm2pnm reads the full-resolution samples as chroma pairs, gdcmconv --raw aborts.
    const source = join(dir, 'partial-codec-src.dcm');
    writeImage(source, { rows: 4, columns: 6, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'YBR_FULL', pixelBytes: new Uint8Array(4 * 6 * 3).fill(128) });
    const file = join(dir, `partial-${encoder[0]}.dcm`);
    execFileSync(encoder[0], [...encoder.slice(1), source, file]);
    execFileSync('dcmodify', ['-nb', '-m', '(0028,0004)=YBR_PARTIAL_422', file]);
    const message = await refusal(file);
    expect(message).toContain(`is ${syntax}`);
    expect(message).toContain('with Photometric Interpretation YBR_PARTIAL_422, which Lumen converts only uncompressed or from lossy JPEG');
  });

  it('uncompressed YBR_PARTIAL_420 (PS3.3: encapsulated MPEG-2 only): still refused by name', async () => {
    const file = join(dir, 'partial-420.dcm');
    writeImage(file, { rows: 4, columns: 6, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'YBR_PARTIAL_420', pixelBytes: new Uint8Array(4 * 6 * 3).fill(128) });
    expect(await refusal(file)).toContain('Photometric Interpretation YBR_PARTIAL_420');
  });
});

describe('signed YBR at 8 bits: refused as at 16, not shown in false colours', () => {
  // PS3.3 centres Cb and Cr on half full scale: unsigned by definition. 8-bit signed YBR_FULL used to be
  // converted as if unsigned, while 16-bit was refused.
  it.each(['YBR_FULL', 'YBR_FULL_422', 'YBR_PARTIAL_422'])('%s with Pixel Representation 1', async (photometric) => {
    const p = phantom(4, 6);
    const file =
      photometric === 'YBR_FULL'
        ? join(dir, 'full-signed.dcm')
        : write(`${photometric}-signed`, p, { photometric, pixelRepresentation: 1 });
    if (photometric === 'YBR_FULL') writeImage(file, { rows: 4, columns: 6, bitsAllocated: 8, samplesPerPixel: 3, photometric, pixelRepresentation: 1, pixelBytes: new Uint8Array(4 * 6 * 3).fill(100) });
    expect(await refusal(file)).toContain(`is ${photometric} with signed samples (Pixel Representation 1) at 8 bits`);
  });
});
