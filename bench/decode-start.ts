// `lumen bench decode-start`: how fast a decode thread is ready, with Lumen's WASM codec modules
// compiled once per process and handed to each thread (wasm-codec.ts's codecModule, pool.ts)
// against each thread compiling its own (LUMEN_SHARE_CODECS=0, what every thread did before),
// in the same run. Each measurement is a fresh process of this same command (a process keeps its
// compiled modules, and V8's code for them, for its life), the two ways alternating, round after
// round. In each process:
// - ready: the pool's threads start, as the app starts them (each warms its codecs: warm-up.ts),
//   and the time until every thread has warmed every codec; the process's resident memory then,
//   above what it was before the threads started;
// - first frames: fresh threads (their warm-up off) in that same process, their code loaded
//   (uncompressed frames first), then two 512x512 JPEG 2000 frames each, asked at once: the time
//   until they are all back, the codec's start on a thread (compile or instantiate, then V8's
//   first compile and tier-up of what it runs), and the same frames again, warm, beside it.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CliError, parseCommandArgs, printJson } from '../electron/cli/command';
import { closeDecodePool, decodeMany, decodePoolWarmUps, startDecodePool } from '../electron/dicom/pool';
import { ctSlice } from '../test/support/dicom/phantom';
import { writeImage } from '../test/support/dicom/write';
import { count, intOption, median, roundTo, type BenchSuite } from './suite';

const run = promisify(execFile);
const SIZE = 512;
/** Codecs a thread's warm-up reports (warm-up-frames.ts): ready is when every thread reported them all. */
const WARMED_CODECS = 5;

type Mode = 'shared' | 'own';

interface ProcessReport {
  mode: Mode;
  threads: number;
  /** Thread start to every thread warmed, ms. */
  readyMs: number;
  /** Resident memory above the process's before the threads started, once they are warmed, MB. */
  rssAboveStartMb: number;
  /** Fresh threads, code loaded: two JPEG 2000 frames each, asked at once, until all are back, ms. */
  firstFramesMs: number;
  /** The same frames again on the same threads, ms. */
  warmFramesMs: number;
}

export interface DecodeStartResult {
  threads: number;
  rounds: number;
  loadAverage: number;
  shared: { readyMs: number; rssAboveStartMb: number; firstFramesMs: number; warmFramesMs: number };
  own: { readyMs: number; rssAboveStartMb: number; firstFramesMs: number; warmFramesMs: number };
  /** shared ÷ own, of the medians: under 1 is faster (or smaller) with the modules handed over. */
  ratio: { readyMs: number; rssAboveStartMb: number; firstFramesMs: number };
  runs: ProcessReport[];
}

async function tool(cmd: string, args: string[]): Promise<void> {
  try {
    await run(cmd, args, { maxBuffer: 1 << 20 });
  } catch (err) {
    const e = err as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT') throw new CliError(`the benchmark needs "${cmd}" (Debian: dcmtk, libgdcm-tools). Install it and run again.`);
    throw new CliError(`${cmd} failed while making the benchmark's frames: ${e.stderr || e.message}`);
  }
}

/** A 512x512 CT slice, uncompressed and as JPEG 2000 (GDCM, lossless). */
async function makeFrames(dir: string): Promise<{ raw: string; j2k: string }> {
  const px = ctSlice(SIZE, SIZE, 1001, 20);
  const raw = join(dir, 'raw.dcm');
  writeImage(raw, {
    rows: SIZE,
    columns: SIZE,
    bitsAllocated: 16,
    pixelRepresentation: 1,
    modality: 'CT',
    pixelBytes: new Uint8Array(px.buffer),
    uid: '1.2.826.0.1.3680043.10.99.98',
  });
  const j2k = join(dir, 'j2k.dcm');
  await tool('gdcmconv', ['--j2k', raw, j2k]);
  return { raw, j2k };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Decodes `n` copies of `file` on the pool's `threads` threads (two each when n = 2 x threads), ms until all are back. */
async function timeFrames(file: string, n: number, threads: number): Promise<number> {
  const t = performance.now();
  const results = await decodeMany(
    Array.from({ length: n }, () => ({ file })),
    { threads, keepPixels: false },
  );
  const failed = results.find((r) => r.error);
  if (failed) throw new Error(`the benchmark's frame did not decode: ${failed.error}`);
  return performance.now() - t;
}

/** One process's measurements (the internal `--process` run). */
async function measure(mode: Mode, threads: number, frames: { raw: string; j2k: string }): Promise<ProcessReport> {
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  startDecodePool(threads);
  for (let i = 0; i < 30_000 && !decodePoolWarmUps().every((w) => w.length === WARMED_CODECS); i++) await sleep(5);
  const readyMs = performance.now() - t0;
  const failed = decodePoolWarmUps().flat().find((c) => !c.ok);
  if (failed) throw new Error(`a thread's warm-up failed for ${failed.codec}: ${failed.why}`);
  const rssAboveStartMb = (process.memoryUsage().rss - rssBefore) / 1e6;

  await closeDecodePool();
  process.env.LUMEN_POOL_WARM_UP = '0';
  startDecodePool(threads);
  await timeFrames(frames.raw, 2 * threads, threads);
  const firstFramesMs = await timeFrames(frames.j2k, 2 * threads, threads);
  const warmFramesMs = await timeFrames(frames.j2k, 2 * threads, threads);
  await closeDecodePool();
  return { mode, threads, readyMs, rssAboveStartMb, firstFramesMs, warmFramesMs };
}

/** Runs one measurement in a fresh process of this same command. */
function spawnProcess(mode: Mode, threads: number, dir: string): Promise<ProcessReport> {
  const env: NodeJS.ProcessEnv = { ...process.env, LUMEN_SHARE_CODECS: mode === 'shared' ? '1' : '0' };
  delete env.LUMEN_POOL_WARM_UP;
  if (process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], 'bench', 'decode-start', '--process', mode, '--threads', String(threads), '--dir', dir], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      try {
        const report = JSON.parse(out) as ProcessReport;
        if (report.mode === mode) return resolve(report);
      } catch {
        // reported below
      }
      const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new Error(`the ${mode} benchmark process ${why}: ${err.trim().split('\n').slice(-3).join(' / ') || 'no output'}`));
    });
  });
}

