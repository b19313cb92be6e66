// JPEG DCT decoder (ITU T.81, Huffman: sequential baseline and extended,
// processes 1, 2 and 4, and progressive, processes 10 and 12) for 12-bit
// samples, which libjpeg-turbo's 8-bit WASM build cannot read. DICOM uses it
// for 1.2.840.10008.1.2.4.51 with 12 bits and for the retired
// 1.2.840.10008.1.2.4.55 (full progression) with 12 bits, which dcmtk's
// dcmcjpeg +ep still writes. Written from the standard; it favours clarity
// over speed (12-bit JPEG is rare).
import { checkDimensions, type CodecOutput, type ExpectedFrame } from './codec-output';
import { CodestreamError, UnsupportedCodestream } from './codestream-error';
import { JpegMarkerReader, MAX_SCANS, afterRestart, jpegIsYcc, scanEnd, startsWithSoi, tooManyScans } from './jpeg-markers';
import { DicomFileError, transferSyntaxName, type InstanceMeta } from './parse';
import { errorMessage } from '../../common/errors';

const ZIGZAG = new Uint8Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22,
  15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

// libjpeg's default inverse DCT (jidctint.c, "islow"), in its integers, so that
// Lumen's samples are the ones dcmtk and GDCM decode: a floating-point IDCT
// rounds a step apart now and then, which YCbCr to RGB turns into three.
const CONST_BITS = 13;
// Its constants, FIX(c) = round(c * 2^13), named as there. Sums are kept in doubles
// (exact below 2^53) and descaled by a rounded floor, as its DESCALE shifts: no 32-bit sum can wrap.
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

/** One 8-point inverse DCT of `src[at + k * step]`, descaled by `shift`, into `dst[to + k * dstStep]`. */
function idct8(src: ArrayLike<number>, at: number, step: number, dst: Float64Array, to: number, dstStep: number, shift: number): void {
  const x0 = src[at];
  const x1 = src[at + step];
  const x2 = src[at + 2 * step];
  const x3 = src[at + 3 * step];
  const x4 = src[at + 4 * step];
  const x5 = src[at + 5 * step];
  const x6 = src[at + 6 * step];
  const x7 = src[at + 7 * step];
  // Even part.
  const z1e = (x2 + x6) * FIX_0_541196100;
  const e2 = z1e - x6 * FIX_1_847759065;
  const e3 = z1e + x2 * FIX_0_765366865;
  const e0 = (x0 + x4) * 2 ** CONST_BITS;
  const e1 = (x0 - x4) * 2 ** CONST_BITS;
  const t10 = e0 + e3;
  const t13 = e0 - e3;
  const t11 = e1 + e2;
  const t12 = e1 - e2;
  // Odd part.
  const z5 = (x7 + x3 + x5 + x1) * FIX_1_175875602;
  const z1 = (x7 + x1) * -FIX_0_899976223;
  const z2 = (x5 + x3) * -FIX_2_562915447;
  const z3 = (x7 + x3) * -FIX_1_961570560 + z5;
  const z4 = (x5 + x1) * -FIX_0_390180644 + z5;
  const o0 = x7 * FIX_0_298631336 + z1 + z3;
  const o1 = x5 * FIX_2_053119869 + z2 + z4;
  const o2 = x3 * FIX_3_072711026 + z2 + z3;
  const o3 = x1 * FIX_1_501321110 + z1 + z4;
  const round = 2 ** (shift - 1);
  const scale = 2 ** -shift;
  dst[to] = Math.floor((t10 + o3 + round) * scale);
  dst[to + dstStep] = Math.floor((t11 + o2 + round) * scale);
  dst[to + 2 * dstStep] = Math.floor((t12 + o1 + round) * scale);
  dst[to + 3 * dstStep] = Math.floor((t13 + o0 + round) * scale);
  dst[to + 4 * dstStep] = Math.floor((t13 - o0 + round) * scale);
  dst[to + 5 * dstStep] = Math.floor((t12 - o1 + round) * scale);
  dst[to + 6 * dstStep] = Math.floor((t11 - o2 + round) * scale);
  dst[to + 7 * dstStep] = Math.floor((t10 - o3 + round) * scale);
}

