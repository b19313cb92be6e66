/**
 * How the engine process is started. The host (host.ts) needs only what
 * `EngineProcess` offers, so each shell starts it its own way: the CLI's
 * bridge and the tests fork a plain Node (`forkEngine`); the desktop app
 * starts an Electron utility process (electron/main/engine-process.ts),
 * which needs no RunAsNode fuse.
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { FromWorker, ToWorker } from './protocol';

/** One running engine process, whichever way it was started. */
export interface EngineProcess {
  readonly pid: number | undefined;
  send(message: ToWorker): void;
  onMessage(listener: (message: FromWorker) => void): void;
  /** Called once, when the process has ended; `how` is its exit code or signal in words. */
  onExit(listener: (how: string) => void): void;
  /** The process could not be started, or a message could not be sent. */
  onError(listener: (err: Error) => void): void;
  /** Ends it at once (SIGKILL where there are signals). */
  kill(): void;
  /** False once it has exited. */
  readonly running: boolean;
}

/** Starts the engine; may take a moment first (the desktop app probes WebGPU for it). */
export type SpawnEngine = (workerPath: string, env: NodeJS.ProcessEnv) => EngineProcess | Promise<EngineProcess>;

export interface ForkOptions {
  /** The Node binary; defaults to the one running this code. */
  execPath?: string;
}

/** A plain Node child process with an IPC channel (structured clone, so typed arrays cross intact). */
export function forkEngine(options: ForkOptions = {}): SpawnEngine {
  return (workerPath, env) => {
    // Inside Electron, process.execPath is Electron itself: only a plain Node
    // path, or Electron run as Node, can run the worker this way.
    const runAsNode = !options.execPath && process.versions.electron ? { ELECTRON_RUN_AS_NODE: '1' } : {};
    const child = fork(workerPath, [], {
      env: { ...env, ...runAsNode },
      execPath: options.execPath,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [],
    });
    return childEngine(child);
  };
}

/** A forked Node child with an IPC channel as the host's EngineProcess. */
export function childEngine(child: ChildProcess): EngineProcess {
  return {
    get pid() {
      return child.pid;
    },
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    send: (message) => {
      if (child.connected) child.send(message);
    },
    onMessage: (listener) => child.on('message', listener as (m: unknown) => void),
    onExit: (listener) => child.once('exit', (code, signal) => listener(signal ?? `exit code ${code}`)),
    onError: (listener) => child.on('error', listener),
    kill: () => child.kill('SIGKILL'),
  };
}
