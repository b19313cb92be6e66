/**
 * Whether a JPEG 2000 or HTJ2K codestream was coded with loss, from its headers alone (ISO 15444-1
 * A.5/A.6 and B.10), for the viewer's "Lossy" mark where the file leaves out Lossy Image
 * Compression (0028,2110) and its transfer syntax allows either (lossy.ts). GDCM decides by the
 * main COD's wavelet transformation alone (gdcmJPEG2000Codec.cxx, parsej2k_imp), which takes its
 * own `gdcmconv --j2k --lossy` for lossless: that keeps the 5-3 reversible wavelet and meets its
 * rate by dropping coding passes. So this reader also reads the packet headers:
 *
 * - 'lossy': some component is coded with the 9-7 irreversible wavelet (transformation 0).
 * - 'lossless': every component is coded with the 5-3 reversible wavelet, without quantization,
 *   every tile-part of every tile is present up to the end of the codestream (EOC), and every
 *   code-block its packet headers include has every coding pass (3 (Mb - P) - 2, B.10.5). An HT
 *   code-block (ISO/IEC 15444-15, HTJ2K) counts its passes the same way, placeholder passes
 *   included: its cleanup pass codes every magnitude bit down to bit-plane Mb - 1 - P - (its
 *   index) / 3, so it is whole where that cleanup is its last pass, index 3 (Mb - P) - 3, which
 *   is what OpenJPH's reversible coder writes (one cleanup pass, P = Mb - 1).
 * - 'unknown' (with why): anything else. A reversible code-block short of its last passes (an HT
 *   cleanup above bit-plane 0, with its SigProp and MagRef passes or not) is most likely lossy,
 *   but the passes left out may have held nothing (the decoded values can be the original's); a
 *   truncated or malformed codestream, or one whose packets do not fill its tiles' data; what
 *   this reader does not follow (POC, PPM/PPT, RGN, styles per tile, bypass or per-pass
 *   termination, HT mixed mode or HT code-blocks with other styles than vertically causal, an HT
 *   code-block in a second HT set).
 *
 * Precincts (B.6), given or the default 2^15, each hold their own code-blocks and tag trees; the
 * position-driven progressions (RPCL, PCRL, CPRL) visit them as B.12.1.3-5 step the tile.
 *
 * A code-block no packet includes is taken as all zero (as a lossless encoder leaves it).
 * Pure and bounded: it never throws, whatever the bytes.
 */
import { errorMessage } from '../../common/errors';

export type J2kLoss = { kind: 'lossy' | 'lossless' } | { kind: 'unknown'; why: string };

const SOC = 0xff4f;
const SIZ = 0xff51;
const COD = 0xff52;
const COC = 0xff53;
const QCD = 0xff5c;
const QCC = 0xff5d;
const RGN = 0xff5e;
const POC = 0xff5f;
const PPM = 0xff60;
const PPT = 0xff61;
const SOT = 0xff90;
const SOD = 0xff93;
const EOC = 0xffd9;

/** Packets and code-blocks this reader walks at most before it says "unknown". */
const MAX_PACKETS = 1 << 20;
const MAX_BLOCKS = 1 << 20;

/** The codestream of a JP2 file (its top-level `jp2c` box), or the bytes as they are; null where a JP2 file has none. */
function codestreamOf(data: Uint8Array): Uint8Array | null {
  const isJp2 = data.length >= 12 && data[4] === 0x6a && data[5] === 0x50 && data[6] === 0x20 && data[7] === 0x20;
  if (!isJp2) return data;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let at = 0;
  for (let boxes = 0; at + 8 <= data.length && boxes < 1000; boxes++) {
    let length = view.getUint32(at);
    let header = 8;
    if (length === 1) {
      if (at + 16 > data.length) return null;
      length = view.getUint32(at + 8) * 2 ** 32 + view.getUint32(at + 12);
      header = 16;
    } else if (length === 0) length = data.length - at;
    if (length < header) return null;
    if (data[at + 4] === 0x6a && data[at + 5] === 0x70 && data[at + 6] === 0x32 && data[at + 7] === 0x63) {
      return data.subarray(at + header, Math.min(data.length, at + length));
    }
    at += length;
  }
  return null;
}

/** One component's coding style (COD, or its COC). */
interface Style {
  /** Precinct sizes (PPx, PPy) per resolution, 15 each where Scod/Scoc bit 0 gives none; null where it promises them and the segment lacks them. */
  precincts: [number, number][] | null;
  levels: number;
  xcb: number;
  ycb: number;
  blockStyle: number;
  transform: number;
}

/** One component's quantization (QCD, or its QCC): style, guard bits, exponents per subband. */
interface Quant {
  style: number;
  guard: number;
  exponents: number[];
}

