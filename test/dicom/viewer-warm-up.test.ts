// The viewer's decode threads warm their codecs as they start (warm-up.ts, pool.ts): both have
// every codec ready before the first frame is asked for, and a frame asked for in the middle
// of a warm-up is answered, correctly. Progress is read from the threads' own reports
// (viewerWarmUps) and the middle of a warm-up is held by LUMEN_TEST_HOLD_EVERY_WARM_UP, never timed.
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeDecodePool, requestsInFlight, startViewerFrameWorkers, viewerFrameOnPool, viewerWarmUps } from '../../electron/dicom/pool';
import { parseDicomBuffer } from '../../electron/dicom/parse';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { writeImage } from '../support/dicom/write';
import { tempFolderForTests } from '../support/temp-folder';

const CODECS = ['openjpeg', 'libjpeg', 'libjpeg12', 'rle', 'jpeg-lossless'];
const N = 128;
const made = tempFolderForTests('viewer-warm-up', (dir) => {
  const values = new Uint16Array(N * N).map((_, i) => ((i % N) * 29 + Math.floor(i / N) * 7) & 0xfff);
  const raw = path.join(dir, 'raw.dcm');
  writeImage(raw, { rows: N, columns: N, bitsAllocated: 16, bitsStored: 12, modality: 'CT', pixelBytes: new Uint8Array(values.buffer), uid: '1.2.826.0.1.3680043.10.99.94' });
  const j2k = path.join(dir, 'j2k.dcm');
  const jpeg12 = path.join(dir, 'jpeg12.dcm');
  execFileSync('gdcmconv', ['--j2k', raw, j2k]);
  execFileSync('dcmcjpeg', ['+ee', raw, jpeg12]);
  return { values, j2k, jpeg12, hold: path.join(dir, 'warm-hold') };
});

beforeAll(async () => {
  await closeDecodePool();
});
afterAll(async () => {
  delete process.env.LUMEN_TEST_HOLD_EVERY_WARM_UP;
  await closeDecodePool();
});

async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 6000 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!ok()) throw new Error(`waited in vain for ${what}: ${JSON.stringify(viewerWarmUps())}`);
}

const warmedCodecs = () => viewerWarmUps().map((w) => w.map((c) => c.codec));

it('has every codec warmed on both viewer threads before the first frame is asked for', async () => {
  startViewerFrameWorkers();
  expect(viewerWarmUps()).toHaveLength(2);
  await until(() => viewerWarmUps().every((w) => w.length === CODECS.length), 'both threads warmed');
  expect(requestsInFlight()).toBe(0);
  for (const thread of viewerWarmUps()) {
    expect(thread.map((c) => c.codec)).toEqual(CODECS);
    expect(thread.filter((c) => !c.ok)).toEqual([]);
  }
}, 180_000);

it('answers frames asked for in the middle of a warm-up, correctly, and then finishes the warm-up', async () => {
  await closeDecodePool();
  writeFileSync(made.hold, '');
  process.env.LUMEN_TEST_HOLD_EVERY_WARM_UP = made.hold;
  startViewerFrameWorkers();
  // Both threads warmed their first codec and now wait, in the middle of their warm-up.
  await until(() => warmedCodecs().every((w) => w.length === 1), 'the first codec warmed on both threads');

  // One at a time: the first frame goes to one thread, the next to the other.
  const j2kA = await viewerFrameOnPool(made.j2k, 0);
  const j2kB = await viewerFrameOnPool(made.j2k, 0);
  const jpeg12 = await viewerFrameOnPool(made.jpeg12, 0);
  // Still held: the frames were made during the warm-up, not after it.
  expect(warmedCodecs()).toEqual([['openjpeg'], ['openjpeg']]);

  // JPEG 2000 here is lossless: the stored values come back exactly.
  for (const f of [j2kA, j2kB]) {
    expect([f.rows, f.columns, f.dtype]).toEqual([N, N, 'uint16']);
    expect(Array.from(new Uint16Array(f.pixels.slice().buffer))).toEqual(Array.from(made.values));
  }
  // Lossy 12-bit JPEG: the same values as this thread's decode of the file.
  const reference = await viewerFrameOf(parseDicomBuffer(new Uint8Array(readFileSync(made.jpeg12)), made.jpeg12), 0);
  expect(Buffer.from(jpeg12.pixels).equals(Buffer.from(reference.pixels))).toBe(true);

  rmSync(made.hold);
  await until(() => viewerWarmUps().every((w) => w.length === CODECS.length), 'both threads warmed');
  for (const thread of viewerWarmUps()) expect(thread.every((c) => c.ok)).toBe(true);
}, 180_000);
