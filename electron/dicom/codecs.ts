// The WASM codecs, each initialised once, lazily, on first use. Decoded
// buffers live in WASM memory: they are copied out before the decoder is
// deleted.
import { Decoder as JpegLosslessDecoder } from 'jpeg-lossless-decoder-js';
import { checkDimensions, type CodecOutput, type ExpectedFrame } from './codec-output';
import { CodestreamError } from './codestream-error';
import { decodeJpegLossless } from './jpeg-lossless';
import { checkJpegLsStream, withCharls1Thresholds } from './jpeg-ls';
import { checkJpegStream, jpegFrameHeader, withDicomColourTransform } from './jpeg-markers';
import { loadLibJpeg, loadLibJpeg12 } from './libjpeg';
import { checkJ2kHeader } from './j2k-header';
import { loadOpenJpeg } from './openjpeg';
import type { InstanceMeta } from './parse';

interface FrameInfo {
  width: number;
  height: number;
  bitsPerSample: number;
  componentCount: number;
  isSigned?: boolean;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): FrameInfo;
  getInterleaveMode?(): number;
  readHeader?(): void;
  getColorSpace?(): number;
  delete(): void;
}

type DecoderClass = new () => WasmDecoder;

// Emscripten uses the options object as its Module: each codec needs its own.
const silent = () => ({ print: () => {}, printErr: () => {} });
const loaded = new Map<string, Promise<DecoderClass>>();

function load(name: string, importer: () => Promise<{ default: (o: ReturnType<typeof silent>) => Promise<Record<string, unknown>> }>, className: string): Promise<DecoderClass> {
  let p = loaded.get(name);
  if (!p) {
    p = importer().then(async (m) => (await m.default(silent()))[className] as DecoderClass);
    p.catch(() => loaded.delete(name));
    loaded.set(name, p);
  }
  return p;
}

let jpeg12: Promise<typeof import('./jpeg12')> | undefined;

async function runWasm(
  cls: Promise<DecoderClass>,
  data: Uint8Array,
  expected: ExpectedFrame | undefined,
  after?: (d: WasmDecoder, info: FrameInfo) => Partial<CodecOutput>,
  // OpenJPEG's readHeader leaves the decoder unable to decode afterwards: it passes false.
  headerFirst = true,
): Promise<CodecOutput> {
  const Decoder = await cls;
  const decoder = new Decoder();
  try {
    decoder.getEncodedBuffer(data.length).set(data);
    if (headerFirst && decoder.readHeader) {
      decoder.readHeader();
      const head = decoder.getFrameInfo();
      checkDimensions(head.width, head.height, expected);
    }
    decoder.decode();
    const info = decoder.getFrameInfo();
    const decoded = decoder.getDecodedBuffer();
    const bps = info.bitsPerSample <= 8 ? 1 : 2;
    const needed = info.width * info.height * info.componentCount * bps;
    if (decoded.length < needed) throw new CodestreamError(`decoder returned ${decoded.length} bytes, ${needed} expected`);
    const bytes = decoded.slice(0, needed);
    return { bytes, columns: info.width, rows: info.height, components: info.componentCount, bitsPerSample: info.bitsPerSample, ...after?.(decoder, info) };
  } finally {
    decoder.delete();
  }
}

/** Whether a JPEG-family codestream ends with EOI (FFD9), before any zero padding to an even length. */
function endsWithEoi(data: Uint8Array): boolean {
  let end = data.length;
  while (end > 0 && data[end - 1] === 0) end--;
  return end >= 2 && data[end - 2] === 0xff && data[end - 1] === 0xd9;
}

