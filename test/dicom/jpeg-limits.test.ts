// Streams that cost a decoder far more than their size: thousands of scans
// (each a pass over every block or pixel of the frame), and frame headers
// that declare a huge size. Each JPEG decoder refuses them with the reason
// (the file, the limit) before decoding starts; the 12-bit decoder's own
// check is in jpeg-progressive.test.ts.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame } from '../../electron/dicom/decode';
import { encapsulatedFrame } from '../../electron/dicom/decode';
import { DicomFileError, parseDicomFile, TS } from '../../electron/dicom/parse';
import { encodeJpeg, type JpegEncoding } from '../support/dicom/jpeg-encoder';
import { gradientImage, run, writeEncapsulated, writeNative, type TestImage } from './reference-decoder';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-jpeg-limits-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function stream(img: TestImage, mode: JpegEncoding['mode'], progressive = false): Buffer {
  return encodeJpeg({ mode, progressive, columns: img.columns, rows: img.rows, components: img.samples, precision: img.bitsStored, values: img.values }, dir);
}

/** The stream with its first scan written `times` more times before the rest (a DC-first scan reads nothing earlier scans left). */
function repeatFirstScan(s: Uint8Array, times: number): Uint8Array {
  const scans: number[] = [];
  s.forEach((b, i) => b === 0xff && s[i + 1] === 0xda && scans.push(i));
  const next = scans[1] ?? s.length - 2;
  const first = s.subarray(scans[0], next);
  return Uint8Array.from(Buffer.concat([s.subarray(0, next), ...Array.from({ length: times }, () => first), s.subarray(next)]));
}

/** The stream with its frame header (SOFn, or JPEG-LS's SOF55) claiming `columns` x `rows`. */
function withSofSize(s: Uint8Array, columns: number, rows: number): Uint8Array {
  const copy = Uint8Array.from(s);
  const sof = copy.findIndex((b, i) => b === 0xff && ((copy[i + 1] >= 0xc0 && copy[i + 1] <= 0xc3) || copy[i + 1] === 0xf7) && i > 1);
  copy.set([rows >> 8, rows & 0xff, columns >> 8, columns & 0xff], sof + 5);
  return copy;
}

async function outcome(name: string, img: TestImage, ts: string, data: Uint8Array): Promise<unknown> {
  const file = writeEncapsulated(join(dir, `${name}.dcm`), img, ts, [[data]]);
  return decodeFrame(await parseDicomFile(file), 0).catch((x: unknown) => x);
}

async function refusal(name: string, img: TestImage, ts: string, data: Uint8Array): Promise<string> {
  const err = await outcome(name, img, ts, data);
  expect(err).toBeInstanceOf(DicomFileError);
  const message = (err as Error).message;
  expect(message).toContain(`${name}.dcm`);
  return message;
}

describe('thousands of scans: refused before a decoder makes a pass for each', () => {
  it('8-bit progressive (libjpeg-turbo): the same limit as at 12 bits', async () => {
    const img = gradientImage(8, { rows: 64, columns: 64 });
    const s = stream(img, 'dct', true);
    // As made, it decodes: the limit is not hit by IJG's progression script.
    expect(await outcome('p8-as-made', img, TS.jpegProgressive, s)).toMatchObject({ rows: 64, columns: 64 });
    const message = await refusal('p8-many-scans', img, TS.jpegProgressive, repeatFirstScan(s, 2000));
    expect(message).toContain('more than 1000 scans');
  });

  it('8-bit baseline labelled as such, one scan repeated', async () => {
    const img = gradientImage(8, { rows: 64, columns: 64 });
    expect(await refusal('b8-many-scans', img, TS.jpegBaseline, repeatFirstScan(stream(img, 'dct'), 2000))).toContain('more than 1000 scans');
  });

  it('JPEG lossless (each scan decodes every pixel): refused too, by both lossless decoders', async () => {
    const img = gradientImage(16, { rows: 64, columns: 64 });
    const s = stream(img, { predictor: 1 });
    expect(await outcome('ll-as-made', img, TS.jpegLosslessSV1, s)).toMatchObject({ rows: 64, columns: 64 });
    expect(await refusal('ll-many-scans', img, TS.jpegLosslessSV1, repeatFirstScan(s, 2000))).toContain('more than 1000 scans');
  });
});

describe('a frame header declaring 65535 x 65535 in a 64 x 64 image: refused before anything is allocated for it', () => {
  const cases: [string, number, JpegEncoding['mode'], string, boolean][] = [
    ['8-bit baseline (libjpeg-turbo)', 8, 'dct', TS.jpegBaseline, false],
    ['8-bit progressive (libjpeg-turbo)', 8, 'dct', TS.jpegProgressive, true],
    ['12-bit extended (libjpeg-turbo 12-bit)', 12, 'dct', TS.jpegExtended, false],
    ['12-bit progressive (libjpeg-turbo 12-bit)', 12, 'dct', TS.jpegProgressive, true],
    ['16-bit lossless', 16, { predictor: 1 }, TS.jpegLosslessSV1, false],
  ];
  it.each(cases)('%s', async (what, bits, mode, ts, progressive) => {
    const img = gradientImage(bits, { rows: 64, columns: 64 });
    const name = `huge-${what.replace(/\W+/g, '-')}`;
    expect(await refusal(name, img, ts, withSofSize(stream(img, mode, progressive), 65535, 65535))).toContain('65535x65535, the header 64x64');
  });
});

