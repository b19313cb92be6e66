/**
 * The engine host: starts the engine worker, forwards requests to it and
 * fans its events out. If the worker dies, pending requests fail with a
 * clear message, an `engine.error` event is sent, and the next request
 * starts a fresh worker: the app stays up.
 *
 * It also watches the worker: every request has a deadline, after which its
 * caller gets an error naming it; and while a job runs the worker is pinged
 * now and then. A worker that then does not answer a ping is stuck (a
 * blocking read, a runaway loop): it is killed, its jobs fail, and the next
 * request starts a fresh one.
 */
import { fileURLToPath } from 'node:url';
import { JobStarted } from '../../common/contract/define';
import { requests, type RequestName } from '../../common/contract';
import { validateRequest, type PathAccess, type Reply } from '../../common/rpc';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol';
import { forkEngine, type EngineProcess, type SpawnEngine } from './spawn';
import { errorMessage } from '../../common/errors';
import { appSessionEnv } from './app-session';

export interface EngineTimeouts {
  /** How long the caller of each request waits for its answer, in ms (see DEADLINES). */
  requests?: Partial<Record<RequestName, number>>;
  /** How long a worker suspected of being stuck has to answer a ping before it is killed. */
  ping?: number;
  /** While a job runs, how often the worker is checked with a ping. */
  heartbeat?: number;
}

export interface EngineHostOptions extends WorkerConfig {
  /** The worker script; defaults to the tsx bootstrap next to this file. */
  workerPath?: string;
  /** How the engine process is started; defaults to a plain Node fork (the desktop app passes a utility process). */
  spawn?: SpawnEngine;
  log?: (line: string) => void;
  /** Shorter in tests; the defaults suit the app. */
  timeouts?: EngineTimeouts;
}

type Listener = (event: string, payload: unknown) => void;

const SECOND = 1000;
const QUICK = 15 * SECOND;
const QUERY = 60 * SECOND;
const HEAVY = 5 * 60 * SECOND;
/**
 * How long a caller waits: a minute for a query, less for bookkeeping, five
 * for what loads a model, probes every backend or reads whole packages. A
 * request that starts a job answers at once with its id; the job itself is
 * watched by the heartbeat, however long it runs.
 */
const DEADLINES: Partial<Record<RequestName, number>> = {
  'engine.ping': QUICK,
  'job.cancel': QUICK,
  'job.list': QUICK,
  'viewer.cancel': QUICK,
  'app.info': HEAVY,
  'engine.doctor': HEAVY,
  'models.importPackage': HEAVY,
  'training.importPackage': HEAVY,
  'training.exportPackage': HEAVY,
  'predict.cam': HEAVY,
  'training.cam': HEAVY,
  // These verify every installed package (hashing its files) or build every variant once.
  'models.catalog': HEAVY,
  'models.deletePackage': HEAVY,
  'models.recommend': HEAVY,
  'training.packages': HEAVY,
  // They report the backends, probed once per engine as app.info does.
  'settings.get': HEAVY,
  'settings.set': HEAVY,
};
/**
 * A training step on a slow backend keeps the worker busy between two turns
 * of its event loop for many seconds: only a much longer silence means stuck.
 */
const PING_DEADLINE = 2 * 60 * SECOND;
const HEARTBEAT = 30 * SECOND;

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

interface Pending {
  method: RequestName;
  resolve: (reply: Reply) => void;
}

export class EngineHost {
  private worker: EngineProcess | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Jobs the worker started and has not ended, so that they fail if it dies. */
  private readonly jobs = new Map<string, { kind: string }>();
  private readonly listeners = new Set<Listener>();
  private heartbeat: NodeJS.Timeout | null = null;
  private checking = false;
  private closed = false;

  constructor(private readonly options: EngineHostOptions) {}