interface HuffmanTable {
  /** Codes of length l: values[valPtr[l] + code - minCode[l]] when code <= maxCode[l]. */
  minCode: Int32Array;
  maxCode: Int32Array;
  valPtr: Int32Array;
  values: Uint8Array;
}

interface Component {
  id: number;
  h: number;
  v: number;
  tq: number;
  blocksPerLine: number;
  blocksPerColumn: number;
  plane: Float64Array;
  dcTable?: HuffmanTable;
  acTable?: HuffmanTable;
  pred: number;
  /**
   * Progressive only: every block's quantised coefficients in zigzag order, 16
   * bits as libjpeg's JCOEF, built up scan by scan; the IDCT runs after the last.
   */
  coefs?: Int16Array;
  /** Progressive only: the quantisation table as at the component's first scan (libjpeg latches it then). */
  quant?: Int32Array;
}

function buildHuffman(counts: Uint8Array, values: Uint8Array): HuffmanTable {
  const minCode = new Int32Array(17);
  const maxCode = new Int32Array(18).fill(-1);
  const valPtr = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    valPtr[l] = k;
    minCode[l] = code;
    code += counts[l - 1];
    k += counts[l - 1];
    maxCode[l] = counts[l - 1] ? code - 1 : -1;
    code <<= 1;
  }
  maxCode[17] = 0x7fffffff;
  return { minCode, maxCode, valPtr, values };
}

class BitReader {
  private buf = 0;
  private bits = 0;
  constructor(
    private readonly data: Uint8Array,
    public pos: number,
  ) {}

  private fill(): void {
    while (this.bits <= 24) {
      let byte = 0;
      if (this.pos < this.data.length) {
        byte = this.data[this.pos];
        if (byte === 0xff) {
          const next = this.data[this.pos + 1];
          if (next === 0) this.pos += 2;
          else byte = 0; // a marker: feed zeros, leave it for the caller
        } else this.pos++;
      }
      this.buf = ((this.buf << 8) | byte) >>> 0;
      this.bits += 8;
    }
  }

  bit(): number {
    if (this.bits === 0) this.fill();
    this.bits--;
    return (this.buf >>> this.bits) & 1;
  }

  receive(n: number): number {
    if (n === 0) return 0;
    if (this.bits < n) this.fill();
    this.bits -= n;
    return (this.buf >>> this.bits) & ((1 << n) - 1);
  }

  decode(t: HuffmanTable): number {
    let code = this.bit();
    let l = 1;
    while (code > t.maxCode[l]) {
      code = (code << 1) | this.bit();
      if (++l > 16) throw new CodestreamError('bad Huffman code');
    }
    return t.values[t.valPtr[l] + code - t.minCode[l]];
  }

  /** At a restart marker: drop the buffered bits and step over RSTn. */
  restart(): void {
    this.buf = 0;
    this.bits = 0;
    this.pos = afterRestart(this.data, this.pos);
  }

  /** The position of the marker that ends the scan. */
  end(): number {
    return scanEnd(this.data, this.pos);
  }
}

function extend(v: number, n: number): number {
  return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
}

/**
 * `photometric`: the DICOM Photometric Interpretation, which says whether three
 * components are YCbCr to convert to RGB (jpegIsYcc); without it they are
 * returned as coded.
 */
