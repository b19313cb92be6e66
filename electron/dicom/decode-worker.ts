// One decode worker of the pool (pool.ts): reads, parses and decodes the files
// it is sent, and transfers the pixels back without copying.
import { appendFileSync, existsSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { decodeFrame, type DecodedFrame, type PixelArray } from './decode';
import { DicomFileError, parseDicomBuffer } from './parse';
import { parsedModelInput } from './model-input';
import { ReusableFileReader } from './read';
import type { DecodeWorkerData, WorkerBatch, WorkerBatchReply, WorkerCodecs, WorkerReply, WorkerRequest, WorkerWarmUpReport } from './pool';
import { viewerFrameOf } from './viewer-frame';
import { expectHandedCodecs, receiveHandedCodecs } from './wasm-codec';
import { warmUpThread } from './warm-up';
import { errorMessage } from '../../common/errors';

const port = parentPort!;
// One read buffer for the worker's life: no allocation (and page faults) per file.
const reader = new ReusableFileReader();

const data = workerData as DecodeWorkerData | null;

// Batches are handled one after another: the reader's buffer belongs to one file at a
// time, and a codec's first use awaits its module, during which the next message arrives.
// Where pool.ts hands this thread the codec modules it compiled (its first message), the first
// batch waits for them: every decode then instantiates them, none compiles its own.
let queue: Promise<void> = data?.codecsHanded ? expectHandedCodecs() : Promise.resolve();
/** Batches taken in and not yet answered: the warm-up (warm-up.ts) waits while there are any. */
let batchesInHand = 0;
let whenIdle: (() => void)[] = [];
port.on('message', (msg: WorkerBatch | WorkerCodecs) => {
  if ('codecs' in msg) {
    receiveHandedCodecs(msg.codecs);
    return;
  }
  const batch = msg;
  batchesInHand++;
  queue = queue
    .then(() => handleBatch(batch))
    .finally(() => {
      if (--batchesInHand > 0) return;
      const waiting = whenIdle;
      whenIdle = [];
      for (const resolve of waiting) resolve();
    });
});

// A thread that pool.ts starts with `warmUp` warms its codecs now, between requests.
if (data?.warmUp) {
  void warmUpThread(
    {
      busy: () => batchesInHand > 0,
      idle: () => new Promise<void>((resolve) => (batchesInHand > 0 ? whenIdle.push(resolve) : resolve())),
      warmed: (codec, ok, why) => port.postMessage({ warmed: { codec, ok, why } } satisfies WorkerWarmUpReport),
      oneAtATime: data.warmUpTurn,
    },
    data.warmUp,
  );
}

// A batch's replies go in one message, or in several when their pixels pass this
// much: a batch of large multi-frame files is not held in memory whole.
const FLUSH_BYTES = 64 * 1024 * 1024;

/** A batch of files, answered with one message: the per-message cost is paid once for several files. */
async function handleBatch(batch: WorkerBatch): Promise<void> {
  let replies: WorkerReply[] = [];
  let transfer: ArrayBuffer[] = [];
  let bytes = 0;
  for (let i = 0; i < batch.requests.length; i++) {
    const reply = await handle(batch.requests[i], batch.keepPixels);
    replies.push(reply);
    // Transfer only buffers a frame owns whole (never the reader's buffer, nor a view into
    // Node's shared Buffer pool, which must never be detached).
    if (reply.input) {
      transfer.push(reply.input.buffer as ArrayBuffer);
      bytes += reply.input.byteLength;
    }
    if (reply.viewer && reply.viewer.pixels.byteLength > 0) transfer.push(reply.viewer.pixels.buffer as ArrayBuffer);
    for (const f of reply.frames ?? []) {
      const b = f.pixels.buffer as ArrayBuffer;
      if (f.pixels.byteOffset === 0 && f.pixels.byteLength === b.byteLength && f.pixels.byteLength > 0 && !transfer.includes(b)) transfer.push(b);
      bytes += f.pixels.byteLength;
    }
    const last = i === batch.requests.length - 1;
    if (last || bytes >= FLUSH_BYTES) {
      const msg: WorkerBatchReply = { replies, last };
      port.postMessage(msg, transfer);
      replies = [];
      transfer = [];
      bytes = 0;
    }
  }
}

// Tests only: a file of this name makes the worker hang as a decoder stuck on a crafted file
// would, so that the pool's stall handling is tested on a worker that really gives no answer.
const STALL_ON = process.env.LUMEN_TEST_DECODE_STALL_ON;

/** Never returns: waits in short sleeps (no CPU spent), so that terminate() can still stop the thread. */
function stallForever(): never {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0, 50);
}

