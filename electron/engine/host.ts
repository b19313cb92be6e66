/**
 * The engine host: starts the engine worker, forwards requests to it and
 * fans its events out. If the worker dies, pending requests fail with a
 * clear message, an `engine.error` event is sent, and the next request
 * starts a fresh worker: the app stays up.
 */
import { fileURLToPath } from 'node:url';
import { fork, type ChildProcess } from 'node:child_process';
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
  private worker: ChildProcess | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { method: string; resolve: (reply: Reply) => void }>();
  private readonly listeners = new Set<Listener>();
  private closed = false;

  constructor(private readonly options: EngineHostOptions) {}

  private start(): Promise<void> {
    const workerPath = this.options.workerPath ?? fileURLToPath(new URL('./worker-boot.mjs', import.meta.url));
    const config: WorkerConfig = { dataDir: this.options.dataDir, shell: this.options.shell, backend: this.options.backend ?? null };
    const env: NodeJS.ProcessEnv = { ...process.env, LUMEN_ENGINE_CONFIG: JSON.stringify(config) };
    // Inside Electron, process.execPath is Electron itself: run it as plain Node.
    if (process.versions.electron) env.ELECTRON_RUN_AS_NODE = '1';
    // Dawn's OpenGL ES fallback needs a surfaceless EGL on headless Linux; set
    // for the engine only, so the app's own GPU process keeps its platform.
    if (process.platform === 'linux' && !env.EGL_PLATFORM) env.EGL_PLATFORM = 'surfaceless';
    const worker = fork(workerPath, [], {
      env,
      serialization: 'advanced', // structured clone: typed arrays cross intact
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: [],
    });
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
      worker.on('exit', (code, signal) => {
        if (this.worker === worker) {
          this.worker = null;
          this.ready = null;
        }
        const failed = [...this.pending.values()];
        this.pending.clear();
        for (const p of failed) {
          p.resolve({ ok: false, error: { code: 'unavailable', method: p.method, message: `The engine stopped (${signal ?? `exit code ${code}`}) while handling "${p.method}". It restarts on the next request; try again.` } });
        }
        if (!this.closed) {
          for (const listener of this.listeners) listener('engine.error', { message: `The engine stopped (${signal ?? `exit code ${code}`}); it restarts on the next request.`, where: 'engine' });
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
      this.worker!.send(message);
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
    const exited = new Promise((r) => worker.once('exit', r));
    worker.kill('SIGKILL');
    await exited;
  }

  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    this.worker = null;
    if (worker && worker.exitCode === null && worker.signalCode === null) {
      const exited = new Promise((r) => worker.once('exit', r));
      if (worker.connected) worker.send({ type: 'shutdown' } satisfies ToWorker);
      const timer = setTimeout(() => worker.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    }
  }
}