export function decodeJpegDct(data: Uint8Array, expected?: ExpectedFrame, photometric?: string): CodecOutput {
  const qt: Int32Array[] = [];
  const dc: HuffmanTable[] = [];
  const ac: HuffmanTable[] = [];
  let frame: ScanFrame | undefined;
  let restartInterval = 0;
  if (!startsWithSoi(data)) throw new CodestreamError('no JPEG start-of-image marker');
  let scanCount = 0;
  const reader = new JpegMarkerReader(data);
  const u16 = (p: number) => reader.u16(p);
  for (let s = reader.next(); s; s = reader.next()) {
    const { marker, start: seg, end: segEnd } = s;
    switch (marker) {
      case 0xdb: {
        let p = seg;
        while (p < segEnd) {
          const pq = data[p] >> 4;
          const tq = data[p] & 15;
          p++;
          const t = new Int32Array(64);
          for (let k = 0; k < 64; k++) t[k] = pq ? u16(p + 2 * k) : data[p + k];
          p += pq ? 128 : 64;
          qt[tq] = t;
        }
        break;
      }
      case 0xc4: {
        let p = seg;
        while (p < segEnd) {
          const tc = data[p] >> 4;
          const th = data[p] & 15;
          const counts = data.subarray(p + 1, p + 17);
          const n = counts.reduce((a, b) => a + b, 0);
          const table = buildHuffman(counts, data.slice(p + 17, p + 17 + n));
          (tc === 0 ? dc : ac)[th] = table;
          p += 17 + n;
        }
        break;
      }
      case 0xc0:
      case 0xc1:
      case 0xc2: {
        const precision = data[seg];
        if (precision !== 8 && precision !== 12) {
          throw new UnsupportedCodestream(
            `its JPEG frame header declares ${precision}-bit samples, which no DCT process of JPEG has (ITU T.81: 8 or 12 bits; GDCM's experimental lossy mode writes 16 and cannot read its own result back). Ask for the images uncompressed or losslessly compressed.`,
          );
        }
        const rows = u16(seg + 1);
        const columns = u16(seg + 3);
        const nc = data[seg + 5];
        if (!rows || !columns || nc < 1 || nc > 4) throw new CodestreamError(`unsupported JPEG frame ${columns}x${rows} with ${nc} components`);
        checkDimensions(columns, rows, expected);
        const comps: Component[] = [];
        for (let i = 0; i < nc; i++) {
          const p = seg + 6 + 3 * i;
          comps.push({ id: data[p], h: data[p + 1] >> 4 || 1, v: data[p + 1] & 15 || 1, tq: data[p + 2], blocksPerLine: 0, blocksPerColumn: 0, plane: new Float64Array(0), pred: 0 });
        }
        const hMax = Math.max(...comps.map((c) => c.h));
        const vMax = Math.max(...comps.map((c) => c.v));
        const mcusX = Math.ceil(columns / (8 * hMax));
        const mcusY = Math.ceil(rows / (8 * vMax));
        for (const c of comps) {
          c.blocksPerLine = mcusX * c.h;
          c.blocksPerColumn = mcusY * c.v;
          c.plane = new Float64Array(c.blocksPerLine * c.blocksPerColumn * 64);
          if (marker === 0xc2) c.coefs = new Int16Array(c.blocksPerLine * c.blocksPerColumn * 64);
        }
        frame = { precision, rows, columns, comps, hMax, vMax, mcusX, mcusY, progressive: marker === 0xc2 };
        break;
      }
      case 0xc3:
      case 0xc5:
      case 0xc6:
      case 0xc7:
      case 0xc9:
      case 0xca:
      case 0xcb:
      case 0xcd:
      case 0xce:
      case 0xcf:
        throw new UnsupportedCodestream(`12-bit JPEG with SOF marker FF${marker.toString(16).toUpperCase()} (lossless, hierarchical or arithmetic-coded) is not supported: Lumen decodes 12-bit Huffman DCT only, sequential or progressive. Convert the file (e.g. "dcmdjpeg" to uncompressed).`);
      case 0xdd:
        restartInterval = u16(seg);
        break;
      case 0xda: {
        if (!frame) throw new CodestreamError('scan before frame header');
        // Each scan is a pass over every block: a crafted stream of thousands would cost minutes.
        if (++scanCount > MAX_SCANS) throw tooManyScans();
        const ns = data[seg];
        const scomps: Component[] = [];
        for (let i = 0; i < ns; i++) {
          const c = frame.comps.find((x) => x.id === data[seg + 1 + 2 * i]);
          if (!c) throw new CodestreamError('scan names an unknown component');
          c.dcTable = dc[data[seg + 2 + 2 * i] >> 4];
          c.acTable = ac[data[seg + 2 + 2 * i] & 15];
          if (!qt[c.tq]) throw new CodestreamError('missing quantisation table');
          c.pred = 0;
          scomps.push(c);
        }
        if (frame.progressive) {
          const p = seg + 1 + 2 * ns;
          reader.pos = decodeProgressiveScan(data, segEnd, frame, scomps, qt, restartInterval, { ss: data[p], se: data[p + 1], ah: data[p + 2] >> 4, al: data[p + 2] & 15 });
        } else {
          if (scomps.some((c) => !c.dcTable || !c.acTable)) throw new CodestreamError('missing Huffman table');
          reader.pos = decodeScan(data, segEnd, frame, scomps, qt, restartInterval);
        }
        break;
      }
      default:
        break;
    }
  }
  if (!frame) throw new CodestreamError('no JPEG frame header');
  if (frame.progressive) for (const c of frame.comps) inverseDctAll(c, frame.precision);
  return toSamples(frame, photometric !== undefined && jpegIsYcc(data, photometric));
}

