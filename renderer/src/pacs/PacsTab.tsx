// The study browser's PACS tab: query a configured PACS (QIDO-RS or C-FIND), list the studies
// (each expandable to its series), retrieve a study or a series into the library with progress
// and cancel, and switch the C-STORE receiver on and off. What the library holds is marked and
// kept up to date as instances land (library.changed).
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useLastCall } from '../useLastCall';
import { HOLDINGS_MAX_STUDIES } from '../../../common/contract/library';
import type { PacsConnectionInfo, PacsQuery, PacsRetrieveReport, PacsSeries, PacsStudy } from '../../../common/contract/pacs';
import { isLibraryUid } from '../../../common/dicom-uid';
import { errorMessage } from '../../../common/errors';
import { capitalised } from '../../../common/metric-words';
import { countOf } from '../../../common/counts';
import { retrieveCountsPhrase } from '../../../common/retrieve-summary';
import { lumen } from '../api';
import { Progress } from '../workspace/Progress';
import { formatDate, personName } from '../workspace/format';
import { useJob } from '../workspace/useJob';
import { useVirtualList } from '../workspace/useVirtualList';
import { onConnectionsChanged } from './connectionsChanged';
import { describeConnection } from './PacsSettings';
import { ReceiverPanel } from './ReceiverPanel';
import './pacs.css';

const MODALITIES = ['', 'CT', 'MR', 'CR', 'DX', 'US', 'MG', 'PT', 'NM', 'XA', 'OT'];

/** "1 image", "3 images", "? images" where the PACS did not say. */
const images = (n: number | null) => (n === null ? '? images' : countOf(n, 'image'));

/** 2025-03-10 → 20250310. */
const dicomDate = (d: string) => d.replace(/-/g, '');
/** Dates and names as the library list writes them. */
const shownDate = (d: string) => formatDate(d) || '—';
const shownName = (n: string) => personName(n) || '—';

// The result list is virtualised as the library's is (workspace/useVirtualList.ts): a capped
// query lists 5,000 studies, and only those in view are rendered. Every part of a row has a
// fixed height (pacs.css, `.pacs-results.virtual`), so a row's height is known before it renders.
const LINE = 18;
const LINE_GAP = 2;
const ACTIONS = 22;
/** The row's padding and border, top and bottom, and the gap between its parts. */
const ROW_FRAME = 14;
const PART_GAP = 4;
const SERIES_ROW = 24;
/** A series' second line: its count and what the library holds of it (beside the description and the Retrieve button they cut it to "#1 no desc…"). */
const SERIES_COUNTS = LINE;
const SERIES_GAP = 4;
const BANNER = 56;
const STUDY_GAP = 6;
/** Rows moved by Page Up and Page Down. */
const PAGE_ROWS = 8;

/** A study's lines: name, date and IDs, description (when it has one), counts (then, apart, what the library holds of it). */
const studyLines = (s: PacsStudy) => (s.studyDescription ? 4 : 3);
/** Where the Retrieve button sits: on the counts line, at its right (the row's frame is half of ROW_FRAME above). */
const actionsTop = (s: PacsStudy) => ROW_FRAME / 2 + (studyLines(s) - 1) * (LINE + LINE_GAP) - (ACTIONS - LINE) / 2;

/** A series' row: its number, description and Retrieve button; under them its count and "In library" mark. */
const SERIES_HEIGHT = SERIES_ROW + SERIES_COUNTS;

/** `held`: the study has its "In library" line (a line of its own: beside the counts and the Retrieve button it cut "3 series, 240 images" short). */
function studyHeight(s: PacsStudy, expanded: PacsSeries[] | 'loading' | { error: string } | undefined, cut: string | undefined, held: boolean): number {
  const lines = studyLines(s) + (held ? 1 : 0);
  let h = ROW_FRAME + lines * LINE + (lines - 1) * LINE_GAP;
  if (expanded === 'loading' || (expanded && !Array.isArray(expanded))) h += PART_GAP + LINE;
  if (Array.isArray(expanded)) {
    if (cut) h += PART_GAP + BANNER;
    h += PART_GAP + (expanded.length > 0 ? expanded.length * SERIES_HEIGHT + (expanded.length - 1) * SERIES_GAP : LINE);
  }
  return h + STUDY_GAP;
}

