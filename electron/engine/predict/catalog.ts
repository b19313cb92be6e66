// The EfficientNet family as the model panel shows it: counted once from the
// same builder the app runs (then cached in the data folder), plus the latency
// measured on this machine on demand (remembered in <dataDir>/latency.json).
import { existsSync } from 'node:fs';
import { readRegularText } from '../../../common/node/read-file';
import path from 'node:path';
import { ensurePrivateDir, writeFileAtomic } from '../../../common/node/safe-fs';
import type { Recommendation, VariantInfo } from '../../../common/contract/models';
import { APP_VERSION } from '../../../common/version';
import { buildEfficientNet, getVariant, summarizeVariants, VARIANTS, type VariantSummary } from '../../../models';
import { createRunner, runnerLabel, type ModelRunner } from '../../../models/inference/runner';
import { machineSummary } from '../../../models/runtime';

export interface LatencyRecord {
  variant: string;
  ms: number;
  runtime: string;
  machine: string;
  measuredAt: string;
}

let summaries: VariantSummary[] | null = null;

function writeJsonAtomic(file: string, value: unknown): void {
  ensurePrivateDir(path.dirname(file));
  writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}

/** Parameters, MACs and embedding size of every variant (building them all takes a few seconds, so once). */
export function variantSummaries(dataDir: string): VariantSummary[] {
  if (summaries) return summaries;
  const file = path.join(dataDir, 'variant-summary.json');
  try {
    const cached = JSON.parse(readRegularText(file, 'json')) as { version: string; variants: VariantSummary[] };
    if (cached.version === APP_VERSION && cached.variants.length === VARIANTS.length) return (summaries = cached.variants);
  } catch {
    // not cached yet, or unreadable: count again
  }
  summaries = summarizeVariants(VARIANTS);
  try {
    writeJsonAtomic(file, { version: APP_VERSION, variants: summaries });
  } catch {
    // a read-only data folder only costs the recount next time
  }
  return summaries;
}

function machineKey(): string {
  const m = machineSummary();
  return `${m.platform}-${m.arch} ${m.cpus}x ${m.cpuModel}`;
}

function latencyFile(dataDir: string): string {
  return path.join(dataDir, 'latency.json');
}

export function readLatencies(dataDir: string): LatencyRecord[] {
  const file = latencyFile(dataDir);
  if (!existsSync(file)) return [];
  try {
    const all = JSON.parse(readRegularText(file, 'json')) as LatencyRecord[];
    const here = machineKey();
    return Array.isArray(all) ? all.filter((r) => r.machine === here) : [];
  } catch {
    return [];
  }
}

/** Records from before the runner named its runtime in words. */
const LEGACY_RUNTIME: Record<string, string> = { 'onnxruntime cpu': 'ONNX Runtime (cpu)' };

/**
 * Every variant with its latency measured on `runtime` (the runtime Run uses, see
 * runnerLabel): a latency measured on another runtime is not shown as this one's.
 */
export function variantInfos(dataDir: string, runtime?: string): VariantInfo[] {
  const latencies = readLatencies(dataDir)
    .map((r) => ({ ...r, runtime: LEGACY_RUNTIME[r.runtime] ?? r.runtime }))
    .filter((r) => runtime === undefined || r.runtime === runtime);
  return variantSummaries(dataDir).map((s) => {
    const l = latencies.find((r) => r.variant === s.name);
    return { ...s, latencyMs: l?.ms ?? null, latencyRuntime: l?.runtime ?? null, measuredAt: l?.measuredAt ?? null };
  });
}

/**
 * Latency of one variant at its resolution, batch 1, on the runner Run uses
 * (models/inference/runner.ts: ONNX Runtime where available, else TF.js):
 * median of 5 runs after one warm-up. Weights are zeros: the time does not
 * depend on their values.
 */
export async function measureLatency(dataDir: string, variant: string, step: (message: string) => void, checkCancelled: () => void): Promise<LatencyRecord> {
  const spec = getVariant(variant);
  step(`Building ${spec.name} at ${spec.resolution} px`);
  const model = buildEfficientNet(spec, { init: 'zeros' });
  // The TF.js runner runs the model itself: it lives until the runner is disposed.
  try {
    checkCancelled();
    step(`Opening ${await runnerLabel()}`);
    return await timeRunner(dataDir, spec.name, await createRunner({ model, name: spec.name }, { cam: false }), step, checkCancelled);
  } finally {
    model.dispose();
  }
}