function decodeBlock(r: BitReader, c: Component, q: Int32Array, out: Float64Array, blockRow: number, blockCol: number, coef: Float64Array, pass1Bits: number): void {
  coef.fill(0);
  const t = r.decode(c.dcTable!);
  c.pred += t ? extend(r.receive(t), t) : 0;
  coef[0] = c.pred * q[0];
  for (let k = 1; k < 64; ) {
    const rs = r.decode(c.acTable!);
    const run = rs >> 4;
    const s = rs & 15;
    if (s) {
      k += run;
      if (k > 63) break;
      coef[ZIGZAG[k]] = extend(r.receive(s), s) * q[k];
      k++;
    } else if (run === 15) k += 16;
    else break;
  }
  inverseDct(coef, c, out, blockRow, blockCol, pass1Bits);
}

/** One block's dequantised coefficients (natural order) through the IDCT: columns into `work`, then rows into the component plane (level shift and clamp come later). */
function inverseDct(coef: Float64Array, c: Component, out: Float64Array, blockRow: number, blockCol: number, pass1Bits: number): void {
  const work = new Float64Array(64);
  for (let u = 0; u < 8; u++) idct8(coef, u, 8, work, u, 8, CONST_BITS - pass1Bits);
  const stride = c.blocksPerLine * 8;
  const base = blockRow * 8 * stride + blockCol * 8;
  for (let y = 0; y < 8; y++) idct8(work, y * 8, 1, out, base + y * stride, 1, CONST_BITS + pass1Bits + 3);
}

/** Progressive: every block of a component, once all scans are in, dequantised and through the IDCT. */
function inverseDctAll(c: Component, precision: number): void {
  const coefs = c.coefs!;
  // A component no scan named keeps zero coefficients (mid grey), as libjpeg leaves it.
  const q = c.quant ?? new Int32Array(64);
  const coef = new Float64Array(64);
  const pass1 = precision > 8 ? 1 : 2;
  for (let by = 0; by < c.blocksPerColumn; by++) {
    for (let bx = 0; bx < c.blocksPerLine; bx++) {
      const at = (by * c.blocksPerLine + bx) * 64;
      for (let k = 0; k < 64; k++) coef[ZIGZAG[k]] = coefs[at + k] * q[k];
      inverseDct(coef, c, c.plane, by, bx, pass1);
    }
  }
}