const medians = (runs: ProcessReport[]) => ({
  readyMs: roundTo(median(runs.map((r) => r.readyMs)), 0),
  rssAboveStartMb: roundTo(median(runs.map((r) => r.rssAboveStartMb)), 1),
  firstFramesMs: roundTo(median(runs.map((r) => r.firstFramesMs)), 0),
  warmFramesMs: roundTo(median(runs.map((r) => r.warmFramesMs)), 0),
});

export async function runDecodeStartBench(opts: { rounds: number; threads: number; log?: (line: string) => void }): Promise<DecodeStartResult> {
  const dir = mkdtempSync(join(tmpdir(), 'lumen-bench-decode-start-'));
  try {
    await makeFrames(dir);
    const runs: ProcessReport[] = [];
    for (let round = 0; round < opts.rounds; round++) {
      // Alternating which goes first, so that neither always runs on a machine the other just warmed.
      const order: Mode[] = round % 2 ? ['own', 'shared'] : ['shared', 'own'];
      for (const mode of order) {
        const r = await spawnProcess(mode, opts.threads, dir);
        runs.push(r);
        opts.log?.(`  round ${round + 1} ${mode.padEnd(6)} ready ${r.readyMs.toFixed(0)} ms, memory +${r.rssAboveStartMb.toFixed(1)} MB, first frames ${r.firstFramesMs.toFixed(0)} ms (warm ${r.warmFramesMs.toFixed(0)} ms)`);
      }
    }
    const shared = medians(runs.filter((r) => r.mode === 'shared'));
    const own = medians(runs.filter((r) => r.mode === 'own'));
    return {
      threads: opts.threads,
      rounds: opts.rounds,
      loadAverage: roundTo(loadavg()[0], 1),
      shared,
      own,
      ratio: {
        readyMs: roundTo(shared.readyMs / own.readyMs, 2),
        rssAboveStartMb: roundTo(shared.rssAboveStartMb / own.rssAboveStartMb, 2),
        firstFramesMs: roundTo(shared.firstFramesMs / own.firstFramesMs, 2),
      },
      runs,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const suite: BenchSuite = {
  summary: "Decode threads' start: codec modules compiled once per process and handed to each thread vs compiled by each (time to warmed, memory, first JPEG 2000 frames), fresh processes alternating.",
  usage: 'lumen bench decode-start [--rounds 5] [--threads N] [--json]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      rounds: { type: 'string' },
      threads: { type: 'string' },
      json: { type: 'boolean' },
      // Internal: one measurement's process (spawnProcess).
      process: { type: 'string' },
      dir: { type: 'string' },
    });
    const threads = intOption(values.threads, Math.max(2, availableParallelism()), 'threads', 1, 64);
    if (values.process) {
      const mode = values.process as Mode;
      if ((mode !== 'shared' && mode !== 'own') || !values.dir) throw new CliError('--process takes shared or own, with --dir', 2);
      printJson(await measure(mode, threads, { raw: join(values.dir, 'raw.dcm'), j2k: join(values.dir, 'j2k.dcm') }));
      return 0;
    }
    const rounds = intOption(values.rounds, 5, 'rounds', 1, 50);
    const say = (line: string) => {
      if (!values.json) process.stdout.write(`${line}\n`);
    };
    say(`Decode threads' start, ${count(threads, 'thread')}, ${count(rounds, 'round')} (a fresh process each, modules handed over or compiled per thread, alternating):`);
    const r = await runDecodeStartBench({ rounds, threads, log: say });
    if (values.json) printJson(r);
    else {
      const row = (name: string, m: DecodeStartResult['shared']) =>
        `  ${name} ready ${m.readyMs} ms, memory +${m.rssAboveStartMb} MB, first 2x${threads} JPEG 2000 frames ${m.firstFramesMs} ms (warm ${m.warmFramesMs} ms)`;
      say(`Medians (load average ${r.loadAverage}):`);
      say(row('handed over (shared)     ', r.shared));
      say(row('compiled per thread (own)', r.own));
      say(`  ratio shared/own: ready ${r.ratio.readyMs}, memory ${r.ratio.rssAboveStartMb}, first frames ${r.ratio.firstFramesMs}`);
    }
    return 0;
  },
};
