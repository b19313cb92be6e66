// Killing the real `lumen` command mid-work, for the crash-safety tests: spawn it, wait for
// a sign that it is in the middle of something (a file, a row), then SIGKILL: no handler,
// no cleanup, as a power cut or the OOM killer would stop it.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const repo = path.resolve(__dirname, '../..');

export function spawnLumen(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess & { output: () => string } {
  const child = spawn(process.execPath, [path.join(repo, 'bin/lumen.mjs'), ...args], { cwd: repo, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return Object.assign(child, { output: () => output });
}

/**
 * Polls `ready` every few milliseconds and SIGKILLs the child as soon as it holds; rejects
 * when the child ends first (the test then proves nothing) or after `ms`.
 */
export function killWhen(child: ChildProcess & { output: () => string }, ready: () => boolean, ms = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const onExit = (code: number | null) => {
      clearInterval(timer);
      reject(new Error(`lumen ended (code ${code}) before the moment to kill it: ${child.output().slice(-2000)}`));
    };
    child.once('exit', onExit);
    const timer = setInterval(() => {
      let hit = false;
      try {
        hit = ready();
      } catch {
        // not there yet (a file half-written, a database not created)
      }
      if (hit) {
        clearInterval(timer);
        child.off('exit', onExit);
        child.once('exit', () => resolve());
        child.kill('SIGKILL');
      } else if (Date.now() - started > ms) {
        clearInterval(timer);
        child.off('exit', onExit);
        child.kill('SIGKILL');
        reject(new Error(`no sign of progress within ${ms} ms: ${child.output().slice(-2000)}`));
      }
    }, 5);
  });
}

/** Runs lumen to the end; resolves with its exit code and output. */
export function runLumen(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; output: string; stdout: string }> {
  const child = spawnLumen(args, env);
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output: child.output(), stdout })));
}
