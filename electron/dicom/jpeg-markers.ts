// One reader of JPEG marker segments (ITU T.81 B.1.1.4) for every JPEG stream
// Lumen looks into: the lossless decoder, the 12-bit DCT decoder, the
// precision check that picks a decoder, the colour space the DICOM Photometric
// Interpretation gives both DCT decoders, and the JPEG-LS header (jpeg-ls.ts);
// with where a scan and a restart interval end, for the two decoders.
import { checkDimensions, type ExpectedFrame } from './codec-output';
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
      if (marker === SOI || isRst(marker) || marker === 0x01 || marker === 0x00) { this.pos += 2; continue; }
      const end = at + 2 + this.u16(at + 2);
      if (end > data.length) throw new CodestreamError(`JPEG segment at byte ${at} runs past the end`);
      this.pos = end;
      return { marker, at, start: at + 4, end };
    }
    return undefined;
  }
}

/** Whether a marker is a restart marker, RST0..RST7. */
function isRst(marker: number): boolean {
  return marker >= 0xd0 && marker <= 0xd7;
}

/** Where the marker that ends a scan's entropy-coded data starts: the first 0xFF from `from` followed by neither 0x00 (a stuffed byte) nor RSTn. */
export function scanEnd(data: Uint8Array, from: number): number {
  let p = from;
  while (p + 1 < data.length) {
    // indexOf finds the next 0xFF natively: the checks below walk every scan of every frame.
    const q = data.indexOf(0xff, p);
    if (q < 0 || q + 1 >= data.length) return data.length - 1;
    const m = data[q + 1];
    if (m !== 0 && !isRst(m)) return q;
    p = q + 2;
  }
  return Math.min(p, Math.max(from, data.length - 1));
}

/** The position just after the next restart marker (RSTn) from `from`: where entropy-coded data goes on. */
export function afterRestart(data: Uint8Array, from: number): number {
  let p = from;
  while (p + 1 < data.length && !(data[p] === 0xff && isRst(data[p + 1]))) p++;
  return p + 2;
}

/**
 * Scans one frame may have. Each scan is a pass over every block (every pixel
 * in lossless JPEG), so a crafted stream of thousands of tiny scans keeps a
 * decoder busy for seconds on a small frame and minutes on a large one. IJG's
 * progression scripts write 6 to 10; T.81 allows contrived scripts with more,
 * which no encoder Lumen knows writes.
 */
export const MAX_SCANS = 1000;

export function tooManyScans(): CodestreamError {
  return new CodestreamError(`the frame has more than ${MAX_SCANS} scans, the most Lumen decodes (a progressive image has about 10)`);
}

/**
 * What a DCT or lossless JPEG stream's markers promise, checked before a
 * decoder sees it (libjpeg-turbo, the Cornerstone codecs and jpeg-lossless-decoder-js
 * have no such limits): the frame size is the DICOM header's, so nothing is
 * allocated for a size the header does not hold, and there are at most
 * MAX_SCANS scans. A stream the walk cannot read is left to the decoder,
 * which says why.
 */
export function checkJpegStream(data: Uint8Array, expected?: ExpectedFrame): void {
  if (!startsWithSoi(data)) return;
  const reader = new JpegMarkerReader(data);
  let scans = 0;
  for (;;) {
    let s: JpegSegment | undefined;
    try {
      s = reader.next();
    } catch {
      return;
    }
    if (!s) return;
    if (isSof(s.marker) && s.end - s.start >= 5) checkDimensions(reader.u16(s.start + 3), reader.u16(s.start + 1), expected);
    else if (s.marker === SOS) {
      if (++scans > MAX_SCANS) throw tooManyScans();
      reader.pos = scanEnd(data, s.end);
    }
  }
}

/** A JPEG stream's frame header: its SOF marker (0xC0 to 0xCF) and sample precision, or undefined when none is found. */
export function jpegFrameHeader(data: Uint8Array): { marker: number; precision: number } | undefined {
  const reader = new JpegMarkerReader(data);
  try {
    for (let s = reader.next(); s; s = reader.next()) {
      if (isSof(s.marker)) return { marker: s.marker, precision: data[s.start] };
      // The frame header precedes the first scan: nothing after SOS can be one.
      if (s.marker === SOS) return undefined;
    }
  } catch {
    // A damaged stream: the decoder says why.
  }
  return undefined;
}