  private start(): Promise<void> {
    const workerPath = this.options.workerPath ?? fileURLToPath(new URL('./worker-boot.mjs', import.meta.url));
    const config: WorkerConfig = { dataDir: this.options.dataDir, shell: this.options.shell, backend: this.options.backend ?? null };
    // This process is the app session: what lasts while the app is open (a deleted package's
    // Undo) outlives an engine that crashes and is started again (app-session.ts).
    const env: NodeJS.ProcessEnv = { ...process.env, LUMEN_ENGINE_CONFIG: JSON.stringify(config), ...appSessionEnv() };
    // Dawn's OpenGL ES fallback needs a surfaceless EGL on headless Linux; set
    // for the engine only, so the app's own GPU process keeps its platform.
    if (process.platform === 'linux' && !env.EGL_PLATFORM) env.EGL_PLATFORM = 'surfaceless';
    // A spawn strategy may first need a moment (the desktop app probes WebGPU
    // for the engine); this.ready is set at once so that one start is shared.
    this.ready = Promise.resolve((this.options.spawn ?? forkEngine())(workerPath, env)).then((worker) => {
      if (this.closed) {
        worker.kill();
        throw new Error('the engine was shut down as it started');
      }
      return this.attach(worker);
    });
    return this.ready;
  }

  /** Adopt a started worker: route its messages, and settle once it says it is ready. */
  private attach(worker: EngineProcess): Promise<void> {
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      const onMessage = (message: FromWorker) => {
        switch (message.type) {
          case 'ready':
            resolve();
            break;
          case 'reply': {
            const pending = this.pending.get(message.id);
            if (pending) {
              this.pending.delete(message.id);
              pending.resolve(message.reply);
            }
            break;
          }
          case 'event':
            this.trackJob(message.event, message.payload);
            for (const listener of this.listeners) listener(message.event, message.payload);
            break;
          case 'log':
            this.options.log?.(`[engine] ${message.line}`);
            break;
        }
      };
      worker.onMessage(onMessage);
      worker.onError((err) => {
        this.options.log?.(`[engine] crashed: ${err.stack ?? err.message}`);
        reject(err);
      });
      worker.onExit((how) => {
        this.retire(worker, `The engine stopped (${how})`);
        reject(new Error(`engine exited (${how}) before it was ready`));
      });
    });
  }

  /**
   * The worker is gone (it exited, or it was stuck and killed): fail what it
   * was doing, say so once, and let the next request start a fresh one.
   */
  private retire(worker: EngineProcess, what: string): void {
    if (this.worker !== worker) return; // already retired
    this.worker = null;
    this.ready = null;
    this.stopHeartbeat();
    const failed = [...this.pending.values()];
    this.pending.clear();
    for (const p of failed) {
      p.resolve({ ok: false, error: { code: 'unavailable', method: p.method, message: `${what} while handling "${p.method}". It restarts on the next request; try again.` } });
    }
    const jobs = [...this.jobs];
    this.jobs.clear();
    if (this.closed) return;
    for (const [jobId, { kind }] of jobs) {
      this.emit('job.failed', { jobId, kind, cancelled: false, message: `${what} while this job ran; start it again.` });
    }
    // The page tells the user (renderer/src/EngineCrashNotice.tsx): what happened, and which jobs it stopped.
    this.emit('engine.error', { message: `${what}; it restarts on the next request.`, where: 'engine', reason: what, jobs: jobs.map(([jobId, { kind }]) => ({ jobId, kind })) });
  }

  private emit(event: string, payload: unknown): void {
    for (const listener of this.listeners) listener(event, payload);
  }

  /** Send one request to this worker; null when it gave no answer within `deadline` ms. */
  private send(worker: EngineProcess, method: RequestName, input: unknown, deadline: number, access?: PathAccess): Promise<Reply | null> {
    const id = this.nextId++;
    return new Promise<Reply | null>((resolve) => {
      const timer = setTimeout(() => {
        if (this.pending.delete(id)) resolve(null);
      }, deadline);
      this.pending.set(id, {
        method,
        resolve: (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
      });
      worker.send({ type: 'request', id, method, input, access } satisfies ToWorker);
    });
  }

  /**
   * Send a request to the engine; never throws, always answers with a Reply. `access`: the
   * paths it may name (the bridge's session); absent, the default of this engine's shell.
   */
  async request(method: unknown, input: unknown, access?: PathAccess): Promise<Reply> {
    // Validate here too, so a bad message never crosses into the worker.
    const checked = validateRequest(method, input);
    if (!checked.ok) return checked;
    const name = checked.value.method;
    if (requests[name].runsIn !== 'engine') {
      return { ok: false, error: { code: 'unavailable', method: name, message: `"${name}" is handled by the desktop app, not the engine.` } };
    }
    if (this.closed) return { ok: false, error: { code: 'unavailable', method: name, message: 'The engine has been shut down.' } };
    try {
      await (this.ready ?? this.start());
    } catch (err) {
      return { ok: false, error: { code: 'unavailable', method: name, message: `The engine could not start: ${errorMessage(err)}` } };
    }
    const worker = this.worker;
    if (!worker) return { ok: false, error: { code: 'unavailable', method: name, message: `The engine stopped as "${name}" was sent. It restarts on the next request; try again.` } };
    const deadline = this.options.timeouts?.requests?.[name] ?? DEADLINES[name] ?? QUERY;
    const reply = await this.send(worker, name, checked.value.input, deadline, access);
    if (reply === null) {
      this.checkStuck(worker, `"${name}" got no answer within ${seconds(deadline)}`);
      return {
        ok: false,
        error: { code: 'timeout', method: name, message: `The engine did not answer "${name}" within ${seconds(deadline)}. If it has stopped answering it is restarted; try again.` },
      };
    }
    if (reply.ok && requests[name].output === JobStarted) this.jobStarted((reply.value as { jobId: string }).jobId, name);
    return reply;
  }

  private jobStarted(jobId: string, method: RequestName): void {
    // The kind is the worker's name for it, learnt from its first progress event.
    if (!this.jobs.has(jobId)) this.jobs.set(jobId, { kind: method });
    this.heartbeat ??= setInterval(() => {
      if (this.jobs.size === 0) this.stopHeartbeat();
      else if (this.worker) this.checkStuck(this.worker, `${this.jobs.size === 1 ? 'a job' : `${this.jobs.size} jobs`} running`);
    }, this.options.timeouts?.heartbeat ?? HEARTBEAT);
    this.heartbeat.unref();
  }

  private trackJob(event: string, payload: unknown): void {
    const { jobId, kind } = (payload ?? {}) as { jobId?: unknown; kind?: unknown };
    if (typeof jobId !== 'string') return;
    if (event === 'job.finished' || event === 'job.failed') this.jobs.delete(jobId);
    else if (event === 'job.progress' && typeof kind === 'string' && this.jobs.has(jobId)) this.jobs.set(jobId, { kind });
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /** Ping the worker; if it does not answer in time, kill it and fail what it was doing. */
  private checkStuck(worker: EngineProcess, why: string): void {
    if (this.checking || this.worker !== worker) return;
    this.checking = true;
    const deadline = this.options.timeouts?.ping ?? PING_DEADLINE;
    void this.send(worker, 'engine.ping', { echo: 'watchdog' }, deadline).then((pong) => {
      this.checking = false;
      if (pong !== null || this.worker !== worker) return;
      this.options.log?.(`[engine] stuck (${why}, and no answer to a ping within ${seconds(deadline)}): killing it`);
      worker.kill();
      // Retire it now: a process stuck in the kernel may take its time to exit.
      this.retire(worker, `The engine stopped answering (no reply within ${seconds(deadline)}) and was stopped`);
    });
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** For tests: kill the worker as a crash would. */
  async crashForTest(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const exited = new Promise((r) => worker.onExit(r));
    worker.kill();
    await exited;
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (worker) this.retire(worker, 'The engine was shut down');
    if (worker?.running) {
      const exited = new Promise((r) => worker.onExit(r));
      worker.send({ type: 'shutdown' } satisfies ToWorker);
      const timer = setTimeout(() => worker.kill(), 3000);
      await exited;
      clearTimeout(timer);
    }
  }
}