async function timeRunner(dataDir: string, variant: string, runner: ModelRunner, step: (message: string) => void, checkCancelled: () => void): Promise<LatencyRecord> {
  try {
    const size = runner.inputSize;
    const input = new Float32Array(size * size * 3);
    await runner.scores(input, 1);
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      checkCancelled();
      step(`Run ${i + 1} of 5`);
      const t0 = performance.now();
      await runner.scores(input, 1);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const record: LatencyRecord = { variant, ms: Math.round(times[2] * 10) / 10, runtime: runner.label, machine: machineKey(), measuredAt: new Date().toISOString() };
    let all: LatencyRecord[] = [];
    try {
      all = JSON.parse(readRegularText(latencyFile(dataDir), 'json')) as LatencyRecord[];
    } catch {
      all = [];
    }
    all = all.filter((r) => !(r.variant === record.variant && r.machine === record.machine));
    all.push(record);
    writeJsonAtomic(latencyFile(dataDir), all);
    return record;
  } finally {
    await runner.dispose();
  }
}

/** What we measured: B0 on ONNX Runtime CPU, 2 cores, 8.7 ms for 0.39 G multiply-adds. */
const DEFAULT_MS_PER_GMAC = 8.7 / 0.39;

/**
 * The variant whose native resolution is nearest the series' matrix (in ratio),
 * so that the image is neither thrown away by downscaling nor blown up; then
 * stepped down while the estimated time per image exceeds the budget.
 * Estimates use measured latencies when there are some, else the B0 figure
 * scaled by multiply-adds.
 */
export function recommend(infos: VariantInfo[], rows: number, columns: number, budgetMs: number): Recommendation {
  const family = infos.filter((v) => v.family === 'efficientnet').sort((a, b) => a.resolution - b.resolution);
  const measured = infos.filter((v) => v.latencyMs !== null);
  const msPerMac = measured.length ? measured.reduce((s, v) => s + v.latencyMs! / v.macs, 0) / measured.length : DEFAULT_MS_PER_GMAC / 1e9;
  const estimate = (v: VariantInfo) => (v.latencyMs !== null ? v.latencyMs : v.macs * msPerMac);
  const matrix = Math.max(rows, columns);
  const ideal = family.reduce((best, v) => (Math.abs(Math.log(v.resolution / matrix)) < Math.abs(Math.log(best.resolution / matrix)) ? v : best), family[0]);
  const fits = (v: VariantInfo) => estimate(v) <= budgetMs;
  let chosen = ideal;
  while (!fits(chosen) && family.indexOf(chosen) > 0) chosen = family[family.indexOf(chosen) - 1];
  const est = (v: VariantInfo) => `${Math.round(estimate(v))} ms${v.latencyMs !== null ? ' measured' : ' estimated'}`;
  let reason: string;
  if (chosen === ideal) {
    reason = `${columns}×${rows} images: ${ideal.name.toUpperCase()} takes ${ideal.resolution} px, the closest native resolution to the ${matrix}-pixel matrix, so little detail is lost to resizing; ${est(ideal)} per image fits the ${budgetMs} ms budget.`;
  } else if (fits(chosen)) {
    reason = `${columns}×${rows} images would suit ${ideal.name.toUpperCase()} (${ideal.resolution} px), but it needs about ${est(ideal)} per image, over the ${budgetMs} ms budget. ${chosen.name.toUpperCase()} (${chosen.resolution} px, ${est(chosen)}) is the largest that fits; it downsamples to ${chosen.resolution} px.`;
  } else {
    reason = `No variant fits ${budgetMs} ms per image on this machine (B0 needs about ${est(chosen)}). ${chosen.name.toUpperCase()} is the fastest; raise the budget or run on a GPU.`;
  }
  return {
    variant: chosen.name,
    reason,
    candidates: infos.map((v) => ({
      name: v.name,
      resolution: v.resolution,
      estimatedMs: Math.round(estimate(v) * 10) / 10,
      fits: fits(v),
      note: v === ideal ? 'closest to the matrix' : v.resolution > matrix * 1.15 ? 'upsamples the image' : v.resolution < matrix / 1.15 ? 'downsamples the image' : 'close to the matrix',
    })),
  };
}
