// Lumen's own OpenJPEG build (codecs/openjpeg → dist/codecs/openjpeg.wasm)
// against the Cornerstone codec it replaces and against the source pixels.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs } from '../../electron/dicom/codecs';
import { decodeFrame, encapsulatedFrame } from '../../electron/dicom/decode';
import { j2kDecoderName, loadOpenJpeg, OpenJpeg } from '../../electron/dicom/openjpeg';
import { parseDicomFile } from '../../electron/dicom/parse';
import { makeFixtures, type Fixture, type Phantom } from './fixtures';

const WASM = fileURLToPath(new URL('../../dist/codecs/openjpeg.wasm', import.meta.url));
const hasEmcc = !spawnSync('emcc', ['--version']).error;

let dir: string;
let fixtures: Record<string, Fixture>;
let phantoms: Record<string, Phantom>;
let openjpeg: OpenJpeg;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-openjpeg-'));
  ({ fixtures, phantoms } = makeFixtures(dir));
  if (existsSync(WASM)) openjpeg = await OpenJpeg.load(WASM);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function codestream(name: string, frame = 0): Promise<{ data: Uint8Array; rows: number; columns: number }> {
  const parsed = await parseDicomFile(fixtures[name].file);
  return { data: encapsulatedFrame(parsed, frame), rows: parsed.meta.rows, columns: parsed.meta.columns };
}

function samples(bytes: Uint8Array, bits: number, signed: boolean): number[] {
  if (bits <= 8) return Array.from(signed ? new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length) : bytes);
  const n = bytes.length / 2;
  return Array.from(signed ? new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), 0, n) : new Uint16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length), 0, n));
}

describe('the build', () => {
  // CI installs emscripten, so there the faster decoder must be the one in use:
  // a broken build would otherwise fall back to Cornerstone unnoticed.
  it.runIf(hasEmcc)('is built and in use where emscripten is installed', async () => {
    expect(existsSync(WASM)).toBe(true);
    expect((await loadOpenJpeg()).decoder).toBeDefined();
    expect(await j2kDecoderName()).toMatch(/^Lumen OpenJPEG 2\.5\.0/);
  });

  it('a file that is not a WASM module is refused with a reason', async () => {
    const bad = join(dir, 'not.wasm');
    writeFileSync(bad, 'not wasm at all');
    await expect(OpenJpeg.load(bad)).rejects.toThrow(/WebAssembly|magic|wasm/i);
  });
});

describe.runIf(existsSync(WASM))('Lumen OpenJPEG', () => {
  const LOSSLESS = ['mono8-j2k', 'ct16-j2k', 'u12-j2k', 'rgb-j2k'];

  it.each(LOSSLESS)('%s: exactly the source pixels, and the same bytes as the Cornerstone codec', async (name) => {
    const { data, rows, columns } = await codestream(name);
    const own = openjpeg.decode(data, { rows, columns });
    const theirs = await codecs.j2kCornerstone(data, { rows, columns });
    expect(own.columns).toBe(columns);
    expect(own.rows).toBe(rows);
    expect(Buffer.from(own.bytes).equals(Buffer.from(theirs.bytes))).toBe(true);
    const spec = phantoms[fixtures[name].phantom].spec;
    expect(own.components).toBe(spec.samplesPerPixel ?? 1);
    expect(own.signed).toBe(spec.pixelRepresentation === 1);
    expect(samples(own.bytes, own.precision, own.signed)).toEqual(phantoms[fixtures[name].phantom].frames[0]);
  });

  it('every frame of a multi-frame file, through decodeFrame', async () => {
    const parsed = await parseDicomFile(fixtures['multi-j2k'].file);
    expect(parsed.meta.numberOfFrames).toBeGreaterThan(1);
    for (let f = 0; f < parsed.meta.numberOfFrames; f++) {
      expect(Array.from((await decodeFrame(parsed, f)).pixels)).toEqual(phantoms.multi.frames[f]);
    }
  });

  it.each(['u12-j2k-lossy', 'rgb-j2k-lossy'])('%s: within one of the Cornerstone codec (lossy)', async (name) => {
    const { data, rows, columns } = await codestream(name);
    const own = openjpeg.decode(data, { rows, columns });
    const theirs = await codecs.j2kCornerstone(data, { rows, columns });
    const a = samples(own.bytes, own.precision, own.signed);
    const b = samples(theirs.bytes, theirs.bitsPerSample, own.signed);
    expect(a.length).toBe(b.length);
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    expect(worst).toBeLessThanOrEqual(1);
  });

  it('a codestream whose size differs from the header is refused before decoding', async () => {
    const { data, rows, columns } = await codestream('ct16-j2k');
    expect(() => openjpeg.decode(data, { rows: rows * 100, columns })).toThrow(`the codestream says ${columns}x${rows}, the header ${columns}x${rows * 100}`);
  });

  it('broken codestreams fail with OpenJPEG\'s reason, and the decoder goes on working', async () => {
    const { data, rows, columns } = await codestream('ct16-j2k');
    expect(() => openjpeg.decode(data.subarray(0, 8))).toThrow(/too short/);
    const noise = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
    expect(() => openjpeg.decode(noise)).toThrow(/\S/);
    // A damaged main header: the SIZ marker's length field.
    const damaged = new Uint8Array(data); // a copy (data may be a Buffer, whose slice is a view)
    damaged[4] = 0;
    damaged[5] = 3;
    expect(() => openjpeg.decode(damaged, { rows, columns })).toThrow(/\S/);
    expect(samples(openjpeg.decode(data, { rows, columns }).bytes, 16, true)).toEqual(phantoms.ct16.frames[0]);
  });

  it('WASM memory stays bounded over many frames', async () => {
    const { data, rows, columns } = await codestream('ct16-j2k');
    for (let i = 0; i < 5; i++) openjpeg.decode(data, { rows, columns });
    const settled = openjpeg.memoryBytes();
    for (let i = 0; i < 100; i++) openjpeg.decode(data, { rows, columns });
    expect(openjpeg.memoryBytes()).toBe(settled);
  });

  it('an instance whose memory grew past its limit is replaced, and the next frame decodes the same', async () => {
    const small = await OpenJpeg.load(WASM, 1);
    const { data, rows, columns } = await codestream('ct16-j2k');
    const first = small.decode(data, { rows, columns }).bytes;
    expect(small.memoryBytes()).toBe(0);
    expect(Buffer.from(small.decode(data, { rows, columns }).bytes).equals(Buffer.from(first))).toBe(true);
    expect(openjpeg.memoryBytes()).toBeGreaterThan(0);
  });
});
