/**
 * "Label next": the series a model package is least sure of, and unlike those already
 * labelled (training.suggest, electron/training/suggest.ts), as a queue. Clicking one opens
 * it in the viewer; once it is labelled (the 1–9 keys, labelKeys.ts) it leaves the queue and
 * the next one opens.
 */
import { useEffect, useRef, useState } from 'react';
import type { SuggestResult, Suggestion } from '../../../common/contract/training';
import { errorMessage } from '../../../common/errors';
import { lumen } from '../api';
import { useJob } from '../workspace/useJob';
import './label-next.css';

export interface LabelNextProps {
  /** Model packages in the data folder: the one chosen ranks the series. */
  packages: { dir: string; name: string; contentHash: string }[];
  /** The series open in the viewer. */
  seriesUid?: string | null;
  openSeries?: (seriesInstanceUid: string) => void;
  /** Changes whenever labels may have changed: labelled series leave the queue. */
  generation: number;
}

const SUGGESTIONS = 20;

/** What "uncertainty" in the queue is, as training.suggest measured it. */
const MEASURE_TEXT: Record<SuggestResult['uncertaintyMeasure'], string> = {
  'mutual-information': 'Uncertainty: how much the model\'s uncertainty heads disagree (mutual information).',
  entropy: 'Uncertainty: entropy of the mean scores (the model has no uncertainty heads).',
};
const SERIES_MEASURE_TEXT = "Uncertainty: how much the series head's uncertainty heads disagree on each series (mutual information).";

export function LabelNext({ packages, seriesUid, openSeries, generation }: LabelNextProps) {
  const [packageDir, setPackageDir] = useState('');
  const [queue, setQueue] = useState<Suggestion[]>([]);
  const [status, setStatus] = useState('');
  const job = useJob<SuggestResult>();
  const chosen = packages.some((p) => p.dir === packageDir) ? packageDir : (packages[0]?.dir ?? '');
  // The queue and the open series as the label check below last saw them.
  const latest = useRef({ queue, seriesUid, openSeries });
  latest.current = { queue, seriesUid, openSeries };

  useEffect(() => {
    if (job.running) return;
    if (job.result) {
      const r = job.result;
      setQueue(r.suggestions);
      setStatus(
        r.suggestions.length
          ? `${r.suggestions.length} of ${r.unlabelledSeries} unlabelled series, most useful first (${r.model.name}). ${r.uncertaintyReason ? `Uncertainty: entropy. ${r.uncertaintyReason}` : r.uncertaintyOf === 'series' && r.uncertaintyMeasure === 'mutual-information' ? SERIES_MEASURE_TEXT : MEASURE_TEXT[r.uncertaintyMeasure]}${r.note ? ` ${r.note}` : ''}`
          : r.note ?? 'No unlabelled series.',
      );
    } else if (job.cancelled) setStatus('Cancelled.');
    else if (job.error !== null) setStatus(job.error);
  }, [job.running, job.result, job.cancelled, job.error]);

  // After a label change: drop the queued series that now have a label; when the open one
  // was among them, open the next in the queue.
  useEffect(() => {
    const { queue: q } = latest.current;
    if (q.length === 0) return;
    let live = true;
    lumen.invoke('training.labels.list', { targetUids: q.map((s) => s.seriesInstanceUid) }).then(
      (labels) => {
        if (!live) return;
        const done = new Set(labels.filter((l) => l.targetKind === 'series').map((l) => l.targetUid));
        if (done.size === 0) return;
        const { queue: now, seriesUid: open, openSeries: show } = latest.current;
        const at = now.findIndex((s) => s.seriesInstanceUid === open);
        const rest = now.filter((s) => !done.has(s.seriesInstanceUid));
        setQueue(rest);
        if (at >= 0 && open && done.has(open)) {
          const next = now.slice(at + 1).find((s) => !done.has(s.seriesInstanceUid)) ?? rest[0];
          if (next && show) {
            show(next.seriesInstanceUid);
            setStatus(`Labelled; opened the next suggestion (${rest.length} left).`);
          } else setStatus(rest.length ? `${rest.length} left.` : 'Every suggested series is labelled: ask again for more.');
        }
      },
      (err: unknown) => live && setStatus(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [generation]);

  // Bars relative to the best suggestion: the heads' mutual information is small beside entropy, and the order is what matters.
  const topScore = Math.max(1e-12, ...queue.map((s) => s.score));

  const suggest = () => {
    if (!chosen) return;
    setQueue([]);
    void job.start(() => lumen.invoke('training.suggest', { packageDir: chosen, n: SUGGESTIONS }), 'Finding the series to label next…');
  };

  return (
    <div className="label-next" role="region" aria-label="Label next">
      <h4>Label next</h4>
      {packages.length === 0 ? (
        <div className="muted small">Train or import a model package: it suggests which series to label next.</div>
      ) : (
        <div className="row">
          <select aria-label="Model for suggestions" value={chosen} onChange={(e) => setPackageDir(e.target.value)}>
            {packages.map((p) => <option key={p.dir} value={p.dir}>{p.name} ({p.contentHash.slice(0, 8)})</option>)}
          </select>
          <button type="button" onClick={suggest} disabled={job.running || !chosen}>Suggest</button>
          {job.running && <button type="button" className="text-button" onClick={job.cancel} disabled={!job.jobId}>Cancel</button>}
        </div>
      )}
      {job.running && (
        <div>
          <progress max={1} value={job.fraction ?? undefined} />
          <div className="muted small">{job.message}</div>
        </div>
      )}
      {status && <div className="muted small" role="status" aria-label="Label next status">{status}</div>}
      {queue.length > 0 && (
        <ol className="label-next-queue" aria-label="Series to label next">
          {queue.map((s) => (
            <li key={s.seriesInstanceUid}>
              <button
                type="button"
                aria-current={s.seriesInstanceUid === seriesUid ? 'true' : undefined}
                onClick={() => openSeries?.(s.seriesInstanceUid)}
                disabled={!openSeries}
                title={`${s.reason}\nSeries ${s.seriesInstanceUid}`}
              >
                <span className="label-next-what"><bdi>{[s.modality, s.seriesDescription].filter(Boolean).join(' ') || '(no description)'}</bdi></span>
                <span className="label-next-figures">
                  uncertainty {s.uncertainty.toFixed(2)}
                  {s.distance !== null && <> · distance {s.distance.toFixed(2)}</>}
                </span>
                <span className="label-next-bar" aria-hidden="true" style={{ width: `${Math.round((100 * s.score) / topScore)}%` }} />
              </button>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