// Tests only: LUMEN_TEST_VIEWER_LOG gets a line per viewer frame this worker starts (what a test
// counts decodes by, pool.ts adds the frames it dropped unstarted), and while the file named by
// LUMEN_TEST_VIEWER_HOLD exists a viewer frame waits before it starts, so a test can queue frames
// behind busy workers without depending on how fast anything runs.
const VIEWER_LOG = process.env.LUMEN_TEST_VIEWER_LOG;
const VIEWER_HOLD = process.env.LUMEN_TEST_VIEWER_HOLD;

function viewerTestHooks(file: string): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  while (VIEWER_HOLD && existsSync(VIEWER_HOLD)) Atomics.wait(cell, 0, 0, 20);
  if (VIEWER_LOG) appendFileSync(VIEWER_LOG, `decode ${file}\n`);
}

async function handle(req: WorkerRequest, keepPixels: boolean): Promise<WorkerReply> {
  if (STALL_ON && req.file.endsWith(STALL_ON)) stallForever();
  if (req.viewer && (VIEWER_LOG || VIEWER_HOLD)) viewerTestHooks(req.file);
  try {
    // A dedicated thread: a synchronous read costs less than the thread-pool round trip.
    // Into the reused buffer: a fresh 512 kB buffer per file cost more (page faults,
    // zeroing, collection) than the read itself.
    const bytes = reader.read(req.file);
    const parsed = parseDicomBuffer(bytes, req.file);
    if (req.viewer) {
      const frame = await viewerFrameOf(parsed, req.frame === 'all' ? 0 : req.frame);
      // Pixels that own their buffer whole are transferred; a view (into the reader's buffer,
      // which the next file overwrites, or Node's shared pool) is copied out first.
      const px = frame.pixels;
      const owned = px.buffer !== bytes.buffer && px.byteOffset === 0 && px.byteLength === px.buffer.byteLength;
      return { id: req.id, viewer: owned ? frame : { ...frame, pixels: px.slice() } };
    }
    if (req.input) {
      // A model input: decode, window, resize and normalise here, off the engine's thread,
      // before the next file is read into the buffer.
      const x = await parsedModelInput(parsed, req.frame === 'all' ? 0 : req.frame, req.input.preprocessing, req.input.size);
      // Send a buffer the array owns whole, so it can be transferred, not copied.
      return { id: req.id, input: x.byteOffset === 0 && x.byteLength === x.buffer.byteLength ? x : x.slice() };
    }
    const frames = req.frame === 'all' ? Array.from({ length: parsed.meta.numberOfFrames }, (_, i) => i) : [req.frame];
    const decoded: DecodedFrame[] = [];
    for (const f of frames) decoded.push(await decodeFrame(parsed, f));
    // Frames that are views into the reader's buffer are copied out (it is reused for the
    // next file); frames that own their buffer go as they are. Without pixels, send an
    // empty array of the same type.
    const own = (px: PixelArray): PixelArray => (px.buffer === bytes.buffer ? px.slice() : px);
    const empty = (px: PixelArray) => new (px.constructor as new (n: number) => typeof px)(0);
    return { id: req.id, frames: decoded.map((d) => ({ ...d, pixels: keepPixels ? own(d.pixels) : empty(d.pixels) })), meta: parsed.meta };
  } catch (err) {
    const reply: WorkerReply = { id: req.id, error: errorMessage(err) };
    if (err instanceof DicomFileError) {
      reply.errorFile = err.file;
      reply.errorReason = err.reason;
    }
    return reply;
  }
}
