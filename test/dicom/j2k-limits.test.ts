// JPEG 2000 headers that cost a decoder far more than their frame: quality layers, precincts,
// decomposition levels, code-block sizes and components, in a raw codestream and in a JP2 file.
// The codestreams are real ones (GDCM's gdcmconv --j2k, OpenJPH's ojph_compress) with their
// headers edited as an attacker would, OpenJPEG-style. Each is refused, naming the file and what
// is out of bounds, before a decoder sees it (before the check, 2048 layers of 2x2-pixel precincts
// in a 256x256 frame of 48 KB kept OpenJPEG busy for 9 s and took its WASM memory past 1 GB).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame, encapsulatedFrame } from '../../electron/dicom/decode';
import { DicomFileError, parseDicomFile, TS } from '../../electron/dicom/parse';
import { gradientImage, run, type TestImage, writeEncapsulated, writeNative } from './reference-decoder';

let dir: string;
let img: TestImage;
/** GDCM's codestream of a 256x256 gradient. */
let made: Uint8Array;
/** Where its COD marker is. */
let cod: number;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-j2k-limits-'));
  img = gradientImage(8, { rows: 256, columns: 256 });
  const src = writeNative(join(dir, 'src.dcm'), img);
  run('gdcmconv', ['--j2k', src, join(dir, 'enc.dcm')]);
  made = Uint8Array.from(encapsulatedFrame(await parseDicomFile(join(dir, 'enc.dcm')), 0));
  cod = made.findIndex((b, i) => b === 0xff && made[i + 1] === 0x52);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function outcome(name: string, ts: string, data: Uint8Array): Promise<unknown> {
  const file = writeEncapsulated(join(dir, `${name}.dcm`), img, ts, [[data]]);
  return decodeFrame(await parseDicomFile(file), 0).catch((x: unknown) => x);
}

async function refusal(name: string, data: Uint8Array, ts = TS.j2kLossless): Promise<string> {
  const err = await outcome(name, ts, data);
  expect(err).toBeInstanceOf(DicomFileError);
  const message = (err as Error).message;
  expect(message).toContain(`${name}.dcm`);
  return message;
}

/** The codestream with `edit` applied to a copy (offsets from its COD marker). */
function edited(edit: (copy: Uint8Array, view: DataView) => void, from = made): Uint8Array {
  const copy = Uint8Array.from(from);
  edit(copy, new DataView(copy.buffer));
  return copy;
}

/** The codestream with its COD segment given precinct sizes (PPx = PPy = `exponent` above resolution 0) and `layers` layers. */
function withPrecincts(exponent: number, layers: number): Uint8Array {
  const view = new DataView(made.buffer, made.byteOffset);
  const length = view.getUint16(cod + 2);
  const levels = made[cod + 9];
  const sizes = Array.from({ length: levels + 1 }, (_, r) => (r === 0 ? 0 : exponent * 17));
  const segment = Uint8Array.from([...made.subarray(cod, cod + 14), ...sizes]);
  const seg = new DataView(segment.buffer);
  seg.setUint16(2, segment.length - 2);
  segment[4] |= 1;
  seg.setUint16(6, layers);
  return Uint8Array.from([...made.subarray(0, cod), ...segment, ...made.subarray(cod + 2 + length)]);
}

/** A JP2 file (signature, file type, header with ihdr and colr, codestream box) around `codestream`. */
function jp2(codestream: Uint8Array, size = { width: 256, height: 256, components: 1 }): Uint8Array {
  const box = (type: string, body: Uint8Array) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(8 + body.length, 0);
    head.write(type, 4, 'latin1');
    return Buffer.concat([head, body]);
  };
  const ihdr = Buffer.alloc(14);
  ihdr.writeUInt32BE(size.height, 0);
  ihdr.writeUInt32BE(size.width, 4);
  ihdr.writeUInt16BE(size.components, 8);
  ihdr[10] = 7; // 8 bits, unsigned
  ihdr[11] = 7; // compression type: JPEG 2000
  const colr = Buffer.from([1, 0, 0, 0, 0, 0, 17]); // enumerated colour space: greyscale
  return Uint8Array.from(
    Buffer.concat([
      box('jP  ', Buffer.from([0x0d, 0x0a, 0x87, 0x0a])),
      box('ftyp', Buffer.from('jp2 \0\0\0\0jp2 ', 'latin1')),
      box('jp2h', Buffer.concat([box('ihdr', ihdr), box('colr', colr)])),
      box('jp2c', Buffer.from(codestream)),
    ]),
  );
}

