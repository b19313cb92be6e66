import { useEffect, useState } from 'react';
import type { ImportReport } from '../../../common/contract/library';
import { lumen } from '../api';
import { PacsTab } from '../pacs/PacsTab';
import { ExportDialog } from './ExportDialog';
import { ImportIssuesDialog, ImportSummary } from './ImportReport';
import { readOnlyControl, useReadOnlyLibrary } from './libraryAccess';
import { PatientDetailsNotice } from './PatientDetailsNotice';
import { SpacingReadNotice } from './SpacingReadNotice';
import { Progress } from './Progress';
import { StudyList } from './StudyList';
import { StudyResults } from './StudyResults';
import { useJob } from './useJob';
import { NO_FILTER, type StudyFilter, type StudySort } from './studyFilters';
import { useStudyPages } from './useStudyPages';

export function StudyBrowser({
  openSeries,
  activeSeries,
  showMaps,
  setShowMaps,
  onTab,
}: {
  openSeries: (uid: string) => void;
  activeSeries: string | null;
  /** Whether imported parametric maps are drawn over their images. */
  showMaps: boolean;
  setShowMaps: (show: boolean) => void;
  /** The user picked the Library or PACS tab (App moves the welcome card out of the way). */
  onTab?: (tab: 'library' | 'pacs') => void;
}) {
  const [search, setSearch] = useState('');
  const [sort, setSort] = useState<StudySort>('date');
  const [filter, setFilter] = useState<StudyFilter>(NO_FILTER);
  const [generation, setGeneration] = useState(0);
  const pages = useStudyPages(search, sort, filter, generation);
  const { studies, error } = pages;
  const [importPath, setImportPath] = useState('');
  const [showErrors, setShowErrors] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [tab, setTab] = useState<'library' | 'pacs'>('library');
  const job = useJob<ImportReport>();
  const readOnly = useReadOnlyLibrary();

  useEffect(() => lumen.on('library.changed', () => setGeneration((g) => g + 1)), []);

  const [dropHint, setDropHint] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const startImportPaths = (paths: string[]) => {
    const clean = paths.map((p) => p.trim()).filter(Boolean);
    if (clean.length === 0 || readOnly) return;
    setShowErrors(false);
    setDropHint(null);
    void job.start(() => lumen.invoke('library.import', { paths: clean }), 'Scanning…');
  };
  const startImport = (path: string) => startImportPaths([path]);
  const onDrop = (e: React.DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const files = Array.from(e.dataTransfer.files);
    const paths = lumen.pathForFile ? files.map((f) => lumen.pathForFile!(f)).filter(Boolean) : [];
    if (paths.length > 0) startImportPaths(paths);
    else if (files.length > 0) setDropHint('A web page cannot see where dropped files live: type the folder path above, or drop files in the desktop app.');
  };
  const browse = async () => {
    const { path } = await lumen.invoke('dialog.openFolder', {});
    if (path) {
      setImportPath(path);
      startImport(path);
    }
  };
  useEffect(() => lumen.on('menu.command', ({ command }) => command === 'openFolder' && lumen.shell === 'electron' && void browse()), []);

  const report = job.result;
  return (
    <aside
      className={`panel study-browser${dragging ? ' dragging' : ''}`}
      aria-label="Study browser"
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) {
          e.preventDefault();
          setDragging(true);
        }
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={onDrop}
    >
      <header className="panel-header">
        <h2>Studies</h2>
        <span className="muted">{studies ? `${pages.total}` : ''}</span>
        {activeSeries && (
          <button type="button" className="text-button" onClick={() => setExporting(true)} title="Export the open series' or study's results, de-identified copies or tables">
            Export results…
          </button>
        )}
      </header>
      {exporting && activeSeries && (
        <ExportDialog
          seriesInstanceUid={activeSeries}
          studyInstanceUid={studies?.find((st) => st.series.some((se) => se.seriesInstanceUid === activeSeries))?.studyInstanceUid ?? null}
          onClose={() => setExporting(false)}
        />
      )}
      <div className="side-tabs" role="tablist" aria-label="Study source">
        <button type="button" role="tab" id="tab-library" aria-selected={tab === 'library'} aria-controls="panel-library" className={tab === 'library' ? 'active' : ''} onClick={() => (setTab('library'), onTab?.('library'))}>
          Library
        </button>
        <button type="button" role="tab" id="tab-pacs" aria-selected={tab === 'pacs'} aria-controls="panel-pacs" className={tab === 'pacs' ? 'active' : ''} onClick={() => (setTab('pacs'), onTab?.('pacs'))}>
          PACS
        </button>
      </div>
      {/* Kept mounted while hidden: a retrieve goes on, and the library list refreshes, whichever tab shows. */}
      <div id="panel-pacs" role="tabpanel" aria-labelledby="tab-pacs" className="browser-tab" hidden={tab !== 'pacs'}>
        <PacsTab />
      </div>
      <div id="panel-library" role="tabpanel" aria-labelledby="tab-library" className="browser-tab" hidden={tab !== 'library'}>
      <form
        className="import-form"
        onSubmit={(e) => {
          e.preventDefault();
          startImport(importPath);
        }}
      >
        <label htmlFor="import-path" className="field-label">Import a folder or file</label>
        <div className="row">
          <input id="import-path" className="text-input" placeholder="/path/to/dicom" value={importPath} onChange={(e) => setImportPath(e.target.value)} spellCheck={false} />
          {lumen.shell === 'electron' && (
            <button type="button" className="text-button" onClick={() => void browse()} {...readOnlyControl(readOnly)}>
              Browse…
            </button>
          )}
          <button type="submit" className="primary-button" disabled={job.running || !importPath.trim()} {...readOnlyControl(readOnly)}>
            Import
          </button>
        </div>
      </form>
      {readOnly && (
        <div className="banner" role="status" data-testid="read-only-notice" title={readOnly}>
          This library is on a read-only disk: you can view it and run models on it (their results are not stored), but not import, label or change it.
        </div>
      )}
      {dropHint && <div className="banner" role="status">{dropHint}</div>}
      <PatientDetailsNotice onRead={() => setGeneration((g) => g + 1)} />
      <SpacingReadNotice />
      {job.running && <Progress label="Import" fraction={job.fraction} message={job.message} onCancel={job.cancel} />}
      {job.error && <div className="banner error" role="alert">Import failed: {job.error}</div>}
      {report && <ImportSummary report={report} onShowList={() => setShowErrors(true)} />}
      {report && showErrors && <ImportIssuesDialog report={report} onClose={() => setShowErrors(false)} />}
      <input className="text-input search" type="search" placeholder="Search patient, ID, description…" title="Search by patient name or ID, study description, modality or date (letter case ignored)" aria-label="Search studies" value={search} onChange={(e) => setSearch(e.target.value)} />
      {error && <div className="banner error" role="alert">{error}</div>}
      <StudyList pages={pages} search={search} sort={sort} setSort={setSort} filter={filter} setFilter={setFilter} activeSeries={activeSeries} openSeries={openSeries} imported={report?.studyInstanceUids} />
      <StudyResults studyInstanceUid={studies?.find((st) => st.series.some((se) => se.seriesInstanceUid === activeSeries))?.studyInstanceUid ?? null} showMaps={showMaps} setShowMaps={setShowMaps} />
      </div>
    </aside>
  );
}
