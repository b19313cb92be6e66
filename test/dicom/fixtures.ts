// Test DICOM files made at test time with real encoders (Debian's dcmtk,
// gdcmconv, and OpenJPH's ojph_compress for HTJ2K, which gdcm 3.0 lacks), from
// phantom images whose pixel values we know.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TS } from '../../electron/dicom/parse';
import { ctSlice, rng } from '../support/dicom/phantom';
import { dicomBytes, encapsulate, encapsulatedFile, imageElements, writeImage, type ElementValue, type ImageSpec } from './dicom-writer';

// The transfer syntax UIDs by name: the parser's own table, so a fixture names a syntax as the product does.
export { ctSlice, rng, TS };

function pattern(n: number, seed: number, max: number): number[] {
  const r = rng(seed);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(Math.min(max, Math.floor(((i * 7) % 97) * (max / 96) * 0.8 + r() * max * 0.2)));
  return out;
}

export interface Phantom {
  spec: ImageSpec;
  /** The pixel values as written, per frame (color interleaved RGB). */
  frames: number[][];
}

function bytesOf16(values: number[], signed: boolean): Uint8Array {
  const a = signed ? Int16Array.from(values) : Uint16Array.from(values);
  return new Uint8Array(a.buffer);
}

export function phantoms(): Record<string, Phantom> {
  const mono8 = pattern(40 * 32, 1, 255);
  const ct = Array.from(ctSlice(40, 48, 2));
  const u12 = pattern(36 * 30, 3, 4095);
  const rgb = pattern(30 * 20 * 3, 4, 255);
  const multi = [0, 1, 2].map((f) => pattern(32 * 24, 10 + f, 4095));
  const palIdx = pattern(24 * 16, 5, 255);
  return {
    mono8: { spec: { rows: 32, columns: 40, bitsAllocated: 8, pixelBytes: Uint8Array.from(mono8) }, frames: [mono8] },
    ct16: {
      spec: {
        rows: 40, columns: 48, bitsAllocated: 16, pixelRepresentation: 1, modality: 'CT',
        rescaleSlope: 1, rescaleIntercept: -1024, windowCenter: [40, 500], windowWidth: [400, 2000],
        pixelBytes: bytesOf16(ct, true),
      },
      frames: [ct],
    },
    u12: { spec: { rows: 30, columns: 36, bitsAllocated: 16, bitsStored: 12, pixelBytes: bytesOf16(u12, false) }, frames: [u12] },
    rgb: { spec: { rows: 20, columns: 30, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'RGB', pixelBytes: Uint8Array.from(rgb) }, frames: [rgb] },
    multi: {
      spec: { rows: 24, columns: 32, frames: 3, bitsAllocated: 16, bitsStored: 12, pixelBytes: bytesOf16(multi.flat(), false) },
      frames: multi,
    },
    mono1: { spec: { rows: 32, columns: 40, bitsAllocated: 8, photometric: 'MONOCHROME1', pixelBytes: Uint8Array.from(mono8) }, frames: [mono8] },
    palette: {
      spec: {
        rows: 16, columns: 24, bitsAllocated: 8, photometric: 'PALETTE COLOR', pixelBytes: Uint8Array.from(palIdx),
        extra: paletteElements(),
      },
      frames: [palIdx],
    },
  };
}

/** 256-entry 16-bit palettes: red ramps up, green ramps down, blue is a square. */
export function paletteRgb(i: number): [number, number, number] {
  return [i, 255 - i, (i * i) % 256];
}

/** 16-bit palette entries, or 8-bit entries packed two to a word (bits = 8). */
export function paletteElements(bits: 8 | 16 = 16): Record<number, ElementValue> {
  const lut = (f: (i: number) => number) => {
    const b = Buffer.alloc(bits === 16 ? 512 : 256);
    for (let i = 0; i < 256; i++) {
      if (bits === 16) b.writeUInt16LE(f(i) * 257, i * 2);
      else b[i] = f(i);
    }
    return new Uint8Array(b);
  };
  return {
    0x00281101: { vr: 'US', value: [256, 0, bits] },
    0x00281102: { vr: 'US', value: [256, 0, bits] },
    0x00281103: { vr: 'US', value: [256, 0, bits] },
    0x00281201: { vr: 'OW', value: lut((i) => paletteRgb(i)[0]) },
    0x00281202: { vr: 'OW', value: lut((i) => paletteRgb(i)[1]) },
    0x00281203: { vr: 'OW', value: lut((i) => paletteRgb(i)[2]) },
  };
}

