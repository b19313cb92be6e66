// The study list of the Studies panel: sorted and filtered by the library and loaded a page
// at a time (useStudyPages.ts: the next page as the list nears its end or a key moves past
// it), virtualised (useVirtualList.ts: a library of thousands of studies renders a screenful),
// each study's series collapsible, the studies of the last import highlighted and
// scrolled to. Thumbnails load only for rows on screen, after a short pause, so that
// scrolling past a thousand studies asks the engine for none of them.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { SeriesSummary, StudyWithSeries } from '../../../common/contract/library';
import { lumen } from '../api';
import { formatDate, personName, seriesLabel } from './format';
import { imageCount } from '../../../common/counts';
import { isFiltering, NO_FILTER, STUDY_SORTS, type StudyFilter, type StudySort } from './studyFilters';
import { STUDY_PAGE, type StudyPages } from './useStudyPages';
import { getSelectedSeries, selectionAfterClick, setSelectedSeries, useSelectedSeries } from './seriesSelection';
import { useVirtualList } from './useVirtualList';
import { conflictSummary, IdentityWarning } from './IdentityWarning';
import { patientConflicts } from '../../../common/patient-conflicts';
import { RemoveFromLibrary, useRemoval, type RemovalAsk } from './RemoveFromLibrary';
import './study-list.css';

/** Heights in px (study-list.css lays rows out to match): a study's header (two or three lines), one series row, the gap between studies. */
const STUDY_HEAD = 64;
const STUDY_HEAD_SHORT = 48;
const SERIES_ROW = 56;
const STUDY_GAP = 6;
/** Libraries up to this many studies open with every study's series shown. */
const EXPANDED_UP_TO = 30;
/** The next page is asked for when the rows rendered come this close to the last one loaded. */
const LOAD_AHEAD_ROWS = 40;
/** A key that moves past what is loaded (End) asks for pages this large until it gets there. */
const KEY_PAGE = 1000;
/** A new import's studies are looked for in at most this many studies. */
const FIND_IMPORTED_UP_TO = 5000;
/** How long a row must stay on screen before its thumbnail is asked for. */
const THUMBNAIL_DELAY_MS = 120;

const NO_STUDIES: readonly string[] = [];

/**
 * Thumbnails already fetched (keyed by series and its image count, which an import that
 * changes the series changes), so that a row scrolled back into view, or shown again after
 * a search, shows its picture at once. The oldest go first beyond THUMBNAILS_KEPT.
 */
const thumbnails = new Map<string, string>();
const THUMBNAILS_KEPT = 300;
const thumbnailKey = (series: SeriesSummary) => `${series.seriesInstanceUid}/${series.instances}`;

/** `onFailed` hears whether the card shows "no preview" (the card's name then says so too). */
function Thumbnail({ series, onFailed }: { series: SeriesSummary; onFailed: (uid: string, failed: boolean) => void }) {
  const key = thumbnailKey(series);
  const [src, setSrc] = useState<string | null>(() => thumbnails.get(key) ?? null);
  const [failed, setFailed] = useState(false);
  /** The image has decoded (before that an img shows nothing but its background). */
  const [drawn, setDrawn] = useState(false);
  useEffect(() => {
    let live = true;
    const known = thumbnails.get(key);
    // Never the picture of what the series was before an import changed it.
    setSrc(known ?? null);
    setFailed(false);
    if (known) return;
    setDrawn(false);
    const wait = setTimeout(() => {
      lumen.invoke('library.thumbnail', { seriesInstanceUid: series.seriesInstanceUid }).then(
        (r) => {
          thumbnails.set(key, r.dataUrl);
          if (thumbnails.size > THUMBNAILS_KEPT) thumbnails.delete(thumbnails.keys().next().value!);
          if (live) setSrc(r.dataUrl);
        },
        () => live && setFailed(true),
      );
    }, THUMBNAIL_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(wait);
    };
  }, [key, series.seriesInstanceUid]);
  useEffect(() => onFailed(series.seriesInstanceUid, failed), [onFailed, series.seriesInstanceUid, failed]);
  // Until the picture is drawn, a neutral placeholder that says so (never a black square nor a
  // broken image); one that could not be made, or does not load, says "no preview".
  const name = series.seriesNumber !== null && series.seriesNumber !== undefined ? `Series ${series.seriesNumber}` : 'Series';
  if (src && !failed) return <img className={drawn ? 'thumb' : 'thumb pending'} src={src} alt={`${name} thumbnail`} onLoad={() => setDrawn(true)} onError={() => setFailed(true)} />;
  return (
    <div className={failed ? 'thumb placeholder failed' : 'thumb placeholder'} role="img" aria-label={failed ? `${name}: no preview` : `${name}: preview loading`}>
      {failed ? 'no preview' : ''}
    </div>
  );
}

