// Reading a file the user named (a label CSV, a model package, a DICOM file)
// or one in the data folder (run.json, settings), as only a regular file of a
// bounded size.
//
// A FIFO given as a path froze the engine for good: opening it blocks until a
// writer comes, and reading it blocks until the writer writes. /dev/zero never
// ends, so reading it fills memory. Here the file is opened without blocking,
// asked what it is (fstat on the open descriptor, so that it cannot be swapped
// between the check and the read), refused unless it is a regular file no
// larger than the limit for its kind, and only then read.
import fs from 'node:fs';

const MiB = 1024 * 1024;

/** The kinds of file Lumen reads, each with the largest size it accepts (far above any real one). */
export const FILE_KINDS = {
  /** A million rows of UIDs and labels fit in a fifth of this. */
  csv: { what: 'label CSV', limit: 256 * MiB },
  /** A .lumenpkg archive or one file of a package (the ONNX model, a weight shard, a checkpoint): B7's are about 0.3 GB. */
  package: { what: 'model package file', limit: 2 * 1024 * MiB - 1 },
  /** A long multi-frame series; also Node's largest single read. */
  dicom: { what: 'DICOM file', limit: 2 * 1024 * MiB - 1 },
  /** run.json, state.json, settings, package metadata, model.json. */
  json: { what: 'JSON file', limit: 64 * MiB },
  /** What Lumen keeps to avoid work again: thumbnails, extracted features. */
  cache: { what: 'cache file', limit: 256 * MiB },
  /** A training run's HTML report (metrics, plots as inline SVG): tens of kB. */
  report: { what: 'training report', limit: 64 * MiB },
  /** A PEM certificate, chain or private key for DICOM TLS: a few kB. */
  tls: { what: 'TLS certificate or key file', limit: 1 * MiB },
} as const;
export type FileKind = keyof typeof FILE_KINDS;

/** What the file is, in words, for anything but a regular file. */
function kindOf(stat: fs.Stats): string {
  if (stat.isFIFO()) return 'a FIFO';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}

/** Why a file that is not a regular file is refused: "is not a regular file (a FIFO)." */
export function notRegularReason(stat: fs.Stats): string {
  // The wording the DICOM reader has always used for a folder.
  return stat.isDirectory() ? 'is a folder, not a file.' : `is not a regular file (${kindOf(stat)}).`;
}

const inWords = (n: number) => (n < MiB ? `${n} bytes` : `${(n / MiB).toFixed(n < 10 * MiB ? 1 : 0)} MB`);

/**
 * A file refused before it was read. `reason` says why without the path (for
 * reports that list the file beside it); the message names the path too.
 */
export class FileReadError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file} ${reason}`);
    this.name = 'FileReadError';
  }
}

// O_NONBLOCK makes open() return at once for a FIFO with no writer; it changes
// nothing for a regular file. Windows has neither FIFOs of this kind nor the flag.
const OPEN_FLAGS = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/**
 * Checks an open descriptor: a regular file within the limit, else throws
 * FileReadError. Returns its size.
 */
export function checkRegularFile(fd: number, file: string, kind: FileKind): number {
  const { limit, what } = FILE_KINDS[kind];
  const stat = fs.fstatSync(fd);
  if (!stat.isFile()) throw new FileReadError(file, notRegularReason(stat));
  if (stat.size > limit) throw new FileReadError(file, `is too large for a ${what} (${inWords(stat.size)}; at most ${inWords(limit)}).`);
  return stat.size;
}

/**
 * Opens a file for reading without blocking on a FIFO. The descriptor is the
 * caller's to check (checkRegularFile) and close. Node's own errors (ENOENT,
 * EACCES...) are thrown as they are, for the caller's usual wording.
 */
export function openForReading(file: string): number {
  return fs.openSync(file, OPEN_FLAGS);
}

/**
 * The whole file, if it is a regular file within its kind's limit; else
 * FileReadError. Node's errors for a missing or unreadable file pass through.
 */
export function readRegularFile(file: string, kind: FileKind): Buffer {
  const fd = openForReading(file);
  try {
    const size = checkRegularFile(fd, file, kind);
    const bytes = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const got = fs.readSync(fd, bytes, at, size - at, at);
      if (got === 0) break; // it shrank while we read
      at += got;
    }
    return at === size ? bytes : bytes.subarray(0, at);
  } finally {
    fs.closeSync(fd);
  }
}

/** readRegularFile as UTF-8 text. */
export function readRegularText(file: string, kind: FileKind): string {
  return readRegularFile(file, kind).toString('utf8');
}

/** readRegularFile off the event loop, for large files read by async code. */
export async function readRegularFileAsync(file: string, kind: FileKind): Promise<Buffer> {
  const handle = await fs.promises.open(file, OPEN_FLAGS);
  try {
    const size = checkRegularFile(handle.fd, file, kind);
    const bytes = Buffer.allocUnsafe(size);
    let at = 0;
    while (at < size) {
      const { bytesRead } = await handle.read(bytes, at, size - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
    return at === size ? bytes : bytes.subarray(0, at);
  } finally {
    await handle.close();
  }
}
