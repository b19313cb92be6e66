import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFrame, encapsulatedFrame } from '../../electron/dicom/decode';
import { decodeJpegLossless } from '../../electron/dicom/jpeg-lossless';
import { DicomFileError, parseDicomBuffer, parseDicomFile, transferSyntaxName } from '../../electron/dicom/parse';
import { dicomBytes, encapsulate, encapsulatedFile, imageElements } from './dicom-writer';
import { makeBrokenFiles, makeFixtures, TS } from './fixtures';
import { tempFolderForTests } from '../support/temp-folder';

const made = tempFolderForTests('dicom', makeFixtures);

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const NAMES = [
  'mono8-explicit', 'mono8-implicit', 'mono8-bigendian', 'mono8-deflated', 'mono8-rle', 'mono8-jpeg14', 'mono8-jpegsv1', 'mono8-jpegls', 'mono8-j2k',
  'ct16-explicit', 'ct16-implicit', 'ct16-bigendian', 'ct16-deflated', 'ct16-rle', 'ct16-jpeg14', 'ct16-jpegsv1', 'ct16-jpegls', 'ct16-j2k', 'ct16-htj2k',
  'ct16-raw-implicit', 'ct16-raw-explicit', 'ct16-nopreamble',
  'u12-explicit', 'u12-rle', 'u12-jpeg14', 'u12-jpegsv1', 'u12-jpegls', 'u12-j2k', 'u12-htj2k', 'u12-highbits',
  'rgb-explicit', 'rgb-implicit', 'rgb-bigendian', 'rgb-deflated', 'rgb-rle', 'rgb-jpeg14', 'rgb-jpegsv1', 'rgb-jpegls', 'rgb-jpegls-planar', 'rgb-j2k', 'rgb-htj2k', 'rgb-planar',
  'mono8-htj2k', 'rgb-ybrfull', 'rgb-ybr422', 's12-highbits', 's12-htj2k',
  'mono8-jpegbaseline', 'rgb-jpegbaseline', 'mono8-jpegprogressive', 'mono8-jpegls-near', 'u12-jpegls-near', 'u12-j2k-lossy', 'rgb-j2k-lossy', 'u12-htj2k-lossy',
  'palette-explicit', 'palette-implicit', 'palette-bigendian', 'mono1-explicit',
];

describe('decodeFrame gives the source pixels', () => {
  it.each(NAMES)('%s', async (name) => {
    const fx = made.fixtures[name];
    const parsed = await parseDicomFile(fx.file);
    expect(parsed.meta.transferSyntaxUid).toBe(fx.transferSyntax);
    const frame = await decodeFrame(parsed, 0);
    const expected = made.phantoms[fx.phantom].frames[0];
    expect(frame.pixels.length).toBe(expected.length);
    if (fx.reference) {
      // Lossy: next to the reference decoder's output (clamped to Bits Stored, as Lumen does;
      // gdcm leaves overshoots such as 4476 in 12 bits), and near the source.
      const spec = made.phantoms[fx.phantom].spec;
      const bits = spec.bitsStored ?? spec.bitsAllocated;
      const [lo, hi] = spec.pixelRepresentation ? [-(2 ** (bits - 1)), 2 ** (bits - 1) - 1] : [0, 2 ** bits - 1];
      const reference = fx.reference.map((v) => Math.min(hi, Math.max(lo, v)));
      expect(maxDiff(frame.pixels, reference)).toBeLessThanOrEqual(fx.tolerance);
      const range = Math.max(...expected) - Math.min(...expected);
      const meanError = expected.reduce((s, v, i) => s + Math.abs(v - frame.pixels[i]), 0) / expected.length;
      expect(meanError).toBeLessThan(range * 0.15);
    } else if (fx.tolerance === 0) expect(Array.from(frame.pixels)).toEqual(expected);
    else expect(maxDiff(frame.pixels, expected)).toBeLessThanOrEqual(fx.tolerance);
    if (made.phantoms[fx.phantom].spec.samplesPerPixel === 3) expect(frame.photometricInterpretation).toBe('RGB');
  });
});

