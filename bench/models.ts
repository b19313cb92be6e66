// `lumen bench models`: inference time per runtime/backend, variant and batch at
// native resolution (median of N after warm-up), bounded by a time budget, and
// the ratio of Lumen's B0 batch-1 path to onnxruntime-node called directly on
// the same ONNX file in the same process, measured interleaved.
import * as tf from '@tensorflow/tfjs';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { buildEfficientNet, countMacs, getVariant, isVariantName, VARIANT_NAMES, type VariantName } from '../models';
import { OnnxModelSession } from '../models/inference/onnx';
import { exportOnnx } from '../models/onnx/export';
import { initBackend, machineSummary, probeBackend, probeOnnxRuntime, type BackendName } from '../models/runtime';
import { ONNX_PROVIDER_ORDER } from '../models/inference/providers';
import { removeInside } from '../common/node/safe-fs';
import { CliError, parseCommandArgs, printJson } from '../electron/cli/command';
import { median, roundTo as round, type BenchSuite } from './suite';
import { errorMessage } from '../common/errors';

interface Run {
  runtime: 'onnxruntime' | 'tfjs';
  /** ONNX Runtime: what the session computed in (fp16 on GPU providers, models/onnx/fp16.ts). */
  precision?: 'fp32' | 'fp16';
  backend: string;
  variant: string;
  batch: number;
  medianMs: number;
  imagesPerSecond: number;
  /** Highest resident set size sampled after each timed call of this run (the process's, MiB). */
  peakRssMb: number;
  repeats: number;
}

interface Skip {
  runtime: string;
  backend: string;
  variant?: string;
  batch?: number;
  reason: string;
}

const DEFAULT_VARIANTS = ['b0', 'b1', 'b2'];
const DEFAULT_BATCHES = [1, 8];
const DEFAULT_BUDGET_S = 240;
const REPEATS = 5;
/** The Lumen-vs-direct comparison is cheap (ms per call), so it takes more interleaved pairs to be stable. */
const RATIO_PAIRS = 21;

const rssMb = () => process.memoryUsage().rss / (1024 * 1024);

