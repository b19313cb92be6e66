// A path a person typed (a CLI argument, a request's field), checked before anything reads or
// writes it: one check, one wording, for every command. What it refuses would otherwise fail
// later with Node's own text ("ENOENT: no such file or directory, mkdir '/proc/x'"), half-way
// through a job, or not fail at all: an empty path is the current folder, "-" a file named "-",
// a folder under /proc takes Node's recursive mkdir into a loop, a newline in a path splits
// every line that names it, and writing over /dev/null as root replaces the device.
import fs from 'node:fs';
import path from 'node:path';
import { describeFsError } from './fs-errors';

/**
 * What the path must name:
 * - file / folder / file-or-folder: an existing one, to read;
 * - output-file: a file to write, new or to replace (never a folder, a device or a symbolic link);
 * - output-folder: a folder to write into or create (never a file);
 * - library: a library folder, there or not yet (never a file);
 * - source: a file or folder to read that may be missing (lumen import reports those itself).
 */
export type UserPathKind = 'file' | 'folder' | 'file-or-folder' | 'output-file' | 'output-folder' | 'library' | 'source';

/** A path refused before use; the message names the argument and the path, and says why. */
export class UserPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UserPathError';
  }
}

/** Longer than any file system takes (Linux PATH_MAX is 4096 bytes, one name at most 255). */
const MAX_PATH_CHARS = 4096;
const MAX_NAME_BYTES = 255;

/**
 * The kernel's own views (statfs f_type), which hold no files of the user's: /proc, /sys and
 * their kind. A path there is a typo or an attack, and Node's recursive mkdir never ends on procfs.
 */
const SYSTEM_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, 'the kernel\'s view of its processes (procfs)'],
  [0x62656572, 'the kernel\'s view of its devices (sysfs)'],
  [0x64626720, 'the kernel\'s debugging view (debugfs)'],
  [0x74726163, 'the kernel\'s tracing view (tracefs)'],
  [0x73636673, 'the kernel\'s security view (securityfs)'],
  [0x27e0eb, 'the kernel\'s control groups (cgroupfs)'],
  [0x63677270, 'the kernel\'s control groups (cgroup2)'],
  [0x1cd1, 'the terminals\' device folder (devpts)'],
  [0xcafe4a11, 'the kernel\'s BPF objects (bpffs)'],
  [0x62656570, 'the kernel\'s configuration view (configfs)'],
  [0x6165676c, 'the kernel\'s crash records (pstore)'],
  [0xde5e81e4, 'the firmware\'s variables (efivarfs)'],
]);

/**
 * `p` as a message shows it: control characters (a newline would start a line of its own) as
 * \u escapes, and a very long path shortened in the middle so that the line stays readable.
 */
export function shownPath(p: string, max = 160): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is escaped here
  const escaped = p.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  if (escaped.length <= max) return escaped;
  const head = Math.ceil((max - 1) * 0.6);
  return `${escaped.slice(0, head)}…${escaped.slice(escaped.length - (max - 1 - head))} (${p.length} characters)`;
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

/** The nearest folder at or above `p` that exists (links resolved), and whether a file blocks the way. */
function nearestExisting(p: string): { dir: string; blockedBy?: string } {
  for (let d = path.dirname(p); ; d = path.dirname(d)) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(d);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
    if (stat) return stat.isDirectory() ? { dir: d } : { dir: path.dirname(d), blockedBy: d };
    if (d === path.dirname(d)) return { dir: d };
  }
}

function systemFileSystem(p: string): string | undefined {
  try {
    return SYSTEM_FILE_SYSTEMS.get(Number(fs.statfsSync(p).type));
  } catch {
    return undefined; // statfs unsupported here (Windows): nothing to tell
  }
}

