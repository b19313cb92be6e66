// Pixel data decoding: one path for viewer, import thumbnails, training and
// inference. Output is stored values (masked to Bits Stored, sign-extended),
// color as interleaved RGB. Never import 'electron' here.
import dicomParser from 'dicom-parser';
import { DicomFileError, TS, isEncapsulated, pixelDataProblem, storesChromaPairs, transferSyntaxName, type InstanceMeta, type ParsedDicom } from './parse';
import { decodeRle } from './rle';
import type { CodecOutput } from './codec-output';
import { codecs } from './codecs';
import { CodestreamError, UnsupportedCodestream } from './codestream-error';

export type PixelArray = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

export interface DecodedFrame {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  pixelRepresentation: number;
  /** As in the file, except 'RGB' once YBR data has been converted. */
  photometricInterpretation: string;
  /**
   * Stored values, masked to Bits Stored and sign-extended; color interleaved RGB.
   * For uncompressed little-endian frames that need no masking this is a view
   * into the file's bytes (no copy): treat it as read-only.
   */
  pixels: PixelArray;
}

/**
 * Decoded frames larger than this are refused: a corrupt or crafted header must
 * not make a codec allocate gigabytes for a few bytes of codestream. The largest
 * real frames (8k x 8k RGB, 200 MB) fit.
 */
const MAX_FRAME_BYTES = 256 * 1024 * 1024;

function bytesPerSample(meta: InstanceMeta): number {
  return meta.bitsAllocated <= 8 ? 1 : meta.bitsAllocated / 8;
}

function frameByteLength(meta: InstanceMeta): number {
  return meta.rows * meta.columns * meta.samplesPerPixel * bytesPerSample(meta);
}

/** The compressed bytes of one frame of encapsulated pixel data. */
export function encapsulatedFrame(parsed: ParsedDicom, frameIndex: number): Uint8Array {
  const { dataSet, meta, file } = parsed;
  const el = dataSet.elements.x7fe00010;
  if (!el || !el.encapsulatedPixelData || !el.fragments) {
    throw new DicomFileError(file, `the pixel data is not encapsulated although the transfer syntax ${meta.transferSyntaxUid} (${transferSyntaxName(meta.transferSyntaxUid)}) says it is compressed. The file is corrupt.`);
  }
  const fragments = el.fragments;
  if (fragments.length === 0) throw new DicomFileError(file, 'the compressed pixel data has no fragments: no image is stored. The file is corrupt.');
  const size = dataSet.byteArray.length;
  for (const f of fragments) {
    if (f.position + f.length > size) {
      throw new DicomFileError(file, `declared length beyond the file: a pixel data fragment at byte ${f.position} declares ${f.length} bytes but the file ends at byte ${size}. The file is truncated; copy it again.`);
    }
  }
  const bytes = dataSet.byteArray;
  const concat = (parts: { position: number; length: number }[]): Uint8Array => {
    if (parts.length === 1) return bytes.subarray(parts[0].position, parts[0].position + parts[0].length);
    const total = parts.reduce((n, p) => n + p.length, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(bytes.subarray(p.position, p.position + p.length), at);
      at += p.length;
    }
    return out;
  };
  const frames = meta.numberOfFrames;
  if (frames === 1) return concat(fragments);

  // Extended offset table (7FE0,0001) + lengths (7FE0,0002): 64-bit values.
  const eot = dataSet.elements.x7fe00001;
  const eotLengths = dataSet.elements.x7fe00002;
  if (eot && eotLengths && eot.length >= 8 * frames && eotLengths.length >= 8 * frames) {
    const readU64 = (e: dicomParser.Element, i: number) => {
      const lo = dataSet.byteArrayParser.readUint32(bytes, e.dataOffset + i * 8);
      const hi = dataSet.byteArrayParser.readUint32(bytes, e.dataOffset + i * 8 + 4);
      const [a, b] = dataSet.byteArrayParser === dicomParser.bigEndianByteArrayParser ? [hi, lo] : [lo, hi];
      return b * 2 ** 32 + a;
    };
    const offset = readU64(eot, frameIndex);
    const length = readU64(eotLengths, frameIndex);
    // Offsets count from the first byte of the first fragment's item tag.
    const base = fragments[0].position - 8;
    const start = base + offset;
    const parts = fragments.filter((f) => f.position - 8 >= start && f.position < start + length + 8);
    if (parts.length) return concat(parts);
  }
  const bot = el.basicOffsetTable;
  if (bot && bot.length >= frames) {
    const start = bot[frameIndex];
    const end = frameIndex + 1 < bot.length ? bot[frameIndex + 1] : Infinity;
    const parts = fragments.filter((f) => f.offset >= start && f.offset < end);
    if (parts.length === 0) throw new DicomFileError(file, `the basic offset table points frame ${frameIndex + 1} to byte ${start}, where no fragment starts. The file is corrupt.`);
    return concat(parts);
  }
  if (fragments.length === frames) return concat([fragments[frameIndex]]);
  // No offset table and several fragments per frame: a frame starts where a
  // fragment starts with the codec's start marker (JPEG SOI, J2K SOC).
  const starts: number[] = [];
  fragments.forEach((f, i) => {
    const b0 = bytes[f.position];
    const b1 = bytes[f.position + 1];
    if (b0 === 0xff && (b1 === 0xd8 || b1 === 0x4f)) starts.push(i);
  });
  if (starts.length !== frames) {
    throw new DicomFileError(file, `cannot find frame ${frameIndex + 1}: ${fragments.length} fragments, no offset table, and ${starts.length} of ${frames} frame starts recognised. The file is corrupt or unusual; convert it with gdcmconv --raw.`);
  }
  return concat(fragments.slice(starts[frameIndex], frameIndex + 1 < starts.length ? starts[frameIndex + 1] : fragments.length));
}