/** Random weights fast (He-uniform for kernels, BatchNorm left at gamma 1 / variance 1): speed does not depend on values, but zeros could. */
export function randomiseWeights(model: tf.LayersModel, seed = 1): void {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (const layer of model.layers) {
    const ws = layer.weights;
    if (!ws.length || layer.getClassName() === 'BatchNormalization') continue;
    const values = ws.map((w) => {
      const shape = w.shape as number[];
      const n = shape.reduce((x, y) => x * y, 1);
      const fanIn = shape.length > 1 ? n / shape[shape.length - 1] : 1;
      const limit = shape.length > 1 ? Math.sqrt(6 / fanIn) : 0.01;
      const data = new Float32Array(n);
      for (let i = 0; i < n; i++) data[i] = (next() * 2 - 1) * limit;
      return tf.tensor(data, shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

function randomInput(n: number): Float32Array {
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = Math.sin(i * 12.9898) * 2;
  return x;
}

class Budget {
  private readonly start = performance.now();
  constructor(readonly seconds: number) {}
  get elapsedS(): number {
    return (performance.now() - this.start) / 1000;
  }
  get leftS(): number {
    return this.seconds - this.elapsedS;
  }
}

/**
 * Milliseconds per multiply-add seen so far on each runtime/backend: predicts
 * what the next run costs so that a run that would not fit is skipped before
 * it starts, not after.
 */
const msPerMac = new Map<string, number>();

/**
 * Times `call` REPEATS times after warm-up; skips (with the reason) when the
 * predicted cost (from earlier runs on the same backend) or the warm-up says it
 * would not fit in what is left of the budget.
 */
async function timeRun(key: string, macs: number, call: () => Promise<void>, budget: Budget, repeats = REPEATS): Promise<{ times: number[]; peakRssMb: number } | { skip: string }> {
  if (budget.leftS <= 0) return { skip: `time budget of ${budget.seconds} s used up` };
  const rate = msPerMac.get(key);
  if (rate !== undefined) {
    const predictedS = (rate * macs * (repeats + 1)) / 1000;
    if (predictedS > budget.leftS) {
      return { skip: `estimated ${round(predictedS, 0)} s (from earlier runs on ${key}) exceeds what is left of the ${budget.seconds} s budget (${round(budget.leftS, 0)} s)` };
    }
  }
  const t0 = performance.now();
  await call(); // warm-up (first call also initialises kernels and memory pools)
  const warm = performance.now() - t0;
  if (rate === undefined) msPerMac.set(key, warm / macs);
  if ((warm * repeats) / 1000 > budget.leftS) {
    return { skip: `warm-up took ${round(warm, 0)} ms; ${repeats} timed calls would exceed the ${budget.seconds} s budget (${round(budget.leftS, 0)} s left)` };
  }
  if (warm < 2000) await call(); // a second warm-up where it is cheap
  const times: number[] = [];
  let peak = rssMb();
  for (let i = 0; i < repeats; i++) {
    const t = performance.now();
    await call();
    times.push(performance.now() - t);
    peak = Math.max(peak, rssMb());
  }
  msPerMac.set(key, median(times) / macs);
  return { times, peakRssMb: peak };
}

function record(runs: Run[], base: Omit<Run, 'medianMs' | 'imagesPerSecond' | 'peakRssMb' | 'repeats'>, times: number[], peak: number): Run {
  const m = median(times);
  const run: Run = { ...base, medianMs: round(m, 3), imagesPerSecond: round((base.batch * 1000) / m, 1), peakRssMb: round(peak, 0), repeats: times.length };
  runs.push(run);
  return run;
}

function parseList(value: string | undefined, fallback: string[]): string[] {
  return value ? value.split(',').map((s) => s.trim()).filter(Boolean) : fallback;
}

/**
 * The network `lumen bench models` times for a variant: the full classifier at its native
 * resolution with random weights. Its ONNX export must pass Lumen's graph check
 * (models/onnx/graph-check.ts), or every ONNX Runtime run of it is skipped
 * (test/bench/graph-check-variants.test.ts checks every variant).
 */
export function benchModel(variant: VariantName): tf.LayersModel {
  const model = buildEfficientNet(variant, { init: 'zeros' });
  randomiseWeights(model);
  return model;
}

/** What one variant's process sends back to the parent (the last line of its stdout). */
interface VariantReport {
  variant: string;
  runs: Run[];
  skipped: Skip[];
  baseline?: Baseline;
  tfjsBackends: { name: string; available: boolean; reason: string; detail?: string }[];
  /** ms per multiply-add per runtime/backend, so the next variant's process predicts its costs. */
  rates: Record<string, number>;
  /** The process's resident set size before it built anything, and its highest (getrusage maxrss), MiB. */
  startRssMb: number;
  peakRssMb: number;
}

/** A run's figures, measured straight on onnxruntime-node; `how` says how. */
type Baseline = Omit<Run, 'runtime' | 'precision'> & { runtime: string; how: string };

/** ONNX Runtime providers the bench times (best first, as providers.ts ranks them), with the --runtimes key of each. */
const ONNX_PROVIDERS = ONNX_PROVIDER_ORDER.map((provider) => ({ provider, key: provider === 'cpu' ? 'onnx' : `onnx-${provider}` }));
const DEFAULT_RUNTIMES = [...ONNX_PROVIDERS.map((p) => p.key), 'wasm', 'cpu', 'webgpu'];

/**
 * Lumen's ONNX path against onnxruntime-node called directly on the same B0 file, interleaved
 * in one process; Lumen's timings become the B0 batch-1 cpu run.
 */
async function measureBaseline(file: string, runs: Run[], log: (line: string) => void): Promise<Baseline> {
  const res = getVariant('b0').resolution;
  const input = randomInput(3 * res * res);
  // Baseline: what a user of onnxruntime-node writes — default session options, one tensor, run().
  const direct = await ort.InferenceSession.create(file);
  const directFeeds = { [direct.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, res, res]) };
  const lumen = await OnnxModelSession.create(file);
  try {
    for (let i = 0; i < 3; i++) {
      await direct.run(directFeeds);
      await lumen.run(input, 1);
    }
    const dTimes: number[] = [];
    const lTimes: number[] = [];
    let peakD = rssMb();
    let peakL = peakD;
    for (let i = 0; i < RATIO_PAIRS; i++) {
      // Alternate which goes first so drift and noise hit both alike.
      const order = i % 2 ? ['lumen', 'direct'] : ['direct', 'lumen'];
      for (const who of order) {
        const t = performance.now();
        if (who === 'direct') await direct.run(directFeeds);
        else await lumen.run(input, 1);
        const dt = performance.now() - t;
        if (who === 'direct') {
          dTimes.push(dt);
          peakD = Math.max(peakD, rssMb());
        } else {
          lTimes.push(dt);
          peakL = Math.max(peakL, rssMb());
        }
      }
    }
    const lumenB0 = record(runs, { runtime: 'onnxruntime', backend: 'cpu', precision: lumen.precision, variant: 'b0', batch: 1 }, lTimes, peakL);
    const baseline: Baseline = {
      runtime: 'onnxruntime-node (direct)',
      backend: 'cpu',
      variant: 'b0',
      batch: 1,
      medianMs: round(median(dTimes), 3),
      imagesPerSecond: round(1000 / median(dTimes), 1),
      peakRssMb: round(peakD, 0),
      repeats: dTimes.length,
      how: 'InferenceSession.create(file) with default options; run() on one pre-made ort.Tensor; same ONNX file, interleaved with Lumen',
    };
    log(`b0 batch 1: Lumen onnxruntime cpu ${lumenB0.medianMs} ms, direct onnxruntime-node ${baseline.medianMs} ms`);
    return baseline;
  } finally {
    await direct.release();
    await lumen.release();
  }
}

/**
 * One variant in this process: build, export, time every runtime/backend and batch, dispose.
 * With `baseline`, B0's Lumen-vs-direct comparison first (variant must be b0); with
 * `timeRuns` false, only that.
 */
async function benchVariant(
  variant: VariantName,
  opts: { batches: number[]; runtimes: Set<string>; providers: Set<string>; budget: Budget; baseline: boolean; timeRuns: boolean; log: (line: string) => void },
): Promise<Omit<VariantReport, 'startRssMb' | 'peakRssMb' | 'rates' | 'variant'>> {
  const { batches, runtimes, budget, log } = opts;
  const runs: Run[] = [];
  const skipped: Skip[] = [];
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'lumen-bench-'));
  await tf.setBackend('cpu');
  let model: tf.LayersModel | undefined = benchModel(variant);
  try {
    const file = path.join(tmp, `efficientnet-${variant}.onnx`);
    writeFileSync(file, exportOnnx(model).bytes);
    // Multiply-adds per image at native resolution, counted from the graph: scales the cost estimates.
    const macs = countMacs(model);
    const baseline = opts.baseline ? await measureBaseline(file, runs, log) : undefined;
    if (baseline) msPerMac.set('onnxruntime cpu', runs[0].medianMs / macs);
    const tfjsBackends: VariantReport['tfjsBackends'] = [];
    if (!opts.timeRuns) return { runs, skipped, baseline, tfjsBackends };

    const size = getVariant(variant).resolution;
    // ONNX Runtime, each provider in turn; one session at a time, released before the next.
    for (const { provider, key } of ONNX_PROVIDERS) {
      if (!runtimes.has(key) || !opts.providers.has(provider)) continue;
      let session: OnnxModelSession;
      try {
        // On a GPU provider as the product runs it there: fp16 where it loads, unread outputs left on the device.
        session = await OnnxModelSession.create(file, provider === 'cpu' ? { provider } : { provider, reads: ['probabilities'] });
      } catch (err) {
        skipped.push({ runtime: 'onnxruntime', backend: provider, variant, reason: errorMessage(err).split('\n')[0] });
        continue;
      }
      try {
        for (const batch of batches) {
          if (baseline && provider === 'cpu' && batch === 1) continue; // measured with the baseline, interleaved
          const x = randomInput(batch * 3 * size * size);
          const r = await timeRun(`onnxruntime ${provider}`, macs * batch, async () => void (await session.run(x, batch)), budget);
          if ('skip' in r) skipped.push({ runtime: 'onnxruntime', backend: provider, variant, batch, reason: r.skip });
          else log(`${variant} batch ${batch}: onnxruntime ${provider} ${session.precision} ${record(runs, { runtime: 'onnxruntime', backend: provider, precision: session.precision, variant, batch }, r.times, r.peakRssMb).medianMs} ms`);
        }
      } finally {
        await session.release();
      }
    }

    // TF.js backends: the same weights, moved through an in-memory save.
    // webgpu last: on a machine without a GPU it runs on a software adapter, slowly, and gets what is left.
    const tfBackends: BackendName[] = [];
    for (const name of ['wasm', 'cpu', 'webgpu'] as BackendName[]) {
      if (!runtimes.has(name)) continue;
      const probe = await probeBackend(name);
      tfjsBackends.push(probe);
      if (probe.available) tfBackends.push(name);
      else skipped.push({ runtime: 'tfjs', backend: name, variant, reason: probe.reason });
    }
    await tf.setBackend('cpu');
    if (tfBackends.length) {
      let artifacts: tf.io.ModelArtifacts | undefined;
      await model.save(tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }));
      model.dispose(); // the artifacts hold the weights now
      model = undefined;
      for (const backend of tfBackends) {
        // initBackend does what a backend needs before use (webgpu: Dawn globals and the backend module).
        await initBackend(backend);
        const m = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
        try {
          for (const batch of batches) {
            // The cpu backend takes ~1.5 s per B0 image: B0 at batch 1 only.
            if (backend === 'cpu' && !(variant === 'b0' && batch === 1)) {
              if (variant === 'b0') skipped.push({ runtime: 'tfjs', backend, variant, batch, reason: 'tfjs cpu runs B0 at batch 1 only (about 1.5 s per image)' });
              continue;
            }
            const x = tf.tensor4d(randomInput(batch * size * size * 3), [batch, size, size, 3]);
            const r = await timeRun(`tfjs ${backend}`, macs * batch, async () => {
              const y = m.predict(x) as tf.Tensor;
              await y.data();
              y.dispose();
            }, budget);
            x.dispose();
            if ('skip' in r) skipped.push({ runtime: 'tfjs', backend, variant, batch, reason: r.skip });
            else log(`${variant} batch ${batch}: tfjs ${backend} ${record(runs, { runtime: 'tfjs', backend, variant, batch }, r.times, r.peakRssMb).medianMs} ms`);
          }
        } finally {
          m.dispose();
        }
      }
      await tf.setBackend('cpu');
    }
    return { runs, skipped, baseline, tfjsBackends };
  } finally {
    model?.dispose();
    removeInside(os.tmpdir(), tmp);
  }
}

