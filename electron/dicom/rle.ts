// RLE Lossless (PS3.5 Annex G): a 64-byte header of segment offsets, then one
// PackBits segment per byte plane, most significant byte first, one sample
// after the other. Decoded straight into pixel-interleaved little-endian bytes.
import type { CodecOutput } from './decode';
import type { InstanceMeta } from './parse';

export function decodeRle(input: Uint8Array, meta: InstanceMeta): CodecOutput {
  // A plain Uint8Array view (not a Buffer) keeps the hot loop monomorphic.
  const data = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
  const bps = meta.bitsAllocated <= 8 ? 1 : meta.bitsAllocated / 8;
  const spp = meta.samplesPerPixel;
  const pixels = meta.rows * meta.columns;
  if (data.length < 64) throw new Error(`RLE header needs 64 bytes, the frame has ${data.length}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segments = view.getUint32(0, true);
  if (segments !== spp * bps) throw new Error(`RLE header lists ${segments} segments, ${spp * bps} expected for ${spp} sample(s) of ${bps} byte(s)`);
  const out = new Uint8Array(pixels * spp * bps);
  const stride = spp * bps;
  for (let k = 0; k < segments; k++) {
    const start = view.getUint32(4 + 4 * k, true);
    const end = k + 1 < segments ? view.getUint32(8 + 4 * k, true) : data.length;
    if (start < 64 || start > data.length || end > data.length || end < start) throw new Error(`RLE segment ${k + 1} offset ${start} lies outside the frame (${data.length} bytes)`);
    const sample = Math.floor(k / bps);
    const byteInSample = bps - 1 - (k % bps);
    let o = sample * bps + byteInSample;
    const limit = out.length;
    let i = start;
    while (i < end && o < limit) {
      const n = data[i++];
      if (n < 128) {
        // literal run of n + 1 bytes
        const stop = Math.min(i + n + 1, end);
        while (i < stop && o < limit) {
          out[o] = data[i++];
          o += stride;
        }
      } else if (n > 128) {
        const v = data[i++];
        for (let r = 257 - n; r > 0 && o < limit; r--) {
          out[o] = v;
          o += stride;
        }
      }
      // n === 128: no operation
    }
    if (o < limit) throw new Error(`RLE segment ${k + 1} ends after ${Math.floor((o - sample * bps - byteInSample) / stride)} of ${pixels} pixels`);
  }
  return { bytes: out, columns: meta.columns, rows: meta.rows, components: spp, bitsPerSample: bps * 8 };
}
