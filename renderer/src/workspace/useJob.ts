import { useCallback, useEffect, useRef, useState } from 'react';
import { lumen } from '../api';
import { errorMessage } from '../../../common/errors';

export interface JobState<R> {
  jobId: string | null;
  running: boolean;
  fraction: number | null;
  message: string;
  detail: Record<string, unknown> | null;
  result: R | null;
  error: string | null;
  cancelled: boolean;
}

const idle = { jobId: null, running: false, fraction: null, message: '', detail: null, result: null, error: null, cancelled: false };

/** Follows one engine job at a time: start it with a request that answers { jobId }, then progress, result or failure. */
export function useJob<R>() {
  const [state, setState] = useState<JobState<R>>(idle);
  const current = useRef<string | null>(null);
  // A job can end before the reply that names it arrives (a request that fails at once:
  // its job.failed event may overtake the { jobId } reply). Ends seen while a start is
  // waiting for its reply are kept, and applied once the job's id is known; otherwise the
  // panel would show "running" forever.
  const starting = useRef(false);
  const early = useRef(new Map<string, (s: JobState<R>) => JobState<R>>());
  useEffect(() => {
    const ended = (jobId: string, update: (s: JobState<R>) => JobState<R>) => {
      if (jobId === current.current) setState(update);
      else if (starting.current) early.current.set(jobId, update);
    };
    const offs = [
      lumen.on('job.progress', (p) => {
        if (p.jobId === current.current) setState((s) => ({ ...s, fraction: p.fraction, message: p.message, detail: p.detail ?? null }));
      }),
      lumen.on('job.finished', (p) => ended(p.jobId, (s) => ({ ...s, running: false, fraction: 1, result: p.result as R }))),
      lumen.on('job.failed', (p) =>
        ended(p.jobId, (s) => ({ ...s, running: false, error: p.cancelled ? null : p.message, cancelled: p.cancelled, message: p.message })),
      ),
    ];
    return () => offs.forEach((off) => off());
  }, []);
  const start = useCallback(async (begin: () => Promise<{ jobId: string }>, message = 'Starting…') => {
    current.current = null;
    early.current.clear();
    starting.current = true;
    setState({ ...idle, running: true, message });
    try {
      const { jobId } = await begin();
      current.current = jobId;
      setState((s) => ({ ...s, jobId }));
      const end = early.current.get(jobId);
      if (end) setState(end);
    } catch (err) {
      setState({ ...idle, error: errorMessage(err) });
    } finally {
      starting.current = false;
      early.current.clear();
    }
  }, []);
  const cancel = useCallback(() => {
    if (current.current) void lumen.invoke('job.cancel', { jobId: current.current });
  }, []);
  const clear = useCallback(() => {
    current.current = null;
    setState(idle);
  }, []);
  return { ...state, start, cancel, clear };
}