/** Why `p` cannot be a path at all, whatever it is for; null when it can. */
function textProblem(p: string): string | null {
  if (p === '') return 'the path is empty';
  if (p.trim() === '') return 'the path is only spaces';
  if (p === '-') return 'Lumen does not read standard input or write standard output here: name a file';
  if (p.includes('\0')) return 'the path contains a NUL character, which no file name can hold';
  // eslint-disable-next-line no-control-regex -- control characters are what is refused here
  if (/[\u0000-\u001f\u007f]/.test(p)) return 'the path contains a line break or another control character; rename the file or folder';
  if (p.length > MAX_PATH_CHARS) return `the path is too long (${p.length} characters; at most ${MAX_PATH_CHARS})`;
  const long = p.split(/[/\\]/).find((name) => Buffer.byteLength(name) > MAX_NAME_BYTES);
  if (long !== undefined) return `one name in the path is too long (${Buffer.byteLength(long)} bytes; a file system takes at most ${MAX_NAME_BYTES})`;
  return null;
}

/** Why `p` cannot serve as `kind`; null when it can. Reads the file system, never writes it. */
function fileProblem(p: string, kind: UserPathKind): string | null {
  const absolute = path.resolve(p);
  const stat = lstatOrNull(absolute);
  const target = stat?.isSymbolicLink() ? (() => { try { return fs.statSync(absolute); } catch { return null; } })() : stat;
  const { dir, blockedBy } = nearestExisting(absolute);
  const system = systemFileSystem(target ? absolute : dir);
  if (system) return `it is in ${system}, not a place for files: choose a file or folder on a disk`;
  if (blockedBy) return `${shownPath(blockedBy)} is a file, not a folder`;
  if (stat?.isSymbolicLink() && !target) return 'it is a symbolic link to nothing (its target does not exist): name the file itself';
  // Writing through a link lands wherever it points (a file of another program, outside the folder named).
  if (stat?.isSymbolicLink() && kind === 'output-file') return `it is a symbolic link (to ${shownPath(fs.readlinkSync(absolute))}): name the file itself`;
  switch (kind) {
    case 'source':
      return null;
    case 'file':
    case 'folder':
    case 'file-or-folder': {
      if (!target) return 'no such file or folder';
      if (kind === 'file' && target.isDirectory()) return 'it is a folder; name a file';
      if (kind === 'folder' && !target.isDirectory()) return 'it is a file; name a folder';
      if (!target.isDirectory() && !target.isFile()) return 'it is not a regular file (a device, a pipe or a socket)';
      try {
        fs.accessSync(absolute, fs.constants.R_OK);
      } catch (err) {
        return describeFsError(err);
      }
      return null;
    }
    case 'output-file':
    case 'output-folder':
    case 'library': {
      if (target) {
        if (kind === 'output-file' && target.isDirectory()) return 'it is a folder; name a file';
        if (kind !== 'output-file' && !target.isDirectory()) return target.isFile() ? 'it is a file; name a folder' : 'it is a device, a pipe or a socket, not a folder';
        if (!target.isDirectory() && !target.isFile()) return 'it is not a regular file (a device, a pipe or a socket): Lumen writes files only';
      }
      if (kind === 'library') return null; // reading a library needs no write access; opening one for writing says so itself
      try {
        fs.accessSync(target?.isDirectory() ? absolute : dir, fs.constants.W_OK);
      } catch (err) {
        const where = target?.isDirectory() ? 'it' : dir === path.dirname(absolute) ? 'its folder' : `the folder ${shownPath(dir)} above it`;
        return `${where} cannot be written to: ${describeFsError(err)}`;
      }
      return null;
    }
  }
}

/**
 * Checks a path a person named for what it must be (`kind`) and returns it made absolute.
 * Throws UserPathError: `<label> <path>: <why>.`, e.g. "--out /proc/x/a.onnx: it is in the
 * kernel's view of its processes (procfs), not a place for files: …". Never writes anything.
 */
export function checkUserPath(p: string, kind: UserPathKind, label: string): string {
  const refuse = (why: string) => new UserPathError(`${label}${p === '' ? '' : ` ${shownPath(p)}`}: ${why}.`);
  const text = textProblem(p);
  if (text) throw refuse(text);
  let problem: string | null;
  try {
    problem = fileProblem(p, kind);
  } catch (err) {
    problem = describeFsError(err);
  }
  if (problem) throw refuse(problem);
  return path.resolve(p);
}

/** Why a path a request carries cannot be a path at all (empty, a control character, too long); null when it can. */
export function pathTextProblem(p: string): string | null {
  return textProblem(p);
}