function typedView(bytes: Uint8Array, bitsAllocated: number, signed: boolean): PixelArray {
  const n = bytes.byteLength;
  if (bitsAllocated <= 8) return signed ? new Int8Array(bytes.buffer, bytes.byteOffset, n) : bytes;
  if (bitsAllocated === 16) return signed ? new Int16Array(bytes.buffer, bytes.byteOffset, n >> 1) : new Uint16Array(bytes.buffer, bytes.byteOffset, n >> 1);
  return signed ? new Int32Array(bytes.buffer, bytes.byteOffset, n >> 2) : new Uint32Array(bytes.buffer, bytes.byteOffset, n >> 2);
}

/**
 * Colour spaces in the standard that Lumen leaves unconverted: YBR_PARTIAL_420
 * (PS3.3: encapsulated only, for MPEG-2), HSV (retired), and YBR_PARTIAL_422
 * (retired) from a codec that kept it (RLE, lossless JPEG, JPEG-LS, JPEG 2000;
 * uncompressed, it is converted). A lossy JPEG decoder has made RGB of the
 * YCbCr in its stream, whatever the label, before this is asked.
 */
const UNCONVERTED_COLOUR = new Set(['YBR_PARTIAL_422', 'YBR_PARTIAL_420', 'HSV']);

/**
 * Uncompressed YBR_PARTIAL_422 once its chroma pairs are expanded: Y Cb Cr per
 * pixel in the partial range. Lumen's own label, never shown: it becomes RGB.
 */
const PARTIAL_EXPANDED = 'YBR_PARTIAL (expanded)';

/** YBR colour that Lumen converts to RGB itself (the codec has not). */
const YBR_TO_CONVERT = new Set(['YBR_FULL', PARTIAL_EXPANDED]);

const LOSSY = new Set<string>([TS.jpegBaseline, TS.jpegExtended, TS.jpegSpectral, TS.jpegProgressive, TS.jpegLsNear, TS.j2k, TS.htj2k]);

/**
 * Lossy codecs can overshoot the stored range by a little (4096 in 12 bits):
 * clamp instead of masking, which would wrap it to 0. Values at or above half
 * the container are undershoots below 0 written as unsigned.
 */
