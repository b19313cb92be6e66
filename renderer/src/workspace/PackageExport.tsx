// Exporting a model package version from the Classifier list (training.exportPackage): "Export…"
// opens a field under the package for the file to write, typed as Export results… takes its folder
// (the app and the browser build alike). The engine writes a new .lumenpkg only (never over a
// file) with the package's own files, which Import in the Classifier panel, or `lumen models
// import`, installs on another workstation with the same content hash.
import { useEffect, useRef, useState } from 'react';
import type { PackageInfo } from '../../../common/contract/models';
import { errorMessage } from '../../../common/errors';
import { lumen } from '../api';
import { versionName } from './PackageDelete';
import './package-export.css';

/** The file name a package suggests: its name, and the version's hash for an earlier version. */
export function suggestedFile(p: PackageInfo, ownerName: string): string {
  const base = ownerName.replace(/[^\w.-]+/g, '_') || 'package';
  return p.earlierVersionOf ? `${base}-v${p.version ?? 1}-${p.contentHash.slice(0, 8)}.lumenpkg` : `${base}.lumenpkg`;
}

export function ExportQuestion(props: { pkg: PackageInfo; ownerName: string; onClose: () => void }) {
  const { pkg, ownerName } = props;
  const [file, setFile] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string[] | null>(null);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  const name = versionName(pkg, ownerName);
  const run = async () => {
    setError(null);
    setDone(null);
    const path = file.trim();
    if (!path) return setError('Type the path of the .lumenpkg file to write.');
    setBusy(true);
    try {
      const r = await lumen.invoke('training.exportPackage', { packageDir: pkg.dir, file: path });
      setDone([`Wrote ${r.file} (#${r.contentHash.slice(0, 12)}). Import it in another Lumen's Classifier panel, or with lumen models import.`, ...r.notes]);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="package-export-ask"
      role="group"
      aria-label={`Export ${name}`}
      data-testid="package-export"
      onKeyDown={(e) => e.key === 'Escape' && props.onClose()}
      onSubmit={(e) => {
        e.preventDefault();
        void run();
      }}
    >
      <label className="field-label" htmlFor={`package-export-${pkg.contentHash}`}>
        Export to a new .lumenpkg file
      </label>
      <input
        id={`package-export-${pkg.contentHash}`}
        ref={input}
        className="text-input"
        value={file}
        onChange={(e) => setFile(e.target.value)}
        placeholder={`/path/to/${suggestedFile(pkg, ownerName)}`}
        spellCheck={false}
        aria-label={`Export ${name} to`}
      />
      <p className="muted small">Only the package&apos;s own files go in (model, weights, metadata with its pseudonymised split), nothing of the library.</p>
      {error && <div className="banner error" role="alert">Export failed: {error}</div>}
      {done && (
        <div className="muted small" role="status" data-testid="package-export-done">
          {done.map((line) => <div key={line}>{line}</div>)}
        </div>
      )}
      <div className="row">
        <button type="submit" className="text-button small" disabled={busy || !file.trim()} data-testid="package-export-confirm">
          Export
        </button>
        <button type="button" className="text-button small" onClick={props.onClose}>
          {done ? 'Close' : 'Cancel'}
        </button>
      </div>
    </form>
  );
}
