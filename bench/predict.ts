// `lumen bench predict`: a generated CT series scored end to end (read, decode,
// window, resize, inference, store into a real library) through the product's
// own prediction path (training/predict.ts's predict, on a runner kept open as
// the app keeps one per package), next to pure inference on ready-made input
// tensors with the same runtime, session options and batch size, both after a
// warm-up run. endToEndRatio = end-to-end ÷ pure. A one-shot run as `lumen
// predict` makes it (fresh session, predictSeries) is reported apart (cold).
// Also: what one image costs per stage on one thread, and where the pipeline's
// wall time went.
import * as tf from '@tensorflow/tfjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildEfficientNet, getVariant, isVariantName, VARIANT_NAMES, type VariantName } from '../models';
import { createRunner } from '../models/inference/runner';
import { loadPackage, savePackage } from '../models/package';
import { removeInside } from '../common/node/safe-fs';
import { readRegularFile } from '../common/node/read-file';
import { decodeFrame } from '../electron/dicom/decode';
import { DEFAULT_NORMALISATION } from '../electron/dicom/model-input';
import { parseDicomBuffer } from '../electron/dicom/parse';
import { modelInput, renderDecoded } from '../electron/dicom/pixels';
import { closeDecodePool } from '../electron/dicom/pool';
import { ensureCtSeries } from './library';
import { Library } from '../electron/library/library';
import { predict, predictSeries, type PredictTimings } from '../electron/training/predict';
import { TrainingStore } from '../electron/training/store';
import { PredictionStore } from '../electron/library/predictions';
import { intOption, median, roundTo as round, type BenchSuite } from './suite';
import { randomiseWeights } from './models';
import { CliError, parseCommandArgs, printJson } from '../electron/cli/command';

const DEFAULT_SLICES = 200;
const DEFAULT_BATCH = 16;
const DEFAULT_ROUNDS = 3;
const TARGET_RATIO = 0.75;
/** Images timed stage by stage on one thread (the first ones are V8's warm-up and are skipped). */
const STAGE_SAMPLE = 24;
const PREPROCESSING = { window: { center: 40, width: 400 }, ...DEFAULT_NORMALISATION, resize: 'area' as const };

/** Milliseconds per image of each stage the decode pool's workers run, on this thread, one image at a time. */
async function stageCosts(files: string[], size: number): Promise<Record<'readMs' | 'parseMs' | 'decodeMs' | 'windowMs' | 'resizeMs', number>> {
  const times = { readMs: [] as number[], parseMs: [] as number[], decodeMs: [] as number[], windowMs: [] as number[], resizeMs: [] as number[] };
  const sample = files.slice(0, Math.min(files.length, STAGE_SAMPLE * 2));
  for (let i = 0; i < sample.length; i++) {
    let t = performance.now();
    const bytes = readRegularFile(sample[i], 'dicom');
    const read = performance.now() - t;
    t = performance.now();
    const parsed = parseDicomBuffer(bytes, sample[i]);
    const parse = performance.now() - t;
    t = performance.now();
    const frame = await decodeFrame(parsed, 0);
    const decode = performance.now() - t;
    t = performance.now();
    const img = renderDecoded(parsed, frame, { window: PREPROCESSING.window });
    const window = performance.now() - t;
    t = performance.now();
    modelInput(img, size, PREPROCESSING);
    const resize = performance.now() - t;
    if (i < sample.length - STAGE_SAMPLE) continue; // warm-up
    times.readMs.push(read);
    times.parseMs.push(parse);
    times.decodeMs.push(decode);
    times.windowMs.push(window);
    times.resizeMs.push(resize);
  }
  return {
    readMs: round(median(times.readMs), 2),
    parseMs: round(median(times.parseMs), 2),
    decodeMs: round(median(times.decodeMs), 2),
    windowMs: round(median(times.windowMs), 2),
    resizeMs: round(median(times.resizeMs), 2),
  };
}

/**
 * The same package on the runner the product creates (ONNX Runtime, the same session options as
 * predictSeries), fed ready-made NHWC batches: inference alone, with nothing to read or decode.
 */
