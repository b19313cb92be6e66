/**
 * The engine: every request that runs outside the Electron main process
 * (models, DICOM, the library, training). It is plain Node, so the same module
 * runs in the engine worker (desktop app), in the browser bridge, in the CLI
 * and in tests.
 */
import type { AppInfo, DoctorReport } from '../../common/contract';
import { createDispatcher, type Handlers, type RequestContext } from '../../common/rpc';
import { APP_NAME, APP_VERSION } from '../../common/version';
import { initBackend, type BackendName } from '../../models/runtime';
import { doctor } from './doctor';
import { openDataDir } from '../library/paths';
import { checkRequestPaths, PATH_FIELDS } from './access';
import { JobRunner } from './jobs';
import type { EngineDeps } from './handlers/context';
import { libraryHandlers } from './handlers/library';
import { exportHandlers } from './handlers/exports';
import { measurementHandlers } from './handlers/measurements';
import { removeHandlers } from './handlers/library-remove';
import { resultHandlers } from './handlers/results';
import { modelsHandlers } from './handlers/models';
import { pacsHandlers } from './handlers/pacs';
import { settingsHandlers } from './handlers/settings';
import { trainingHandlers } from './handlers/training';
import { loadSettings } from './settings';
import { errorMessage } from '../../common/errors';
import { diskErrorMessage, wordDiskError } from './disk-errors';
import { watchLibrary, WRITING_JOBS, WRITING_REQUESTS } from './library-watch';
import { forgetInstances, libraryDir } from './viewer/library-access';

export interface EngineOptions {
  dataDir: string;
  shell: AppInfo['shell'];
  /** Force a TF.js backend (else LUMEN_TF_BACKEND, else the best available). */
  backend?: BackendName | null;
  log?: (line: string) => void;
  /**
   * Where the engine's own events go, those no request asked for: with it, the engine follows what
   * another Lumen commits to the library (library-watch.ts) and says `library.changed` 'external'.
   */
  emit?: RequestContext['emit'];
}

export interface Engine {
  handlers: Partial<Handlers>;
  dispatch: ReturnType<typeof createDispatcher>;
  jobs: JobRunner;
  dispose(): void;
}

export { doctor };

