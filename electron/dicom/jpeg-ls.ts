// JPEG-LS streams written with CharLS 1.x thresholds. A stream without a
// preset-parameters segment (LSE, ID 1) leaves the thresholds T1..T3 to the
// decoder, which computes them from MAXVAL and NEAR (ITU T.87 C.2.4.1.1.1).
// For MAXVAL below 128 (2 to 7 bits) the standard has a formula of its own;
// CharLS before 2.1 knew only the one for MAXVAL >= 128 (team-charls/charls
// issue 51), and dcmtk's dcmcjpls still encodes with that copy. Its
// near-lossless 6- and 7-bit streams (lossless ones too, in "cooked" mode)
// therefore carry residuals coded for other thresholds than the ones a
// conforming decoder, the CharLS 2 Lumen uses, derives: it stops with data left
// over. dcmdjpls decodes them with the same old formula. Written out as an LSE
// segment, those thresholds make the stream explicit and decodable.
import { checkDimensions, type ExpectedFrame } from './codec-output';
import { JpegMarkerReader, MAX_SCANS, SOS, startsWithSoi, tooManyScans } from './jpeg-markers';

/** JPEG-LS start of frame (SOF55) and preset parameters (LSE) markers. */
const SOF55 = 0xf7;
const LSE = 0xf8;

/** The thresholds and reset value CharLS 1.x uses when a stream names none (its ComputeDefault). */
export function charls1Thresholds(maxVal: number, near: number): { t1: number; t2: number; t3: number; reset: number } {
  const factor = Math.floor((Math.min(maxVal, 4095) + 128) / 256);
  // CharLS 1.x's CLAMP: out of [low, maxVal] gives low.
  const clamp = (v: number, low: number) => (v > maxVal || v < low ? low : v);
  const t1 = clamp(factor * (3 - 2) + 2 + 3 * near, near + 1);
  const t2 = clamp(factor * (7 - 3) + 3 + 5 * near, t1);
  const t3 = clamp(factor * (21 - 4) + 4 + 7 * near, t2);
  return { t1, t2, t3, reset: 64 };
}

/**
 * The stream with an LSE segment before its first scan that states the
 * thresholds CharLS 1.x would have used, or undefined where that changes
 * nothing: 8 bits or more (both formulas agree there), a stream that already
 * states its parameters, scans with different NEAR values, or a header it
 * cannot read (the decoder then says why).
 */
export function withCharls1Thresholds(data: Uint8Array): Uint8Array | undefined {
  if (!startsWithSoi(data)) return undefined;
  const reader = new JpegMarkerReader(data);
  let precision = 0;
  let firstScan = -1;
  try {
    // Only up to the first scan: JPEG-LS scan data is not walked as segments.
    for (let s = reader.next(); s; s = reader.next()) {
      if (s.marker === LSE) return undefined;
      if (s.marker === SOF55) precision = data[s.start];
      if (s.marker === SOS) {
        firstScan = s.at;
        break;
      }
    }
  } catch {
    return undefined;
  }
  if (firstScan < 0 || precision < 2 || precision > 7) return undefined;
  // NEAR of every scan. FF DA cannot occur inside JPEG-LS scan data: after an FF byte the encoder stuffs a 0 bit.
  const nears = new Set<number>();
  for (let p = firstScan; p + 4 < data.length; p++) {
    if (data[p] !== 0xff || data[p + 1] !== SOS) continue;
    const at = p + 5 + 2 * data[p + 4];
    if (at >= data.length) return undefined;
    nears.add(data[at]);
  }
  if (nears.size !== 1) return undefined;
  const maxVal = 2 ** precision - 1;
  const { t1, t2, t3, reset } = charls1Thresholds(maxVal, [...nears][0]);
  const lse = Uint8Array.from([0xff, LSE, 0x00, 0x0d, 0x01, 0, maxVal, t1 >> 8, t1 & 0xff, t2 >> 8, t2 & 0xff, t3 >> 8, t3 & 0xff, reset >> 8, reset & 0xff]);
  const out = new Uint8Array(data.length + lse.length);
  out.set(data.subarray(0, firstScan));
  out.set(lse, firstScan);
  out.set(data.subarray(firstScan), firstScan + lse.length);
  return out;
}

/**
 * What a JPEG-LS stream's markers promise, checked before CharLS sees it: the
 * frame size in SOF55 is the DICOM header's (CharLS gave only its own words
 * for 65535 x 65535), and there are at most MAX_SCANS scans (CharLS walks
 * each: 2000 copies of a 256x256 frame's scan cost it 2 to 3 s before it
 * failed, against 40 to 140 ms for the frame). A header the walk cannot read
 * is left to CharLS.
 */
export function checkJpegLsStream(data: Uint8Array, expected?: ExpectedFrame): void {
  if (!startsWithSoi(data)) return;
  const reader = new JpegMarkerReader(data);
  for (;;) {
    let s;
    try {
      s = reader.next();
    } catch {
      return;
    }
    if (!s) return;
    if (s.marker === SOF55 && s.end - s.start >= 5) checkDimensions(reader.u16(s.start + 3), reader.u16(s.start + 1), expected);
    if (s.marker === SOS) break;
  }
  // FF DA cannot occur inside JPEG-LS scan data (after an FF byte the encoder stuffs a 0 bit): every one is a scan.
  let scans = 0;
  for (let p = data.indexOf(0xff, 0); p >= 0 && p + 1 < data.length; p = data.indexOf(0xff, p + 1)) {
    if (data[p + 1] === SOS && ++scans > MAX_SCANS) throw tooManyScans();
  }
}
