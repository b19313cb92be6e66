// Settings, PACS: the connections (DICOMweb or DIMSE) with Test connection, and the
// receiver's AE title, port, interface and allowed senders. A saved secret never comes back
// to the page: the form shows "saved" and an empty field keeps it.
import { useEffect, useState } from 'react';
import { type PacsConnectionInfo, type PacsConnectionSettings, type PacsSecret, QUERY_CAPS, type ReceiverSettings } from '../../../common/contract/pacs';
import { errorMessage } from '../../../common/errors';
import { capitalised } from '../../../common/metric-words';
import { lumen } from '../api';
import { connectionsChanged, onConnectionsChanged } from './connectionsChanged';
import './pacs.css';

type Auth = 'none' | 'basic' | 'bearer';
interface Draft {
  previousName?: string;
  kind: 'dicomweb' | 'dimse';
  name: string;
  url: string;
  auth: Auth;
  user: string;
  password: string;
  token: string;
  calledAet: string;
  host: string;
  port: string;
  callingAet: string;
  /** The connection's caps on one query's studies and one study's series ('' : QUERY_CAPS). */
  maxStudies: string;
  maxSeries: string;
  /** Whether the connection being edited has a saved secret (the field may stay empty). */
  secretSaved: boolean;
  /** The user name saved with it: a new one needs the password again. */
  savedUser: string;
  /** The authentication it was saved with: the saved secret is for that one only. */
  savedAuth: Auth;
}

const EMPTY: Draft = { kind: 'dicomweb', name: '', url: '', auth: 'none', user: '', password: '', token: '', calledAet: '', host: '', port: '104', callingAet: 'LUMEN', maxStudies: '', maxSeries: '', secretSaved: false, savedUser: '', savedAuth: 'none' };

function draftOf(c: PacsConnectionInfo): Draft {
  const caps = { maxStudies: c.maxStudies !== undefined ? String(c.maxStudies) : '', maxSeries: c.maxSeries !== undefined ? String(c.maxSeries) : '' };
  return c.kind === 'dicomweb'
    ? { ...EMPTY, ...caps, previousName: c.name, kind: 'dicomweb', name: c.name, url: c.url, auth: c.auth, user: c.user ?? '', secretSaved: c.secret === 'saved', savedUser: c.user ?? '', savedAuth: c.auth }
    : { ...EMPTY, ...caps, previousName: c.name, kind: 'dimse', name: c.name, calledAet: c.calledAet, host: c.host, port: String(c.port), callingAet: c.callingAet };
}

/** The caps a connection sets for itself, in words ('' when it keeps the defaults). */
function describeCaps(c: PacsConnectionInfo): string {
  const caps = [c.maxStudies !== undefined ? `${c.maxStudies.toLocaleString('en-US')} studies` : '', c.maxSeries !== undefined ? `${c.maxSeries.toLocaleString('en-US')} series` : ''].filter(Boolean);
  return caps.length ? ` · at most ${caps.join(', ')}` : '';
}

export function describeConnection(c: PacsConnectionInfo): string {
  if (c.kind === 'dimse') return `DIMSE ${c.calledAet}@${c.host}:${c.port} as ${c.callingAet}${describeCaps(c)}`;
  const auth = c.auth === 'none' ? '' : c.auth === 'basic' ? ` · user ${c.user ?? '?'}, password ${c.secret === 'saved' ? 'saved' : 'missing'}` : ` · token ${c.secret === 'saved' ? 'saved' : 'missing'}`;
  return `DICOMweb ${c.url}${auth}${describeCaps(c)}`;
}

/** A cap field: empty keeps the default; else a whole number from 1 to QUERY_CAPS.most (a message saying so otherwise). */
function capField(raw: string, label: string, usual: number): { value?: number } | string {
  const text = raw.trim();
  if (text === '') return {};
  const n = /^\d{1,9}$/.test(text) ? Number(text) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > QUERY_CAPS.most) return `${label}: a whole number from 1 to ${QUERY_CAPS.most} (empty: ${usual}).`;
  return { value: n };
}

