// Single-file model package (.lumenpkg): a POSIX ustar archive of the package
// folder's files (flat: no sub-folders), metadata.json first, then the others by
// name, each a 512-byte header + data padded to 512 bytes, ended by two zero
// blocks. Any tar tool can list or unpack it. Import accepts only regular files
// with plain names (no '/', '\\', '..', absolute paths, links or devices),
// unpacks into a temp folder, verifies it as a package (content hash included)
// and only then moves it into place.
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import path from 'node:path';
import { readRegularFile } from '../../common/node/read-file';
import { ensurePrivateDir, makeDirs, moveToFreeName, PRIVATE_DIR_MODE, PRIVATE_FILE_MODE, removeInside, sealDir } from '../../common/node/safe-fs';
import { formatVersionProblem, METADATA_JSON, PackageError, loadPackage, type LoadedPackage } from './package';
import { PACKAGE_ARCHIVE_EXTENSION } from './archive-extension';

export { PACKAGE_ARCHIVE_EXTENSION };
const BLOCK = 512;
/** A package is a few dozen files (metadata, model, shards, heads); an archive with more is not one. */
const MAX_ENTRIES = 1000;

function octal(value: number, width: number): string {
  // width-1 octal digits then NUL, as ustar wants.
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(name: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`archive: file name too long for ustar: ${name}`);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii'); // checksum field counts as spaces while summing
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return h;
}

/**
 * Writes the package at `dir` (verified first) as one .lumenpkg file, atomically.
 * `newFile`: the file must not exist yet and its folder must (an export a request asked
 * for never replaces a file nor creates folders); checked at the moment it is put in place.
 */