function clampStored(px: PixelArray, meta: InstanceMeta): void {
  const stored = meta.bitsStored;
  // Bits Stored filling the container: the typed array cannot hold anything out of range
  // (and the loop cost 0.9 ms per 512x512 8-bit frame, a third of the JPEG decode).
  if (stored >= meta.bitsAllocated) return;
  if (meta.pixelRepresentation) {
    const lo = -(2 ** (stored - 1));
    const hi = 2 ** (stored - 1) - 1;
    for (let i = 0; i < px.length; i++) px[i] = px[i] < lo ? lo : px[i] > hi ? hi : px[i];
  } else {
    const hi = 2 ** stored - 1;
    const half = 2 ** (meta.bitsAllocated - 1);
    for (let i = 0; i < px.length; i++) if (px[i] > hi) px[i] = px[i] >= half && hi < half ? 0 : hi;
  }
}

/** Keep Bits Stored bits (below High Bit) and sign-extend: in place. */
function maskStored(px: PixelArray, meta: InstanceMeta): void {
  const bits = meta.bitsAllocated;
  const stored = meta.bitsStored;
  const shift = Math.max(0, meta.highBit + 1 - stored);
  if (stored >= bits && shift === 0) return;
  if (bits > 16) {
    const mask = stored >= 32 ? 0xffffffff : 2 ** stored - 1;
    const signBit = 2 ** (stored - 1);
    for (let i = 0; i < px.length; i++) {
      const v = Math.floor((px[i] >>> 0) / 2 ** shift) % (mask + 1);
      px[i] = meta.pixelRepresentation && v >= signBit ? v - 2 * signBit : v;
    }
    return;
  }
  const mask = (1 << stored) - 1;
  if (meta.pixelRepresentation) {
    const extend = 32 - stored;
    for (let i = 0; i < px.length; i++) px[i] = (((px[i] >> shift) & mask) << extend) >> extend;
  } else {
    for (let i = 0; i < px.length; i++) px[i] = (px[i] >> shift) & mask;
  }
}

function clamp8(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
}

/** YBR_FULL (interleaved, 8-bit) to RGB, in place (PS3.3 C.7.6.3.1.2). */
function ybrFullToRgb(px: Uint8Array): void {
  for (let i = 0; i < px.length; i += 3) {
    const y = px[i];
    const cb = px[i + 1] - 128;
    const cr = px[i + 2] - 128;
    px[i] = clamp8(y + 1.402 * cr);
    px[i + 1] = clamp8(y - 0.344136 * cb - 0.714136 * cr);
    px[i + 2] = clamp8(y + 1.772 * cb);
  }
}

/**
 * YBR_FULL with more than 8 bits (unsigned, masked to Bits Stored) to RGB, in
 * place: PS3.3 C.7.6.3.1.2 centres Cb and Cr on half full scale, which is
 * 2^(Bits Stored - 1) here as 128 is for 8 bits; the equations are the same.
 */