interface Header {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  tx0: number;
  ty0: number;
  tw: number;
  th: number;
  tilesAcross: number;
  tiles: number;
  /** Subsampling (XRsiz, YRsiz) per component. */
  sub: [number, number][];
  scod: number;
  progression: number;
  layers: number;
  cod?: Style;
  coc: Map<number, Style>;
  qcd?: Quant;
  qcc: Map<number, Quant>;
  /** Transformations seen anywhere (main and tile-part COD/COC). */
  transforms: Set<number>;
  /** Quantization styles seen anywhere (main and tile-part QCD/QCC). */
  quantizations: Set<number>;
  /** What this reader does not follow in the packet headers, where the codestream has it. */
  unsupported?: string;
  /** Each tile's packet data: its tile-parts' bodies, in order. */
  tileData: Map<number, Uint8Array[]>;
}

function readStyle(data: Uint8Array, at: number, end: number, scod: number): Style | null {
  // SPcod/SPcoc: levels, xcb, ycb, style, transformation, then (Scod bit 0) a byte per resolution: PPy << 4 | PPx.
  if (at + 5 > end) return null;
  const levels = data[at];
  let precincts: [number, number][] | null = Array.from({ length: levels + 1 }, () => [15, 15]);
  if (scod & 1) precincts = at + 5 + levels + 1 <= end ? Array.from({ length: levels + 1 }, (_, r) => [data[at + 5 + r] & 15, data[at + 5 + r] >> 4]) : null;
  return { precincts, levels, xcb: data[at + 1] + 2, ycb: data[at + 2] + 2, blockStyle: data[at + 3], transform: data[at + 4] };
}

function readQuant(data: Uint8Array, at: number, end: number): Quant | null {
  if (at + 1 > end) return null;
  const style = data[at] & 0x1f;
  const exponents: number[] = [];
  // Reversible: one byte per subband, the exponent in its top five bits.
  if (style === 0) for (let p = at + 1; p < end; p++) exponents.push(data[p] >> 3);
  return { style, guard: data[at] >> 5, exponents };
}

/**
 * Reads one marker segment of the main header (`tile` false) or a tile-part header into `h`;
 * false where the segment is too short for its fields. `at` is the first byte after Lxxx.
 */
function readSegment(data: Uint8Array, marker: number, at: number, end: number, h: Header, tile: boolean): boolean {
  const wide = h.sub.length >= 257;
  const component = (p: number) => (wide ? (data[p] << 8) | data[p + 1] : data[p]);
  const cw = wide ? 2 : 1;
  if (marker === COD || marker === COC) {
    const base = marker === COD ? at : at + cw;
    if (base + 1 > end) return false;
    const scod = data[base];
    const style = readStyle(data, marker === COD ? base + 5 : base + 1, end, scod);
    if (!style || (marker === COD && base + 5 > end)) return false;
    h.transforms.add(style.transform);
    if (tile) h.unsupported ??= 'coding styles given per tile';
    else if (marker === COD) {
      h.scod = scod;
      h.progression = data[base + 1];
      h.layers = (data[base + 2] << 8) | data[base + 3];
      h.cod = style;
    } else h.coc.set(component(at), style);
  } else if (marker === QCD || marker === QCC) {
    const q = readQuant(data, marker === QCD ? at : at + cw, end);
    if (!q) return false;
    h.quantizations.add(q.style);
    if (tile) h.unsupported ??= 'quantization given per tile';
    else if (marker === QCD) h.qcd = q;
    else h.qcc.set(component(at), q);
  } else if (marker === POC) h.unsupported ??= 'progression order changes (POC)';
  else if (marker === PPM || marker === PPT) h.unsupported ??= 'packed packet headers (PPM, PPT)';
  else if (marker === RGN) h.unsupported ??= 'a region of interest (RGN)';
  return true;
}

