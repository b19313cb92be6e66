// Reading whole files for bulk decoding without a fresh allocation per file.
// readFileSync allocates a new buffer each time: for a 512 kB slice that costs
// page faults and garbage collection, three to five times the read itself
// (measured 0.5 ms against 0.12 ms per file). A reader reuses one buffer, grown
// as needed, so the result is only valid until its next read.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DicomFileError, readErrorReason } from './parse';

export class ReusableFileReader {
  private buffer = Buffer.allocUnsafeSlow(0);

  /**
   * The whole file, as a view into this reader's buffer: valid until the next
   * call. Copy what must outlive it. Throws DicomFileError with the reason.
   */
  read(file: string): Buffer {
    let fd: number | undefined;
    try {
      fd = openSync(file, 'r');
      const size = fstatSync(fd).size;
      if (size > this.buffer.length) this.buffer = Buffer.allocUnsafeSlow(Math.max(size, Math.ceil(this.buffer.length * 1.5)));
      let at = 0;
      while (at < size) {
        const got = readSync(fd, this.buffer, at, size - at, at);
        if (got === 0) break; // shrank while we read: parse what is there
        at += got;
      }
      return this.buffer.subarray(0, at);
    } catch (err) {
      throw new DicomFileError(file, readErrorReason(err));
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** Lets the buffer go (a reader that read a huge file keeps it until then). */
  release(): void {
    this.buffer = Buffer.allocUnsafeSlow(0);
  }
}