function ybrFullToRgbWide(px: Uint16Array | Uint32Array, bitsStored: number): void {
  const max = 2 ** bitsStored - 1;
  const centre = 2 ** (bitsStored - 1);
  const clamp = (v: number) => (v < 0 ? 0 : v > max ? max : Math.round(v));
  for (let i = 0; i < px.length; i += 3) {
    const y = px[i];
    const cb = px[i + 1] - centre;
    const cr = px[i + 2] - centre;
    px[i] = clamp(y + 1.402 * cr);
    px[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    px[i + 2] = clamp(y + 1.772 * cb);
  }
}

/**
 * YBR_PARTIAL_422 (8-bit, interleaved once expanded) to RGB, in place. PS3.3
 * C.7.6.3.1.2 puts black at Y 16 and white at 235 (219 steps), no colour at
 * Cb = Cr = 128 with 224 steps from 16 to 240; its equations are YBR_FULL's
 * scaled so (.2568 = .299 x 219/255, .4392 = .5 x 224/255). Back to full range,
 * then YBR_FULL's inverse.
 */
function ybrPartialToRgb(px: Uint8Array): void {
  const ys = 255 / 219;
  const cs = 255 / 224;
  for (let i = 0; i < px.length; i += 3) {
    const y = (px[i] - 16) * ys;
    const cb = (px[i + 1] - 128) * cs;
    const cr = (px[i + 2] - 128) * cs;
    px[i] = clamp8(y + 1.402 * cr);
    px[i + 1] = clamp8(y - 0.344136 * cb - 0.714136 * cr);
    px[i + 2] = clamp8(y + 1.772 * cb);
  }
}

/**
 * YBR_PARTIAL_422 in 16-bit words (expanded, unsigned, masked to Bits Stored)
 * to RGB, in place. PS3.3 gives the partial range for 8 bits; wider samples
 * scale it by 2^(Bits Stored - 8), as ITU-R BT.601 and BT.709 do for 10-bit
 * video (black at 64, white at 940, no colour at 512), and come back to the
 * full range 0 to 2^(Bits Stored) - 1 before YBR_FULL's inverse.
 */
function ybrPartialToRgbWide(px: Uint16Array, bitsStored: number): void {
  const max = 2 ** bitsStored - 1;
  const k = 2 ** (bitsStored - 8);
  const ys = max / (219 * k);
  const cs = max / (224 * k);
  const clamp = (v: number) => (v < 0 ? 0 : v > max ? max : Math.round(v));
  for (let i = 0; i < px.length; i += 3) {
    const y = (px[i] - 16 * k) * ys;
    const cb = (px[i + 1] - 128 * k) * cs;
    const cr = (px[i + 2] - 128 * k) * cs;
    px[i] = clamp(y + 1.402 * cr);
    px[i + 1] = clamp(y - 0.344136 * cb - 0.714136 * cr);
    px[i + 2] = clamp(y + 1.772 * cb);
  }
}

/** Uncompressed YBR_FULL_422 or YBR_PARTIAL_422: Y1 Y2 Cb Cr per pixel pair, samples of `bps` bytes; to interleaved YBR_FULL. */
function expand422(src: Uint8Array, rows: number, columns: number, bps: number): Uint8Array {
  const out = new Uint8Array(rows * columns * 3 * bps);
  let s = 0;
  let d = 0;
  const copy = (from: number) => {
    for (let b = 0; b < bps; b++) out[d++] = src[from + b];
  };
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c += 2) {
      const [y1, y2, cb, cr] = [s, s + bps, s + 2 * bps, s + 3 * bps];
      s += 4 * bps;
      copy(y1);
      copy(cb);
      copy(cr);
      if (c + 1 < columns) {
        copy(y2);
        copy(cb);
        copy(cr);
      }
    }
  }
  return out;
}

function planarToInterleaved(src: Uint8Array, pixelCount: number, bps: number): Uint8Array {
  const out = new Uint8Array(src.length);
  const plane = pixelCount * bps;
  for (let p = 0; p < pixelCount; p++) {
    for (let c = 0; c < 3; c++) {
      for (let b = 0; b < bps; b++) out[(p * 3 + c) * bps + b] = src[c * plane + p * bps + b];
    }
  }
  return out;
}

/** One frame of 1-bit data (overlays, some masks), one byte per pixel. */
function bitFrame(parsed: ParsedDicom, el: dicomParser.Element, frameIndex: number): Uint8Array {
  const { dataSet, meta, file } = parsed;
  const pixels = meta.rows * meta.columns * meta.samplesPerPixel;
  const firstBit = pixels * frameIndex;
  if (el.length * 8 < firstBit + pixels) {
    throw new DicomFileError(file, `the pixel data holds ${el.length} bytes, too few for frame ${frameIndex + 1} of ${meta.rows}x${meta.columns} 1-bit pixels. The file is truncated or corrupt.`);
  }
  const out = new Uint8Array(pixels);
  const bytes = dataSet.byteArray;
  for (let i = 0; i < pixels; i++) {
    const bit = firstBit + i;
    out[i] = (bytes[el.dataOffset + (bit >> 3)] >> (bit & 7)) & 1;
  }
  return out;
}

