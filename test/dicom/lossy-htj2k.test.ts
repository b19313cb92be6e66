// The "Lossy" mark's codestream reader (electron/dicom/j2k-loss.ts) on HTJ2K (ISO/IEC 15444-15):
// it follows HT code-blocks' packet headers (their cleanup pass, placeholder passes and length
// fields) precinct by precinct, so OpenJPH's reversible codestreams (ojph_compress -reversible
// true) answer "lossless" and its 9-7 ones "lossy", over sizes, bit depths 8/12/16, signed
// samples, 1 and 3 components, code-block and precinct sizes, decomposition levels, all five
// progression orders and tiles; each answer is checked against the pixels ojph_expand (or, where
// it fails, the viewer's HTJ2K decoder) gives and the original's. Variants made from them by
// rewriting a packet header (placeholder passes; a cleanup pass that stops at bit-plane 1, with
// or without refinement passes), by dropping, cutting or padding a tile-part, or by quantizing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs } from '../../electron/dicom/codecs';
import { j2kLossOf } from '../../electron/dicom/j2k-loss';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-lossy-htj2k-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ojph = (cmd: 'ojph_compress' | 'ojph_expand', args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });

interface Image {
  name: string;
  w: number;
  h: number;
  comps: 1 | 3;
  depth: 8 | 12 | 16;
  signed?: boolean;
  /** More ojph_compress arguments. */
  args?: string[];
}

/** Samples that use every bit of the depth: a gradient, a bright disc and noise. */
function samples(img: Image): number[] {
  let seed = img.w * 7919 + img.h * 104729 + img.depth;
  const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const max = 2 ** img.depth - 1;
  const out: number[] = [];
  for (let y = 0; y < img.h; y++)
    for (let x = 0; x < img.w; x++)
      for (let c = 0; c < img.comps; c++) {
        const disc = (x - img.w / 2) ** 2 + (y - img.h / 2) ** 2 < (Math.min(img.w, img.h) / 4) ** 2;
        const v = disc ? max - c : Math.floor((((x * 13 + y * 7 + c * 5) % 97) / 97) * max * 0.7 + rand() * max * 0.3);
        out.push(img.signed ? v - 2 ** (img.depth - 1) : v);
      }
  return out;
}

/** The image as ojph_compress reads it: PGM/PPM (8-bit, or 16-bit big-endian), or raw 16-bit little-endian for signed samples. */
function input(img: Image): { file: string; args: string[] } {
  const s = samples(img);
  if (img.signed) {
    const file = join(dir, `${img.name}.raw`);
    const buf = Buffer.alloc(s.length * 2);
    s.forEach((v, i) => buf.writeInt16LE(v, i * 2));
    writeFileSync(file, buf);
    return { file, args: ['-dims', `{${img.w},${img.h}}`, '-num_comps', '1', '-signed', 'true', '-bit_depth', String(img.depth), '-downsamp', '{1,1}'] };
  }
  const file = join(dir, `${img.name}.${img.comps === 1 ? 'pgm' : 'ppm'}`);
  const body = img.depth === 8 ? Buffer.from(s) : Buffer.alloc(s.length * 2);
  if (img.depth > 8) s.forEach((v, i) => body.writeUInt16BE(v, i * 2));
  writeFileSync(file, Buffer.concat([Buffer.from(`P${img.comps === 1 ? 5 : 6}\n${img.w} ${img.h}\n${2 ** img.depth - 1}\n`, 'latin1'), body]));
  return { file, args: [] };
}

/** The codestream ojph_compress makes of the image, and the file it was made from. */
function compress(img: Image, reversible: boolean, extra: string[] = []): { cs: Uint8Array; source: string } {
  const { file, args } = input(img);
  const out = join(dir, `${img.name}-${reversible}.j2c`);
  ojph('ojph_compress', ['-i', file, '-o', out, '-reversible', String(reversible), ...args, ...(img.args ?? []), ...extra]);
  return { cs: new Uint8Array(readFileSync(out)), source: file };
}

