// Lumen's own libjpeg-turbo build (codecs/libjpeg-turbo → dist/codecs/libjpeg.wasm)
// against the Cornerstone codec it replaces, against dcmtk's decoder, and on
// broken streams.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codecs } from '../../electron/dicom/codecs';
import { encapsulatedFrame } from '../../electron/dicom/decode';
import { jpegDecoderName, LibJpeg, loadLibJpeg } from '../../electron/dicom/libjpeg';
import { parseDicomFile } from '../../electron/dicom/parse';
import { makeFixtures, type Fixture } from './fixtures';

const WASM = fileURLToPath(new URL('../../dist/codecs/libjpeg.wasm', import.meta.url));
const hasEmcc = !spawnSync('emcc', ['--version']).error;

let dir: string;
let fixtures: Record<string, Fixture>;
let libjpeg: LibJpeg;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-libjpeg-'));
  ({ fixtures } = makeFixtures(dir));
  if (existsSync(WASM)) libjpeg = await LibJpeg.load(WASM);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function stream(file: string): Promise<{ data: Uint8Array; rows: number; columns: number }> {
  const parsed = await parseDicomFile(file);
  return { data: encapsulatedFrame(parsed, 0), rows: parsed.meta.rows, columns: parsed.meta.columns };
}

describe('the build', () => {
  it.runIf(hasEmcc)('is built and in use where emscripten is installed', async () => {
    expect(existsSync(WASM)).toBe(true);
    expect((await loadLibJpeg()).decoder).toBeDefined();
    expect(await jpegDecoderName()).toMatch(/^Lumen libjpeg-turbo 2\.1\.5/);
  });
});

describe.runIf(existsSync(WASM))('Lumen libjpeg-turbo', () => {
  it.each(['mono8-jpegbaseline', 'rgb-jpegbaseline'])('%s: the same bytes as the Cornerstone codec, and dcmtk\'s pixels within the tolerance', async (name) => {
    const { data, rows, columns } = await stream(fixtures[name].file);
    const own = libjpeg.decode(data, { rows, columns });
    const theirs = await codecs.jpegCornerstone(data, { rows, columns });
    expect([own.columns, own.rows, own.components]).toEqual([theirs.columns, theirs.rows, theirs.components]);
    expect(Buffer.from(own.bytes).equals(Buffer.from(theirs.bytes))).toBe(true);
    const reference = fixtures[name].reference!;
    let worst = 0;
    for (let i = 0; i < reference.length; i++) worst = Math.max(worst, Math.abs(own.bytes[i] - reference[i]));
    expect(worst).toBeLessThanOrEqual(fixtures[name].tolerance);
  });

  it('a stream whose size differs from the header is refused before decoding', async () => {
    const { data, rows, columns } = await stream(fixtures['mono8-jpegbaseline'].file);
    expect(() => libjpeg.decode(data, { rows, columns: columns + 1 })).toThrow(`the codestream says ${columns}x${rows}, the header ${columns + 1}x${rows}`);
  });

  it('broken streams fail with libjpeg\'s reason, and the next frame decodes', async () => {
    const { data, rows, columns } = await stream(fixtures['mono8-jpegbaseline'].file);
    const good = libjpeg.decode(data, { rows, columns }).bytes;
    expect(() => libjpeg.decode(new Uint8Array(64).fill(7))).toThrow(/Not a JPEG file: starts with 0x07 0x07/);
    expect(Buffer.from(libjpeg.decode(data, { rows, columns }).bytes).equals(Buffer.from(good))).toBe(true);
    // The start-of-frame marker's precision byte set to 9 bits.
    const bad = new Uint8Array(data);
    for (let i = 0; i + 4 < bad.length; i++) {
      if (bad[i] === 0xff && bad[i + 1] === 0xc0) {
        bad[i + 4] = 9;
        break;
      }
    }
    expect(() => libjpeg.decode(bad, { rows, columns })).toThrow(/precision 9/i);
    expect(Buffer.from(libjpeg.decode(data, { rows, columns }).bytes).equals(Buffer.from(good))).toBe(true);
  });

  it('WASM memory stays bounded over many frames', async () => {
    const { data, rows, columns } = await stream(fixtures['rgb-jpegbaseline'].file);
    for (let i = 0; i < 5; i++) libjpeg.decode(data, { rows, columns });
    const settled = libjpeg.memoryBytes();
    for (let i = 0; i < 200; i++) libjpeg.decode(data, { rows, columns });
    expect(libjpeg.memoryBytes()).toBe(settled);
  });

  it('an instance whose memory grew past its limit is replaced, and the next frame decodes the same', async () => {
    const small = await LibJpeg.load(WASM, 1);
    const { data, rows, columns } = await stream(fixtures['rgb-jpegbaseline'].file);
    const first = small.decode(data, { rows, columns }).bytes;
    expect(small.memoryBytes()).toBe(0);
    expect(Buffer.from(small.decode(data, { rows, columns }).bytes).equals(Buffer.from(first))).toBe(true);
  });
});
