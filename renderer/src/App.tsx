import { useCallback, useEffect, useRef, useState } from 'react';
import { useLastCall } from './useLastCall';
import type { SeriesImage, SeriesSummary, SliceGap, StudySummary } from '../../common/contract/library';
import type { CamMap, PredictionResult } from '../../common/contract/models';
import type { SettingsState } from '../../common/contract/settings';
import { About } from './About';
import { EngineCrashNotice } from './EngineCrashNotice';
import { lumen } from './api';
import { FirstRunNotice } from './setup/FirstRun';
import { SettingsDialog } from './setup/SettingsDialog';
import { WeightsDialog } from './setup/WeightsDialog';
import './setup/setup.css';
import { usePanelsShown } from './usePanelsShown';
import { useRequest } from './useRequest';
import { FrameCache, prefetchOrder } from './viewer/frameCache';
import { requestFrame } from './viewer/frameRequests';
import { loadFrame, type LoadedFrame } from './viewer/image';
import { Viewer, type ViewerCommand, type ViewerHandle } from './viewer/Viewer';
import { personName } from './workspace/format';
import { joinIsolated } from './workspace/isolated';
import { Help } from './workspace/Help';
import { heatmapLabel, ModelPanel, type CurrentImage, type HeatmapSettings } from './workspace/ModelPanel';
import { StudyBrowser } from './workspace/StudyBrowser';
import { useReadOnlyLibrary } from './workspace/libraryAccess';
import { useResultMap } from './viewer/useResultMap';
import { camOneCell, ONE_CELL_NOTE } from '../../common/heatmap-cells';
import { TrainingPanel } from './training/TrainingPanel';
import { errorMessage } from '../../common/errors';
import { topClassIndex } from '../../common/positive-class';

interface OpenSeries {
  series: SeriesSummary;
  study: StudySummary;
  images: SeriesImage[];
  /** Where slices are missing (library.series' gaps): the viewer notes them. */
  gaps: SliceGap[];
}

/** The same images in the same order, from the same files as read (an import that read one again gives it another revision). */
function sameImages(a: readonly SeriesImage[], b: readonly SeriesImage[]): boolean {
  return a.length === b.length && a.every((x, i) => x.sopInstanceUid === b[i].sopInstanceUid && x.frame === b[i].frame && x.revision === b[i].revision && x.missing === b[i].missing);
}

/** A frame, its failure or its heatmap belongs to one image: series, image and frame. */
function imageKey(seriesInstanceUid: string, image: Pick<SeriesImage, 'sopInstanceUid' | 'frame'>): string {
  return `${seriesInstanceUid}/${image.sopInstanceUid}/${image.frame}`;
}

const KEY_COMMANDS: Record<string, ViewerCommand> = {
  ArrowDown: 'next',
  ArrowRight: 'next',
  PageDown: 'next',
  ArrowUp: 'prev',
  ArrowLeft: 'prev',
  PageUp: 'prev',
  Home: 'first',
  End: 'last',
  ' ': 'cine',
  f: 'fit',
  a: 'actual',
  i: 'invert',
  r: 'rotate',
  x: 'flipH',
  y: 'flipV',
  R: 'reset',
  Delete: 'deleteMeasurement',
  Backspace: 'deleteMeasurement',
  '+': 'zoomIn',
  '=': 'zoomIn',
  '-': 'zoomOut',
  // The previous / next image with a label of its own (the marks on the stack slider).
  ',': 'prevLabelled',
  '.': 'nextLabelled',
  // The next / previous place where slices are missing (the note over the image, the slider's marks).
  g: 'nextGap',
  G: 'prevGap',
};

/**
 * Where Space is the focused control's own key rather than cine: a box or a choice anywhere,
 * and a button in a form-like panel (Classifier, Training, PACS). A series card or a toolbar
 * button keeps Space for cine: a click on a series and then Space plays it.
 */
const SPACE_TOGGLES = 'input[type="checkbox"], input[type="radio"], [role="checkbox"], [role="switch"], [role="radio"], [role="option"]';
const SPACE_BUTTONS = 'button, a[href], summary, [role="button"]';
const SPACE_PANELS = '#panel-classifier, #panel-training, #panel-pacs';

/** Shift + arrow pans, where the arrow alone pages (the study list's Shift+↑/↓ select series first). */
const SHIFT_COMMANDS: Record<string, ViewerCommand> = {
  ArrowLeft: 'panLeft',
  ArrowRight: 'panRight',
  ArrowUp: 'panUp',
  ArrowDown: 'panDown',
};

