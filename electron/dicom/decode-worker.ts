// One decode worker of the pool (pool.ts): reads, parses and decodes the files
// it is sent, and transfers the pixels back without copying.
import { readFileSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { decodeFrame, type DecodedFrame, type PixelArray } from './decode';
import { DicomFileError, parseDicomBuffer } from './parse';
import type { WorkerReply, WorkerRequest } from './pool';

const port = parentPort!;

port.on('message', async (req: WorkerRequest) => {
  let reply: WorkerReply;
  try {
    // A dedicated thread: a synchronous read costs less than the thread-pool round trip.
    let bytes: Buffer;
    try {
      bytes = readFileSync(req.file);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new DicomFileError(req.file, e.code === 'ENOENT' ? 'file not found. Check the path.' : `cannot be read (${e.message}).`);
    }
    const parsed = parseDicomBuffer(bytes, req.file);
    const frames = req.frame === 'all' ? Array.from({ length: parsed.meta.numberOfFrames }, (_, i) => i) : [req.frame];
    const decoded: DecodedFrame[] = [];
    for (const f of frames) decoded.push(await decodeFrame(parsed, f));
    // Without pixels, send an empty array of the same type: a zero-length view would still
    // clone its whole buffer.
    const empty = (px: PixelArray) => new (px.constructor as new (n: number) => typeof px)(0);
    reply = { id: req.id, frames: req.keepPixels ? decoded : decoded.map((d) => ({ ...d, pixels: empty(d.pixels) })), meta: parsed.meta };
  } catch (err) {
    reply = { id: req.id, error: err instanceof Error ? err.message : String(err) };
  }
  // Transfer only buffers a frame owns whole: a view into the file's bytes may
  // sit in Node's shared Buffer pool, which must never be detached.
  const owned = reply.frames?.filter((f) => f.pixels.byteOffset === 0 && f.pixels.byteLength === f.pixels.buffer.byteLength && f.pixels.byteLength > 0) ?? [];
  const transfer = owned.map((f) => f.pixels.buffer as ArrayBuffer).filter((b, i, all) => all.indexOf(b) === i);
  port.postMessage(reply, transfer);
});
