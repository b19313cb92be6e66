// Decoding on every core: a small pool of worker threads, each with its own
// codec instances. Training, feature extraction and prediction make their model
// inputs on it (modelInputsOnPool, through model-input.ts), and the
// benchmark decodes with it (decodeMany); the viewer's frames are made on workers of
// their own (viewerFrameOnPool), so they never queue behind a training run's batches;
// import and thumbnails read one file at a time and decode in place.
import { appendFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { threadId, Worker } from 'node:worker_threads';
import { unpackedPath } from '../../common/node/packed-path';
import type { ViewerFrame } from '../../common/contract/library';
import type { Preprocessing } from '../../models/package/metadata';
import type { DecodedFrame } from './decode';
import { DicomFileError, type InstanceMeta } from './parse';
import { codecsToHand, type CodecName, type HandedCodec } from './wasm-codec';
import { errorMessage, Withdrawn } from '../../common/errors';

export interface DecodeRequest {
  file: string;
  /** Frame index from 0, or 'all' (default). */
  frame?: number | 'all';
}

export interface DecodeResult {
  file: string;
  /** The decoded frames (empty pixels when keepPixels is false). */
  frames?: DecodedFrame[];
  meta?: InstanceMeta;
  /** The reason, as "<file>: <what happened>. <what to do>", when the file could not be decoded. */
  error?: string;
}

export interface WorkerRequest {
  id: number;
  file: string;
  frame: number | 'all';
  /** Make the frame's model input (model-input.ts) instead of returning the decoded frame. */
  input?: ModelInputSpec;
  /** Make the frame as the viewer shows it (viewer-frame.ts). */
  viewer?: true;
}

export interface ModelInputSpec {
  preprocessing: Preprocessing;
  /** The model's input size: the result is NHWC float32 [size, size, 3]. */
  size: number;
}

/** One message to a worker: several files, answered with WorkerBatchReply messages. */
export interface WorkerBatch {
  requests: WorkerRequest[];
  keepPixels: boolean;
}

/** Replies to a batch: one message, or several when the pixels are large; `last` ends the batch. */
export interface WorkerBatchReply {
  replies: WorkerReply[];
  last: boolean;
}

/** Which path a thread's frames take, and so which one its warm-up goes through (warm-up.ts). */
export type WarmUpPath = 'viewer' | 'model-input';

/** What a decode worker is started with. */
export interface DecodeWorkerData {
  /** Warm the codecs as the thread starts, through this path (warm-up.ts); false: no warm-up. */
  warmUp: WarmUpPath | false;
  /** The thread gets its codec modules from this one (a WorkerCodecs message, its first), compiled once for the process. */
  codecsHanded: boolean;
  /** Shared by the threads that warm up one at a time (warm-up.ts's oneAtATime): the pool's. */
  warmUpTurn?: Int32Array;
}

/** The codec modules compiled once in this process, handed to a worker (it only instantiates them). */
export interface WorkerCodecs {
  codecs: Partial<Record<CodecName, HandedCodec>>;
}

/** A decode thread's word on its warm-up (warm-up.ts): one per codec, as it finishes. */
export interface WorkerWarmUpReport {
  warmed: { codec: string; ok: boolean; why?: string };
}

export interface WorkerReply {
  id: number;
  frames?: DecodedFrame[];
  meta?: InstanceMeta;
  /** The model input, for a request with `input`. */
  input?: Float32Array;
  /** The viewer's frame, for a request with `viewer`; its pixels own their buffer (transferred). */
  viewer?: ViewerFrame;
  error?: string;
  /** For a file Lumen cannot use: the file and the reason (DicomFileError's fields), so the caller can throw it again. */
  errorFile?: string;
  errorReason?: string;
}

export interface DecodeManyOptions {
  /** Worker threads; default: the number of cores. */
  threads?: number;
  /** Return the pixels (default true); false for counting throughput only. */
  keepPixels?: boolean;
  /** Called as each file finishes, in completion order. */
  onResult?: (index: number, result: DecodeResult) => void;
}

const WORKER_URL = new URL('./decode-worker.mjs', import.meta.url);
const BATCH_FILES = 8;

let pool: Worker[] = [];
/**
 * Workers for the viewer's frames only: a training run or a prediction queues every batch on
 * the pool at once, and a frame behind them would wait until they end. Two, so that a slow
 * frame (a large JPEG 2000) does not hold up the next one.
 */
const VIEWER_THREADS = 2;
let viewerPool: Worker[] = [];

/**
 * One caller's use of the pool (a decodeMany or modelInputsOnPool call). Several
 * may run at once on the same workers (two training runs, two browser tabs):
 * each request carries an id unique to the process, and replies are routed to
 * the job that sent it by that id, never by position.
 */
interface PoolJob {
  /** A reply to the job's request number `index`. */
  reply(index: number, reply: WorkerReply): void;
  /** One of the job's batches on this worker is fully answered. */
  batchDone(w: Worker): void;
  /** The job cannot finish (its worker died): reject it. */
  fail(err: Error): void;
}

interface PendingRequest {
  job: PoolJob;
  index: number;
  worker: Worker;
  file: string;
}

let nextRequestId = 1;
const pending = new Map<number, PendingRequest>();
/** Batches sent to each worker and not yet answered: a worker keeps the process alive only while it has some. */
const batchesInFlight = new Map<Worker, number>();
/** How each worker is stopped and its jobs failed, with the reason. */
const stoppers = new Map<Worker, (why: string) => void>();

/**
 * A worker silent this long with work in hand is taken for stuck (a decoder
 * looping on a crafted file): it is stopped, its jobs fail, and a fresh one
 * takes its place. Generous: one message answers a batch of up to 8 files.
 */
let stallLimitMs = 5 * 60_000;
const stallTimers = new Map<Worker, NodeJS.Timeout>();

/** Sets how long a busy worker may stay silent (tests use a tiny limit); returns the previous limit. */
export function setDecodeStallLimit(ms: number): number {
  const previous = stallLimitMs;
  stallLimitMs = ms;
  return previous;
}

/** (Re)starts the worker's stall timer while it has batches in hand; stops it when it has none. */
function watchForStall(w: Worker): void {
  clearTimeout(stallTimers.get(w));
  stallTimers.delete(w);
  if (!((batchesInFlight.get(w) ?? 0) > 0)) return;
  const timer = setTimeout(() => {
    stoppers.get(w)?.(`it gave no answer for ${stallLimitMs / 1000} s`);
    void w.terminate();
  }, stallLimitMs);
  timer.unref();
  stallTimers.set(w, timer);
}

/** Each warming worker's warm-up so far (warm-up.ts): the codecs it warmed, in order. */
const warmUps = new Map<Worker, WorkerWarmUpReport['warmed'][]>();

/**
 * Whether workers get the codec modules compiled once in this process (wasm-codec.ts's
 * codecModule) instead of compiling their own; LUMEN_SHARE_CODECS=0 turns that off (to measure
 * what it saves: `lumen bench decode-start`).
 */
const shareCodecs = () => process.env.LUMEN_SHARE_CODECS !== '0';

/** Posts the compiled codec modules to a worker started with `codecsHanded` (its first batch waits for them). */
function handCodecs(w: Worker): void {
  const post = (codecs: WorkerCodecs['codecs']) => {
    try {
      w.postMessage({ codecs } satisfies WorkerCodecs);
    } catch {
      // A runtime that cannot post a compiled module: the worker compiles its own.
      w.postMessage({ codecs: {} } satisfies WorkerCodecs);
    }
  };
  void codecsToHand().then(post, () => post({}));
}

/**
 * The pool's threads warm up one at a time (warm-up.ts): on two cores, two threads warming at
 * once beside a prediction opening its model's session on the calling thread took twice as
 * long to open it. The viewer's two threads warm up together, as the engine starts.
 */
const poolWarmUpTurn = new Int32Array(new SharedArrayBuffer(4));

/** What a thread writes in a warm-up turn cell while it holds it (never 0, which is free). */
export const warmUpHolder = (thread = threadId) => thread + 1;

function startWorker(opts: { warmUp?: WarmUpPath; warmUpTurn?: Int32Array } = {}): Worker {
  const workerData: DecodeWorkerData = { warmUp: opts.warmUp ?? false, codecsHanded: shareCodecs(), warmUpTurn: opts.warmUpTurn };
  const w = new Worker(unpackedPath(fileURLToPath(WORKER_URL)), { workerData });
  const holder = warmUpHolder(w.threadId);
  if (workerData.codecsHanded) handCodecs(w);
  w.unref();
  batchesInFlight.set(w, 0);
  if (opts.warmUp) warmUps.set(w, []);
  w.on('message', (msg: WorkerBatchReply | WorkerWarmUpReport) => {
    if ('warmed' in msg) {
      warmUps.get(w)?.push(msg.warmed);
      return;
    }
    const { replies, last } = msg;
    // A batch holds one job's requests; replies of a job that already failed are dropped.
    let job: PoolJob | undefined;
    for (const reply of replies) {
      const p = pending.get(reply.id);
      if (!p) continue;
      pending.delete(reply.id);
      job = p.job;
      job.reply(p.index, reply);
    }
    if (last) {
      const left = (batchesInFlight.get(w) ?? 1) - 1;
      batchesInFlight.set(w, left);
      if (left === 0) w.unref();
    }
    watchForStall(w);
    if (last) job?.batchDone(w);
  });
  // A worker that crashes (an uncaught error, out of memory) or exits takes its
  // unanswered requests with it: their jobs fail with the first such file named, and
  // the worker leaves the pool, so the next job gets a fresh one in its place.
  const lost = (why: string) => {
    // A thread stopped in the middle of a warm-up step leaves the turn to the others.
    if (opts.warmUpTurn) Atomics.compareExchange(opts.warmUpTurn, 0, holder, 0);
    if (!batchesInFlight.has(w)) return;
    batchesInFlight.delete(w);
    warmUps.delete(w);
    stoppers.delete(w);
    clearTimeout(stallTimers.get(w));
    stallTimers.delete(w);
    pool = pool.filter((p) => p !== w);
    viewerPool = viewerPool.filter((p) => p !== w);
    const failed = new Map<PoolJob, string>();
    for (const [id, p] of pending) {
      if (p.worker !== w) continue;
      pending.delete(id);
      if (!failed.has(p.job)) failed.set(p.job, p.file);
    }
    for (const [job, file] of failed) {
      job.fail(new Error(`a decode worker stopped before it answered (${why}), while decoding ${file} or a file sent with it; the other files of this job were not finished. Run it again, and report it if it repeats.`));
    }
  };
  w.on('error', (err: Error & { code?: string }) => lost(err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'it ran out of memory' : 'it failed with an internal error'));
  w.on('exit', (code) => lost(`it exited with code ${code}`));
  stoppers.set(w, lost);
  return w;
}

/**
 * Whether the pool's threads warm up as they start (warm-up.ts): yes where the process lives on
 * (the app's engine, `lumen serve`), so later jobs find them warm; a one-shot command (`lumen
 * predict`, `eval`, `compare`, `suggest`, `train`) says no, as it ends with its one job: the
 * warm-up there only took CPU from that job (measured in README.md, "Measured figures: where and how").
 */
let poolWarmUp = true;

/** Whether pool threads started from now on warm up (see poolWarmUp); LUMEN_POOL_WARM_UP=0 or 1 overrides it either way. */
export function warmDecodePool(on: boolean): void {
  poolWarmUp = on;
}

function workers(n: number): Worker[] {
  // Each warms its codecs through the model-input path as it starts (warm-up.ts), between
  // batches, unless the process said otherwise; LUMEN_POOL_WARM_UP=0 or 1 decides instead
  // (to measure what it saves or costs).
  const forced = process.env.LUMEN_POOL_WARM_UP;
  const warmUp = (forced === '0' || forced === '1' ? forced === '1' : poolWarmUp) ? 'model-input' : undefined;
  while (pool.length < n) pool.push(startWorker({ warmUp, warmUpTurn: poolWarmUpTurn }));
  return pool.slice(0, n);
}

/**
 * Starts the pool's workers now, without work: a caller about to spend a while on something
 * else (opening a model's session) lets them load their code meanwhile, so its first batch
 * does not wait for their start. Unref'd like the rest: they keep nothing alive.
 */
export function startDecodePool(threads = availableParallelism()): void {
  workers(Math.max(1, threads));
}

/** Stops the pool's workers (they are unref'd, so this is only needed to free memory early). */
export async function closeDecodePool(): Promise<void> {
  const all = [...pool, ...viewerPool];
  pool = [];
  viewerPool = [];
  await Promise.all(all.map((w) => w.terminate()));
}

/** The pool's live workers (tests stop one mid-job). */
export function decodePoolWorkers(): readonly Worker[] {
  return pool.slice();
}

/** Requests posted to the workers and not yet answered, over every job (what a test checks the dispatch by). */
export function requestsInFlight(): number {
  return pending.size;
}

/**
 * Decodes many files on all cores. Never rejects for a bad file: its result
 * carries the error instead, so one bad file never stops the others.
 */
export async function decodeMany(requests: DecodeRequest[], opts: DecodeManyOptions = {}): Promise<DecodeResult[]> {
  const keepPixels = opts.keepPixels ?? true;
  const results: DecodeResult[] = new Array(requests.length);
  await runOnPool(
    requests.map((r) => ({ file: r.file, frame: r.frame ?? 'all' })),
    { threads: opts.threads, keepPixels },
    (i, reply) => {
      const result: DecodeResult = { file: requests[i].file, frames: reply.frames, meta: reply.meta, error: reply.error };
      results[i] = result;
      opts.onResult?.(i, result);
    },
  );
  return results;
}

/**
 * The model inputs of many frames, made on all cores (read, decode, window,
 * resize, normalise: model-input.ts's loadModelInput in each worker), in
 * the order asked. Rejects with the first bad file's error, as a loop over
 * loadModelInput would.
 */
export async function modelInputsOnPool(frames: { file: string; frame: number }[], spec: ModelInputSpec, opts: { threads?: number } = {}): Promise<Float32Array[]> {
  const out: Float32Array[] = new Array(frames.length);
  // The failure of the earliest frame in the list (replies come in any order).
  let failure: { index: number; error: Error } | undefined;
  // Every message is posted at once: a prediction run's main thread then blocks in ONNX
  // Runtime's synchronous run while the workers decode the next batch, and a worker that had
  // to wait for the main thread to feed it would sit idle until that run ends.
  await runOnPool(frames.map((f) => ({ file: f.file, frame: f.frame, input: spec })), { threads: opts.threads, keepPixels: true, queueAll: true }, (i, reply) => {
    if (reply.input) out[i] = reply.input;
    else if (!failure || i < failure.index) {
      failure = { index: i, error: reply.errorFile !== undefined ? new DicomFileError(reply.errorFile, reply.errorReason ?? '') : new Error(reply.error ?? `${frames[i].file}: no model input came back.`) };
    }
  });
  if (failure) throw failure.error;
  return out;
}

/**
 * Starts the viewer's workers now, without work: a thread's start (loading the decoder's code)
 * would otherwise fall on the first frame a user opens. Unref'd: they keep nothing alive.
 */
export function startViewerFrameWorkers(): void {
  // Each warms its codecs as it starts (warm-up.ts), between requests; LUMEN_VIEWER_WARM_UP=0
  // turns that off (to measure what it saves).
  const warmUp = process.env.LUMEN_VIEWER_WARM_UP !== '0' ? 'viewer' : undefined;
  while (viewerPool.length < VIEWER_THREADS) viewerPool.push(startWorker({ warmUp }));
}

/** Each viewer worker's warm-up so far: the codecs it warmed, in order (tests and `lumen bench viewer`). */
export function viewerWarmUps(): WorkerWarmUpReport['warmed'][][] {
  return viewerPool.map((w) => [...(warmUps.get(w) ?? [])]);
}

/** Whether each pool worker was started to warm up (warmDecodePool): tests check what a command chose. */
export function decodePoolWarming(): boolean[] {
  return pool.map((w) => warmUps.has(w));
}

/** Each pool worker's warm-up so far (training, feature extraction, prediction): the codecs it warmed, in order. */
export function decodePoolWarmUps(): WorkerWarmUpReport['warmed'][][] {
  return pool.map((w) => [...(warmUps.get(w) ?? [])]);
}

let lastViewerWorker: Worker | undefined;

/**
 * The viewer's worker with the fewest batches in hand; between idle ones, not the one used last,
 * so frames asked one at a time go to both in turn. All of them start with the engine.
 */
function viewerWorker(): Worker {
  startViewerFrameWorkers();
  const load = (w: Worker) => (batchesInFlight.get(w) ?? 0) + (w === lastViewerWorker ? 0.5 : 0);
  lastViewerWorker = viewerPool.reduce((a, b) => (load(b) < load(a) ? b : a));
  return lastViewerWorker;
}

/** Thrown by viewerFrameOnPool for a frame whose caller withdrew it (its signal aborted): nobody wants it any more. */
export class FrameWithdrawn extends Withdrawn {
  constructor() {
    super('The viewer no longer wants this frame (it was scrolled past), so it was not decoded or not sent.');
    this.name = 'FrameWithdrawn';
  }
}

/**
 * Viewer frames waiting for a viewer worker, oldest first. A worker gets one frame at a time, so
 * the queue stays here, where a frame the page withdrew (scrolled past) leaves it before it is
 * decoded; posted to a worker, it could no longer be taken back.
 */
const viewerWaiting: { start: () => void; signal?: AbortSignal }[] = [];
let viewerRunning = 0;
/** Viewer frames dropped from the queue unstarted, since the engine started (tests count by it). */
let viewerDropped = 0;

/** Tests only: a line per viewer frame started on a worker (decode-worker.ts) and per frame dropped unstarted. */
function testLog(line: string): void {
  const log = process.env.LUMEN_TEST_VIEWER_LOG;
  if (log) appendFileSync(log, `${line}\n`);
}

/** Resolves when a viewer worker is free for this frame; rejects with FrameWithdrawn if the signal aborts first. */
function viewerTurn(file: string, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(new FrameWithdrawn());
  if (viewerRunning < VIEWER_THREADS) {
    viewerRunning++;
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const waiter = {
      signal,
      start: () => {
        signal?.removeEventListener('abort', withdraw);
        viewerRunning++;
        resolve();
      },
    };
    const withdraw = () => {
      const at = viewerWaiting.indexOf(waiter);
      if (at < 0) return;
      viewerWaiting.splice(at, 1);
      viewerDropped++;
      testLog(`dropped ${file}`);
      reject(new FrameWithdrawn());
    };
    signal?.addEventListener('abort', withdraw, { once: true });
    viewerWaiting.push(waiter);
  });
}