/**
 * F6 and Shift+F6 move the focus from area to area, as desktop apps do: the top bar, the study
 * browser, the viewer and the side panel, those shown, in turn. Each area gets back the control
 * last focused in it, else its first; the study list is one Tab stop, so Tab also gets across.
 */
const AREAS = ['.topbar', '.study-browser', '.center', '.side'];
const TABBABLE = 'button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])';
const shownEl = (el: HTMLElement) => el.getClientRects().length > 0 && !el.closest('[hidden]');

function focusNextArea(back: boolean, lastFocused: Map<string, HTMLElement>) {
  const areas = AREAS.map((s) => [s, document.querySelector<HTMLElement>(s)] as const).filter((a): a is readonly [string, HTMLElement] => !!a[1] && shownEl(a[1]));
  if (areas.length === 0) return;
  const here = areas.findIndex(([, el]) => el.contains(document.activeElement));
  const [key, area] = areas[here < 0 ? (back ? areas.length - 1 : 0) : (here + (back ? areas.length - 1 : 1)) % areas.length];
  const last = lastFocused.get(key);
  const target =
    (last && area.contains(last) && shownEl(last) ? last : null) ??
    [...area.querySelectorAll<HTMLElement>(TABBABLE)].find((el) => el.tabIndex >= 0 && !(el as HTMLButtonElement).disabled && shownEl(el)) ??
    area;
  // An area without a control (the viewer with no series open) takes the focus itself.
  if (target === area && !area.hasAttribute('tabindex')) area.tabIndex = -1;
  target.focus();
}

/** sessionStorage: the settings notice the user OK'd in this tab. */
const SETTINGS_NOTICE_SEEN = 'lumen.settingsNoticeSeen';