/** Walks the main header and every tile-part into `h`; null where it reached EOC with every tile-part there, else why not. */
function walk(cs: Uint8Array, view: DataView, h: Header): string | null {
  let at = 2;
  // The main header: SIZ, then marker segments up to the first SOT.
  for (;;) {
    if (at + 4 > cs.length) return 'the codestream ends inside its main header';
    const marker = view.getUint16(at);
    if (marker === SOT) break;
    if ((marker & 0xff00) !== 0xff00) return `the codestream's main header has no marker at byte ${at}`;
    const length = view.getUint16(at + 2);
    const end = at + 2 + length;
    if (length < 2 || end > cs.length) return 'the codestream ends inside its main header';
    if (marker === SIZ) {
      if (length < 38) return 'the codestream has a SIZ segment too short for its fields';
      const u32 = (p: number) => view.getUint32(at + p);
      const [x1, y1, x0, y0, tw, th, tx0, ty0] = [6, 10, 14, 18, 22, 26, 30, 34].map(u32);
      const components = view.getUint16(at + 38);
      if (!tw || !th || x0 >= x1 || y0 >= y1 || tx0 > x0 || ty0 > y0 || tx0 + tw <= x0 || ty0 + th <= y0) return 'the codestream has a SIZ segment whose tiles cover no image';
      if (!components || end < at + 40 + 3 * components) return 'the codestream has a SIZ segment too short for its components';
      for (let c = 0; c < components; c++) {
        const [dx, dy] = [cs[at + 41 + 3 * c], cs[at + 42 + 3 * c]];
        if (!dx || !dy) return 'the codestream has a component subsampled by 0';
        h.sub.push([dx, dy]);
      }
      Object.assign(h, { x0, y0, x1, y1, tx0, ty0, tw, th });
      h.tilesAcross = Math.ceil((x1 - tx0) / tw);
      h.tiles = h.tilesAcross * Math.ceil((y1 - ty0) / th);
    } else if (!readSegment(cs, marker, at + 4, end, h, false)) return 'the codestream has a marker segment too short for its fields';
    at = end;
  }
  if (!h.tiles) return 'the codestream has no SIZ segment';
  if (h.tiles > 65535) return 'the codestream declares more tiles than JPEG 2000 allows';
  // The tile-parts, each from its SOT to SOT + Psot: their headers read, their data kept aside.
  const partsDeclared = new Map<number, number>();
  for (let parts = 0; ; parts++) {
    if (at + 2 <= cs.length && view.getUint16(at) === EOC) break;
    if (parts >= 65535 * 255) return 'the codestream has more tile-parts than JPEG 2000 allows';
    if (at + 12 > cs.length) return 'the codestream is shorter than its tile-parts declare';
    if (view.getUint16(at) !== SOT || view.getUint16(at + 2) !== 10) return `the codestream has no tile-part (SOT) where one belongs (byte ${at})`;
    const tile = view.getUint16(at + 4);
    const psot = view.getUint32(at + 6);
    const declared = cs[at + 11];
    if (tile >= h.tiles) return `the codestream has a tile-part of tile ${tile}, which its SIZ does not have`;
    if (declared) partsDeclared.set(tile, declared);
    // The tile-part header: marker segments up to SOD.
    let inner = at + 12;
    for (;;) {
      if (inner + 2 > cs.length) return 'the codestream ends inside a tile-part header';
      const marker = view.getUint16(inner);
      if (marker === SOD) break;
      if (inner + 4 > cs.length) return 'the codestream ends inside a tile-part header';
      const length = view.getUint16(inner + 2);
      const end = inner + 2 + length;
      if ((marker & 0xff00) !== 0xff00 || length < 2 || end > cs.length) return 'the codestream ends inside a tile-part header';
      if (!readSegment(cs, marker, inner + 4, end, h, true)) return 'the codestream has a marker segment too short for its fields';
      inner = end;
    }
    let partEnd: number;
    if (psot === 0) {
      // The last tile-part, to the end of the codestream: complete only where EOC ends it.
      let last = cs.length;
      while (last > inner && cs[last - 1] === 0) last--; // an odd fragment's padding
      if (last < inner + 4 || view.getUint16(last - 2) !== EOC) return "the codestream's last tile-part does not end with EOC";
      partEnd = last - 2;
    } else {
      if (psot < 14 || inner + 2 > at + psot) return `the codestream has a tile-part whose length (Psot ${psot}) ends inside its header`;
      if (at + psot > cs.length) return 'the codestream is shorter than its tile-parts declare';
      partEnd = at + psot;
    }
    const bodies = h.tileData.get(tile) ?? [];
    bodies.push(cs.subarray(inner + 2, partEnd));
    h.tileData.set(tile, bodies);
    if (psot === 0) break;
    at += psot;
  }
  if (h.tileData.size !== h.tiles) return `the codestream holds ${h.tileData.size} of its ${h.tiles} tiles`;
  for (const [tile, n] of partsDeclared) {
    const seen = h.tileData.get(tile)?.length ?? 0;
    if (seen < n) return `the codestream holds ${seen} of tile ${tile}'s ${n} tile-parts`;
  }
  return null;
}

