import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { decodeFrame } from '../../electron/dicom/decode';
import { closeDecodePool, decodeMany, decodePoolWorkers, requestsInFlight, setDecodeStallLimit, type DecodeResult } from '../../electron/dicom/pool';
import { DicomFileError, parseDicomFile } from '../../electron/dicom/parse';
import { DEFAULT_NORMALISATION, loadModelInput, loadModelInputs } from '../../electron/dicom/model-input';
import { makeFixtures } from './fixtures';
import { tempFolderForTests } from '../support/temp-folder';

const made = tempFolderForTests('pool', makeFixtures);
afterAll(async () => {
  await closeDecodePool();
});

it('decodeMany decodes on worker threads, every frame, and reports bad files per file', async () => {
  const bad = join(made.dir, 'bad.dcm');
  writeFileSync(bad, 'not a dicom file');
  const names = ['ct16-jpegls', 'multi-rle', 'rgb-j2k', 'u12-jpegsv1'];
  const seen: number[] = [];
  const results = await decodeMany([...names.map((n) => ({ file: made.fixtures[n].file })), { file: bad }, { file: made.fixtures['multi-j2k'].file, frame: 1 }], {
    threads: 2,
    onResult: (i) => seen.push(i),
  });
  expect(seen.sort()).toEqual([0, 1, 2, 3, 4, 5]);
  names.forEach((n, i) => {
    const ph = made.phantoms[made.fixtures[n].phantom];
    expect(results[i].error).toBeUndefined();
    expect(results[i].frames!.map((f) => Array.from(f.pixels))).toEqual(ph.frames);
  });
  expect(results[4].frames).toBeUndefined();
  expect(results[4].error).toMatch(/bad\.dcm: not a DICOM file/);
  expect(Array.from(results[5].frames![0].pixels)).toEqual(made.phantoms.multi.frames[1]);
  const counted = await decodeMany([{ file: made.fixtures['ct16-rle'].file }], { keepPixels: false });
  expect(counted[0].frames![0]).toMatchObject({ rows: 40, columns: 48 });
  expect(counted[0].frames![0].pixels.length).toBe(0);
});

it('uncompressed frames come back whole although each worker reads every file into one reused buffer', async () => {
  // Views into the worker's read buffer must be copied out before the next file overwrites it:
  // many files of different sizes, several in flight per worker, one thread so that all share one buffer.
  const names = ['ct16-explicit', 'mono8-explicit', 'rgb-explicit', 'multi-explicit', 'ct16-nopreamble', 'ct16-raw-implicit'];
  const requests = [...names, ...names, ...names].map((n) => ({ file: made.fixtures[n].file }));
  const results = await decodeMany(requests, { threads: 1 });
  requests.forEach((r, i) => {
    const n = names[i % names.length];
    expect(results[i].error).toBeUndefined();
    expect(results[i].frames!.map((f) => Array.from(f.pixels)), n).toEqual(made.phantoms[made.fixtures[n].phantom].frames);
  });
});

it('a file that cannot be read gets the reason, and the worker goes on with the next', async () => {
  const results = await decodeMany([{ file: join(made.dir, 'missing.dcm') }, { file: made.dir }, { file: made.fixtures['ct16-explicit'].file }], { threads: 1 });
  expect(results[0].error).toMatch(/missing\.dcm: file not found/);
  expect(results[1].error).toMatch(/is a folder, not a file/);
  expect(Array.from(results[2].frames![0].pixels)).toEqual(made.phantoms.ct16.frames[0]);
});