function run(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer; message: string };
    if (e.code === 'ENOENT') throw new Error(`the DICOM fixtures need "${cmd}": install Debian's dcmtk, libgdcm-tools and openjph-tools (see .ci/run).`);
    throw new Error(`${cmd} ${args.join(' ')} failed: ${e.stderr?.toString() || e.message}`);
  }
}

function pgm(path: string, columns: number, rows: number, values: number[], maxval: number): void {
  const head = Buffer.from(`P5\n${columns} ${rows}\n${maxval}\n`);
  const body = Buffer.alloc(values.length * (maxval > 255 ? 2 : 1));
  values.forEach((v, i) => (maxval > 255 ? body.writeUInt16BE(v, i * 2) : body.writeUInt8(v, i)));
  writeFileSync(path, Buffer.concat([head, body]));
}

function readPgm(bytes: Buffer): number[] {
  // P5 header: magic, width, height, maxval, each followed by whitespace.
  let at = 0;
  const fields: number[] = [];
  while (fields.length < 3) {
    while (/\s/.test(String.fromCharCode(bytes[at]))) at++;
    if (bytes[at] === 0x50) { at += 2; continue; }
    let v = '';
    while (!/\s/.test(String.fromCharCode(bytes[at]))) v += String.fromCharCode(bytes[at++]);
    fields.push(Number(v));
  }
  at++;
  const [w, h, max] = fields;
  const out: number[] = [];
  for (let i = 0; i < w * h; i++) out.push(max > 255 ? bytes.readUInt16BE(at + 2 * i) : bytes[at + i]);
  return out;
}

function ppm(path: string, columns: number, rows: number, values: number[]): void {
  writeFileSync(path, Buffer.concat([Buffer.from(`P6\n${columns} ${rows}\n255\n`), Buffer.from(values)]));
}

/** Sets the sign bit of every component's Ssiz in a J2K codestream's SIZ marker (FF51). */
export function markSigned(codestream: Uint8Array): void {
  const siz = codestream.findIndex((b, i) => b === 0xff && codestream[i + 1] === 0x51);
  if (siz < 0) throw new Error('no SIZ marker in the codestream');
  // FF51, Lsiz(2), Rsiz(2), Xsiz..YTOsiz (8 x 4), Csiz(2), then Ssiz XRsiz YRsiz per component.
  const components = (codestream[siz + 38] << 8) | codestream[siz + 39];
  for (let c = 0; c < components; c++) codestream[siz + 40 + c * 3] |= 0x80;
}

export interface Fixture {
  file: string;
  phantom: string;
  transferSyntax: string;
  /** 0 for lossless; otherwise the largest difference allowed per sample against `reference`. */
  tolerance: number;
  /** For lossy files: the same frame decoded by the reference decoder (dcmtk, gdcm or OpenJPH). */
  reference?: number[];
}

/**
 * Writes every fixture into `dir`. Returns the fixtures by name and the
 * phantoms they were made from.
 */
