/**
 * The IPC contract: every request the renderer (or the CLI, or the browser
 * bridge) can make, and every event the app can send back, declared once.
 *
 * Each request has an input schema (checked at the boundary: a malformed
 * message gets a typed error reply and never reaches a handler) and an output
 * schema (checked before the reply leaves, so a handler bug shows up as a
 * clear error rather than a confused UI). `runsIn` says which process owns the
 * handler: the Electron main process (dialogs, windows) or the engine worker
 * (everything heavy). The preload's `window.lumen`, the WebSocket bridge and
 * the main process registry are all typed from this one object.
 */
import { z } from 'zod';
import { Empty, JobId, JobStarted, request, Text, Uid } from './contract/define';
import { exportRequests } from './contract/exports';
import { libraryEvents, libraryRequests } from './contract/library';
import { measurementRequests } from './contract/measurements';
import { removeRequests } from './contract/library-remove';
import { resultRequests } from './contract/results';
import { modelEvents, modelRequests } from './contract/models';
import { pacsEvents, pacsRequests } from './contract/pacs';
import { settingsRequests } from './contract/settings';
import { trainingEvents, trainingRequests } from './contract/training';


export const BackendName = z.enum(['tensorflow', 'webgpu', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof BackendName>;

export const BackendProbe = z.object({
  name: BackendName,
  available: z.boolean(),
  reason: z.string(),
  detail: z.string().optional(),
});
export type BackendProbe = z.infer<typeof BackendProbe>;

export const DoctorReport = z.object({
  version: z.string(),
  /** The newest library schema (SQLite user_version) this Lumen reads and writes. */
  librarySchema: z.number().int(),
  /** The newest model package format version (metadata.json formatVersion) this Lumen reads and writes. */
  packageFormat: z.number().int(),
  /** Every package format version this Lumen reads (it writes the oldest that has all of a package's parts). */
  packageFormats: z.array(z.number().int()),
  /** What makes a package the newest format rather than 1, in words (models/package/metadata.ts FORMAT_2_PART_WORDS). */
  packageFormatParts: z.array(z.string()),
  node: z.string(),
  platform: z.string(),
  arch: z.string(),
  backends: z.array(BackendProbe),
  activeBackend: BackendName.nullable(),
  onnxruntime: z.object({
    version: z.string().nullable(),
    /** Execution providers best first; `chosen` marks the one models run on (models/inference/providers.ts). */
    providers: z.array(
      z.object({ name: z.string(), available: z.boolean(), reason: z.string(), chosen: z.boolean().optional(), fp16: z.boolean().optional(), ioBinding: z.boolean().optional() }),
    ),
  }),
});
export type DoctorReport = z.infer<typeof DoctorReport>;

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  shell: z.enum(['electron', 'browser', 'cli']),
  platform: z.string(),
  librarySchema: DoctorReport.shape.librarySchema,
  packageFormat: DoctorReport.shape.packageFormat,
  packageFormats: DoctorReport.shape.packageFormats,
  packageFormatParts: DoctorReport.shape.packageFormatParts,
  dataDir: z.string(),
  engine: z.object({
    activeBackend: BackendName.nullable(),
    backends: z.array(BackendProbe),
    onnxruntime: DoctorReport.shape.onnxruntime,
  }),
});
export type AppInfo = z.infer<typeof AppInfo>;


export const JobProgress = z.object({
  jobId: JobId,
  kind: z.string(),
  /** 0..1 when the total is known, null while it is not. */
  fraction: z.number().min(0).max(1).nullable(),
  message: z.string(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type JobProgress = z.infer<typeof JobProgress>;

export const JobFinished = z.object({ jobId: JobId, kind: z.string(), result: z.unknown() });
export const JobFailed = z.object({
  jobId: JobId,
  kind: z.string(),
  cancelled: z.boolean(),
  message: z.string(),
});
export const EngineError = z.object({
  message: z.string(),
  where: z.string(),
  /** What happened to the engine, in one clause ("The engine stopped (SIGKILL)"), without what follows. */
  reason: z.string().optional(),
  /** The jobs it was running, which stopped with it (each also gets its job.failed). */
  jobs: z.array(z.object({ jobId: JobId, kind: z.string() })).optional(),
});


export const requests = {
  'app.info': request({
    summary: 'Version, shell, data folder and the engine runtime in use.',
    input: Empty,
    output: AppInfo,
  }),
  'engine.doctor': request({
    summary: 'Probe every TF.js backend and ONNX Runtime provider and say why each is or is not available.',
    input: Empty,
    output: DoctorReport,
  }),
  'engine.ping': request({
    summary: 'Round trip to the engine worker (used by health checks and tests).',
    input: z.object({ echo: Text(1024) }).strict(),
    output: z.object({ echo: z.string(), pid: z.number(), uptimeMs: z.number() }),
  }),
  'engine.sleepJob': request({
    summary: 'A cancellable demonstration job that reports progress for the given number of steps.',
    input: z.object({ steps: z.number().int().min(1).max(10_000), stepMs: z.number().int().min(0).max(10_000) }).strict(),
    output: JobStarted,
  }),
  'job.cancel': request({
    summary: 'Cancel a running job; finished or unknown jobs answer cancelled: false.',
    input: z.object({ jobId: JobId }).strict(),
    output: z.object({ cancelled: z.boolean() }),
  }),
  'job.list': request({
    summary: 'Jobs that are running now.',
    input: Empty,
    output: z.array(z.object({ jobId: JobId, kind: z.string(), startedAt: z.string() })),
  }),
  'dialog.openFolder': request({
    summary: 'Ask the user for a folder with the native dialog (Electron only).',
    input: Empty,
    output: z.object({ path: z.string().nullable() }),
    runsIn: 'main',
  }),
  'dialog.openFile': request({
    summary: 'Ask the user for one file of a kind with the native dialog (Electron only): Keras weights (.h5).',
    input: z.object({ kind: z.enum(['kerasWeights']) }).strict(),
    output: z.object({ path: z.string().nullable() }),
    runsIn: 'main',
  }),
  ...libraryRequests,
  ...removeRequests,
  ...measurementRequests,
  ...resultRequests,
  ...exportRequests,
  ...modelRequests,
  ...trainingRequests,
  ...settingsRequests,
  ...pacsRequests,
} as const;

export const events = {
  'job.progress': JobProgress,
  'job.finished': JobFinished,
  'job.failed': JobFailed,
  'engine.error': EngineError,
  'menu.command': z.object({ command: z.enum(['openFolder', 'about']) }),
  ...libraryEvents,
  ...modelEvents,
  ...trainingEvents,
  ...pacsEvents,
} as const;

export type Requests = typeof requests;
export type RequestName = keyof Requests;
export type RequestInput<K extends RequestName> = z.input<Requests[K]['input']>;
export type RequestOutput<K extends RequestName> = z.output<Requests[K]['output']>;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = z.output<Events[K]>;

/** Exported so the UI and tests can check a UID the same way the boundary does. */
export const schemas = { Uid, JobId, JobStarted, Empty };