describe('multi-frame, fragments and offset tables', () => {
  it.each(['multi-explicit', 'multi-implicit', 'multi-bigendian', 'multi-deflated', 'multi-rle', 'multi-jpeg14', 'multi-jpegsv1', 'multi-jpegls', 'multi-j2k',
    'multi-fragments-bot', 'multi-fragments-nobot', 'multi-jpegls-fragments', 'multi-htj2k-eot'])('%s: every frame exact', async (name) => {
    const parsed = await parseDicomFile(made.fixtures[name].file);
    expect(parsed.meta.numberOfFrames).toBe(3);
    for (let f = 0; f < 3; f++) {
      const frame = await decodeFrame(parsed, f);
      expect(Array.from(frame.pixels)).toEqual(made.phantoms.multi.frames[f]);
    }
    await expect(decodeFrame(parsed, 3)).rejects.toThrow(/has no frame 4: it holds 3 frame/);
  });

  it('the fragment made.fixtures really have several fragments per frame', async () => {
    const bot = await parseDicomFile(made.fixtures['multi-fragments-bot'].file);
    const el = bot.dataSet.elements.x7fe00010;
    expect(el.fragments!.length).toBeGreaterThan(3);
    expect(el.basicOffsetTable!.length).toBe(3);
    const nobot = await parseDicomFile(made.fixtures['multi-fragments-nobot'].file);
    expect(nobot.dataSet.elements.x7fe00010.basicOffsetTable!.length).toBe(0);
    const eot = await parseDicomFile(made.fixtures['multi-htj2k-eot'].file);
    expect(eot.dataSet.elements.x7fe00010.fragments!.length).toBe(6);
    expect(eot.dataSet.elements.x7fe00001).toBeDefined();
  });
});

describe('what each decode reports', () => {
  it('signed 16-bit CT: Int16 stored values, rescale from the header', async () => {
    const parsed = await parseDicomFile(made.fixtures['ct16-jpegls'].file);
    const frame = await decodeFrame(parsed, 0);
    expect(frame.pixels).toBeInstanceOf(Int16Array);
    expect(frame.pixelRepresentation).toBe(1);
    expect(Math.min(...frame.pixels)).toBe(-1000 + Math.min(0, Math.min(...made.phantoms.ct16.frames[0]) + 1000));
    expect(parsed.meta.rescaleIntercept).toBe(-1024);
    expect(parsed.meta.windowCenter).toEqual([40, 500]);
    expect(parsed.meta.windowWidth).toEqual([400, 2000]);
  });

  it('palette color stays as indices (the palette is a LUT, applied when rendering)', async () => {
    const frame = await decodeFrame(await parseDicomFile(made.fixtures['palette-explicit'].file), 0);
    expect(frame.photometricInterpretation).toBe('PALETTE COLOR');
    expect(frame.samplesPerPixel).toBe(1);
  });

  it('signed 16-bit HTJ2K decodes to the signed source samples, negatives included', async () => {
    const frame = await decodeFrame(await parseDicomFile(made.fixtures['ct16-htj2k'].file), 0);
    expect(frame.pixels).toBeInstanceOf(Int16Array);
    expect(Math.min(...frame.pixels)).toBeLessThan(-500);
    expect(Array.from(frame.pixels)).toEqual(made.phantoms.ct16.frames[0]);
  });

  it('12-bit progressive JPEG (dcmcjpeg +ep, once refused): the values dcmdjpeg decodes', async () => {
    const file = join(made.dir, 'u12-progressive.dcm');
    execFileSync('dcmcjpeg', ['+ep', made.fixtures['u12-explicit'].file, file]);
    const back = join(made.dir, 'u12-progressive-dcmtk.dcm');
    execFileSync('dcmdjpeg', [file, back]);
    const frame = await decodeFrame(await parseDicomFile(file), 0);
    expect(frame.pixels).toBeInstanceOf(Uint16Array);
    expect(Array.from(frame.pixels)).toEqual(Array.from((await decodeFrame(await parseDicomFile(back), 0)).pixels));
  });

  it('12-bit JPEG extended: within 1 of dcmdjpeg, near the source', async () => {
    const fx = made.fixtures['u12-jpegextended'];
    const frame = await decodeFrame(await parseDicomFile(fx.file), 0);
    expect(frame.pixels).toBeInstanceOf(Uint16Array);
    expect(maxDiff(frame.pixels, fx.reference!)).toBeLessThanOrEqual(fx.tolerance);
    const src = made.phantoms.u12.frames[0];
    // The phantom is noisy (20% of the range), so quality 90 loses about 3% of the range on average.
    expect(src.reduce((s, v, i) => s + Math.abs(v - frame.pixels[i]), 0) / src.length).toBeLessThan(4095 * 0.05);
  });
});