function nativeFrame(parsed: ParsedDicom, frameIndex: number, share: boolean): Uint8Array {
  const { dataSet, meta, file } = parsed;
  const el = dataSet.elements.x7fe00010 ?? dataSet.elements.x7fe00008 ?? dataSet.elements.x7fe00009;
  if (!el) throw new DicomFileError(file, 'no pixel data (7FE0,0010). Nothing to show.');
  if (meta.bitsAllocated === 1) return bitFrame(parsed, el, frameIndex);
  let frameBytes = frameByteLength(meta);
  if (storesChromaPairs(meta)) frameBytes = meta.rows * Math.ceil(meta.columns / 2) * 4 * bytesPerSample(meta);
  const start = el.dataOffset + frameBytes * frameIndex;
  if (el.length < frameBytes * (frameIndex + 1)) {
    throw new DicomFileError(
      file,
      `the pixel data holds ${el.length} bytes, but frame ${frameIndex + 1} of ${meta.rows}x${meta.columns}x${meta.samplesPerPixel} samples at ${meta.bitsAllocated} bits needs ${frameBytes * (frameIndex + 1)}. The file is truncated or its header is wrong.`,
    );
  }
  const all = dataSet.byteArray;
  // Nothing to change and aligned: hand out a view of the file's bytes, no copy.
  if (share && (all.byteOffset + start) % bytesPerSample(meta) === 0) return new Uint8Array(all.buffer, all.byteOffset + start, frameBytes);
  const out = dataSet.byteArray.slice(start, start + frameBytes);
  const copy = out.buffer.byteLength === out.length ? out : new Uint8Array(out);
  if (meta.transferSyntaxUid === TS.explicitBE && meta.bitsAllocated > 8) {
    const bps = bytesPerSample(meta);
    if (bps === 2) for (let i = 0; i < copy.length; i += 2) { const t = copy[i]; copy[i] = copy[i + 1]; copy[i + 1] = t; }
    else for (let i = 0; i < copy.length; i += 4) { copy.subarray(i, i + 4).reverse(); }
  }
  return copy;
}

async function decodeCompressed(parsed: ParsedDicom, frameIndex: number): Promise<CodecOutput> {
  const { meta, file } = parsed;
  const ts = meta.transferSyntaxUid;
  const data = encapsulatedFrame(parsed, frameIndex);
  const wrap = async (what: string, fn: () => Promise<CodecOutput> | CodecOutput): Promise<CodecOutput> => {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof DicomFileError) throw err;
      if (err instanceof UnsupportedCodestream) throw new DicomFileError(file, `frame ${frameIndex + 1}: ${err.message}`);
      // Lumen's own reasons are shown; a codec library's message is written for its programmers.
      const why = err instanceof CodestreamError ? ` (${err.message})` : ': the decoder rejected its compressed data';
      throw new DicomFileError(file, `frame ${frameIndex + 1} cannot be decoded as ${what}${why}. The compressed data is corrupt or truncated.`);
    }
  };
  switch (ts) {
    case TS.rle:
      return wrap('RLE', () => decodeRle(data, meta));
    // 8-bit progressive decodes in libjpeg-turbo, 12-bit (sequential or progressive) in jpeg12.ts;
    // spectral selection is progressive without successive approximation (SOF2).
    case TS.jpegBaseline:
    case TS.jpegExtended:
    case TS.jpegSpectral:
    case TS.jpegProgressive:
      return wrap(transferSyntaxName(ts), () => codecs.jpeg(data, meta, file));
    case TS.jpegLossless14:
    case TS.jpegLosslessSV1:
      return wrap('JPEG Lossless', () => codecs.jpegLossless(data, meta));
    case TS.jpegLsLossless:
    case TS.jpegLsNear:
      return wrap('JPEG-LS', () => codecs.jpegLs(data, meta));
    case TS.j2kLossless:
    case TS.j2k:
      return wrap('JPEG 2000', () => codecs.j2k(data, meta));
    case TS.htj2kLossless:
    case TS.htj2kLosslessRpcl:
    case TS.htj2k:
      return wrap('HTJ2K', () => codecs.htj2k(data, meta));
    default:
      throw new DicomFileError(file, `unsupported transfer syntax ${ts} (${transferSyntaxName(ts)}). Convert it to a supported syntax (e.g. with dcmconv or gdcmconv).`);
  }
}