function holding(inLibrary: number, total: number | null): { text: string; complete: boolean } | null {
  if (inLibrary === 0) return null;
  if (total !== null && inLibrary >= total) return { text: 'In library', complete: true };
  return { text: total !== null ? `${inLibrary} of ${total} in library` : `${inLibrary} in library`, complete: false };
}

/**
 * Instances the library holds now of the studies on show, by study and by series: what marks
 * "in library" live. Asks the library about those studies only (library.holdings, in parts
 * of at most HOLDINGS_MAX_STUDIES), never for its whole list.
 */
function useLibraryCounts(studyUids: readonly string[]) {
  const [counts, setCounts] = useState<{ studies: Map<string, number>; series: Map<string, number> }>({ studies: new Map(), series: new Map() });
  const key = studyUids.join('\n');
  // Counts asked before an import (or another list) that answer after it are dropped: they would
  // put the old count back, and "In library" would leave a study the library holds.
  const asked = useLastCall();
  const load = useCallback(() => {
    const last = asked.begin();
    const uids = key ? key.split('\n') : [];
    const parts: string[][] = [];
    for (let i = 0; i < uids.length; i += HOLDINGS_MAX_STUDIES) parts.push(uids.slice(i, i + HOLDINGS_MAX_STUDIES));
    void Promise.all(parts.map((part) => lumen.invoke('library.holdings', { studyInstanceUids: part }))).then(
      (replies) => {
        if (!last()) return;
        const studies = new Map<string, number>();
        const series = new Map<string, number>();
        for (const st of replies.flatMap((r) => r.studies)) {
          studies.set(st.studyInstanceUid, st.instances);
          for (const se of st.series) series.set(se.seriesInstanceUid, se.instances);
        }
        setCounts({ studies, series });
      },
      () => undefined,
    );
  }, [key]);
  useEffect(() => {
    if (!key) return;
    load();
    return lumen.on('library.changed', load);
  }, [load, key]);
  return counts;
}

