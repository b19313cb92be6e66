// The file-system operations that can destroy or expose data, in one place.
//
// Deleting a folder tree and replacing a folder take the folder the path is meant to be in
// and refuse, before touching anything, a path that is that folder itself or that resolves
// (through "..", ".", an absolute path or a symbolic link) to anywhere outside it: a
// training run named ".." once deleted the whole data folder.
//
// The data folder holds patient data: what Lumen writes there is private to the user
// (folders 0700, files 0600), set explicitly so that the umask cannot loosen it.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** A delete or replace refused because its path is not strictly inside the folder it belongs to. */
export class UnsafePathError extends Error {}

/**
 * `p` with every symbolic link resolved as far as it exists; the part that does not exist yet
 * is appended as written (`exists` says whether all of it does). A file-system error other
 * than "not there" (a permission, a loop) is thrown as it is, for the caller to word.
 */
export function resolveLinks(p: string): { real: string; exists: boolean } {
  let existing = path.resolve(p);
  const rest: string[] = [];
  for (;;) {
    try {
      return { real: path.join(fs.realpathSync.native(existing), ...rest), exists: rest.length === 0 };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
    const up = path.dirname(existing);
    if (up === existing) return { real: path.resolve(p), exists: false };
    rest.unshift(path.basename(existing));
    existing = up;
  }
}

function realPath(p: string): string {
  return resolveLinks(p).real;
}

/** Whether the absolute path `real` lies strictly below the absolute path `root` (no links resolved here: pass real paths). */
export function isBelow(root: string, real: string): boolean {
  const rel = path.relative(root, real);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

function isInside(parent: string, target: string): boolean {
  return isBelow(realPath(parent), realPath(target));
}

/**
 * Checks that `target` lies strictly inside `parent` once "..", "." and symbolic links are
 * resolved, and returns its real path. Pass the folder the path was built from (for
 * `path.join(runs, name)`, `runs`), not `path.dirname` of a resolved path.
 */
export function assertInside(parent: string, target: string, action = 'change'): string {
  const root = realPath(parent);
  const real = realPath(target);
  if (!isInside(root, real)) {
    const where = real === root ? 'it is that folder itself' : real === path.resolve(target) ? 'it is outside it' : `it resolves to ${real}, outside it`;
    throw new UnsafePathError(`Refusing to ${action} ${target}: it must lie inside ${parent}, and ${where}.`);
  }
  return real;
}

/** `parent/name`, refused (UnsafePathError) unless `name` is one plain path component that lies strictly inside `parent`: for names a user or a request chose. */
export function pathInside(parent: string, name: string, action = 'use'): string {
  const target = path.join(parent, name);
  const why = /[/\\]/.test(name) ? 'a name cannot contain / or \\' : path.resolve(target) === path.resolve(parent) ? 'it names that folder itself' : !isInside(parent, target) ? 'it leads outside that folder' : null;
  if (why) throw new UnsafePathError(`Refusing to ${action} "${name}" in ${parent}: ${why}. Choose a name with letters, digits, dot, dash and underscore.`);
  return target;
}

/** Deletes `target` (a file or a whole folder tree; nothing when absent) after checking it lies strictly inside `parent`. */
export function removeInside(parent: string, target: string): void {
  assertInside(parent, target, 'delete');
  fs.rmSync(target, { recursive: true, force: true });
}

/**
 * Moves the complete folder `temp` to `target`, both strictly inside `parent`. An existing
 * target is replaced only after the new one is in place, and only when it is empty or
 * holds `expect.file` (it is `expect.what`): a mistyped --out never replaces a home folder.
 */
export function replaceInside(parent: string, temp: string, target: string, expect: { file: string; what: string }): void {
  const existing = moveIfFree(parent, temp, target);
  if (!existing) return;
  if (!existing.isDirectory() || (fs.readdirSync(target).length > 0 && !fs.existsSync(path.join(target, expect.file)))) {
    throw new UnsafePathError(`Refusing to replace ${target}: it is not ${expect.what} (no ${expect.file}). Choose another folder, or move it away first.`);
  }
  const old = `${path.resolve(target)}.old-${process.pid}-${randomBytes(4).toString('hex')}`;
  fs.renameSync(target, old);
  swapIn(temp, target, old);
  removeInside(parent, old);
}

/**
 * The first step of replacing `target` with the complete folder `temp` (both strictly inside
 * `parent`): when nothing is at `target`, `temp` is moved there and null returned; otherwise
 * nothing moves and what is there is returned, for the caller to check and move away.
 */
export function moveIfFree(parent: string, temp: string, target: string): fs.Stats | null {
  assertInside(parent, temp, 'move');
  assertInside(parent, target, 'replace');
  let existing: fs.Stats | undefined;
  try {
    existing = fs.lstatSync(target);
  } catch {
    // nothing there yet
  }
  if (existing) return existing;
  fs.renameSync(temp, target);
  syncDir(path.dirname(path.resolve(target)));
  return null;
}

/**
 * Claims the name `target` (whose folder exists) for a folder about to be put there: creates it
 * empty, private to the user. mkdir is atomic: it fails when anything holds the name, a folder
 * or a file, a symbolic link, or another process's claim made a moment ago. False when the
 * name is taken; any other file-system error is thrown.
 */
export function claimName(target: string): boolean {
  try {
    fs.mkdirSync(target, { mode: PRIVATE_DIR_MODE });
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}

/** A name (of a folder about to be created) refused because it is not one plain path component. */
function checkPlainName(parent: string, name: string): void {
  if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
    throw new UnsafePathError(`Refusing to create "${name}" in ${parent}: a name must be one plain folder name (no / or \\, not . or ..).`);
  }
}

/**
 * Moves the complete folder `temp` (strictly inside `parent`) to `parent/name` or, when that is
 * taken and `numbered` is set, to the first free one of `name-2`, `name-3`, … (at most `tries`
 * names); returns the path used. Never replaces anything, not even what another process puts
 * there meanwhile (two imports of files with the same name): each name is claimed with
 * claimName, and `temp` then takes the place of its own empty claim in one rename. Without
 * `numbered`, a taken `name` is an EEXIST error naming it, and nothing moves.
 */
export function moveToFreeName(parent: string, temp: string, name: string, options: { numbered?: boolean; tries?: number } = {}): string {
  checkPlainName(parent, name);
  assertInside(parent, temp, 'move');
  const tries = options.tries ?? 1000;
  for (let i = 1; i <= tries; i++) {
    const target = path.join(path.resolve(parent), i === 1 ? name : `${name}-${i}`);
    if (!claimName(target)) {
      if (!options.numbered) throw fsError('EEXIST', 'rename', target);
      continue;
    }
    moveOntoClaim(temp, target);
    syncDir(path.dirname(target));
    return target;
  }
  throw new Error(`${path.join(parent, name)} and the next ${tries - 1} numbered names (${name}-2 … ${name}-${tries}) are all taken in ${parent}. Remove some, then try again.`);
}

/** `temp` takes the place of the empty folder `claim` this process just created. */
function moveOntoClaim(temp: string, claim: string): void {
  try {
    // On POSIX a rename onto an empty folder replaces it atomically; onto a folder that holds
    // something it fails (ENOTEMPTY, EEXIST), and nothing moves.
    fs.renameSync(temp, claim);
    return;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (process.platform === 'win32' && (code === 'EPERM' || code === 'EACCES' || code === 'EEXIST')) {
      // Windows renames onto no existing folder: give the claim up, then move (a moment's window).
      fs.rmdirSync(claim);
      fs.renameSync(temp, claim);
      return;
    }
    if (code === 'ENOTEMPTY' || code === 'EEXIST') {
      // Something else wrote into the claim meanwhile (not by claimName): it is theirs, and stays.
      throw new Error(`${claim} was filled by something else while Lumen was moving a folder there; nothing there was replaced. Try again.`);
    }
    try {
      fs.rmdirSync(claim);
    } catch {
      // not empty any more, or gone: not ours to remove
    }
    throw err;
  }
}

/** The last step: `temp` takes `target`'s place, already moved to `movedAway`, which is put back if the move fails. */
export function swapIn(temp: string, target: string, movedAway: string): void {
  try {
    fs.renameSync(temp, target);
  } catch (err) {
    fs.renameSync(movedAway, target);
    throw err;
  }
  syncDir(path.dirname(path.resolve(target)));
}

/** Whether the process `pid` still runs (a permission error means it does, as another user's). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Tidies what a process killed in the middle of replaceInside or of writing a temp folder left
 * in `parent` (names `<name>.partial-<pid>-<hex>` and `<name>.old-<pid>-<hex>` whose process is
 * gone): an old folder whose replacement never arrived is put back under its name, every other
 * leftover is deleted. Returns the names it put back.
 */
export function tidyInterruptedWrites(parent: string): string[] {
  const restored: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return restored;
  }
  for (const name of names) {
    const m = /^(.+)\.(partial|old)-(\d+)-[0-9a-f]{8}$/.exec(name);
    if (!m || isRunning(Number(m[3]))) continue;
    const target = path.join(parent, m[1]);
    if (m[2] === 'old' && !fs.existsSync(target)) {
      fs.renameSync(path.join(parent, name), target);
      restored.push(m[1]);
    } else {
      removeInside(parent, path.join(parent, name));
    }
  }
  return restored;
}

/** An error as Node's fs gives it: `code` and `path` set, the message in Node's form. */
function fsError(code: string, syscall: string, p: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} '${p}'`), { code, syscall, path: p });
}

/**
 * `mkdir -p` that always ends: creates `dir` and the folders missing above it, one level at a
 * time, each with `mode` (less the umask), and returns the first folder it created (undefined
 * when `dir` was there), as mkdirSync(dir, { recursive: true }) does. Node's recursive mkdir
 * loops for ever when mkdir answers ENOENT although the parent exists (procfs:
 * `lumen serve --data-dir /proc/x`); here each level is tried once and its error thrown, and a
 * file in the way is EEXIST (at `dir`) or ENOTDIR (above it), as Node says it.
 */
export function makeDirs(dir: string, mode: number): string | undefined {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let d = target; ; d = path.dirname(d)) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (stat) {
      if (!stat.isDirectory()) throw fsError(d === target ? 'EEXIST' : 'ENOTDIR', 'mkdir', target);
      break;
    }
    missing.push(d);
    if (d === path.dirname(d)) break;
  }
  const first = missing.at(-1);
  for (const d of missing.reverse()) {
    try {
      fs.mkdirSync(d, { mode });
    } catch (err) {
      // Made meanwhile by another process: fine as long as it is a folder.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || !fs.statSync(d).isDirectory()) throw err;
    }
  }
  return first;
}

/**
 * Creates `dir` (and missing parents) private to the user, and tightens `dir` when it already
 * exists; `tighten: false` leaves an existing folder as it is (a folder the user chose to write into).
 */
export function ensurePrivateDir(dir: string, options: { tighten?: boolean } = {}): void {
  const target = path.resolve(dir);
  const first = makeDirs(target, PRIVATE_DIR_MODE);
  if (first === undefined && options.tighten === false) return;
  // mkdir's mode passes through the umask: set it on every folder this call created, and on `dir`.
  for (let d = target; ; d = path.dirname(d)) {
    if ((fs.statSync(d).mode & 0o777) !== PRIVATE_DIR_MODE) fs.chmodSync(d, PRIVATE_DIR_MODE);
    if (first === undefined || d === first || d === path.dirname(d)) break;
  }
}

/**
 * A file-system error of writing `file` through a temporary file, with `path` set to `file`
 * (a write to an open descriptor has no path; the temporary name means nothing to a user), so
 * that whoever words it ("the disk is full") names the file that was not written.
 */
export function namingFile(err: unknown, file: string): unknown {
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string') (err as NodeJS.ErrnoException).path = file;
  return err;
}

/**
 * Writes `file` private to the user, crash-safely: a temp file beside it, flushed to disk,
 * then one rename, so that a reader sees the old content or the new, never a torn one.
 * `durable: false` skips the flushes (a cache that can be recomputed): a killed process
 * still leaves no torn file, only a power cut could.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: { durable?: boolean } = {}): void {
  const durable = options.durable ?? true;
  const temp = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  let fd: number;
  try {
    fd = fs.openSync(temp, 'wx', PRIVATE_FILE_MODE);
  } catch (err) {
    throw namingFile(err, file);
  }
  try {
    fs.fchmodSync(fd, PRIVATE_FILE_MODE);
    fs.writeFileSync(fd, data);
    if (durable) fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(temp, { force: true });
    throw namingFile(err, file);
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(temp, file);
  } catch (err) {
    fs.rmSync(temp, { force: true });
    throw namingFile(err, file);
  }
  if (durable) syncDir(path.dirname(path.resolve(file)));
}

/**
 * Makes a freshly written folder (flat, as a model package) private and durable: each file
 * 0600 and flushed, the folder 0700 and flushed. Call before renaming it into place.
 */
export function sealDir(dir: string): void {
  for (const name of fs.readdirSync(dir)) {
    const file = path.join(dir, name);
    if (!fs.lstatSync(file).isFile()) continue;
    const fd = fs.openSync(file, 'r');
    try {
      fs.fchmodSync(fd, PRIVATE_FILE_MODE);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }
  fs.chmodSync(dir, PRIVATE_DIR_MODE);
  syncDir(dir);
}

/** What of `p` and the folders above it is not there yet: the missing folders, deepest first. */
function missingAbove(p: string): string[] {
  const missing: string[] = [];
  for (let d = path.dirname(p); d !== path.dirname(d); d = path.dirname(d)) {
    try {
      fs.lstatSync(d);
      break;
    } catch {
      missing.push(d);
    }
  }
  return missing;
}

/**
 * Runs `write`, which makes `target` (the file or folder a command was told to write, --out) and
 * any folders missing above it; when `write` fails, removes what it made: `target` when it was
 * not there before (a folder with what the command put in it), then each folder above it that
 * was not there before and is now empty, deepest first. Something that was there before the
 * command is never removed; a folder still holding something (a training checkpoint kept to
 * resume from) stays. Rethrows `write`'s error. `keep`, asked after a failure, keeps a `target` the
 * command made that is still worth having (a checkpoint folder that holds an epoch).
 */
export async function undoCreatedOnFailure<T>(target: string, write: () => T | Promise<T>, keep?: (absolute: string) => boolean): Promise<T> {
  const absolute = path.resolve(target);
  let existed = true;
  try {
    fs.lstatSync(absolute);
  } catch {
    existed = false;
  }
  const folders = missingAbove(absolute);
  try {
    return await write();
  } catch (err) {
    if (existed || keep?.(absolute)) throw err;
    fs.rmSync(absolute, { recursive: true, force: true });
    for (const d of folders) {
      try {
        fs.rmdirSync(d);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue; // never made (mkdir failed above it)
        break; // not empty: neither it nor anything above it goes
      }
    }
    throw err;
  }
}

/** Flushes a folder's entries (a rename in it) to disk; a no-op where folders cannot be opened (Windows). */
export function syncDir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
  } catch {
    // Windows cannot open a folder; NTFS journals the rename itself.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}
