// `lumen bench fuzz`: the DICOM fuzzer of test/dicom/fuzz.test.ts
// (test/support/dicom/fuzz.ts) over more cases: damaged copies of small files made
// here with Debian's encoders, each imported, decoded frame by frame and made
// into a model input. Prints cases/s, the outcomes and the largest RSS; exits
// 1 when a case crashed or ran past the time limit.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fuzzCases, runFuzzCase, type FuzzSeed } from '../test/support/dicom/fuzz';
import { ctSlice } from '../test/support/dicom/phantom';
import { writeImage, type ImageSpec } from '../test/support/dicom/write';
import type { BenchSuite } from './suite';
import { CliError, parseCommandArgs, printJson } from '../electron/cli/command';

const DEFAULT_CASES = 20_000;
const DEFAULT_SEED = 1;
const CASE_LIMIT_MS = 2000;

function tool(cmd: string, args: string[]): void {
  try {
    execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stderr?: Buffer; message: string };
    if (e.code === 'ENOENT') throw new CliError(`the fuzz benchmark needs "${cmd}" (Debian: dcmtk, libgdcm-tools). Install it and run again.`);
    throw new CliError(`${cmd} failed while making the fuzz seeds: ${e.stderr?.toString().trim() || e.message}`);
  }
}

/**
 * Small files in the transfer syntaxes Lumen decodes: 16-bit signed CT, 12-bit
 * multi-frame, 8-bit RGB. Fixed UIDs and pixels: the same bytes on every run, so
 * a case is reproduced from its seed and mutation.
 */
export function makeSeeds(dir: string): FuzzSeed[] {
  const ct = ctSlice(40, 48, 7, 20);
  const multi = Uint16Array.from({ length: 3 * 24 * 32 }, (_, i) => (i * 37) % 4096);
  const rgb = Uint8Array.from({ length: 20 * 30 * 3 }, (_, i) => (i * 13) % 256);
  const images: Record<string, ImageSpec> = {
    ct: { uid: '1.2.826.0.1.3680043.10.9.1', rows: 40, columns: 48, bitsAllocated: 16, pixelRepresentation: 1, modality: 'CT', rescaleIntercept: -1024, rescaleSlope: 1, windowCenter: 40, windowWidth: 400, pixelBytes: new Uint8Array(ct.buffer) },
    multi: { uid: '1.2.826.0.1.3680043.10.9.2', rows: 24, columns: 32, frames: 3, bitsAllocated: 16, bitsStored: 12, pixelBytes: new Uint8Array(multi.buffer) },
    rgb: { uid: '1.2.826.0.1.3680043.10.9.3', rows: 20, columns: 30, bitsAllocated: 8, samplesPerPixel: 3, photometric: 'RGB', pixelBytes: rgb },
  };
  const files: string[] = [];
  for (const [name, spec] of Object.entries(images)) {
    const src = join(dir, `${name}-explicit.dcm`);
    writeImage(src, spec);
    files.push(src);
    const encode = (suffix: string, cmd: string, args: string[]) => {
      const out = join(dir, `${name}-${suffix}.dcm`);
      tool(cmd, [...args, src, out]);
      files.push(out);
    };
    encode('implicit', 'dcmconv', ['+ti']);
    encode('bigendian', 'dcmconv', ['+tb']);
    encode('deflated', 'dcmconv', ['+td']);
    encode('rle', 'dcmcrle', []);
    encode('jpegsv1', 'dcmcjpeg', ['+e1']);
    encode('jpegls', 'dcmcjpls', []);
    encode('j2k', 'gdcmconv', ['--j2k']);
    if (spec.bitsAllocated === 8) encode('jpegbaseline', 'dcmcjpeg', ['+eb']);
  }
  return files.map((file) => ({ name: file.slice(dir.length + 1, -4), bytes: new Uint8Array(readFileSync(file)) }));
}

export interface FuzzBenchResult {
  seed: number;
  cases: number;
  seconds: number;
  casesPerSecond: number;
  decoded: number;
  refused: number;
  crashed: number;
  tooSlow: number;
  largestRssMiB: number;
  slowestCase: { ms: number; case: string };
  failures: string[];
  syntaxes: string[];
}

