import type { PathAccess, Reply } from '../../common/rpc';

/** Messages between the engine host and the engine worker (a child process with an IPC channel). */
export type ToWorker =
  | { type: 'request'; id: number; method: string; input: unknown; access?: PathAccess }
  | { type: 'shutdown' };

export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'reply'; id: number; reply: Reply }
  | { type: 'event'; event: string; payload: unknown }
  | { type: 'log'; line: string };

export interface WorkerConfig {
  dataDir: string;
  shell: 'electron' | 'browser' | 'cli';
  backend?: 'tensorflow' | 'webgpu' | 'wasm' | 'cpu' | null;
}
