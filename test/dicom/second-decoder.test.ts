// Every codec path checked against a second, independent decoder, at every bit
// depth it accepts: dcmtk (dcmdrle, dcmdjpeg, dcmdjpls), GDCM (gdcmconv --raw)
// and OpenJPH (ojph_expand). Files are made by the same toolkits from images
// written here; Lumen's stored values must equal the other decoder's (lossless)
// or lie within a step of them (lossy: two IDCTs round differently).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame } from '../../electron/dicom/decode';
import { DicomFileError, parseDicomFile } from '../../electron/dicom/parse';
import { dicomBytes, encapsulate, encapsulatedFile, imageElements, type ImageSpec } from './dicom-writer';
import { TS } from './fixtures';
import { readPgm } from '../support/dicom/dcm2pnm';
import { gradientImage, lumenValues as referenceLumenValues, maxDiff, type TestImage } from './reference-decoder';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-second-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A test image; 32 bits allocated is tried here too (the writer's spec stops at 16, see spec()). */
type Image = Omit<TestImage, 'bitsAllocated'> & { bitsAllocated: 8 | 16 | 32 };

/** Smooth gradients with noise over the whole range of `bitsStored`, 11 x 13 unless asked: lossy codecs keep them close, lossless ones exactly. */
function makeImage(bitsAllocated: 8 | 16 | 32, bitsStored: number, opts: { samples?: 1 | 3; frames?: number; signed?: boolean; rows?: number; columns?: number } = {}): Image {
  return { ...gradientImage(bitsStored, { rows: 11, columns: 13, ...opts, seed: 0 }), bitsAllocated };
}

function pixelBytes(img: Image): Uint8Array {
  const bps = img.bitsAllocated / 8;
  const b = Buffer.alloc(img.values.length * bps);
  img.values.forEach((v, i) => {
    if (bps === 1) b.writeUInt8(v & 0xff, i);
    else if (bps === 2) b.writeUInt16LE(v & 0xffff, i * 2);
    else b.writeUInt32LE(v >>> 0, i * 4);
  });
  return new Uint8Array(b);
}

function spec(img: Image, photometric?: string): ImageSpec {
  return {
    rows: img.rows,
    columns: img.columns,
    frames: img.frames,
    // The writer's type stops at 16: 32 is set through `extra` below.
    bitsAllocated: img.bitsAllocated === 32 ? 16 : img.bitsAllocated,
    bitsStored: img.bitsStored,
    pixelRepresentation: img.signed ? 1 : 0,
    samplesPerPixel: img.samples,
    photometric: photometric ?? (img.samples === 3 ? 'RGB' : 'MONOCHROME2'),
    pixelBytes: pixelBytes(img),
    extra: img.bitsAllocated === 32 ? { 0x00280100: { vr: 'US', value: 32 }, 0x00280101: { vr: 'US', value: img.bitsStored }, 0x00280102: { vr: 'US', value: img.bitsStored - 1 } } : undefined,
  };
}

function writeSource(name: string, img: Image, photometric?: string): string {
  const file = join(dir, `${name}.dcm`);
  const els = imageElements(spec(img, photometric));
  if (img.bitsAllocated === 32) els[0x7fe00010] = { vr: 'OW', value: pixelBytes(img) };
  writeFileSync(file, dicomBytes(els));
  return file;
}

/**
 * What a decoder made: the uncompressed file's stored values, masked to Bits
 * Stored and sign-extended, colour interleaved. `clamp`: for lossy codecs,
 * overshoots past Bits Stored (GDCM keeps 4100 in 12 bits) are clamped to the
 * range, as Lumen does, rather than wrapped.
 */
function storedValues(file: string, img: Image, clamp = false): number[] {
  const raw = join(dir, `${Math.random().toString(36).slice(2)}.raw`);
  run('gdcmraw', ['-t', '7fe0,0010', '-i', file, '-o', raw]);
  const bytes = readFileSync(raw);
  const dump = execFileSync('dcmdump', ['+P', '0028,0006', file], { encoding: 'utf8' });
  const planar = /US 1\b/.test(dump);
  const bps = img.bitsAllocated / 8;
  const perFrame = img.rows * img.columns * img.samples;
  const read = (i: number) => (bps === 1 ? bytes[i] : bps === 2 ? bytes.readUInt16LE(i * 2) : bytes.readUInt32LE(i * 4));
  const out: number[] = [];
  for (let f = 0; f < img.frames; f++) {
    for (let p = 0; p < img.rows * img.columns; p++) {
      for (let s = 0; s < img.samples; s++) {
        const at = f * perFrame + (planar ? s * img.rows * img.columns + p : p * img.samples + s);
        const raw = read(at);
        if (clamp && !img.signed) {
          const hi = 2 ** img.bitsStored - 1;
          const half = 2 ** (img.bitsAllocated - 1);
          out.push(raw <= hi ? raw : raw >= half && hi < half ? 0 : hi);
          continue;
        }
        const v = raw % 2 ** img.bitsStored;
        out.push(img.signed && v >= 2 ** (img.bitsStored - 1) ? v - 2 ** img.bitsStored : v);
      }
    }
  }
  return out;
}

/** Every frame's stored values as Lumen decodes them. */
async function lumenValues(file: string): Promise<number[]> {
  return (await referenceLumenValues(file)).values;
}

/** Encodes `img` with `encode`, decodes with `reference`, and checks Lumen against the reference (and lossless ones against the source). */
async function check(name: string, img: Image, encode: string[], reference: string[], tolerance = 0): Promise<void> {
  const src = writeSource(`${name}-src`, img);
  const compressed = join(dir, `${name}.dcm`);
  run(encode[0], [...encode.slice(1), src, compressed]);
  const back = join(dir, `${name}-ref.dcm`);
  run(reference[0], [...reference.slice(1), compressed, back]);
  const theirs = storedValues(back, img, tolerance > 0);
  const ours = await lumenValues(compressed);
  expect(maxDiff(ours, theirs), `${name}: Lumen against ${reference[0]}`).toBeLessThanOrEqual(tolerance);
  if (tolerance === 0) expect(ours).toEqual(img.values);
}

describe('RLE Lossless, against dcmtk (dcmcrle, dcmdrle)', () => {
  const layouts: [string, 8 | 16 | 32, number, 1 | 3, number, boolean][] = [
    ['8-bit grey', 8, 8, 1, 1, false],
    ['8-bit RGB', 8, 8, 3, 1, false],
    ['16-bit grey', 16, 16, 1, 1, false],
    ['16-bit signed, 12 stored', 16, 12, 1, 1, true],
    ['16-bit RGB', 16, 16, 3, 1, false],
    ['32-bit grey (an RT dose grid)', 32, 32, 1, 1, false],
    ['32-bit signed', 32, 32, 1, 1, true],
    ['32-bit RGB', 32, 32, 3, 1, false],
    ['8-bit grey, 3 frames', 8, 8, 1, 3, false],
    ['16-bit RGB, 2 frames', 16, 16, 3, 2, false],
    ['32-bit grey, 3 frames', 32, 32, 1, 3, false],
    ['32-bit RGB, 2 frames', 32, 32, 3, 2, false],
  ];
  it.each(layouts)('%s', async (label, bits, stored, samples, frames, signed) => {
    const name = `rle-${label.replace(/\W+/g, '-')}`;
    await check(name, makeImage(bits, stored, { samples, frames, signed }), ['dcmcrle'], ['dcmdrle']);
  });
});

const DEPTHS_16 = [9, 10, 11, 12, 13, 14, 15, 16];
const DEPTHS_8 = [2, 3, 4, 5, 6, 7, 8];

describe('JPEG Lossless (SV1 and process 14), against dcmtk (dcmdjpeg)', () => {
  it.each([...DEPTHS_8.map((b) => [8, b] as const), ...DEPTHS_16.map((b) => [16, b] as const)])('%i bits allocated, %i stored', async (alloc, stored) => {
    await check(`jpegsv1-${alloc}-${stored}`, makeImage(alloc, stored), ['dcmcjpeg', '+e1'], ['dcmdjpeg']);
    await check(`jpeg14-${alloc}-${stored}`, makeImage(alloc, stored), ['dcmcjpeg', '+el'], ['dcmdjpeg']);
  });
  it('16 bits signed, and 8-bit RGB', async () => {
    await check('jpegsv1-s16', makeImage(16, 16, { signed: true }), ['dcmcjpeg', '+e1'], ['dcmdjpeg']);
    await check('jpegsv1-rgb', makeImage(8, 8, { samples: 3 }), ['dcmcjpeg', '+e1'], ['dcmdjpeg']);
  });
});

describe('JPEG-LS, against dcmtk (dcmdjpls)', () => {
  it.each([...DEPTHS_8.map((b) => [8, b] as const), ...DEPTHS_16.map((b) => [16, b] as const)])('%i bits allocated, %i stored, lossless', async (alloc, stored) => {
    await check(`jpls-${alloc}-${stored}`, makeImage(alloc, stored), ['dcmcjpls'], ['dcmdjpls']);
  });
  // Near-lossless: both decoders rebuild the same values from the same residuals, each
  // within NEAR (2) of the source. dcmcjpls refuses it below 6 bits.
  it.each([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16])('near-lossless, %i bits stored', async (stored) => {
    const alloc = stored > 8 ? 16 : 8;
    const img = makeImage(alloc, stored);
    await check(`jplsnear-${alloc}-${stored}`, img, ['dcmcjpls', '+en', '+md', '2'], ['dcmdjpls'], 0.5);
    expect(maxDiff(await lumenValues(join(dir, `jplsnear-${alloc}-${stored}.dcm`)), img.values)).toBeLessThanOrEqual(2);
  });
  // dcmcjpls codes 6 and 7 bits with CharLS 1.x's default thresholds, which differ from
  // ITU T.87's below 8 bits and which it does not write down (electron/dicom/jpeg-ls.ts).
  it.each([6, 7])('%i bits: dcmcjpls "cooked" lossless, and near-lossless with the thresholds written in an LSE segment', async (stored) => {
    await check(`jpls-cooked-${stored}`, makeImage(8, stored), ['dcmcjpls', '+pc'], ['dcmdjpls']);
    // T.87 C.2.4.1.1.1 for MAXVAL < 128, NEAR 2: 6 bits (factor 4) 6, 11, 19; 7 bits (factor 2) 7, 13, 24.
    const [t1, t2, t3] = stored === 6 ? [6, 11, 19] : [7, 13, 24];
    const img = makeImage(8, stored, { rows: 24, columns: 32 });
    const name = `jplsnear-lse-${stored}`;
    await check(name, img, ['dcmcjpls', '+en', '+md', '2', '+t1', String(t1), '+t2', String(t2), '+t3', String(t3)], ['dcmdjpls'], 0.5);
    const reference = storedValues(join(dir, `${name}-ref.dcm`), img, true);
    expect(maxDiff(reference, img.values)).toBeLessThanOrEqual(2);
    // The same stream less its LSE segment is what a T.87 encoder (CharLS 2) writes for those
    // default thresholds: Lumen must decode it as the standard says, not as CharLS 1.x would.
    run('gdcmraw', ['-t', '7fe0,0010', '-i', join(dir, `${name}.dcm`), '-o', join(dir, `${name}.jls`)]);
    const cs = readFileSync(join(dir, `${name}.jls`));
    const lse = cs.indexOf(Buffer.from([0xff, 0xf8]));
    expect(lse).toBeGreaterThan(0);
    const bare = Buffer.concat([cs.subarray(0, lse), cs.subarray(lse + 2 + cs.readUInt16BE(lse + 2))]);
    const file = join(dir, `${name}-bare.dcm`);
    writeFileSync(file, encapsulatedFile(spec(img), TS.jpegLsNear, encapsulate([[new Uint8Array(bare)]], { basicOffsetTable: true }).bytes));
    expect(await lumenValues(file)).toEqual(reference);
  });
  it('8-bit RGB, interleaved by line and by sample', async () => {
    await check('jpls-rgb', makeImage(8, 8, { samples: 3 }), ['dcmcjpls'], ['dcmdjpls']);
    await check('jpls-rgb-planar', makeImage(8, 8, { samples: 3 }), ['dcmcjpls', '+in'], ['dcmdjpls']);
  });
});

describe('JPEG baseline and extended (DCT), against dcmtk (dcmdjpeg)', () => {
  // 12-bit DCT is libjpeg-turbo's 12-bit build (jpeg12.ts without it), in libjpeg's integer IDCT: the same values as dcmtk's IJG build.
  it.each([8, 12])('%i bits: the same values as dcmtk', async (stored) => {
    const alloc = stored > 8 ? 16 : 8;
    await check(`jpeg-dct-${stored}`, makeImage(alloc, stored, { rows: 24, columns: 32 }), ['dcmcjpeg', stored > 8 ? '+ee' : '+eb', '+q', '90'], ['dcmdjpeg'], 0.5);
  });
  // dcmcjpeg +ee on colour: YBR_FULL_422 4:2:2 (JFIF), YBR_FULL 4:4:4 and 4:2:0 ("4:1:1" in dcmtk's words), RGB (Adobe, no transform).
  it.each([
    [8, '+s2'],
    [8, '+s4'],
    [8, '+n1'],
    [8, '+cr'],
    [12, '+s2'],
    [12, '+s4'],
    [12, '+n1'],
    [12, '+cr'],
  ] as const)('%i-bit colour, JPEG extended with dcmcjpeg %s: converted to RGB as dcmtk does', async (stored, colour) => {
    const img = makeImage(stored > 8 ? 16 : 8, stored, { samples: 3, rows: 24, columns: 32 });
    const name = `jpeg-ext-colour-${stored}${colour}`;
    await check(name, img, ['dcmcjpeg', '+ee', colour, '+q', '90'], ['dcmdjpeg'], 0.5);
    const ours = await lumenValues(join(dir, `${name}.dcm`));
    // And close to the source: on average within 6% of the range (subsampling blurs the chroma noise; unconverted YCbCr is 20% off).
    expect(ours.reduce((n, v, i) => n + Math.abs(v - img.values[i]), 0) / ours.length).toBeLessThan(0.06 * 2 ** stored);
  });
  it('a DCT frame header declaring 16-bit samples (gdcmconv --jpeg --lossy): refused with the reason', async () => {
    const src = writeSource('jpeg-dct16-src', makeImage(16, 12, { rows: 24, columns: 32 }));
    const file = join(dir, 'jpeg-dct16.dcm');
    run('gdcmconv', ['--jpeg', '--lossy', '-q', '90', src, file]);
    const err = await decodeFrame(await parseDicomFile(file), 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DicomFileError);
    expect((err as Error).message).toMatch(/frame 1: its JPEG frame header declares 16-bit samples, which no DCT process of JPEG has/);
  });
  it('8-bit RGB through YCbCr (YBR_FULL_422): within two steps of dcmtk', async () => {
    await check('jpeg-dct-ybr', makeImage(8, 8, { samples: 3, rows: 24, columns: 32 }), ['dcmcjpeg', '+eb', '+q', '90'], ['dcmdjpeg'], 2);
  });
});

describe('JPEG 2000, against GDCM (gdcmconv --raw)', () => {
  it.each([...DEPTHS_8.map((b) => [8, b] as const), ...DEPTHS_16.map((b) => [16, b] as const)])('%i bits allocated, %i stored, reversible', async (alloc, stored) => {
    await check(`j2k-${alloc}-${stored}`, makeImage(alloc, stored), ['gdcmconv', '--j2k'], ['gdcmconv', '--raw']);
  });
  it('signed 16 and 12 bits, RGB, several frames', async () => {
    await check('j2k-s16', makeImage(16, 16, { signed: true }), ['gdcmconv', '--j2k'], ['gdcmconv', '--raw']);
    await check('j2k-s12', makeImage(16, 12, { signed: true }), ['gdcmconv', '--j2k'], ['gdcmconv', '--raw']);
    await check('j2k-rgb', makeImage(8, 8, { samples: 3, rows: 24, columns: 32 }), ['gdcmconv', '--j2k'], ['gdcmconv', '--raw']);
    await check('j2k-frames', makeImage(16, 12, { frames: 3 }), ['gdcmconv', '--j2k'], ['gdcmconv', '--raw']);
  });
  it.each([8, 12, 16])('%i bits, irreversible: within one step of GDCM', async (stored) => {
    const img = makeImage(stored > 8 ? 16 : 8, stored, { rows: 24, columns: 32 });
    await check(`j2k-lossy-${stored}`, img, ['gdcmconv', '--j2k', '--lossy', '-q', '45'], ['gdcmconv', '--raw'], 1);
  });
});

describe('HTJ2K, against OpenJPH (ojph_compress, ojph_expand)', () => {
  function pgm(path: string, img: Image, values: number[]): void {
    const max = 2 ** img.bitsStored - 1;
    const body = Buffer.alloc(values.length * (max > 255 ? 2 : 1));
    values.forEach((v, i) => (max > 255 ? body.writeUInt16BE(v, i * 2) : body.writeUInt8(v, i)));
    writeFileSync(path, Buffer.concat([Buffer.from(`P5\n${img.columns} ${img.rows}\n${max}\n`), body]));
  }
  it.each([...DEPTHS_8, ...DEPTHS_16])('%i bits, reversible and irreversible', async (stored) => {
    for (const reversible of [true, false]) {
      const img = makeImage(stored > 8 ? 16 : 8, stored, { rows: 24, columns: 32 });
      const name = `htj2k-${stored}-${reversible}`;
      pgm(join(dir, `${name}.pgm`), img, img.values);
      run('ojph_compress', ['-i', join(dir, `${name}.pgm`), '-o', join(dir, `${name}.j2c`), '-reversible', String(reversible), ...(reversible ? [] : ['-qstep', '0.002'])]);
      run('ojph_expand', ['-i', join(dir, `${name}.j2c`), '-o', join(dir, `${name}-ref.pgm`)]);
      const theirs = readPgm(readFileSync(join(dir, `${name}-ref.pgm`))).values;
      const file = join(dir, `${name}.dcm`);
      const ts = reversible ? TS.htj2kLossless : TS.htj2k;
      writeFileSync(file, encapsulatedFile(spec(img), ts, encapsulate([[readFileSync(join(dir, `${name}.j2c`))]], { basicOffsetTable: true }).bytes));
      const ours = await lumenValues(file);
      // Irreversible: OpenJPH's own decoder and the Cornerstone build may round a dequantised sample apart by one.
      expect(maxDiff(ours, theirs), name).toBeLessThanOrEqual(reversible ? 0 : 1);
      if (reversible) expect(ours).toEqual(img.values);
    }
  });
});

describe('colour JPEG follows Photometric Interpretation', () => {
  /** Near-white paper with dark strokes, the kind of page a scanner stores as RGB. */
  function paper(bits: 8 | 12 = 8): Image {
    const rows = 24;
    const columns = 32;
    const values: number[] = [];
    const scale = bits === 8 ? 1 : 16;
    for (let i = 0; i < rows * columns; i++) values.push(...((i % columns) % 9 === 0 ? [40, 40, 60] : [245, 243, 236]).map((v) => v * scale));
    return { rows, columns, frames: 1, samples: 3, bitsAllocated: bits === 8 ? 8 : 16, bitsStored: bits, signed: false, values };
  }

  /** The codestream of a one-frame file, its JFIF and Adobe segments cut out and its component ids set to 1, 2, 3. */
  function bareStream(file: string): Buffer {
    const raw = join(dir, 'bare.jpg');
    run('gdcmraw', ['-t', '7fe0,0010', '-i', file, '-o', raw]);
    const cs = readFileSync(raw);
    const parts: Buffer[] = [cs.subarray(0, 2)];
    let p = 2;
    for (;;) {
      const marker = cs[p + 1];
      const len = cs.readUInt16BE(p + 2);
      const seg = Buffer.from(cs.subarray(p, p + 2 + len));
      // dcmtk names the components 'R', 'G', 'B', which libjpeg reads as RGB even without a marker: 1, 2, 3 as most encoders write.
      if (marker === 0xc0 || marker === 0xc1) for (let c = 0; c < seg[9]; c++) seg[10 + 3 * c] = c + 1;
      if (marker === 0xda) for (let c = 0; c < seg[4]; c++) seg[5 + 2 * c] = c + 1;
      if (marker !== 0xe0 && marker !== 0xee) parts.push(seg);
      p += 2 + len;
      if (marker === 0xda) break;
    }
    parts.push(cs.subarray(p));
    return Buffer.concat(parts);
  }

  function rewrap(name: string, stream: Buffer, photometric: string, img = paper(), ts: string = TS.jpegBaseline): string {
    const file = join(dir, `${name}.dcm`);
    writeFileSync(file, encapsulatedFile(spec(img, photometric), ts, encapsulate([[stream]], { basicOffsetTable: true }).bytes));
    return file;
  }

  // Lumen's own 12-bit decoder asks the same question (jpegIsYcc) as the 8-bit path's marker rewrite.
  it('12-bit (JPEG extended) RGB and YBR_FULL_422 with neither marker: as the attribute says, the values dcmtk decodes', async () => {
    const img = paper(12);
    for (const [colour, photometric] of [['+cr', 'RGB'], ['+cy', 'YBR_FULL_422']] as const) {
      const name = `paper12${colour}`;
      run('dcmcjpeg', ['+ee', colour, '+q', '95', writeSource(`${name}-src`, img), join(dir, `${name}.dcm`)]);
      const stream = bareStream(join(dir, `${name}.dcm`));
      expect(stream.includes(Buffer.from('Adobe')) || stream.includes(Buffer.from('JFIF'))).toBe(false);
      const file = rewrap(`${name}-bare`, stream, photometric, img, TS.jpegExtended);
      run('dcmdjpeg', [file, join(dir, `${name}-dcmtk.dcm`)]);
      const ours = await lumenValues(file);
      expect(ours, photometric).toEqual(storedValues(join(dir, `${name}-dcmtk.dcm`), img));
      // Paper stays paper: the background between two strokes (x = 4) within a few steps of the source, not magenta.
      expect(maxDiff(ours.slice(12, 15), img.values.slice(12, 15)), photometric).toBeLessThanOrEqual(64);
    }
  });

  it('RGB with neither APP14 nor JFIF: no YCbCr conversion, near-white paper as dcmtk and GDCM decode it', async () => {
    const img = paper();
    const src = writeSource('paper-src', img);
    run('dcmcjpeg', ['+eb', '+cr', '+q', '95', src, join(dir, 'paper-rgb.dcm')]);
    const stream = bareStream(join(dir, 'paper-rgb.dcm'));
    expect(stream.includes(Buffer.from('Adobe'))).toBe(false);
    expect(stream.includes(Buffer.from('JFIF'))).toBe(false);
    const file = rewrap('paper-bare-rgb', stream, 'RGB');
    run('dcmdjpeg', [file, join(dir, 'paper-dcmtk.dcm')]);
    run('gdcmconv', ['--raw', file, join(dir, 'paper-gdcm.dcm')]);
    const ours = await lumenValues(file);
    expect(maxDiff(ours, storedValues(join(dir, 'paper-dcmtk.dcm'), img))).toBeLessThanOrEqual(2);
    expect(maxDiff(ours, storedValues(join(dir, 'paper-gdcm.dcm'), img))).toBeLessThanOrEqual(2);
    // Paper stays paper: the background within a few steps of (245, 243, 236), not magenta.
    expect(maxDiff(ours.slice(3, 6), [245, 243, 236])).toBeLessThanOrEqual(4);
    expect(maxDiff(ours, img.values)).toBeLessThanOrEqual(12);
  });

  it('YBR_FULL_422 with neither marker, and with an Adobe marker saying RGB: converted from YCbCr as the attribute says', async () => {
    const img = paper();
    const src = writeSource('paper-ybr-src', img);
    run('dcmcjpeg', ['+eb', '+q', '95', src, join(dir, 'paper-ybr.dcm')]);
    const stream = bareStream(join(dir, 'paper-ybr.dcm'));
    const bare = rewrap('paper-bare-ybr', stream, 'YBR_FULL_422');
    const adobeRgb = Buffer.from([0xff, 0xee, 0x00, 0x0e, ...Buffer.from('Adobe'), 0x00, 0x64, 0, 0, 0, 0, 0]);
    const lying = rewrap('paper-adobe0-ybr', Buffer.concat([stream.subarray(0, 2), adobeRgb, stream.subarray(2)]), 'YBR_FULL_422');
    run('dcmdjpeg', [bare, join(dir, 'paper-ybr-dcmtk.dcm')]);
    const reference = storedValues(join(dir, 'paper-ybr-dcmtk.dcm'), img);
    for (const file of [bare, lying]) {
      const ours = await lumenValues(file);
      expect(maxDiff(ours, reference)).toBeLessThanOrEqual(2);
      // Chroma subsampling blurs the strokes' colour; on average the page is the page.
      expect(ours.reduce((n, v, i) => n + Math.abs(v - img.values[i]), 0) / ours.length).toBeLessThan(4);
    }
  });
});

describe('JPEG 2000 fragments holding the bytes of a sequence delimiter (FFFE,E0DD)', () => {
  /** A GDCM-encoded codestream with a comment segment (COM) after SIZ carrying FE FF DD E0, which decoders skip. */
  function codestreamWithDelimiter(img: Image): Buffer {
    const src = writeSource('delim-src', img);
    run('gdcmconv', ['--j2k', src, join(dir, 'delim-j2k.dcm')]);
    run('gdcmraw', ['-t', '7fe0,0010', '-i', join(dir, 'delim-j2k.dcm'), '-o', join(dir, 'delim.j2c')]);
    const cs = readFileSync(join(dir, 'delim.j2c'));
    const afterSiz = 4 + cs.readUInt16BE(4);
    const com = Buffer.from([0xff, 0x64, 0x00, 0x0a, 0x00, 0x00, 0xfe, 0xff, 0xdd, 0xe0, 0xfe, 0xff]);
    return Buffer.concat([cs.subarray(0, afterSiz), com, cs.subarray(afterSiz)]);
  }

  it.each([
    ['one fragment', (c: Buffer) => [[c]], true],
    ['split inside the delimiter bytes, with an offset table', (c: Buffer) => [[c.subarray(0, 50), c.subarray(50)]], true],
    ['split inside the delimiter bytes, no offset table', (c: Buffer) => [[c.subarray(0, 50), c.subarray(50)]], false],
  ] as const)('%s: the same values as GDCM', async (label, split, table) => {
    const img = makeImage(16, 12);
    const cs = codestreamWithDelimiter(img);
    expect(cs.indexOf(Buffer.from([0xfe, 0xff, 0xdd, 0xe0]))).toBeLessThan(54);
    const file = join(dir, `delim-${label.replace(/\W+/g, '-')}.dcm`);
    writeFileSync(file, encapsulatedFile(spec(img), TS.j2kLossless, encapsulate(split(cs).map((f) => f.map((b) => new Uint8Array(b))), { basicOffsetTable: table }).bytes));
    run('gdcmconv', ['--raw', file, join(dir, 'delim-gdcm.dcm')]);
    expect(storedValues(join(dir, 'delim-gdcm.dcm'), img)).toEqual(img.values);
    expect(await lumenValues(file)).toEqual(img.values);
  });

  // GDCM 3.0 refuses frames spread over several fragments without an offset table: checked against the source values.
  it('three frames, no offset table, two fragments each: every frame exactly', async () => {
    const img = makeImage(16, 12);
    const cs = codestreamWithDelimiter(img);
    const file = join(dir, 'delim-frames.dcm');
    const three: Image = { ...img, frames: 3, values: [...img.values, ...img.values, ...img.values] };
    writeFileSync(file, encapsulatedFile(spec(three), TS.j2kLossless, encapsulate([0, 1, 2].map(() => [new Uint8Array(cs.subarray(0, 50)), new Uint8Array(cs.subarray(50))]), { basicOffsetTable: false }).bytes));
    expect(await lumenValues(file)).toEqual(three.values);
  });

  it('the delimiter written over the SIZ marker (pydicom-data\'s JPEG2000-embedded-sequence-delimiter.dcm): a clear reason, as GDCM refuses it too', async () => {
    const img = makeImage(16, 12);
    const src = writeSource('siz-src', img);
    run('gdcmconv', ['--j2k', src, join(dir, 'siz-j2k.dcm')]);
    run('gdcmraw', ['-t', '7fe0,0010', '-i', join(dir, 'siz-j2k.dcm'), '-o', join(dir, 'siz.j2c')]);
    const cs = Buffer.from(readFileSync(join(dir, 'siz.j2c')));
    cs.set([0xfe, 0xff, 0xdd, 0xe0], 6); // Rsiz and the top of Xsiz
    const file = join(dir, 'siz-broken.dcm');
    writeFileSync(file, encapsulatedFile(spec(img), TS.j2kLossless, encapsulate([[new Uint8Array(cs)]], { basicOffsetTable: true }).bytes));
    expect(spawnSync('gdcmconv', ['--raw', file, join(dir, 'siz-gdcm.dcm')]).status).not.toBe(0);
    const parsed = await parseDicomFile(file);
    const err = await decodeFrame(parsed, 0).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DicomFileError);
    expect((err as Error).message).toMatch(/frame 1 cannot be decoded as JPEG 2000 \(the codestream says \d+x11, the header 13x11\)/);
    expect((err as Error).message).not.toMatch(/tiles/i);
  });
});
