import { useEffect, useRef, useState } from 'react';
import type { PacsConnectionInfo, PacsSendReport } from '../../../common/contract/pacs';
import { countOf } from '../../../common/counts';
import { lumen } from '../api';
import { Progress } from './Progress';
import { useJob } from './useJob';

/**
 * Send to PACS for the Results list: the study's result documents (SR, parametric maps)
 * to one configured connection, by STOW-RS or C-STORE, as a job: "Sending 3 of 12 results
 * to ORTHANC…" with a bar and Cancel (it stops after the document in flight), then each
 * one's outcome. Shown only when a connection exists (they are added in Settings, PACS).
 * A connection's name may be 64 characters without a space: the select shows what fits and
 * says it whole as its tooltip, and the Send button names it whole, wrapped. Focus on the
 * Send button goes to Cancel while it sends (the button is disabled then), and back after.
 */
export function SendToPacs({ sopInstanceUids }: { sopInstanceUids: string[] }) {
  const [connections, setConnections] = useState<PacsConnectionInfo[]>([]);
  const [name, setName] = useState('');
  const job = useJob<PacsSendReport>();
  useEffect(() => {
    let live = true;
    lumen.invoke('pacs.list', {}).then(
      ({ connections: c }) => {
        if (!live) return;
        setConnections(c);
        setName((n) => (c.some((x) => x.name === n) ? n : (c[0]?.name ?? '')));
      },
      () => live && setConnections([]),
    );
    return () => {
      live = false;
    };
  }, []);
  const { clear, running } = job;
  const box = useRef<HTMLDivElement>(null);
  const sendButton = useRef<HTMLButtonElement>(null);
  /** Focus was on Send when the send started: it goes to Cancel, and back to Send when Cancel goes (unless the user moved it elsewhere). */
  const followFocus = useRef(false);
  useEffect(() => {
    if (!followFocus.current) return;
    if (running) {
      box.current?.querySelector<HTMLButtonElement>('.progress button')?.focus();
      return;
    }
    followFocus.current = false;
    if (document.activeElement === null || document.activeElement === document.body) sendButton.current?.focus();
  }, [running]);
  useEffect(() => {
    if (!running) clear();
    // A new study's results: the last send's outcome is not theirs (a running send goes on and reports).
  }, [sopInstanceUids.join(',')]);

  if (connections.length === 0 || sopInstanceUids.length === 0) return null;
  const count = sopInstanceUids.length;
  const send = () => {
    followFocus.current = document.activeElement === sendButton.current;
    void job.start(() => lumen.invoke('pacs.send', { name, sopInstanceUids }), `Sending 0 of ${countOf(count, 'result')} to ${name}…`);
  };
  const report = job.result;
  // The documents a stopped send never reached share its reason, said once on the Stopped or Cancelled line.
  const failures = report?.documents.filter((d) => d.status !== 'stored' && !d.notSent) ?? [];
  const notSent = report?.documents.filter((d) => d.notSent).length ?? 0;
  return (
    <div className="send-to-pacs" data-testid="send-to-pacs" ref={box}>
      <label>
        Send to
        <select value={name} onChange={(e) => setName(e.target.value)} disabled={running} aria-label="PACS to send the results to" title={name}>
          {connections.map((c) => (
            <option key={c.name} value={c.name} title={c.name}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <button type="button" ref={sendButton} className="text-button small send-to-pacs-button" disabled={running || !name} onClick={send}>
        {running ? (
          'Sending…'
        ) : (
          <>
            Send {count === 1 ? 'the result' : `${count} results`} to <bdi className="send-to-pacs-name">{name}</bdi>
          </>
        )}
      </button>
      {running && <Progress label="Sending" fraction={job.fraction} message={job.message} onCancel={job.cancel} />}
      {job.error && (
        <div className="banner error" role="alert">
          {job.error}
        </div>
      )}
      {job.cancelled && (
        <div className="muted" role="status">
          Send cancelled.
        </div>
      )}
      {report && (
        <div role="status" className={report.failed > notSent || (report.stopped && !report.cancelled) ? 'banner error' : 'muted'} data-testid="send-to-pacs-status">
          {report.stored} of {report.documents.length} stored on <bdi className="send-to-pacs-name">{report.pacs}</bdi> ({report.protocol}).
          {report.cancelled ? ` Cancelled: ${notSent} not sent; send again to send them.` : report.stopped && ` Stopped: ${report.stopped}`}
          {failures.slice(0, 5).map((f) => (
            <div key={f.sopInstanceUid}>{f.reason ?? 'not stored'}</div>
          ))}
        </div>
      )}
    </div>
  );
}