/** Two more lines in a study's header per patient detail its series give otherwise (IdentityWarning). */
const WARNING_LINES = 32;

const headHeight = (study: StudyWithSeries) =>
  (study.studyDescription ? STUDY_HEAD : STUDY_HEAD_SHORT) + patientConflicts(study, study.series).length * WARNING_LINES;

/**
 * "ID · date" under the name: a long ID gives way, the date is read whole. The ID gives way at
 * its start ("…CT-01"): a study's IDs share a prefix and differ at the end, which stays on
 * screen; the whole ID is its tooltip.
 */
function StudyIdDate({ patientId, date }: { patientId: string | null; date: string }) {
  const id = patientId?.trim() ?? '';
  return (
    <span className="muted study-id-date">
      {id && <span className="study-id" title={id}><bdi>{id}</bdi></span>}
      {id && date && <span className="study-sep">{'\u00a0·\u00a0'}</span>}
      {date && <span className="study-date"><bdi>{date}</bdi></span>}
    </span>
  );
}

/** What the remove question calls a study or a series (RemoveFromLibrary.tsx). */
const askStudy = (st: StudyWithSeries): RemovalAsk => ({
  target: { studyInstanceUid: st.studyInstanceUid },
  name: ['study', personName(st.patientName), formatDate(st.studyDate), st.studyDescription].filter(Boolean).join(' '),
  frames: st.series.reduce((n, se) => n + se.frames, 0),
});
const askSeries = (se: SeriesSummary): RemovalAsk => ({
  target: { seriesInstanceUid: se.seriesInstanceUid },
  name: ['series', se.seriesNumber ?? null, se.seriesDescription, se.modality].filter((p) => p !== null && p !== undefined && String(p).trim() !== '').join(' '),
  frames: se.frames,
});

function studyHeight(study: StudyWithSeries, expanded: boolean): number {
  return headHeight(study) + (expanded ? study.series.length * SERIES_ROW : 0) + STUDY_GAP;
}