async function pureInference(packageDir: string, images: number, batch: number, size: number): Promise<{ ms: number; cpuMs: number; device: string }> {
  const runner = await createRunner({ package: await loadPackage(packageDir) }, { runtime: 'onnxruntime', cam: false, spinning: false });
  try {
    const full = Float32Array.from({ length: batch * size * size * 3 }, (_, i) => Math.sin(i * 12.9898) * 2);
    const rest = images % batch;
    const tail = rest ? full.slice(0, rest * size * size * 3) : undefined;
    // Warm-up: a session's first run of each batch shape sizes ONNX Runtime's memory (the
    // end-to-end side's warm-up run has seen both shapes too).
    await runner.scores(full, batch);
    if (tail) await runner.scores(tail, rest);
    const cpu = process.cpuUsage();
    const t = performance.now();
    for (let done = 0; done + batch <= images; done += batch) await runner.scores(full, batch);
    if (tail) await runner.scores(tail, rest);
    const ms = performance.now() - t;
    return { ms, cpuMs: cpuMs(cpu), device: runner.device };
  } finally {
    await runner.dispose();
  }
}

/** CPU time of this process (every thread: decode workers, ONNX Runtime's pool) since `from`, ms. */
function cpuMs(from: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / 1000;
}

export interface PredictBenchReport {
  series: { slices: number; rows: number; columns: number; bitsAllocated: number; transferSyntax: string; folder: string };
  model: { variant: string; inputSize: number; classes: number; runtime: string; provider: string; batch: number; threads: number };
  endToEnd: {
    images: number;
    seconds: number;
    imagesPerSecond: number;
    /** Where the pipeline's wall time went, per image (ms): waiting for decoded input, in the runtime, storing. */
    perImageMs: { waitForInput: number; inference: number; deliver: number; store: number; total: number };
    /** Loading the package and creating the session, once (not in imagesPerSecond: the runner stays open, as in the app). */
    openSeconds: number;
    /** Image scores the library holds for the model afterwards (read back from SQLite). */
    storedImagePredictions: number;
    secondsPerRound: number[];
    /** CPU time of the whole process (all threads) per round, median (the open runner's rounds only). */
    cpuSecondsMedian: number;
  };
  pureInference: { images: number; seconds: number; imagesPerSecond: number; secondsPerRound: number[]; cpuSecondsMedian: number };
  endToEndRatio: number;
  /**
   * A one-shot run as \`lumen predict\` makes it: a fresh package and session, scored once.
   * imagesPerSecond and ratio leave out opening (openSeconds) but include the fresh session's
   * slow first batches.
   */
  cold: { seconds: number; openSeconds: number; imagesPerSecond: number; ratio: number };
  /**
   * Pure ÷ end-to-end in CPU time rather than wall time: what the ratio would be if the cores
   * were this process's alone (a figure for loaded machines, where wall time measures the others too).
   */
  endToEndCpuRatio: number;
  target: number;
  /** Per image on one thread, median (ms): what the decode pool's workers do for each image. */
  stageCostsOneThread: Record<string, number>;
  rounds: number;
  machine: { cpus: number; cpuModel: string; node: string; loadAverage1m: number };
}

