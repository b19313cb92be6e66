import { useEffect, useMemo, useState } from 'react';
import type { ImportFileError, ImportReport } from '../../../common/contract/library';
import { IMPORT_ISSUE_KINDS, IMPORT_ISSUE_LABELS, importCountsPhrase, issuePhrases, issuesAsText, type ImportIssueKind } from '../../../common/import-summary';
import { lumen } from '../api';
import { useModalDialog } from '../useModalDialog';
import './import-report.css';
import { errorMessage } from '../../../common/errors';

// What an import did, in one honest line under the import form, and the files it did not
// import in a dialog wide enough to read: sortable, copyable, each kind named for what it is
// (a duplicate or an RT Plan is not a failure).

/** The one line under the import form. `onShowList` opens the list of files not imported. */
export function ImportSummary({ report, onShowList }: { report: ImportReport; onShowList: () => void }) {
  const read = report.imported + report.changed + report.unchanged;
  const phrases = issuePhrases(report.issues);
  const onlyAbsent = report.errorCount > 0 && report.issues['not-found'] === report.errorCount && read === 0;
  if (onlyAbsent && report.errorCount === 1 && report.errors[0]) {
    return (
      <div className="import-report" data-testid="import-report" role="status">
        <span className="bad">Nothing imported: {report.errors[0].file} does not exist.</span> Check the path.
      </div>
    );
  }
  return (
    <div className="import-report" data-testid="import-report" role="status">
      {report.stopped && (
        <span className="bad" data-testid="import-stopped">
          {report.stopped}{' '}
        </span>
      )}
      {report.cancelled ? 'Import cancelled. ' : ''}
      {importCountsPhrase(report)}
      {phrases.map((p) => (
        <span key={p.kind} className={`issue-phrase kind-${p.kind}`}>
          {', '}
          {p.text}
        </span>
      ))}
      {report.errorCount > 0 && (
        <>
          {'. '}
          <button type="button" className="link-button" onClick={onShowList}>
            Show the list
          </button>
        </>
      )}
    </div>
  );
}

type SortKey = 'kind' | 'reason' | 'file';

const KIND_ORDER = new Map(IMPORT_ISSUE_KINDS.map((k, i) => [k, i]));

function compareBy(key: SortKey): (a: ImportFileError, b: ImportFileError) => number {
  const byKind = (a: ImportFileError, b: ImportFileError) => KIND_ORDER.get(a.kind)! - KIND_ORDER.get(b.kind)!;
  const byReason = (a: ImportFileError, b: ImportFileError) => a.reason.localeCompare(b.reason);
  const byFile = (a: ImportFileError, b: ImportFileError) => a.file.localeCompare(b.file);
  const order = key === 'kind' ? [byKind, byReason, byFile] : key === 'reason' ? [byReason, byFile] : [byFile];
  return (a, b) => {
    for (const cmp of order) {
      const d = cmp(a, b);
      if (d !== 0) return d;
    }
    return 0;
  };
}

/** Puts text on the clipboard: the async API where the page may, a selected text area otherwise. */
async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
    return;
  } catch {
    // Not allowed here (an insecure origin, no focus): fall back to the selection.
  }
  const area = document.createElement('textarea');
  area.value = text;
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.appendChild(area);
  area.select();
  const ok = document.execCommand('copy');
  area.remove();
  if (!ok) throw new Error('the clipboard refused the text');
}

/** The files an import did not import, in a dialog. */
export function ImportIssuesDialog({ report, onClose }: { report: ImportReport; onClose: () => void }) {
  const [issues, setIssues] = useState<ImportFileError[]>(report.errors);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [sortKey, setSortKey] = useState<SortKey>('kind');
  const [copied, setCopied] = useState<string | null>(null);

  // The import's end event lists the first 200; the library keeps them all.
  useEffect(() => {
    if (report.errorCount <= report.errors.length) return;
    let live = true;
    lumen.invoke('library.importErrors', {}).then(
      (all) => live && setIssues(all.filter((e) => e.at === report.at)),
      (err: unknown) => live && setLoadError(`Only the first ${report.errors.length} of ${report.errorCount} files are listed: the library's list could not be read (${errorMessage(err)}).`),
    );
    return () => {
      live = false;
    };
  }, [report]);
  // Focus stays in the dialog until it closes; Escape closes it (useModalDialog).
  const dialog = useModalDialog<HTMLElement>(onClose);

  const sorted = useMemo(() => [...issues].sort(compareBy(sortKey)), [issues, sortKey]);
  const copy = () =>
    copyText(issuesAsText(sorted)).then(
      () => setCopied(`Copied ${sorted.length} ${sorted.length === 1 ? 'line' : 'lines'} (tab-separated: file, what, reason, kept copy).`),
      (err: unknown) => setCopied(`Could not copy: ${errorMessage(err)}. Select the rows and copy them instead.`),
    );
  const header = (key: SortKey, label: string) => (
    <th aria-sort={sortKey === key ? 'ascending' : 'none'}>
      <button type="button" className="sort-button" onClick={() => setSortKey(key)}>
        {label}
        {sortKey === key ? ' ▲' : ''}
      </button>
    </th>
  );

  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <section className="modal import-issues" role="dialog" aria-modal="true" aria-labelledby="import-issues-title" tabIndex={-1} ref={dialog} onClick={(e) => e.stopPropagation()}>
        <header className="modal-header">
          <h2 id="import-issues-title">Files not imported{report.issues.conflict ? ', and files imported with a warning' : ''}</h2>
          <div className="row">
            <button type="button" className="text-button" onClick={() => void copy()}>
              Copy list
            </button>
            <button type="button" className="icon-button" title="Close (Esc)" onClick={onClose} data-autofocus>
              <span aria-hidden="true">✕</span>
              <span className="visually-hidden">Close</span>
            </button>
          </div>
        </header>
        <p className="import-issues-summary">
          {issuePhrases(report.issues).map((p) => (
            <span key={p.kind} className={`issue-count kind-${p.kind}`}>
              {p.text}
            </span>
          ))}
        </p>
        {copied && (
          <p className="muted small" role="status">
            {copied}
          </p>
        )}
        {loadError && (
          <p className="bad small" role="alert">
            {loadError}
          </p>
        )}
        <div className="import-issues-scroll">
          <table className="import-issues-table" aria-label="Files not imported">
            <thead>
              <tr>
                {header('kind', 'What')}
                {header('file', 'File')}
                {header('reason', 'Reason')}
              </tr>
            </thead>
            <tbody>
              {sorted.map((issue) => (
                <tr key={issue.file} className={`kind-${issue.kind}`} data-kind={issue.kind}>
                  <td className="issue-kind">{IMPORT_ISSUE_LABELS[issue.kind as ImportIssueKind]}</td>
                  <td className="mono issue-file">{issue.file}</td>
                  <td className="issue-reason">
                    {issue.reason}
                    {issue.keptFile && (
                      <div className="issue-kept">
                        Kept: <span className="mono">{issue.keptFile}</span>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}
