// RLE Lossless: the WASM PackBits loop (electron/dicom/lumen_rle.c) and the JavaScript one
// give the same bytes and the same errors, on real dcmtk-encoded files and on
// random segments.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { encapsulatedFrame } from '../../electron/dicom/decode';
import { parseDicomFile, type InstanceMeta } from '../../electron/dicom/parse';
import { decodeRle, rleImplementation, type RleImplementation } from '../../electron/dicom/rle';
import { makeFixtures, rng } from './fixtures';
import { tempFolderForTests } from '../support/temp-folder';

const hasEmcc = !spawnSync('emcc', ['--version']).error;

const made = tempFolderForTests('rle', makeFixtures);

/** The bytes, or the error message, of one implementation. */
function outcome(data: Uint8Array, meta: InstanceMeta, use: RleImplementation): string | Buffer {
  try {
    return Buffer.from(decodeRle(data, meta, use).bytes);
  } catch (err) {
    return (err as Error).message;
  }
}

it.runIf(hasEmcc)('the WASM loop is the one in use where emscripten is installed', () => {
  expect(rleImplementation()).toBe('wasm');
});

describe.runIf(rleImplementation() === 'wasm')('WASM and JavaScript agree', () => {
  it.each(['mono8-rle', 'ct16-rle', 'u12-rle', 'rgb-rle', 'multi-rle'])('%s: every frame, byte for byte, and the source pixels', async (name) => {
    const parsed = await parseDicomFile(made.fixtures[name].file);
    const phantom = made.phantoms[made.fixtures[name].phantom];
    for (let f = 0; f < parsed.meta.numberOfFrames; f++) {
      const data = encapsulatedFrame(parsed, f);
      const wasm = outcome(data, parsed.meta, 'wasm');
      expect(wasm).toBeInstanceOf(Buffer);
      expect(wasm).toEqual(outcome(data, parsed.meta, 'js'));
      const bytes = wasm as Buffer;
      const samples = parsed.meta.bitsAllocated === 16 ? Array.from(new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2)) : Array.from(bytes);
      const expected = phantom.frames[f].map((v) => (parsed.meta.bitsAllocated === 16 && parsed.meta.pixelRepresentation === 0 ? (v << 16) >> 16 : v));
      expect(samples).toEqual(expected);
    }
  });

  it('a truncated frame: the same reason from both', async () => {
    const parsed = await parseDicomFile(made.fixtures['ct16-rle'].file);
    const data = encapsulatedFrame(parsed, 0);
    const cut = data.subarray(0, Math.floor(data.length * 0.7));
    const wasm = outcome(cut, parsed.meta, 'wasm');
    expect(wasm).toMatch(/RLE segment 2 (offset \d+ lies outside the frame|ends after \d+ of \d+ pixels)/);
    expect(outcome(cut, parsed.meta, 'js')).toBe(wasm);
  });

  it('random segments: the same bytes or the same reason, 300 frames', () => {
    const rand = rng(7);
    const meta = { rows: 8, columns: 8, bitsAllocated: 16, samplesPerPixel: 1 } as InstanceMeta;
    let decoded = 0;
    for (let t = 0; t < 300; t++) {
      // Two segments of random PackBits codes, each of a random length, so runs overshoot,
      // undershoot and end at the segment's last byte.
      const lengths = [1 + Math.floor(rand() * 160), 1 + Math.floor(rand() * 160)];
      const data = new Uint8Array(64 + lengths[0] + lengths[1]);
      const view = new DataView(data.buffer);
      view.setUint32(0, 2, true);
      view.setUint32(4, 64, true);
      view.setUint32(8, 64 + lengths[0], true);
      for (let i = 64; i < data.length; i++) data[i] = Math.floor(rand() * 256);
      const wasm = outcome(data, meta, 'wasm');
      expect(outcome(data, meta, 'js')).toEqual(wasm);
      if (wasm instanceof Buffer) decoded++;
    }
    // Both kinds of outcome occur.
    expect(decoded).toBeGreaterThan(10);
    expect(decoded).toBeLessThan(290);
  });
});
