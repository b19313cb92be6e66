/**
 * Does the UI stay responsive while a big import runs? The process that
 * serves the UI (the bridge here, the Electron main process in the desktop
 * app: the same EngineHost structure) must keep its event loop free while the
 * engine child reads thousands of files. This runs a bridge and its engine in
 * this process, plays the UI from a WebSocket client in a worker thread (its
 * own event loop, as a browser would be), and measures this process's
 * event-loop delay with perf_hooks while the UI polls, first idle (the
 * baseline), then during an import of a whole folder.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance, type EventLoopUtilization, type IntervalHistogram } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import { removeInside } from '../common/node/safe-fs';
import { EngineHost } from '../electron/engine/host';
import { Library } from '../electron/library/library';
import { startBridge } from '../electron/serve/server';
import { roundTo } from './suite';

export interface DelayStats {
  maxMs: number;
  p99Ms: number;
  meanMs: number;
  samples: number;
}

export interface ImportLoadResult {
  files: number;
  /** Through the bridge and the engine child, as the UI starts it: request to job.finished. */
  import: { seconds: number; filesPerSecond: number; imported: number; instances: number; errors: number };
  /** The same folder imported in this process straight into a fresh library, in the same run: the baseline. */
  directImport: { seconds: number; filesPerSecond: number };
  /** The serving process's event-loop delay: idle with the UI polling (baseline), and during the import. */
  servingEventLoopDelay: { idle: DelayStats; duringImport: DelayStats; p99RatioToIdle: number };
  /**
   * The share of the time the serving loop was running code. A long delay with
   * a low share means the process waited for a CPU (other processes), not for
   * its own work.
   */
  servingEventLoopUtilization: { idle: number; duringImport: number };
  /** Replies to the UI's polls (engine.ping every 50 ms, library.studies about once a second) as the client saw them. */
  uiRoundTrip: { idle: DelayStats; duringImport: DelayStats };
  /** job.progress events that reached the UI during the import. */
  progressEvents: number;
  machine: { cpus: number; cpuModel: string; node: string };
}

export interface ImportLoadOptions {
  /** A folder of DICOM files to import (every file is expected to import). */
  folder: string;
  /** How many files the folder holds. */
  files: number;
  /** How long to measure the idle baseline. */
  idleMs?: number;
  /** The pause between the UI's polls. */
  pollMs?: number;
  /** Where the engine keeps its library; a temporary folder, removed at the end, by default. */
  dataDir?: string;
}

const round = (x: number) => roundTo(x, 2);

/** How often the loop is sampled. The histogram holds the intervals between samples, so a delay is an interval less this. */
const RESOLUTION_MS = 2;

function stats(h: IntervalHistogram): DelayStats {
  const delay = (ns: number) => round(Math.max(0, ns / 1e6 - RESOLUTION_MS));
  return { maxMs: delay(h.max), p99Ms: delay(h.percentile(99)), meanMs: delay(h.mean), samples: h.count };
}

function sampleStats(ms: number[]): DelayStats {
  if (ms.length === 0) return { maxMs: 0, p99Ms: 0, meanMs: 0, samples: 0 };
  const s = [...ms].sort((a, b) => a - b);
  return { maxMs: round(s[s.length - 1]), p99Ms: round(s[Math.min(s.length - 1, Math.ceil(s.length * 0.99) - 1)]), meanMs: round(s.reduce((a, b) => a + b, 0) / s.length), samples: s.length };
}

// The UI: plain JavaScript in a worker thread, so its work is not on the measured loop.
const CLIENT = `
const { parentPort, workerData } = require('node:worker_threads');
const WebSocket = require(workerData.wsModule);
const ws = new WebSocket(workerData.url);
const pending = new Map();
const ended = new Map();
const waiting = new Map();
let nextId = 1;
let progressEvents = 0;
const call = (method, input) => new Promise((resolve) => {
  const id = nextId++;
  pending.set(id, { resolve, sent: performance.now() });
  ws.send(JSON.stringify({ id, method, input }));
});
ws.on('message', (data) => {
  const m = JSON.parse(data.toString());
  if (m.event) {
    if (m.event === 'job.progress') progressEvents++;
    if (m.event === 'job.finished' || m.event === 'job.failed') {
      ended.set(m.payload.jobId, m);
      waiting.get(m.payload.jobId)?.(m);
    }
    return;
  }
  const p = pending.get(m.id);
  if (p) { pending.delete(m.id); p.resolve({ reply: m.reply, ms: performance.now() - p.sent }); }
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
async function poll(samples, until) {
  for (let i = 0; !until(); i++) {
    await sleep(workerData.pollMs);
    // The UI's steady traffic: a cheap request, and about once a second the study list (a
    // search as one types). Each list of a 10,000-file library costs the engine ~25 ms: more
    // often, the client would slow the import it measures.
    const list = i % workerData.listEvery === workerData.listEvery - 1;
    const { reply, ms } = await call(list ? 'library.studies' : 'engine.ping', list ? {} : { echo: 'ui' });
    if (!reply.ok) throw new Error(reply.error.message);
    samples.push(ms);
  }
}
ws.once('open', async () => {
  try {
    await call('engine.ping', { echo: 'start' }); // starts the engine
    await call('library.studies', {});
    const idle = [];
    parentPort.postMessage({ phase: 'idle' });
    const idleEnds = performance.now() + workerData.idleMs;
    await poll(idle, () => performance.now() >= idleEnds);
    parentPort.postMessage({ phase: 'import' });
    const during = [];
    let done = false;
    const polling = poll(during, () => done);
    const started = performance.now();
    const { reply } = await call('library.import', { paths: [workerData.folder] });
    if (!reply.ok) throw new Error(reply.error.message);
    const end = ended.get(reply.value.jobId) ?? await new Promise((r) => waiting.set(reply.value.jobId, r));
    const seconds = (performance.now() - started) / 1000;
    done = true;
    await polling;
    parentPort.postMessage({ phase: 'done' });
    if (end.event !== 'job.finished') throw new Error(end.payload.message);
    parentPort.postMessage({ result: { report: end.payload.result, seconds, idle, during, progressEvents } });
  } catch (err) {
    parentPort.postMessage({ error: String(err && err.message || err) });
  } finally {
    ws.close();
  }
});
ws.once('error', (err) => parentPort.postMessage({ error: 'the UI client could not connect: ' + err.message }));
`;

