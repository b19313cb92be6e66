import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ctSlice } from '../support/dicom/phantom';
import type { WorkerBatch, WorkerBatchReply } from '../../electron/dicom/pool';
import { writeImage } from '../support/dicom/write';

// The desktop app runs bundles from dist/electron (npm run build), not the
// TypeScript sources: check the DICOM decode worker works from there too.
describe('the bundled DICOM decode worker', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-bundle-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('decodes an RLE file made by dcmtk to the source pixels', async () => {
    const pixels = ctSlice(32, 40, 3);
    const plain = path.join(dir, 'plain.dcm');
    const rle = path.join(dir, 'rle.dcm');
    writeImage(plain, { rows: 32, columns: 40, bitsAllocated: 16, pixelRepresentation: 1, modality: 'CT', pixelBytes: new Uint8Array(pixels.buffer) });
    execFileSync('dcmcrle', [plain, rle]);
    const worker = new Worker(path.resolve('dist/electron/decode-worker.mjs'));
    try {
      const batch: WorkerBatchReply = await new Promise((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
        const msg: WorkerBatch = { requests: [{ id: 1, file: rle, frame: 'all' }], keepPixels: true };
        worker.postMessage(msg);
      });
      expect(batch.last).toBe(true);
      expect(batch.replies).toHaveLength(1);
      const [reply] = batch.replies;
      expect(reply.id).toBe(1);
      expect(reply.error).toBeUndefined();
      expect(reply.frames).toHaveLength(1);
      expect(Array.from(reply.frames![0].pixels as Int16Array)).toEqual(Array.from(pixels));
    } finally {
      await worker.terminate();
    }
  });
});
