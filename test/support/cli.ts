// `lumen` as a user runs it, for the tests of its commands: spawned from the repository root
// through bin/lumen.mjs (the same launcher the user types), with its own data folder.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = path.resolve(__dirname, '../..');

/** A finished `lumen` command: its exit status and what it printed. */
export interface LumenRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `lumen <args>` with LUMEN_DATA_DIR set to `dataDir` (and `env` on top), killed after
 * `options.timeout` ms if given. A command that fails resolves with its exit status and output rather than throwing, so a test asserts both.
 */
export async function runLumen(args: string[], dataDir: string, env: NodeJS.ProcessEnv = {}, options: { timeout?: number } = {}): Promise<LumenRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(repo, 'bin/lumen.mjs'), ...args], {
      cwd: repo,
      env: { ...process.env, LUMEN_DATA_DIR: dataDir, ...env },
      maxBuffer: 64 * 1024 * 1024,
      // For a command that would run until stopped (lumen serve) if the test's check failed.
      timeout: options.timeout,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** A phantom library as a user makes one: the DICOM written into `<root>/dicom`, then `lumen import`ed into `<root>/library`. */
export interface ImportedLibrary<T> {
  /** A new temporary folder (the test file removes it afterwards); `<root>/data` is lumen's data folder. */
  root: string;
  library: string;
  /** What `write` returned. */
  set: T;
}

/** Makes a temporary folder named after `name`, calls `write(<root>/dicom)` and imports that folder with `lumen import`; a failed import throws with what lumen said. */
export async function importedLibrary<T>(name: string, write: (dicomDir: string) => T): Promise<ImportedLibrary<T>> {
  const root = mkdtempSync(path.join(os.tmpdir(), `lumen-${name}-`));
  const dicom = path.join(root, 'dicom');
  const set = write(dicom);
  const library = path.join(root, 'library');
  const imported = await runLumen(['import', dicom, '--library', library, '--json'], path.join(root, 'data'));
  if (imported.code !== 0) throw new Error(`lumen import exited ${imported.code}: ${imported.stderr}`);
  return { root, library, set };
}
