/**
 * The engine host: starts the engine worker, forwards requests to it and
 * fans its events out. If the worker dies, pending requests fail with a
 * clear message, an `engine.error` event is sent, and the next request
 * starts a fresh worker: the app stays up.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { requests } from '../../common/contract';
import { validateRequest, type Reply } from '../../common/rpc';
import type { FromWorker, ToWorker, WorkerConfig } from './protocol';

export interface EngineHostOptions extends WorkerConfig {
  /** The worker script; defaults to the tsx bootstrap next to this file. */
  workerPath?: string;
  log?: (line: string) => void;
}

type Listener = (event: string, payload: unknown) => void;

export class EngineHost {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { method: string; resolve: (reply: Reply) => void }>();
  private readonly listeners = new Set<Listener>();
  private closed = false;

  constructor(private readonly options: EngineHostOptions) {}

  private start(): Promise<void> {
    // Mesa reads EGL_PLATFORM from the real environment, which a worker thread
    // cannot set for itself; Dawn's OpenGL ES fallback needs it on headless
    // Linux. Not in Electron, whose own GPU process must keep its platform.
    if (process.platform === 'linux' && !process.env.EGL_PLATFORM && !process.versions.electron) process.env.EGL_PLATFORM = 'surfaceless';
    const workerPath = this.options.workerPath ?? fileURLToPath(new URL('./worker-boot.mjs', import.meta.url));
    const config: WorkerConfig = { dataDir: this.options.dataDir, shell: this.options.shell, backend: this.options.backend ?? null };
    const worker = new Worker(workerPath, { workerData: config });
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
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
            for (const listener of this.listeners) listener(message.event, message.payload);
            break;
          case 'log':
            this.options.log?.(`[engine] ${message.line}`);
            break;
        }
      };
      worker.on('message', onMessage);
      worker.on('error', (err) => {
        this.options.log?.(`[engine] crashed: ${err.stack ?? err.message}`);
        reject(err);
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) {
          this.worker = null;
          this.ready = null;
        }
        const failed = [...this.pending.values()];
        this.pending.clear();
        for (const p of failed) {
          p.resolve({ ok: false, error: { code: 'unavailable', method: p.method, message: `The engine stopped (exit code ${code}) while handling "${p.method}". It restarts on the next request; try again.` } });
        }
        if (!this.closed) {
          for (const listener of this.listeners) listener('engine.error', { message: `The engine stopped with exit code ${code}; it restarts on the next request.`, where: 'engine' });
        }
        reject(new Error(`engine exited with code ${code} before it was ready`));
      });
    });
    return this.ready;
  }

  /** Send a request to the engine; never throws, always answers with a Reply. */
  async request(method: unknown, input: unknown): Promise<Reply> {
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
      return { ok: false, error: { code: 'unavailable', method: name, message: `The engine could not start: ${err instanceof Error ? err.message : String(err)}` } };
    }
    const id = this.nextId++;
    return new Promise<Reply>((resolve) => {
      this.pending.set(id, { method: name, resolve });
      const message: ToWorker = { type: 'request', id, method: name, input: checked.value.input };
      this.worker!.postMessage(message);
    });
  }

  onEvent(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** For tests: kill the worker as a crash would. */
  async crashForTest(): Promise<void> {
    await this.worker?.terminate();
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    if (worker) {
      worker.postMessage({ type: 'shutdown' } satisfies ToWorker);
      await Promise.race([new Promise((r) => worker.once('exit', r)), new Promise((r) => setTimeout(r, 2000))]);
      await worker.terminate();
    }
  }
}
