// The C-STORE receiver's switch in the PACS tab: on or off, where it listens, who may send,
// what arrived (counts and the last events, never patient data), and why it could not start.
import { useEffect, useState } from 'react';
import type { ReceiverState } from '../../../common/contract/pacs';
import { errorMessage } from '../../../common/errors';
import { capitalised } from '../../../common/metric-words';
import { receiveCountsPhrase } from '../../../common/retrieve-summary';
import { lumen } from '../api';

const time = (iso: string) => new Date(iso).toLocaleTimeString();

export function ReceiverPanel() {
  const [state, setState] = useState<ReceiverState | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    void lumen.invoke('pacs.receiver', {}).then(setState, (err: unknown) => setError(errorMessage(err)));
    return lumen.on('pacs.receiverChanged', setState);
  }, []);

  const flip = async (on: boolean) => {
    setBusy(true);
    setError(null);
    try {
      setState(await lumen.invoke('pacs.receiverSwitch', { on }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  const s = state?.settings;
  return (
    <section className="pacs-receiver" aria-labelledby="pacs-receiver-title" data-testid="pacs-receiver">
      <header className="panel-header sub">
        <h2 id="pacs-receiver-title">Receiver</h2>
        <label className="check small">
          <input type="checkbox" role="switch" checked={state?.running ?? false} disabled={!state || busy} onChange={(e) => void flip(e.target.checked)} aria-label="Receive studies (C-STORE)" />
          {state?.running ? 'On' : 'Off'}
        </label>
      </header>
      {s && (
        // Off, it is its summary only (the list above gets the height; the summary wraps, never cut); its details open with it, or on demand.
        <details className="small pad pacs-receiver-details" key={state!.running ? 'on' : 'off'} open={state!.running}>
          <summary>
            <span className="mono">{s.aet}</span> on port <span className="mono">{s.port}</span>, {s.host === '0.0.0.0' ? 'every network interface' : 'this computer only'}
          </summary>
          <div className="muted" data-testid="receiver-tls">
            {state!.tls === 'off' ? 'Plain DICOM (DICOM TLS is set with lumen pacs receiver)' : state!.tls === 'on' ? 'DICOM TLS' : 'DICOM TLS, senders need a client certificate'}
          </div>
          <div className="muted">Allowed senders: {state!.allowedSenders.length ? state!.allowedSenders.join(', ') : 'none (add them in Settings, PACS)'}</div>
          <div data-testid="receiver-counts">{receiveCountsPhrase(state!)}</div>
        </details>
      )}
      {(error ?? state?.error) && <div className="banner error" role="alert">{capitalised(error ?? state?.error ?? '')}</div>}
      {state && state.events.length > 0 && (
        <ul className="pacs-events small" aria-label="Receiver events">
          {state.events.slice(0, 8).map((e, i) => (
            <li key={`${e.at}-${i}`}>
              <span className="muted">{time(e.at)}</span> {e.line}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
