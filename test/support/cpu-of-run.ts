// CPU seconds of a lumen child process, for tests that stop a run part-way (Ctrl+C) at a point
// measured in the work it has done rather than in wall time, which a loaded machine stretches.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { spawnLumen } from './crash';

/** CPU seconds process `pid` has used (utime + stime of /proc/<pid>/stat). */
export const cpuSeconds = (pid: number): number => {
  const f = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};

/** Runs `lumen <args>` to its end, polling its CPU seconds: the last reading before it ended. */
export async function cpuOfRun(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const run = spawnLumen(args, env);
  const closed = new Promise<number | null>((resolve) => run.once('exit', (code) => resolve(code)));
  let cpu = 0;
  while (run.exitCode === null) {
    try {
      cpu = cpuSeconds(run.pid!);
    } catch {
      break; // ended between the check and the read
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(await closed, run.output()).toBe(0);
  return cpu;
}