/** The first frame's codestream of `img` compressed by a dcmtk or GDCM tool. */
async function compressed(name: string, img: TestImage, tool: string, args: string[]): Promise<Uint8Array> {
  const src = writeNative(join(dir, `${name}-src.dcm`), img);
  run(tool, [...args, src, join(dir, `${name}-enc.dcm`)]);
  return Uint8Array.from(encapsulatedFrame(await parseDicomFile(join(dir, `${name}-enc.dcm`)), 0));
}

describe('the other codecs: sizes and counts that cost more than the frame', () => {
  it('JPEG-LS (CharLS): thousands of scans', async () => {
    const img = gradientImage(8, { rows: 64, columns: 64, samples: 3 });
    const s = await compressed('ls-scans', img, 'dcmcjpls', []);
    expect(await outcome('ls-as-made', img, TS.jpegLsLossless, s)).toMatchObject({ rows: 64, columns: 64 });
    expect(await refusal('ls-many-scans', img, TS.jpegLsLossless, repeatFirstScan(s, 2000))).toContain('more than 1000 scans');
  });

  it('JPEG-LS (CharLS): a frame header of 65535 x 65535 in a 64 x 64 image', async () => {
    const img = gradientImage(16, { rows: 64, columns: 64 });
    const s = await compressed('ls', img, 'dcmcjpls', []);
    expect(await refusal('ls-huge', img, TS.jpegLsLossless, withSofSize(s, 65535, 65535))).toContain('65535x65535, the header 64x64');
  });

  it('JPEG 2000 (OpenJPEG): an image size of 65535 x 65535 in SIZ, and thousands of empty tiles', async () => {
    const img = gradientImage(8, { rows: 256, columns: 256 });
    const s = await compressed('j2k', img, 'gdcmconv', ['--j2k']);
    expect(await outcome('j2k-as-made', img, TS.j2kLossless, s)).toMatchObject({ rows: 256, columns: 256 });
    const siz = new DataView(s.buffer, s.byteOffset + 2);
    const huge = Uint8Array.from(s);
    new DataView(huge.buffer).setUint32(2 + 6, 65535);
    new DataView(huge.buffer).setUint32(2 + 10, 65535);
    expect(await refusal('j2k-huge', img, TS.j2kLossless, huge)).toContain('65535x65535, the header 256x256');
    // SIZ's tile size (XTsiz, YTsiz) set to 2 x 2 pixels: 16384 tiles, which cost OpenJPEG seconds and 160 MB though none has data.
    expect(siz.getUint16(0)).toBe(0xff51);
    const tiles = Uint8Array.from(s);
    new DataView(tiles.buffer).setUint32(2 + 22, 2);
    new DataView(tiles.buffer).setUint32(2 + 26, 2);
    expect(await refusal('j2k-tiles', img, TS.j2kLossless, tiles)).toContain('16384 tiles, more than Lumen decodes (4096)');
  });

  it('HTJ2K (OpenJPH): the same tile limit', async () => {
    const img = gradientImage(8, { rows: 256, columns: 256 });
    writeFileSync(join(dir, 'ht.raw'), Uint8Array.from(img.values));
    run('ojph_compress', ['-i', join(dir, 'ht.raw'), '-o', join(dir, 'ht.j2c'), '-reversible', 'true', '-dims', '{256,256}', '-num_comps', '1', '-signed', 'false', '-bit_depth', '8', '-downsamp', '{1,1}']);
    const s = Uint8Array.from(readFileSync(join(dir, 'ht.j2c')));
    expect(await outcome('ht-as-made', img, TS.htj2kLossless, s)).toMatchObject({ rows: 256, columns: 256 });
    const tiles = Uint8Array.from(s);
    new DataView(tiles.buffer).setUint32(2 + 22, 2);
    new DataView(tiles.buffer).setUint32(2 + 26, 2);
    expect(await refusal('ht-tiles', img, TS.htj2kLossless, tiles)).toContain('16384 tiles, more than Lumen decodes (4096)');
  });

  it('RLE: a header of 65535 x 65535 is refused before the output is allocated', async () => {
    const img = gradientImage(8, { rows: 64, columns: 64 });
    const s = await compressed('rle', img, 'dcmcrle', []);
    const message = await refusal('rle-huge', { ...img, rows: 65535, columns: 65535 }, TS.rle, s);
    expect(message).toContain('65535x65535x1 frame at 8 bits would need 4294836225 bytes, more than Lumen decodes (256 MiB)');
  });
});
