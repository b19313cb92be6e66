// RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one
// PackBits segment per byte plane, most significant byte first, one sample
// after the other. Decoded straight into pixel-interleaved little-endian bytes.
//
// The header and offsets are checked here; the PackBits loop runs in Lumen's
// WASM build of lumen_rle.c (three times as fast on a 16-bit CT
// frame), or in JavaScript where that was not built. Both give the same bytes
// and the same errors (test/dicom/rle.test.ts).
import type { CodecOutput } from './codec-output';
import { CodestreamError } from './codestream-error';
import type { InstanceMeta } from './parse';
import { codecModuleSync, WasmDecoder, type WasmCodec, type WasmExports } from './wasm-codec';

interface RleExports extends WasmExports {
  lumen_rle_alloc(n: number): number;
  lumen_rle_free(p: number): void;
  lumen_rle_segment(data: number, start: number, end: number, out: number, o: number, limit: number, stride: number): number;
}

let wasm: WasmDecoder<RleExports> | null | undefined;

/**
 * This thread's RLE instance, made on first use from the module compiled once per process
 * (codecModuleSync); null where it is not built or does not load.
 */
function rleModule(): WasmDecoder<RleExports> | null {
  if (wasm === undefined) {
    const { codec } = codecModuleSync('rle');
    try {
      wasm = codec ? WasmDecoder.of(codec as WasmCodec<RleExports>, 'lumen_rle', 'RLE frame') : null;
    } catch {
      wasm = null;
    }
  }
  return wasm;
}

export type RleImplementation = 'wasm' | 'js';

/** Which PackBits loop decodeRle uses on this thread. */
export function rleImplementation(): RleImplementation {
  return rleModule() ? 'wasm' : 'js';
}

interface Segment {
  start: number;
  end: number;
  /** First output byte (the sample's byte of this plane in pixel 0). */
  first: number;
}

export function decodeRle(input: Uint8Array, meta: InstanceMeta, use: RleImplementation = rleImplementation()): CodecOutput {
  // A plain Uint8Array view (not a Buffer) keeps the hot loop monomorphic.
  const data = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const bps = meta.bitsAllocated <= 8 ? 1 : meta.bitsAllocated / 8;
  const spp = meta.samplesPerPixel;
  const pixels = meta.rows * meta.columns;
  if (data.length < 64) throw new CodestreamError(`RLE header needs 64 bytes, the frame has ${data.length}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const count = view.getUint32(0, true);
  if (count !== spp * bps) throw new CodestreamError(`RLE header lists ${count} segments, ${spp * bps} expected for ${spp} sample(s) of ${bps} byte(s)`);
  const segments: Segment[] = [];
  for (let k = 0; k < count; k++) {
    const start = view.getUint32(4 + 4 * k, true);
    const end = k + 1 < count ? view.getUint32(8 + 4 * k, true) : data.length;
    if (start < 64 || start > data.length || end > data.length || end < start) throw new CodestreamError(`RLE segment ${k + 1} offset ${start} lies outside the frame (${data.length} bytes)`);
    segments.push({ start, end, first: Math.floor(k / bps) * bps + (bps - 1 - (k % bps)) });
  }
  const stride = spp * bps;
  const length = pixels * stride;
  const module = use === 'wasm' ? rleModule() : null;
  const { out, reached } = module ? decodeWasm(module, data, segments, length, stride) : decodeJs(data, segments, length, stride);
  reached.forEach((o, k) => {
    if (o < length) throw new CodestreamError(`RLE segment ${k + 1} ends after ${Math.floor((o - segments[k].first) / stride)} of ${pixels} pixels`);
  });
  return { bytes: out, columns: meta.columns, rows: meta.rows, components: spp, bitsPerSample: bps * 8 };
}

function decodeWasm(codec: WasmDecoder<RleExports>, data: Uint8Array, segments: Segment[], length: number, stride: number): { out: Uint8Array; reached: number[] } {
  return codec.frame(
    data,
    (e, input, take) => {
      const output = take(length);
      return { output, reached: segments.map((s) => e.lumen_rle_segment(input, s.start, s.end, output, s.first, length, stride)) };
    },
    (e, { output, reached }) => ({ out: new Uint8Array(e.memory.buffer, output, length).slice(), reached }),
  );
}

function decodeJs(data: Uint8Array, segments: Segment[], length: number, stride: number): { out: Uint8Array; reached: number[] } {
  const out = new Uint8Array(length);
  const reached = segments.map(({ start, end, first }) => {
    let o = first;
    let i = start;
    while (i < end && o < length) {
      const n = data[i++];
      if (n < 128) {
        // literal run of n + 1 bytes
        const stop = Math.min(i + n + 1, end);
        while (i < stop && o < length) {
          out[o] = data[i++];
          o += stride;
        }
      } else if (n > 128) {
        // 257 - n copies of the next byte (0 when the segment ends first, as in lumen_rle.c)
        const v = i < end ? data[i] : 0;
        i++;
        for (let r = 257 - n; r > 0 && o < length; r--) {
          out[o] = v;
          o += stride;
        }
      }
      // n === 128: no operation
    }
    return o;
  });
  return { out, reached };
}
