// The engine (a child process that decodes, trains and predicts) stopped on its own: a crash, or
// stuck and stopped by the watchdog (electron/engine/host.ts, the `engine.error` event). The host
// starts a fresh engine on the next request, so this notice sends one (engine.ping) and then says
// what happened, that the engine runs again, which jobs stopped with it, and that nothing stored
// was lost: the library writes in transactions, packages are written whole before they are
// listed, and deleted packages waiting for Undo stay (electron/engine/predict/packages.ts).
import { useEffect, useRef, useState } from 'react';
import type { EventPayload } from '../../common/contract';
import { errorMessage } from '../../common/errors';
import { lumen } from './api';
import './engine-crash.css';

/** A job's kind (the worker's name, or before its first progress the request that started it) in words. */
const JOB_WORDS: Record<string, string> = {
  predict: 'a prediction',
  'predict.run': 'a prediction',
  training: 'a training run',
  'training.start': 'a training run',
  'training.resume': 'a training run',
  'training.evaluate': 'an evaluation',
  'training.predict': 'a prediction on labelled series',
  'training.suggest': 'a label suggestion',
  'labels.importFolders': 'a label import',
  'training.labels.importFolders': 'a label import',
  'library.import': 'an import',
  'pacs.retrieve': 'a PACS retrieve',
  'pacs.send': 'a send to PACS',
  'export.deidentify': 'a de-identified export',
  'models.latency': 'a speed measurement',
  'models.measureLatency': 'a speed measurement',
  'weights.download': 'a weights download',
  'weights.import': 'a weights import',
  sleep: 'a test job',
  'engine.sleepJob': 'a test job',
};

export function jobWords(kind: string): string {
  return JOB_WORDS[kind] ?? `a job (${kind})`;
}

/** "a and b", "a, b and c". */
function listed(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

interface Crash {
  reason: string;
  jobs: string[];
  /** null while the new engine starts; true once it answers; 'waiting' when it is not started now (below); else why it did not start. */
  restarted: true | 'waiting' | string | null;
}

/** At most this many engines started from here in a minute: one that dies as it starts is not started over and over. */
const RESTARTS_PER_MINUTE = 3;

export function EngineCrashNotice() {
  const [crash, setCrash] = useState<Crash | null>(null);
  const pinging = useRef(false);
  const restarts = useRef<number[]>([]);
  useEffect(
    () =>
      lumen.on('engine.error', (p: EventPayload<'engine.error'>) => {
        const reason = (p.reason ?? p.message).replace(/[.;]\s*$/, '');
        const jobs = (p.jobs ?? []).map((j) => jobWords(j.kind));
        // The engine died while the one started for this notice was starting: that start says how it went.
        if (pinging.current) return setCrash((c) => ({ reason, jobs: [...(c?.jobs ?? []), ...jobs], restarted: null }));
        const now = Date.now();
        restarts.current = restarts.current.filter((t) => now - t < 60_000);
        if (restarts.current.length >= RESTARTS_PER_MINUTE) return setCrash({ reason, jobs, restarted: 'waiting' });
        restarts.current.push(now);
        pinging.current = true;
        setCrash({ reason, jobs, restarted: null });
        // The host starts a new engine on the next request: this is it.
        lumen
          .invoke('engine.ping', { echo: 'after a crash' })
          .then(
            () => setCrash((c) => c && { ...c, restarted: true }),
            (err: unknown) => setCrash((c) => c && { ...c, restarted: errorMessage(err) }),
          )
          .finally(() => (pinging.current = false));
      }),
    [],
  );
  if (!crash) return null;
  const jobs = crash.jobs.length === 0 ? 'No job was running.' : `${capital(listed(crash.jobs))} ${crash.jobs.length === 1 ? 'was' : 'were'} running and stopped before ${crash.jobs.length === 1 ? 'it' : 'they'} finished: start ${crash.jobs.length === 1 ? 'it' : 'them'} again.`;
  const restarted =
    crash.restarted === null
      ? 'Lumen is starting it again…'
      : crash.restarted === true
        ? 'Lumen started it again.'
        : crash.restarted === 'waiting'
          ? 'It stopped again soon after starting, so Lumen starts it only with your next action.'
          : `Lumen could not start it again: ${crash.restarted.replace(/[.]\s*$/, '')}.`;
  return (
    <div className="engine-crash" role="region" aria-label="Engine stopped" data-testid="engine-crash" onKeyDown={(e) => e.key === 'Escape' && (e.stopPropagation(), setCrash(null))}>
      <div role="alert">
        <strong>{crash.reason}.</strong> {restarted} {jobs} Nothing stored was lost: the library, model packages and results saved before are as they were, and deleted packages can still be undone.
      </div>
      <button type="button" className="text-button small" onClick={() => setCrash(null)} data-testid="engine-crash-dismiss">
        Dismiss
      </button>
    </div>
  );
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