export const suite: BenchSuite = {
  summary: 'A generated 512x512 CT series scored from file to stored score (images/s) through the product\'s prediction path, next to pure inference with the same runtime and batch; endToEndRatio and where the time goes.',
  usage: `lumen bench predict [--slices N (default ${DEFAULT_SLICES})] [--batch N (default ${DEFAULT_BATCH})] [--variant b0] [--rounds N (default ${DEFAULT_ROUNDS})] [--json]`,
  async run(argv) {
    const { values } = parseCommandArgs(argv, { json: { type: 'boolean' }, slices: { type: 'string' }, batch: { type: 'string' }, variant: { type: 'string' }, rounds: { type: 'string' } });
    const slices = intOption(values.slices, DEFAULT_SLICES, 'slices', 1, 5000);
    const batch = intOption(values.batch, DEFAULT_BATCH, 'batch', 1, 256);
    const rounds = intOption(values.rounds, DEFAULT_ROUNDS, 'rounds', 1, 20);
    const variant = (values.variant ?? 'b0') as VariantName;
    if (!isVariantName(variant)) throw new CliError(`unknown variant "${variant}"; known: ${VARIANT_NAMES.join(', ')}`, 2);
    const say = (line: string) => (values.json ? process.stderr : process.stdout).write(line + '\n');

    say(`Preparing a ${slices}-slice 512x512 CT series, a library and a ${variant} package…`);
    const folder = ensureCtSeries(slices);
    const files = fs.readdirSync(folder).sort().map((f) => path.join(folder, f));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-bench-predict-'));
    const library = Library.open(path.join(tmp, 'library'));
    try {
      const imported = await library.importPaths([folder]);
      if (imported.imported !== files.length) {
        throw new CliError(`the benchmark series did not import cleanly (${imported.imported} of ${files.length}). Delete ${folder} and run again.`);
      }
      const size = getVariant(variant).resolution;
      await tf.setBackend('cpu');
      const model = buildEfficientNet(variant, { classes: 2, init: 'zeros' });
      randomiseWeights(model);
      const packageDir = path.join(tmp, 'package');
      await savePackage(packageDir, model, { name: `bench ${variant}`, variant, inputSize: size, preprocessing: PREPROCESSING, classNames: ['normal', 'finding'], task: 'multiclass' });
      model.dispose();

      say('Timing each stage of one image on one thread…');
      const stages = await stageCosts(files, size);

      const e2e: { ms: number; cpuMs: number; timings: PredictTimings }[] = [];
      let modelHash = '';
      const pure: { ms: number; cpuMs: number; device: string }[] = [];
      // Cold: what `lumen predict` does once per process (open the package and a session, score,
      // store). A fresh session's first two batches run 2-4 times slower than later ones (ONNX
      // Runtime sizing its memory), which a one-shot run pays once; it is reported apart.
      const coldTimings: PredictTimings = { waitForInputMs: 0, inferenceMs: 0, deliverMs: 0, batches: 0, openMs: 0, storeMs: 0 };
      let t0 = performance.now();
      await predictSeries({ library, packageDir, batchSize: batch, timings: coldTimings });
      const cold = { ms: performance.now() - t0, openMs: coldTimings.openMs };
      // Warm: the app keeps one runner per package open (electron/engine/handlers/models.ts), so
      // every Run after the first scores on a warm session, as pure inference does after its
      // warm-up run. The same session options as predictSeries (no CAM, no spinning).
      t0 = performance.now();
      const pkg = await loadPackage(packageDir);
      const runner = await createRunner({ package: pkg }, { runtime: 'onnxruntime', cam: false, spinning: false });
      const openMs = performance.now() - t0;
      const trainingStore = new TrainingStore(library);
      const images = trainingStore.images();
      trainingStore.close();
      try {
        // The warm-up run, untimed (pure inference has its own).
        await predict({ library, runner, pkg, images, batchSize: batch });
        for (let r = 0; r < rounds; r++) {
          // Interleaved, so that load from other processes hits both alike.
          const timings: PredictTimings = { waitForInputMs: 0, inferenceMs: 0, deliverMs: 0, batches: 0, openMs: 0, storeMs: 0 };
          const t = performance.now();
          const cpu = process.cpuUsage();
          const result = await predict({ library, runner, pkg, images, batchSize: batch, timings });
          const ms = performance.now() - t;
          const cpuSpent = cpuMs(cpu);
          if (result.images.length !== slices) throw new CliError(`predicted ${result.images.length} images, expected ${slices}`);
          modelHash = result.modelHash;
          e2e.push({ ms, cpuMs: cpuSpent, timings });
          pure.push(await pureInference(packageDir, slices, batch, size));
          say(`  round ${r + 1}: end to end ${round((slices * 1000) / ms)} images/s, pure inference ${round((slices * 1000) / pure[r].ms)} images/s`);
        }
      } finally {
        await runner.dispose();
      }
      const stored = new PredictionStore(library.dir);
      const storedImages = stored.count(modelHash, 'image');
      stored.close();
      const best = e2e.reduce((a, b) => (b.ms < a.ms ? b : a));
      const bestPure = Math.min(...pure.map((p) => p.ms));
      const cpuE2e = median(e2e.map((x) => x.cpuMs));
      const cpuPure = median(pure.map((x) => x.cpuMs));
      const per = (ms: number) => round(ms / slices, 2);
      const cpus = os.cpus();
      const report: PredictBenchReport = {
        series: { slices, rows: 512, columns: 512, bitsAllocated: 16, transferSyntax: 'explicit VR little endian', folder },
        model: { variant, inputSize: size, classes: 2, runtime: 'onnxruntime', provider: pure[0].device, batch, threads: os.availableParallelism() },
        endToEnd: {
          images: slices,
          seconds: round(best.ms / 1000, 3),
          imagesPerSecond: round((slices * 1000) / best.ms),
          perImageMs: {
            waitForInput: per(best.timings.waitForInputMs),
            inference: per(best.timings.inferenceMs),
            deliver: per(best.timings.deliverMs),
            store: per(best.timings.storeMs),
            total: per(best.ms),
          },
          openSeconds: round(openMs / 1000, 3),
          storedImagePredictions: storedImages,
          secondsPerRound: e2e.map((x) => round(x.ms / 1000, 3)),
          cpuSecondsMedian: round(cpuE2e / 1000, 3),
        },
        pureInference: {
          images: slices,
          seconds: round(bestPure / 1000, 3),
          imagesPerSecond: round((slices * 1000) / bestPure),
          secondsPerRound: pure.map((x) => round(x.ms / 1000, 3)),
          cpuSecondsMedian: round(cpuPure / 1000, 3),
        },
        endToEndRatio: round(bestPure / best.ms, 3),
        cold: {
          seconds: round(cold.ms / 1000, 3),
          openSeconds: round(cold.openMs / 1000, 3),
          imagesPerSecond: round((slices * 1000) / (cold.ms - cold.openMs)),
          ratio: round(bestPure / (cold.ms - cold.openMs), 3),
        },
        endToEndCpuRatio: round(cpuPure / cpuE2e, 3),
        target: TARGET_RATIO,
        stageCostsOneThread: stages,
        rounds,
        machine: { cpus: cpus.length, cpuModel: cpus[0]?.model ?? 'unknown', node: process.version, loadAverage1m: round(os.loadavg()[0], 2) },
      };
      if (values.json) printJson(report);
      else {
        const p = report.endToEnd.perImageMs;
        process.stdout.write(
          [
            `End to end (read, decode, window, resize, ${variant} on ONNX Runtime ${report.model.provider}, store), batch ${batch}, runner kept open as in the app: ${report.endToEnd.imagesPerSecond} images/s`,
            `Pure inference on ready-made tensors, same session options and batch:          ${report.pureInference.imagesPerSecond} images/s`,
            `endToEndRatio: ${report.endToEndRatio} (target ${TARGET_RATIO}); in CPU time: ${report.endToEndCpuRatio}`,
            `One-shot, as lumen predict runs it (fresh session): ${report.cold.imagesPerSecond} images/s after ${report.cold.openSeconds} s opening (ratio ${report.cold.ratio})`,
            `Per image, wall: ${p.inference} ms in the runtime, ${p.waitForInput} ms waiting for decoded input, ${p.store} ms storing, ${p.deliver} ms delivering (total ${p.total} ms)`,
            `Per image on one thread (what the decode pool does): read ${stages.readMs} ms, parse ${stages.parseMs} ms, decode ${stages.decodeMs} ms, window ${stages.windowMs} ms, resize+normalise ${stages.resizeMs} ms`,
            `(best of ${rounds} interleaved rounds; ${cpus.length} × ${report.machine.cpuModel}, Node ${process.version}, load average ${report.machine.loadAverage1m})`,
          ].join('\n') + '\n',
        );
      }
      return 0;
    } finally {
      library.close();
      await closeDecodePool();
      removeInside(os.tmpdir(), tmp);
    }
  },
};
