// Deleting a model package version from the Classifier list (models.deletePackage): "Delete…"
// asks first, naming the package, version, date, hash and how many stored predictions in the
// library name it (they stay readable); then a notice with Undo (models.undoDelete) stays for the
// session. The engine moves the folder aside into <data folder>/deleted-packages and removes it
// for good only when the app closes, so Undo puts back exactly what went.
import { useEffect, useRef, useState } from 'react';
import type { PackageInfo } from '../../../common/contract/models';
import { errorMessage } from '../../../common/errors';
import { lumen } from '../api';
import { countOf, formatDateTime } from './format';
import { Name } from './Name';
import './remove.css';
import './package-delete.css';

/** How a version is named in the question and on its button: "knee version 2 (#0123456789ab)". */
export function versionName(p: PackageInfo, ownerName: string): string {
  return `${ownerName} version ${p.version ?? 1} (#${p.contentHash.slice(0, 12)})`;
}

export function DeleteQuestion(props: { pkg: PackageInfo; ownerName: string; earlier: PackageInfo[]; onCancel: () => void; onDeleted: (done: { undoId: string; message: string }) => void }) {
  const { pkg, ownerName, earlier } = props;
  const [use, setUse] = useState<{ predictions: number; series: number; inUse: string | null } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [allVersions, setAllVersions] = useState(false);
  const cancel = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    let live = true;
    lumen.invoke('models.packageUse', { packageHash: pkg.contentHash }).then(
      (u) => live && setUse(u),
      (err: unknown) => live && setError(errorMessage(err)),
    );
    return () => {
      live = false;
    };
  }, [pkg.contentHash]);
  useEffect(() => {
    if (use) cancel.current?.focus();
  }, [use]);
  const next = !pkg.earlierVersionOf ? [...earlier].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0] : undefined;
  const del = async () => {
    setBusy(true);
    setError(null);
    try {
      props.onDeleted(await lumen.invoke('models.deletePackage', { packageHash: pkg.contentHash, allVersions }));
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  const stored = use ? (use.predictions === 0 ? 'No stored predictions in the library name it.' : `${countOf(use.predictions, 'stored image prediction')}${use.series ? ` on ${countOf(use.series, 'series')}` : ''} in the library name it; they stay readable.`) : 'Counting the stored predictions that name it…';
  return (
    <div className="remove-ask package-delete-ask" role="alertdialog" aria-label={`Delete ${versionName(pkg, ownerName)}?`} data-testid="package-delete-question" onKeyDown={(e) => e.key === 'Escape' && props.onCancel()}>
      <p>
        Delete <strong><Name text={ownerName} /></strong> version {pkg.version ?? 1}, made {formatDateTime(pkg.createdAt)}, <span className="mono">#{pkg.contentHash.slice(0, 12)}</span>? {stored}
        {next && !allVersions && (
          <>
            {' '}
            <Name text={ownerName} />
            {` then runs version ${next.version ?? 1} (#${next.contentHash.slice(0, 12)}).`}
          </>
        )}
      </p>
      {use?.inUse && <p className="package-delete-busy">It cannot be deleted now: {use.inUse}.</p>}
      {!pkg.earlierVersionOf && earlier.length > 0 && (
        <label className="check">
          <input type="checkbox" checked={allVersions} onChange={(e) => setAllVersions(e.target.checked)} /> with its {countOf(earlier.length, 'earlier version')}
        </label>
      )}
      <p className="muted small">Undo stays offered until Lumen closes; then the folder is removed for good.</p>
      {error && <div className="banner error" role="alert">{error}</div>}
      <div className="row">
        <button type="button" className="text-button small bad" disabled={busy || !use || use.inUse !== null} onClick={() => void del()} data-testid="package-delete-confirm">
          Delete
        </button>
        <button type="button" className="text-button small" ref={cancel} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}

/** The notice after a delete, with Undo for the session. */
export function DeletedNotice(props: { done: { undoId: string; message: string }; onUndone: (message: string) => void; onDismiss: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const undo = async () => {
    setError(null);
    try {
      props.onUndone((await lumen.invoke('models.undoDelete', { undoId: props.done.undoId })).message);
    } catch (err) {
      setError(errorMessage(err));
    }
  };
  return (
    <div className="package-deleted" data-testid="package-deleted">
      <span role="status">{props.done.message}</span>
      <span className="row">
        <button type="button" className="remove-undo-button" onClick={() => void undo()} data-testid="package-undo">
          Undo
        </button>
        <button type="button" className="link-button" aria-label="Dismiss" title="Dismiss" onClick={props.onDismiss}>
          ✕
        </button>
      </span>
      {error && <div className="banner error" role="alert">{error}</div>}
    </div>
  );
}

/**
 * This app session's other deletions that still wait for Undo (models.deletedPackages), each with
 * Undo: after a page reload (lumen serve, or a reload of the app's window) or a dismissed notice,
 * the deleted package is still offered back until Lumen closes. `except`: the one the notice shows.
 */
export function RecentlyDeleted(props: { except: string | null; onUndone: (message: string) => void }) {
  const [list, setList] = useState<{ undoId: string; message: string }[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  useEffect(() => {
    let live = true;
    lumen.invoke('models.deletedPackages', {}).then(
      (r) => live && setList(r.deleted),
      () => live && setList([]),
    );
    return () => {
      live = false;
    };
  }, [generation]);
  // A delete or undo anywhere (this panel, another tab) and a restarted engine change the list.
  useEffect(() => lumen.on('models.changed', () => setGeneration((g) => g + 1)), []);
  useEffect(() => lumen.on('engine.error', () => setGeneration((g) => g + 1)), []);
  const undo = async (undoId: string) => {
    setError(null);
    try {
      props.onUndone((await lumen.invoke('models.undoDelete', { undoId })).message);
    } catch (err) {
      setError(errorMessage(err));
    }
    setGeneration((g) => g + 1);
  };
  const shown = list.filter((d) => d.undoId !== props.except);
  if (shown.length === 0 && !error) return null;
  return (
    <section className="package-recently-deleted" aria-labelledby="package-recently-deleted-title" data-testid="package-recently-deleted">
      <h3 id="package-recently-deleted-title">Deleted in this session</h3>
      <p className="muted small">Undo stays offered until Lumen closes; then the folders are removed for good.</p>
      <ul>
        {shown.map((d) => (
          <li key={d.undoId}>
            <span id={`deleted-${d.undoId}`}>{d.message}</span>
            <button type="button" className="remove-undo-button" aria-describedby={`deleted-${d.undoId}`} onClick={() => void undo(d.undoId)} data-testid="package-recently-deleted-undo">
              Undo
            </button>
          </li>
        ))}
      </ul>
      {error && <div className="banner error" role="alert">{error}</div>}
    </section>
  );
}
