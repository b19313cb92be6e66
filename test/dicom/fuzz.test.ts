// Fuzzing decoding, not only import: damaged copies of every fixture (cut at
// every header byte, bits flipped, lengths set to huge or odd values, image
// fields and transfer syntaxes changed, nested and undefined-length sequences,
// broken fragment tables) go through the import's header parse, the full parse,
// the decode of every frame and a model input (test/support/dicom/fuzz.ts). Each
// must end in a result or a DicomFileError, within a time limit, with memory
// bounded. `lumen bench fuzz` runs more cases. A failure prints the run's seed
// and the case's mutation, and keeps its bytes in test-results/fuzz/;
// FUZZ_SEED=<seed> runs another sequence of cases.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fuzzCases, LIBRARY_WORDS, nestedSequence, runFuzzCase, type FuzzSeed } from '../support/dicom/fuzz';
import { closeDecodePool, decodeMany } from '../../electron/dicom/pool';
import { seriesImages } from '../../electron/engine/viewer/library-access';
import { Library } from '../../electron/library/library';
import { makeSeeds } from '../../bench/fuzz';
import { encapsulatedFrame } from '../../electron/dicom/decode';
import { parseDicomBuffer } from '../../electron/dicom/parse';
import { dicomBytes, encapsulate, encapsulatedFile, imageElements } from './dicom-writer';
import { makeFixtures, paletteElements, TS } from './fixtures';

const SEED = Number(process.env.FUZZ_SEED ?? 20261205);
const CASES = 5000;
/** One case (a 48x40 image, a few frames) takes milliseconds; a hang or a runaway loop takes far longer. */
const CASE_LIMIT_MS = 2000;
/** The process's resident memory may grow by this much at most over the run. */
const RSS_GROWTH_LIMIT = 1024 * 1024 * 1024;
const FAILURES_DIR = join(__dirname, '../../test-results/fuzz');

