// Which process a long job's folder belongs to, so that another process can tell a folder whose
// writer still runs from one whose writer is gone: a training checkpoint that `lumen models
// delete` must not discard under a run that is still writing it.
//
// A process id alone is not enough: ids are reused, and a checkpoint left by a run killed weeks
// ago could name a process that has since started for something else. On Linux the record also
// keeps the process's start time (field 22 of /proc/<pid>/stat, clock ticks since boot), and a
// live process with another start time is not the owner. Elsewhere the id and the host decide.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { isRunning } from './safe-fs';

/** The file a job's folder keeps its owner in. */
export const OWNER_FILE = 'owner.json';

export interface RunOwner {
  pid: number;
  host: string;
  /** /proc/<pid>/stat's start time, where there is one. */
  started?: string;
}

/** The start time of process `pid` as /proc/<pid>/stat gives it, or undefined where there is no /proc. */
function startTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name (field 2) is in parentheses and may hold spaces: count after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = fields[19];
    return ticks && /^\d+$/.test(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/** This process, as a folder's owner. */
export function thisProcess(): RunOwner {
  const started = startTicks(process.pid);
  return { pid: process.pid, host: os.hostname(), ...(started ? { started } : {}) };
}

/**
 * The live process a record (read from a file: hostile, any shape) names, or null: a record that
 * does not read, another computer's, a process that has ended, or one with the same id that
 * started at another time.
 */
export function liveOwner(record: unknown): RunOwner | null {
  if (record === null || typeof record !== 'object') return null;
  const r = record as Record<string, unknown>;
  if (!Number.isSafeInteger(r.pid) || (r.pid as number) <= 0 || typeof r.host !== 'string') return null;
  const owner: RunOwner = { pid: r.pid as number, host: r.host.slice(0, 255), ...(typeof r.started === 'string' ? { started: r.started.slice(0, 40) } : {}) };
  if (owner.host !== os.hostname() || !isRunning(owner.pid)) return null;
  if (owner.started !== undefined) {
    const now = startTicks(owner.pid);
    if (now !== undefined && now !== owner.started) return null;
  }
  return owner;
}