export function PacsTab() {
  const [connections, setConnections] = useState<PacsConnectionInfo[] | null>(null);
  const [name, setName] = useState('');
  const [form, setForm] = useState({ patientName: '', patientId: '', from: '', to: '', modality: '', accession: '', description: '' });
  const [studies, setStudies] = useState<PacsStudy[] | null>(null);
  /** Why the list is not all the PACS answered (it sent more than Lumen reads), from the engine. */
  const [incomplete, setIncomplete] = useState<string | null>(null);
  const [seriesIncomplete, setSeriesIncomplete] = useState<Record<string, string>>({});
  const [searching, setSearching] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState<Record<string, PacsSeries[] | 'loading' | { error: string }>>({});
  const [retrieving, setRetrieving] = useState<string | null>(null);
  /** After a search that found studies the form folds to one line (the list gets the height); Change search opens it. */
  const [folded, setFolded] = useState(false);
  const changeButton = useRef<HTMLButtonElement>(null);
  const firstField = useRef<HTMLInputElement>(null);
  /** What to focus once the form has folded or opened. */
  const focusAfter = useRef<'form' | 'change' | null>(null);
  useEffect(() => {
    if (focusAfter.current === 'form') firstField.current?.focus();
    if (focusAfter.current === 'change') changeButton.current?.focus();
    focusAfter.current = null;
  }, [folded]);
  const fold = (to: boolean, focus: boolean) => {
    if (focus) focusAfter.current = to ? 'change' : 'form';
    setFolded(to);
  };
  const job = useJob<PacsRetrieveReport>();
  const shownUids = useMemo(() => (studies ?? []).map((s) => s.studyInstanceUid).filter(isLibraryUid), [studies]);
  const counts = useLibraryCounts(shownUids);
  const box = useRef<HTMLDivElement>(null);
  const shown = useMemo(() => studies ?? [], [studies]);
  const heldOf = useCallback((s: PacsStudy) => holding(counts.studies.get(s.studyInstanceUid) ?? s.inLibrary, s.instances), [counts]);
  const heights = useMemo(() => shown.map((s) => studyHeight(s, open[s.studyInstanceUid], seriesIncomplete[s.studyInstanceUid], !!heldOf(s))), [shown, open, seriesIncomplete, heldOf]);
  const list = useVirtualList(box, heights);
  // A row moved to by a key and not rendered yet: focused once it is.
  const focusRow = useRef<number | null>(null);
  const focusHead = (index: number) => {
    const head = box.current?.querySelector<HTMLElement>(`[data-row="${index}"]`);
    if (!head) return false;
    head.focus();
    return true;
  };
  useEffect(() => {
    if (focusRow.current !== null && focusHead(focusRow.current)) focusRow.current = null;
  });

  useEffect(() => {
    const load = () =>
      void lumen.invoke('pacs.list', {}).then(
        (r) => {
          setConnections(r.connections);
          setName((current) => (r.connections.some((c) => c.name === current) ? current : (r.connections[0]?.name ?? '')));
        },
        (err: unknown) => setError(errorMessage(err)),
      );
    load();
    return onConnectionsChanged(load);
  }, []);

  /**
   * The list asked for last: a search, or another PACS chosen, makes every answer to an earlier
   * one (its studies, a study's series) late, and a late answer is dropped: it would list one
   * PACS's studies under another's name, and Retrieve would ask the other for them.
   */
  const asked = useLastCall();
  const search = async () => {
    if (!name) return;
    const last = asked.begin();
    const query: PacsQuery = {
      patientName: form.patientName || undefined,
      patientId: form.patientId || undefined,
      modality: form.modality || undefined,
      accession: form.accession || undefined,
      description: form.description || undefined,
      studyDate: form.from || form.to ? `${dicomDate(form.from)}-${dicomDate(form.to)}`.replace(/^(\d{8})-\1$/, '$1') : undefined,
    };
    setSearching(true);
    setError(null);
    setOpen({});
    setIncomplete(null);
    try {
      const found = await lumen.invoke('pacs.query', { name, query });
      if (!last()) return;
      setStudies(found.studies);
      setIncomplete(found.incomplete);
      // Focus stays where it was (the Search button goes with the form: the list's first row takes it).
      if (found.studies.length > 0) {
        const hadFocus = document.activeElement instanceof HTMLElement && !!document.activeElement.closest('.pacs-query');
        setFolded(true);
        if (hadFocus) focusRow.current = 0;
      }
      // A new list starts at its top, not where the last one was scrolled to.
      if (box.current) box.current.scrollTop = 0;
    } catch (err) {
      if (!last()) return;
      setStudies(null);
      setFolded(false);
      setError(errorMessage(err));
    } finally {
      if (last()) setSearching(false);
    }
  };

  const toggle = async (uid: string) => {
    if (open[uid]) {
      setOpen(({ [uid]: _closed, ...rest }) => rest);
      return;
    }
    setOpen((o) => ({ ...o, [uid]: 'loading' }));
    const forList = asked.still();
    try {
      const { series, incomplete: cut } = await lumen.invoke('pacs.series', { name, studyInstanceUid: uid });
      if (!forList()) return;
      setOpen((o) => ({ ...o, [uid]: series }));
      setSeriesIncomplete(({ [uid]: _old, ...rest }) => (cut ? { ...rest, [uid]: cut } : rest));
    } catch (err) {
      if (forList()) setOpen((o) => ({ ...o, [uid]: { error: errorMessage(err) } }));
    }
  };

  /** One retrieve at a time: the buttons stay focusable while one runs (aria-disabled), so a click then does nothing. */
  const retrieve = (studyInstanceUid: string, seriesInstanceUid?: string) => {
    if (job.running) return;
    setRetrieving(seriesInstanceUid ?? studyInstanceUid);
    void job.start(() => lumen.invoke('pacs.retrieve', { name, studyInstanceUid, seriesInstanceUid }), 'Listing files…');
  };

  /**
   * Up and Down move between the studies, Page Up and Page Down by a screenful, Home and End to
   * the first and last; Right or Enter opens one's series, Left closes them. A row not rendered
   * yet is scrolled to, then focused once it is.
   */
  const onRowKey = (e: React.KeyboardEvent<HTMLElement>, index: number, uid: string) => {
    if (e.target !== e.currentTarget) return;
    const last = shown.length - 1;
    const to = { ArrowDown: index + 1, ArrowUp: index - 1, PageDown: index + PAGE_ROWS, PageUp: index - PAGE_ROWS, Home: 0, End: last }[e.key];
    if (to !== undefined) {
      e.preventDefault();
      const row = Math.max(0, Math.min(last, to));
      list.scrollToRow(row);
      if (!focusHead(row)) focusRow.current = row;
    } else if ((e.key === 'ArrowRight' || e.key === 'Enter') && !open[uid]) {
      e.preventDefault();
      void toggle(uid);
    } else if (e.key === 'ArrowLeft' && open[uid]) {
      e.preventDefault();
      void toggle(uid);
    }
  };

  /** A date (21-Dec-2024) stays on one line when the folded search wraps. */
  const unbrokenDates = (text: string) => text.split(/(\d{2}-[A-Z][a-z]{2}-\d{4})/).map((part, i) => (i % 2 ? <span key={i} className="pacs-date">{part}</span> : part));
  const report = job.result;
  const active = connections?.find((c) => c.name === name);
  const field = (key: keyof typeof form, label: string, props: React.InputHTMLAttributes<HTMLInputElement> & { ref?: React.Ref<HTMLInputElement> } = {}) => (
    <label className="pacs-field">
      {label}
      <input className="text-input" name={key} value={form[key]} onChange={(e) => setForm({ ...form, [key]: e.target.value })} spellCheck={false} {...props} />
    </label>
  );
  const hasResults = !!studies && studies.length > 0;
  const formFolded = folded && hasResults;
  // Short words: the folded line is the study panel's width (about 270 px); the tooltip says it whole.
  const searchedFor = [
    form.patientName && `Name ${form.patientName}`,
    form.patientId && `ID ${form.patientId}`,
    (form.from || form.to) && `${form.from ? formatDate(dicomDate(form.from)) : '…'} to ${form.to ? formatDate(dicomDate(form.to)) : '…'}`,
    form.modality,
    form.accession && `Accession ${form.accession}`,
    form.description && `Description ${form.description}`,
  ].filter(Boolean);

  return (
    <div className="pacs-tab" data-testid="pacs-tab">
      {connections && connections.length === 0 && (
        <p className="muted small pad" data-testid="pacs-none">
          No PACS connection yet: add one in Settings (PACS). Nothing is contacted until you do.
        </p>
      )}
      {connections && connections.length > 0 && formFolded && (
        <div className="row pacs-query-summary" data-testid="pacs-query-summary">
          {/* What was searched for: the user's own filters, each isolated, on up to two lines. The
              connection is named by the count line under it ("n studies on archive") and in the tooltip. */}
          <span className="small pacs-summary-text" data-testid="pacs-query-summary-text" title={`${name} · ${searchedFor.length === 0 ? 'every study' : searchedFor.join(' · ')}`}>
            {searchedFor.length === 0 ? 'Every study' : searchedFor.map((f, i) => <span key={i}>{i > 0 && ' · '}<bdi>{unbrokenDates(f)}</bdi></span>)}
          </span>
          <button type="button" ref={changeButton} className="text-button small" aria-expanded={false} aria-controls="pacs-query-form" onClick={() => fold(false, true)}>
            Change search
          </button>
        </div>
      )}
      {connections && connections.length > 0 && (
        <form
          id="pacs-query-form"
          className="pacs-query"
          aria-label="Query a PACS"
          hidden={formFolded}
          onSubmit={(e) => {
            e.preventDefault();
            void search();
          }}
          onKeyDown={(e) => {
            // Escape folds the form again while there are results to look at.
            if (e.key === 'Escape' && hasResults) {
              e.preventDefault();
              fold(true, true);
            }
          }}
        >
          <label className="pacs-field">
            PACS
            <select aria-label="PACS" value={name} onChange={(e) => (asked.overtake(), setName(e.target.value), setStudies(null), setIncomplete(null), setOpen({}), setSearching(false))}>
              {connections.map((c) => (
                <option key={c.name} value={c.name}>{c.name}</option>
              ))}
            </select>
          </label>
          {active && <div className="muted small pacs-describe">{describeConnection(active)}</div>}
          {field('patientName', 'Patient name', { placeholder: 'Doe* (wildcards * ?)', ref: firstField })}
          {field('patientId', 'Patient ID')}
          <div className="row pacs-dates">
            {field('from', 'From', { type: 'date' })}
            {field('to', 'To', { type: 'date' })}
          </div>
          <div className="row">
            <label className="pacs-field">
              Modality
              <select aria-label="Modality" value={form.modality} onChange={(e) => setForm({ ...form, modality: e.target.value })}>
                {MODALITIES.map((m) => (
                  <option key={m} value={m}>{m || 'Any'}</option>
                ))}
              </select>
            </label>
            {field('accession', 'Accession')}
          </div>
          {field('description', 'Description')}
          <button type="submit" className="primary-button" disabled={searching || !name}>
            {searching ? 'Searching…' : 'Search'}
          </button>
        </form>
      )}
      {/* The engine's messages start in lower case ("cannot reach PACS …"): a line on its own starts with a capital. */}
      {error && <div className="banner error" role="alert">{capitalised(error)}</div>}

      {job.running && <Progress label="Retrieve" fraction={job.fraction} message={job.message} onCancel={job.cancel} />}
      {job.error && <div className="banner error" role="alert">Retrieve failed: {job.error}</div>}
      {job.cancelled && <div className="small muted pad" role="status">Retrieve cancelled: what arrived is kept; retrieve again to fetch the rest.</div>}
      {report && (
        <div className="pacs-report small" role="status" data-testid="pacs-retrieve-report">
          {retrieveCountsPhrase(report)} in {report.seconds} s.
          {report.stopped && <div className="bad">Stopped: {report.stopped} What arrived is kept; retrieve again to fetch the rest.</div>}
          {report.errors.length > 0 && (
            <ul className="pacs-errors" aria-label="Instances that failed">
              {report.errors.slice(0, 20).map((e, i) => (
                <li key={i}>
                  <span className="mono">{e.sopInstanceUid ?? 'instances'}</span>: {e.reason}
                </li>
              ))}
              {report.errors.length > 20 && <li>… and {report.errors.length - 20} more.</li>}
            </ul>
          )}
        </div>
      )}

      {studies && (
        <div className="muted small pad" role="status">
          {studies.length === 0 ? 'No studies match.' : `${studies.length.toLocaleString('en-US')} ${studies.length === 1 ? 'study' : 'studies'} on ${name}`}
        </div>
      )}
      {studies && incomplete && (
        <div className="banner warning" role="alert" data-testid="pacs-incomplete">
          {incomplete}
        </div>
      )}
      {/* Always mounted, hidden while empty: the virtual list follows this box from the first render. */}
      <div className="pacs-results virtual" ref={box} data-testid="pacs-results" style={shown.length === 0 ? { display: 'none' } : undefined}>
        <ul className="pacs-rows" aria-label="Studies on the PACS" style={{ height: list.total }}>
          {shown.slice(list.start, list.end).map((s, i) => {
            const index = list.start + i;
            const expanded = open[s.studyInstanceUid];
            const held = heldOf(s);
            return (
              <li key={s.studyInstanceUid} className="pacs-study" data-testid="pacs-study" aria-setsize={shown.length} aria-posinset={index + 1} style={{ top: list.offsets[index], height: heights[index] - STUDY_GAP }}>
                <div className="pacs-study-head" data-row={index} tabIndex={0} role="button" aria-expanded={!!expanded} onKeyDown={(e) => onRowKey(e, index, s.studyInstanceUid)} onClick={() => void toggle(s.studyInstanceUid)}>
                  <div className="row">
                    <span className="pacs-caret" aria-hidden>{expanded ? '▾' : '▸'}</span>
                    <strong className="pacs-patient"><bdi>{shownName(s.patientName)}</bdi></strong>
                    <span className="modality">{s.modalities.join('/') || '—'}</span>
                  </div>
                  <div className="muted small">
                    {/* The PACS's text, each value isolated (renderer/src/workspace/isolated.tsx). */}
                    {shownDate(s.studyDate)} · <bdi>{s.patientId || 'no ID'}</bdi>
                    {s.accessionNumber && <> · <bdi>{s.accessionNumber}</bdi></>}
                  </div>
                  {s.studyDescription && <div className="small pacs-describe"><bdi>{s.studyDescription}</bdi></div>}
                  <div className="row small pacs-counts">
                    <span className="muted" title={`${s.series ?? '?'} series, ${images(s.instances)}`}>
                      {s.series ?? '?'} series, {images(s.instances)}
                    </span>
                  </div>
                  {held && (
                    <div className="row small pacs-held-line">
                      <span className={`pacs-held${held.complete ? ' complete' : ''}`} data-testid="pacs-held">{held.text}</span>
                    </div>
                  )}
                </div>
                <div className="row pacs-actions" style={{ top: actionsTop(s) }}>
                  <button type="button" className="text-button small" aria-disabled={job.running} onClick={() => retrieve(s.studyInstanceUid)} aria-label={`Retrieve the study of ${shownDate(s.studyDate)}`}>
                    {retrieving === s.studyInstanceUid && job.running ? 'Retrieving…' : 'Retrieve'}
                  </button>
                </div>
                {expanded === 'loading' && <div className="muted small pacs-line">Listing series…</div>}
                {expanded && typeof expanded === 'object' && 'error' in expanded && <div className="bad small pacs-line" role="alert" title={capitalised(expanded.error)}>{capitalised(expanded.error)}</div>}
                {Array.isArray(expanded) && seriesIncomplete[s.studyInstanceUid] && (
                  <div className="banner warning small pacs-banner" role="alert">
                    {seriesIncomplete[s.studyInstanceUid]}
                  </div>
                )}
                {Array.isArray(expanded) && expanded.length === 0 && <div className="muted small pacs-line">No series listed.</div>}
                {Array.isArray(expanded) && expanded.length > 0 && (
                  <ul className="pacs-series" aria-label="Series">
                    {expanded.map((se) => {
                      const h = holding(counts.series.get(se.seriesInstanceUid) ?? se.inLibrary, se.instances);
                      return (
                        <li key={se.seriesInstanceUid} className="small" data-testid="pacs-series" style={{ height: SERIES_HEIGHT }}>
                          <div className="row pacs-series-line">
                            <span className="modality">{se.modality || '—'}</span>
                            {/* One line (the list's rows have fixed heights): the whole text, count too, in the tooltip. */}
                            <span className="pacs-describe" title={`${se.seriesNumber !== null ? `#${se.seriesNumber} ` : ''}${se.seriesDescription || 'no description'} · ${images(se.instances)}`}>
                              {se.seriesNumber !== null ? `#${se.seriesNumber} ` : ''}
                              <bdi>{se.seriesDescription || 'no description'}</bdi>
                            </span>
                            <button
                              type="button"
                              className="text-button small"
                              aria-disabled={job.running}
                              onClick={() => retrieve(s.studyInstanceUid, se.seriesInstanceUid)}
                              aria-label={`Retrieve the series ${se.seriesNumber !== null ? `#${se.seriesNumber} ` : ''}${se.seriesDescription || 'no description'}`}
                            >
                              Retrieve
                            </button>
                          </div>
                          <div className="row pacs-series-counts">
                            <span className="muted">{images(se.instances)}</span>
                            {h && <span className={`pacs-held${h.complete ? ' complete' : ''}`} data-testid="pacs-series-held">{h.text}</span>}
                          </div>
                        </li>
                      );
                    })}
                  </ul>
                )}
              </li>
            );
          })}
        </ul>
      </div>
      <ReceiverPanel />
    </div>
  );
}