/** What a 3-component stream says about its colour space: the segments libjpeg decides by. */
interface ColourMarkers {
  /** The JFIF (APP0) and Adobe (APP14) segments. */
  segments: JpegSegment[];
  jfif: boolean;
  /** The Adobe segment's transform flag (0: RGB, 1: YCbCr), if it has one. */
  adobe?: number;
  /** Component identifiers from the frame header. */
  ids: number[];
}

function colourMarkers(data: Uint8Array): ColourMarkers | undefined {
  if (!startsWithSoi(data)) return undefined;
  const reader = new JpegMarkerReader(data);
  const segments: JpegSegment[] = [];
  let jfif = false;
  let adobe: number | undefined;
  let ids: number[] | undefined;
  try {
    for (let s = reader.next(); s && s.marker !== SOS; s = reader.next()) {
      if (s.marker === APP0 && s.end - s.start >= 5 && ascii(data, s.start, 4) === 'JFIF' && data[s.start + 4] === 0) {
        jfif = true;
        segments.push(s);
      } else if (s.marker === APP14 && s.end - s.start >= 12 && ascii(data, s.start, 5) === 'Adobe') {
        adobe = data[s.start + 11];
        segments.push(s);
      } else if (isSof(s.marker)) {
        const n = data[s.start + 5];
        ids = Array.from({ length: n }, (_, i) => data[s.start + 6 + 3 * i]);
      }
    }
  } catch {
    return undefined;
  }
  return ids && ids.length === 3 ? { segments, jfif, adobe, ids } : undefined;
}

/** Whether libjpeg converts a 3-component stream from YCbCr (libjpeg-turbo's and IJG 6b's default_decompress_parms, jdapimin.c). */
function libjpegAssumesYcc(m: ColourMarkers): boolean {
  return m.jfif ? true : m.adobe !== undefined ? m.adobe !== 0 : !(m.ids[0] === 0x52 && m.ids[1] === 0x47 && m.ids[2] === 0x42);
}

/** The colour space a DICOM Photometric Interpretation says the JPEG data was compressed in, where it names one. */
function dicomColourSpace(photometric: string): 'ycc' | 'rgb' | undefined {
  if (photometric === 'YBR_FULL' || photometric === 'YBR_FULL_422') return 'ycc';
  return photometric === 'RGB' ? 'rgb' : undefined;
}

/**
 * Whether the three components of a JPEG stream are YCbCr to be converted to
 * RGB (PS3.5 8.2.1: Photometric Interpretation is the colour space the data
 * was compressed in): YBR_FULL and YBR_FULL_422 are, RGB is not; any other
 * value leaves it to the markers, as libjpeg decides. Lumen's own 12-bit
 * decoder asks this; libjpeg is told through withDicomColourTransform.
 */
export function jpegIsYcc(data: Uint8Array, photometric: string): boolean {
  const wanted = dicomColourSpace(photometric);
  if (wanted) return wanted === 'ycc';
  const m = colourMarkers(data);
  return m ? libjpegAssumesYcc(m) : true;
}

/**
 * A 3-component stream rewritten, where needed, so that libjpeg applies the
 * colour transform the DICOM attribute names (jpegIsYcc). libjpeg decides
 * from the JFIF and Adobe (APP14) markers, else from the component ids, and
 * takes YCbCr when none says: an RGB stream with neither marker came out flat
 * magenta. Where its choice differs from the attribute's, the JFIF and Adobe
 * segments are replaced by one Adobe segment that says what the attribute
 * says; otherwise the stream is returned as it was (no copy).
 */
export function withDicomColourTransform(data: Uint8Array, photometric: string): Uint8Array {
  const wanted = dicomColourSpace(photometric);
  if (!wanted) return data;
  const m = colourMarkers(data);
  if (!m) return data;
  const wantYcc = wanted === 'ycc';
  if (libjpegAssumesYcc(m) === wantYcc) return data;
  const app14 = Uint8Array.from([0xff, APP14, 0x00, 0x0e, 0x41, 0x64, 0x6f, 0x62, 0x65, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00, wantYcc ? 1 : 0]);
  const kept: Uint8Array[] = [data.subarray(0, 2), app14];
  let from = 2;
  for (const s of m.segments) {
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
