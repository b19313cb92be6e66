/**
 * What a JPEG 2000 codestream's headers make a decoder allocate, checked before any decoder sees
 * it (codecs.ts: OpenJPEG, the Cornerstone codec, OpenJPH). The main header and every tile-part
 * header are read (SIZ, COD, COC); a JP2 file's codestream (its `jp2c` box) and image header
 * (`ihdr`) are checked the same way, not left to OpenJPEG. A codestream's cost is not its
 * image's: each quality layer, resolution level, precinct and code-block costs the decoder
 * memory and time even when it holds no data, and the standard allows 65535 layers, 32 levels,
 * one-pixel precincts and 4x4 code-blocks, 16384 components and 65535 tiles. Real encoders
 * (OpenJPEG, Kakadu, OpenJPH, GDCM, dcmtk) stay far inside the bounds below.
 */
import { checkDimensions, type ExpectedFrame } from './codec-output';
import { CodestreamError } from './codestream-error';

/** Tiles one frame may have: 2x2-pixel tiles (16384) in a 256x256 frame took OpenJPEG 9 s and 160 MB though none had data. */
export const MAX_J2K_TILES = 4096;
/** Components: DICOM's JPEG 2000 frames hold 1 or 3 (PS3.5 8.2.4); OpenJPEG allocates for up to 16384. */
export const MAX_J2K_COMPONENTS = 4;
/** Quality layers: encoders write 1 to a few dozen; every packet is read once per layer. */
export const MAX_J2K_LAYERS = 256;
/** Decomposition levels: 16 takes a 65536-pixel side down to one; encoders use 5 or 6. */
export const MAX_J2K_LEVELS = 16;
/**
 * Packets (layers x resolutions x components x precincts, over all tiles): OpenJPEG's packet
 * iterator allocates per packet before reading one. 20 layers of 128-pixel precincts in a
 * 4096x4096 RGB frame make about 80,000.
 */
export const MAX_J2K_PACKETS = 1 << 20;
/** Code-blocks over all tiles, resolutions and components: 64x64 blocks of a 4096x4096 RGB frame make about 16,000. */
export const MAX_J2K_CODE_BLOCKS = 1 << 20;

interface Coding {
  layers: number;
  levels: number;
  xcb: number;
  ycb: number;
  /** Precinct exponents per resolution (PPx, PPy); 15 each when none are given. */
  precincts: [number, number][];
}

interface Siz {
  width: number;
  height: number;
  tileWidth: number;
  tileHeight: number;
  tilesAcross: number;
  tilesDown: number;
  components: number;
}

const bad = (why: string): never => {
  throw new CodestreamError(why);
};

function readCoding(data: Uint8Array, at: number, end: number, scod: number, defaults?: Coding): Coding {
  // SPcod/SPcoc: levels, xcb, ycb, style, transform, then precincts when Scod bit 0 is set.
  if (at + 5 > end) bad('the codestream has a coding style segment too short for its fields');
  const levels = data[at];
  if (levels > MAX_J2K_LEVELS) bad(`the codestream has ${levels} decomposition levels, more than Lumen decodes (${MAX_J2K_LEVELS})`);
  const xcb = data[at + 1] + 2;
  const ycb = data[at + 2] + 2;
  if (xcb > 10 || ycb > 10 || xcb + ycb > 12) bad(`the codestream has code-blocks of 2^${xcb} x 2^${ycb} pixels, outside what JPEG 2000 allows`);
  const precincts: [number, number][] = [];
  for (let r = 0; r <= levels; r++) {
    if (scod & 1) {
      if (at + 5 + r >= end) bad('the codestream has a coding style segment too short for its precinct sizes');
      const pp = data[at + 5 + r];
      precincts.push([pp & 15, pp >> 4]);
    } else precincts.push([15, 15]);
  }
  return { layers: defaults?.layers ?? 1, levels, xcb, ycb, precincts };
}

/** Packets and code-blocks of one tile of `w` x `h` pixels in one component coded as `c`. */
function tileCost(w: number, h: number, c: Coding): { packets: number; blocks: number } {
  let packets = 0;
  let blocks = 0;
  for (let r = 0; r <= c.levels; r++) {
    const scale = 2 ** (c.levels - r);
    const rw = Math.ceil(w / scale);
    const rh = Math.ceil(h / scale);
    const [ppx, ppy] = c.precincts[r];
    const px = Math.max(1, Math.ceil(rw / 2 ** ppx));
    const py = Math.max(1, Math.ceil(rh / 2 ** ppy));
    packets += px * py * c.layers;
    // Code-blocks lie within precincts (one level down for r > 0: precincts of subbands).
    const bw = 2 ** Math.min(c.xcb, r > 0 ? Math.max(ppx - 1, 0) : ppx);
    const bh = 2 ** Math.min(c.ycb, r > 0 ? Math.max(ppy - 1, 0) : ppy);
    const bands = r === 0 ? 1 : 3;
    const sw = r === 0 ? rw : Math.ceil(rw / 2);
    const sh = r === 0 ? rh : Math.ceil(rh / 2);
    blocks += bands * Math.ceil(sw / bw) * Math.ceil(sh / bh);
  }
  return { packets, blocks };
}