/**
 * Whether the codestream decodes to the original's samples: by ojph_expand, or where it refuses
 * one (OpenJPH 0.9's ojph_expand fails on some codestreams with small precincts, tiled or 16-bit:
 * "Error decoding a codeblock") by the viewer's HTJ2K decoder, @cornerstonejs/codec-openjph, a
 * later OpenJPH; false where both refuse it.
 */
async function decodesToOriginal(cs: Uint8Array, source: string): Promise<boolean> {
  const j2c = join(dir, 'check.j2c');
  const out = join(dir, `check${source.slice(source.lastIndexOf('.'))}`);
  writeFileSync(j2c, cs);
  rmSync(out, { force: true });
  try {
    ojph('ojph_expand', ['-i', j2c, '-o', out]);
    return readFileSync(out).equals(readFileSync(source));
  } catch {
    // The original's samples as the decoder gives them: after the PNM header (three lines as
    // input() writes them), little-endian where wider than 8 bits.
    const original = readFileSync(source);
    let body = original;
    if (!source.endsWith('.raw')) {
      const lines = original.subarray(0, 40).toString('latin1').split('\n');
      body = Buffer.from(original.subarray(lines.slice(0, 3).join('\n').length + 1));
      if (Number(lines[2]) > 255) body.swap16();
    }
    try {
      const decoded = await codecs.htj2k(cs);
      return Buffer.from(decoded.bytes).equals(body);
    } catch {
      return false;
    }
  }
}

const IMAGES: Image[] = [
  { name: 'u8-37x29', w: 37, h: 29, comps: 1, depth: 8 },
  { name: 'u8-1x1', w: 1, h: 1, comps: 1, depth: 8 },
  { name: 'rgb8-64x48', w: 64, h: 48, comps: 3, depth: 8 },
  { name: 'u12-128-cb32-l3', w: 128, h: 128, comps: 1, depth: 12, args: ['-block_size', '{32,32}', '-num_decomps', '3'] },
  { name: 'u16-200x90-cb16x64', w: 200, h: 90, comps: 1, depth: 16, args: ['-block_size', '{16,64}'] },
  { name: 'rgb16-50-l0', w: 50, h: 50, comps: 3, depth: 16, args: ['-num_decomps', '0', '-colour_trans', 'false'] },
  { name: 'u12-tiles-lrcp', w: 150, h: 100, comps: 1, depth: 12, args: ['-tile_size', '{64,64}', '-prog_order', 'LRCP'] },
  { name: 'rgb8-tiles-cprl-cb8', w: 70, h: 41, comps: 3, depth: 8, args: ['-tile_size', '{33,20}', '-prog_order', 'CPRL', '-block_size', '{8,8}'] },
  { name: 's16-60x40-rlcp', w: 60, h: 40, comps: 1, depth: 16, signed: true, args: ['-prog_order', 'RLCP'] },
  { name: 's16-tiles-pcrl', w: 90, h: 70, comps: 1, depth: 16, signed: true, args: ['-tile_size', '{40,40}', '-prog_order', 'PCRL', '-num_decomps', '2'] },
  { name: 'u16-wide-l5', w: 1000, h: 3, comps: 1, depth: 16, args: ['-num_decomps', '5'] },
  { name: 'rgb12-offsets', w: 77, h: 55, comps: 3, depth: 12, args: ['-image_offset', '{5,3}', '-tile_offset', '{2,1}', '-tile_size', '{32,48}'] },
  // Precinct sizes given (Scod bit 0), per resolution from the lowest, the last repeated.
  { name: 'u12-precincts-rpcl', w: 300, h: 200, comps: 1, depth: 12, args: ['-precincts', '{32,32},{64,64},{128,128}', '-prog_order', 'RPCL', '-block_size', '{32,32}'] },
  { name: 'rgb8-precincts-lrcp', w: 301, h: 203, comps: 3, depth: 8, args: ['-precincts', '{8,8},{16,16}', '-prog_order', 'LRCP', '-block_size', '{16,16}', '-num_decomps', '4'] },
  { name: 'rgb8-precincts-tiles-pcrl', w: 150, h: 90, comps: 3, depth: 8, args: ['-precincts', '{2,2},{4,8},{16,4}', '-tile_size', '{64,48}', '-tile_offset', '{3,5}', '-image_offset', '{7,9}', '-prog_order', 'PCRL', '-block_size', '{16,16}', '-num_decomps', '4'] },
  // Precincts of 16 or more: ojph_expand fails on smaller ones at 16 bits, and the viewer's decoder clamps negative samples.
  { name: 's16-precincts-cprl', w: 130, h: 70, comps: 1, depth: 16, signed: true, args: ['-precincts', '{16,16},{32,32}', '-prog_order', 'CPRL', '-block_size', '{8,16}'] },
  { name: 'u16-small-precincts', w: 130, h: 70, comps: 1, depth: 16, args: ['-precincts', '{4,4},{8,8}', '-block_size', '{8,16}'] },
  { name: 'u12-precincts-tiles-rpcl', w: 130, h: 70, comps: 1, depth: 12, args: ['-precincts', '{4,4},{8,8}', '-tile_size', '{100,50}', '-prog_order', 'RPCL', '-block_size', '{8,16}'] },
  { name: 'u8-precincts-rlcp', w: 64, h: 64, comps: 1, depth: 8, args: ['-precincts', '{16,16}', '-prog_order', 'RLCP', '-num_decomps', '2'] },
];

