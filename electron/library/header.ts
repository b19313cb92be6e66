import fs from 'node:fs';
import { checkRegularFile, FileReadError, openForReading, readRegularFile } from '../../common/node/read-file';
import { describePackedFrames, DicomFileError, isEncapsulated, limitFrameCount, parseDicomBuffer, TS, type ParsedDicom } from '../dicom/parse';
import { ScratchBuffer } from '../dicom/read';
import { describeFsError } from './errors';
import { checkImportedFile } from './imported-file';

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
    return readRegularFile(file, 'dicom');
  } catch (err) {
    throw unreadable(file, err);
  }
}

function unreadable(file: string, err: unknown): UnreadableFileError {
  // A FIFO or a device is never opened blocking nor read: it is skipped with its own reason.
  if (err instanceof FileReadError) return new UnreadableFileError(file, `${err.reason} Skipped.`);
  return new UnreadableFileError(file, `cannot be read: ${describeFsError(err)}. Check the file's permissions.`);
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
    fd = openForReading(file);
    checkRegularFile(fd, file, 'dicom');
    const bytes = scratch.get(size);
    const got = fs.readSync(fd, bytes, 0, HEAD_BYTES, 0);
    if (got < HEAD_BYTES) return { bytes: readWholeFile(file), complete: true }; // shrank while we looked
    return { bytes, complete: false };
  } catch (err) {
    if (err instanceof UnreadableFileError) throw err;
    throw unreadable(file, err);
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
  const { parsed, partial } = parseHeaderOnly(file, size, head);
  // A file without a preamble is parsed from a copy with one in front: its offsets run ahead of the file's.
  const shift = parsed.dataSet.byteArray.length - size;
  checkFragmentCount(parsed, file, partial ? HEAD_BYTES + shift : Infinity, shift);
  return parsed;
}

/** The header parse, and whether it came from the head alone (bytes past HEAD_BYTES not read). */
function parseHeaderOnly(file: string, size: number, head: { bytes: Buffer; complete: boolean }): { parsed: ParsedDicom; partial: boolean } {
  const opts = { untilTag: 'x7fe00010' };
  if (head.complete) return { parsed: parseDicomBuffer(head.bytes, file, opts), partial: false };
  try {
    const parsed = parseDicomBuffer(head.bytes, file, opts);
    const pixels = parsed.dataSet.elements.x7fe00010;
    if (pixels && pixels.dataOffset <= HEAD_BYTES && parsed.meta.transferSyntaxUid !== TS.deflatedLE) return { parsed, partial: true };
  } catch (err) {
    if (!(err instanceof DicomFileError)) throw err;
    // Decide from the whole file below: the error may come from bytes not read yet.
  }
  return { parsed: parseDicomBuffer(readWholeFile(file), file, opts), partial: false };
}

/**
 * Encapsulated pixel data parsed up to its header has no fragments yet, so the
 * parse could not check Number of Frames against them: walk the item headers
 * (8 bytes each, the first being the offset table), reading past the first
 * `valid` bytes of the buffer from the file in windows (at the buffer's offset
 * less `shift`), and stop once there are as many fragments as frames claimed.
 * Every frame needs one fragment at least. With fewer, the fragments are read to
 * tell frames packed into one fragment from a corrupt header, as opening the file
 * does (describePackedFrames): on that error path only.
 */