interface ScanFrame {
  precision: number;
  rows: number;
  columns: number;
  comps: Component[];
  hMax: number;
  vMax: number;
  mcusX: number;
  mcusY: number;
  /** SOF2: coefficients are built up over several scans (T.81 G.1). */
  progressive: boolean;
}

/** A progressive scan's spectral selection (Ss to Se) and successive approximation (bit Ah before, Al now). */
interface Spectral {
  ss: number;
  se: number;
  ah: number;
  al: number;
}

/**
 * One scan of a progressive frame (T.81 G.1.2, as libjpeg's jdphuff.c):
 * DC first and refinement scans, interleaved or not; AC first and refinement
 * scans, one component each, with end-of-band runs across blocks. Adds to the
 * components' coefficients; returns where the scan ends.
 */
function decodeProgressiveScan(data: Uint8Array, start: number, frame: ScanFrame, comps: Component[], qt: Int32Array[], restartInterval: number, sp: Spectral): number {
  const { ss, se, ah, al } = sp;
  const dcScan = ss === 0;
  // T.81 G.1.1.1.1: DC alone (and any components), or AC of one component within 1..63.
  if ((dcScan && se !== 0) || (!dcScan && (se < ss || se > 63 || comps.length !== 1)) || al > 13 || (ah !== 0 && ah !== al + 1)) {
    throw new CodestreamError(`progressive scan with spectral selection ${ss} to ${se} and successive approximation bits ${ah} to ${al} over ${comps.length} component(s), which T.81 does not allow`);
  }
  for (const c of comps) {
    if (dcScan && ah === 0 && !c.dcTable) throw new CodestreamError('missing Huffman table');
    if (!dcScan && !c.acTable) throw new CodestreamError('missing Huffman table');
    c.quant ??= qt[c.tq].slice();
  }
  const r = new BitReader(data, start);
  let eobrun = 0;
  const p1 = 1 << al;
  const m1 = -1 << al;
  /** A nonzero coefficient's correction bit in an AC refinement scan. */
  const refine = (coefs: Int16Array, at: number) => {
    const v = coefs[at];
    if (r.bit() && (v & p1) === 0) coefs[at] = v >= 0 ? v + p1 : v + m1;
  };
  const block = (c: Component, blockRow: number, blockCol: number) => {
    const coefs = c.coefs!;
    const at = (blockRow * c.blocksPerLine + blockCol) * 64;
    if (dcScan) {
      if (ah === 0) {
        const t = r.decode(c.dcTable!);
        c.pred += t ? extend(r.receive(t), t) : 0;
        coefs[at] = c.pred * p1;
      } else if (r.bit()) coefs[at] |= p1;
      return;
    }
    if (ah === 0) {
      if (eobrun > 0) {
        eobrun--;
        return;
      }
      for (let k = ss; k <= se; k++) {
        const rs = r.decode(c.acTable!);
        const run = rs >> 4;
        const size = rs & 15;
        if (size) {
          k += run;
          // Past 63 only in a corrupt stream: libjpeg's table sends it to the last coefficient.
          coefs[at + Math.min(k, 63)] = extend(r.receive(size), size) * p1;
        } else if (run === 15) k += 15;
        else {
          eobrun = (1 << run) - 1 + (run ? r.receive(run) : 0);
          break;
        }
      }
      return;
    }
    let k = ss;
    if (eobrun === 0) {
      for (; k <= se; k++) {
        const rs = r.decode(c.acTable!);
        let run = rs >> 4;
        let value = 0;
        if (rs & 15) value = r.bit() ? p1 : m1;
        else if (run !== 15) {
          eobrun = (1 << run) + (run ? r.receive(run) : 0);
          break;
        }
        // Skip `run` zero coefficients, refining the nonzero ones passed over; the new one goes in the next zero.
        for (; k <= se; k++) {
          if (coefs[at + k] !== 0) refine(coefs, at + k);
          else if (--run < 0) break;
        }
        if (value && k <= se) coefs[at + k] = value;
      }
    }
    if (eobrun > 0) {
      for (; k <= se; k++) if (coefs[at + k] !== 0) refine(coefs, at + k);
      eobrun--;
    }
  };
  forEachBlock(frame, comps, restartInterval, () => {
    r.restart();
    eobrun = 0;
    for (const c of comps) c.pred = 0;
  }, block);
  return r.end();
}

