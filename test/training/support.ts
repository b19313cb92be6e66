// The engine's real training handlers as the training tests call them: the engine's real
// JobRunner, the events a request context receives collected in order, requests checked
// against the contract both ways (or not, to test what a handler refuses on its own).
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RequestContext } from '../../common/rpc';
import { requests } from '../../common/contract';
import { JobRunner } from '../../electron/engine/jobs';
import { trainingHandlers } from '../../electron/engine/handlers/training';
import { Library } from '../../electron/library/library';

export interface EngineEvent {
  event: string;
  payload: any;
}

/** Made at a test file's top level; `open(dataDir)` in its beforeAll, `close()` in its afterAll. */
export function trainingRequests() {
  const events: EngineEvent[] = [];
  const ctx: RequestContext = { emit: (event, payload) => events.push({ event, payload }) };
  const jobs = new JobRunner();
  const cleanups: (() => void | Promise<void>)[] = [];
  let handlers: ReturnType<typeof trainingHandlers> | undefined;
  const handler = (name: string) => {
    if (!handlers) throw new Error('trainingRequests: open(dataDir) first, in beforeAll');
    return (handlers as any)[name] as (input: unknown, ctx: RequestContext) => Promise<any>;
  };
  return {
    events,
    ctx,
    jobs,
    open(dataDir: string): void {
      handlers = trainingHandlers({ dataDir, jobs, log: () => {}, onDispose: (fn) => cleanups.push(fn) });
    },
    /** A request as the dispatcher makes it: input and output checked against the contract. */
    async call(name: keyof typeof requests, input: unknown): Promise<any> {
      const parsed = requests[name].input.parse(input);
      return requests[name].output.parse(await handler(name)(parsed, ctx));
    },
    /** A request as a transport that skipped the contract's checks would make it: the handler must still refuse. */
    unchecked(name: keyof typeof requests, input: unknown): Promise<any> {
      return handler(name)(input, ctx);
    },
    /** The job's job.finished or job.failed event. */
    waitForJob(jobId: string, ms = 200_000): Promise<EngineEvent> {
      return new Promise((resolve, reject) => {
        const started = Date.now();
        const tick = () => {
          const hit = events.find((e) => (e.event === 'job.finished' || e.event === 'job.failed') && e.payload.jobId === jobId);
          if (hit) return resolve(hit);
          if (Date.now() - started > ms) return reject(new Error('job did not end'));
          setTimeout(tick, 20);
        };
        tick();
      });
    },
    async close(): Promise<void> {
      for (const c of cleanups) await c();
    },
  };
}

/**
 * A data folder for a test of the training requests: a new temporary folder named after `name`,
 * `write(<dataDir>/incoming)` writes the phantoms, and the library `<dataDir>/library` imports
 * them (in process, as the app's import does). The caller removes the folder afterwards.
 */
export async function phantomDataDir<T extends { dir: string }>(name: string, write: (dir: string) => T): Promise<{ dataDir: string; set: T }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `lumen-${name}-`));
  const set = write(path.join(dataDir, 'incoming'));
  const lib = Library.open(path.join(dataDir, 'library'));
  try {
    await lib.importPaths([set.dir]);
  } finally {
    lib.close();
  }
  return { dataDir, set };
}
