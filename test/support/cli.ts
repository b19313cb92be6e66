// `lumen` as a user runs it, for the tests of its commands: spawned from the repository root
// through bin/lumen.mjs (the same launcher the user types), with its own data folder.
import { execFile } from 'node:child_process';
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
 * Runs `lumen <args>` with LUMEN_DATA_DIR set to `dataDir` (and `env` on top). A command that
 * fails resolves with its exit status and output rather than throwing, so a test asserts both.
 */
export async function runLumen(args: string[], dataDir: string, env: NodeJS.ProcessEnv = {}): Promise<LumenRun> {
  try {
    const { stdout, stderr } = await run(process.execPath, [path.join(repo, 'bin/lumen.mjs'), ...args], {
      cwd: repo,
      env: { ...process.env, LUMEN_DATA_DIR: dataDir, ...env },
      maxBuffer: 64 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
