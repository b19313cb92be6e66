// JPEG sequential DCT decoder (ITU T.81, Huffman, baseline and extended:
// processes 1, 2 and 4) for 12-bit samples, which libjpeg-turbo's 8-bit WASM
// build cannot read. DICOM uses it for 1.2.840.10008.1.2.4.51 with 12 bits.
// Written from the standard; it favours clarity over speed (12-bit JPEG is rare).
import { checkDimensions, type CodecOutput, type ExpectedFrame } from './codec-output';
import { CodestreamError, UnsupportedCodestream } from './codestream-error';
import { JpegMarkerReader, startsWithSoi } from './jpeg-markers';
import { DicomFileError, type InstanceMeta } from './parse';
import { errorMessage } from '../../common/errors';

const ZIGZAG = new Uint8Array([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22,
  15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
]);

/** cos((2x+1) u pi / 16) * C(u) / 2, for the separable inverse DCT. */
const IDCT = (() => {
  const t = new Float64Array(64);
  for (let x = 0; x < 8; x++) for (let u = 0; u < 8; u++) t[x * 8 + u] = (u === 0 ? Math.SQRT1_2 : 1) * Math.cos(((2 * x + 1) * u * Math.PI) / 16) / 2;
  return t;
})();

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
    while (this.pos + 1 < this.data.length && !(this.data[this.pos] === 0xff && this.data[this.pos + 1] >= 0xd0 && this.data[this.pos + 1] <= 0xd7)) this.pos++;
    this.pos += 2;
  }

  /** The position of the marker that ends the scan. */
  end(): number {
    let p = this.pos;
    while (p + 1 < this.data.length && !(this.data[p] === 0xff && this.data[p + 1] !== 0 && !(this.data[p + 1] >= 0xd0 && this.data[p + 1] <= 0xd7))) p++;
    return p;
  }
}

function extend(v: number, n: number): number {
  return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
}

export function decodeJpegDct(data: Uint8Array, expected?: ExpectedFrame): CodecOutput {
  const qt: Int32Array[] = [];
  const dc: HuffmanTable[] = [];
  const ac: HuffmanTable[] = [];
  let frame: { precision: number; rows: number; columns: number; comps: Component[]; hMax: number; vMax: number; mcusX: number; mcusY: number } | undefined;
  let restartInterval = 0;
  if (!startsWithSoi(data)) throw new CodestreamError('no JPEG start-of-image marker');
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
      case 0xc1: {
        const precision = data[seg];
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
        }
        frame = { precision, rows, columns, comps, hMax, vMax, mcusX, mcusY };
        break;
      }
      case 0xc2:
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
        throw new UnsupportedCodestream(`12-bit JPEG with SOF marker FF${marker.toString(16).toUpperCase()} (progressive, hierarchical or arithmetic-coded) is not supported: Lumen decodes 12-bit sequential Huffman DCT only. Convert the file (e.g. "dcmdjpeg" to uncompressed).`);
      case 0xdd:
        restartInterval = u16(seg);
        break;
      case 0xda: {
        if (!frame) throw new CodestreamError('scan before frame header');
        const ns = data[seg];
        const scomps: Component[] = [];
        for (let i = 0; i < ns; i++) {
          const c = frame.comps.find((x) => x.id === data[seg + 1 + 2 * i]);
          if (!c) throw new CodestreamError('scan names an unknown component');
          c.dcTable = dc[data[seg + 2 + 2 * i] >> 4];
          c.acTable = ac[data[seg + 2 + 2 * i] & 15];
          if (!c.dcTable || !c.acTable || !qt[c.tq]) throw new CodestreamError('missing Huffman or quantisation table');
          c.pred = 0;
          scomps.push(c);
        }
        reader.pos = decodeScan(data, segEnd, frame, scomps, qt, restartInterval);
        break;
      }
      default:
        break;
    }
  }
  if (!frame) throw new CodestreamError('no JPEG frame header');
  return toSamples(frame);
}