export function makeFixtures(dir: string): { fixtures: Record<string, Fixture>; phantoms: Record<string, Phantom> } {
  const ph = phantoms();
  const fixtures: Record<string, Fixture> = {};
  const add = (name: string, phantom: string, transferSyntax: string, tolerance = 0) => {
    fixtures[name] = { file: join(dir, `${name}.dcm`), phantom, transferSyntax, tolerance };
    return fixtures[name].file;
  };
  for (const [name, p] of Object.entries(ph)) writeImage(add(`${name}-explicit`, name, TS.explicitLE), p.spec);
  writeImage(add('palette8-explicit', 'palette', TS.explicitLE), { ...ph.palette.spec, extra: paletteElements(8) });
  const src = (name: string) => fixtures[`${name}-explicit`].file;

  for (const name of ['mono8', 'ct16', 'rgb', 'multi', 'palette']) {
    run('dcmconv', ['+ti', src(name), add(`${name}-implicit`, name, TS.implicitLE)]);
    run('dcmconv', ['+tb', src(name), add(`${name}-bigendian`, name, TS.explicitBE)]);
    run('dcmconv', ['+td', src(name), add(`${name}-deflated`, name, TS.deflatedLE)]);
  }
  for (const name of ['mono8', 'ct16', 'rgb', 'multi', 'u12']) {
    run('dcmcrle', [src(name), add(`${name}-rle`, name, TS.rle)]);
    run('dcmcjpeg', ['+el', src(name), add(`${name}-jpeg14`, name, TS.jpegLossless14)]);
    run('dcmcjpeg', ['+e1', src(name), add(`${name}-jpegsv1`, name, TS.jpegLosslessSV1)]);
    run('dcmcjpls', [src(name), add(`${name}-jpegls`, name, TS.jpegLsLossless)]);
    run('gdcmconv', ['--j2k', src(name), add(`${name}-j2k`, name, TS.j2kLossless)]);
  }
  // Lossy: compared with the reference decoder's output (dcmdjpeg, dcmdjpls, gdcmconv --raw).
  const lossy = (name: string, phantom: string, ts: string, tolerance: number, encode: string[], decoder: string[]) => {
    const file = add(name, phantom, ts, tolerance);
    run(encode[0], [...encode.slice(1), src(phantom), file]);
    const ref = join(dir, `${name}-ref.dcm`);
    run(decoder[0], [...decoder.slice(1), file, ref]);
    const raw = join(dir, `${name}-ref.raw`);
    run('gdcmraw', ['-t', '7fe0,0010', '-i', ref, '-o', raw]);
    const bytes = readFileSync(raw);
    const p = ph[phantom].spec;
    fixtures[name].reference = Array.from(p.bitsAllocated === 8 ? new Uint8Array(bytes) : p.pixelRepresentation ? new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1) : new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1));
  };
  lossy('mono8-jpegbaseline', 'mono8', TS.jpegBaseline, 1, ['dcmcjpeg', '+eb', '+q', '90'], ['dcmdjpeg']);
  lossy('rgb-jpegbaseline', 'rgb', TS.jpegBaseline, 2, ['dcmcjpeg', '+eb', '+q', '90'], ['dcmdjpeg']);
  lossy('u12-jpegextended', 'u12', TS.jpegExtended, 1, ['dcmcjpeg', '+ee', '+q', '90'], ['dcmdjpeg']);
  // Retired, but found in old archives: the full-progression process, 8 bits.
  lossy('mono8-jpegprogressive', 'mono8', TS.jpegProgressive, 1, ['dcmcjpeg', '+ep', '+q', '90'], ['dcmdjpeg']);
  lossy('mono8-jpegls-near', 'mono8', TS.jpegLsNear, 0, ['dcmcjpls', '+en', '+md', '2'], ['dcmdjpls']);
  lossy('u12-jpegls-near', 'u12', TS.jpegLsNear, 0, ['dcmcjpls', '+en', '+md', '3'], ['dcmdjpls']);
  lossy('u12-j2k-lossy', 'u12', TS.j2k, 1, ['gdcmconv', '--j2k', '--lossy', '-q', '45'], ['gdcmconv', '--raw']);
  lossy('rgb-j2k-lossy', 'rgb', TS.j2k, 1, ['gdcmconv', '--j2k', '--lossy', '-q', '45'], ['gdcmconv', '--raw']);
  run('dcmcjpls', ['+in', src('rgb'), add('rgb-jpegls-planar', 'rgb', TS.jpegLsLossless)]);
  // Several fragments per frame: with and without a basic offset table.
  run('dcmcjpeg', ['+e1', '+fs', '1', src('multi'), add('multi-fragments-bot', 'multi', TS.jpegLosslessSV1)]);
  run('dcmcjpeg', ['+e1', '+fs', '1', '-ot', src('multi'), add('multi-fragments-nobot', 'multi', TS.jpegLosslessSV1)]);
  run('dcmcjpls', ['+fs', '1', src('multi'), add('multi-jpegls-fragments', 'multi', TS.jpegLsLossless)]);

  // HTJ2K: gdcm 3.0 has no HTJ2K encoder, so OpenJPH's ojph_compress encodes and we wrap the codestreams.
  const htj2k = (name: string, reversible: boolean, tolerance: number, extendedOffsets = false) => {
    const p = ph[name];
    let reference: number[] | undefined;
    const codestreams = p.frames.map((values, f) => {
      const input = join(dir, `${name}-${f}.${p.spec.samplesPerPixel === 3 ? 'ppm' : 'pgm'}`);
      if (p.spec.samplesPerPixel === 3) ppm(input, p.spec.columns, p.spec.rows, values);
      else pgm(input, p.spec.columns, p.spec.rows, values, (1 << (p.spec.bitsStored ?? p.spec.bitsAllocated)) - 1);
      const out = join(dir, `${name}-${f}${reversible ? '' : '-lossy'}.j2c`);
      run('ojph_compress', ['-i', input, '-o', out, '-reversible', String(reversible), ...(reversible ? [] : ['-qstep', '0.002'])]);
      if (!reversible && f === 0) {
        const back = join(dir, `${name}-${f}-ref.pgm`);
        run('ojph_expand', ['-i', out, '-o', back]);
        reference = readPgm(readFileSync(back));
      }
      return new Uint8Array(readFileSync(out));
    });
    const ts = reversible ? TS.htj2kLossless : TS.htj2k;
    const suffix = `${reversible ? 'htj2k' : 'htj2k-lossy'}${extendedOffsets ? '-eot' : ''}`;
    // With extended offsets, split each frame into two fragments and leave the basic table empty.
    const frames = codestreams.map((c) => (extendedOffsets ? [c.subarray(0, (c.length >> 2) * 2), c.subarray((c.length >> 2) * 2)] : [c]));
    const enc = encapsulate(frames, { basicOffsetTable: !extendedOffsets });
    const extra: Record<number, ElementValue> = {};
    if (extendedOffsets) {
      const u64 = (vals: number[]) => {
        const b = Buffer.alloc(vals.length * 8);
        vals.forEach((v, i) => b.writeBigUInt64LE(BigInt(v), i * 8));
        return new Uint8Array(b);
      };
      extra[0x7fe00001] = { vr: 'OV', value: u64(enc.offsets) };
      extra[0x7fe00002] = { vr: 'OV', value: u64(enc.lengths) };
    }
    const spec = { ...p.spec, photometric: p.spec.samplesPerPixel === 3 ? (reversible ? 'YBR_RCT' : 'YBR_ICT') : p.spec.photometric };
    writeFileSync(add(`${name}-${suffix}`, name, ts, tolerance), encapsulatedFile(spec, ts, enc.bytes, extra));
    fixtures[`${name}-${suffix}`].reference = reference;
  };
  htj2k('mono8', true, 0);
  htj2k('u12', true, 0);
  htj2k('rgb', true, 0);
  htj2k('multi', true, 0, true);
  htj2k('u12', false, 0);
  // Signed 16-bit HTJ2K (the CT phantom). Debian's ojph_compress (OpenJPH 0.9) writes
  // signed samples in a way only OpenJPH itself reads back (negatives differ in OpenJPEG
  // and Kakadu: OpenJPH issue #102), so it cannot make this file. A reversible
  // codestream of signed samples s is the unsigned codestream of s + 2^15 with the
  // sign bit of Ssiz set (the encoder's DC level shift is the only difference), so:
  // encode unsigned, then mark the component signed. Native opj_decompress reads the
  // result back exactly.
  {
    const p = ph.ct16;
    const raw = join(dir, 'ct16.yuv');
    writeFileSync(raw, Uint16Array.from(p.frames[0], (v) => v + 32768));
    run('ojph_compress', ['-i', raw, '-o', join(dir, 'ct16.j2c'), '-reversible', 'true', '-dims', `{${p.spec.columns},${p.spec.rows}}`, '-num_comps', '1', '-signed', 'false', '-bit_depth', '16', '-downsamp', '{1,1}']);
    const codestream = new Uint8Array(readFileSync(join(dir, 'ct16.j2c')));
    markSigned(codestream);
    const enc = encapsulate([[codestream]], { basicOffsetTable: true });
    writeFileSync(add('ct16-htj2k', 'ct16', TS.htj2kLossless), encapsulatedFile(p.spec, TS.htj2kLossless, enc.bytes));
  }

  // Native photometric variants.
  const rgb = ph.rgb;
  const n = rgb.spec.rows * rgb.spec.columns;
  const planar = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) for (let c = 0; c < 3; c++) planar[c * n + i] = rgb.frames[0][i * 3 + c];
  writeImage(add('rgb-planar', 'rgb', TS.explicitLE), { ...rgb.spec, planarConfiguration: 1, pixelBytes: planar });
  const toYbr = (r: number, g: number, b: number) => [
    Math.round(0.299 * r + 0.587 * g + 0.114 * b),
    Math.round(-0.168736 * r - 0.331264 * g + 0.5 * b + 128),
    Math.round(0.5 * r - 0.418688 * g - 0.081312 * b + 128),
  ].map((v) => Math.min(255, Math.max(0, v)));
  const ybr = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) ybr.set(toYbr(rgb.frames[0][i * 3], rgb.frames[0][i * 3 + 1], rgb.frames[0][i * 3 + 2]), i * 3);
  writeImage(add('rgb-ybrfull', 'rgb', TS.explicitLE, 2), { ...rgb.spec, photometric: 'YBR_FULL', pixelBytes: ybr });
  // YBR_FULL_422: chroma shared by pixel pairs, so the phantom has pair-constant colour.
  const pairRgb = rgb.frames[0].map((_, i) => rgb.frames[0][Math.floor(i / 6) * 6 + (i % 3)]);
  ph.rgbPairs = { spec: { ...rgb.spec, pixelBytes: Uint8Array.from(pairRgb) }, frames: [pairRgb] };
  const y422 = new Uint8Array(n * 2);
  for (let p = 0; p < n; p += 2) {
    const a = toYbr(pairRgb[p * 3], pairRgb[p * 3 + 1], pairRgb[p * 3 + 2]);
    y422.set([a[0], a[0], a[1], a[2]], p * 2);
  }
  writeImage(add('rgb-ybr422', 'rgbPairs', TS.explicitLE, 2), { ...rgb.spec, photometric: 'YBR_FULL_422', pixelBytes: y422 });

  // Stored values with other bits set above Bits Stored: they must be masked off (and sign-extended).
  const garbage = ph.u12.frames[0].map((v, i) => v | ((i % 16) << 12));
  writeImage(add('u12-highbits', 'u12', TS.explicitLE), { ...ph.u12.spec, pixelBytes: bytesOf16(garbage, false) });
  const s12 = ph.u12.frames[0].map((v) => v - 2048);
  ph.s12 = { spec: { ...ph.u12.spec, pixelRepresentation: 1 }, frames: [s12] };
  const s12raw = s12.map((v, i) => (v & 0xfff) | ((i % 16) << 12));
  writeImage(add('s12-highbits', 's12', TS.explicitLE), { ...ph.u12.spec, pixelRepresentation: 1, pixelBytes: bytesOf16(s12raw, false) });
  // Signed 12-bit HTJ2K, made as the signed 16-bit one above.
  {
    const raw = join(dir, 's12.yuv');
    writeFileSync(raw, Uint16Array.from(s12, (v) => v + 2048));
    const spec = ph.s12.spec;
    run('ojph_compress', ['-i', raw, '-o', join(dir, 's12.j2c'), '-reversible', 'true', '-dims', `{${spec.columns},${spec.rows}}`, '-num_comps', '1', '-signed', 'false', '-bit_depth', '12', '-downsamp', '{1,1}']);
    const codestream = new Uint8Array(readFileSync(join(dir, 's12.j2c')));
    markSigned(codestream);
    writeFileSync(add('s12-htj2k', 's12', TS.htj2kLossless), encapsulatedFile(spec, TS.htj2kLossless, encapsulate([[codestream]], { basicOffsetTable: true }).bytes));
  }

  // Files without the preamble and meta header: a bare data set, implicit and explicit VR.
  run('dcmconv', ['-F', '+ti', src('ct16'), add('ct16-raw-implicit', 'ct16', TS.implicitLE)]);
  run('dcmconv', ['-F', '+te', src('ct16'), add('ct16-raw-explicit', 'ct16', TS.explicitLE)]);
  writeFileSync(add('ct16-nopreamble', 'ct16', TS.explicitLE), readFileSync(src('ct16')).subarray(132));
  return { fixtures, phantoms: ph };
}

