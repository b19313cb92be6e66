/**
 * A finished run's HTML report, fetched through the engine (training.report: the path is
 * checked like every path a request names) and shown in a sandboxed frame: no scripts, no
 * same-origin access, so the report can neither reach the app nor the engine.
 */
import { useEffect, useState } from 'react';
import { lumen } from '../api';
import { useModalDialog } from '../useModalDialog';
import { errorMessage } from '../../../common/errors';

export function ReportDialog({ reportPath, onClose }: { reportPath: string; onClose: () => void }) {
  const [html, setHtml] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    lumen.invoke('training.report', { path: reportPath }).then(
      (r) => live && setHtml(r.html),
      (err: unknown) => live && setError(`Could not open the report ${reportPath}: ${errorMessage(err)}. Train the model again to write a new one.`),
    );
    return () => {
      live = false;
    };
  }, [reportPath]);
  // Focus stays in the dialog until it closes; Escape closes it.
  const dialog = useModalDialog<HTMLElement>(onClose);
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <section className="modal report-modal" role="dialog" aria-modal="true" aria-labelledby="report-title" tabIndex={-1} ref={dialog} onClick={(e) => e.stopPropagation()}>
        <header className="modal-header">
          <h2 id="report-title">Training report</h2>
          <button className="icon-button" aria-label="Close" onClick={onClose} data-autofocus>
            ✕
          </button>
        </header>
        <p className="muted small mono">{reportPath}</p>
        {error && <div className="banner error" role="alert">{error}</div>}
        {html === null && !error && <p className="muted">Loading the report…</p>}
        {html !== null && <iframe className="report-frame" title="Training report" sandbox="" srcDoc={html} />}
      </section>
    </div>
  );
}