/** SIZ at `at` (its marker), ending at `end`: offsets as in PS 15444-1 A.5.1 from the marker. */
function readSiz(data: Uint8Array, at: number, end: number, expected?: ExpectedFrame): Siz {
  if (end - at < 40) bad('the codestream has a SIZ segment too short for its fields');
  const view = new DataView(data.buffer, data.byteOffset);
  const u32 = (p: number) => view.getUint32(at + p);
  const [xsiz, ysiz, xo, yo, xt, yt, xto, yto] = [6, 10, 14, 18, 22, 26, 30, 34].map(u32);
  // The size first: a damaged SIZ then fails with the sizes, whatever else it says.
  checkDimensions(xsiz - xo, ysiz - yo, expected);
  const components = view.getUint16(at + 38);
  if (components > MAX_J2K_COMPONENTS) bad(`the codestream has ${components} components, more than Lumen decodes (${MAX_J2K_COMPONENTS})`);
  const siz: Siz = { width: xsiz - xo, height: ysiz - yo, tileWidth: xt, tileHeight: yt, tilesAcross: 0, tilesDown: 0, components };
  // Tiles: (Xsiz - XTOsiz) / XTsiz across, (Ysiz - YTOsiz) / YTsiz down, rounded up. A zero tile size is the decoder's to refuse.
  if (xt && yt) {
    siz.tilesAcross = Math.ceil((xsiz - xto) / xt);
    siz.tilesDown = Math.ceil((ysiz - yto) / yt);
    const tiles = siz.tilesAcross * siz.tilesDown;
    if (tiles > MAX_J2K_TILES) bad(`the codestream splits the image into ${tiles} tiles, more than Lumen decodes (${MAX_J2K_TILES})`);
  }
  return siz;
}

/**
 * Checks a raw codestream (SOC first): its size against `expected`, and what its main and
 * tile-part headers would make a decoder allocate. Bytes that are not a codestream are left to
 * the decoder to refuse.
 */
