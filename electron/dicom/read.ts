// Reading whole files for bulk decoding without a fresh allocation per file.
// readFileSync allocates a new buffer each time: for a 512 kB slice that costs
// page faults and garbage collection, up to three to five times the read
// itself. A reader reuses one buffer, grown as needed, so the result is only
// valid until its next read.
//
// The buffer's alignment matters as much. The kernel copies from page-cache
// pages, which are page-aligned; into a destination that is not 64-byte
// aligned the copy ran at a third of the speed here (a 512 kB read: 300-430 us
// into Buffer.allocUnsafe's memory, whose start is 16 bytes past a boundary,
// against 105-140 us into an aligned buffer; the same in C with pread). JS
// cannot see an address, so the buffer is a WebAssembly memory's, which engines
// reserve in whole pages. (A resizable ArrayBuffer is page-aligned too, but V8
// reads typed arrays over one more slowly: parsing took twice as long.)
import { closeSync, readSync } from 'node:fs';
import { checkRegularFile, openForReading } from '../../common/node/read-file';
import { DicomFileError, readErrorReason } from './parse';
import { Wasm } from './wasm-codec';

/**
 * One reusable buffer, grown as needed up to `limit`: a larger request gets a
 * buffer of its own, so one huge file is not kept in memory for the life of
 * the owner. `get` returns a view that is valid until the next call.
 */
export class ScratchBuffer {
  private buffer: Buffer = Buffer.alloc(0);

  constructor(private readonly limit = 64 * 1024 * 1024) {}

  get(size: number): Buffer {
    if (size > this.limit) return Buffer.allocUnsafe(size);
    if (this.buffer.length < size) this.buffer = pageAlignedBuffer(Math.max(size, Math.min(this.limit, this.buffer.length * 2)));
    return this.buffer.subarray(0, size);
  }

  /** The whole buffer as it is now (empty before the first get): what a read of unknown size can fill. */
  capacity(): Buffer {
    return this.buffer;
  }
}

const WASM_PAGE = 65536;

/** A buffer whose memory starts on a page boundary (see the top of this file). */
export function pageAlignedBuffer(size: number): Buffer {
  const memory = new Wasm.Memory({ initial: Math.max(1, Math.ceil(size / WASM_PAGE)) });
  return Buffer.from(memory.buffer, 0, size);
}

export class ReusableFileReader {
  private readonly scratch: ScratchBuffer;

  /** Files larger than `limit` bytes are read into a buffer of their own. */
  constructor(limit?: number) {
    this.scratch = new ScratchBuffer(limit);
  }

  /**
   * The whole file, as a view into this reader's buffer: valid until the next
   * call. Copy what must outlive it. Throws DicomFileError with the reason.
   */
  read(file: string): Buffer {
    let fd: number | undefined;
    try {
      fd = openForReading(file); // never blocks on a FIFO
      // Read into what the buffer holds and ask the size only when it fills: fstat
      // costs Node a Stats object, twice what the read that finds the end costs.
      let buffer = this.scratch.capacity();
      let at = 0;
      for (;;) {
        if (at === buffer.length) {
          // A FIFO or a device reads as empty or fills the buffer: refused here.
          const size = checkRegularFile(fd, file, 'dicom');
          if (size <= at) break; // exactly the buffer's size (or it shrank while we read)
          const grown = this.scratch.get(size);
          if (at > 0 && grown.buffer !== buffer.buffer) grown.set(buffer.subarray(0, at));
          buffer = grown;
        }
        const got = readSync(fd, buffer, at, buffer.length - at, at);
        if (got === 0) break; // the end of the file
        at += got;
      }
      if (at === 0) checkRegularFile(fd, file, 'dicom');
      return buffer.subarray(0, at);
    } catch (err) {
      throw new DicomFileError(file, readErrorReason(err));
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}
