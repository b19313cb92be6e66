import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeDecodePool, decodeMany } from '../../electron/dicom/pool';
import { makeFixtures, type Fixture, type Phantom } from './fixtures';

let dir: string;
let fixtures: Record<string, Fixture>;
let phantoms: Record<string, Phantom>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-pool-'));
  ({ fixtures, phantoms } = makeFixtures(dir));
});
afterAll(async () => {
  await closeDecodePool();
  rmSync(dir, { recursive: true, force: true });
});

it('decodeMany decodes on worker threads, every frame, and reports bad files per file', async () => {
  const bad = join(dir, 'bad.dcm');
  writeFileSync(bad, 'not a dicom file');
  const names = ['ct16-jpegls', 'multi-rle', 'rgb-j2k', 'u12-jpegsv1'];
  const seen: number[] = [];
  const results = await decodeMany([...names.map((n) => ({ file: fixtures[n].file })), { file: bad }, { file: fixtures['multi-j2k'].file, frame: 1 }], {
    threads: 2,
    onResult: (i) => seen.push(i),
  });
  expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  names.forEach((n, i) => {
    const ph = phantoms[fixtures[n].phantom];
    expect(results[i].error).toBeUndefined();
    expect(results[i].frames!.map((f) => Array.from(f.pixels))).toEqual(ph.frames);
  });
  expect(results[4].frames).toBeUndefined();
  expect(results[4].error).toMatch(/bad\.dcm: not a DICOM file/);
  expect(Array.from(results[5].frames![0].pixels)).toEqual(phantoms.multi.frames[1]);
  const counted = await decodeMany([{ file: fixtures['ct16-rle'].file }], { keepPixels: false });
  expect(counted[0].frames![0]).toMatchObject({ rows: 40, columns: 48 });
  expect(counted[0].frames![0].pixels.length).toBe(0);
});

it('uncompressed frames come back whole although each worker reads every file into one reused buffer', async () => {
  // Views into the worker's read buffer must be copied out before the next file overwrites it:
  // many files of different sizes, several in flight per worker, one thread so that all share one buffer.
  const names = ['ct16-explicit', 'mono8-explicit', 'rgb-explicit', 'multi-explicit', 'ct16-nopreamble', 'ct16-raw-implicit'];
  const requests = [...names, ...names, ...names].map((n) => ({ file: fixtures[n].file }));
  const results = await decodeMany(requests, { threads: 1 });
  requests.forEach((r, i) => {
    const n = names[i % names.length];
    expect(results[i].error).toBeUndefined();
    expect(results[i].frames!.map((f) => Array.from(f.pixels)), n).toEqual(phantoms[fixtures[n].phantom].frames);
  });
});

it('a file that cannot be read gets the reason, and the worker goes on with the next', async () => {
  const results = await decodeMany([{ file: join(dir, 'missing.dcm') }, { file: dir }, { file: fixtures['ct16-explicit'].file }], { threads: 1 });
  expect(results[0].error).toMatch(/missing\.dcm: file not found/);
  expect(results[1].error).toMatch(/is a folder, not a file/);
  expect(Array.from(results[2].frames![0].pixels)).toEqual(phantoms.ct16.frames[0]);
});