/** A viewer worker is free again: the oldest frame still wanted takes it. */
function viewerTurnDone(): void {
  viewerRunning--;
  viewerWaiting.shift()?.start();
}

/** Viewer frames queued and running now, and dropped unstarted so far (tests and `lumen bench viewer`). */
export function viewerQueueStats(): { waiting: number; running: number; dropped: number } {
  return { waiting: viewerWaiting.length, running: viewerRunning, dropped: viewerDropped };
}

/**
 * One frame as the viewer shows it (viewer-frame.ts), read and decoded on one of the viewer's
 * workers: the caller's thread stays free for other requests while a slow frame decodes.
 * Rejects with the file's DicomFileError, as a decode on this thread would. With `signal`, the
 * caller can withdraw it: queued, it is dropped before it decodes; decoding, it finishes there
 * but its pixels are not returned (FrameWithdrawn either way).
 */
export async function viewerFrameOnPool(file: string, frame: number, signal?: AbortSignal): Promise<ViewerFrame> {
  await viewerTurn(file, signal);
  let reply: WorkerReply | undefined;
  try {
    await runOnPool([{ file, frame, viewer: true }], { keepPixels: true, viewer: true }, (_, r) => {
      reply = r;
    });
  } finally {
    viewerTurnDone();
  }
  if (signal?.aborted) throw new FrameWithdrawn();
  if (reply?.viewer) return reply.viewer;
  if (reply?.errorFile !== undefined) throw new DicomFileError(reply.errorFile, reply.errorReason ?? '');
  throw new Error(reply?.error ?? `${file}: the decode pool sent no frame back. Try again; report it if it repeats.`);
}