export function checkJ2kCodestream(data: Uint8Array, expected?: ExpectedFrame): void {
  if (data.length < 44 || data[0] !== 0xff || data[1] !== 0x4f || data[2] !== 0xff || data[3] !== 0x51) return;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let siz: Siz | undefined;
  let main: Coding | undefined;
  let worst: Coding | undefined;
  const consider = (c: Coding) => {
    if (c.layers > MAX_J2K_LAYERS) bad(`the codestream has ${c.layers} quality layers, more than Lumen decodes (${MAX_J2K_LAYERS})`);
    const cost = (x: Coding) => (siz ? tileCost(Math.min(siz.tileWidth || siz.width, siz.width), Math.min(siz.tileHeight || siz.height, siz.height), x) : { packets: 0, blocks: 0 });
    if (!worst || cost(c).packets + cost(c).blocks > cost(worst).packets + cost(worst).blocks) worst = c;
  };
  let at = 2;
  let tileParts = 0;
  // Main header, then each tile-part header (SOT ... SOD), skipping tile data by Psot.
  while (at + 4 <= data.length) {
    const marker = view.getUint16(at);
    if (marker === 0xffd9) break; // EOC
    if ((marker & 0xff00) !== 0xff00) bad(`the codestream has no marker where one belongs (byte ${at})`);
    if (marker === 0xff93) break; // SOD without SOT: the decoder's to refuse
    const length = view.getUint16(at + 2);
    const end = at + 2 + length;
    if (length < 2 || end > data.length) break; // truncated: the decoder's to refuse
    if (marker === 0xff51) {
      siz = readSiz(data, at, end, expected);
    } else if (marker === 0xff52) {
      const scod = data[at + 4];
      if (at + 9 > end) bad('the codestream has a COD segment too short for its fields');
      const layers = view.getUint16(at + 6);
      const coding = { ...readCoding(data, at + 9, end, scod), layers };
      main ??= coding;
      consider(coding);
    } else if (marker === 0xff53) {
      const wide = (siz?.components ?? 0) >= 257;
      consider(readCoding(data, at + (wide ? 7 : 6), end, data[at + (wide ? 6 : 5)], main));
    } else if (marker === 0xff90) {
      // SOT: Isot, Psot (the tile-part's length from this marker on; 0: to the end), TPsot, TNsot.
      if (++tileParts > MAX_J2K_TILES * 255) bad(`the codestream has more than ${MAX_J2K_TILES * 255} tile-parts`);
      const psot = view.getUint32(at + 6);
      // The tile-part header runs to SOD: read its markers, then jump to the next tile-part.
      let inner = end;
      while (inner + 4 <= data.length && view.getUint16(inner) !== 0xff93) {
        const m = view.getUint16(inner);
        const l = view.getUint16(inner + 2);
        if ((m & 0xff00) !== 0xff00 || l < 2 || inner + 2 + l > data.length) break;
        if (m === 0xff52) {
          const coding = { ...readCoding(data, inner + 9, inner + 2 + l, data[inner + 4]), layers: view.getUint16(inner + 6) };
          consider(coding);
        } else if (m === 0xff53) {
          const wide = (siz?.components ?? 0) >= 257;
          consider(readCoding(data, inner + (wide ? 7 : 6), inner + 2 + l, data[inner + (wide ? 6 : 5)], main));
        }
        inner += 2 + l;
      }
      if (psot === 0) break;
      at += psot;
      continue;
    }
    at = end;
  }
  if (!siz || !worst) return;
  // Packets and code-blocks of the whole frame: every tile coded as the costliest style seen, in every component.
  const tiles = Math.max(1, siz.tilesAcross * siz.tilesDown);
  const { packets, blocks } = tileCost(Math.min(siz.tileWidth || siz.width, siz.width), Math.min(siz.tileHeight || siz.height, siz.height), worst);
  const totalPackets = packets * tiles * siz.components;
  const totalBlocks = blocks * tiles * siz.components;
  if (totalPackets > MAX_J2K_PACKETS) bad(`the codestream's layers and precincts make ${totalPackets} packets, more than Lumen decodes (${MAX_J2K_PACKETS})`);
  if (totalBlocks > MAX_J2K_CODE_BLOCKS) bad(`the codestream's code-blocks and precincts make ${totalBlocks} code-blocks, more than Lumen decodes (${MAX_J2K_CODE_BLOCKS})`);
}

/**
 * Checks a JPEG 2000 frame: a raw codestream, or a JP2 file whose boxes are walked to its image
 * header (`ihdr`: size and components, against `expected`) and its codestream (`jp2c`), which is
 * checked as a raw one. A JP2 file without a codestream box is refused.
 */
export function checkJ2kHeader(data: Uint8Array, expected?: ExpectedFrame): void {
  const isJp2 = data.length >= 12 && data[4] === 0x6a && data[5] === 0x50 && data[6] === 0x20 && data[7] === 0x20;
  if (!isJp2) return checkJ2kCodestream(data, expected);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const walk = (from: number, to: number, depth: number): boolean => {
    let at = from;
    while (at + 8 <= to) {
      let length = view.getUint32(at);
      const type = String.fromCharCode(data[at + 4], data[at + 5], data[at + 6], data[at + 7]);
      let header = 8;
      if (length === 1) {
        if (at + 16 > to) bad('the JP2 file ends inside a box header');
        const high = view.getUint32(at + 8);
        length = high * 2 ** 32 + view.getUint32(at + 12);
        header = 16;
      } else if (length === 0) length = to - at;
      if (length < header || at + length > to) bad(`the JP2 file has a "${type.replace(/[^ -~]/g, '?')}" box longer than the file`);
      if (type === 'ihdr') {
        if (length - header < 14) bad('the JP2 file has an image header box too short for its fields');
        const [height, width, components] = [view.getUint32(at + header), view.getUint32(at + header + 4), view.getUint16(at + header + 8)];
        checkDimensions(width, height, expected);
        if (components > MAX_J2K_COMPONENTS) bad(`the JP2 file has ${components} components, more than Lumen decodes (${MAX_J2K_COMPONENTS})`);
      } else if (type === 'jp2h' && depth === 0) {
        walk(at + header, at + length, 1);
      } else if (type === 'jp2c' && depth === 0) {
        const codestream = data.subarray(at + header, at + length);
        if (codestream.length < 4 || codestream[0] !== 0xff || codestream[1] !== 0x4f) bad('the JP2 file\'s codestream box does not hold a JPEG 2000 codestream');
        checkJ2kCodestream(codestream, expected);
        return true;
      }
      at += length;
    }
    return false;
  };
  if (!walk(0, data.length, 0)) bad('the JP2 file holds no codestream box (jp2c)');
}
