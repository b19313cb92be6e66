import { useEffect, useState } from 'react';
import type { PacsConnectionInfo, PacsSendReport } from '../../../common/contract/pacs';
import { errorMessage } from '../../../common/errors';
import { lumen } from '../api';

/**
 * Send to PACS for the Results list: the study's result documents (SR, parametric maps)
 * to one configured connection, by STOW-RS or C-STORE, with each one's outcome. Shown only
 * when a connection exists (they are added in Settings, PACS).
 */
export function SendToPacs({ sopInstanceUids }: { sopInstanceUids: string[] }) {
  const [connections, setConnections] = useState<PacsConnectionInfo[]>([]);
  const [name, setName] = useState('');
  const [sending, setSending] = useState(false);
  const [report, setReport] = useState<PacsSendReport | null>(null);
  const [error, setError] = useState<string | null>(null);
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
  useEffect(() => {
    setReport(null);
    setError(null);
  }, [sopInstanceUids.join(',')]);

  if (connections.length === 0 || sopInstanceUids.length === 0) return null;
  const send = async () => {
    setSending(true);
    setReport(null);
    setError(null);
    try {
      setReport(await lumen.invoke('pacs.send', { name, sopInstanceUids }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setSending(false);
    }
  };
  // The documents a stopped send never reached share its reason, said once on the Stopped line.
  const failures = report?.documents.filter((d) => d.status !== 'stored' && !d.notSent) ?? [];
  return (
    <div className="send-to-pacs" data-testid="send-to-pacs">
      <label>
        Send to
        <select value={name} onChange={(e) => setName(e.target.value)} disabled={sending} aria-label="PACS to send the results to">
          {connections.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <button type="button" className="text-button small" disabled={sending || !name} onClick={() => void send()}>
        {sending ? 'Sending…' : `Send ${sopInstanceUids.length === 1 ? 'the result' : `${sopInstanceUids.length} results`}`}
      </button>
      {error && (
        <div className="banner error" role="alert">
          {error}
        </div>
      )}
      {report && (
        <div role="status" className={report.failed > 0 ? 'banner error' : 'muted'} data-testid="send-to-pacs-status">
          {report.stored} of {report.documents.length} stored on {report.pacs} ({report.protocol}).
          {report.stopped && ` Stopped: ${report.stopped}`}
          {failures.slice(0, 5).map((f) => (
            <div key={f.sopInstanceUid}>{f.reason ?? 'not stored'}</div>
          ))}
        </div>
      )}
    </div>
  );
}