it('model inputs made on the pool equal those made in place, in the order asked; a bad file rejects with its DicomFileError', async () => {
  const pre = { ...DEFAULT_NORMALISATION, window: 'ct-abdomen', resize: 'area' as const };
  const refs = ['ct16-explicit', 'ct16-jpegls', 'multi-rle', 'rgb-j2k', 'mono8-jpegbaseline', 'ct16-implicit'].map((n, i) => ({ path: made.fixtures[n].file, frame: n.startsWith('multi') ? 2 : 0, i }));
  const pooled = await loadModelInputs(refs, pre, 24);
  expect(pooled).toHaveLength(refs.length);
  for (let i = 0; i < refs.length; i++) {
    const here = await loadModelInput(refs[i], pre, 24);
    expect(pooled[i].length).toBe(24 * 24 * 3);
    // Bit for bit: the same code runs in the worker.
    expect(Buffer.compare(Buffer.from(pooled[i].buffer, pooled[i].byteOffset, pooled[i].byteLength), Buffer.from(here.buffer, here.byteOffset, here.byteLength)), refs[i].path).toBe(0);
  }
  // Different images give different inputs (the comparison above is not of empty arrays).
  expect(Buffer.compare(Buffer.from(pooled[0].buffer), Buffer.from(pooled[3].buffer))).not.toBe(0);

  // Without a window, 8-bit colour renders as a view of the file's bytes, which a worker
  // reads into one reused buffer: each input must be made before the next file is read.
  const own = { ...DEFAULT_NORMALISATION, resize: 'area' as const };
  const views = ['rgb-explicit', 'mono8-explicit', 'rgb-planar', 'rgb-explicit'].map((n) => ({ path: made.fixtures[n].file, frame: 0 }));
  const viewInputs = await loadModelInputs(views, own, 16);
  for (let i = 0; i < views.length; i++) expect(Array.from(viewInputs[i]), views[i].path).toEqual(Array.from(await loadModelInput(views[i], own, 16)));

  const bad = join(made.dir, 'bad-input.dcm');
  writeFileSync(bad, 'not a dicom file');
  const failing = loadModelInputs([refs[0], { path: bad, frame: 0 }, refs[1]], pre, 24);
  await expect(failing).rejects.toBeInstanceOf(DicomFileError);
  await expect(failing).rejects.toThrow(/bad-input\.dcm: not a DICOM file/);
  // Two bad files: the error is the earlier one's, whichever worker answers first.
  const other = join(made.dir, 'bad-later.dcm');
  writeFileSync(other, 'not one either');
  await expect(loadModelInputs([refs[0], { path: bad, frame: 0 }, refs[1], refs[2], { path: other, frame: 0 }], pre, 24)).rejects.toThrow(/bad-input\.dcm/);
});

it('model inputs are all posted to the workers at once, so they decode while the calling thread is busy (in ONNX Runtime\'s synchronous run)', async () => {
  const pre = { ...DEFAULT_NORMALISATION, window: 'ct-abdomen', resize: 'area' as const };
  const refs = Array.from({ length: 24 }, (_, i) => ({ path: made.fixtures[i % 2 ? 'ct16-explicit' : 'ct16-implicit'].file, frame: 0 }));
  expect(requestsInFlight()).toBe(0);
  const inputs = loadModelInputs(refs, pre, 24);
  // Nothing has run on this thread since the call: every request is already with a worker.
  expect(requestsInFlight()).toBe(refs.length);
  // A busy calling thread (a prediction's inference) does not hold the workers back.
  const until = Date.now() + 300;
  while (Date.now() < until) { /* busy, as ONNX Runtime's run is */ }
  expect(await inputs).toHaveLength(refs.length);
  expect(requestsInFlight()).toBe(0);
});

it('two jobs on the pool at once each get their own files\' results', async () => {
  // Two callers (two training runs, two browser tabs) share the workers: every reply must
  // reach the job that asked, at the index it asked for, whatever the interleaving.
  const a = ['ct16-explicit', 'multi-rle', 'rgb-j2k', 'mono8-explicit', 'u12-jpegsv1', 'ct16-jpegls'];
  const b = ['rgb-explicit', 'ct16-rle', 'multi-explicit', 'mono8-jpegbaseline', 'ct16-implicit', 'rgb-planar'];
  const jobA = [...a, ...a, ...a].map((n) => ({ file: made.fixtures[n].file }));
  const jobB = [...b, ...b, ...b].map((n) => ({ file: made.fixtures[n].file }));
  const [ra, rb] = await Promise.all([decodeMany(jobA, { threads: 2 }), decodeMany(jobB, { threads: 2 })]);
  const own = async (names: string[], results: DecodeResult[]) => {
    for (let i = 0; i < results.length; i++) {
      const name = names[i % names.length];
      expect(results[i].file, name).toBe(made.fixtures[name].file);
      expect(results[i].error, name).toBeUndefined();
      const alone = await parseDicomFile(made.fixtures[name].file);
      const expected = [];
      for (let f = 0; f < alone.meta.numberOfFrames; f++) expected.push(Array.from((await decodeFrame(alone, f)).pixels));
      expect(results[i].frames!.map((f) => Array.from(f.pixels)), name).toEqual(expected);
    }
  };
  await own(a, ra);
  await own(b, rb);

  // Model inputs too: two jobs of different files and sizes at once.
  const pre = { ...DEFAULT_NORMALISATION, resize: 'area' as const };
  const refsA = a.map((n) => ({ path: made.fixtures[n].file, frame: 0 }));
  const refsB = b.map((n) => ({ path: made.fixtures[n].file, frame: 0 }));
  const [ia, ib] = await Promise.all([loadModelInputs([...refsA, ...refsA], pre, 16), loadModelInputs([...refsB, ...refsB], pre, 20)]);
  for (let i = 0; i < ia.length; i++) expect(Array.from(ia[i])).toEqual(Array.from(await loadModelInput(refsA[i % a.length], pre, 16)));
  for (let i = 0; i < ib.length; i++) expect(Array.from(ib[i])).toEqual(Array.from(await loadModelInput(refsB[i % b.length], pre, 20)));
});