function checkFragmentCount(parsed: ParsedDicom, file: string, valid: number, shift: number): void {
  const { dataSet, meta } = parsed;
  const el = dataSet.elements.x7fe00010;
  if (!el || meta.numberOfFrames <= 1 || meta.frameCountProblem || el.fragments || el.length !== 0xffffffff || !isEncapsulated(meta.transferSyntaxUid)) return;
  const bytes = dataSet.byteArray;
  const size = bytes.length;
  const WINDOW = 64 * 1024;
  let window = Buffer.alloc(0);
  let windowStart = 0;
  let fd: number | undefined;
  /** The 8-byte item header at `pos`, from the buffer or the file. */
  const header = (pos: number): Uint8Array => {
    if (pos + 8 <= valid) return bytes.subarray(pos, pos + 8);
    if (pos < windowStart || pos + 8 > windowStart + window.length) {
      if (fd === undefined) {
        fd = openForReading(file);
        checkRegularFile(fd, file, 'dicom'); // opened again: it may have been replaced since readHead
      }
      window = Buffer.alloc(Math.min(WINDOW, size - pos));
      windowStart = pos;
      if (fs.readSync(fd, window, 0, window.length, pos - shift) < window.length) throw new UnreadableFileError(file, 'shrank while it was being read. Import it again once it is complete.');
    }
    return window.subarray(pos - windowStart, pos - windowStart + 8);
  };
  let fragments = -1; // the first item is the basic offset table
  const found: { position: number; length: number }[] = [];
  try {
    for (let pos = el.dataOffset; pos + 8 <= size && fragments < meta.numberOfFrames; ) {
      const h = header(pos);
      const tag = (h[0] | (h[1] << 8)) * 65536 + (h[2] | (h[3] << 8));
      if (tag !== 0xfffee000) break; // the sequence delimiter, or damage the decode reports
      fragments++;
      const length = (h[4] | (h[5] << 8) | (h[6] << 16)) + h[7] * 16777216;
      if (fragments > 0) found.push({ position: pos + 8, length });
      pos += 8 + length;
    }
  } catch (err) {
    if (err instanceof UnreadableFileError) throw err;
    throw unreadable(file, err);
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
  const claimed = meta.numberOfFrames;
  limitFrameCount(meta, Math.max(0, fragments), 'fragments');
  if (found.length === 0 || found.length >= claimed) return;
  try {
    // The fragments' bytes: the buffer's when it holds the whole file, else the file's (at the buffer's offsets less `shift`).
    const whole = valid === Infinity ? bytes : readWholeFile(file);
    const at = valid === Infinity ? 0 : shift;
    describePackedFrames(whole, at === 0 ? found : found.map((f) => ({ position: f.position - at, length: f.length })), meta, claimed);
  } catch {
    // Unreadable now: the reason above, which names packing among the causes, stands.
  }
}

/** What instances.pixel_calibration keeps of a header: its ultrasound regions and Pixel Aspect Ratio, as JSON ({}: neither). The importer and the re-read of older libraries write the same. */
export function pixelCalibrationJson(m: { usRegions?: unknown; pixelAspect?: unknown }): string {
  return JSON.stringify({ ...(m.usRegions ? { usRegions: m.usRegions } : {}), ...(m.pixelAspect ? { pixelAspect: m.pixelAspect } : {}) });
}

/** A file the library skipped when reading it again, with why (in words, never what the file holds). */
export interface SkippedFile {
  file: string;
  kind: 'gone' | 'changed' | 'unreadable';
  reason: string;
}

/**
 * The header of a file as the library imported it (its row's path, size and time), when it is
 * still that file (imported-file.ts: a regular file of the same size and time), else it is never
 * opened (a FIFO would block the read). Otherwise why not, for the passes that read older
 * libraries' files again.
 */
export function readImportedHeader(f: { path: string; file_size: number; mtime_ms: number }): { parsed: ParsedDicom } | { skipped: SkippedFile } {
  const skipped = (kind: SkippedFile['kind'], reason: string) => ({ skipped: { file: f.path, kind, reason } });
  const check = checkImportedFile(f.path, { fileSize: f.file_size, mtimeMs: f.mtime_ms });
  if (!check.now) return skipped('gone', `not there any more (${describeFsError(check.error)})`);
  if (!check.now.isFile) return skipped('changed', 'no longer a file');
  if (!check.same) return skipped('changed', 'changed since it was imported (its size or time): import it again');
  try {
    return { parsed: parseHeader(f.path, check.now.size) };
  } catch (err) {
    // The reader's own reasons are written for users; anything else is not shown (it could quote the file).
    const reason = err instanceof DicomFileError || err instanceof UnreadableFileError ? err.reason : 'cannot be read as DICOM';
    return skipped('unreadable', `unreadable: ${reason}`);
  }
}
