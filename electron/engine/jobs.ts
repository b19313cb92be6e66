import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../common/rpc';
import { errorMessage } from '../../common/errors';
import { CancelledError, isCancel } from '../../common/cancel';

export interface JobContext {
  readonly jobId: string;
  readonly signal: AbortSignal;
  /**
   * Report progress. At most about 10 events a second reach the UI; a call
   * that comes sooner is not lost: the latest one is sent when the interval
   * ends, and any still waiting is sent before the job's end event.
   */
  progress(fraction: number | null, message: string, detail?: Record<string, unknown>): void;
  /** Throw if the job was cancelled; call it between units of work. */
  checkCancelled(): void;
}

/** A job's own cancel (checkCancelled, or a handler's words for what a cancelled job kept): a CancelledError. */
export class JobCancelledError extends CancelledError {
  /** `message`: what the cancelled job kept, if anything ("Cancelled: scored 2 of 5 series …"). */
  constructor(message = 'Cancelled') {
    super(message);
    this.name = 'JobCancelledError';
  }
}

const PROGRESS_INTERVAL_MS = 100;

interface RunningJob {
  kind: string;
  startedAt: string;
  controller: AbortController;
}

/**
 * Long work runs as a job: the request returns a job id at once, progress
 * streams as `job.progress` events, and the end is one `job.finished` or
 * `job.failed` event. Cancelling aborts the job's signal; the job decides
 * where it is safe to stop.
 */
export class JobRunner {
  private readonly running = new Map<string, RunningJob>();

  /** `wordError` turns a failed job's error into its message (the engine's words a full or read-only disk). */
  constructor(private readonly wordError: (err: unknown) => string = errorMessage) {}

  /** Told when a job starts (true) and ends (false), before its last event: the library watcher's (library-watch.ts). */
  onRun: ((kind: string, running: boolean) => void) | null = null;

  start(kind: string, ctx: RequestContext, work: (job: JobContext) => Promise<unknown>): { jobId: string } {
    const jobId = randomUUID();
    const controller = new AbortController();
    this.running.set(jobId, { kind, startedAt: new Date().toISOString(), controller });
    this.onRun?.(kind, true);
    let lastSent = 0;
    let waiting: { fraction: number | null; message: string; detail?: Record<string, unknown> } | null = null;
    let timer: NodeJS.Timeout | null = null;
    const send = (p: { fraction: number | null; message: string; detail?: Record<string, unknown> }) => {
      lastSent = Date.now();
      const bounded = p.fraction === null ? null : Math.min(1, Math.max(0, p.fraction));
      ctx.emit('job.progress', { jobId, kind, fraction: bounded, message: p.message, detail: p.detail });
    };
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = null;
      if (waiting) send(waiting);
      waiting = null;
    };
    const job: JobContext = {
      jobId,
      signal: controller.signal,
      progress(fraction, message, detail) {
        const update = { fraction, message, detail };
        if (fraction === 1 || Date.now() - lastSent >= PROGRESS_INTERVAL_MS) {
          waiting = null;
          if (timer) clearTimeout(timer);
          timer = null;
          send(update);
          return;
        }
        waiting = update;
        timer ??= setTimeout(flush, Math.max(0, lastSent + PROGRESS_INTERVAL_MS - Date.now()));
      },
      checkCancelled() {
        if (controller.signal.aborted) throw new JobCancelledError();
      },
    };
    // Start on the next tick so the caller has the job id before any event arrives.
    setImmediate(() => {
      work(job).then(
        (result) => {
          this.running.delete(jobId);
          this.onRun?.(kind, false);
          flush();
          ctx.emit('job.finished', { jobId, kind, result: result ?? null });
        },
        (err: unknown) => {
          this.running.delete(jobId);
          this.onRun?.(kind, false);
          flush();
          // A cancel is known by its class (common/cancel.ts), whatever its words, and said in them:
          // every cancel point a job reaches throws a CancelledError (checkCancelled, training,
          // inference, exports, PACS transfers: PacsCancelledError, the weights download:
          // DownloadCancelledError). Anything else is a failure, said in its own words, even when
          // it came after Cancel was asked for (a full disk, a PACS that failed first).
          const cancelled = isCancel(err);
          const message = cancelled ? err.message : this.wordError(err);
          ctx.emit('job.failed', { jobId, kind, cancelled, message });
        },
      );
    });
    return { jobId };
  }

  cancel(jobId: string): boolean {
    const job = this.running.get(jobId);
    if (!job || job.controller.signal.aborted) return false;
    job.controller.abort();
    return true;
  }

  list(): { jobId: string; kind: string; startedAt: string }[] {
    return [...this.running].map(([jobId, job]) => ({ jobId, kind: job.kind, startedAt: job.startedAt }));
  }

  cancelAll(): void {
    for (const job of this.running.values()) job.controller.abort();
  }
}