/** Broken files, each with the words its reason must contain. */
export function makeBrokenFiles(dir: string, fixtures: Record<string, Fixture>): { file: string; reason: RegExp }[] {
  const out: { file: string; reason: RegExp }[] = [];
  const put = (name: string, bytes: Uint8Array, reason: RegExp) => {
    const file = join(dir, name);
    writeFileSync(file, bytes);
    out.push({ file, reason });
  };
  const ct = readFileSync(fixtures['ct16-explicit'].file);
  const r = rng(99);
  put('empty.dcm', new Uint8Array(0), /empty file/);
  put('zeros.dcm', new Uint8Array(4096), /not a DICOM file/);
  put('random.dcm', Uint8Array.from({ length: 5000 }, () => Math.floor(r() * 256)), /not a DICOM file/);
  put('text.txt', Buffer.from('hello, this is a text file and not an image\n'.repeat(20)), /not a DICOM file/);
  put('truncated-header.dcm', ct.subarray(0, 300), /truncated at byte 300/);
  put('truncated-pixels.dcm', ct.subarray(0, ct.length - 1000), /declared length beyond the file/);
  // Pixel data declared longer than the file (OW length field at +8 of the element).
  const long = Buffer.from(ct);
  const px = long.lastIndexOf(Buffer.from([0xe0, 0x7f, 0x10, 0x00, 0x4f, 0x57]));
  long.writeUInt32LE(0x7ffffff0, px + 8);
  put('wrong-length.dcm', long, /declared length beyond the file: element \(7FE0,0010\).*declares 2147483632 bytes/);
  // Pixel data shorter than Rows x Columns needs.
  const short = Buffer.from(ct.subarray(0, px + 12 + 100));
  short.writeUInt32LE(100, px + 8);
  put('short-pixels.dcm', short, /pixel data \(100 bytes\) is too small for one frame of 40x48x1 samples/);
  const jls = readFileSync(fixtures['ct16-jpegls'].file);
  put('truncated-jpegls.dcm', jls.subarray(0, jls.length - 200), /declared length beyond the file|truncated|cannot be decoded/);
  // A flipped bit in the rows value: the header no longer matches the codestream.
  const flipped = Buffer.from(jls);
  const rowsAt = flipped.indexOf(Buffer.from([0x28, 0x00, 0x10, 0x00, 0x55, 0x53]));
  flipped[rowsAt + 8] ^= 0x04;
  put('bitflip-rows.dcm', flipped, /decodes to 48x40.*header says 48x44|inconsistent|cannot be decoded/);
  // A flipped bit in the VR of an element makes the data set unreadable.
  const vr = Buffer.from(ct);
  const modAt = vr.indexOf(Buffer.from([0x08, 0x00, 0x60, 0x00, 0x43, 0x53]));
  vr[modAt + 7] ^= 0x40;
  put('bitflip-length.dcm', vr, /declared length beyond the file|truncated|cannot be parsed/);
  // No pixel data at all.
  const els = imageElements({ rows: 4, columns: 4, bitsAllocated: 8, pixelBytes: new Uint8Array(16) });
  delete els[0x7fe00010];
  put('no-pixels.dcm', dicomBytes(els), /no pixel data/);
  // A transfer syntax Lumen does not decode.
  const mpeg = encapsulatedFile({ rows: 4, columns: 4, bitsAllocated: 8, pixelBytes: new Uint8Array(0) }, '1.2.840.10008.1.2.4.100', encapsulate([[new Uint8Array(16)]]).bytes);
  put('mpeg2.dcm', mpeg, /unsupported transfer syntax 1\.2\.840\.10008\.1\.2\.4\.100 \(MPEG2 Main Profile \/ Main Level\)/);
  return out;
}