describe("OpenJPH's codestreams", () => {
  it.each(IMAGES)('$name: reversible is "lossless" and decodes to the original, 9-7 is "lossy"', async (img) => {
    const reversible = compress(img, true);
    expect(j2kLossOf(reversible.cs)).toEqual({ kind: 'lossless' });
    expect(await decodesToOriginal(reversible.cs, reversible.source)).toBe(true);
    const irreversible = compress(img, false);
    expect(j2kLossOf(irreversible.cs)).toEqual({ kind: 'lossy' });
  });

  it('is "lossy" for a 9-7 codestream whose pixels did change, whatever its step', async () => {
    const img = IMAGES[3];
    for (const qstep of ['0.001', '0.05']) {
      const { cs, source } = compress(img, false, ['-qstep', qstep]);
      expect(j2kLossOf(cs)).toEqual({ kind: 'lossy' });
      expect(await decodesToOriginal(cs, source)).toBe(false);
    }
  });
});

/** Packet-header bits as B.10.1 has them (after a 0xFF byte, 7 bits). */
class BitReader {
  private byte = 0;
  private left = 0;
  constructor(
    private readonly data: Uint8Array,
    public at: number,
  ) {}
  bit(): number {
    if (!this.left) {
      this.left = this.byte === 0xff ? 7 : 8;
      this.byte = this.data[this.at++];
    }
    return (this.byte >> --this.left) & 1;
  }
  read(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.bit();
    return v;
  }
  /** The header's end: a last 0xFF byte is followed by a stuffed one. */
  end(): number {
    return this.byte === 0xff ? this.at + 1 : this.at;
  }
}

class BitWriter {
  readonly bytes: number[] = [];
  private cur = 0;
  private n = 0;
  private cap = 8;
  put(v: number, bits: number): void {
    for (let i = bits - 1; i >= 0; i--) {
      this.cur = (this.cur << 1) | (Math.floor(v / 2 ** i) & 1);
      if (++this.n === this.cap) this.flush();
    }
  }
  private flush(): void {
    this.bytes.push(this.cur);
    this.cap = this.cur === 0xff ? 7 : 8;
    this.cur = 0;
    this.n = 0;
  }
  done(): Uint8Array {
    if (this.n) this.put(0, this.cap - this.n);
    if (this.bytes.at(-1) === 0xff) this.bytes.push(0);
    return Uint8Array.from(this.bytes);
  }
}