it('a worker that dies mid-job rejects that job with a clear error, and the pool serves the next job', { timeout: 30_000 }, async () => {
  const names = ['ct16-explicit', 'multi-rle', 'rgb-j2k', 'ct16-jpegls'];
  const requests = Array.from({ length: 48 }, (_, i) => ({ file: made.fixtures[names[i % names.length]].file }));
  let killed = false;
  const job = decodeMany(requests, {
    threads: 2,
    onResult: () => {
      if (killed) return;
      killed = true;
      void decodePoolWorkers()[0].terminate();
    },
  });
  await expect(job).rejects.toThrow(/a decode worker stopped before it answered .*\.dcm.*Run it again/);
  const after = await decodeMany(names.map((n) => ({ file: made.fixtures[n].file })), { threads: 2 });
  names.forEach((n, i) => expect(after[i].frames!.map((f) => Array.from(f.pixels)), n).toEqual(made.phantoms[made.fixtures[n].phantom].frames));
  expect(decodePoolWorkers().length).toBeGreaterThanOrEqual(2);
});

it('a worker that gives no answer for too long is stopped: its job rejects, the next job gets a fresh worker', { timeout: 60_000 }, async () => {
  // A worker that really hangs (decode-worker.ts: a file named as LUMEN_TEST_DECODE_STALL_ON
  // never gets an answer), as one stuck on a crafted file would: without the stall limit this job
  // never ends and the test times out; with it, whatever the machine's load, the job rejects.
  const stuck = join(made.dir, 'stuck-decoder.dcm');
  writeFileSync(stuck, readFileSync(made.fixtures['ct16-explicit'].file));
  await closeDecodePool(); // workers copy the environment when they start
  process.env.LUMEN_TEST_DECODE_STALL_ON = '/stuck-decoder.dcm';
  const previous = setDecodeStallLimit(1000);
  let stalled: readonly unknown[] = [];
  try {
    const job = decodeMany([{ file: made.fixtures['ct16-explicit'].file }, { file: stuck }], { threads: 1 });
    stalled = decodePoolWorkers();
    await expect(job).rejects.toThrow(/a decode worker stopped before it answered \(it gave no answer for 1 s\), while decoding .*\.dcm/);
  } finally {
    setDecodeStallLimit(previous);
    delete process.env.LUMEN_TEST_DECODE_STALL_ON;
  }
  expect(stalled).toHaveLength(1);
  expect(decodePoolWorkers()).not.toContain(stalled[0]);
  const names = ['ct16-explicit', 'multi-rle', 'rgb-j2k', 'ct16-jpegls'];
  const after = await decodeMany(names.map((n) => ({ file: made.fixtures[n].file })), { threads: 2 });
  names.forEach((n, i) => expect(after[i].frames!.map((f) => Array.from(f.pixels)), n).toEqual(made.phantoms[made.fixtures[n].phantom].frames));
  expect(decodePoolWorkers()).not.toContain(stalled[0]);
});

it("a caller's onResult that throws rejects that job with its error, and the pool goes on", async () => {
  const requests = Array.from({ length: 8 }, () => ({ file: made.fixtures['ct16-explicit'].file }));
  await expect(decodeMany(requests, { threads: 2, onResult: () => { throw new Error('the caller failed'); } })).rejects.toThrow('the caller failed');
  const after = await decodeMany([{ file: made.fixtures['ct16-explicit'].file }], { threads: 2 });
  expect(Array.from(after[0].frames![0].pixels)).toEqual(made.phantoms.ct16.frames[0]);
});