describe('the built-in JPEG lossless decoder', () => {
  it.each(['mono8-jpeg14', 'ct16-jpeg14', 'ct16-jpegsv1', 'u12-jpeg14', 'rgb-jpeg14', 'rgb-jpegsv1', 'multi-fragments-nobot'])('%s decodes without the fallback', async (name) => {
    const parsed = await parseDicomFile(made.fixtures[name].file);
    const out = decodeJpegLossless(encapsulatedFrame(parsed, 0));
    const src = made.phantoms[made.fixtures[name].phantom];
    const bits = src.spec.bitsAllocated;
    const values = bits === 8 ? out.bytes : new Uint16Array(out.bytes.buffer, out.bytes.byteOffset, out.bytes.length / 2);
    const expected = src.frames[0].map((v) => (bits === 16 ? v & 0xffff : v));
    expect(Array.from(values)).toEqual(expected);
  });
});

describe('broken files give a reason and never crash', () => {
  it('each broken file', async () => {
    const broken = makeBrokenFiles(made.dir, made.fixtures);
    for (const { file, reason } of broken) {
      let error: unknown;
      try {
        const parsed = await parseDicomFile(file);
        await decodeFrame(parsed, 0);
      } catch (err) {
        error = err;
      }
      expect(error, file).toBeInstanceOf(DicomFileError);
      expect((error as DicomFileError).file).toBe(file);
      expect((error as DicomFileError).message, file).toMatch(reason);
    }
  });

  it('bit flips anywhere in a compressed file: a value or a DicomFileError, nothing else', async () => {
    const { readFileSync, writeFileSync } = await import('node:fs');
    const src = readFileSync(made.fixtures['ct16-jpegls'].file);
    const file = join(made.dir, 'flip.dcm');
    for (let k = 0; k < 40; k++) {
      const b = Buffer.from(src);
      const at = Math.floor(((k * 7919) % 1000) / 1000 * b.length);
      b[at] ^= 1 << (k % 8);
      writeFileSync(file, b);
      try {
        await decodeFrame(await parseDicomFile(file), 0);
      } catch (err) {
        expect(err).toBeInstanceOf(DicomFileError);
      }
    }
  });

  it('names transfer syntaxes', () => {
    expect(transferSyntaxName('1.2.840.10008.1.2.4.80')).toBe('JPEG-LS Lossless');
    expect(transferSyntaxName('1.2.3')).toBe('unknown transfer syntax');
  });
});