export const codecs = {
  async jpeg(stream: Uint8Array, meta: InstanceMeta, file: string): Promise<CodecOutput> {
    checkJpegStream(stream, meta);
    const frame = jpegFrameHeader(stream);
    const data = meta.samplesPerPixel === 3 ? withDicomColourTransform(stream, meta.photometricInterpretation) : stream;
    if (frame && frame.precision > 8) {
      // 12-bit Huffman DCT (SOF0 to SOF2) in the 12-bit libjpeg-turbo build where it is built; the
      // rest (another precision, arithmetic, lossless, hierarchical) to jpeg12.ts, which refuses it by name.
      const wasm = frame.precision === 12 && frame.marker <= 0xc2 ? (await loadLibJpeg12()).decoder : undefined;
      if (wasm) {
        try {
          const f = wasm.decode(data, meta);
          return { bytes: f.bytes, columns: f.columns, rows: f.rows, components: f.components, bitsPerSample: 12, rgb: f.converted };
        } catch (err) {
          if (err instanceof CodestreamError) throw err;
          // libjpeg's reasons are written for its programmers: jpeg12.ts, reading the same stream
          // marker by marker, says in Lumen's words what is wrong with it (or reads what libjpeg would not).
        }
      }
      // One import() for the thread, not one a frame: each goes through the module loader.
      const { decodeJpeg12 } = await (jpeg12 ??= import('./jpeg12'));
      return decodeJpeg12(stream, meta, file);
    }
    const { decoder } = await loadLibJpeg();
    if (decoder) {
      const f = decoder.decode(data, meta);
      return { bytes: f.bytes, columns: f.columns, rows: f.rows, components: f.components, bitsPerSample: 8, rgb: f.components === 3 };
    }
    return codecs.jpegCornerstone(data, meta);
  },
  /** @cornerstonejs/codec-libjpeg-turbo-8bit: where Lumen's own build is missing, and as the tests' second opinion. */
  async jpegCornerstone(data: Uint8Array, expected?: ExpectedFrame): Promise<CodecOutput> {
    return runWasm(load('jpeg', () => import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs'), 'JPEGDecoder'), data, expected, (_d, info) => ({ rgb: info.componentCount === 3 }));
  },
  async jpegLs(data: Uint8Array, expected?: ExpectedFrame): Promise<CodecOutput> {
    // CharLS spent 20 s on a 746-byte damaged frame without its end marker (found by the
    // fuzzer; with the marker it fails at once). Encoders always write it: refuse the rest first.
    if (!endsWithEoi(data)) throw new CodestreamError('the JPEG-LS codestream does not end with its end-of-image marker (FFD9): it is truncated or damaged');
    checkJpegLsStream(data, expected);
    const decode = (stream: Uint8Array) =>
      runWasm(load('charls', () => import('@cornerstonejs/codec-charls/decodewasmjs'), 'JpegLSDecoder'), stream, expected, (d, info) => ({
        planar: info.componentCount > 1 && d.getInterleaveMode?.() === 0,
      }));
    try {
      return await decode(data);
    } catch (err) {
      // 2- to 7-bit streams from CharLS 1.x encoders (dcmcjpls) assume other default thresholds: jpeg-ls.ts.
      const legacy = err instanceof CodestreamError ? undefined : withCharls1Thresholds(data);
      if (!legacy) throw err;
      try {
        return await decode(legacy);
      } catch {
        throw err;
      }
    }
  },
  async j2k(data: Uint8Array, expected?: ExpectedFrame): Promise<CodecOutput> {
    checkJ2kSize(data, expected);
    const { decoder } = await loadOpenJpeg();
    if (decoder) {
      const f = decoder.decode(data, expected);
      return { bytes: f.bytes, columns: f.columns, rows: f.rows, components: f.components, bitsPerSample: f.precision, rgb: f.components === 3 && hasMct(data) };
    }
    return codecs.j2kCornerstone(data, expected);
  },
  /** @cornerstonejs/codec-openjpeg: where Lumen's own build is missing, and as the tests' second opinion. */
  async j2kCornerstone(data: Uint8Array, expected?: ExpectedFrame): Promise<CodecOutput> {
    checkJ2kSize(data, expected);
    return runWasm(load('openjpeg', () => import('@cornerstonejs/codec-openjpeg/decodewasmjs'), 'J2KDecoder'), data, expected, (_d, info) => ({ rgb: info.componentCount === 3 && hasMct(data) }), false);
  },
  async htj2k(data: Uint8Array, expected?: ExpectedFrame): Promise<CodecOutput> {
    checkJ2kSize(data, expected);
    return runWasm(load('openjph', () => import('@cornerstonejs/codec-openjph/wasmjs'), 'HTJ2KDecoder'), data, expected, (_d, info) => ({ rgb: info.componentCount === 3 && hasMct(data) }), true);
  },
  jpegLossless(data: Uint8Array, meta: InstanceMeta): CodecOutput {
    // Before either decoder: the fallback below would otherwise decode what Lumen's refused.
    checkJpegStream(data, meta);
    try {
      return decodeJpegLossless(data, meta);
    } catch (err) {
      // Streams our decoder does not take (subsampled components) go to
      // jpeg-lossless-decoder-js; corrupt ones fail in both.
      try {
        return jpegLosslessFallback(data, meta);
      } catch {
        throw err;
      }
    }
  },
};

function jpegLosslessFallback(data: Uint8Array, meta: InstanceMeta): CodecOutput {
  {
    const decoder = new JpegLosslessDecoder();
    const numBytes = meta.bitsAllocated <= 8 ? 1 : 2;
    const out = decoder.decode(data.buffer as ArrayBuffer, data.byteOffset, data.length, numBytes);
    const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    return { bytes, columns: decoder.xDim, rows: decoder.yDim, components: decoder.numComp, bitsPerSample: numBytes * 8 };
  }
}

/** Whether a JPEG 2000 codestream applies the multi-component transform (COD marker, SGcod byte 4). */
function hasMct(data: Uint8Array): boolean {
  for (let i = 0; i + 10 < data.length && i < 4096; i++) {
    if (data[i] === 0xff && data[i + 1] === 0x52) return data[i + 8] === 1;
  }
  return false;
}

/**
 * The image size a J2K codestream's SIZ segment declares, checked against the header's before a
 * decoder sees it (a damaged SIZ, as pydicom-data has one overwritten by the bytes of a sequence
 * delimiter, then fails with the sizes, not with OpenJPEG's "Invalid number of tiles"), and what
 * its headers would make a decoder allocate (tiles, components, layers, levels, precincts,
 * code-blocks; a JP2 file's boxes too): j2k-header.ts.
 */
function checkJ2kSize(data: Uint8Array, expected?: ExpectedFrame): void {
  checkJ2kHeader(data, expected);
}