const log2 = (n: number) => 31 - Math.clz32(n);
/** Table B.4's codeword for a number of coding passes. */
function putPasses(w: BitWriter, passes: number): void {
  if (passes === 1) w.put(0, 1);
  else if (passes === 2) w.put(2, 2);
  else if (passes <= 5) w.put(0b1100 | (passes - 3), 4);
  else if (passes <= 36) w.put((0b1111 << 5) | (passes - 6), 9);
  else w.put((0b111111111 << 7) | (passes - 37), 16);
}

/**
 * One code-block's packet, as OpenJPH writes it for an image that fits one code-block with no
 * decomposition: its zero bit-planes (missing MSBs) P, passes, Lblock and lengths, and where its
 * header and body lie in the codestream.
 */
function onePacket(cs: Uint8Array) {
  const view = new DataView(cs.buffer, cs.byteOffset, cs.byteLength);
  let sot = 2;
  while (view.getUint16(sot) !== 0xff90) sot += 2 + view.getUint16(sot + 2);
  const sod = sot + 12;
  expect(view.getUint16(sod)).toBe(0xff93);
  const bits = new BitReader(cs, sod + 2);
  expect(bits.read(2)).toBe(0b11); // a packet that is not empty; its one code-block included
  let p = 0;
  while (!bits.bit()) p++;
  let passes = 1;
  if (bits.bit()) passes = bits.bit() ? 3 + bits.read(2) : 2;
  expect(passes).toBeLessThanOrEqual(3);
  let lblock = 3;
  while (bits.bit()) lblock++;
  const lengths = [bits.read(lblock)];
  if (passes > 1) lengths.push(bits.read(lblock + log2(passes - 1)));
  const headerEnd = bits.end();
  return { sot, header: sod + 2, headerEnd, p, passes, lblock, lengths };
}

/**
 * The codestream with that packet's header written anew: P, passes and length fields (each
 * [value, bits] past Lblock) given; without the code-block's bytes where `body` is false.
 */
function rewritePacket(cs: Uint8Array, p: number, passes: number, fields: [number, number][], body = true): Uint8Array {
  const packet = onePacket(cs);
  if (!body) {
    const bytes = packet.lengths.reduce((a, b) => a + b, 0);
    cs = new Uint8Array([...cs.subarray(0, packet.headerEnd), ...cs.subarray(packet.headerEnd + bytes)]);
    const view = new DataView(cs.buffer);
    const psot = view.getUint32(packet.sot + 6);
    if (psot) view.setUint32(packet.sot + 6, psot - bytes);
  }
  const w = new BitWriter();
  w.put(0b11, 2);
  w.put(1, p + 1);
  putPasses(w, passes);
  // The smallest Lblock whose fields hold each length.
  const lblock = Math.max(3, ...fields.map(([v, extra]) => 32 - Math.clz32(v) - extra));
  w.put(2 ** (lblock - 3 + 1) - 2, lblock - 3 + 1);
  for (const [v, extra] of fields) w.put(v, lblock + extra);
  const header = w.done();
  const out = new Uint8Array(cs.length - (packet.headerEnd - packet.header) + header.length);
  out.set(cs.subarray(0, packet.header));
  out.set(header, packet.header);
  out.set(cs.subarray(packet.headerEnd), packet.header + header.length);
  const view = new DataView(out.buffer);
  const psot = view.getUint32(packet.sot + 6);
  if (psot) view.setUint32(packet.sot + 6, psot + header.length - (packet.headerEnd - packet.header));
  return out;
}

