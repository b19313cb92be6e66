/**
 * Which files and folders a request may name: one check for every request of
 * the contract that takes a path (PATH_FIELDS), applied by the engine before
 * the handler runs, with the policy the transport gave (PathAccess).
 *
 * Through the browser bridge a request is only as trusted as the page that
 * holds the token, so a path must lie, after resolving symbolic links, in the
 * data folder or in a folder the user chose in that session (typed into
 * Import); otherwise a label CSV pointed at /etc/passwd, or a package export
 * over ~/.bashrc, would read or write any file. The desktop app and the CLI act
 * for their own user and may name any path, through the same checks.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RequestName } from '../../common/contract';
import { errorMessage } from '../../common/errors';
import type { PathAccess } from '../../common/rpc';
import { isBelow, resolveLinks as resolveLinksAsFarAsExists } from '../../common/node/safe-fs';
import { PACKAGE_ARCHIVE_EXTENSION } from '../../models/package/archive-extension';
import { describeFsError } from '../dicom/fs-errors';
import { pathTextProblem, shownPath } from '../../common/node/user-path';

/**
 * What a path names, which decides its check:
 * - chosen: a folder the user picks to import; allowed anywhere (the bridge makes it a root of its session);
 * - read: an existing file or folder Lumen reads;
 * - write: a folder Lumen creates or replaces (its nearest existing parent must be allowed);
 * - export: a new .lumenpkg file, never one that exists, in an existing allowed folder.
 */
export type PathUse = 'chosen' | 'read' | 'write' | 'export';

/** Every request that names a file or folder, its path fields, what each is for, and what the file is (for messages). */
export const PATH_FIELDS = {
  'library.import': { paths: { use: 'chosen', what: 'folder to import' } },
  'training.labels.importFolders': { path: { use: 'chosen', what: 'folder of class folders' } },
  'training.labels.importCsv': { path: { use: 'read', what: 'label CSV' } },
  'models.importPackage': { file: { use: 'read', what: 'model package' } },
  'training.importPackage': { file: { use: 'read', what: 'model package' } },
  'training.start': { out: { use: 'write', what: 'package folder' }, backbonePackage: { use: 'read', what: 'backbone package' } },
  'training.resume': { checkpointDir: { use: 'read', what: 'training checkpoint' } },
  'training.report': { path: { use: 'read', what: 'training report' } },
  'training.results': { packageDir: { use: 'read', what: 'model package' } },
  'training.evaluate': { packageDir: { use: 'read', what: 'model package' } },
  'training.predict': { packageDir: { use: 'read', what: 'model package' } },
  'training.suggest': { packageDir: { use: 'read', what: 'model package' } },
  'training.cam': { packageDir: { use: 'read', what: 'model package' } },
  'training.exportPackage': { packageDir: { use: 'read', what: 'model package' }, file: { use: 'export', what: 'package file' } },
  'export.results': { out: { use: 'write', what: 'results folder' } },
  'export.deidentify': { out: { use: 'write', what: 'folder for de-identified copies' } },
  'export.table': { out: { use: 'write', what: 'table file' } },
  'weights.import': { file: { use: 'read', what: 'Keras weights file' } },
} as const satisfies Partial<Record<RequestName, Record<string, { use: PathUse; what: string }>>>;

/** A path a request may not name; the message says which, why, and what to do, and never shows what the file holds. */
export class PathRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PathRefusedError';
  }
}

/** `p` with every symbolic link resolved as far as it exists (common/node/safe-fs.ts), refused in words when the file system says no. */
function resolveLinks(p: string): { real: string; exists: boolean } {
  try {
    return resolveLinksAsFarAsExists(p);
  } catch (err) {
    throw new PathRefusedError(`Cannot use ${p}: ${describeFsError(err)}.`);
  }
}

function within(root: string, real: string): boolean {
  return path.relative(root, real) === '' || isBelow(root, real);
}

