// The WASM codec modules are compiled once per process and handed to each decode thread, which
// only instantiates them (wasm-codec.ts's codecModule, pool.ts). Shown without timing anything:
// once this process has compiled them, the files on disk are swapped (openjpeg.wasm then holds
// the RLE module and rle.wasm OpenJPEG's). Threads that use what they were handed still decode
// JPEG 2000 and RLE exactly, and warm up without a failure; threads that compile their own
// (LUMEN_SHARE_CODECS=0, what every thread did before) get the swapped modules and fail.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeDecodePool, decodeMany, decodePoolWarmUps, startDecodePool } from '../../electron/dicom/pool';
import { builtCodec, CODEC_NAMES, codecsToHand } from '../../electron/dicom/wasm-codec';
import { writeImage } from '../support/dicom/write';
import { tempFolderForTests } from '../support/temp-folder';

const N = 96;
const made = tempFolderForTests('codec-share', (dir) => {
  const values = new Uint16Array(N * N).map((_, i) => ((i % N) * 37 + Math.floor(i / N) * 11 + ((i * 7919) % 23)) & 0xfff);
  const raw = path.join(dir, 'raw.dcm');
  writeImage(raw, { rows: N, columns: N, bitsAllocated: 16, bitsStored: 12, modality: 'CT', pixelBytes: new Uint8Array(values.buffer), uid: '1.2.826.0.1.3680043.10.99.96' });
  const j2k = path.join(dir, 'j2k.dcm');
  const rle = path.join(dir, 'rle.dcm');
  execFileSync('gdcmconv', ['--j2k', raw, j2k]);
  execFileSync('dcmcrle', [raw, rle]);
  // This test's own copy of the built codecs, so that swapping them touches nothing else.
  const codecs = path.join(dir, 'codecs');
  mkdirSync(codecs);
  const built: string[] = [];
  for (const name of CODEC_NAMES) {
    const from = builtCodec(name);
    if (!from) throw new Error(`dist/codecs/${name}.wasm is not built: run "npm run build:codecs" first`);
    copyFileSync(from, path.join(codecs, `${name}.wasm`));
    built.push(name);
  }
  return { values, j2k, rle, codecs, built };
});

const ok = (r: { error?: string; frames?: { pixels: ArrayLike<number> }[] }) => {
  expect(r.error).toBeUndefined();
  expect(Array.from(r.frames![0].pixels)).toEqual(Array.from(made.values));
};

async function warmedUp(): Promise<{ codec: string; ok: boolean; why?: string }[][]> {
  for (let i = 0; i < 6000 && !decodePoolWarmUps().every((w) => w.length === 5); i++) await new Promise((r) => setTimeout(r, 20));
  return decodePoolWarmUps();
}

beforeAll(async () => {
  await closeDecodePool();
  process.env.LUMEN_CODECS_DIR = made.codecs;
  // This process compiles every codec now (what the pool hands its threads)...
  expect(Object.keys(await codecsToHand()).sort()).toEqual([...made.built].sort());
  // ...then the files change under it: a thread that compiled its own now would get these.
  const j2kModule = readFileSync(path.join(made.codecs, 'openjpeg.wasm'));
  writeFileSync(path.join(made.codecs, 'openjpeg.wasm'), readFileSync(path.join(made.codecs, 'rle.wasm')));
  writeFileSync(path.join(made.codecs, 'rle.wasm'), j2kModule);
}, 120_000);

afterAll(async () => {
  await closeDecodePool();
  delete process.env.LUMEN_CODECS_DIR;
  delete process.env.LUMEN_SHARE_CODECS;
});

it('decode threads use the modules this process compiled, not the files as they are now', async () => {
  startDecodePool(2);
  const results = await decodeMany([made.j2k, made.rle, made.j2k, made.rle].map((file) => ({ file })), { threads: 2 });
  results.forEach(ok);
  // The threads' warm-ups (every codec, through the model-input path) went through them too.
  const warmUps = await warmedUp();
  expect(warmUps).toHaveLength(2);
  for (const thread of warmUps) expect(thread.filter((c) => !c.ok)).toEqual([]);
}, 180_000);

it('threads that compile their own (LUMEN_SHARE_CODECS=0) read the swapped files and fail on those frames', async () => {
  await closeDecodePool();
  process.env.LUMEN_SHARE_CODECS = '0';
  startDecodePool(2);
  const results = await decodeMany([made.j2k, made.rle].map((file) => ({ file })), { threads: 2 });
  expect(results[0].error).toContain('j2k.dcm');
  expect(results[1].error).toContain('rle.dcm');
  const warmUps = await warmedUp();
  for (const thread of warmUps) expect(thread.filter((c) => !c.ok).map((c) => c.codec)).toEqual(['openjpeg', 'rle']);
}, 180_000);