/** The request for a draft, or a message saying what to fix. */
function toRequest(d: Draft): { connection: PacsConnectionSettings; secret?: PacsSecret } | string {
  const name = d.name.trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) return 'Name: 1–64 letters, digits, dots, dashes or underscores, starting with a letter or digit.';
  const studies = capField(d.maxStudies, 'Studies per query', QUERY_CAPS.studies);
  if (typeof studies === 'string') return studies;
  const series = capField(d.maxSeries, 'Series per study', QUERY_CAPS.series);
  if (typeof series === 'string') return series;
  const caps = { ...(studies.value !== undefined ? { maxStudies: studies.value } : {}), ...(series.value !== undefined ? { maxSeries: series.value } : {}) };
  if (d.kind === 'dimse') {
    const port = Number(d.port);
    if (!d.calledAet.trim() || !d.host.trim()) return 'Give the PACS AE title and its host.';
    if (!Number.isInteger(port) || port < 1 || port > 65535) return 'Port: a number from 1 to 65535.';
    return { connection: { name, kind: 'dimse', calledAet: d.calledAet.trim(), host: d.host.trim(), port, callingAet: d.callingAet.trim() || 'LUMEN', ...caps } };
  }
  if (!d.url.trim()) return 'Give the DICOMweb base URL (https://… for TLS).';
  const connection: PacsConnectionSettings = { name, kind: 'dicomweb', url: d.url.trim(), auth: d.auth, ...caps };
  const saved = d.secretSaved && d.auth === d.savedAuth;
  if (d.auth === 'basic') {
    if (!d.user.trim()) return 'Basic authentication needs a user name.';
    if (d.password) return { connection, secret: { user: d.user.trim(), password: d.password } };
    if (!saved) return 'Basic authentication needs a password.';
    if (d.user.trim() !== d.savedUser) return 'Enter the password again to change the user name.';
  }
  if (d.auth === 'bearer') {
    if (d.token) return { connection, secret: { bearer: d.token } };
    if (!saved) return 'Bearer authentication needs a token.';
  }
  return { connection };
}