interface ClientResult {
  report: { imported: number; instances: number; errorCount: number };
  seconds: number;
  idle: number[];
  during: number[];
  progressEvents: number;
}

/** Imports `folder` through a bridge and its engine while measuring this process's event loop (see the module comment). */
export async function measureImportLoad(opts: ImportLoadOptions): Promise<ImportLoadResult> {
  const idleMs = opts.idleMs ?? 2000;
  const pollMs = opts.pollMs ?? 50;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-import-load-'));
  try {
    // Baseline: the same files straight into a library in this process.
    const direct = Library.open(path.join(work, 'direct'));
    let directSeconds: number;
    try {
      const t = performance.now();
      const report = await direct.importPaths([opts.folder]);
      directSeconds = (performance.now() - t) / 1000;
      if (report.imported !== opts.files) throw new Error(`the benchmark folder did not import cleanly (${report.imported} of ${opts.files}). Delete ${opts.folder} and run again.`);
    } finally {
      direct.close();
    }

    // The client loads no page: an empty one stands in for the built renderer.
    const staticDir = path.join(work, 'page');
    fs.mkdirSync(staticDir);
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html>\n');
    const host = new EngineHost({ dataDir: opts.dataDir ?? path.join(work, 'data'), shell: 'browser', backend: 'cpu' });
    const bridge = await startBridge({ host, staticDir });
    const idle = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    const duringImport = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
    const utilization: Partial<Record<'idle' | 'import' | 'done', EventLoopUtilization>> = {};
    try {
      const client = new Worker(CLIENT, {
        eval: true,
        workerData: {
          url: `ws://127.0.0.1:${bridge.port}/rpc?token=${bridge.token}`,
          wsModule: createRequire(import.meta.url).resolve('ws'),
          folder: opts.folder,
          idleMs,
          pollMs,
          listEvery: Math.max(1, Math.round(1000 / pollMs)),
        },
      });
      const result = await new Promise<ClientResult>((resolve, reject) => {
        client.on('message', (m: { phase?: 'idle' | 'import' | 'done'; result?: ClientResult; error?: string }) => {
          if (m.phase) utilization[m.phase] = performance.eventLoopUtilization();
          if (m.phase === 'idle') idle.enable();
          if (m.phase === 'import') {
            idle.disable();
            duringImport.enable();
          }
          if (m.phase === 'done') duringImport.disable();
          if (m.error) reject(new Error(m.error));
          if (m.result) resolve(m.result);
        });
        client.once('error', reject);
        client.once('exit', (code) => reject(new Error(`the UI client stopped (exit code ${code})`)));
      });
      await client.terminate();
      const idleDelay = stats(idle);
      const importDelay = stats(duringImport);
      const cpu = os.cpus();
      return {
        files: opts.files,
        import: {
          seconds: round(result.seconds),
          filesPerSecond: Math.round(opts.files / result.seconds),
          imported: result.report.imported,
          instances: result.report.instances,
          errors: result.report.errorCount,
        },
        directImport: { seconds: round(directSeconds), filesPerSecond: Math.round(opts.files / directSeconds) },
        servingEventLoopDelay: { idle: idleDelay, duringImport: importDelay, p99RatioToIdle: round(importDelay.p99Ms / Math.max(idleDelay.p99Ms, 0.01)) },
        servingEventLoopUtilization: {
          idle: round(performance.eventLoopUtilization(utilization.import!, utilization.idle!).utilization),
          duringImport: round(performance.eventLoopUtilization(utilization.done!, utilization.import!).utilization),
        },
        uiRoundTrip: { idle: sampleStats(result.idle), duringImport: sampleStats(result.during) },
        progressEvents: result.progressEvents,
        machine: { cpus: cpu.length, cpuModel: cpu[0]?.model ?? 'unknown', node: process.version },
      };
    } finally {
      idle.disable();
      duringImport.disable();
      await bridge.close();
      await host.close();
    }
  } finally {
    removeInside(os.tmpdir(), work);
  }
}