/**
 * A scan's blocks in the order its stream holds them, with the restart intervals between
 * them (T.81 A.2): one component's own blocks in raster order when the scan holds one
 * (non-interleaved), else MCU by MCU, each component's v x h blocks in turn.
 */
function forEachBlock(
  frame: ScanFrame,
  comps: Component[],
  restartInterval: number,
  restart: () => void,
  block: (c: Component, by: number, bx: number) => void,
): void {
  let mcu = 0;
  const next = () => {
    if (restartInterval && mcu && mcu % restartInterval === 0) restart();
    mcu++;
  };
  if (comps.length === 1) {
    const c = comps[0];
    const w = Math.ceil(Math.ceil((frame.columns * c.h) / frame.hMax) / 8);
    const h = Math.ceil(Math.ceil((frame.rows * c.v) / frame.vMax) / 8);
    for (let by = 0; by < h; by++) {
      for (let bx = 0; bx < w; bx++) {
        next();
        block(c, by, bx);
      }
    }
  } else {
    for (let my = 0; my < frame.mcusY; my++) {
      for (let mx = 0; mx < frame.mcusX; mx++) {
        next();
        for (const c of comps) for (let v = 0; v < c.v; v++) for (let h = 0; h < c.h; h++) block(c, my * c.v + v, mx * c.h + h);
      }
    }
  }
}

function decodeScan(
  data: Uint8Array,
  start: number,
  frame: ScanFrame,
  comps: Component[],
  qt: Int32Array[],
  restartInterval: number,
): number {
  const r = new BitReader(data, start);
  const coef = new Float64Array(64);
  // libjpeg keeps 2 extra bits between the passes for 8-bit samples, 1 for 12-bit.
  const pass1 = frame.precision > 8 ? 1 : 2;
  forEachBlock(frame, comps, restartInterval, () => {
    r.restart();
    for (const c of comps) c.pred = 0;
  }, (c, by, bx) => decodeBlock(r, c, qt[c.tq], c.plane, by, bx, coef, pass1));
  return r.end();
}

type Frame = { precision: number; rows: number; columns: number; comps: Component[]; hMax: number; vMax: number };

/**
 * One component at full image size: the IDCT's output level-shifted, rounded
 * and clamped, then upsampled as libjpeg does by default (jdsample.c): the
 * triangle filter ("fancy upsampling") for 2:1 horizontally (4:2:2) and 2:1
 * both ways (4:2:0), edge rows and columns repeated; replication for any
 * other factor.
 */