export async function runFuzzBench(opts: { cases: number; seed: number; json: boolean }): Promise<FuzzBenchResult> {
  const say = (line: string) => {
    if (!opts.json) process.stdout.write(line + '\n');
  };
  const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-fuzz-'));
  try {
    say('making the seed files (native, deflated, RLE, JPEG lossless, JPEG-LS, JPEG 2000, JPEG baseline) ...');
    const seeds = makeSeeds(dir);
    say(`fuzzing ${opts.cases} cases from ${seeds.length} seeds (seed ${opts.seed}) ...`);
    const counts = { result: 0, error: 0, crash: 0 };
    const failures: string[] = [];
    let tooSlow = 0;
    let largestRss = process.memoryUsage().rss;
    let slowest = { ms: 0, case: '' };
    let n = 0;
    const started = performance.now();
    for (const c of fuzzCases(seeds, opts.seed, opts.cases)) {
      const t = performance.now();
      const outcome = await runFuzzCase(c.bytes, 'fuzz.dcm');
      const ms = performance.now() - t;
      counts[outcome.kind]++;
      const what = `case ${n}: ${c.seed}, ${c.mutation}`;
      if (outcome.kind === 'crash') failures.push(`${what}: ${outcome.detail}`);
      if (ms > CASE_LIMIT_MS) {
        tooSlow++;
        failures.push(`${what}: took ${Math.round(ms)} ms`);
      }
      if (ms > slowest.ms) slowest = { ms: Math.round(ms), case: what };
      if (n % 50 === 0) largestRss = Math.max(largestRss, process.memoryUsage().rss);
      n++;
      if (!opts.json && n % 5000 === 0) say(`  ${n} cases, ${Math.round(n / ((performance.now() - started) / 1000))} cases/s`);
    }
    const seconds = (performance.now() - started) / 1000;
    largestRss = Math.max(largestRss, process.memoryUsage().rss);
    const result: FuzzBenchResult = {
      seed: opts.seed,
      cases: n,
      seconds: +seconds.toFixed(2),
      casesPerSecond: Math.round(n / seconds),
      decoded: counts.result,
      refused: counts.error,
      crashed: counts.crash,
      tooSlow,
      largestRssMiB: Math.round(largestRss / 1048576),
      slowestCase: slowest,
      failures: failures.slice(0, 20),
      syntaxes: [...new Set(seeds.map((s) => s.name.replace(/^[a-z]+-/, '')))],
    };
    say(`${n} cases in ${result.seconds} s: ${result.casesPerSecond} cases/s; ${counts.result} decoded, ${counts.error} refused with a reason, ${counts.crash} crashed, ${tooSlow} over ${CASE_LIMIT_MS} ms`);
    say(`largest RSS ${result.largestRssMiB} MiB; slowest case ${slowest.ms} ms (${slowest.case})`);
    for (const f of result.failures) say(`FAILED ${f}`);
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = {
  summary: 'DICOM fuzzing: damaged copies of small files in every decoded syntax, each imported, decoded and made into a model input (cases/s, outcomes, largest RSS); fails on a crash.',
  usage: `lumen bench fuzz [--cases N (default ${DEFAULT_CASES})] [--seed N (default ${DEFAULT_SEED})] [--json]`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, cases: { type: 'string' }, seed: { type: 'string' } });
    const cases = values.cases === undefined ? DEFAULT_CASES : Number(values.cases);
    const seed = values.seed === undefined ? DEFAULT_SEED : Number(values.seed);
    if (!Number.isInteger(cases) || cases < 1 || cases > 10_000_000) throw new CliError(`--cases must be a whole number from 1 to 10000000, not "${values.cases}".`, 2);
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new CliError(`--seed must be a whole number from 0 to 4294967295, not "${values.seed}".`, 2);
    const result = await runFuzzBench({ cases, seed, json: !!values.json });
    if (values.json) printJson(result);
    return result.crashed > 0 || result.tooSlow > 0 ? 1 : 0;
  },
};