const maxRssMb = () => process.resourceUsage().maxRSS / 1024;

/** The hidden entry point of one variant's process: prints its VariantReport as the last line. */
async function variantProcess(variant: VariantName, values: { batches: number[]; runtimes: Set<string>; providers: Set<string>; budgetS: number; rates: string | undefined; baseline: boolean; timeRuns: boolean }): Promise<number> {
  const startRssMb = rssMb();
  for (const [k, v] of Object.entries(JSON.parse(values.rates ?? '{}') as Record<string, number>)) msPerMac.set(k, v);
  const log = (line: string) => process.stderr.write(line + '\n');
  const r = await benchVariant(variant, { batches: values.batches, runtimes: values.runtimes, providers: values.providers, budget: new Budget(values.budgetS), baseline: values.baseline, timeRuns: values.timeRuns, log });
  const report: VariantReport = { variant, ...r, rates: Object.fromEntries(msPerMac), startRssMb: round(startRssMb, 0), peakRssMb: round(maxRssMb(), 0) };
  process.stdout.write(JSON.stringify(report) + '\n');
  return 0;
}

/**
 * Runs one variant in a fresh process of this same command. Each variant gets a process of its
 * own because a process's memory does not go back down when models and sessions are disposed
 * (WebAssembly memory never shrinks, and malloc keeps freed pages): in one process the peak
 * climbed from 364 MB after B0 to 599 MB after B2 here (4.7 GB with webgpu and batch 8), so
 * each variant's figures carried its predecessors'.
 */