export function PacsSettings() {
  const [connections, setConnections] = useState<PacsConnectionInfo[] | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tests, setTests] = useState<Record<string, { ok: boolean; message: string } | 'testing'>>({});
  const [receiver, setReceiver] = useState<ReceiverSettings | null>(null);
  const [allowed, setAllowed] = useState('');
  const [receiverNote, setReceiverNote] = useState<{ ok: boolean; message: string } | null>(null);
  /** The connection whose Remove was pressed: it goes, with its saved secret, only once confirmed. */
  const [removing, setRemoving] = useState<string | null>(null);

  useEffect(() => {
    const load = () =>
      void lumen.invoke('pacs.list', {}).then(
        (r) => setConnections(r.connections),
        (err: unknown) => setError(errorMessage(err)),
      );
    load();
    void lumen.invoke('pacs.receiver', {}).then(
      (r) => (setReceiver(r.settings), setAllowed(r.settings.allowed.join(' '))),
      (err: unknown) => setError(errorMessage(err)),
    );
    return onConnectionsChanged(load);
  }, []);

  const save = async () => {
    if (!draft) return;
    const request = toRequest(draft);
    if (typeof request === 'string') return setError(request);
    setError(null);
    try {
      const r = await lumen.invoke('pacs.save', { ...request, previousName: draft.previousName });
      setConnections(r.connections);
      setDraft(null);
      connectionsChanged();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const remove = async (name: string) => {
    setError(null);
    setRemoving(null);
    try {
      setConnections((await lumen.invoke('pacs.remove', { name })).connections);
      connectionsChanged();
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  const test = async (name: string) => {
    setTests((t) => ({ ...t, [name]: 'testing' }));
    try {
      const r = await lumen.invoke('pacs.test', { name });
      setTests((t) => ({ ...t, [name]: r }));
    } catch (err) {
      setTests((t) => ({ ...t, [name]: { ok: false, message: errorMessage(err) } }));
    }
  };
  const saveReceiver = async () => {
    if (!receiver) return;
    const titles = allowed.split(/[\s,]+/).filter(Boolean);
    setReceiverNote(null);
    try {
      const r = await lumen.invoke('pacs.receiverSettings', { settings: { ...receiver, allowed: titles } });
      setReceiver(r.settings);
      setReceiverNote({ ok: true, message: `Saved. Allowed senders: ${r.allowedSenders.join(', ') || 'none'}.` });
    } catch (err) {
      setReceiverNote({ ok: false, message: errorMessage(err) });
    }
  };
  const set = (change: Partial<Draft>) => setDraft((d) => (d ? { ...d, ...change } : d));

  return (
    <div className="pacs-settings" data-testid="pacs-settings">
      <p className="muted small">
        Lumen contacts a PACS only when you test, query or retrieve. Passwords and tokens are kept {lumen.shell === 'electron' ? "encrypted by the system's keychain" : 'in a file only you can read'} and never shown again.
      </p>
      {/* The engine's messages start in lower case ("cannot reach PACS …"): a line on its own starts with a capital. */}
      {error && <div className="banner error" role="alert">{capitalised(error)}</div>}
      {connections && connections.length === 0 && !draft && <p className="muted small">No PACS connections yet.</p>}
      <ul className="pacs-connections">
        {connections?.map((c) => {
          const t = tests[c.name];
          return (
            <li key={c.name} data-testid="pacs-connection">
              <div className="row">
                <strong>{c.name}</strong>
                <span className="muted small pacs-describe">{describeConnection(c)}</span>
              </div>
              <div className="row">
                {/* Busy, it stays focusable (aria-disabled, not disabled): a focused button that becomes disabled drops the keyboard's focus to the page. */}
                <button type="button" className="text-button small" onClick={() => t !== 'testing' && void test(c.name)} aria-disabled={t === 'testing'}>
                  Test connection
                </button>
                <button type="button" className="text-button small" onClick={() => (setError(null), setDraft(draftOf(c)))}>Edit</button>
                <button type="button" className="text-button small" onClick={() => setRemoving(c.name)} aria-label={`Remove ${c.name}`} aria-expanded={removing === c.name}>Remove</button>
              </div>
              {removing === c.name && (
                <div className="row pacs-remove-ask" role="group" aria-label={`Remove ${c.name}?`}>
                  <span className="small">
                    Remove {c.name}?{' '}
                    {c.kind === 'dicomweb' && c.secret === 'saved' ? `Its saved ${c.auth === 'bearer' ? 'token' : 'password'} is deleted too and cannot be shown again.` : 'This cannot be undone.'}
                  </span>
                  <button type="button" className="text-button small bad" onClick={() => void remove(c.name)}>Remove</button>
                  <button type="button" className="text-button small" onClick={() => setRemoving(null)} autoFocus>Keep</button>
                </div>
              )}
              {t && (
                <div className={`small ${t !== 'testing' && !t.ok ? 'bad' : 'muted'}`} role="status" data-testid="pacs-test-result">
                  {t === 'testing' ? 'Testing…' : capitalised(t.message)}
                </div>
              )}
            </li>
          );
        })}
      </ul>
      {!draft && (
        <button type="button" className="text-button" onClick={() => (setError(null), setDraft({ ...EMPTY }))}>
          Add a PACS connection…
        </button>
      )}
      {draft && (
        <form
          className="pacs-form"
          aria-label={draft.previousName ? `Edit ${draft.previousName}` : 'New PACS connection'}
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <div className="row" role="radiogroup" aria-label="Protocol">
            <label><input type="radio" name="pacs-kind" checked={draft.kind === 'dicomweb'} onChange={() => set({ kind: 'dicomweb' })} /> DICOMweb</label>
            <label><input type="radio" name="pacs-kind" checked={draft.kind === 'dimse'} onChange={() => set({ kind: 'dimse' })} /> DIMSE</label>
          </div>
          <label className="pacs-field">Name <input className="text-input" value={draft.name} onChange={(e) => set({ name: e.target.value })} spellCheck={false} /></label>
          {draft.kind === 'dicomweb' ? (
            <>
              <label className="pacs-field">Base URL <input className="text-input" placeholder="https://pacs.example.org/dicom-web" value={draft.url} onChange={(e) => set({ url: e.target.value })} spellCheck={false} /></label>
              <label className="pacs-field">
                Authentication{' '}
                <select aria-label="Authentication" value={draft.auth} onChange={(e) => set({ auth: e.target.value as Auth })}>
                  <option value="none">None</option>
                  <option value="basic">User name and password</option>
                  <option value="bearer">Bearer token</option>
                </select>
              </label>
              {draft.auth === 'basic' && (
                <>
                  <label className="pacs-field">User <input className="text-input" value={draft.user} onChange={(e) => set({ user: e.target.value })} autoComplete="off" spellCheck={false} /></label>
                  <label className="pacs-field">Password <input className="text-input" type="password" placeholder={draft.secretSaved && draft.auth === draft.savedAuth ? 'saved (leave empty to keep)' : ''} value={draft.password} onChange={(e) => set({ password: e.target.value })} autoComplete="new-password" /></label>
                </>
              )}
              {draft.auth === 'bearer' && (
                <label className="pacs-field">Token <input className="text-input" type="password" placeholder={draft.secretSaved && draft.auth === draft.savedAuth ? 'saved (leave empty to keep)' : ''} value={draft.token} onChange={(e) => set({ token: e.target.value })} autoComplete="off" /></label>
              )}
              <p className="muted small">TLS: give an https:// URL; the system's certificate authorities check the server.</p>
            </>
          ) : (
            <>
              <label className="pacs-field">PACS AE title <input className="text-input" placeholder="ORTHANC" value={draft.calledAet} onChange={(e) => set({ calledAet: e.target.value })} spellCheck={false} /></label>
              <label className="pacs-field">Host <input className="text-input" placeholder="pacs.example.org" value={draft.host} onChange={(e) => set({ host: e.target.value })} spellCheck={false} /></label>
              <label className="pacs-field">Port <input className="text-input narrow" inputMode="numeric" value={draft.port} onChange={(e) => set({ port: e.target.value })} /></label>
              <label className="pacs-field">Lumen's AE title <input className="text-input" value={draft.callingAet} onChange={(e) => set({ callingAet: e.target.value })} spellCheck={false} /></label>
            </>
          )}
          <div className="row">
            <label className="pacs-field">
              Studies per query
              <input className="text-input narrow" inputMode="numeric" placeholder={String(QUERY_CAPS.studies)} value={draft.maxStudies} onChange={(e) => set({ maxStudies: e.target.value })} aria-describedby="pacs-caps-note" />
            </label>
            <label className="pacs-field">
              Series per study
              <input className="text-input narrow" inputMode="numeric" placeholder={String(QUERY_CAPS.series)} value={draft.maxSeries} onChange={(e) => set({ maxSeries: e.target.value })} aria-describedby="pacs-caps-note" />
            </label>
          </div>
          <p className="muted small" id="pacs-caps-note">
            The most a search lists (up to {QUERY_CAPS.most.toLocaleString('en-US')}); empty: {QUERY_CAPS.studies.toLocaleString('en-US')} studies, {QUERY_CAPS.series.toLocaleString('en-US')} series. Lower for a slow link.
          </p>
          <div className="row">
            <button type="submit" className="primary-button">Save connection</button>
            <button type="button" className="text-button" onClick={() => (setDraft(null), setError(null))}>Cancel</button>
          </div>
        </form>
      )}

      <h3 id="settings-receiver">Receiver (C-STORE)</h3>
      <p className="muted small">Switched on in the PACS tab. It files what the allowed senders send into the library; every other calling AE title is refused. The AE title of each DIMSE connection is allowed.</p>
      {receiver && (
        <form
          className="pacs-form"
          aria-labelledby="settings-receiver"
          onSubmit={(e) => {
            e.preventDefault();
            void saveReceiver();
          }}
        >
          <label className="pacs-field">Lumen's AE title <input className="text-input" value={receiver.aet} onChange={(e) => setReceiver({ ...receiver, aet: e.target.value })} spellCheck={false} /></label>
          <label className="pacs-field">Port <input className="text-input narrow" inputMode="numeric" value={String(receiver.port)} onChange={(e) => setReceiver({ ...receiver, port: Number(e.target.value.replace(/\D/g, '')) || 0 })} /></label>
          <label className="pacs-field">
            Listen on{' '}
            <select aria-label="Listen on" value={receiver.host} onChange={(e) => setReceiver({ ...receiver, host: e.target.value as ReceiverSettings['host'] })}>
              <option value="127.0.0.1">This computer only</option>
              <option value="0.0.0.0">Every network interface</option>
            </select>
          </label>
          <label className="pacs-field">Allowed senders <input className="text-input" placeholder="CT_SCANNER MR1" value={allowed} onChange={(e) => setAllowed(e.target.value)} spellCheck={false} /></label>
          <div className="row">
            <button type="submit" className="text-button">Save receiver settings</button>
          </div>
          {receiverNote && <div className={`small ${receiverNote.ok ? 'muted' : 'bad'}`} role="status">{capitalised(receiverNote.message)}</div>}
        </form>
      )}
    </div>
  );
}
