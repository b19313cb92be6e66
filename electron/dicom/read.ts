// Reading whole files for bulk decoding without a fresh allocation per file.
// readFileSync allocates a new buffer each time: for a 512 kB slice that costs
// page faults and garbage collection, three to five times the read itself
// (measured 0.5 ms against 0.12 ms per file). A reader reuses one buffer, grown
// as needed, so the result is only valid until its next read.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DicomFileError, readErrorReason } from './parse';

/**
 * One reusable buffer, grown as needed up to `limit`: a larger request gets a
 * buffer of its own, so one huge file is not kept in memory for the life of
 * the owner. `get` returns a view that is valid until the next call.
 */
export class ScratchBuffer {
  private buffer = Buffer.alloc(0);

  constructor(private readonly limit = 64 * 1024 * 1024) {}

  get(size: number): Buffer {
    if (size > this.limit) return Buffer.allocUnsafe(size);
    if (this.buffer.length < size) this.buffer = Buffer.allocUnsafe(Math.max(size, Math.min(this.limit, this.buffer.length * 2)));
    return this.buffer.subarray(0, size);
  }
}

export class ReusableFileReader {
  private readonly scratch = new ScratchBuffer();

  /**
   * The whole file, as a view into this reader's buffer: valid until the next
   * call. Copy what must outlive it. Throws DicomFileError with the reason.
   */
  read(file: string): Buffer {
    let fd: number | undefined;
    try {
      fd = openSync(file, 'r');
      const size = fstatSync(fd).size;
      const buffer = this.scratch.get(size);
      let at = 0;
      while (at < size) {
        const got = readSync(fd, buffer, at, size - at, at);
        if (got === 0) break; // shrank while we read: parse what is there
        at += got;
      }
      return buffer.subarray(0, at);
    } catch (err) {
      throw new DicomFileError(file, readErrorReason(err));
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}
