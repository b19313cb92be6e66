// Decoding on every core: a small pool of worker threads, each with its own
// codec instances. Training, feature extraction and prediction make their model
// inputs on it (modelInputsOnPool, through training/images.ts), and the
// benchmark decodes with it (decodeMany); the viewer, import and thumbnails
// read one file at a time and decode in place.
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Preprocessing } from '../../models/package/metadata';
import type { DecodedFrame } from './decode';
import { DicomFileError, type InstanceMeta } from './parse';

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
  /** Make the frame's model input (training/images.ts) instead of returning the decoded frame. */
  input?: ModelInputSpec;
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

export interface WorkerReply {
  id: number;
  frames?: DecodedFrame[];
  meta?: InstanceMeta;
  /** The model input, for a request with `input`. */
  input?: Float32Array;
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

function workers(n: number): Worker[] {
  while (pool.length < n) {
    const w = new Worker(fileURLToPath(WORKER_URL));
    w.unref();
    pool.push(w);
  }
  return pool.slice(0, n);
}

/** Stops the pool's workers (they are unref'd, so this is only needed to free memory early). */
export async function closeDecodePool(): Promise<void> {
  const all = pool;
  pool = [];
  await Promise.all(all.map((w) => w.terminate()));
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
 * resize, normalise: training/images.ts's loadModelInput in each worker), in
 * the order asked. Rejects with the first bad file's error, as a loop over
 * loadModelInput would.
 */
export async function modelInputsOnPool(frames: { file: string; frame: number }[], spec: ModelInputSpec, opts: { threads?: number } = {}): Promise<Float32Array[]> {
  const out: Float32Array[] = new Array(frames.length);
  // The failure of the earliest frame in the list (replies come in any order).
  let failure: { index: number; error: Error } | undefined;
  await runOnPool(frames.map((f) => ({ file: f.file, frame: f.frame, input: spec })), { threads: opts.threads, keepPixels: true }, (i, reply) => {
    if (reply.input) out[i] = reply.input;
    else if (!failure || i < failure.index) {
      failure = { index: i, error: reply.errorFile !== undefined ? new DicomFileError(reply.errorFile, reply.errorReason ?? '') : new Error(reply.error ?? `${frames[i].file}: no model input came back.`) };
    }
  });
  if (failure) throw failure.error;
  return out;
}

/** Sends the requests to the workers in batches; `onReply` gets each reply (by request index) as it comes. */
function runOnPool(requests: Omit<WorkerRequest, 'id'>[], opts: { threads?: number; keepPixels: boolean }, onReply: (index: number, reply: WorkerReply) => void): Promise<void> {
  if (requests.length === 0) return Promise.resolve();
  const threads = Math.max(1, Math.min(opts.threads ?? availableParallelism(), requests.length));
  const keepPixels = opts.keepPixels;
  let next = 0;
  let done = 0;
  return new Promise((resolve, reject) => {
    const active = workers(threads);
    const cleanups: (() => void)[] = [];
    const finish = (err?: Error) => {
      for (const c of cleanups) c();
      if (err) reject(err);
      else resolve();
    };
    // Files per message: enough to spread a message's fixed cost (a worker's
    // event-loop turn, the structured clone's set-up), few enough that both
    // workers stay busy to the end and progress comes often.
    const batch = Math.max(1, Math.min(BATCH_FILES, Math.floor(requests.length / (threads * 4))));
    const feed = (w: Worker) => {
      if (next >= requests.length) return;
      const batchRequests: WorkerRequest[] = [];
      for (; batchRequests.length < batch && next < requests.length; next++) batchRequests.push({ id: next, ...requests[next] });
      const msg: WorkerBatch = { requests: batchRequests, keepPixels };
      w.postMessage(msg);
    };
    for (const w of active) {
      w.ref();
      const onMessage = ({ replies, last }: WorkerBatchReply) => {
        for (const reply of replies) {
          onReply(reply.id, reply);
          done++;
        }
        if (done === requests.length) finish();
        else if (last) feed(w);
      };
      const onError = (err: Error) => {
        pool = pool.filter((p) => p !== w);
        finish(new Error(`a decode worker failed (${err.message}); run again, and report it if it repeats.`));
      };
      w.on('message', onMessage);
      w.on('error', onError);
      cleanups.push(() => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.unref();
      });
      // Two batches in flight per worker hide the message round trip.
      feed(w);
      feed(w);
    }
  });
}