/** A native (not encapsulated) frame's sample bytes, interleaved, with the photometric interpretation they are in. */
function nativeBytes(parsed: ParsedDicom, frameIndex: number, bps: number): { bytes: Uint8Array; photometric: string } {
  const { meta } = parsed;
  const spp = meta.samplesPerPixel;
  let photometric = meta.photometricInterpretation;
  const share =
    meta.transferSyntaxUid !== TS.explicitBE &&
    meta.bitsAllocated >= 8 &&
    meta.bitsStored === meta.bitsAllocated &&
    meta.highBit === meta.bitsAllocated - 1 &&
    (spp === 1 || (meta.planarConfiguration === 0 && photometric === 'RGB'));
  let bytes = nativeFrame(parsed, frameIndex, share);
  if (storesChromaPairs(meta) && bps <= 2) {
    bytes = expand422(bytes, meta.rows, meta.columns, bps);
    photometric = photometric === 'YBR_FULL_422' ? 'YBR_FULL' : PARTIAL_EXPANDED;
  } else if (spp === 3 && meta.planarConfiguration === 1) {
    bytes = planarToInterleaved(bytes, meta.rows * meta.columns, bps);
  }
  return { bytes, photometric };
}

/** An encapsulated frame decoded by its codec: sample bytes, interleaved, and their photometric interpretation. */
async function encapsulatedBytes(parsed: ParsedDicom, frameIndex: number, bps: number): Promise<{ bytes: Uint8Array; photometric: string }> {
  const { meta, file } = parsed;
  const spp = meta.samplesPerPixel;
  let photometric = meta.photometricInterpretation;
  const out = await decodeCompressed(parsed, frameIndex);
  if (out.columns !== meta.columns || out.rows !== meta.rows || out.components !== spp) {
    throw new DicomFileError(file, `frame ${frameIndex + 1} decodes to ${out.columns}x${out.rows} with ${out.components} component(s), but the header says ${meta.columns}x${meta.rows} with ${spp}. The file is inconsistent.`);
  }
  // Bytes per sample as the codec wrote them: 1, 2, or 4 (RLE with 32 bits allocated).
  const outBps = out.bitsPerSample <= 8 ? 1 : out.bitsPerSample <= 16 ? 2 : 4;
  let bytes = out.bytes;
  if (outBps !== bps) {
    // e.g. 8-bit codestream in a 16-bit Bits Allocated container: widen.
    const n = meta.rows * meta.columns * spp;
    const wide = new Uint8Array(n * bps);
    for (let i = 0; i < n; i++) {
      for (let b = 0; b < bps; b++) wide[i * bps + b] = b < outBps ? bytes[i * outBps + b] : 0;
    }
    bytes = wide;
  }
  if (spp === 3 && out.planar) bytes = planarToInterleaved(bytes, meta.rows * meta.columns, bps);
  if (spp === 3 && out.rgb) photometric = 'RGB';
  // RLE segments are written pixel-interleaved by decodeRle whatever Planar Configuration says.
  if (photometric === 'YBR_FULL_422') photometric = 'YBR_FULL';
  return { bytes, photometric };
}