/** Reads packet-header bits as B.10.1 has them: after a 0xFF byte, the next gives 7 bits. */
class Bits {
  private buf = 0;
  private ct = 0;
  constructor(
    private readonly data: Uint8Array,
    public at: number,
  ) {}
  private byteIn(): void {
    this.buf = (this.buf << 8) & 0xffff;
    this.ct = this.buf === 0xff00 ? 7 : 8;
    if (this.at >= this.data.length) throw new RangeError('the packet header runs past the tile data');
    this.buf |= this.data[this.at++];
  }
  bit(): number {
    if (this.ct === 0) this.byteIn();
    this.ct--;
    return (this.buf >> this.ct) & 1;
  }
  read(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }
  /** Ends the header on a byte boundary (B.10.1: a 0xFF last byte is followed by a stuffed one). */
  align(): void {
    if ((this.buf & 0xff) === 0xff) this.byteIn();
    this.ct = 0;
  }
}

/** A tag tree (B.10.2) over w x h leaves. */
class TagTree {
  private readonly value: Int32Array;
  private readonly low: Int32Array;
  private readonly parent: Int32Array;
  constructor(w: number, h: number) {
    const sizes: [number, number][] = [];
    let [lw, lh] = [w, h];
    for (;;) {
      sizes.push([lw, lh]);
      if (lw * lh <= 1) break;
      [lw, lh] = [Math.ceil(lw / 2), Math.ceil(lh / 2)];
    }
    const total = sizes.reduce((s, [a, b]) => s + a * b, 0);
    this.value = new Int32Array(total).fill(0x7fffffff);
    this.low = new Int32Array(total);
    this.parent = new Int32Array(total).fill(-1);
    let base = 0;
    for (let level = 0; level + 1 < sizes.length; level++) {
      const [cw, ch] = sizes[level];
      const next = base + cw * ch;
      const pw = sizes[level + 1][0];
      for (let y = 0; y < ch; y++) for (let x = 0; x < cw; x++) this.parent[base + y * cw + x] = next + (y >> 1) * pw + (x >> 1);
      base = next;
    }
  }
  /** Whether the leaf's value is below `threshold`, reading bits as needed. */
  decode(bits: Bits, leaf: number, threshold: number): boolean {
    const path: number[] = [];
    for (let n = leaf; n >= 0; n = this.parent[n]) path.push(n);
    let low = 0;
    for (let i = path.length - 1; i >= 0; i--) {
      const n = path[i];
      if (low > this.low[n]) this.low[n] = low;
      else low = this.low[n];
      while (low < threshold && low < this.value[n]) {
        if (bits.bit()) this.value[n] = low;
        else low++;
      }
      this.low[n] = low;
    }
    return this.value[leaf] < threshold;
  }
  leafValue(leaf: number): number {
    return this.value[leaf];
  }
}

/** One subband of one precinct: its code-blocks' state across layers. */
interface Band {
  w: number;
  h: number;
  /** Mb (B.10.5): guard bits + exponent - 1. */
  mb: number;
  inclusion: TagTree;
  zeros: TagTree;
  included: Uint8Array;
  lblock: Uint8Array;
  passes: Int32Array;
  /** Zero bit-planes (HT: missing MSBs), once included. */
  p: Int32Array;
  /** HT code-blocks (15444-15): the index of each one's HT Cleanup pass among its passes, placeholders counted; -1 before it. */
  cleanup: Int32Array | null;
}

/** floor(log2(n)) for n >= 1. */
const log2 = (n: number) => 31 - Math.clz32(n);

/**
 * The length fields (ISO/IEC 15444-15 B.4) of `passes` more passes of an HT code-block, their
 * bytes added up, its cleanup index set; or why the codestream is not one this reader follows.
 * Passes come in HT Sets of three (Cleanup, SigProp, MagRef), the cleanup at every index that is
 * a multiple of 3. Until the first real cleanup, passes are placeholders that carry no bytes: a
 * contribution's first field covers its passes up to its last cleanup index, with Lblock +
 * floor(log2 of those passes) bits; where it reads 0 they are all placeholders, and the field
 * goes on to Lblock + floor(log2(passes)) bits, which must read 0 too. After the cleanup, its
 * SigProp and MagRef passes have a field of their own (one pass: Lblock bits, two: one more).
 * A later HT Set (a cleanup that recodes the block) is not followed.
 */
function htLengths(bits: Bits, band: Band, b: number, passes: number): number | string {
  const cleanup = band.cleanup!;
  const before = band.passes[b];
  const lblock = band.lblock[b];
  if (cleanup[b] >= 0) {
    if (before - cleanup[b] - 1 + passes > 2) return 'the codestream has an HT code-block coded in more than one HT set';
    return bits.read(lblock + log2(passes));
  }
  const refinement = (before + passes - 1) % 3;
  const segment = passes - refinement;
  if (segment < 1) return bits.read(lblock + log2(passes)) ? 'the codestream has an HT code-block with bytes before its cleanup pass' : 0;
  const first = bits.read(lblock + log2(segment));
  if (!first) return bits.read(log2(passes) - log2(segment)) ? 'the codestream has an HT code-block with bytes before its cleanup pass' : 0;
  cleanup[b] = before + segment - 1;
  return refinement ? first + bits.read(lblock + log2(refinement)) : first;
}

