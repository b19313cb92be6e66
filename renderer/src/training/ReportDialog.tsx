/**
 * A finished run's HTML report, fetched through the engine (training.report: the path is
 * checked like every path a request names) and shown in a sandboxed frame: no scripts, no
 * same-origin access, so the report can neither reach the app nor the engine.
 */
import { useEffect, useRef, useState } from 'react';
import { lumen } from '../api';
import { useModalDialog } from '../useModalDialog';
import { Name } from '../workspace/Name';
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
  const close = useRef<HTMLButtonElement>(null);
  const frame = useRef<HTMLIFrameElement>(null);
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <section className="modal report-modal" role="dialog" aria-modal="true" aria-labelledby="report-title" tabIndex={-1} ref={dialog} onClick={(e) => e.stopPropagation()}>
        <header className="modal-header" role="none">
          <h2 id="report-title">Training report</h2>
          <button className="icon-button" title="Close (Esc)" onClick={onClose} data-autofocus ref={close}>
            <span aria-hidden="true">✕</span>
            <span className="visually-hidden">Close</span>
          </button>
        </header>
        <p className="muted small mono"><Name text={reportPath} /></p>
        {error && <div className="banner error" role="alert">{error}</div>}
        {html === null && !error && <p className="muted">Loading the report…</p>}
        {html !== null && <iframe className="report-frame" title="Training report" sandbox="" srcDoc={html} ref={frame} />}
        {/* Tab inside the frame is the frame's own (the dialog never sees it): past its last link
            it comes here, and goes round to Close, never out to the page behind; Shift+Tab from
            Close comes here too, and goes back into the frame. */}
        {html !== null && <span tabIndex={0} className="visually-hidden" onFocus={(e) => (e.relatedTarget === close.current ? frame.current : close.current)?.focus()} />}
      </section>
    </div>
  );
}
