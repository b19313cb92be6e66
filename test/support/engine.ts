// Requests to the real engine (electron/engine/engine.ts, in this process) as the app makes
// them, for the engine's tests: replies unwrapped, the events it emits collected in order,
// and a job's request resolved with its result once the job ends.
import type { EventName, EventPayload } from '../../common/contract';
import type { RequestContext } from '../../common/rpc';
import type { Engine } from '../../electron/engine/engine';

/** `engine` is read at each call, so a describe block can create its engine in beforeAll. */
export function engineRequests(engine: () => Engine) {
  const events: { event: EventName; payload: unknown }[] = [];
  const ctx: RequestContext = { emit: <K extends EventName>(event: K, payload: EventPayload<K>) => void events.push({ event, payload }) };
  /** The reply's value; a failed request throws its message. */
  const call = async (method: string, input: unknown) => {
    const reply = await engine().dispatch(method, input, ctx);
    if (!reply.ok) throw new Error(reply.error.message);
    return reply.value as any;
  };
  /** The job's result once job.finished arrives; job.failed throws its message. */
  const waitJob = async (jobId: string) => {
    for (;;) {
      const end = events.find((e) => (e.event === 'job.finished' || e.event === 'job.failed') && (e.payload as { jobId: string }).jobId === jobId);
      if (end) {
        if (end.event === 'job.failed') throw new Error((end.payload as { message: string }).message);
        return (end.payload as { result: unknown }).result as any;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** A request that starts a job, and the job's result. */
  const job = async (method: string, input: unknown) => waitJob((await call(method, input)).jobId);
  return { events, ctx, call, waitJob, job };
}