export function App() {
  const info = useRequest('app.info', {});
  const [aboutOpen, setAboutOpen] = useState(false);
  const [helpOpen, setHelpOpen] = useState(false);
  const [settingsOpen, setSettingsOpen] = useState(false);
  const [weightsOpen, setWeightsOpen] = useState(false);
  const [settings, setSettings] = useState<SettingsState | null>(null);
  // The notice OK'd in this tab, kept for its reloads (the engine says it until it restarts): not again over the viewer.
  const [settingsNoticeSeen, setSettingsNoticeSeen] = useState<string | null>(() => sessionStorage.getItem(SETTINGS_NOTICE_SEEN));
  /** Closed in this page; settings.welcomeDismissed keeps it closed in every later one. */
  const [welcomeClosed, setWelcomeClosed] = useState(false);
  const weights = useRequest('weights.list', {});
  const [open, setOpen] = useState<OpenSeries | null>(null);
  const [openError, setOpenError] = useState<string | null>(null);
  const [index, setIndex] = useState(0);
  // The last frame (or failure) that arrived, with the image it belongs to: the viewer gets it
  // only while that image is the one shown, so no image's pixels appear under another's header.
  const [frame, setFrame] = useState<{ key: string; loaded: LoadedFrame } | null>(null);
  const [frameError, setFrameError] = useState<{ key: string; message: string } | null>(null);
  const [packageHash, setPackageHash] = useState<string | null>(null);
  const [result, setResult] = useState<PredictionResult | null>(null);
  // classIndex null: each image's own top class, until the user picks one in the Heatmap class select.
  const [heatmap, setHeatmap] = useState<HeatmapSettings>({ visible: true, opacity: 0.45, colormap: 'jet', classIndex: null });
  const [cam, setCam] = useState<{ key: string; map: CamMap } | null>(null);
  // A class picked for one model means nothing for another: another model's results start on each image's top class again.
  const heatmapModel = useRef<string | null>(null);
  const resultModel = result?.modelHash ?? null;
  useEffect(() => {
    if (resultModel === null || resultModel === heatmapModel.current) return;
    if (heatmapModel.current !== null) setHeatmap((h) => (h.classIndex === null ? h : { ...h, classIndex: null }));
    heatmapModel.current = resultModel;
  }, [resultModel]);
  /** Imported parametric maps drawn over their images (when no prediction's heatmap is). */
  const [showResultMaps, setShowResultMaps] = useState(true);
  const [sideTab, setSideTab] = useState<'classifier' | 'training'>('classifier');
  const [trainingVisited, setTrainingVisited] = useState(false);
  useEffect(() => {
    if (sideTab === 'training') setTrainingVisited(true);
  }, [sideTab]);
  const panels = usePanelsShown();
  const sideTabRef = useRef(sideTab);
  sideTabRef.current = sideTab;
  // Whether the side panel is on screen: hidden, its Training tab takes no keys (nothing labelled unseen).
  const sideShownRef = useRef(panels.side);
  sideShownRef.current = panels.side;
  const viewer = useRef<ViewerHandle>(null);
  /** Decoded frames within a memory bound (viewer/frameCache.ts), least recently used out first. */
  const frames = useRef(new FrameCache<LoadedFrame>((f) => f.values.byteLength + (f.paddingMask?.byteLength ?? 0)));
  /** The image shown before, for the direction of travel that prefetch follows. */
  const previousIndex = useRef(0);
  /** Per series, the image the user last looked at: a series opens there, else at its first image. */
  const lastIndex = useRef(new Map<string, number>());

  /** The series the user asked for last: an earlier click whose answer comes late is dropped. */
  const opening = useLastCall();
  /** Resolves true once the series is shown; false when it could not be read or another click overtook it. */
  const openSeries = useCallback(async (seriesInstanceUid: string): Promise<boolean> => {
    const last = opening.begin();
    setOpenError(null);
    try {
      const s = await lumen.invoke('library.series', { seriesInstanceUid });
      if (!last()) return false;
      frames.current.clear();
      setFrame(null);
      setCam(null);
      setOpen(s);
      setIndex(Math.min(lastIndex.current.get(seriesInstanceUid) ?? 0, Math.max(0, s.images.length - 1)));
      return true;
    } catch (err) {
      if (last()) setOpenError(errorMessage(err));
      return false;
    }
  }, [opening]);

  // A removed series leaves the viewer too: nothing shows an image the library no longer holds,
  // under details the library no longer has. After an import (or an Undo) the open series is read
  // again and shown as the library holds it now: an import may have read its files again (new
  // pixels under the same SOP Instance UID), taken an image out (its file now another patient's)
  // or put one in. Its decoded frames and scores are fetched again; the image shown stays if the
  // series still has it.
  const openUid = open?.series.seriesInstanceUid ?? null;
  const openRef = useRef(open);
  openRef.current = open;
  const indexRef = useRef(index);
  indexRef.current = index;
  /** The latest reading of the open series after a change: an older answer arriving late is dropped. */
  const rereading = useLastCall();
  useEffect(() => {
    const close = (message: string) => {
      frames.current.clear();
      setFrame(null);
      setCam(null);
      setResult(null);
      setOpen(null);
      setOpenError(message);
    };
    return lumen.on('library.changed', ({ reason, seriesInstanceUids }) => {
      if (!openUid) return;
      if (reason === 'remove') {
        if (seriesInstanceUids?.includes(openUid)) close('The series shown was removed from the library; Undo in the study list brings it back.');
        return;
      }
      const last = rereading.begin();
      lumen.invoke('library.series', { seriesInstanceUid: openUid }).then(
        (s) => {
          const before = openRef.current;
          if (!last() || before?.series.seriesInstanceUid !== openUid) return;
          if (s.images.length === 0) return close(`The series shown has no images in the library any more: ${reason === 'external' ? 'another Lumen (lumen rm or lumen import, or another window on this library) took them out' : 'the import took them out'}.`);
          // An import elsewhere (a retrieve refreshes the list every few seconds) left the series as
          // it was: its decoded frames, scores and heatmap stay; only its details may be new.
          if (sameImages(before.images, s.images)) {
            if (JSON.stringify([before.series, before.study]) !== JSON.stringify([s.series, s.study])) setOpen({ ...s, images: before.images });
            return;
          }
          const shown = before.images[indexRef.current];
          const at = shown ? s.images.findIndex((i) => i.sopInstanceUid === shown.sopInstanceUid && i.frame === shown.frame) : -1;
          frames.current.clear();
          setCam(null);
          setResult(null);
          setOpen(s);
          setIndex(at >= 0 ? at : Math.min(indexRef.current, s.images.length - 1));
        },
        (err: unknown) => {
          if (!last() || openRef.current?.series.seriesInstanceUid !== openUid) return;
          // 'external': another process changed the library (lumen rm, lumen import, a second window); which change is not told.
          close(
            reason === 'external'
              ? `The series shown could not be read again after another Lumen changed the library (lumen rm, lumen import or another window on this library may have removed it): ${errorMessage(err)}`
              : `The series shown could not be read again after the library changed (an import may have moved its images to another series or taken them out): ${errorMessage(err)}`,
          );
        },
      );
    });
  }, [openUid, rereading]);

  const frameAt = useCallback(
    (i: number): Promise<LoadedFrame> | null => {
      const img = open?.images[i];
      if (!open || !img) return null;
      const key = imageKey(open.series.seriesInstanceUid, img);
      return frames.current.get(key, (signal) => requestFrame(lumen, { seriesInstanceUid: open.series.seriesInstanceUid, sopInstanceUid: img.sopInstanceUid, frame: img.frame }, signal).then(loadFrame));
    },
    [open],
  );

  useEffect(() => {
    if (open) lastIndex.current.set(open.series.seriesInstanceUid, index);
  }, [open, index]);

  const shownKey = open && open.images[index] ? imageKey(open.series.seriesInstanceUid, open.images[index]) : null;
  const shownFrame = frame && frame.key === shownKey ? frame.loaded : null;
  const shownError = frameError && frameError.key === shownKey ? frameError.message : null;

  // The shown frame, then its neighbours in the background so scrolling does not wait: more of
  // them ahead in the direction of travel than behind. Frames still on their way that are
  // neither are withdrawn first: scrolled past, they would only delay the one asked for now.
  useEffect(() => {
    const direction = index < previousIndex.current ? -1 : 1;
    previousIndex.current = index;
    if (open?.images[index]) {
      const keep = new Set<string>();
      for (const i of [index, ...prefetchOrder(index, direction, open.images.length)]) keep.add(imageKey(open.series.seriesInstanceUid, open.images[i]));
      frames.current.withdrawUnwanted(keep);
    }
    const p = frameAt(index);
    if (!p || !shownKey) return;
    let live = true;
    p.then(
      (f) => {
        if (!live) return;
        setFrame({ key: shownKey, loaded: f });
        setFrameError((e) => (e?.key === shownKey ? null : e));
        for (const i of prefetchOrder(index, direction, open?.images.length ?? 0)) void frameAt(i)?.catch(() => {});
        // For `lumen bench viewer` and the tests: what the page holds and what it asked for, now.
        (window as unknown as { __lumenFrameCache?: () => unknown }).__lumenFrameCache = () => frames.current.stats();
      },
      (err: unknown) => live && setFrameError({ key: shownKey, message: errorMessage(err) }),
    );
    return () => {
      live = false;
    };
  }, [index, frameAt, shownKey, open]);

  const current: CurrentImage | null =
    open && open.images[index]
      ? {
          seriesInstanceUid: open.series.seriesInstanceUid,
          sopInstanceUid: open.images[index].sopInstanceUid,
          frame: open.images[index].frame,
          rows: open.images[index].rows ?? shownFrame?.frame.rows ?? 0,
          columns: open.images[index].columns ?? shownFrame?.frame.columns ?? 0,
        }
      : null;

  // The heatmap follows the shown image: fetched for images the prediction covered.
  const shownScores = result && current ? result.images.find((i) => i.sopInstanceUid === current.sopInstanceUid && i.frame === current.frame)?.scores : undefined;
  const predicted = shownScores !== undefined;
  // The class the user picked, else this image's top class (as the exports' maps: their top class's).
  const heatClass = heatmap.classIndex ?? topClassIndex(shownScores) ?? 0;
  const camKey = current && predicted && packageHash ? `${packageHash}/${current.seriesInstanceUid}/${current.sopInstanceUid}/${current.frame}/${heatClass}` : null;
  // Drawn only over the image it was computed for (the next image's may still be on its way).
  const shownCam = cam && cam.key === camKey ? cam.map : null;
  // A one-cell map (a tiny network at a small input: 32 px becomes 1×1) is one value over the
  // whole image: it cannot show where, and drawn it would only tint or hide the image. The
  // exports leave such maps out by the same rule (common/heatmap-cells.ts).
  const oneCell = !!shownCam && camOneCell(shownCam.rows, shownCam.columns);
  const resultMap = useResultMap(shownCam ? null : current);
  useEffect(() => {
    if (!camKey) return setCam(null);
    const [hash, seriesUid, sop, fr, k] = camKey.split('/');
    let live = true;
    lumen
      .invoke('predict.cam', { packageHash: hash, seriesInstanceUid: seriesUid, sopInstanceUid: sop, frame: Number(fr), classIndex: Number(k) })
      .then((c) => live && setCam({ key: camKey, map: c }), () => live && setCam(null));
    return () => {
      live = false;
    };
  }, [camKey]);

  // The first-run welcome: in the empty state only (never over an image), until it is closed
  // (its button, Esc, or the first series opened); then it never returns. Another tab opened
  // puts it aside for this page only (below).
  // On a read-only library the empty state does not send the user to Import (disabled there).
  const readOnlyLibrary = useReadOnlyLibrary();
  const welcomeShown = !!weights.data && weights.data.imported.length === 0 && settings !== null && !settings.settings.welcomeDismissed && !welcomeClosed;
  const dismissWelcome = useCallback(() => {
    setWelcomeClosed(true);
    // Kept in settings.json; should that fail, it stays closed in this page.
    lumen.invoke('settings.set', { change: { welcomeDismissed: true } }).then(setSettings, () => undefined);
  }, []);
  const escapeTargets = useRef({ dialogOpen: false, welcomeShown, dismissWelcome });
  escapeTargets.current = { dialogOpen: aboutOpen || helpOpen || settingsOpen || weightsOpen, welcomeShown, dismissWelcome };
  useEffect(() => {
    if (open && welcomeShown) dismissWelcome();
  }, [open, welcomeShown, dismissWelcome]);
  // Another tab opened (PACS, or the side panel switched): the user is at work there, so the card
  // leaves for this page; not kept in settings, so it greets the next start until closed.
  const setWelcomeAside = useCallback(() => setWelcomeClosed(true), []);
  const firstSideTab = useRef(sideTab);
  useEffect(() => {
    if (sideTab !== firstSideTab.current) setWelcomeAside();
  }, [sideTab, setWelcomeAside]);

  // Settings: read once at start; the theme applies to the whole page at once.
  useEffect(() => {
    void lumen.invoke('settings.get', {}).then(setSettings, () => setSettings(null));
  }, []);
  useEffect(() => {
    document.documentElement.dataset.theme = settings?.settings.theme ?? 'dark';
  }, [settings?.settings.theme]);

  useEffect(() => {
    const offMenu = lumen.on('menu.command', ({ command }) => {
      if (command === 'about') setAboutOpen(true);
    });
    const lastFocused = new Map<string, HTMLElement>();
    const onFocusIn = (e: FocusEvent) => {
      const t = e.target as HTMLElement;
      for (const s of AREAS) if (t.closest(s) && !t.matches(s)) lastFocused.set(s, t);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'F6' && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        // Not out of a dialog: it keeps the focus until it closes.
        if (!document.querySelector('[aria-modal="true"]')) focusNextArea(e.shiftKey, lastFocused);
        return;
      }
      if (e.key === 'F1') {
        e.preventDefault();
        setAboutOpen((o) => !o);
        return;
      }
      if (e.key === ',' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        setSettingsOpen((o) => !o);
        return;
      }
      if (e.key === 'Escape') {
        // Esc closes a dialog first; with none open, the welcome card.
        if (!escapeTargets.current.dialogOpen && escapeTargets.current.welcomeShown) escapeTargets.current.dismissWelcome();
        setAboutOpen(false);
        setHelpOpen(false);
        setSettingsOpen(false);
        setWeightsOpen(false);
        return;
      }
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA') && (t as HTMLInputElement).type !== 'range' && (t as HTMLInputElement).type !== 'checkbox' && (t as HTMLInputElement).type !== 'radio') return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      // Space presses the focused button, ticks the focused box: the control's own key before cine.
      if (e.key === ' ' && t && (t.closest(SPACE_TOGGLES) || (t.closest(SPACE_BUTTONS) && t.closest(SPACE_PANELS)))) return;
      if (e.key === '?') {
        e.preventDefault();
        setHelpOpen((o) => !o);
        return;
      }
      // [ and ] hide or show the study list and the side panel (the viewer takes the width).
      if (e.key === '[' || e.key === ']') {
        e.preventDefault();
        (e.key === '[' ? panels.setBrowser : panels.setSide)((shown) => !shown);
        return;
      }
      if (e.key === 'h' || e.key === 'H') {
        e.preventDefault();
        setHeatmap((h) => ({ ...h, visible: !h.visible }));
        return;
      }
      // A control that used the key itself (the study list's arrows move between studies)
      // keeps it from the viewer: one key, one action.
      if (e.defaultPrevented) return;
      // A letter is read by Shift alone, not Caps Lock: Caps Lock's "R" rotates, Shift+R resets.
      const key = /^[a-z]$/i.test(e.key) ? (e.shiftKey ? e.key.toUpperCase() : e.key.toLowerCase()) : e.key;
      const cmd = (e.shiftKey ? SHIFT_COMMANDS[key] : undefined) ?? KEY_COMMANDS[key];
      // In the Training tab, Delete clears labels (the panel's own shortcut) unless a measurement
      // is selected, which the panel deletes first (deleteSelectedMeasurement); Backspace deletes it.
      if (cmd === 'deleteMeasurement' && sideTabRef.current === 'training' && sideShownRef.current && e.key === 'Delete') return;
      if (cmd && viewer.current) {
        e.preventDefault();
        viewer.current.command(cmd);
      }
    };
    window.addEventListener('keydown', onKey);
    document.addEventListener('focusin', onFocusIn);
    return () => {
      offMenu();
      window.removeEventListener('keydown', onKey);
      document.removeEventListener('focusin', onFocusIn);
    };
  }, []);

  const classNames = result?.classNames ?? [];
  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">◐</span> Lumen
        </span>
        {open && (
          // The page's one h1 while a series is open ("No series open" is it otherwise).
          <h1 className="topbar-context">
            {joinIsolated(
              personName(open.series.patientName ?? open.study.patientName),
              // The displayed series' own Patient ID where it is not its study's patient's.
              open.series.patientId && `ID ${open.series.patientId}`,
              open.study.studyDescription,
              open.series.seriesDescription,
            )}
          </h1>
        )}
        <span className="spacer" />
        <button className="text-button" aria-pressed={panels.browser} onClick={() => panels.setBrowser(!panels.browser)} title={`${panels.browser ? 'Hide' : 'Show'} the study list ([)`} data-testid="toggle-study-list">
          Studies
        </button>
        <button className="text-button" aria-pressed={panels.side} onClick={() => panels.setSide(!panels.side)} title={`${panels.side ? 'Hide' : 'Show'} the Classifier and Training panel (])`} data-testid="toggle-side-panel">
          Panel
        </button>
        <button className="text-button" onClick={() => setHelpOpen(true)} title="Keyboard shortcuts (?)">
          <span aria-hidden="true">?</span>
          <span className="visually-hidden">Keyboard shortcuts</span>
        </button>
        <button className="text-button" onClick={() => setSettingsOpen(true)} title="Settings (Ctrl+,)">
          Settings
        </button>
        <button className="text-button" onClick={() => setAboutOpen(true)} title="About Lumen (F1)">
          About
        </button>
      </header>
      <main className="workspace">
        {info.error ? (
          <div className="banner error" role="alert">
            The engine did not answer: {info.error}
          </div>
        ) : (
          <div className={`layout${panels.browser ? '' : ' browser-hidden'}${panels.side ? '' : ' side-hidden'}`}>
            {settings?.notice && settings.notice !== settingsNoticeSeen && (
              <div className="banner warning settings-notice" role="alert">
                {settings.notice}{' '}
                <button
                  type="button"
                  className="text-button"
                  onClick={() => {
                    sessionStorage.setItem(SETTINGS_NOTICE_SEEN, settings.notice ?? '');
                    setSettingsNoticeSeen(settings.notice);
                  }}
                >
                  OK
                </button>
              </div>
            )}
            <StudyBrowser openSeries={(uid) => void openSeries(uid)} activeSeries={open?.series.seriesInstanceUid ?? null} showMaps={showResultMaps} setShowMaps={setShowResultMaps} onTab={(t) => t === 'pacs' && setWelcomeAside()} />
            <div className="center">
              {openError && <div className="banner error" role="alert">{openError}</div>}
              {open ? (
                <Viewer
                  handle={viewer}
                  study={open.study}
                  series={open.series}
                  images={open.images}
                  gaps={open.gaps}
                  index={index}
                  onIndex={setIndex}
                  frame={shownFrame}
                  frameError={shownError}
                  overlay={
                    shownCam || !resultMap
                      ? { cam: oneCell ? null : shownCam, visible: heatmap.visible, opacity: heatmap.opacity, colormap: heatmap.colormap, label: shownCam ? heatmapLabel(classNames[shownCam.classIndex], heatmap.classIndex === null) : null }
                      : { cam: resultMap.map, visible: showResultMaps, opacity: heatmap.opacity, colormap: heatmap.colormap, label: resultMap.label, note: resultMap.map ? null : resultMap.label }
                  }
                  presetKeys={sideTab !== 'training'}
                  defaultPreset={settings?.settings.defaultWindow.CT}
                  domain={result && current ? result.images.find((i) => i.sopInstanceUid === current.sopInstanceUid && i.frame === current.frame)?.domain : null}
                />
              ) : (
                <div className="empty-state">
                  <h1>No series open</h1>
                  <p>{readOnlyLibrary ? 'Choose a series on the left.' : 'Import a folder on the left, then choose a series.'} Press ? for keyboard shortcuts.</p>
                  {welcomeShown && <FirstRunNotice onGetWeights={() => setWeightsOpen(true)} onDismiss={dismissWelcome} />}
                </div>
              )}
            </div>
            <div className="side" hidden={!panels.side}>
              <div className="side-tabs" role="tablist" aria-label="Side panel">
                <button role="tab" id="tab-classifier" aria-selected={sideTab === 'classifier'} aria-controls="panel-classifier" className={sideTab === 'classifier' ? 'active' : ''} onClick={() => setSideTab('classifier')}>
                  Classifier
                </button>
                <button role="tab" id="tab-training" aria-selected={sideTab === 'training'} aria-controls="panel-training" className={sideTab === 'training' ? 'active' : ''} onClick={() => setSideTab('training')}>
                  Training
                </button>
              </div>
              <div id="panel-classifier" role="tabpanel" aria-labelledby="tab-classifier" className="side-body" hidden={sideTab !== 'classifier'}>
                <ModelPanel
                  current={current}
                  packageHash={packageHash}
                  setPackageHash={setPackageHash}
                  result={result}
                  setResult={setResult}
                  heatmap={heatmap}
                  setHeatmap={setHeatmap}
                  onPickImage={(sop, fr) => {
                    const i = open?.images.findIndex((im) => im.sopInstanceUid === sop && im.frame === fr) ?? -1;
                    if (i >= 0) setIndex(i);
                  }}
                  onTrain={() => setSideTab('training')}
                  heatmapNote={oneCell ? ONE_CELL_NOTE : null}
                />
              </div>
              {/* Built on the first visit, then kept (hidden) while the Classifier tab is shown: the
                  form, a running job's progress and Cancel, and a finished run's results stay. */}
              {(sideTab === 'training' || trainingVisited) && (
                <div id="panel-training" role="tabpanel" aria-labelledby="tab-training" className="side-body panel training-side" hidden={sideTab !== 'training'}>
                  <TrainingPanel seriesUid={open?.series.seriesInstanceUid ?? null} sopInstanceUid={current?.sopInstanceUid ?? null} frame={current?.frame ?? null} frames={current && open ? open.images.filter((i) => i.sopInstanceUid === current.sopInstanceUid).length : 1} studyUid={open?.study.studyInstanceUid ?? null} imagenet={weights.data?.imported ?? []} onGetWeights={() => setWeightsOpen(true)} openSeries={openSeries} deleteSelectedMeasurement={() => viewer.current?.deleteSelectedMeasurement() ?? false} keysActive={panels.side && sideTab === 'training'} />
                </div>
              )}
            </div>
          </div>
        )}
      </main>
      <footer className="statusbar" aria-live="polite">
        <span data-testid="status-backend">
          {info.loading ? 'Starting engine…' : info.data ? `Engine: ${info.data.engine.activeBackend ?? 'no backend'}` : 'Engine unavailable'}
        </span>
        <span className="spacer" />
        <span>Research use only — not for diagnosis</span>
        <span>{info.data ? `Lumen ${info.data.version}` : ''}</span>
      </footer>
      {/* The engine stopped on its own and was started again: said until dismissed. */}
      <EngineCrashNotice />
      {aboutOpen && info.data && <About info={info.data} onClose={() => setAboutOpen(false)} />}
      {helpOpen && <Help onClose={() => setHelpOpen(false)} />}
      {settingsOpen && settings && <SettingsDialog state={settings} onSaved={setSettings} onClose={() => setSettingsOpen(false)} />}
      {weightsOpen && <WeightsDialog onClose={() => setWeightsOpen(false)} onChanged={weights.reload} />}
    </div>
  );
}
