// The decode pool's threads (training, feature extraction, prediction) warm their codecs as they
// start, as the viewer's do (warm-up.ts, pool.ts), through their own path (model inputs): each has
// every codec warmed before any work is sent, one thread at a time (never more than one core),
// and a job sent in the middle of a warm-up is answered, correctly, while the warm-up waits. Progress is read from the threads' own reports
// (decodePoolWarmUps) and the middle of a warm-up is held by LUMEN_TEST_HOLD_EVERY_WARM_UP, never timed.
// A one-shot command (lumen predict) starts its threads without the warm-up: the process ends
// with its one job, so no later job would find them warm (what each thread was started to do is
// read from the pool, decodePoolWarming).
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DEFAULT_NORMALISATION, loadModelInput } from '../../electron/dicom/model-input';
import { closeDecodePool, decodeMany, decodePoolWarming, decodePoolWarmUps, modelInputsOnPool, requestsInFlight, startDecodePool, warmDecodePool } from '../../electron/dicom/pool';
import { main } from '../../electron/cli/main';
import { Library } from '../../electron/library/library';
import { writeImage } from '../support/dicom/write';
import { tempFolderForTests } from '../support/temp-folder';
import { saveTinyNetPackage } from '../support/tiny-package';

const CODECS = ['openjpeg', 'libjpeg', 'libjpeg12', 'rle', 'jpeg-lossless'];
const N = 128;
const made = tempFolderForTests('pool-warm-up', (dir) => {
  const values = new Uint16Array(N * N).map((_, i) => ((i % N) * 29 + Math.floor(i / N) * 7) & 0xfff);
  const raw = path.join(dir, 'raw.dcm');
  writeImage(raw, { rows: N, columns: N, bitsAllocated: 16, bitsStored: 12, modality: 'CT', pixelBytes: new Uint8Array(values.buffer), uid: '1.2.826.0.1.3680043.10.99.97' });
  const j2k = path.join(dir, 'j2k.dcm');
  const jpeg12 = path.join(dir, 'jpeg12.dcm');
  const rle = path.join(dir, 'rle.dcm');
  execFileSync('gdcmconv', ['--j2k', raw, j2k]);
  execFileSync('dcmcjpeg', ['+ee', raw, jpeg12]);
  execFileSync('dcmcrle', [raw, rle]);
  return { values, raw, j2k, jpeg12, rle, hold: path.join(dir, 'warm-hold'), log: path.join(dir, 'warm-log') };
});

beforeAll(async () => {
  await closeDecodePool();
});
afterAll(async () => {
  delete process.env.LUMEN_TEST_HOLD_EVERY_WARM_UP;
  delete process.env.LUMEN_TEST_WARM_LOG;
  delete process.env.LUMEN_POOL_WARM_UP;
  warmDecodePool(true);
  await closeDecodePool();
});

async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 6000 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!ok()) throw new Error(`waited in vain for ${what}: ${JSON.stringify(decodePoolWarmUps())}`);
}

const warmedCodecs = () => decodePoolWarmUps().map((w) => w.map((c) => c.codec));

it('has every codec warmed on every pool thread before any work is sent, one thread at a time', async () => {
  writeFileSync(made.log, '');
  process.env.LUMEN_TEST_WARM_LOG = made.log;
  startDecodePool(2);
  expect(decodePoolWarmUps()).toHaveLength(2);
  await until(() => decodePoolWarmUps().every((w) => w.length === CODECS.length), 'both threads warmed');
  expect(requestsInFlight()).toBe(0);
  for (const thread of decodePoolWarmUps()) {
    expect(thread.map((c) => c.codec)).toEqual(CODECS);
    expect(thread.filter((c) => !c.ok)).toEqual([]);
  }
  // Each step (one tiny frame) starts and ends before another thread's starts: never two at once.
  const steps = readFileSync(made.log, 'utf8').trim().split('\n');
  const threads = new Set<string>();
  for (let i = 0; i < steps.length; i += 2) {
    const [start, end] = [steps[i].split(' '), steps[i + 1]?.split(' ')];
    expect([start[0], end?.[0], end?.[1]]).toEqual(['start', 'end', start[1]]);
    threads.add(start[1]);
  }
  expect(threads.size).toBe(2);
  expect(steps).toHaveLength(2 * 2 * CODECS.length * 12);
  delete process.env.LUMEN_TEST_WARM_LOG;
}, 180_000);

it('answers a job sent in the middle of a warm-up, correctly, and then finishes the warm-up', async () => {
  await closeDecodePool();
  writeFileSync(made.hold, '');
  process.env.LUMEN_TEST_HOLD_EVERY_WARM_UP = made.hold;
  startDecodePool(2);
  // Both threads warmed their first codec and now wait, in the middle of their warm-up.
  await until(() => warmedCodecs().every((w) => w.length === 1), 'the first codec warmed on both threads');

  // Model inputs as training and prediction make them, queued on both threads at once.
  const spec = { preprocessing: { ...DEFAULT_NORMALISATION, resize: 'area' as const }, size: 64 };
  const files = [made.j2k, made.jpeg12, made.rle, made.j2k, made.jpeg12, made.rle];
  const inputs = await modelInputsOnPool(
    files.map((file) => ({ file, frame: 0 })),
    spec,
    { threads: 2 },
  );
  // And decoded frames (what `lumen bench dicom` asks the pool for).
  const decoded = await decodeMany([made.j2k, made.rle].map((file) => ({ file })), { threads: 2 });
  // Still held: the work was done during the warm-up, not after it.
  expect(warmedCodecs()).toEqual([['openjpeg'], ['openjpeg']]);

  // The same model inputs as this thread makes, and the exact stored values where lossless.
  for (const [i, file] of files.entries()) {
    const reference = await loadModelInput({ path: file, frame: 0 }, spec.preprocessing, spec.size);
    expect(Buffer.from(inputs[i].buffer).equals(Buffer.from(reference.buffer))).toBe(true);
  }
  for (const r of decoded) {
    expect(r.error).toBeUndefined();
    expect(Array.from(r.frames![0].pixels)).toEqual(Array.from(made.values));
  }

  rmSync(made.hold);
  await until(() => decodePoolWarmUps().every((w) => w.length === CODECS.length), 'both threads warmed');
  for (const thread of decodePoolWarmUps()) expect(thread.every((c) => c.ok)).toBe(true);
}, 180_000);

it('starts no warm-up in a one-shot `lumen predict`, and LUMEN_POOL_WARM_UP=1 still turns it on', async () => {
  await closeDecodePool();
  const pkg = path.join(made.dir, 'package');
  await saveTinyNetPackage(pkg, 'warm-up test');
  const libraryDir = path.join(made.dir, 'library');
  const library = Library.open(libraryDir);
  try {
    expect((await library.importPaths([made.raw])).imported).toBe(1);
  } finally {
    library.close();
  }
  const predict = () => main(['predict', '--model', pkg, '--library', libraryDir, '--json']);

  expect(await predict()).toBe(0);
  // The command started the pool (predictSeries does, one thread per core) without a warm-up.
  expect(decodePoolWarming().length).toBeGreaterThan(0);
  expect(decodePoolWarming().filter(Boolean)).toEqual([]);

  // The variable decides over the command's choice (to measure what the warm-up costs).
  await closeDecodePool();
  process.env.LUMEN_POOL_WARM_UP = '1';
  expect(await predict()).toBe(0);
  expect(decodePoolWarming().length).toBeGreaterThan(0);
  expect(decodePoolWarming().every(Boolean)).toBe(true);
  delete process.env.LUMEN_POOL_WARM_UP;
  await closeDecodePool();
}, 180_000);