let dir: string;
let seeds: FuzzSeed[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-fuzz-'));
  const { fixtures } = makeFixtures(dir);
  seeds = Object.entries(fixtures).map(([name, f]) => ({ name, bytes: new Uint8Array(readFileSync(f.file)) }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it(`${CASES} damaged copies of the fixtures each end in a result or a per-file error, in time, with memory bounded`, { timeout: 240_000 }, async () => {
  const startRss = process.memoryUsage().rss;
  let largestRss = startRss;
  const counts = { result: 0, error: 0, crash: 0 };
  const failures: string[] = [];
  let slowest = { ms: 0, what: '' };
  let n = 0;
  for (const c of fuzzCases(seeds, SEED, CASES)) {
    const t = performance.now();
    const outcome = await runFuzzCase(c.bytes, 'fuzz.dcm');
    const ms = performance.now() - t;
    counts[outcome.kind]++;
    const what = `case ${n} of seed ${SEED}: ${c.seed}, ${c.mutation}`;
    if (outcome.kind === 'crash' || ms > CASE_LIMIT_MS) {
      // The fixtures carry random UIDs, so keep the failing bytes themselves to reproduce it.
      const kept = join(FAILURES_DIR, `seed${SEED}-case${n}.dcm`);
      mkdirSync(FAILURES_DIR, { recursive: true });
      writeFileSync(kept, c.bytes);
      failures.push(`${what} (bytes in ${kept}): ${outcome.kind === 'crash' ? outcome.detail : `took ${Math.round(ms)} ms`}`);
    }
    if (ms > slowest.ms) slowest = { ms, what };
    if (n % 50 === 0) largestRss = Math.max(largestRss, process.memoryUsage().rss);
    n++;
  }
  largestRss = Math.max(largestRss, process.memoryUsage().rss);
  console.log(
    `fuzz: ${n} cases (seed ${SEED}): ${counts.result} decoded, ${counts.error} refused with a reason, ${counts.crash} crashed; ` +
      `largest RSS ${Math.round(largestRss / 1048576)} MiB (${Math.round(startRss / 1048576)} MiB at the start); slowest ${Math.round(slowest.ms)} ms (${slowest.what})`,
  );
  expect(failures.slice(0, 20), `${failures.length} failing cases`).toEqual([]);
  expect(n).toBeGreaterThanOrEqual(CASES);
  // Both outcomes occur: the mutations neither all break the files nor all leave them whole.
  expect(counts.result).toBeGreaterThan(CASES / 20);
  expect(counts.error).toBeGreaterThan(CASES / 20);
  expect(largestRss - startRss).toBeLessThan(RSS_GROWTH_LIMIT);
});

it('what the fuzzer found stays fixed', async () => {
  const spec = { rows: 4, columns: 4, bitsAllocated: 8 as const, photometric: 'PALETTE COLOR', pixelBytes: new Uint8Array(16) };
  // A palette image missing its blue palette: a DicomFileError naming the file (a plain Error before).
  const noBlue = paletteElements(16);
  delete noBlue[0x00281103];
  delete noBlue[0x00281203];
  expect(await runFuzzCase(dicomBytes(imageElements({ ...spec, extra: noBlue })), 'fuzz.dcm')).toMatchObject({ kind: 'error', detail: expect.stringMatching(/^a PALETTE COLOR image without a blue palette descriptor \(0028,1103\)/) });
  // PALETTE COLOR over three samples per pixel: refused (its colour image came out three times too long).
  const rgbPalette = dicomBytes(imageElements({ ...spec, samplesPerPixel: 3, pixelBytes: new Uint8Array(48), extra: paletteElements(16) }));
  expect(await runFuzzCase(rgbPalette, 'fuzz.dcm')).toMatchObject({ kind: 'error', detail: expect.stringMatching(/PALETTE COLOR with 3 samples per pixel/) });
  // dicom-parser's messages (its function names, a stack overflow) are said in words.
  const plain = dicomBytes(imageElements({ ...spec, photometric: 'MONOCHROME2' }));
  const pixelAt = plain.length - 16 - 12;
  const deep = Buffer.concat([plain.subarray(0, pixelAt), nestedSequence(5000, 'delimited'), plain.subarray(pixelAt)]);
  expect(await runFuzzCase(deep, 'fuzz.dcm')).toMatchObject({ kind: 'error', detail: expect.stringMatching(/^cannot be parsed as DICOM: its sequences are nested too deeply to read\./) });
  const huge = Buffer.concat([plain.subarray(0, pixelAt), nestedSequence(3, 'item length huge'), plain.subarray(pixelAt)]);
  expect(await runFuzzCase(huge, 'fuzz.dcm')).toMatchObject({ kind: 'error', detail: expect.stringMatching(/^cannot be parsed as DICOM: a sequence or sequence item declares a length beyond/) });
});

it('a damaged JPEG-LS frame without its end marker is refused at once (CharLS spent 20 s on it)', async () => {
  // Found by `lumen bench fuzz`: frame 2 of its 3-frame JPEG-LS seed cut after 570 bytes and
  // continued with the 16-bit CT seed's codestream from its byte 381, 746 bytes in all.
  const benchSeeds = makeSeeds(mkdtempSync(join(dir, 'bench-seeds-')));
  const codestream = (name: string, frame: number) => encapsulatedFrame(parseDicomBuffer(benchSeeds.find((s) => s.name === name)!.bytes, name), frame);
  const head = codestream('multi-jpegls', 1).subarray(0, 570);
  const tail = codestream('ct-jpegls', 0).subarray(381, 381 + 746 - 570);
  const frame = Buffer.concat([head, tail]);
  const file = encapsulatedFile({ rows: 24, columns: 32, bitsAllocated: 16, bitsStored: 12, pixelBytes: new Uint8Array(0) }, TS.jpegLsLossless, encapsulate([[frame]]).bytes);
  expect(await runFuzzCase(file, 'fuzz.dcm')).toEqual({ kind: 'error', detail: expect.stringMatching(/^frame 1 cannot be decoded as JPEG-LS \(the JPEG-LS codestream does not end with its end-of-image marker \(FFD9\)/) });
});

it('lumen bench fuzz runs more cases and reports cases/s, the outcomes and the largest RSS', () => {
  const res = spawnSync(process.execPath, ['bin/lumen.mjs', 'bench', 'fuzz', '--cases', '300', '--seed', '5', '--json'], { encoding: 'utf8', cwd: join(__dirname, '../..'), timeout: 120_000 });
  expect(res.status, res.stderr).toBe(0);
  const report = JSON.parse(res.stdout);
  expect(report).toMatchObject({ seed: 5, cases: 300, crashed: 0, tooSlow: 0, failures: [] });
  expect(report.decoded + report.refused).toBe(300);
  expect(report.casesPerSecond).toBeGreaterThan(0);
  expect(report.largestRssMiB).toBeGreaterThan(0);
  expect(report.syntaxes).toEqual(expect.arrayContaining(['explicit', 'implicit', 'bigendian', 'deflated', 'rle', 'jpegsv1', 'jpegls', 'j2k', 'jpegbaseline']));
}, 150_000);

it('damaged files imported into a real library, then every listed frame decoded on the pool: a reason for each, no crash', { timeout: 120_000 }, async () => {
  // The import reads headers from disk (in part for large files) and writes SQLite; the pool decodes
  // in worker threads. Fewer cases than in process: each is a file.
  const folder = join(dir, 'import');
  mkdirSync(folder);
  let n = 0;
  const mutations = new Map<string, string>();
  for (const c of fuzzCases(seeds, SEED + 1, 300)) {
    const file = join(folder, `case${String(n++).padStart(4, '0')}.dcm`);
    writeFileSync(file, c.bytes);
    mutations.set(file, `${c.seed}, ${c.mutation}`);
  }
  const lib = Library.open(join(dir, 'library'));
  try {
    const report = await lib.importPaths([folder]);
    expect(report.scanned).toBe(n);
    // A file listed as a 'conflict' (other patient details for its Patient ID) was imported too.
    const notImported = report.errors.filter((e) => e.kind !== 'conflict');
    expect(report.imported + notImported.length).toBe(n);
    const leaks = report.errors.filter((e) => LIBRARY_WORDS.test(e.reason)).map((e) => `${mutations.get(e.file)}: ${e.reason}`);
    expect(leaks).toEqual([]);
    const instances = lib.listTree().flatMap((p) => p.studies.flatMap((st) => st.series.flatMap((se) => lib.listInstances(se.seriesInstanceUid))));
    expect(instances).toHaveLength(report.imported);
    const requests = seriesImages(instances).map(({ instance, frame }) => ({ file: instance.path, frame }));
    const results = await decodeMany(requests, { threads: 2 });
    expect(results).toHaveLength(requests.length);
    const bad = results.filter((r) => !(r.frames?.length === 1) && !(r.error && r.error.startsWith(`${r.file}: `) && !LIBRARY_WORDS.test(r.error)));
    expect(bad.map((r) => `${mutations.get(r.file)}: ${r.error}`)).toEqual([]);
  } finally {
    lib.close();
    await closeDecodePool();
  }
});