describe('HT code-blocks whose passes stop short, and placeholder passes', () => {
  const img: Image = { name: 'one-block', w: 40, h: 30, comps: 1, depth: 12, args: ['-num_decomps', '0'] };
  let cs: Uint8Array = new Uint8Array(0);
  let source = '';
  beforeAll(() => {
    ({ cs, source } = compress(img, true));
  });

  it('reads the packet as OpenJPH wrote it: one cleanup pass at bit-plane 0, and rewrites it unchanged', async () => {
    const packet = onePacket(cs);
    expect(packet.passes).toBe(1);
    expect(packet.p).toBeGreaterThan(2);
    expect(j2kLossOf(cs)).toEqual({ kind: 'lossless' });
    // The test's own writer, checked: the same fields give a codestream that decodes the same.
    const same = rewritePacket(cs, packet.p, 1, [[packet.lengths[0], 0]]);
    expect(j2kLossOf(same)).toEqual({ kind: 'lossless' });
    expect(await decodesToOriginal(same, source)).toBe(true);
  });

  it('is "unknown" where the cleanup pass codes bit-plane 1 (one MSB fewer missing): the pixels change', async () => {
    const { p, lengths } = onePacket(cs);
    const short = rewritePacket(cs, p - 1, 1, [[lengths[0], 0]]);
    expect(j2kLossOf(short)).toEqual({ kind: 'unknown', why: 'the codestream is reversible, but some code-blocks stop short of their last coding pass' });
    expect(await decodesToOriginal(short, source)).toBe(false);
  });

  it('is "unknown" where a cleanup at bit-plane 1 has its SigProp and MagRef passes (they do not finish bit-plane 0)', async () => {
    const { p, lengths } = onePacket(cs);
    // Two refinement passes: a field of Lblock + 1 bits, empty.
    const refined = rewritePacket(cs, p - 1, 3, [
      [lengths[0], 0],
      [0, 1],
    ]);
    expect(j2kLossOf(refined)).toEqual({ kind: 'unknown', why: 'the codestream is reversible, but some code-blocks stop short of their last coding pass' });
    expect(await decodesToOriginal(refined, source)).toBe(false);
  });

  it('follows placeholder passes: three before the cleanup lower it by one bit-plane', async () => {
    const { p, lengths } = onePacket(cs);
    // Four passes (three placeholders, then the cleanup) with one MSB fewer missing: the cleanup
    // codes bit-plane Mb - 1 - (P - 1) - 1 = Mb - 1 - P, where OpenJPH's was (15444-15: S_blk =
    // P + placeholder passes / 3). One field for the four: Lblock + 2 bits. ojph_expand 0.9 refuses
    // more than 3 passes; the viewer's later OpenJPH decodes them.
    const placeholders = rewritePacket(cs, p - 1, 4, [[lengths[0], 2]]);
    expect(j2kLossOf(placeholders)).toEqual({ kind: 'lossless' });
    expect(await decodesToOriginal(placeholders, source)).toBe(true);
    // With P kept, the same four passes would go below bit-plane 0; with two fewer, they stop at bit-plane 1.
    expect(j2kLossOf(rewritePacket(cs, p, 4, [[lengths[0], 2]]))).toEqual({ kind: 'unknown', why: 'the codestream has a code-block with more coding passes than bit-planes' });
    const short = rewritePacket(cs, p - 2, 4, [[lengths[0], 2]]);
    expect(j2kLossOf(short)).toEqual({ kind: 'unknown', why: 'the codestream is reversible, but some code-blocks stop short of their last coding pass' });
    expect(await decodesToOriginal(short, source)).toBe(false);
  });

  it('is "unknown" for a code-block with placeholder passes only, or bytes before its cleanup', () => {
    const { p } = onePacket(cs);
    // A zero length: every pass a placeholder, and no bytes.
    const placeholders = rewritePacket(cs, p - 1, 3, [[0, 1]], false);
    expect(j2kLossOf(placeholders)).toEqual({ kind: 'unknown', why: 'the codestream has an HT code-block with placeholder passes only' });
    // Eight passes: a first field of Lblock + 2 bits for the seven up to the last cleanup reads 0
    // (placeholders), and its one more bit (Lblock + 3 for the eight) is not 0.
    expect(j2kLossOf(rewritePacket(cs, p - 2, 8, [[1, 3]], false))).toEqual({ kind: 'unknown', why: 'the codestream has an HT code-block with bytes before its cleanup pass' });
  });
});

