// One reader of JPEG marker segments (ITU T.81 B.1.1.4) for every JPEG stream
// Lumen looks into: the lossless decoder, the 12-bit DCT decoder, the
// precision check that picks a decoder, and the colour-transform marker that
// makes an 8-bit decoder follow the DICOM Photometric Interpretation.
import { CodestreamError } from './codestream-error';

export interface JpegSegment {
  /** The marker's second byte (0xC0 for SOF0, 0xDA for SOS, ...). */
  marker: number;
  /** Offset of the marker's 0xFF. */
  at: number;
  /** First byte of the segment's parameters (after the two length bytes). */
  start: number;
  /** First byte after the segment (where entropy-coded data starts after SOS). */
  end: number;
}

export const SOI = 0xd8;
export const EOI = 0xd9;
export const SOS = 0xda;
export const DRI = 0xdd;
export const DHT = 0xc4;
export const DQT = 0xdb;
export const APP0 = 0xe0;
export const APP14 = 0xee;

/** Whether a marker is a start-of-frame (SOF0..SOF15 less DHT, JPG and DAC). */
export function isSof(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== DHT && marker !== 0xc8 && marker !== 0xcc;
}

export function startsWithSoi(data: Uint8Array): boolean {
  return data[0] === 0xff && data[1] === SOI;
}

/**
 * Walks a stream's marker segments from just after SOI. Fill bytes,
 * stray bytes between segments and the standalone markers (SOI, RSTn, TEM)
 * are stepped over; EOI ends the walk. After SOS the caller decodes the scan
 * and sets `pos` to the marker that ends it.
 */
export class JpegMarkerReader {
  pos = 2;

  constructor(readonly data: Uint8Array) {}

  u16(p: number): number {
    return (this.data[p] << 8) | this.data[p + 1];
  }

  /** The next segment (pos moves past it), or undefined at EOI or the end of the data. */
  next(): JpegSegment | undefined {
    const data = this.data;
    while (this.pos + 4 <= data.length) {
      const at = this.pos;
      if (data[at] !== 0xff) { this.pos++; continue; }
      const marker = data[at + 1];
      if (marker === 0xff) { this.pos++; continue; }
      if (marker === EOI) return undefined;
      if (marker === SOI || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01 || marker === 0x00) { this.pos += 2; continue; }
      const end = at + 2 + this.u16(at + 2);
      if (end > data.length) throw new CodestreamError(`JPEG segment at byte ${at} runs past the end`);
      this.pos = end;
      return { marker, at, start: at + 4, end };
    }
    return undefined;
  }
}

/** Sample precision from a JPEG stream's SOF marker, or 0 when none is found. */
export function jpegPrecision(data: Uint8Array): number {
  const reader = new JpegMarkerReader(data);
  try {
    for (let s = reader.next(); s; s = reader.next()) {
      if (isSof(s.marker)) return data[s.start];
      // The frame header precedes the first scan: nothing after SOS can be one.
      if (s.marker === SOS) return 0;
    }
  } catch {
    // A damaged stream: the decoder says why.
  }
  return 0;
}

/**
 * A 3-component stream rewritten, where needed, so that a JPEG decoder applies
 * the colour transform the DICOM attribute names (PS3.5 8.2.1: Photometric
 * Interpretation is the colour space the data was compressed in): RGB is
 * decoded without a YCbCr to RGB conversion, YBR_FULL and YBR_FULL_422 with
 * it. libjpeg decides from the JFIF and Adobe (APP14) markers, else from the
 * component ids, and takes YCbCr when none says: an RGB stream with neither
 * marker came out flat magenta. Where its choice differs from the attribute's,
 * the JFIF and Adobe segments are replaced by one Adobe segment that says what
 * the attribute says; otherwise the stream is returned as it was (no copy).
 */
export function withDicomColourTransform(data: Uint8Array, photometric: string): Uint8Array {
  const wantYcc = photometric === 'YBR_FULL' || photometric === 'YBR_FULL_422';
  if (!wantYcc && photometric !== 'RGB') return data;
  if (!startsWithSoi(data)) return data;
  const reader = new JpegMarkerReader(data);
  const drop: JpegSegment[] = [];
  let jfif = false;
  let adobe: number | undefined;
  let ids: number[] | undefined;
  try {
    for (let s = reader.next(); s && s.marker !== SOS; s = reader.next()) {
      if (s.marker === APP0 && s.end - s.start >= 5 && ascii(data, s.start, 4) === 'JFIF' && data[s.start + 4] === 0) {
        jfif = true;
        drop.push(s);
      } else if (s.marker === APP14 && s.end - s.start >= 12 && ascii(data, s.start, 5) === 'Adobe') {
        adobe = data[s.start + 11];
        drop.push(s);
      } else if (isSof(s.marker)) {
        const n = data[s.start + 5];
        ids = Array.from({ length: n }, (_, i) => data[s.start + 6 + 3 * i]);
      }
    }
  } catch {
    return data;
  }
  if (!ids || ids.length !== 3) return data;
  // libjpeg-turbo's default_decompress_parms (jdapimin.c), for three components.
  const decoderYcc = jfif ? true : adobe !== undefined ? adobe !== 0 : !(ids[0] === 0x52 && ids[1] === 0x47 && ids[2] === 0x42);
  if (decoderYcc === wantYcc) return data;
  const app14 = Uint8Array.from([0xff, APP14, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, wantYcc ? 1 : 0]);
  const kept: Uint8Array[] = [data.subarray(0, 2), app14];
  let from = 2;
  for (const s of drop) {
    kept.push(data.subarray(from, s.at));
    from = s.end;
  }
  kept.push(data.subarray(from));
  const out = new Uint8Array(kept.reduce((n, k) => n + k.length, 0));
  let at = 0;
  for (const k of kept) {
    out.set(k, at);
    at += k.length;
  }
  return out;
}

function ascii(data: Uint8Array, start: number, n: number): string {
  return String.fromCharCode(...data.subarray(start, start + n));
}