function fullSize(c: Component, frame: Frame, max: number, shift: number): Int32Array {
  const { rows, columns, hMax, vMax } = frame;
  const stride = c.blocksPerLine * 8;
  const cw = Math.ceil((columns * c.h) / hMax);
  const ch = Math.ceil((rows * c.v) / vMax);
  const samples = new Int32Array(cw * ch);
  for (let y = 0; y < ch; y++) {
    for (let x = 0; x < cw; x++) {
      const v = Math.round(c.plane[y * stride + x] + shift);
      samples[y * cw + x] = v < 0 ? 0 : v > max ? max : v;
    }
  }
  const at = (x: number, y: number) => samples[y * cw + x];
  const out = new Int32Array(rows * columns);
  const h2 = c.h * 2 === hMax && cw >= 2;
  const row = new Int32Array(cw * 2);
  if (h2 && c.v === vMax) {
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < cw; x++) {
        const here = at(x, y) * 3;
        row[2 * x] = x === 0 ? at(0, y) : (here + at(x - 1, y) + 1) >> 2;
        row[2 * x + 1] = x === cw - 1 ? at(x, y) : (here + at(x + 1, y) + 2) >> 2;
      }
      out.set(row.subarray(0, columns), y * columns);
    }
    return out;
  }
  if (h2 && c.v * 2 === vMax) {
    const sums = new Int32Array(cw);
    for (let y = 0; y < rows; y++) {
      const near = y >> 1;
      // The other input row: above for an even output row, below for an odd one.
      const far = Math.min(ch - 1, Math.max(0, y & 1 ? near + 1 : near - 1));
      for (let x = 0; x < cw; x++) sums[x] = at(x, near) * 3 + at(x, far);
      for (let x = 0; x < cw; x++) {
        const here = sums[x];
        row[2 * x] = x === 0 ? (here * 4 + 8) >> 4 : (here * 3 + sums[x - 1] + 8) >> 4;
        row[2 * x + 1] = x === cw - 1 ? (here * 4 + 7) >> 4 : (here * 3 + sums[x + 1] + 7) >> 4;
      }
      out.set(row.subarray(0, columns), y * columns);
    }
    return out;
  }
  for (let y = 0; y < rows; y++) {
    const sy = Math.floor((y * c.v) / vMax);
    for (let x = 0; x < columns; x++) out[y * columns + x] = at(Math.floor((x * c.h) / hMax), sy);
  }
  return out;
}

/** YCbCr to RGB in place, in libjpeg's fixed point (jdcolor.c ycc_rgb_convert, 16 fraction bits, any sample precision). */
function yccToRgb([y, cb, cr]: Int32Array[], max: number, centre: number): void {
  const [crR, cbG, crG, cbB] = [1.402, 0.34414, 0.71414, 1.772].map((v) => Math.round(v * 65536));
  const half = 1 << 15;
  const clamp = (v: number) => (v < 0 ? 0 : v > max ? max : v);
  for (let i = 0; i < y.length; i++) {
    const b = cb[i] - centre;
    const r = cr[i] - centre;
    const l = y[i];
    cr[i] = clamp(l + ((cbB * b + half) >> 16));
    cb[i] = clamp(l + ((-cbG * b - crG * r + half) >> 16));
    y[i] = clamp(l + ((crR * r + half) >> 16));
  }
}

function toSamples(frame: Frame, ycc: boolean): CodecOutput {
  const { rows, columns, comps, precision } = frame;
  const n = comps.length;
  const max = (1 << precision) - 1;
  const shift = 1 << (precision - 1);
  const planes = comps.map((c) => fullSize(c, frame, max, shift));
  const rgb = n === 3 && ycc;
  // After conversion the planes hold R, G, B where they held Y, Cb, Cr.
  if (rgb) yccToRgb(planes, max, shift);
  const out = precision > 8 ? new Uint16Array(rows * columns * n) : new Uint8Array(rows * columns * n);
  planes.forEach((plane, ci) => {
    for (let i = 0; i < plane.length; i++) out[i * n + ci] = plane[i];
  });
  return { bytes: new Uint8Array(out.buffer), columns, rows, components: n, bitsPerSample: precision, rgb };
}

export function decodeJpeg12(data: Uint8Array, meta: InstanceMeta, file: string): CodecOutput {
  try {
    return decodeJpegDct(data, meta, meta.photometricInterpretation);
  } catch (err) {
    if (err instanceof UnsupportedCodestream) throw err;
    throw new DicomFileError(file, `a ${meta.bitsStored}-bit ${transferSyntaxName(meta.transferSyntaxUid)} frame cannot be decoded (${errorMessage(err)}). The compressed data is corrupt or uses a JPEG process Lumen does not read; convert it with "dcmdjpeg".`);
  }
}