export function StudyList({
  pages,
  search,
  sort,
  setSort,
  filter,
  setFilter,
  activeSeries,
  openSeries,
  imported = NO_STUDIES,
}: {
  /** The library's studies matching the search and filters, loaded so far, in the sort's order. */
  pages: StudyPages;
  search: string;
  sort: StudySort;
  setSort: (sort: StudySort) => void;
  filter: StudyFilter;
  setFilter: (f: StudyFilter | ((f: StudyFilter) => StudyFilter)) => void;
  activeSeries: string | null;
  openSeries: (uid: string) => void;
  /** The studies the last import wrote: highlighted, shown expanded and scrolled to. */
  imported?: readonly string[];
}) {
  const [expandAll, setExpandAll] = useState<boolean | null>(null);
  const [expanded, setExpanded] = useState<ReadonlyMap<string, boolean>>(new Map());
  const { studies, total, unfiltered, modalities, hasMore, settled, loadMore } = pages;
  const shown = useMemo(() => studies ?? [], [studies]);
  const newStudies = useMemo(() => new Set(imported), [imported]);
  const byDefault = expandAll ?? total <= EXPANDED_UP_TO;
  const isExpanded = (uid: string) => expanded.get(uid) ?? byDefault;
  const heights = useMemo(() => shown.map((st) => studyHeight(st, expanded.get(st.studyInstanceUid) ?? byDefault)), [shown, expanded, byDefault]);
  const box = useRef<HTMLDivElement>(null);
  const list = useVirtualList(box, heights);

  // The study that takes Tab. Its row scrolled out of the drawn rows, the list itself takes Tab
  // and hands the focus on to that study's header once it is drawn again.
  const [tabRow, setTabRow] = useState(0);
  // A new import: show its studies open, then scroll to the first of them once the list has it.
  const pendingScroll = useRef<ReadonlySet<string> | null>(null);
  useEffect(() => {
    if (imported.length === 0) return;
    pendingScroll.current = new Set(imported);
    setExpanded((m) => {
      const next = new Map(m);
      for (const uid of imported) next.set(uid, true);
      return next;
    });
  }, [imported]);
  const { scrollToRow } = list;
  // Runs on `imported` too: the list may hold the new studies already (its reload came first),
  // and then nothing else changes to run it. It waits while a query is on its way: the studies
  // shown are then the previous query's (a filter just cleared), which may lack the new ones
  // and have no more pages, and giving up on them would leave the import unshown.
  useEffect(() => {
    const want = pendingScroll.current;
    if (!want || !settled) return;
    const index = shown.findIndex((st) => want.has(st.studyInstanceUid));
    if (index < 0) {
      // Further down than what is loaded: the next pages, up to a bound.
      if (hasMore && shown.length < FIND_IMPORTED_UP_TO) loadMore(KEY_PAGE);
      else pendingScroll.current = null;
      return;
    }
    pendingScroll.current = null;
    scrollToRow(index);
    // And Tab enters the list there.
    setTabRow(index);
  }, [imported, shown, settled, scrollToRow, hasMore, loadMore]);

  // Scrolled near the end of what is loaded: the next page.
  useEffect(() => {
    if (hasMore && list.end >= shown.length - LOAD_AHEAD_ROWS) loadMore(STUDY_PAGE);
  }, [list.end, shown.length, hasMore, loadMore]);

  // Arrow keys, Page Up/Down, Home and End move between study headers. Tab stops once in the
  // list (a roving tabindex): on the current study, the one last focused (at first the top
  // one), its header and its series cards; the other rows take the focus by arrow or click, so a
  // library of thousands of studies is a few presses of Tab to cross, not thousands. The row the keys are taking the focus to is kept (`aim`) until
  // it is focused: a row not yet drawn is scrolled to first, a row past what is loaded waits for
  // its page. Each key moves on from that row, not from the header that still has the focus, so
  // that no key is lost while rows are drawn or a page arrives.
  const aim = useRef<{ origin: number; row: number; scrolled?: number } | null>(null);
  const focusHead = (index: number) => {
    const head = box.current?.querySelector<HTMLElement>(`[data-row="${index}"] > .study-head`);
    if (!head) return false;
    head.focus();
    return true;
  };
  const reach = () => {
    const a = aim.current;
    if (!a) return;
    if (a.row >= shown.length && hasMore) {
      // Past what is loaded: pages until it is (End: large ones).
      loadMore(a.row - shown.length >= STUDY_PAGE ? KEY_PAGE : STUDY_PAGE);
      return;
    }
    const to = Math.min(a.row, shown.length - 1);
    if (to < 0) {
      aim.current = null;
      return;
    }
    if (a.scrolled !== to) {
      scrollToRow(to);
      a.scrolled = to;
    }
    if (focusHead(to)) aim.current = null;
  };
  // After each render: the row aimed at, once it is drawn (or its page is here).
  useEffect(reach);
  // Another search, sort or filter: another list, where the row aimed at means nothing.
  useEffect(() => {
    aim.current = null;
  }, [search, sort, filter]);
  // Delete on a study's header, or a right-click on a study or series: the question before removing
  // it from the library. Not Delete on a series card: focus stays there after a click opens the
  // series, and Delete then belongs to the viewer (the selected measurement) and the Training tab.
  const removal = useRemoval();
  const askRemove = (e: React.SyntheticEvent, what: RemovalAsk) => {
    e.preventDefault();
    e.stopPropagation();
    removal.setAsk(what);
  };
  const onHeadKey = (e: React.KeyboardEvent, index: number) => {
    if (e.key === 'Delete' && shown[index]) return askRemove(e, askStudy(shown[index]));
    const page = Math.max(1, Math.floor((box.current?.clientHeight ?? 0) / (STUDY_HEAD + STUDY_GAP)));
    const a = aim.current;
    const from = a && a.origin === index ? a.row : index;
    const last = hasMore ? Math.max(total - 1, shown.length) : shown.length - 1;
    const moves: Record<string, number> = { ArrowDown: from + 1, ArrowUp: from - 1, PageDown: from + page, PageUp: from - page, Home: 0, End: last };
    if (!(e.key in moves) || shown.length === 0) return;
    e.preventDefault();
    aim.current = { origin: index, row: Math.min(last, Math.max(0, moves[e.key])) };
    reach();
  };
  const current = Math.max(0, Math.min(tabRow, shown.length - 1));
  const currentDrawn = current >= list.start && current < list.end;
  useEffect(() => setTabRow(0), [search, sort, filter]);
  // Focus that arrives elsewhere (a click) ends what the keys were aiming at; its study becomes the current one.
  const onListFocus = (e: React.FocusEvent) => {
    // Tab onto the list while its current study is not drawn (a click on the list's background is no call to move).
    if (e.target === box.current) {
      if (!box.current.matches(':focus-visible')) return;
      aim.current = { origin: -1, row: current };
      reach();
      return;
    }
    const a = aim.current;
    const row = Number(e.target.closest('[data-row]')?.getAttribute('data-row'));
    if (a && row !== Math.min(a.row, shown.length - 1)) aim.current = null;
    if (Number.isInteger(row)) setTabRow(row);
  };
  // Several series selected (Ctrl/Shift-click, Shift+arrows) for labelling at once
  // (seriesSelection.ts); a plain click selects and opens one. A series opened otherwise
  // (next unlabelled) becomes the selection unless it is already part of it.
  const selected = useSelectedSeries();
  // Series whose card says "no preview": its name starts with the same words, as the card shows them.
  const [noPreview, setNoPreview] = useState<ReadonlySet<string>>(new Set());
  const onThumbnailFailed = useCallback((uid: string, failed: boolean) => {
    setNoPreview((set) => {
      if (set.has(uid) === failed) return set;
      const next = new Set(set);
      if (failed) next.add(uid);
      else next.delete(uid);
      return next;
    });
  }, []);
  const selectedSet = useMemo(() => new Set(selected), [selected]);
  const anchor = useRef<string | null>(null);
  const seriesOrder = useMemo(() => shown.flatMap((st) => ((expanded.get(st.studyInstanceUid) ?? byDefault) ? st.series.map((se) => se.seriesInstanceUid) : [])), [shown, expanded, byDefault]);
  useEffect(() => {
    if (activeSeries && !getSelectedSeries().includes(activeSeries)) {
      setSelectedSeries([activeSeries]);
      anchor.current = activeSeries;
    }
  }, [activeSeries]);
  const onSeriesClick = (e: React.MouseEvent, uid: string) => {
    const ctrl = e.ctrlKey || e.metaKey;
    if (!ctrl && !e.shiftKey) {
      anchor.current = uid;
      setSelectedSeries([uid]);
      openSeries(uid);
      return;
    }
    e.preventDefault();
    // The open series is part of the selection until the user takes it out.
    const current = getSelectedSeries().length === 0 && activeSeries ? [activeSeries] : getSelectedSeries();
    setSelectedSeries(selectionAfterClick(current, anchor.current ?? activeSeries, uid, seriesOrder, { ctrl, shift: e.shiftKey }));
    if (!e.shiftKey) anchor.current = uid;
  };
  // Shift+↑/↓ on a series extends the selection to the series above or below and moves there.
  const focusSeries = useRef<string | null>(null);
  const focusSeriesCard = (uid: string) => {
    const card = box.current?.querySelector<HTMLButtonElement>(`[data-series="${uid}"]`);
    if (!card) return false;
    card.focus();
    return true;
  };
  useEffect(() => {
    if (focusSeries.current !== null && focusSeriesCard(focusSeries.current)) focusSeries.current = null;
  });
  const onSeriesKey = (e: React.KeyboardEvent, uid: string) => {
    if (!e.shiftKey || (e.key !== 'ArrowDown' && e.key !== 'ArrowUp')) return;
    // Not the viewer's next/previous image.
    e.preventDefault();
    e.stopPropagation();
    const to = seriesOrder[seriesOrder.indexOf(uid) + (e.key === 'ArrowDown' ? 1 : -1)];
    if (to === undefined) return;
    const current = getSelectedSeries().length ? getSelectedSeries() : [uid];
    anchor.current ??= uid;
    setSelectedSeries(selectionAfterClick(current, anchor.current, to, seriesOrder, { ctrl: false, shift: true }));
    if (!focusSeriesCard(to)) {
      focusSeries.current = to;
      const row = shown.findIndex((st) => st.series.some((se) => se.seriesInstanceUid === to));
      if (row >= 0) scrollToRow(row);
    }
  };
  const toggle = (uid: string) => setExpanded((m) => new Map(m).set(uid, !(m.get(uid) ?? byDefault)));
  const setAll = (open: boolean) => {
    setExpandAll(open);
    setExpanded(new Map());
  };
  const toggleModality = (m: string) =>
    setFilter((f) => ({ ...f, modalities: f.modalities.includes(m) ? f.modalities.filter((x) => x !== m) : [...f.modalities, m] }));
  const filtering = isFiltering(filter);

  return (
    <>
      <div className="study-tools" aria-label="Arrange studies" role="group">
        <div className="row">
          <label className="field-label" htmlFor="study-sort">Sort</label>
          <select id="study-sort" className="inline-select" value={sort} onChange={(e) => setSort(e.target.value as StudySort)}>
            {STUDY_SORTS.map((s) => (
              <option key={s.id} value={s.id}>{s.label}</option>
            ))}
          </select>
          <button type="button" className="text-button small" onClick={() => setAll(!byDefault)}>
            {byDefault ? 'Collapse all' : 'Expand all'}
          </button>
        </div>
        {modalities.length > 1 && (
          <div className="chips" role="group" aria-label="Filter by modality">
            {modalities.map((m) => (
              <button key={m} type="button" className="chip" aria-pressed={filter.modalities.includes(m)} onClick={() => toggleModality(m)}>
                {m}
              </button>
            ))}
          </div>
        )}
        <div className="dates">
          <label className="field-label" htmlFor="study-from">From</label>
          <input id="study-from" type="date" className="text-input" aria-label="Studies from date" value={filter.from} onChange={(e) => setFilter((f) => ({ ...f, from: e.target.value }))} />
          <label className="field-label" htmlFor="study-to">to</label>
          <input id="study-to" type="date" className="text-input" aria-label="Studies to date" value={filter.to} onChange={(e) => setFilter((f) => ({ ...f, to: e.target.value }))} />
        </div>
        {/* The date fields show the system's format (mm/dd/yyyy on many); this line says the dates as the list writes them. */}
        {(filter.from || filter.to) && (
          <div className="muted small" data-testid="study-date-hint">
            Studies {filter.from ? `from ${formatDate(filter.from.replaceAll('-', ''))}` : 'up to'} {filter.to ? `${filter.from ? 'to ' : ''}${formatDate(filter.to.replaceAll('-', ''))}` : 'on'}
          </div>
        )}
        {filtering && (
          <div className="row filter-status" data-testid="study-filter-status">
            <span className="muted">{total.toLocaleString('en-GB')} of {unfiltered.toLocaleString('en-GB')} {unfiltered === 1 ? 'study' : 'studies'} shown</span>
            <button type="button" className="link-button" onClick={() => setFilter(NO_FILTER)}>Clear filters</button>
          </div>
        )}
      </div>
      <RemoveFromLibrary ask={removal.ask} onClose={() => removal.setAsk(null)} />
      {/* A list only while it holds studies: an empty list is no list (its message is read as it is). */}
      <div className="study-list virtual" role={shown.length > 0 ? 'list' : undefined} aria-label={shown.length > 0 ? 'Studies' : undefined} ref={box} data-testid="study-list" tabIndex={shown.length > 0 && !currentDrawn ? 0 : undefined} onFocus={onListFocus}>
        {studies?.length === 0 && unfiltered === 0 && <p className="muted pad">{search ? 'No study matches.' : 'The library is empty. Import a folder of DICOM files above.'}</p>}
        {unfiltered > 0 && studies?.length === 0 && <p className="muted pad">No study matches the filters.</p>}
        <div className="study-rows" style={{ height: list.total }}>
          {shown.slice(list.start, list.end).map((st, i) => {
            const index = list.start + i;
            const open = isExpanded(st.studyInstanceUid);
            const isNew = newStudies.has(st.studyInstanceUid);
            const conflicts = patientConflicts(st, st.series);
            return (
              <div
                key={st.studyInstanceUid}
                data-row={index}
                className={`study${isNew ? ' new' : ''}`}
                role="listitem"
                aria-setsize={total}
                aria-posinset={index + 1}
                aria-label={`Study ${personName(st.patientName)} ${formatDate(st.studyDate)}${conflicts.map((c) => `, ${conflictSummary(c, st.patientId)}`).join('')}${isNew ? ', just imported' : ''}`}
                style={{ top: list.offsets[index], height: heights[index] - STUDY_GAP }}
              >
                <button type="button" className="study-head" tabIndex={index === current ? 0 : -1} style={{ height: headHeight(st) }} aria-expanded={open} onClick={() => toggle(st.studyInstanceUid)} onKeyDown={(e) => onHeadKey(e, index)} onContextMenu={(e) => askRemove(e, askStudy(st))} title={`${open ? 'Hide the series' : 'Show the series'}; Delete or right-click to remove the study from the library`}>
                  <span className="chevron" aria-hidden="true">{open ? '▾' : '▸'}</span>
                  <span className="study-text">
                    {/* Line by line, each with its own right-hand part: a wide badge takes room from the name only. */}
                    <span className="study-line">
                      <span className="strong study-name" data-testid="study-patient"><bdi>{personName(st.patientName)}</bdi></span>
                      <span className="study-badges">
                        {isNew && <span className="new-badge">New</span>} <span className="modality">{st.modalities.join('/')}</span>
                      </span>
                    </span>
                    <span className="study-line">
                      <StudyIdDate patientId={st.patientId} date={formatDate(st.studyDate)} />
                      {/* Frames, as the viewer steps through them (a multi-frame file is several images). */}
                      <span className="muted study-meta">{imageCount(st.series.reduce((n, se) => n + se.frames, 0))}</span>
                    </span>
                    {st.studyDescription && <span className="study-desc"><bdi>{st.studyDescription}</bdi></span>}
                    <IdentityWarning conflicts={conflicts} patientId={st.patientId} />
                  </span>
                </button>
                {open &&
                  st.series.map((se) => (
                    <button
                      key={se.seriesInstanceUid}
                      type="button"
                      tabIndex={index === current ? 0 : -1}
                      className={`series-card${activeSeries === se.seriesInstanceUid ? ' active' : ''}${selected.length > 1 && selectedSet.has(se.seriesInstanceUid) ? ' selected' : ''}`}
                      onClick={(e) => onSeriesClick(e, se.seriesInstanceUid)}
                      onKeyDown={(e) => onSeriesKey(e, se.seriesInstanceUid)}
                      onContextMenu={(e) => askRemove(e, askSeries(se))}
                      data-series={se.seriesInstanceUid}
                      data-selected={selected.length > 1 && selectedSet.has(se.seriesInstanceUid) ? 'true' : undefined}
                      title="Click to open; Ctrl+click or Shift+click to select several for labelling; right-click to remove it from the library"
                      aria-label={noPreview.has(se.seriesInstanceUid) ? `no preview, ${seriesLabel(se)}` : seriesLabel(se)}
                      data-testid="series-card"
                    >
                      <Thumbnail series={se} onFailed={onThumbnailFailed} />
                      <span className="series-text">
                        <span className="series-caption">
                          <span className="badge">{se.modality}</span> {se.seriesNumber === null || se.seriesNumber === undefined ? '' : `S${se.seriesNumber} · `}
                          {imageCount(se.frames)}
                          {se.missing ? <span className="bad"> · {se.missing} missing</span> : null}
                          {se.localizer ? <span className="localizer-badge" data-testid="series-localizer" title="Image Type says LOCALIZER: a scout image, left out of training datasets"> · localizer</span> : null}
                        </span>
                        {/* Two lines on screen, but a space between them in the text (the card's name holds it word by word). */}{' '}
                        <span className="series-desc">
                          <bdi>{se.seriesDescription ?? ''}</bdi>
                          {/* The series' own patient name, where its files give another than the study's. */}
                          {se.patientName ? <span className="identity-warning" data-testid="series-own-name"> · <bdi>{personName(se.patientName)}</bdi></span> : null}
                          {/* And its own Patient ID, where an older Lumen filed it in a study of another. */}
                          {se.patientId ? <span className="identity-warning" data-testid="series-own-id"> · ID <bdi>{se.patientId}</bdi></span> : null}
                        </span>
                      </span>
                    </button>
                  ))}
              </div>
            );
          })}
        </div>
      </div>
    </>
  );
}