function decodeBlock(r: BitReader, c: Component, q: Int32Array, out: Float64Array, blockRow: number, blockCol: number, coef: Float64Array): void {
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
  // Separable inverse DCT: rows then columns, into the component plane.
  const tmp = new Float64Array(64);
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      let s = 0;
      for (let u = 0; u < 8; u++) s += IDCT[x * 8 + u] * coef[y * 8 + u];
      tmp[y * 8 + x] = s;
    }
  }
  const stride = c.blocksPerLine * 8;
  const base = blockRow * 8 * stride + blockCol * 8;
  for (let x = 0; x < 8; x++) {
    for (let y = 0; y < 8; y++) {
      let s = 0;
      for (let v = 0; v < 8; v++) s += IDCT[y * 8 + v] * tmp[v * 8 + x];
      out[base + y * stride + x] = s;
    }
  }
}

function decodeScan(
  data: Uint8Array,
  start: number,
  frame: { rows: number; columns: number; hMax: number; vMax: number; mcusX: number; mcusY: number },
  comps: Component[],
  qt: Int32Array[],
  restartInterval: number,
): number {
  const r = new BitReader(data, start);
  const coef = new Float64Array(64);
  let mcu = 0;
  const restart = () => {
    r.restart();
    for (const c of comps) c.pred = 0;
  };
  if (comps.length === 1) {
    // Non-interleaved: the component's own blocks in raster order.
    const c = comps[0];
    const w = Math.ceil(Math.ceil((frame.columns * c.h) / frame.hMax) / 8);
    const h = Math.ceil(Math.ceil((frame.rows * c.v) / frame.vMax) / 8);
    for (let by = 0; by < h; by++) {
      for (let bx = 0; bx < w; bx++) {
        if (restartInterval && mcu && mcu % restartInterval === 0) restart();
        decodeBlock(r, c, qt[c.tq], c.plane, by, bx, coef);
        mcu++;
      }
    }
  } else {
    for (let my = 0; my < frame.mcusY; my++) {
      for (let mx = 0; mx < frame.mcusX; mx++) {
        if (restartInterval && mcu && mcu % restartInterval === 0) restart();
        for (const c of comps) {
          for (let v = 0; v < c.v; v++) for (let h = 0; h < c.h; h++) decodeBlock(r, c, qt[c.tq], c.plane, my * c.v + v, mx * c.h + h, coef);
        }
        mcu++;
      }
    }
  }
  return r.end();
}

function toSamples(frame: { precision: number; rows: number; columns: number; comps: Component[]; hMax: number; vMax: number }): CodecOutput {
  const { rows, columns, comps, precision } = frame;
  const n = comps.length;
  const max = (1 << precision) - 1;
  const shift = 1 << (precision - 1);
  const wide = precision > 8;
  const out = wide ? new Uint16Array(rows * columns * n) : new Uint8Array(rows * columns * n);
  comps.forEach((c, ci) => {
    const stride = c.blocksPerLine * 8;
    // Upsample subsampled components by replication.
    const sx = c.h / frame.hMax;
    const sy = c.v / frame.vMax;
    for (let y = 0; y < rows; y++) {
      const row = Math.floor(y * sy) * stride;
      for (let x = 0; x < columns; x++) {
        const v = Math.round(c.plane[row + Math.floor(x * sx)] + shift);
        out[(y * columns + x) * n + ci] = v < 0 ? 0 : v > max ? max : v;
      }
    }
  });
  return { bytes: new Uint8Array(out.buffer), columns, rows, components: n, bitsPerSample: precision };
}

export function decodeJpeg12(data: Uint8Array, meta: InstanceMeta, file: string): CodecOutput {
  try {
    return decodeJpegDct(data, meta);
  } catch (err) {
    if (err instanceof UnsupportedCodestream) throw err;
    throw new DicomFileError(file, `a ${meta.bitsStored}-bit JPEG Extended frame cannot be decoded (${errorMessage(err)}). The compressed data is corrupt or uses a JPEG process Lumen does not read; convert it with "dcmdjpeg".`);
  }
}