/** Sends the requests to the workers in batches; `onReply` gets each reply (by request index) as it comes. */
function runOnPool(requests: Omit<WorkerRequest, 'id'>[], opts: { threads?: number; keepPixels: boolean; queueAll?: boolean; viewer?: boolean }, onReply: (index: number, reply: WorkerReply) => void): Promise<void> {
  if (requests.length === 0) return Promise.resolve();
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), requests.length));
  const keepPixels = opts.keepPixels;
  // Files per message: enough to spread a message's fixed cost (a worker's
  // event-loop turn, the structured clone's set-up), few enough that both
  // workers stay busy to the end and progress comes often.
  const batch = Math.max(1, Math.min(BATCH_FILES, Math.floor(requests.length / (threads * 4))));
  let next = 0;
  let done = 0;
  let settled = false;
  return new Promise((resolve, reject) => {
    const job: PoolJob = {
      reply(index, reply) {
        if (settled) return;
        try {
          onReply(index, reply);
        } catch (err) {
          // A caller's callback that throws fails its own job, not the process (it runs in the worker's listener).
          job.fail(err instanceof Error ? err : new Error(errorMessage(err)));
          return;
        }
        if (++done === requests.length) {
          settled = true;
          resolve();
        }
      },
      batchDone(w) {
        if (!settled) feed(w);
      },
      fail(err) {
        if (settled) return;
        settled = true;
        // Replies still on their way from the other workers are dropped.
        for (const [id, p] of pending) if (p.job === job) pending.delete(id);
        reject(err);
      },
    };
    const feed = (w: Worker) => {
      if (next >= requests.length) return;
      const batchRequests: WorkerRequest[] = [];
      for (; batchRequests.length < batch && next < requests.length; next++) {
        const id = nextRequestId++;
        pending.set(id, { job, index: next, worker: w, file: requests[next].file });
        batchRequests.push({ id, ...requests[next] });
      }
      const msg: WorkerBatch = { requests: batchRequests, keepPixels };
      const before = batchesInFlight.get(w) ?? 0;
      batchesInFlight.set(w, before + 1);
      if (before === 0) watchForStall(w);
      w.ref();
      w.postMessage(msg);
    };
    // Two batches in flight per worker hide the message round trip. queueAll: every batch is
    // queued now, round-robin, so the workers never wait for this thread to feed them.
    const ws = opts.viewer ? [viewerWorker()] : workers(threads);
    for (const w of ws) {
      feed(w);
      feed(w);
    }
    if (opts.queueAll) for (let k = 0; next < requests.length; k++) feed(ws[k % ws.length]);
  });
}