/** The real paths of the data folder and the session's chosen folders (those that still exist). */
function realRoots(access: Exclude<PathAccess, 'everywhere'>, dataDir: string): string[] {
  const roots: string[] = [];
  for (const root of [dataDir, ...access.roots]) {
    try {
      roots.push(fs.realpathSync.native(root));
    } catch {
      // a folder that is gone allows nothing
    }
  }
  return roots;
}

/**
 * A path as a person typed or pasted it into a path box, read as the path it means: one pair
 * of surrounding quotes taken off (Windows' "Copy as path" and many file managers add them),
 * a file:// URL on this computer decoded (a folder dragged into a text box gives one), and a
 * leading ~ made the home folder of the engine's user. Through the browser a relative path is
 * refused: it would be taken from the server's working folder, which that user neither sees
 * nor chose. What is left (empty, a NUL, ...) is for the checks after it. Throws PathRefusedError.
 */
export function typedPath(p: string, access: PathAccess, what: string): string {
  let s = p;
  const quoted = /^\s*(["'])(.*)\1\s*$/s.exec(s);
  if (quoted) s = quoted[2];
  if (/^\s*file:\/\//i.test(s)) {
    s = s.trim();
    let url: URL;
    try {
      url = new URL(s);
    } catch {
      throw new PathRefusedError(`The ${what} ${shownPath(p)} cannot be used: it is not a file URL Lumen can read.`);
    }
    if (url.hostname && url.hostname.toLowerCase() !== 'localhost') {
      throw new PathRefusedError(`The ${what} ${shownPath(p)} is on another computer (${url.hostname}): Lumen reads only this computer's files. Copy them here, or mount the share and type its path.`);
    }
    url.hostname = '';
    try {
      s = fileURLToPath(url);
    } catch (err) {
      throw new PathRefusedError(`The ${what} ${shownPath(p)} cannot be used: ${errorText(err)}.`);
    }
  } else if (s === '~' || (process.platform === 'win32' ? /^~[\\/]/ : /^~\//).test(s)) {
    s = path.join(os.homedir(), s.slice(1));
  }
  if (access !== 'everywhere' && notFull(s)) throw notFullPath(s, what);
  return s;
}

/** A relative path (what is empty or holds a NUL is for the checks after it). */
const notFull = (p: string) => p !== '' && !p.includes('\0') && !path.isAbsolute(p);

function notFullPath(p: string, what: string): PathRefusedError {
  const start = process.platform === 'win32' ? 'a drive letter' : '/';
  return new PathRefusedError(`The ${what} ${shownPath(p)} is not a full path. Type the full path, starting with ${start}.`);
}

/** Node's reason for a URL it cannot make a path, without its error code. */
function errorText(err: unknown): string {
  const text = errorMessage(err);
  return text.replace(/^\w+ \[[A-Z_]+\]: /, '').replace(/\.$/, '').replace(/^./, (c) => c.toLowerCase());
}

/**
 * Checks one path a request names (as typed: typedPath reads it first), and returns it made
 * absolute. Links are resolved for the check only: handlers compare paths with the data folder
 * as it was given (a data folder under a linked home would otherwise never match). Throws
 * PathRefusedError.
 */
export function checkPath(typed: string, use: PathUse, what: string, access: PathAccess, dataDir: string): string {
  return checkReadPath(typedPath(typed, access, what), use, what, access, dataDir);
}

/**
 * checkPath for a path that must be a full one from the desktop app too (the data folder: the
 * engine's working folder, which a relative path would be taken from, means nothing to the
 * user), refused with the browser's words. Throws PathRefusedError.
 */
export function checkFullPath(typed: string, use: PathUse, what: string, access: PathAccess, dataDir: string): string {
  const p = typedPath(typed, access, what);
  if (notFull(p)) throw notFullPath(p, what);
  return checkReadPath(p, use, what, access, dataDir);
}

/** checkPath of a path typedPath has read already. */
function checkReadPath(p: string, use: PathUse, what: string, access: PathAccess, dataDir: string): string {
  // Not a path at all (empty: the engine's current folder; a NUL: Node's own error text), whatever it is for.
  const text = pathTextProblem(p);
  if (text) throw new PathRefusedError(`The ${what}${p === '' ? '' : ` ${shownPath(p)}`} cannot be used: ${text}.`);
  if (use === 'chosen') return p;
  const { real, exists } = resolveLinks(p);
  if (use === 'read' && !exists) throw new PathRefusedError(`The ${what} ${p} does not exist.`);
  if (use === 'export') {
    if (!p.toLowerCase().endsWith(PACKAGE_ARCHIVE_EXTENSION)) throw new PathRefusedError(`The ${what} ${p} must end in ${PACKAGE_ARCHIVE_EXTENSION}.`);
    // lstat, not exists: a dangling symbolic link is a file too, and writing through it would land elsewhere.
    if (lstatOrNull(p)) throw new PathRefusedError(`The ${what} ${p} already exists: Lumen never overwrites a file. Choose a new name, or move the old file away.`);
    const parent = lstatOrNull(path.dirname(real));
    if (!parent?.isDirectory()) throw new PathRefusedError(`The folder of the ${what} ${p} does not exist: choose an existing folder.`);
  }
  if (access === 'everywhere') return path.resolve(p);
  const roots = realRoots(access, dataDir);
  if (roots.some((root) => within(root, real))) return path.resolve(p);
  const resolved = real === path.resolve(p) ? '' : ` (it resolves to ${real})`;
  const shown = access.roots.slice(0, 3).join(', ') + (access.roots.length > 3 ? ` and ${access.roots.length - 3} more` : '');
  throw new PathRefusedError(
    `The ${what} ${p}${resolved} is outside the folders this browser session may use: the data folder ${dataDir}` +
      `${access.roots.length ? ` and the folders imported in this session (${shown})` : ''}. Import its folder first, or use the desktop app.`,
  );
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}

/**
 * The input with every path field of `method` checked (PATH_FIELDS) and made absolute;
 * other requests pass unchanged. Throws PathRefusedError.
 */
export function checkRequestPaths(method: RequestName, input: unknown, access: PathAccess, dataDir: string): unknown {
  const fields: Record<string, { use: PathUse; what: string }> | undefined = (PATH_FIELDS as Partial<Record<RequestName, Record<string, { use: PathUse; what: string }>>>)[method];
  if (!fields || !input || typeof input !== 'object') return input;
  const checked: Record<string, unknown> = { ...(input as Record<string, unknown>) };
  for (const [field, { use, what }] of Object.entries(fields)) {
    const value = checked[field];
    if (typeof value === 'string') checked[field] = checkPath(value, use, what, access, dataDir);
    else if (Array.isArray(value)) checked[field] = value.map((v) => (typeof v === 'string' ? checkPath(v, use, what, access, dataDir) : v));
  }
  return checked;
}

/**
 * The folders a request chose (its 'chosen' fields: a folder typed into Import), with their
 * symbolic links resolved; files and paths that do not exist are not folders to allow.
 */
export function chosenFolders(method: RequestName, input: unknown): string[] {
  const fields: Record<string, { use: PathUse }> | undefined = (PATH_FIELDS as Partial<Record<RequestName, Record<string, { use: PathUse }>>>)[method];
  if (!fields || !input || typeof input !== 'object') return [];
  const folders: string[] = [];
  for (const [field, { use }] of Object.entries(fields)) {
    if (use !== 'chosen') continue;
    const value = (input as Record<string, unknown>)[field];
    for (const p of Array.isArray(value) ? value : [value]) {
      if (typeof p !== 'string') continue;
      try {
        // As the engine read it (checkPath): quotes, a file URL, ~; what it refused is not a folder.
        const real = fs.realpathSync.native(typedPath(p, 'everywhere', 'folder'));
        if (fs.statSync(real).isDirectory()) folders.push(real);
      } catch {
        // not there: the import itself says so
      }
    }
  }
  return folders;
}