function spawnVariant(variant: VariantName, args: string[], log: (line: string) => void): Promise<VariantReport> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, process.argv[1], 'bench', 'models', '--variant-process', variant, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      for (const line of d.split('\n')) if (/^(b\d|v2)\S* batch \d+:/.test(line)) log(line);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const last = out.trim().split('\n').pop() ?? '';
      try {
        const report = JSON.parse(last) as VariantReport;
        if (report.variant === variant) return resolve(report);
      } catch {
        // reported below
      }
      const why = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      reject(new Error(`the ${variant} benchmark process ${why}: ${err.trim().split('\n').slice(-3).join(' / ') || 'no output'}`));
    });
  });
}

export const suite: BenchSuite = {
  summary: 'EfficientNet inference per runtime/backend, variant and batch (each variant in its own process, with its own peak memory); ratio of Lumen\'s ONNX path to onnxruntime-node called directly.',
  usage: `lumen bench models [--variants b0,b1|all] [--batches 1,8] [--budget-s N] [--runtimes ${DEFAULT_RUNTIMES.join(',')}] [--json]`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      json: { type: 'boolean' },
      variants: { type: 'string' },
      batches: { type: 'string' },
      'budget-s': { type: 'string' },
      runtimes: { type: 'string' },
      // Internal: one variant's process (spawnVariant).
      'variant-process': { type: 'string' },
      rates: { type: 'string' },
      baseline: { type: 'boolean' },
      'baseline-only': { type: 'boolean' },
      'onnx-providers': { type: 'string' },
    });
    const variantArg = parseList(values.variants, DEFAULT_VARIANTS);
    const variants = (variantArg.length === 1 && variantArg[0] === 'all' ? [...VARIANT_NAMES] : variantArg) as VariantName[];
    for (const v of variants) if (!isVariantName(v)) throw new CliError(`unknown variant "${v}"; known: ${VARIANT_NAMES.join(', ')}, or all`, 2);
    const batches = parseList(values.batches, DEFAULT_BATCHES.map(String)).map(Number);
    if (batches.some((b) => !Number.isInteger(b) || b < 1)) throw new CliError('--batches must be positive integers, e.g. 1,8', 2);
    const budgetS = values['budget-s'] ? Number(values['budget-s']) : DEFAULT_BUDGET_S;
    if (!(budgetS > 0)) throw new CliError('--budget-s must be a positive number of seconds', 2);
    const runtimeList = parseList(values.runtimes, DEFAULT_RUNTIMES);
    const runtimes = new Set(runtimeList);
    const own = values['variant-process'];
    if (own !== undefined) {
      if (!isVariantName(own)) throw new CliError(`unknown variant "${own}"`, 2);
      return variantProcess(own, { batches, runtimes, providers: new Set(parseList(values['onnx-providers'], ['cpu'])), budgetS, rates: values.rates, baseline: !!values.baseline || !!values['baseline-only'], timeRuns: !values['baseline-only'] });
    }
    const log = (line: string) => {
      if (!values.json) process.stdout.write(line + '\n');
      else process.stderr.write(line + '\n');
    };

    const budget = new Budget(budgetS);
    const runs: Run[] = [];
    const skipped: Skip[] = [];
    const variantPeaks: { variant: string; startRssMb: number; peakRssMb: number }[] = [];
    let tfjsBackends: VariantReport['tfjsBackends'] = [];
    let baseline: Baseline | undefined;
    let rates: Record<string, number> = {};
    // ONNX Runtime's providers probed once here (models/inference/providers.ts); the variants' processes time those that work.
    const { providers: onnxProviders } = await probeOnnxRuntime();
    const working = onnxProviders.filter((p) => p.available && !/software adapter/.test(p.reason)).map((p) => p.name);
    for (const { provider, key } of ONNX_PROVIDERS) {
      const probe = onnxProviders.find((p) => p.name === provider);
      if (runtimes.has(key) && !working.includes(provider)) skipped.push({ runtime: 'onnxruntime', backend: provider, reason: probe?.reason ?? 'not probed' });
    }
    const common = ['--batches', batches.join(','), '--runtimes', runtimeList.join(','), '--onnx-providers', working.join(',') || 'cpu'];
    // The B0 comparison first (in B0's own process, or one of its own when B0 is not asked for).
    const order: { variant: VariantName; baseline: boolean; timeRuns: boolean }[] = variants.includes('b0') ? [] : [{ variant: 'b0', baseline: true, timeRuns: false }];
    for (const v of variants) order.push({ variant: v, baseline: v === 'b0' && !baseline && !order.some((o) => o.baseline), timeRuns: true });
    for (const step of order) {
      if (budget.leftS <= 0 && step.timeRuns) {
        skipped.push({ runtime: '*', backend: '*', variant: step.variant, reason: `time budget of ${budgetS} s used up` });
        continue;
      }
      const args = [...common, '--budget-s', String(Math.max(1, Math.floor(budget.leftS))), '--rates', JSON.stringify(rates), ...(step.baseline ? [step.timeRuns ? '--baseline' : '--baseline-only'] : [])];
      const r = await spawnVariant(step.variant, args, log);
      runs.push(...r.runs);
      skipped.push(...r.skipped);
      rates = r.rates;
      if (r.baseline) baseline = r.baseline;
      if (r.tfjsBackends.length) tfjsBackends = r.tfjsBackends;
      if (step.timeRuns) variantPeaks.push({ variant: r.variant, startRssMb: r.startRssMb, peakRssMb: r.peakRssMb });
      if (step.timeRuns) log(`${r.variant}: peak memory ${r.peakRssMb} MB (its process started at ${r.startRssMb} MB)`);
    }
    if (!baseline) throw new CliError('the B0 baseline was not measured');

    const bestB0 = Math.min(...runs.filter((r) => r.variant === 'b0' && r.batch === 1).map((r) => r.medianMs));
    const ratio = round(bestB0 / baseline.medianMs, 3);
    const report = {
      runs,
      baseline,
      ratioToBaseline: ratio,
      variantPeaks,
      skipped,
      tfjsBackends,
      onnxProviders,
      machine: machineSummary(),
      settings: { variants, batches, budgetS, repeats: REPEATS, ratioPairs: RATIO_PAIRS, resolution: 'native', isolation: 'one process per variant', elapsedS: round(budget.elapsedS, 1) },
    };
    if (values.json) printJson(report);
    else {
      process.stdout.write(`\nratioToBaseline (Lumen best B0 batch 1 / onnxruntime-node direct): ${ratio}\n`);
      for (const s of skipped) process.stdout.write(`skipped ${s.runtime} ${s.backend}${s.variant ? ` ${s.variant}` : ''}${s.batch ? ` batch ${s.batch}` : ''}: ${s.reason}\n`);
    }
    return 0;
  },
};