const ceilDiv = (a: number, b: number) => Math.ceil(a / b);

/** One resolution of one tile-component: its precinct grid (B.6) and each precinct's subbands. */
interface Resolution {
  /** The resolution's origin (trx0, try0). */
  x0: number;
  y0: number;
  ppx: number;
  ppy: number;
  /** Precincts across. */
  across: number;
  precincts: Band[][];
}

/** Precinct starts (position, component, resolution) a position-driven progression tries at most before this reader says "unknown". */
const MAX_POSITIONS = 1 << 22;

/**
 * A tile's packets (layer, resolution, component, precinct) in its progression order (B.12.1):
 * LRCP and RLCP by precinct index; RPCL, PCRL and CPRL by the position on the reference grid
 * where each precinct starts, as B.12.1.3-5 step through the tile.
 */
function packetOrder(h: Header, grid: (Resolution | null)[][], comps: number, layers: number, [tx0, tx1, ty0, ty1]: number[]): [number, number, number, number][] | string {
  const order: [number, number, number, number][] = [];
  const levelsOf = (c: number) => grid[c].length - 1;
  const maxLevels = Math.max(...Array.from({ length: comps }, (_, c) => levelsOf(c)));
  const all = (r: number, c: number, l: number) => {
    const res = r < grid[c].length ? grid[c][r] : null;
    for (let k = 0; res && k < res.precincts.length; k++) order.push([l, r, c, k]);
  };
  if (h.progression === 0) for (let l = 0; l < layers; l++) for (let r = 0; r <= maxLevels; r++) for (let c = 0; c < comps; c++) all(r, c, l);
  else if (h.progression === 1) for (let r = 0; r <= maxLevels; r++) for (let l = 0; l < layers; l++) for (let c = 0; c < comps; c++) all(r, c, l);
  if (h.progression <= 1) return order;
  // The precinct of (c, r) that starts at (x, y), or -1 where none does (B.12.1.3's conditions).
  const precinctAt = (c: number, r: number, x: number, y: number): number => {
    const res = r < grid[c].length ? grid[c][r] : null;
    if (!res) return -1;
    const [dx, dy] = h.sub[c];
    const lev = levelsOf(c) - r;
    const [stepX, stepY] = [dx * 2 ** (res.ppx + lev), dy * 2 ** (res.ppy + lev)];
    if (!(y % stepY === 0 || (y === ty0 && (res.y0 * 2 ** lev) % 2 ** (res.ppy + lev) !== 0))) return -1;
    if (!(x % stepX === 0 || (x === tx0 && (res.x0 * 2 ** lev) % 2 ** (res.ppx + lev) !== 0))) return -1;
    const kx = Math.floor(ceilDiv(x, dx * 2 ** lev) / 2 ** res.ppx) - Math.floor(res.x0 / 2 ** res.ppx);
    const ky = Math.floor(ceilDiv(y, dy * 2 ** lev) / 2 ** res.ppy) - Math.floor(res.y0 / 2 ** res.ppy);
    return kx >= 0 && kx < res.across && ky >= 0 && kx + ky * res.across < res.precincts.length ? kx + ky * res.across : -1;
  };
  // Every precinct once: the steps must neither meet one twice nor miss one.
  const expected = grid.reduce((n, levels) => n + levels.reduce((m, res) => m + (res?.precincts.length ?? 0), 0), 0) * layers;
  // The steps: the smallest precinct, in reference grid units, of the components given.
  const steps = (cs: number[]) => {
    let [sx, sy] = [Infinity, Infinity];
    for (const c of cs)
      for (const res of grid[c]) {
        if (!res) continue;
        const lev = levelsOf(c) - grid[c].indexOf(res);
        sx = Math.min(sx, h.sub[c][0] * 2 ** (res.ppx + lev));
        sy = Math.min(sy, h.sub[c][1] * 2 ** (res.ppy + lev));
      }
    return [sx, sy];
  };
  let visited = 0;
  const positions = (cs: number[], visit: (x: number, y: number) => void): boolean => {
    const [sx, sy] = steps(cs);
    if (sx === Infinity) return true;
    for (let y = ty0; y < ty1; y += sy - (y % sy))
      for (let x = tx0; x < tx1; x += sx - (x % sx)) {
        visited += cs.length * (maxLevels + 1);
        if (visited > MAX_POSITIONS) return false;
        visit(x, y);
      }
    return true;
  };
  const comps_ = Array.from({ length: comps }, (_, c) => c);
  const emit = (r: number, c: number, x: number, y: number) => {
    const k = precinctAt(c, r, x, y);
    if (k < 0) return;
    const seen = (reached[c][r] ??= new Uint8Array(grid[c][r]!.precincts.length));
    if (seen[k]) twice = true;
    else {
      seen[k] = 1;
      for (let l = 0; l < layers; l++) order.push([l, r, c, k]);
    }
  };
  const reached: (Uint8Array | undefined)[][] = grid.map(() => []);
  let twice = false;
  let ok = true;
  if (h.progression === 2) for (let r = 0; r <= maxLevels && ok; r++) ok = positions(comps_, (x, y) => comps_.forEach((c) => emit(r, c, x, y)));
  else if (h.progression === 3) ok = positions(comps_, (x, y) => comps_.forEach((c) => { for (let r = 0; r <= levelsOf(c); r++) emit(r, c, x, y); }));
  else for (let c = 0; c < comps && ok; c++) ok = positions([c], (x, y) => { for (let r = 0; r <= levelsOf(c); r++) emit(r, c, x, y); });
  if (!ok) return 'the codestream has more precinct positions than this reader follows';
  if (twice || order.length !== expected) return 'the codestream has precincts its progression order does not reach';
  return order;
}