export function createEngine(options: EngineOptions): Engine {
  openDataDir(options.dataDir);
  const jobs = new JobRunner((err) => diskErrorMessage(err, options.dataDir));
  const started = Date.now();
  let report: Promise<DoctorReport> | null = null;
  let startNotice: string | null = null;
  // The first read puts a bad settings.json aside: its notice is kept for the engine's life.
  let settingsNotice: string | null = null;
  const readSettings = () => {
    const loaded = loadSettings(options.dataDir);
    settingsNotice ??= loaded.notice;
    return { ...loaded, notice: settingsNotice };
  };
  // Probing loads TF.js backends and creates ONNX sessions: do it once, when first asked.
  const probe = () => {
    report ??= (async () => {
      if (options.backend) await initBackend(options.backend);
      else {
        // The Settings dialog's backend, unless the start named one (--backend, LUMEN_TF_BACKEND).
        const chosen = readSettings().settings.backend;
        if (chosen !== 'auto' && !process.env.LUMEN_TF_BACKEND) {
          try {
            await initBackend(chosen);
          } catch (err) {
            startNotice = `The backend chosen in Settings (${chosen}) could not start (${errorMessage(err)}); the engine uses the best available one.`;
            await initBackend().catch(() => undefined); // as with "auto"; with none at all, doctor says why
          }
        }
      }
      return doctor();
    })();
    return report;
  };

  const cleanups: (() => void | Promise<void>)[] = [];
  const deps: EngineDeps = {
    dataDir: options.dataDir,
    jobs,
    log: options.log ?? (() => {}),
    onDispose: (cleanup) => cleanups.push(cleanup),
  };

  const handlers: Partial<Handlers> = {
    ...libraryHandlers(deps),
    ...removeHandlers(deps),
    ...measurementHandlers(deps),
    ...resultHandlers(deps),
    ...exportHandlers(deps),
    ...modelsHandlers(deps),
    ...trainingHandlers(deps),
    ...pacsHandlers(deps),
    ...settingsHandlers({ ...deps, probe, readSettings, startNotice: () => startNotice }),
    'app.info': async () => {
      const r = await probe();
      return {
        name: APP_NAME,
        version: APP_VERSION,
        shell: options.shell,
        platform: `${process.platform}-${process.arch}`,
        librarySchema: r.librarySchema,
        packageFormat: r.packageFormat,
        packageFormats: r.packageFormats,
        packageFormatParts: r.packageFormatParts,
        dataDir: options.dataDir,
        engine: { activeBackend: r.activeBackend, backends: r.backends, onnxruntime: r.onnxruntime },
      };
    },
    'engine.doctor': () => probe(),
    'engine.ping': ({ echo }) => ({ echo, pid: process.pid, uptimeMs: Date.now() - started }),
    'engine.sleepJob': ({ steps, stepMs }, ctx) =>
      jobs.start('sleep', ctx, async (job) => {
        for (let i = 0; i < steps; i++) {
          job.checkCancelled();
          await new Promise((resolve) => setTimeout(resolve, stepMs));
          job.progress((i + 1) / steps, `step ${i + 1} of ${steps}`);
        }
        return { steps };
      }),
    'job.cancel': ({ jobId }) => ({ cancelled: jobs.cancel(jobId) }),
    'job.list': () => jobs.list(),
  };

  // Another Lumen's commits to the library (lumen import, lumen rm, lumen labels import, a second
  // app): told once a burst settles, the engine's own commits left out (library-watch.ts).
  const emit = options.emit;
  const watch = emit
    ? watchLibrary({
        libraryDir: libraryDir(deps),
        log: deps.log,
        onExternal: () => {
          forgetInstances(deps);
          emit('library.changed', { reason: 'external' });
        },
      })
    : undefined;
  deps.libraryWatch = watch;
  if (watch) {
    cleanups.push(() => watch.stop());
    jobs.onRun = (kind, running) => {
      if (WRITING_JOBS.has(kind)) watch.writing(running);
      else if (!running) watch.own(); // what a job wrote as it ended (a training run's audit row and predictions)
    };
  }
  /** The request's context, its library.changed (an import, a removal, a received instance) telling the watcher the commit was the engine's. */
  const watched = (ctx: RequestContext): RequestContext =>
    watch
      ? {
          ...ctx,
          emit: (event, payload) => {
            if (event === 'library.changed') watch.own();
            ctx.emit(event, payload);
          },
        }
      : ctx;

  // A full or read-only disk, worded once for every request (jobs: the JobRunner above).
  for (const [method, handler] of Object.entries(handlers) as [string, (input: unknown, ctx: RequestContext) => unknown][]) {
    const writes = WRITING_REQUESTS.has(method);
    (handlers as Record<string, unknown>)[method] = async (input: unknown, ctx: RequestContext) => {
      if (writes) watch?.writing(true);
      try {
        return await handler(input, watched(ctx));
      } catch (err) {
        throw wordDiskError(err, options.dataDir);
      } finally {
        if (writes) watch?.writing(false);
      }
    };
  }

  // One path check for every request that names a file or folder, before its handler runs.
  for (const method of Object.keys(PATH_FIELDS) as (keyof typeof PATH_FIELDS)[]) {
    const handler = handlers[method] as ((input: unknown, ctx: RequestContext) => unknown) | undefined;
    if (!handler) continue;
    (handlers as Record<string, unknown>)[method] = (input: unknown, ctx: RequestContext) => handler(checkRequestPaths(method, input, ctx.access ?? 'everywhere', options.dataDir), ctx);
  }

  return {
    handlers,
    dispatch: createDispatcher(handlers, options.log),
    jobs,
    dispose: () => {
      jobs.cancelAll();
      for (const cleanup of cleanups) void cleanup();
    },
  };
}