describe('HTJ2K codestreams cut, short of a tile-part, or quantized', () => {
  const img: Image = { name: 'tiled', w: 100, h: 80, comps: 1, depth: 12, args: ['-tile_size', '{50,40}'] };

  it('is "unknown" without one tile-part, with a tile-part cut, or with a quantized reversible QCD', async () => {
    const { cs, source } = compress(img, true);
    expect(j2kLossOf(cs)).toEqual({ kind: 'lossless' });
    const view = new DataView(cs.buffer, cs.byteOffset, cs.byteLength);
    const sots: number[] = [];
    for (let at = 0; at + 1 < cs.length; at++) if (view.getUint16(at) === 0xff90 && view.getUint16(at + 2) === 10) sots.push(at);
    expect(sots).toHaveLength(4);
    // The third tile's tile-part left out.
    const third = sots[2];
    const without = new Uint8Array([...cs.subarray(0, third), ...cs.subarray(sots[3])]);
    expect(j2kLossOf(without)).toEqual({ kind: 'unknown', why: 'the codestream holds 3 of its 4 tiles' });
    expect(await decodesToOriginal(without, source)).toBe(false);
    // The third tile-part's last 10 bytes cut, its Psot told so: the packets run past its data.
    const psot = view.getUint32(third + 6);
    const cut = new Uint8Array([...cs.subarray(0, third + psot - 10), ...cs.subarray(sots[3])]);
    new DataView(cut.buffer).setUint32(third + 6, psot - 10);
    expect(j2kLossOf(cut).kind).toBe('unknown');
    expect(await decodesToOriginal(cut, source)).toBe(false);
    // Four bytes more in the third tile-part, its Psot told so: bytes no packet header accounts for.
    const padded = new Uint8Array([...cs.subarray(0, third + psot), 1, 2, 3, 4, ...cs.subarray(sots[3])]);
    new DataView(padded.buffer).setUint32(third + 6, psot + 4);
    expect(j2kLossOf(padded)).toEqual({ kind: 'unknown', why: 'the codestream has 4 bytes in tile 2 after its last packet' });
    // QCD's style set to scalar expounded quantization: reversible but quantized.
    let qcd = 2;
    while (view.getUint16(qcd) !== 0xff5c) qcd += 2 + view.getUint16(qcd + 2);
    const quantized = cs.slice();
    quantized[qcd + 4] = (quantized[qcd + 4] & 0xe0) | 2;
    expect(j2kLossOf(quantized)).toEqual({ kind: 'unknown', why: 'the codestream is reversible but quantized' });
  });

  it('never throws and never says "lossless" over every truncation', () => {
    const precincts = IMAGES.find((i) => i.name === 'rgb8-precincts-tiles-pcrl')!;
    for (const image of [img, IMAGES[2], IMAGES[8], precincts]) {
      const { cs } = compress(image, true);
      expect(j2kLossOf(cs)).toEqual({ kind: 'lossless' });
      for (let n = 0; n < cs.length; n++) expect(j2kLossOf(cs.subarray(0, n)).kind, `${image.name} cut to ${n} bytes`).not.toBe('lossless');
    }
  });

  it('never throws over damaged packet headers and headers', () => {
    let seed = 4242;
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
    const kinds = new Map<string, number>();
    for (const image of [img, IMAGES[3], IMAGES[7], IMAGES.find((i) => i.name === 'u12-precincts-rpcl')!]) {
      const { cs } = compress(image, true);
      for (let i = 0; i < 1000; i++) {
        const copy = cs.slice();
        // Damage anywhere: main header, tile-part headers, packet headers, code-block bytes.
        for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
        const kind = j2kLossOf(copy).kind;
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      }
    }
    expect([...kinds.keys()].every((k) => ['lossy', 'lossless', 'unknown'].includes(k))).toBe(true);
    expect(kinds.get('unknown')).toBeGreaterThan(0);
  });
});
