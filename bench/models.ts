// `lumen bench models`: inference time per runtime/backend, variant and batch at
// native resolution (median of N after warm-up), bounded by a time budget, and
// the ratio of Lumen's B0 batch-1 path to onnxruntime-node called directly on
// the same ONNX file in the same process, measured interleaved.
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import { buildEfficientNet, countMacs, getVariant, isVariantName, VARIANT_NAMES, type VariantName } from '../models';
import { OnnxModelSession } from '../models/inference/onnx';
import { exportOnnx } from '../models/onnx/export';
import { initBackend, machineSummary, probeBackend, type BackendName } from '../models/runtime';
import { removeInside } from '../common/node/safe-fs';
import { CliError, parseCommandArgs, printJson } from '../electron/cli/command';
import type { BenchSuite } from './suite';

interface Run {
  runtime: 'onnxruntime' | 'tfjs';
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

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const rssMb = () => process.memoryUsage().rss / (1024 * 1024);
const round = (x: number, digits = 2) => Number(x.toFixed(digits));

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

export const suite: BenchSuite = {
  summary: 'EfficientNet inference per runtime/backend, variant and batch; ratio of Lumen\'s ONNX path to onnxruntime-node called directly.',
  usage: 'lumen bench models [--variants b0,b1|all] [--batches 1,8] [--budget-s N] [--runtimes onnx,wasm,cpu,webgpu,onnx-webgpu] [--json]',
  async run(argv) {
    const { values } = parseCommandArgs(argv, {
      json: { type: 'boolean' },
      variants: { type: 'string' },
      batches: { type: 'string' },
      'budget-s': { type: 'string' },
      runtimes: { type: 'string' },
    });
    const variantArg = parseList(values.variants, DEFAULT_VARIANTS);
    const variants = (variantArg.length === 1 && variantArg[0] === 'all' ? [...VARIANT_NAMES] : variantArg) as VariantName[];
    for (const v of variants) if (!isVariantName(v)) throw new CliError(`unknown variant "${v}"; known: ${VARIANT_NAMES.join(', ')}, or all`, 2);
    const batches = parseList(values.batches, DEFAULT_BATCHES.map(String)).map(Number);
    if (batches.some((b) => !Number.isInteger(b) || b < 1)) throw new CliError('--batches must be positive integers, e.g. 1,8', 2);
    const budgetS = values['budget-s'] ? Number(values['budget-s']) : DEFAULT_BUDGET_S;
    if (!(budgetS > 0)) throw new CliError('--budget-s must be a positive number of seconds', 2);
    const runtimes = new Set(parseList(values.runtimes, ['onnx', 'wasm', 'cpu', 'webgpu', 'onnx-webgpu']));
    const log = (line: string) => {
      if (!values.json) process.stdout.write(line + '\n');
      else process.stderr.write(line + '\n');
    };

    const budget = new Budget(budgetS);
    const runs: Run[] = [];
    const skipped: Skip[] = [];
    const tmp = mkdtempSync(path.join(os.tmpdir(), 'lumen-bench-'));
    await tf.setBackend('cpu');

    try {
      // --- The B0 comparison first: Lumen's ONNX path vs onnxruntime-node directly, interleaved. ---
      const b0 = buildEfficientNet('b0', { init: 'zeros' });
      randomiseWeights(b0);
      const b0File = path.join(tmp, 'efficientnet-b0.onnx');
      writeFileSync(b0File, exportOnnx(b0).bytes);
      const res = getVariant('b0').resolution;
      const input = randomInput(3 * res * res);

      // Baseline: what a user of onnxruntime-node writes — default session options, one tensor, run().
      const direct = await ort.InferenceSession.create(b0File);
      const directFeeds = { [direct.inputNames[0]]: new ort.Tensor('float32', input, [1, 3, res, res]) };
      const lumen = await OnnxModelSession.create(b0File);
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
      await direct.release();
      const baseline = {
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
      const lumenB0 = record(runs, { runtime: 'onnxruntime', backend: 'cpu', variant: 'b0', batch: 1 }, lTimes, peakL);
      msPerMac.set('onnxruntime cpu', lumenB0.medianMs / countMacs(b0));
      log(`b0 batch 1: Lumen onnxruntime cpu ${lumenB0.medianMs} ms, direct onnxruntime-node ${baseline.medianMs} ms`);

      // --- Every runtime/backend x variant x batch, within the budget. ---
      const tfBackends: BackendName[] = [];
      const backendProbes: { name: string; available: boolean; reason: string; detail?: string }[] = [];
      // webgpu last: on a machine without a GPU it runs on a software adapter, slowly, and gets what is left.
      for (const name of ['wasm', 'cpu', 'webgpu'] as BackendName[]) {
        if (!runtimes.has(name)) continue;
        const probe = await probeBackend(name);
        backendProbes.push(probe);
        if (probe.available) tfBackends.push(name);
        else skipped.push({ runtime: 'tfjs', backend: name, reason: probe.reason });
      }
      await tf.setBackend('cpu');

      for (const variant of variants) {
        if (budget.leftS <= 0) {
          skipped.push({ runtime: '*', backend: '*', variant, reason: `time budget of ${budgetS} s used up` });
          continue;
        }
        const spec = getVariant(variant);
        const size = spec.resolution;
        let model: tf.LayersModel;
        let file: string;
        if (variant === 'b0') {
          model = b0;
          file = b0File;
        } else {
          await tf.setBackend('cpu');
          model = buildEfficientNet(variant, { init: 'zeros' });
          randomiseWeights(model);
          file = path.join(tmp, `efficientnet-${variant}.onnx`);
          writeFileSync(file, exportOnnx(model).bytes);
        }
        // Multiply-adds per image at native resolution, counted from the graph: scales the cost estimates.
        const macs = countMacs(model);

        // ONNX Runtime: cpu (Lumen's session), then webgpu where the provider works.
        for (const provider of ['cpu', 'webgpu'] as const) {
          const key = provider === 'cpu' ? 'onnx' : 'onnx-webgpu';
          if (!runtimes.has(key)) continue;
          let session: OnnxModelSession;
          try {
            session = variant === 'b0' && provider === 'cpu' ? lumen : await OnnxModelSession.create(file, { provider });
          } catch (err) {
            if (variant === variants[0] || provider === 'cpu') {
              skipped.push({ runtime: 'onnxruntime', backend: provider, variant, reason: (err instanceof Error ? err.message : String(err)).split('\n')[0] });
            }
            continue;
          }
          for (const batch of batches) {
            if (variant === 'b0' && provider === 'cpu' && batch === 1) continue; // measured above, interleaved with the baseline
            const x = randomInput(batch * 3 * size * size);
            const r = await timeRun(`onnxruntime ${provider}`, macs * batch, async () => void (await session.run(x, batch)), budget);
            if ('skip' in r) skipped.push({ runtime: 'onnxruntime', backend: provider, variant, batch, reason: r.skip });
            else log(`${variant} batch ${batch}: onnxruntime ${provider} ${record(runs, { runtime: 'onnxruntime', backend: provider, variant, batch }, r.times, r.peakRssMb).medianMs} ms`);
          }
          if (session !== lumen) await session.release();
        }

        // TF.js backends: the same weights, moved through an in-memory save.
        if (tfBackends.length) {
          let artifacts: tf.io.ModelArtifacts | undefined;
          await model.save(tf.io.withSaveHandler(async (a) => {
            artifacts = a;
            return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
          }));
          for (const backend of tfBackends) {
            // initBackend does what a backend needs before use (webgpu: Dawn globals and the backend module).
            await initBackend(backend);
            const m = await tf.loadLayersModel(tf.io.fromMemory(artifacts!));
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
            m.dispose();
          }
          await tf.setBackend('cpu');
        }
        if (model !== b0) model.dispose();
      }
      await lumen.release();
      b0.dispose();

      const bestB0 = Math.min(...runs.filter((r) => r.variant === 'b0' && r.batch === 1).map((r) => r.medianMs));
      const ratio = round(bestB0 / baseline.medianMs, 3);
      const report = {
        runs,
        baseline,
        ratioToBaseline: ratio,
        skipped,
        tfjsBackends: backendProbes,
        machine: machineSummary(),
        settings: { variants, batches, budgetS, repeats: REPEATS, ratioPairs: RATIO_PAIRS, resolution: 'native', elapsedS: round(budget.elapsedS, 1) },
      };
      if (values.json) printJson(report);
      else {
        process.stdout.write(`\nratioToBaseline (Lumen best B0 batch 1 / onnxruntime-node direct): ${ratio}\n`);
        for (const s of skipped) process.stdout.write(`skipped ${s.runtime} ${s.backend}${s.variant ? ` ${s.variant}` : ''}${s.batch ? ` batch ${s.batch}` : ''}: ${s.reason}\n`);
      }
      return 0;
    } finally {
      removeInside(os.tmpdir(), tmp);
    }
  },
};