export async function decodeFrame(parsed: ParsedDicom, frameIndex: number): Promise<DecodedFrame> {
  const { meta, file } = parsed;
  const problem = pixelDataProblem(meta);
  if (problem) throw new DicomFileError(file, problem);
  if (!Number.isInteger(frameIndex) || frameIndex < 0 || frameIndex >= meta.numberOfFrames) {
    // Neutral words: the app (common/frames.ts) and the CLI (--frame) each check first in their own.
    throw new DicomFileError(file, `has no frame ${frameIndex + 1}: it holds ${meta.numberOfFrames} frame(s), counted from 1.`);
  }
  const pixelElement = parsed.dataSet.elements.x7fe00010;
  if (pixelElement && (pixelElement.length === undefined || (pixelElement.length === 0xffffffff && !pixelElement.fragments))) {
    throw new DicomFileError(file, 'was parsed only up to the pixel data (untilTag), so its pixels cannot be decoded: parse it again without untilTag.');
  }
  const expected = frameByteLength(meta);
  if (expected > MAX_FRAME_BYTES) throw new DicomFileError(file, `a ${meta.rows}x${meta.columns}x${meta.samplesPerPixel} frame at ${meta.bitsAllocated} bits would need ${expected} bytes, more than Lumen decodes (256 MiB). The header is corrupt.`);
  const bps = bytesPerSample(meta);
  const spp = meta.samplesPerPixel;
  const bitsAllocated = meta.bitsAllocated;
  // Native and encapsulated data in functions of their own: this one stays small
  // enough for V8 to optimize early in a bulk decode.
  const decoded = isEncapsulated(meta.transferSyntaxUid) ? await encapsulatedBytes(parsed, frameIndex, bps) : nativeBytes(parsed, frameIndex, bps);
  const bytes = decoded.bytes;
  let photometric = decoded.photometric;
  if (spp === 3 && YBR_TO_CONVERT.has(photometric) && meta.pixelRepresentation === 1) {
    // At any depth: 8-bit signed samples read as unsigned were false colours, as 16-bit ones would be.
    throw new DicomFileError(file, `is ${meta.photometricInterpretation} with signed samples (Pixel Representation 1) at ${meta.bitsStored} bits, which has no meaning: PS3.3 centres the colour differences on half full scale, so the samples are unsigned. The header is corrupt; convert the file to RGB with the software that made it.`);
  }
  if (spp === 3 && photometric === 'YBR_FULL' && bps === 1) {
    ybrFullToRgb(bytes);
    photometric = 'RGB';
  } else if (spp === 3 && photometric === PARTIAL_EXPANDED && bps === 1) {
    ybrPartialToRgb(bytes);
    photometric = 'RGB';
  } else if (spp === 3 && (photometric === 'YBR_RCT' || photometric === 'YBR_ICT')) {
    photometric = 'RGB';
  }
  const pixels = bitsAllocated === 1 ? bytes : typedView(bytes, meta.bitsAllocated, meta.pixelRepresentation === 1);
  if (bitsAllocated !== 1 && LOSSY.has(meta.transferSyntaxUid)) clampStored(pixels, meta);
  else if (bitsAllocated !== 1) maskStored(pixels, meta);
  if (spp === 3 && photometric === 'YBR_FULL' && bps > 1) {
    // Wider samples convert after masking: Bits Stored below High Bit, whatever the padding bits hold.
    ybrFullToRgbWide(pixels as Uint16Array | Uint32Array, meta.bitsStored);
    photometric = 'RGB';
  } else if (spp === 3 && photometric === PARTIAL_EXPANDED) {
    // 16-bit words (parse.ts refuses wider 4:2:2), converted after masking as YBR_FULL is.
    ybrPartialToRgbWide(pixels as Uint16Array, meta.bitsStored);
    photometric = 'RGB';
  }
  if (spp === 3 && photometric === 'YBR_PARTIAL_422' && isEncapsulated(meta.transferSyntaxUid)) {
    // No encoder writes it (dcmcrle refuses, gdcmconv --rle aborts) and readers disagree (dcm2pnm takes chroma pairs, GDCM aborts).
    throw new DicomFileError(
      file,
      `is ${transferSyntaxName(meta.transferSyntaxUid)} with Photometric Interpretation YBR_PARTIAL_422, which Lumen converts only uncompressed or from lossy JPEG: this codec returns every sample at full resolution, and what a 4:2:2 partial-range label means for them is not settled (other viewers disagree), so the colours would be a guess. Ask for the images as RGB, YBR_FULL or uncompressed.`,
    );
  }
  if (spp === 3 && UNCONVERTED_COLOUR.has(photometric)) {
    throw new DicomFileError(file, `has Photometric Interpretation ${photometric}, a colour space Lumen does not convert to RGB (it would show false colours). Ask for the images as RGB, or convert them with the software that made them.`);
  }
  return {
    rows: meta.rows,
    columns: meta.columns,
    samplesPerPixel: spp,
    bitsAllocated: meta.bitsAllocated,
    pixelRepresentation: meta.pixelRepresentation,
    photometricInterpretation: photometric,
    pixels,
  };
}

/** The dtype name of a decoded frame's samples ('uint8', 'int16', ...). */
export function dtypeOf(pixels: PixelArray): string {
  if (pixels instanceof Int8Array) return 'int8';
  if (pixels instanceof Uint8Array) return 'uint8';
  if (pixels instanceof Int16Array) return 'int16';
  if (pixels instanceof Uint16Array) return 'uint16';
  if (pixels instanceof Int32Array) return 'int32';
  return 'uint32';
}
