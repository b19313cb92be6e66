/**
 * Opens SQLite files with the better-sqlite3 build made for the runtime that
 * runs this code. A compiled addon loads only in the runtime whose
 * NODE_MODULE_VERSION it was built for, and Lumen runs in several: the system
 * Node (CLI, tests, bridge) uses the build `npm ci` made in node_modules;
 * Electron's Node (the desktop app) and any other Node use their own build in
 * native/<runtime>-abi<N>-<platform>-<arch>/, made by `npm run native`. No
 * runtime's build ever replaces another's.
 */
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { unpackedPath } from '../../common/node/packed-path';
import { errorMessage } from '../../common/errors';

const requireHere = createRequire(import.meta.url);

export class NativeModuleError extends Error {
  override name = 'NativeModuleError';
}

export interface Runtime {
  /** 'electron' inside Electron (main, utility process or run as Node), else 'node'. */
  runtime: 'electron' | 'node';
  version: string;
  abi: string;
  platform: string;
  arch: string;
}

export function currentRuntime(): Runtime {
  const electron = process.versions.electron;
  return {
    runtime: electron ? 'electron' : 'node',
    version: electron ?? process.versions.node,
    abi: process.versions.modules,
    platform: process.platform,
    arch: process.arch,
  };
}

/** The folder of one runtime's build; scripts/native.mjs writes to the same name. */
export function nativeFolderName(r: Runtime): string {
  return `${r.runtime}-abi${r.abi}-${r.platform}-${r.arch}`;
}

/** The native/ folder: two levels up from this file in the sources, and from dist/electron/*.cjs once bundled. */
function nativeRoot(): string {
  return process.env.LUMEN_NATIVE_DIR ?? unpackedPath(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../native'));
}

/** Where this runtime's build is: its own folder when it has one, else the build `npm ci` made in node_modules. */
export function sqliteBindingPath(r: Runtime = currentRuntime()): string {
  const own = path.join(nativeRoot(), nativeFolderName(r), 'better_sqlite3.node');
  if (existsSync(own)) return own;
  return unpackedPath(path.join(path.dirname(requireHere.resolve('better-sqlite3/package.json')), 'build/Release/better_sqlite3.node'));
}

/** What to run to get a build for this runtime. */
export function rebuildCommand(r: Runtime = currentRuntime(), execPath = process.execPath): string {
  if (/[\\/]app\.asar[\\/]/.test(fileURLToPath(import.meta.url))) return 'reinstall Lumen (this installation lacks its SQLite module for its own Electron)';
  if (r.runtime === 'electron') return 'run "npm run native -- --electron" in the Lumen folder (once, with internet access for Electron\'s headers)';
  return `run "npm run native -- --node ${JSON.stringify(execPath).slice(1, -1)}" in the Lumen folder, or use the Node that ran "npm install"`;
}

/** Says what a failed load means: the message names runtimes, ABIs and the fix, never just the loader's text. */
export function describeLoadFailure(err: unknown, file: string, r: Runtime = currentRuntime(), execPath = process.execPath): string {
  const detail = errorMessage(err);
  const here = `${r.runtime === 'electron' ? 'Electron' : 'Node'} ${r.version} (NODE_MODULE_VERSION ${r.abi})`;
  const abi = /NODE_MODULE_VERSION (\d+)\.\s*This version/.exec(detail)?.[1];
  const what = abi
    ? `was built for another runtime (NODE_MODULE_VERSION ${abi}) and cannot load in ${here}`
    : (err as NodeJS.ErrnoException)?.code === 'MODULE_NOT_FOUND' || !existsSync(file)
      ? `is missing (${file}), so it cannot load in ${here}`
      : `could not be loaded in ${here} (${file}: ${/invalid ELF|wrong ELF|not a valid Win32|mach-o/i.test(detail) ? 'it was built for another system' : 'the file is damaged or incomplete'})`;
  return `Lumen's SQLite module (better-sqlite3) ${what}. To fix it, ${rebuildCommand(r, execPath)}.`;
}

let loaded: string | null = null;
let failed: NativeModuleError | null = null;

/**
 * Loads this runtime's build once and returns its path (better-sqlite3 then
 * finds it in Node's module cache); a NativeModuleError says what went wrong
 * and how to fix it. A failed load is not tried again: the loader keeps the
 * library it could not register, and a second try fails with other words
 * ("did not self-register"), which would be taken for a damaged file.
 */
export function loadSqlite(): string {
  if (loaded) return loaded;
  if (failed) throw failed;
  const file = sqliteBindingPath();
  try {
    requireHere(file);
  } catch (err) {
    throw (failed = new NativeModuleError(describeLoadFailure(err, file)));
  }
  return (loaded = file);
}

/** `new Database(file, options)` with this runtime's build of the addon (a Buffer: a database file's bytes, opened in memory). */
export function openDatabase(file: string | Buffer, options: Database.Options = {}): Database.Database {
  return new Database(file, { ...options, nativeBinding: loadSqlite() });
}