export async function exportPackageArchive(dir: string, file: string, options: { newFile?: boolean } = {}): Promise<LoadedPackage> {
  const pkg = await loadPackage(dir);
  const names = readdirSync(pkg.dir)
    .filter((n) => statSync(path.join(pkg.dir, n)).isFile())
    .sort((a, b) => (a === METADATA_JSON ? -1 : b === METADATA_JSON ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const target = path.resolve(file);
  if (!options.newFile) makeDirs(path.dirname(target), 0o777);
  const temp = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(temp, 'w');
  try {
    const mtime = Math.floor(Date.parse(pkg.metadata.provenance.createdAt) / 1000) || 0;
    for (const name of names) {
      const data = readRegularFile(path.join(pkg.dir, name), 'package');
      writeSync(fd, header(name, data.length, mtime));
      writeSync(fd, data);
      const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
      if (pad) writeSync(fd, Buffer.alloc(pad));
    }
    writeSync(fd, Buffer.alloc(2 * BLOCK));
    fsyncSync(fd);
    closeSync(fd);
    if (options.newFile) putInPlaceOnce(temp, target);
    else renameSync(temp, target);
  } catch (err) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(temp, { force: true });
    throw err;
  }
  return pkg;
}

/** Moves `temp` to `target` unless `target` exists: a hard link fails if it does, with no window between check and move. */
function putInPlaceOnce(temp: string, target: string): void {
  try {
    linkSync(temp, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const exists = new Error(`${target} already exists: Lumen never overwrites a file. Choose a new name, or move the old file away.`);
    if (code === 'EEXIST') throw exists;
    // A file system without hard links: check, then move.
    if (existsSync(target)) throw exists;
    renameSync(temp, target);
    return;
  }
  rmSync(temp, { force: true });
}

function readString(b: Buffer, start: number, length: number): string {
  const slice = b.subarray(start, start + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? length : end).toString('utf8');
}

function readOctal(b: Buffer, start: number, length: number): number {
  const s = readString(b, start, length).trim();
  if (!/^[0-7]*$/.test(s)) return NaN;
  return s ? parseInt(s, 8) : 0;
}

/** A plain file name: no folders, no parent references, nothing absolute. */
function isSafeName(name: string): boolean {
  return name.length > 0 && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\\') && !name.includes('\0') && !path.isAbsolute(name) && !/^[a-zA-Z]:/.test(name);
}

/** What a file that is no tar archive starts as, when it is a kind a package is often mistaken for. */
function otherArchive(bytes: Uint8Array): string | null {
  const starts = (...magic: number[]) => bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);
  if (starts(0x50, 0x4b, 0x03, 0x04) || starts(0x50, 0x4b, 0x05, 0x06)) return 'a ZIP archive';
  if (starts(0x1f, 0x8b)) return 'compressed (gzip)';
  if (starts(0x28, 0xb5, 0x2f, 0xfd)) return 'compressed (zstd)';
  if (starts(0x42, 0x5a, 0x68)) return 'compressed (bzip2)';
  if (starts(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00)) return 'compressed (xz)';
  if (starts(0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c)) return 'a 7-Zip archive';
  return null;
}

/**
 * Unpacks a .lumenpkg into `destDir` (which must not exist), verifying it; nothing is left behind
 * on failure. `numbered`: when `destDir` is taken, the first free one of `destDir-2`, `destDir-3`, …
 * (the returned package's `dir` says which). Nothing already there is ever replaced, not even a
 * package another process puts there while this one unpacks: the name is claimed atomically
 * when the verified package moves into place (safe-fs moveToFreeName). `admit`: the caller's say
 * on the verified package before it moves in: it gets the package (still in its temp folder) and
 * the move, and returns where the move put it, or throws to install nothing (a package installed
 * already); it may hold a lock around the move, so that what it checked still holds when the
 * package moves in.
 */
export async function importPackageArchive(
  file: string,
  destDir: string,
  options: { numbered?: boolean; admit?: (verified: LoadedPackage, moveIn: () => string) => Promise<string> } = {},
): Promise<LoadedPackage> {
  const source = path.resolve(file);
  if (!existsSync(source)) throw new Error(`Model package archive not found: ${source}`);
  const target = path.resolve(destDir);
  const taken = () => new PackageError(target, 'already exists; choose another folder or remove it first');
  if (!options.numbered && existsSync(target)) throw taken();
  const bytes = readRegularFile(source, 'package');
  const where = path.basename(source);
  const entries: { name: string; start: number; size: number }[] = [];
  const names = new Set<string>();
  let at = 0;
  // A first header that is no tar header: a ZIP or a compressed file is told what it is.
  const notTar = () => {
    const kind = at === 0 ? otherArchive(bytes) : null;
    return kind ? new Error(`${where} is ${kind}, not a Lumen model package (the tar archive "lumen models export" or the Classifier panel's Export… writes): ask for the .lumenpkg file as exported, or export the package again.`) : null;
  };
  for (;;) {
    if (at + BLOCK > bytes.length) throw notTar() ?? new Error(`${where}: truncated archive (no end marker)`);
    const h = bytes.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) break;
    const stored = readOctal(h, 148, 8);
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : h[i];
    if (stored !== sum) throw notTar() ?? new Error(`${where}: corrupt archive (header checksum mismatch at byte ${at})`);
    const prefix = readString(h, 345, 155);
    const name = (prefix ? `${prefix}/` : '') + readString(h, 0, 100);
    const type = String.fromCharCode(h[156]);
    if (type !== '0' && type !== '\0') throw new Error(`${where}: entry "${name}" is not a regular file (type ${JSON.stringify(type)}); refused`);
    if (!isSafeName(name)) throw new Error(`${where}: entry "${name}" would be written outside the package folder; refused`);
    const size = readOctal(h, 124, 12);
    if (!Number.isFinite(size) || at + BLOCK + size > bytes.length) throw new Error(`${where}: truncated archive (entry "${name}")`);
    if (names.has(name)) throw new Error(`${where}: entry "${name}" appears twice; refused`);
    if (names.size >= MAX_ENTRIES) throw new Error(`${where}: more than ${MAX_ENTRIES} files; a model package has a few dozen. Refused.`);
    names.add(name);
    entries.push({ name, start: at + BLOCK, size });
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  const metadataEntry = entries.find((e) => e.name === METADATA_JSON);
  if (!metadataEntry) throw new Error(`${where}: not a Lumen model package (no ${METADATA_JSON})`);
  // A package from a newer Lumen is refused before anything is unpacked.
  let rawMetadata: unknown = null;
  try {
    rawMetadata = JSON.parse(bytes.subarray(metadataEntry.start, metadataEntry.start + metadataEntry.size).toString('utf8'));
  } catch {
    // not JSON: loadPackage below says so, naming the file
  }
  const versionProblem = rawMetadata === null ? null : formatVersionProblem(rawMetadata);
  if (versionProblem) throw new Error(`Model package archive ${where}: ${versionProblem}`);

  ensurePrivateDir(path.dirname(target), { tighten: false });
  const temp = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  let installed = target;
  try {
    mkdirSync(temp, { mode: PRIVATE_DIR_MODE });
    for (const e of entries) {
      const fd = openSync(path.join(temp, e.name), 'wx', PRIVATE_FILE_MODE);
      try {
        writeSync(fd, bytes, e.start, e.size);
      } finally {
        closeSync(fd);
      }
    }
    const verified = await loadPackage(temp);
    sealDir(temp);
    const moveIn = () => moveToFreeName(path.dirname(target), temp, path.basename(target), { numbered: options.numbered });
    installed = options.admit ? await options.admit(verified, moveIn) : moveIn();
  } catch (err) {
    removeInside(path.dirname(target), temp);
    // Taken meanwhile (another import of a file with this name): said as when it was taken at the start.
    if (!options.numbered && (err as NodeJS.ErrnoException).code === 'EEXIST' && (err as NodeJS.ErrnoException).path === target) throw taken();
    // Name the archive, not the temp folder, in what the user reads.
    if (err instanceof PackageError) throw new Error(err.message.replace(`Model package ${temp}`, `Model package archive ${where}`));
    throw err;
  }
  return loadPackage(installed);
}