it('trusts no frame count from the header: a count beyond the pixel data is capped and refused with the reason', async () => {
  // One 4x4 frame declaring 2^31 - 1 frames: anything sized by the header's count would run out of memory.
  const native = dicomBytes(imageElements({ rows: 4, columns: 4, bitsAllocated: 8, frames: 2147483647, pixelBytes: new Uint8Array(16) }));
  const parsed = parseDicomBuffer(native, 'huge.dcm');
  expect(parsed.meta.numberOfFrames).toBe(1);
  await expect(decodeFrame(parsed, 0)).rejects.toThrow(/^huge\.dcm: Number of Frames \(0028,0008\) says 2147483647, but its pixel data \(16 bytes\) holds 1 frame of 4x4x1 samples at 8 bits\. The header is corrupt/);
  // Compressed: each frame needs one fragment at least.
  const rle = encapsulatedFile({ rows: 4, columns: 4, bitsAllocated: 8, frames: 2147483647, pixelBytes: new Uint8Array(0) }, TS.rle, encapsulate([[new Uint8Array(64)], [new Uint8Array(64)]]).bytes);
  expect(parseDicomBuffer(rle, 'huge-rle.dcm').meta).toMatchObject({ numberOfFrames: 2, frameCountProblem: expect.stringMatching(/says 2147483647, but its compressed pixel data has 2 fragments/) });
  // Tiny frames fit by the million in a few megabytes: more than a million are refused all the same.
  const tiny = dicomBytes(imageElements({ rows: 1, columns: 1, bitsAllocated: 8, frames: 2_000_000, pixelBytes: new Uint8Array(2_000_000) }));
  expect(parseDicomBuffer(tiny, 'tiny.dcm').meta).toMatchObject({ numberOfFrames: 1_000_000, frameCountProblem: expect.stringMatching(/says 2000000, more than Lumen opens in one file \(1000000\)/) });
  // A count the pixel data does hold is kept.
  const three = dicomBytes(imageElements({ rows: 4, columns: 4, bitsAllocated: 16, frames: 3, pixelBytes: new Uint8Array(96) }));
  const kept = parseDicomBuffer(three, 'three.dcm').meta;
  expect([kept.numberOfFrames, kept.frameCountProblem]).toEqual([3, undefined]);
});

it("a codec library's own message never reaches the user; Lumen's own reasons do", async () => {
  // JPEG 2000 data under the JPEG Baseline syntax (both UIDs 22 characters): libjpeg-turbo rejects it
  // with "Not a JPEG file: starts with 0xff 0x4f", which is written for its programmers.
  const bytes = readFileSync(made.fixtures['mono8-j2k'].file);
  const at = bytes.indexOf('1.2.840.10008.1.2.4.90');
  bytes.write('1.2.840.10008.1.2.4.50', at, 'latin1');
  const wrong = parseDicomBuffer(bytes, 'wrong-syntax.dcm');
  await expect(decodeFrame(wrong, 0)).rejects.toThrow(/^wrong-syntax\.dcm: frame 1 cannot be decoded as JPEG Baseline \(Process 1\): the decoder rejected its compressed data\. The compressed data is corrupt or truncated\.$/);
  // An RLE frame cut short: Lumen's own decoder says where.
  const rle = readFileSync(made.fixtures['ct16-rle'].file);
  const parsed = parseDicomBuffer(rle, 'rle.dcm');
  const frame = encapsulatedFrame(parsed, 0);
  rle.writeUInt32LE(3, frame.byteOffset - rle.byteOffset - 0); // the segment count: 3 where 2 belong
  await expect(decodeFrame(parseDicomBuffer(rle, 'rle.dcm'), 0)).rejects.toThrow(/^rle\.dcm: frame 1 cannot be decoded as RLE \(RLE header lists 3 segments, 2 expected/);
});

it('a compressed frame whose header promises more than 256 MiB is refused before any codec allocates for it', async () => {
  // 16384 x 16384 at 16 bits (512 MiB) over a few bytes of RLE: a codec would allocate the whole frame first.
  const file = encapsulatedFile({ rows: 16384, columns: 16384, bitsAllocated: 16, pixelBytes: new Uint8Array(0) }, TS.rle, encapsulate([[new Uint8Array(64)]]).bytes);
  await expect(decodeFrame(parseDicomBuffer(file, 'huge-frame.dcm'), 0)).rejects.toThrow(/^huge-frame\.dcm: a 16384x16384x1 frame at 16 bits would need 536870912 bytes, more than Lumen decodes \(256 MiB\)/);
});