/**
 * Reads every packet header of every tile; 'complete' where every included code-block has all its
 * coding passes, 'truncated' where one lacks some, else why it could not be read.
 */
function passesOf(h: Header): 'complete' | 'truncated' | string {
  if (h.unsupported) return `the codestream has ${h.unsupported}`;
  if (!h.cod || !h.qcd) return 'the codestream lacks its main COD or QCD';
  const comps = h.sub.length;
  const style = (c: number) => h.coc.get(c) ?? h.cod!;
  const quant = (c: number) => h.qcc.get(c) ?? h.qcd!;
  for (let c = 0; c < comps; c++) {
    const s = style(c);
    if (!s.precincts) return 'the codestream has a coding style too short for its precinct sizes';
    // PPx, PPy of 0 only at the lowest resolution (A.6.1).
    if (s.precincts.some(([x, y], r) => r > 0 && (!x || !y))) return 'the codestream has a precinct size outside what JPEG 2000 allows';
    if (s.blockStyle & 0x80) return 'the codestream has HT code-blocks in mixed mode';
    // HT code-blocks, vertically causal or not; no other style is followed with them.
    if (s.blockStyle & 0x40 && (s.blockStyle & ~0x48) !== 0) return 'the codestream has HT code-blocks with other code-block styles';
    if (!(s.blockStyle & 0x40) && (s.blockStyle & 0x05) !== 0) return 'the codestream has code-blocks with bypass or per-pass termination';
    if (s.levels > 32 || s.xcb > 10 || s.ycb > 10 || s.xcb + s.ycb > 12) return 'the codestream has a coding style outside what JPEG 2000 allows';
    if (quant(c).exponents.length < 3 * s.levels + 1) return 'the codestream has a QCD with fewer exponents than subbands';
  }
  if (h.progression > 4) return 'the codestream names an unknown progression order';
  const layers = h.layers;
  if (!layers) return 'the codestream has no quality layers';
  const sop = (h.scod & 2) !== 0;
  const eph = (h.scod & 4) !== 0;
  let precincts = 0;
  let blocks = 0;
  for (let t = 0; t < h.tiles; t++) {
    const px = t % h.tilesAcross;
    const py = Math.floor(t / h.tilesAcross);
    const tx0 = Math.max(h.tx0 + px * h.tw, h.x0);
    const tx1 = Math.min(h.tx0 + (px + 1) * h.tw, h.x1);
    const ty0 = Math.max(h.ty0 + py * h.th, h.y0);
    const ty1 = Math.min(h.ty0 + (py + 1) * h.th, h.y1);
    // Per component and resolution: its precincts, each with its subbands' code-block state (B.6,
    // B.7), or null where the resolution is empty (no packets).
    const grid: (Resolution | null)[][] = [];
    for (let c = 0; c < comps; c++) {
      const s = style(c);
      const q = quant(c);
      const [dx, dy] = h.sub[c];
      const [cx0, cx1, cy0, cy1] = [ceilDiv(tx0, dx), ceilDiv(tx1, dx), ceilDiv(ty0, dy), ceilDiv(ty1, dy)];
      const levels: (Resolution | null)[] = [];
      for (let r = 0; r <= s.levels; r++) {
        const scale = 2 ** (s.levels - r);
        const [rx0, rx1, ry0, ry1] = [ceilDiv(cx0, scale), ceilDiv(cx1, scale), ceilDiv(cy0, scale), ceilDiv(cy1, scale)];
        if (rx1 <= rx0 || ry1 <= ry0) {
          levels.push(null);
          continue;
        }
        const [ppx, ppy] = s.precincts![r];
        const across = ceilDiv(rx1, 2 ** ppx) - Math.floor(rx0 / 2 ** ppx);
        const down = ceilDiv(ry1, 2 ** ppy) - Math.floor(ry0 / 2 ** ppy);
        precincts += across * down;
        if (precincts * layers > MAX_PACKETS) return 'the codestream has more packets than this reader follows';
        const n = r === 0 ? s.levels : s.levels - r + 1;
        const orients: [number, number][] = r === 0 ? [[0, 0]] : [[1, 0], [0, 1], [1, 1]];
        // A precinct's size in its subbands, and the code-blocks' there (B.7: no wider than the precinct).
        const [bpx, bpy] = r === 0 ? [ppx, ppy] : [ppx - 1, ppy - 1];
        const [xcb, ycb] = [Math.min(s.xcb, bpx), Math.min(s.ycb, bpy)];
        const res: Resolution = { x0: rx0, y0: ry0, ppx, ppy, across, precincts: [] };
        for (let k = 0; k < across * down; k++) {
          const kx = Math.floor(rx0 / 2 ** ppx) + (k % across);
          const ky = Math.floor(ry0 / 2 ** ppy) + Math.floor(k / across);
          res.precincts.push(
            orients.map(([xo, yo], i): Band => {
              const half = r === 0 ? 0 : 2 ** (n - 1);
              const bx0 = Math.max(ceilDiv(cx0 - half * xo, 2 ** n), kx * 2 ** bpx);
              const bx1 = Math.min(ceilDiv(cx1 - half * xo, 2 ** n), (kx + 1) * 2 ** bpx);
              const by0 = Math.max(ceilDiv(cy0 - half * yo, 2 ** n), ky * 2 ** bpy);
              const by1 = Math.min(ceilDiv(cy1 - half * yo, 2 ** n), (ky + 1) * 2 ** bpy);
              const w = bx1 > bx0 && by1 > by0 ? ceilDiv(bx1, 2 ** xcb) - Math.floor(bx0 / 2 ** xcb) : 0;
              const hh = bx1 > bx0 && by1 > by0 ? ceilDiv(by1, 2 ** ycb) - Math.floor(by0 / 2 ** ycb) : 0;
              const count = w * hh;
              blocks += count;
              const exponent = q.exponents[r === 0 ? 0 : 3 * (r - 1) + 1 + i];
              const cleanup = s.blockStyle & 0x40 ? new Int32Array(count).fill(-1) : null;
              return { w, h: hh, mb: q.guard + exponent - 1, inclusion: new TagTree(Math.max(w, 1), Math.max(hh, 1)), zeros: new TagTree(Math.max(w, 1), Math.max(hh, 1)), included: new Uint8Array(count), lblock: new Uint8Array(count).fill(3), passes: new Int32Array(count), p: new Int32Array(count), cleanup };
            }),
          );
          if (blocks > MAX_BLOCKS) return 'the codestream has more code-blocks than this reader follows';
        }
        levels.push(res);
      }
      grid.push(levels);
    }
    const order = packetOrder(h, grid, comps, layers, [tx0, tx1, ty0, ty1]);
    if (typeof order === 'string') return order;
    // The tile's data: its tile-parts' bodies, one after another (a view where it has one tile-part).
    const bodies = h.tileData.get(t) ?? [];
    const data = bodies.length === 1 ? bodies[0] : new Uint8Array(bodies.reduce((s, b) => s + b.length, 0));
    if (bodies.length > 1) bodies.reduce((at, b) => (data.set(b, at), at + b.length), 0);
    let at = 0;
    for (const [l, r, c, k] of order) {
      if (sop && at + 6 <= data.length && data[at] === 0xff && data[at + 1] === 0x91) at += 6;
      const bits = new Bits(data, at);
      let body = 0;
      if (bits.bit()) {
        for (const band of grid[c][r]!.precincts[k]) {
          for (let b = 0; b < band.w * band.h; b++) {
            const first = !band.included[b];
            const inLayer = first ? band.inclusion.decode(bits, b, l + 1) : bits.bit() === 1;
            if (!inLayer) continue;
            if (first) {
              let i = 0;
              while (!band.zeros.decode(bits, b, i)) if (++i > 64) return 'the codestream has a code-block with more zero bit-planes than any sample has';
              band.p[b] = i - 1;
              band.included[b] = 1;
            }
            // Coding passes (B.10.6, Table B.4).
            let passes = 1;
            if (bits.bit()) {
              passes = 2;
              if (bits.bit()) {
                const two = bits.read(2);
                if (two !== 3) passes = 3 + two;
                else {
                  const five = bits.read(5);
                  passes = five !== 31 ? 6 + five : 37 + bits.read(7);
                }
              }
            }
            while (bits.bit()) if (++band.lblock[b] > 32) return 'the codestream has a code-block length longer than any codestream';
            if (band.cleanup) {
              const bytes = htLengths(bits, band, b, passes);
              if (typeof bytes === 'string') return bytes;
              body += bytes;
            } else body += bits.read(band.lblock[b] + log2(passes));
            band.passes[b] += passes;
          }
        }
      }
      bits.align();
      at = bits.at;
      if (eph) {
        if (at + 2 > data.length || data[at] !== 0xff || data[at + 1] !== 0x92) return 'the codestream lacks an EPH marker its COD promises';
        at += 2;
      }
      at += body;
      if (at > data.length) return 'the codestream has packets longer than its tile data';
    }
    // The packets fill the tile's data: bytes left over mean the headers were not read as written.
    if (at !== data.length) return `the codestream has ${data.length - at} bytes in tile ${t} after its last packet`;
    for (const levels of grid)
      for (const res of levels)
        for (const band of (res?.precincts ?? []).flat())
          for (let b = 0; b < band.w * band.h; b++) {
            if (!band.included[b]) continue;
            const planes = band.mb - band.p[b];
            if (planes < 1) return 'the codestream has a code-block with more zero bit-planes than its subband has';
            if (band.passes[b] > 3 * planes - 2) return 'the codestream has a code-block with more coding passes than bit-planes';
            // An HT block is whole where its cleanup codes bit-plane 0: the last of its 3 (Mb - P) - 2 passes.
            if (band.cleanup?.[b] === -1) return 'the codestream has an HT code-block with placeholder passes only';
            if (band.passes[b] < 3 * planes - 2) return 'truncated';
          }
  }
  return 'complete';
}