describe('JPEG 2000 headers that cost far more than their frame', () => {
  it('real codestreams, raw and in a JP2 file, and OpenJPH precincts, decode as before', async () => {
    expect(await outcome('as-made', TS.j2kLossless, made)).toMatchObject({ rows: 256, columns: 256 });
    expect(await outcome('as-jp2', TS.j2kLossless, jp2(made))).toMatchObject({ rows: 256, columns: 256 });
    writeFileSync(join(dir, 'ht.raw'), Uint8Array.from(img.values));
    run('ojph_compress', ['-i', join(dir, 'ht.raw'), '-o', join(dir, 'ht.j2c'), '-reversible', 'true', '-dims', '{256,256}', '-num_comps', '1', '-signed', 'false', '-bit_depth', '8', '-downsamp', '{1,1}', '-precincts', '{64,64}', '-block_size', '{32,32}']);
    expect(await outcome('ht-precincts', TS.htj2kLossless, Uint8Array.from(readFileSync(join(dir, 'ht.j2c'))))).toMatchObject({ rows: 256, columns: 256 });
  }, 120_000);

  it('quality layers past the bound, raw and in a JP2 file', async () => {
    const layers = withPrecincts(1, 2048);
    expect(await refusal('layers', layers)).toContain('the codestream has 2048 quality layers, more than Lumen decodes (256)');
    expect(await refusal('layers-jp2', jp2(layers))).toContain('the codestream has 2048 quality layers, more than Lumen decodes (256)');
  });

  it('quality layers past the bound in a tile-part header (a COD after SOT), not only in the main header', async () => {
    const view = new DataView(made.buffer, made.byteOffset);
    const sot = made.findIndex((b, i) => i > cod && b === 0xff && made[i + 1] === 0x90);
    const codSegment = Uint8Array.from(made.subarray(cod, cod + 2 + view.getUint16(cod + 2)));
    new DataView(codSegment.buffer).setUint16(6, 2048);
    const withTileCod = Uint8Array.from([...made.subarray(0, sot + 12), ...codSegment, ...made.subarray(sot + 12)]);
    // Psot (the tile-part's length) grows by the segment put in.
    const tv = new DataView(withTileCod.buffer);
    tv.setUint32(sot + 6, tv.getUint32(sot + 6) + codSegment.length);
    expect(await refusal('tile-layers', withTileCod)).toContain('the codestream has 2048 quality layers, more than Lumen decodes (256)');
  });

  it('layers within the bound but with 2x2-pixel precincts: too many packets', async () => {
    expect(await refusal('packets', withPrecincts(1, 200))).toMatch(/the codestream's layers and precincts make \d+ packets, more than Lumen decodes \(1048576\)/);
  });

  it('decomposition levels, code-block sizes and components past what is decoded or allowed', async () => {
    expect(await refusal('levels', edited((c) => (c[cod + 9] = 32)))).toContain('the codestream has 32 decomposition levels, more than Lumen decodes (16)');
    expect(await refusal('blocks', edited((c) => ((c[cod + 10] = 8), (c[cod + 11] = 8))))).toContain('code-blocks of 2^10 x 2^10 pixels, outside what JPEG 2000 allows');
    // SIZ's Csiz (component count) at 16384, the standard's most.
    expect(await refusal('components', edited((_c, v) => v.setUint16(2 + 38, 16384)))).toContain('the codestream has 16384 components, more than Lumen decodes (4)');
  });

  it('a JP2 file whose image header or codestream box says another size, or that holds no codestream', async () => {
    expect(await refusal('jp2-ihdr', jp2(made, { width: 65535, height: 65535, components: 1 }))).toContain('65535x65535, the header 256x256');
    expect(await refusal('jp2-siz', jp2(edited((_c, v) => (v.setUint32(2 + 6, 65535), v.setUint32(2 + 10, 65535)))))).toContain('65535x65535, the header 256x256');
    // Signature (12), file type (20) and header (45) boxes only.
    const noCodestream = jp2(made).subarray(0, 77);
    expect(await refusal('jp2-empty', Uint8Array.from(noCodestream))).toContain('holds no codestream box (jp2c)');
  });
});
