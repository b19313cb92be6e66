import fs from 'node:fs';
import { DicomFileError, parseDicomBuffer, TS, type ParsedDicom } from '../dicom/parse';
import { ScratchBuffer } from '../dicom/read';
import { describeFsError } from './errors';

// Reading a file's header for import without reading its pixels. The import
// needs every element up to (7FE0,0010) and that element's declared length
// (to catch files cut short), which usually sit in the first few kilobytes of
// a file that is mostly pixel data. So: read the first HEAD_BYTES into a
// buffer as long as the file, parse up to the pixel data, and accept the
// result only when the pixel data header lay inside what was read. Anything
// else (long headers, no pixel data, deflated data sets, parse errors) is
// parsed again from the whole file, so the result never depends on bytes that
// were not read.

const HEAD_BYTES = 64 * 1024;
/** Files up to this size are simply read whole. */
const READ_WHOLE_BELOW = 2 * HEAD_BYTES;
/** The reusable buffer grows up to 64 MiB; bigger files get a buffer of their own. */
const scratch = new ScratchBuffer(64 * 1024 * 1024);

export class UnreadableFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** The whole file. Throws UnreadableFileError with a reason a person understands. */
export function readWholeFile(file: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new UnreadableFileError(file, `cannot be read: ${describeFsError(err)}. Check the file's permissions.`);
  }
}

/**
 * The first bytes of the file (all of it when small). `complete` says whether
 * these are all of the file's bytes. The returned buffer may be reused by the
 * next call: parse it, take what you need, and let it go.
 */
export function readHead(file: string, size: number): { bytes: Buffer; complete: boolean } {
  if (size <= READ_WHOLE_BELOW) return { bytes: readWholeFile(file), complete: true };
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const bytes = scratch.get(size);
    const got = fs.readSync(fd, bytes, 0, HEAD_BYTES, 0);
    if (got < HEAD_BYTES) return { bytes: readWholeFile(file), complete: true }; // shrank while we looked
    return { bytes, complete: false };
  } catch (err) {
    if (err instanceof UnreadableFileError) throw err;
    throw new UnreadableFileError(file, `cannot be read: ${describeFsError(err)}. Check the file's permissions.`);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Parses a file's header up to the pixel data, as described above. Throws
 * DicomFileError (not DICOM, truncated, ...) or UnreadableFileError.
 * `head` may be passed when the caller already read it with readHead.
 */
export function parseHeader(file: string, size: number, head = readHead(file, size)): ParsedDicom {
  const opts = { untilTag: 'x7fe00010' };
  if (head.complete) return parseDicomBuffer(head.bytes, file, opts);
  try {
    const parsed = parseDicomBuffer(head.bytes, file, opts);
    const pixels = parsed.dataSet.elements.x7fe00010;
    if (pixels && pixels.dataOffset <= HEAD_BYTES && parsed.meta.transferSyntaxUid !== TS.deflatedLE) return parsed;
  } catch (err) {
    if (!(err instanceof DicomFileError)) throw err;
    // Decide from the whole file below: the error may come from bytes not read yet.
  }
  return parseDicomBuffer(readWholeFile(file), file, opts);
}
