// Running a command with its network use watched, for the privacy tests:
// the JavaScript hook (network-hook.mjs, in every Node process and worker
// below the command) and, where strace works, every connect, send and bind
// system call of every process, native code included.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const HOOK = path.resolve(__dirname, 'network-hook.mjs');

export interface HookRecord {
  pid: number;
  thread: number;
  kind: 'process' | 'thread' | 'spawn' | 'unix' | 'connect' | 'listen' | 'fetch' | 'http' | 'https' | 'dns' | 'udp' | 'unwatched-worker';
  target: string;
  blocked: boolean;
}

/** Kinds that only say what ran, not a way out. */
const BOOKKEEPING = new Set(['process', 'thread', 'spawn', 'unix']);

const works = (command: string, args: string[]) => spawnSync(command, args, { stdio: 'ignore', timeout: 10_000 }).status === 0;

/** strace can trace here (installed, and ptrace allowed). */
export const straceWorks = (): boolean => works('strace', ['-f', '-qq', '--seccomp-bpf', '-e', 'trace=connect', 'true']);
/** unshare can make a network namespace here (root, or user namespaces allowed). */
export const unshareWorks = (): boolean => works('unshare', ['-n', 'true']) || works('unshare', ['-rn', 'true']);

export interface WatchOptions {
  env: NodeJS.ProcessEnv;
  /** The hook's log (JSON lines). */
  log: string;
  /** strace's output; no strace when absent. */
  strace?: string;
  /** Run inside a fresh network namespace: no interface but a loopback that is down. */
  isolated?: boolean;
  cwd?: string;
}

/** The command line and environment that run `argv` watched. */
export function watchedSpawnArgs(argv: string[], opts: WatchOptions): { command: string; args: string[]; env: NodeJS.ProcessEnv } {
  let line = argv;
  // -e signal=none: only the calls; the network calls named, each with its address.
  if (opts.strace) line = ['strace', '-f', '-qq', '--seccomp-bpf', '-e', 'trace=connect,sendto,sendmsg,bind', '-e', 'signal=none', '-o', opts.strace, ...line];
  if (opts.isolated) line = ['unshare', works('unshare', ['-n', 'true']) ? '-n' : '-rn', ...line];
  const env = { ...opts.env, NODE_OPTIONS: `${opts.env.NODE_OPTIONS ?? ''} --import=${new URL(`file://${HOOK}`).href}`.trim(), LUMEN_NETWORK_LOG: opts.log };
  return { command: line[0], args: line.slice(1), env };
}

/** Runs `argv` to its end, watched; never throws for a failing command. */
export function runWatched(argv: string[], opts: WatchOptions): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { command, args, env } = watchedSpawnArgs(argv, opts);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

export function hookRecords(log: string): HookRecord[] {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as HookRecord);
}

/** What the hook saw that could reach past this process: connects, listens, look-ups, requests, unwatched workers. */
export function networkUse(records: HookRecord[]): HookRecord[] {
  return records.filter((r) => !BOOKKEEPING.has(r.kind));
}

export function isLoopbackTarget(target: string): boolean {
  const bare = target.replace(/^udp /, '');
  return [bare, bare.replace(/:\d+$/, '')].some((candidate) => {
    const host = candidate.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host.startsWith('127.') || host === '::1' || host.startsWith('::ffff:127.');
  });
}

/** The IPv4 and IPv6 addresses in strace's connect/sendto/sendmsg/bind lines; Unix sockets left out. */
export function straceAddresses(file: string): { line: string; address: string }[] {
  if (!existsSync(file)) return [];
  const found: { line: string; address: string }[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!/sa_family=AF_INET6?\b/.test(line)) continue;
    const v4 = /inet_addr\("([^"]+)"\)/.exec(line);
    const v6 = /inet_pton\(AF_INET6, "([^"]+)"/.exec(line);
    found.push({ line, address: v4?.[1] ?? v6?.[1] ?? '(unparsed)' });
  }
  return found;
}