function read(data: Uint8Array): J2kLoss {
  const cs = codestreamOf(data);
  if (!cs) return { kind: 'unknown', why: 'the JP2 file holds no codestream' };
  if (cs.length < 4 || ((cs[0] << 8) | cs[1]) !== SOC || ((cs[2] << 8) | cs[3]) !== SIZ) return { kind: 'unknown', why: 'the frame does not start with a JPEG 2000 codestream (SOC, SIZ)' };
  const view = new DataView(cs.buffer, cs.byteOffset, cs.byteLength);
  const h: Header = { x0: 0, y0: 0, x1: 0, y1: 0, tx0: 0, ty0: 0, tw: 0, th: 0, tilesAcross: 0, tiles: 0, sub: [], scod: 0, progression: 0, layers: 0, coc: new Map(), qcc: new Map(), transforms: new Set(), quantizations: new Set(), tileData: new Map() };
  // Why the walk stopped short of EOC: a 9-7 transformation read before then still decides.
  const walked = walk(cs, view, h);
  if (h.transforms.has(0)) return { kind: 'lossy' };
  if (walked) return { kind: 'unknown', why: walked };
  if (!h.transforms.size) return { kind: 'unknown', why: 'the codestream has no coding style (COD)' };
  if ([...h.transforms].some((t) => t !== 1)) return { kind: 'unknown', why: 'the codestream names a wavelet transformation other than 5-3 or 9-7' };
  if (!h.quantizations.size) return { kind: 'unknown', why: 'the codestream has no quantization segment (QCD)' };
  if ([...h.quantizations].some((q) => q !== 0)) return { kind: 'unknown', why: 'the codestream is reversible but quantized' };
  const passes = passesOf(h);
  // Passes left out may have held nothing (OpenJPEG's rate allocation drops a last cleanup pass
  // that finds no new coefficient at no cost): lost values are likely, not certain.
  if (passes === 'truncated') return { kind: 'unknown', why: 'the codestream is reversible, but some code-blocks stop short of their last coding pass' };
  if (passes !== 'complete') return { kind: 'unknown', why: passes };
  return { kind: 'lossless' };
}

/** How `data` (a frame's JPEG 2000 or HTJ2K codestream, or a JP2 file) was coded; never throws. */
export function j2kLossOf(data: Uint8Array): J2kLoss {
  try {
    return read(data);
  } catch (err) {
    // A packet header that runs past its tile's data (Bits) ends here; every other read is bounds-checked.
    return { kind: 'unknown', why: `the codestream could not be read (${errorMessage(err)})` };
  }
}
