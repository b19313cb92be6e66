import { useCallback, useEffect, useRef, useState } from 'react';
import { lumen } from '../api';

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
  useEffect(() => {
    const offs = [
      lumen.on('job.progress', (p) => {
        if (p.jobId === current.current) setState((s) => ({ ...s, fraction: p.fraction, message: p.message, detail: p.detail ?? null }));
      }),
      lumen.on('job.finished', (p) => {
        if (p.jobId === current.current) setState((s) => ({ ...s, running: false, fraction: 1, result: p.result as R }));
      }),
      lumen.on('job.failed', (p) => {
        if (p.jobId === current.current) setState((s) => ({ ...s, running: false, error: p.cancelled ? null : p.message, cancelled: p.cancelled, message: p.cancelled ? 'Cancelled' : p.message }));
      }),
    ];
    return () => offs.forEach((off) => off());
  }, []);
  const start = useCallback(async (begin: () => Promise<{ jobId: string }>, message = 'Starting…') => {
    setState({ ...idle, running: true, message });
    try {
      const { jobId } = await begin();
      current.current = jobId;
      setState((s) => ({ ...s, jobId }));
    } catch (err) {
      setState({ ...idle, error: err instanceof Error ? err.message : String(err) });
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
