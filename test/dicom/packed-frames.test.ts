// Fewer fragments than frames. PS3.5 A.4 gives each frame fragments of its own
// (a fragment holds one frame at most), and Lumen finds frames by them. When a
// fragment holds several codestreams one after another, the refusal says so;
// when nothing shows packing (a header that overstates the count, a truncated
// file, or RLE, whose bytes can hold anything), it names every cause.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame } from '../../electron/dicom/decode';
import { DicomFileError, parseDicomFile, TS } from '../../electron/dicom/parse';
import { encodeJpeg } from '../support/dicom/jpeg-encoder';
import { gradientImage, writeEncapsulated } from './reference-decoder';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-packed-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A JPEG lossless stream of one 12-bit 9x13 frame, `shade` apart from the others. */
function stream(shade: number): Uint8Array {
  const img = gradientImage(12, { rows: 9, columns: 13 });
  return new Uint8Array(encodeJpeg({ columns: 13, rows: 9, components: 1, precision: 12, values: img.values.map((v) => (v + shade) % 4096), mode: { predictor: 1 } }, dir));
}

/** Why Lumen refuses frame 1 of a file of `frames` frames whose fragments are `fragments`. */
async function refusal(name: string, frames: number, fragments: Uint8Array[][]): Promise<string> {
  const img = gradientImage(12, { rows: 9, columns: 13, frames });
  const file = writeEncapsulated(join(dir, `${name}.dcm`), img, TS.jpegLosslessSV1, fragments, { offsetTable: false });
  const err = await decodeFrame(await parseDicomFile(file), 0).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(DicomFileError);
  return (err as Error).message;
}

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('several frames in one fragment: refused saying so', () => {
  it('3 frames, all in one fragment', async () => {
    const message = await refusal('three-in-one', 3, [[concat(stream(0), stream(100), stream(200))]]);
    expect(message).toContain('3 frames in 1 fragment: Number of Frames (0028,0008) says 3, and the compressed pixel data holds 3 images one after another in 1 fragment. Several frames in one fragment are not supported');
    expect(message).not.toMatch(/corrupt|truncated/);
  });

  it('3 frames in 2 fragments, the first holding two (each stream padded to an even length as writers do)', async () => {
    const odd = stream(0);
    const padded = odd.length % 2 ? concat(odd, new Uint8Array(1)) : odd;
    const message = await refusal('three-in-two', 3, [[concat(padded, stream(100))], [stream(200)]]);
    expect(message).toContain('3 frames in 2 fragments: Number of Frames (0028,0008) says 3, and the compressed pixel data holds 3 images');
  });
});

describe('fewer fragments than frames with nothing packed: every cause named', () => {
  it('a header that says 3 frames over one JPEG stream', async () => {
    const message = await refusal('overstated', 3, [[stream(0)]]);
    expect(message).toContain('Number of Frames (0028,0008) says 3, but its compressed pixel data has 1 fragment, and each frame needs one at least. The header is corrupt, the file truncated, or several frames are packed into one fragment, which is not supported (PS3.5 A.4)');
  });
});
