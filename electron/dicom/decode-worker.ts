// One decode worker of the pool (pool.ts): reads, parses and decodes the files
// it is sent, and transfers the pixels back without copying.
import { parentPort } from 'node:worker_threads';
import { decodeFrame, type DecodedFrame, type PixelArray } from './decode';
import { parseDicomBuffer } from './parse';
import { ReusableFileReader } from './read';
import type { WorkerReply, WorkerRequest } from './pool';

const port = parentPort!;
// One read buffer for the worker's life: no allocation (and page faults) per file.
const reader = new ReusableFileReader();

// Requests are handled one after another: the reader's buffer belongs to one file at a
// time, and a codec's first use awaits its module, during which the next message arrives.
let queue: Promise<void> = Promise.resolve();
port.on('message', (req: WorkerRequest) => {
  queue = queue.then(() => handle(req));
});

async function handle(req: WorkerRequest): Promise<void> {
  let reply: WorkerReply;
  try {
    // A dedicated thread: a synchronous read costs less than the thread-pool round trip.
    const bytes = reader.read(req.file);
    const parsed = parseDicomBuffer(bytes, req.file);
    const frames = req.frame === 'all' ? Array.from({ length: parsed.meta.numberOfFrames }, (_, i) => i) : [req.frame];
    const decoded: DecodedFrame[] = [];
    for (const f of frames) decoded.push(await decodeFrame(parsed, f));
    // Frames that are views into the reader's buffer are copied out (it is reused for the
    // next file); frames that own their buffer go as they are. Without pixels, send an
    // empty array of the same type.
    const own = (px: PixelArray): PixelArray => (px.buffer === bytes.buffer ? px.slice() : px);
    const empty = (px: PixelArray) => new (px.constructor as new (n: number) => typeof px)(0);
    reply = { id: req.id, frames: decoded.map((d) => ({ ...d, pixels: req.keepPixels ? own(d.pixels) : empty(d.pixels) })), meta: parsed.meta };
  } catch (err) {
    reply = { id: req.id, error: err instanceof Error ? err.message : String(err) };
  }
  // Transfer only buffers a frame owns whole (never the reader's buffer, nor a view into
  // Node's shared Buffer pool, which must never be detached).
  const owned = reply.frames?.filter((f) => f.pixels.byteOffset === 0 && f.pixels.byteLength === f.pixels.buffer.byteLength && f.pixels.byteLength > 0) ?? [];
  const transfer = owned.map((f) => f.pixels.buffer as ArrayBuffer).filter((b, i, all) => all.indexOf(b) === i);
  port.postMessage(reply, transfer);
}
