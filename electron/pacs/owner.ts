/**
 * Which process wrote a PACS leftover (a pending marker, a temporary `.part` file), and whether
 * that process still runs: what a live receiver or retrieve (another `lumen`, the app) is still
 * filing is left to it; only a stopped one's leftovers are filed or removed.
 *
 * A pid alone is reused: after a power cut a receiver started at boot may get the pid the killed
 * one had, and would then take its own leftovers for a live process's for ever. So an owner is
 * recorded as its pid with, on Linux, the boot's id and the process's start time (clock ticks
 * after boot, /proc/<pid>/stat), which no other process shares.
 */
import fs from 'node:fs';
import { isRunning } from '../../common/node/safe-fs';

/** The process that wrote a leftover, as its marker records it. */
export interface Owner {
  pid: number;
  /** /proc/sys/kernel/random/boot_id when it wrote (Linux), else absent. */
  boot?: string;
  /** Its start time in clock ticks after boot (field 22 of /proc/<pid>/stat; Linux), else absent. */
  start?: string;
}

/** The most bytes of a marker read: an owner is a few dozen. */
const MAX_OWNER_BYTES = 512;

const readSmall = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, 'latin1').slice(0, MAX_OWNER_BYTES).trim();
  } catch {
    return undefined;
  }
};

/** The start time of process `pid` (field 22 of /proc/<pid>/stat), or undefined where there is no /proc or it cannot be read. */
function startOf(pid: number): string | undefined {
  const stat = readSmall(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // The command name (field 2) is in parentheses and may hold spaces and parentheses: count after the last ')'.
  const start = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  return start && /^\d+$/.test(start) ? start : undefined;
}

let bootId: string | null | undefined;
function currentBoot(): string | undefined {
  if (bootId === undefined) {
    const id = readSmall('/proc/sys/kernel/random/boot_id');
    bootId = id && /^[0-9a-f-]{1,64}$/i.test(id) ? id : null;
  }
  return bootId ?? undefined;
}

let self: Owner | undefined;
/** This process, as a marker records it. */
export function thisProcess(): Owner {
  self ??= { pid: process.pid, boot: currentBoot(), start: startOf(process.pid) };
  return self;
}

/** The owner of process `pid` now (what its markers record), or null when it does not run. */
export function ownerOf(pid: number): Owner | null {
  if (!isPid(pid) || !isRunning(pid)) return null;
  return { pid, boot: currentBoot(), start: startOf(pid) };
}

/** The text of a marker written by `owner`: one JSON line. */
export function ownerText(owner: Owner): string {
  return JSON.stringify(owner);
}

const isPid = (pid: unknown): pid is number => typeof pid === 'number' && Number.isSafeInteger(pid) && pid > 0 && pid <= 0x7fffffff;

/**
 * The owner a marker's text names, or null when it names none: an empty marker (made before
 * markers recorded their process) or one that is not an owner's (hostile, torn).
 */
export function parseOwner(text: string): Owner | null {
  if (text.trim() === '' || text.length > MAX_OWNER_BYTES) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { pid, boot, start } = value as Record<string, unknown>;
  if (!isPid(pid)) return null;
  const text64 = (v: unknown) => (typeof v === 'string' && /^[0-9a-f-]{1,64}$/i.test(v) ? v : undefined);
  return { pid, boot: text64(boot), start: text64(start) };
}

/**
 * Whether the process that `owner` names still runs: its pid answers (process.kill(pid, 0);
 * EPERM, another user's, counts as running) and, where both are known, it is the same boot and the
 * same start time (else the pid was reused by another process, and the owner is gone).
 */
export function ownerRuns(owner: Owner): boolean {
  if (!isRunning(owner.pid)) return false;
  const boot = currentBoot();
  if (owner.boot && boot && owner.boot !== boot) return false;
  const start = startOf(owner.pid);
  if (owner.start && start && owner.start !== start) return false;
  return true;
}

/** Whether `owner` is this process (the same pid, boot and start). */
export function isThisProcess(owner: Owner): boolean {
  const me = thisProcess();
  return owner.pid === me.pid && owner.boot === me.boot && owner.start === me.start;
}
