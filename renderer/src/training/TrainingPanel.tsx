/**
 * Training panel: label the current series/image from the keyboard, check the dataset's
 * class balance, start / cancel / resume a training run with live curves, and read the
 * test metrics. Talks to the engine only through the contract (training.* requests and
 * job.* events). The workspace mounts it and passes the current selection.
 */
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { useLastCall } from '../useLastCall';
import type { RequestOutput } from '../../../common/contract';
import { lumen } from '../api';
import { variantDisplayName } from '../../../common/contract/models';
import type { ImagenetWeights } from '../../../common/contract/settings';
import { CUSTOM_VARIANT_CHOICES, DEFAULT_EPOCHS } from '../../../common/contract/training';
import { VOI_PRESETS } from '../../../common/voi';
import { randomBackboneWarning } from '../../../common/training-advice';
import { keepKeyNumbers, labelClasses, labelKeyAction, labelKeysSentence, movedKeysNotice } from '../workspace/labelKeys';
import { labelClassesShown, labelsChanged } from '../workspace/labelChanges';
import { useJob } from '../workspace/useJob';
import { readOnlyControl, useReadOnlyLibrary } from '../workspace/libraryAccess';
import { Name } from '../workspace/Name';
import { ReportDialog } from './ReportDialog';
import { PackageResults, RunResults, type RunView } from './RunResults';
import { TrainingCurves } from './Plots';
import { LabelImport } from './LabelImport';
import { LabelOverview } from './LabelOverview';
import { LabelNext } from './LabelNext';
import { cannotStartReason } from './startBlock';
import { useSelectedSeries } from '../workspace/seriesSelection';
import './training.css';
import { errorMessage } from '../../../common/errors';

export interface TrainingPanelProps {
  /** The series shown in the viewer (labels go here by default). */
  seriesUid?: string | null;
  /** The image shown in the viewer (Shift+digit labels this image only). */
  sopInstanceUid?: string | null;
  /** The frame of that image shown (0-based, as the viewer steps): on a multi-frame file Shift+digit labels this frame only. */
  frame?: number | null;
  /** How many frames the shown image's file has (1 for a single-frame file). */
  frames?: number;
  /** The study of the shown series: a label given to the study (a CSV's PatientID or StudyInstanceUID row) shows as its current label. */
  studyUid?: string | null;
  /** ImageNet weights imported into the data folder (weights.list): offered as backbone weights. */
  imagenet?: ImagenetWeights[];
  /** Opens "Get ImageNet weights". */
  onGetWeights?: () => void;
  /** Opens a series in the viewer (next unlabelled, the label queue). */
  /** Opens a series in the viewer; resolves once it is open (the keys then label it). */
  /** Resolves false when the series was not shown (the user opened another before it was read). */
  openSeries?: (seriesInstanceUid: string) => void | Promise<boolean>;
  /** Deletes the measurement selected in the viewer, if any: Delete takes that before the labels. */
  deleteSelectedMeasurement?: () => boolean;
  /** False while the side panel is hidden: its label keys do nothing, so nothing is labelled out of sight. */
  keysActive?: boolean;
}

interface EpochPoint {
  epoch: number;
  loss: number;
  valLoss?: number;
  valMetric: number;
}


/** What each mode does, under the Mode choice (the choice's own text stays short enough to read whole). */
const MODE_HINTS = {
  head: 'Trains a classification head on the backbone’s features, computed once and cached.',
  scratch: 'Trains the whole network end to end: for tiny backbones (φ = −10 … −2).',
  finetune: 'Trains the head and the top blocks: needs a GPU backend (tensorflow or webgpu).',
  series: 'Multiple-instance learning from series labels: no slice labels needed.',
} as const;

/** '' is the file's own window; then the CT presets the engine knows (common/voi.ts). */
const WINDOWS = ['', ...VOI_PRESETS.CT.map((p) => p.id)];
/** What a finished training job gives the panel (the engine's training result). */
type TrainOutcome = RunView & { test: NonNullable<RunView['test']>; reportPath: string };


export function TrainingPanel({ seriesUid, sopInstanceUid, frame, frames, studyUid, imagenet = [], onGetWeights, openSeries, deleteSelectedMeasurement, keysActive = true }: TrainingPanelProps) {
  // Classes added in the panel; the keys offer the library's classes first (labelClasses).
  const [added, setAdded] = useState<string[]>([]);
  // A library on a read-only disk: no label and no training run (it records its results there).
  const readOnly = useReadOnlyLibrary();
  const [newClass, setNewClass] = useState('');
  const [reportOpen, setReportOpen] = useState(false);
  const [currentLabel, setCurrentLabel] = useState<string | null>(null);
  const [status, setStatus] = useState<string>('');
  // Labels: what changed last (one undo), a file dropped on the panel, and a counter that
  // asks the overview again after every change.
  const [lastChange, setLastChange] = useState<{ undoId: string; what: string } | null>(null);
  const [dropped, setDropped] = useState<File | null>(null);
  const [labelsGeneration, setLabelsGeneration] = useState(0);
  /** Several series selected in the study list: the label keys give all of them the class. */
  const selectedSeries = useSelectedSeries();
  const multi = selectedSeries.length > 1 ? selectedSeries : null;
  /** The dataset preview shown, with the seed it was split with: Start is held back only by a preview of the seed it would send. */
  const [preview, setPreview] = useState<(RequestOutput<'training.dataset.preview'> & { seed: number }) | null>(null);
  const [runs, setRuns] = useState<RequestOutput<'training.runs'>>([]);
  const offered = useMemo(() => labelClasses(preview?.classNames ?? [], added), [preview, added]);
  // The keys' order as last shown: a class keeps its number while the panel is open, a new one
  // takes the next free number (keepKeyNumbers); when numbers move anyway, the panel says so.
  const [keyOrder, setKeyOrder] = useState<string[]>([]);
  const [keysNotice, setKeysNotice] = useState<string | null>(null);
  // Dismissed by its ✕ or Escape (focus on it): focus goes to the keys it spoke of, where digits still label.
  const keyList = useRef<HTMLUListElement>(null);
  const dismissKeysNotice = () => {
    setKeysNotice(null);
    keyList.current?.focus();
  };
  const kept = useMemo(() => keepKeyNumbers(keyOrder, offered), [keyOrder, offered]);
  const classes = kept.classes;
  useEffect(() => {
    if (kept.classes.length === keyOrder.length && kept.classes.every((c, i) => c === keyOrder[i])) return;
    setKeyOrder(kept.classes);
    const notice = movedKeysNotice(kept.moved);
    if (notice) setKeysNotice(notice);
  }, [kept, keyOrder]);
  const [form, setForm] = useState({ name: 'my-classifier', variant: 'b0', resolution: '', window: '', mode: 'head' as 'head' | 'scratch' | 'finetune' | 'series', epochs: '', seed: '1', augment: true, intendedUse: '', backbonePackage: '' });
  const [packages, setPackages] = useState<RequestOutput<'models.catalog'>['packages']>([]);
  /** The released variants, as the engine's catalog lists them. */
  const [released, setReleased] = useState<string[]>([]);
  // The run in progress (training.start or training.resume), followed by the shared job hook.
  const job = useJob<TrainOutcome>();
  const jobId = job.running ? job.jobId : null;
  const [curve, setCurve] = useState<EpochPoint[]>([]);
  const [result, setResult] = useState<TrainOutcome | null>(null);
  // Start, progress, curves and results in one block: the panel scrolls it into view when a
  // run starts and again when it ends, so the user never has to look for them.
  const runView = useRef<HTMLDivElement>(null);
  const closeReport = useCallback(() => setReportOpen(false), []);
  // The report shown: the finished run's, or that of a package picked under "Results of a model".
  const [reportPath, setReportPath] = useState<string | null>(null);
  const openReport = useCallback((p: string) => (setReportPath(p), setReportOpen(true)), []);
  // An instant scroll, not a smooth one: the dataset preview and the label overview above are
  // refreshed as a run ends, and a reflow during a smooth scroll's animation left the results
  // short of its target; once there, the browser's scroll anchoring keeps them in view.
  const showRun = () => requestAnimationFrame(() => runView.current?.scrollIntoView({ block: 'start', behavior: 'auto' }));

  // A multi-frame file: Shift+digit labels the frame shown (1-based, as DICOM numbers frames), not the whole file.
  const shownFrame = sopInstanceUid && (frames ?? 1) > 1 ? (frame ?? 0) + 1 : null;

  /** The last reading of the shown image's label: an earlier one answering late (another series, since left) is dropped. */
  const labelReading = useLastCall();
  const refreshLabel = useCallback(async () => {
    const last = labelReading.begin();
    const uids = [seriesUid, sopInstanceUid, studyUid].filter((u): u is string => !!u);
    if (uids.length === 0) return setCurrentLabel(null);
    let labels: RequestOutput<'training.labels.list'>;
    try {
      labels = await lumen.invoke('training.labels.list', { targetUids: uids });
    } catch (err) {
      // A reading about a series (or image) since left says nothing: the status line is about the one shown.
      if (last()) setStatus(errorMessage(err));
      return;
    }
    if (!last()) return;
    // The most specific label is the one training uses (store.ts labelOfImage): the frame's own,
    // the file's, the series', the study's (from a PatientID row); each but the series' says which.
    const own = shownFrame !== null ? labels.find((l) => l.targetKind === 'image' && l.targetUid === sopInstanceUid && l.frame === shownFrame) : undefined;
    const image = labels.find((l) => l.targetKind === 'image' && l.targetUid === sopInstanceUid && l.frame === null);
    const series = labels.find((l) => l.targetKind === 'series' && l.targetUid === seriesUid);
    const study = labels.find((l) => l.targetKind === 'study' && l.targetUid === studyUid);
    setCurrentLabel(own ? `${own.label} (frame ${shownFrame})` : image ? `${image.label} (image)` : series ? series.label : study ? `${study.label} (study)` : null);
  }, [seriesUid, sopInstanceUid, studyUid, shownFrame, labelReading]);

  /**
   * The last reading of the package catalog, with the dataset or on models.changed (a package
   * imported, deleted or put back): an earlier one answering late (a deleted package still in it)
   * is dropped, and so is its error. `caller`: whether the caller's own call (a dataset refresh)
   * is still its last one too.
   */
  const catalogReading = useLastCall();
  const readCatalog = useCallback(
    async (caller: () => boolean) => {
      const last = catalogReading.begin();
      try {
        const catalog = await lumen.invoke('models.catalog', {});
        if (!last() || !caller()) return;
        setPackages(catalog.packages);
        setReleased(catalog.variants.map((v) => v.name));
      } catch (err) {
        if (last() && caller()) setStatus(errorMessage(err));
      }
    },
    [catalogReading],
  );

  /** The last refresh of the dataset (a seed typed, labels changed): an earlier one answering late is dropped. */
  const datasetReading = useLastCall();
  const refreshDataset = useCallback(async () => {
    const last = datasetReading.begin();
    setLabelsGeneration((g) => g + 1);
    try {
      const seed = Number(form.seed) || 1;
      const split = await lumen.invoke('training.dataset.preview', { seed });
      if (!last()) return;
      setPreview({ ...split, seed });
      const runList = await lumen.invoke('training.runs', {});
      if (!last()) return;
      setRuns(runList);
      await readCatalog(last);
    } catch (err) {
      if (last()) setStatus(errorMessage(err));
    }
  }, [form.seed, datasetReading, readCatalog]);

  useEffect(() => {
    void refreshLabel();
  }, [refreshLabel]);
  // The viewer's marks of labelled frames follow each change, coloured as the keys number the classes.
  useEffect(() => labelClassesShown(classes), [classes]);
  useEffect(() => {
    if (labelsGeneration > 0) labelsChanged();
  }, [labelsGeneration]);
  useEffect(() => {
    void refreshDataset();
  }, [refreshDataset]);
  // A package imported, deleted or put back in the Classifier panel: "Results of a model" and the
  // name check follow at once (a deleted one is not offered to show).
  useEffect(
    () =>
      lumen.on('models.changed', () => {
        void readCatalog(() => true);
      }),
    [readCatalog],
  );

  // Labels changed by another Lumen (lumen labels import, lumen rm, another window: 'external'),
  // or series removed here: the current label, the overview and the dataset are read again. Not
  // for an import here, which adds no labels (a retrieve imports every few seconds).
  useEffect(
    () =>
      lumen.on('library.changed', ({ reason }) => {
        if (reason === 'import') return;
        void refreshLabel();
        void refreshDataset();
      }),
    [refreshLabel, refreshDataset],
  );

  const label = useCallback(
    async (cls: string | null, imageOnly: boolean) => {
      const uid = imageOnly ? sopInstanceUid : seriesUid;
      // Several series selected: each of them, in one request (one transaction, one undo).
      const many = !imageOnly && multi ? multi : null;
      if (!uid && !many) return setStatus('Open a series in the viewer first.');
      if (readOnly) return setStatus('The library is on a read-only disk: it cannot be labelled.');
      // On a multi-frame file Shift+digit is the frame shown: the other frames keep their labels.
      const frameTarget = imageOnly && shownFrame !== null ? { frame: shownFrame } : {};
      const targets: { kind: 'image' | 'series'; uid: string; frame?: number }[] = many
        ? many.map((s) => ({ kind: 'series' as const, uid: s }))
        : [{ kind: imageOnly ? ('image' as const) : ('series' as const), uid: uid!, ...frameTarget }];
      const what = many ? `${many.length} series` : imageOnly ? (shownFrame !== null ? `frame ${shownFrame}` : 'the image') : 'the series';
      let undoId: string | undefined;
      if (cls === null) {
        // Clearing the series clears the shown image's own label too (and the shown frame's): 0 clears what is shown.
        if (!imageOnly && !many && sopInstanceUid) {
          targets.push({ kind: 'image', uid: sopInstanceUid });
          if (shownFrame !== null) targets.push({ kind: 'image', uid: sopInstanceUid, frame: shownFrame });
        }
        ({ undoId } = await lumen.invoke('training.labels.clear', { targets }));
      } else ({ undoId } = await lumen.invoke('training.labels.set', { targets, label: cls }));
      const changed = many ? `the ${what}` : what;
      setLastChange(undoId ? { undoId, what: cls === null ? `clearing ${changed}` : `labelling ${changed} "${cls}"` } : null);
      setStatus(
        cls === null
          ? many
            ? `Cleared the labels of ${what}.`
            : imageOnly
              ? shownFrame !== null ? `Cleared the label of frame ${shownFrame}; the file's other frames keep theirs.` : 'Cleared the image label.'
              : shownFrame !== null ? "Cleared the series label and this file's and this frame's own labels." : "Cleared the series label and this image's own label."
          : imageOnly && shownFrame !== null
            ? `Labelled frame ${shownFrame} of ${frames} "${cls}"; the file's other frames keep theirs.`
            : `Labelled ${what} "${cls}".`,
      );
      await refreshLabel();
      await refreshDataset();
    },
    [seriesUid, sopInstanceUid, shownFrame, frames, multi, readOnly, refreshLabel, refreshDataset],
  );

  const undoLast = async () => {
    if (!lastChange) return;
    try {
      await lumen.invoke('training.labels.undo', { undoId: lastChange.undoId });
      setStatus(`Undone: ${lastChange.what}.`);
    } catch (err) {
      setStatus(errorMessage(err));
    }
    setLastChange(null);
    await refreshLabel();
    await refreshDataset();
  };

  /** The series shown now: U's answer is dropped when the user has opened another since. */
  const shownSeries = useRef(seriesUid);
  shownSeries.current = seriesUid;
  /** Opens the next series without a label after the open one (in the study list's order). */
  const nextUnlabelled = useCallback(async () => {
    if (!openSeries) return;
    try {
      const next = await lumen.invoke('training.labels.nextUnlabelled', seriesUid ? { after: seriesUid } : {});
      if (shownSeries.current !== seriesUid) return;
      if (!next) return setStatus('Every series has a label.');
      if (next.seriesInstanceUid === seriesUid) return setStatus('This is the only series without a label.');
      // Said once the series is open, not while the one before is still shown (and labelled by a
      // digit), and not when a series the user opened meanwhile is shown instead (false).
      if ((await openSeries(next.seriesInstanceUid)) === false) return;
      setStatus(`Opened the next unlabelled series (${next.unlabelledSeries} without a label).`);
    } catch (err) {
      setStatus(errorMessage(err));
    }
  }, [openSeries, seriesUid]);

  // Keyboard: 1..9 label the series with class N (Shift: this image only); 0 or Delete clears (labelKeys.ts).
  // The handler is the one of the last commit, set before the browser paints it (a layout effect):
  // a passive effect re-registering it left a moment, after a new series showed, in which a digit
  // labelled the series shown before.
  const onKeyRef = useRef<(e: KeyboardEvent) => void>(() => undefined);
  useLayoutEffect(() => {
    onKeyRef.current = (e: KeyboardEvent) => {
      if (keysActive === false) return;
      const target = e.target as HTMLElement | null;
      if (target && (target.tagName === 'INPUT' || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT')) return;
      // U: the next series without a label (N is the viewer's angle tool).
      if (!reportOpen && (e.key === 'u' || e.key === 'U') && !e.ctrlKey && !e.metaKey && !e.altKey) {
        e.preventDefault();
        void nextUnlabelled();
        return;
      }
      // Delete with a measurement selected removes that measurement (what the user picked), not the labels.
      if (e.key === 'Delete' && !e.shiftKey && !e.defaultPrevented && deleteSelectedMeasurement?.()) {
        e.preventDefault();
        return;
      }
      // The report dialog is up: no label changes behind it.
      const action = reportOpen ? null : labelKeyAction(e, classes);
      if (!action) return;
      e.preventDefault();
      if (action.kind === 'no-class') setStatus(`Key ${action.digit} has no class: the classes are ${classes.map((c, i) => `${i + 1} ${c}`).join(', ')}. Add a class below to use more keys.`);
      else void label(action.kind === 'set' ? action.className : null, action.imageOnly).catch((err) => setStatus(errorMessage(err)));
    };
  });
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => onKeyRef.current(e);
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  useEffect(() => {
    const history = (job.detail as { history?: EpochPoint[] } | null)?.history;
    if (history && history.length) setCurve(history);
  }, [job.detail]);
  // The first epoch's point brings the curves in under the progress bar, below what the start's
  // scroll could show (the panel ended there): scroll again, once per run, so they are in view.
  const hasCurve = curve.length > 0;
  useEffect(() => {
    if (hasCurve && job.running) showRun();
  }, [hasCurve]);
  // The run's end: its results, or why it stopped. A request refused before a job started
  // (no jobId) says only its reason.
  useEffect(() => {
    if (job.running) return;
    if (job.result) {
      setResult(job.result);
      setStatus('Training finished.');
      showRun();
      void refreshDataset();
    } else if (job.cancelled) {
      setStatus('Cancelled: the checkpoint is kept; resume it below.');
      void refreshDataset();
    } else if (job.error !== null) {
      setStatus(job.jobId ? `Training failed: ${job.error}` : job.error);
      if (job.jobId) void refreshDataset();
    }
  }, [job.running, job.result, job.cancelled, job.error, job.jobId]);

  // The package now under this name (its folder is models/<name>): a run under the name keeps it as an earlier version.
  const taken = packages.find((p) => !p.earlierVersionOf && p.dir.split(/[\\/]/).filter(Boolean).pop() === form.name.trim()) ?? null;
  // A stopped run of this name: a new run with other settings or labels starts over and deletes its checkpoint.
  const stopped = runs.find((r) => r.name === form.name.trim()) ?? null;
  const [askReplace, setAskReplace] = useState(false);
  const onStart = () => {
    // Nothing is lost to a package of this name (it is kept as a version); a stopped run may be.
    if (stopped && !askReplace) return setAskReplace(true);
    setAskReplace(false);
    start(!!taken);
  };

  const start = (replace: boolean) => {
    setResult(null);
    setCurve([]);
    void job.start(async () => {
      const started = await lumen.invoke('training.start', {
        name: form.name,
        variant: form.variant,
        // "Series (MIL)" is a head on cached features learnt from series labels alone.
        mode: form.mode === 'series' ? 'head' : form.mode,
        level: form.mode === 'series' ? 'series' : 'image',
        augment: form.augment,
        seed: Number(form.seed) || 1,
        ...(form.resolution ? { resolution: Number(form.resolution) } : {}),
        ...(form.epochs ? { epochs: Number(form.epochs) } : {}),
        ...(form.window ? { window: form.window } : {}),
        ...(form.intendedUse ? { intendedUse: form.intendedUse } : {}),
        ...(form.backbonePackage && backbones.some((p) => p.dir === form.backbonePackage) ? { backbonePackage: form.backbonePackage } : {}),
        // The package under this name is kept as an earlier version (models/package/versions.ts); any other folder there is refused.
        overwrite: replace,
      });
      setStatus('Training…');
      showRun();
      return started;
    }, 'Training…');
  };

  const resume = (checkpointDir: string) => {
    setCurve([]);
    void job.start(async () => {
      const started = await lumen.invoke('training.resume', { checkpointDir });
      setStatus('Resuming…');
      showRun();
      return started;
    }, 'Resuming…');
  };

  // Packages of the same backbone variant can give their weights (e.g. one trained from
  // scratch on other data, or imported ImageNet weights): transfer without downloads.
  const backbones = useMemo(
    () => [
      ...imagenet.filter((w) => w.variant === form.variant).map((w) => ({ dir: w.packageDir, name: `ImageNet (${w.file})`, contentHash: w.sha256 })),
      ...packages.filter((p) => p.variant === form.variant),
    ],
    [packages, imagenet, form.variant],
  );
  const pretrained = !!form.backbonePackage && backbones.some((p) => p.dir === form.backbonePackage);
  // Said before the run starts, as `lumen train` says it but in the panel's words (common/training-advice.ts).
  const randomWarning = randomBackboneWarning(form.mode === 'series' ? 'head' : form.mode, pretrained, 'app');
  // A dataset the engine would refuse (an empty split, one class): Start waits, saying why beside it (startBlock.ts).
  const cannotStart = preview && preview.seed === (Number(form.seed) || 1) ? cannotStartReason(preview) : null;
  const splits = useMemo(() => (preview ? (['train', 'validation', 'test'] as const) : []), [preview]);
  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));

  return (
    <section
      className="training-panel"
      aria-label="Training"
      style={{ display: 'grid', gap: 12, padding: 8, fontSize: 13 }}
      // A label CSV dropped anywhere on the panel is imported (LabelImport.tsx).
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes('Files')) e.preventDefault();
      }}
      onDrop={(e) => {
        const file = e.dataTransfer.files[0];
        if (!file) return;
        e.preventDefault();
        setDropped(file);
      }}
    >
      <div>
        <h3 style={{ margin: '0 0 4px' }}>Labels</h3>
        <div aria-live="polite">Current: <b>{currentLabel ?? 'unlabelled'}</b></div>
        {multi && <div className="label-selection" role="note">{multi.length} series selected in the study list: the keys label all of them.</div>}
        <div className="row label-actions">
          <button type="button" onClick={() => void nextUnlabelled()} disabled={!openSeries} title="Open the next series without a label (U)"><kbd>U</kbd> Next unlabelled</button>
          {lastChange && <button type="button" onClick={() => void undoLast()} title={`Undo ${lastChange.what}`}>Undo label change</button>}
        </div>
        <ul className="label-keys" aria-label="Label keys" ref={keyList} tabIndex={-1}>
          {classes.map((c, i) => (
            <li key={c}>
              {i < 9 ? <kbd>{i + 1}</kbd> : <span className="kbd-none" />}
              <button type="button" onClick={() => void label(c, false)} disabled={!seriesUid && !multi} title={i < 9 ? `Key ${i + 1} labels the series, Shift+${i + 1} this ${shownFrame !== null ? 'frame' : 'image'}` : undefined} {...readOnlyControl(readOnly)}>{c}</button>
            </li>
          ))}
          <li>
            <kbd>0</kbd>
            <button type="button" onClick={() => void label(null, false)} disabled={!seriesUid} {...readOnlyControl(readOnly)}>clear</button>
          </li>
        </ul>
        <div style={{ display: 'flex', gap: 4 }}>
          <input aria-label="New class" placeholder="new class" value={newClass} onChange={(e) => setNewClass(e.target.value)} />
          <button type="button" onClick={() => newClass.trim() && !classes.includes(newClass.trim()) && (setAdded([...added, newClass.trim()]), setNewClass(''))}>Add</button>
        </div>
        {keysNotice && (
          // Escape here closes it and nothing else (the app's Escape closes dialogs, then the welcome card).
          <div className="warn small keys-moved" data-testid="keys-moved" onKeyDown={(e) => e.key === 'Escape' && (e.stopPropagation(), dismissKeysNotice())}>
            <span role="status">⚠ {keysNotice}</span>
            <button type="button" className="icon-button" title="Dismiss (Esc)" aria-label="Dismiss the keys notice" onClick={dismissKeysNotice}>
              <span aria-hidden="true">✕</span>
            </button>
          </div>
        )}
        <small className="muted">{labelKeysSentence(classes.length, shownFrame !== null ? 'frame' : 'image')}</small>
        <LabelImport
          dropped={dropped}
          onChanged={(summary) => {
            setLastChange(null);
            setStatus(summary);
            void refreshLabel();
            void refreshDataset();
          }}
        />
        <LabelOverview generation={labelsGeneration} />
        <LabelNext packages={packages} seriesUid={seriesUid} openSeries={openSeries} generation={labelsGeneration} />
      </div>

      {preview && (
        <div>
          <h3 style={{ margin: '0 0 4px' }}>Dataset</h3>
          <div>{preview.patients} patients, {preview.images} images; split by patient.</div>
          {preview.classNames.length > 0 && (
            <table aria-label="Class balance by split">
              <thead><tr><th>Class</th>{splits.map((s) => <th key={s}>{s}</th>)}</tr></thead>
              <tbody>
                {preview.classNames.map((c) => (
                  <tr key={c}><td>{c}</td>{splits.map((s) => <td key={s}>{preview.balance[s]?.[c]?.images ?? 0} ({preview.balance[s]?.[c]?.patients ?? 0} pt)</td>)}</tr>
                ))}
              </tbody>
            </table>
          )}
          {preview.warnings.map((w) => <div key={w} role="alert" style={{ color: 'var(--warn)' }}>⚠ {w}</div>)}
        </div>
      )}

      <div>
        <h3 style={{ margin: '0 0 4px' }}>Train</h3>
        <div style={{ display: 'grid', gridTemplateColumns: 'fit-content(84px) minmax(0, 1fr)', gap: 4 }}>
          <label htmlFor="tp-name">Name</label><input id="tp-name" value={form.name} onChange={(e) => (setAskReplace(false), set('name')(e))} />
          {taken && (
            <small className="warn" data-testid="name-taken" style={{ gridColumn: '1 / -1' }}>
              A model package named “<Name text={form.name.trim()} />” exists: a run under this name keeps the earlier one as version {taken.version ?? 1} (listed under the model’s versions, still usable).
            </small>
          )}
          {stopped && (
            <small className="warn" data-testid="name-stopped" style={{ gridColumn: '1 / -1' }}>
              A stopped run named “<Name text={form.name.trim()} />” can be resumed below: a new run under this name may discard it (you are asked first).
            </small>
          )}
          <label htmlFor="tp-variant">Backbone</label>
          <select id="tp-variant" value={form.variant} onChange={set('variant')}>{[...new Set([...released, form.variant, ...CUSTOM_VARIANT_CHOICES])].map((v) => <option key={v} value={v}>{variantDisplayName(v)}</option>)}</select>
          <label htmlFor="tp-weights">Backbone weights</label>
          <select id="tp-weights" value={backbones.some((p) => p.dir === form.backbonePackage) ? form.backbonePackage : ''} onChange={set('backbonePackage')}>
            <option value="">random initialisation</option>
            {backbones.map((p) => <option key={p.dir} value={p.dir}>{p.name} ({p.contentHash.slice(0, 8)})</option>)}
          </select>
          <label htmlFor="tp-mode">Mode</label>
          <select id="tp-mode" value={form.mode} onChange={set('mode')}>
            <option value="head">Head on cached features</option>
            <option value="scratch">From scratch</option>
            <option value="finetune">Fine-tune</option>
            <option value="series">Series (MIL)</option>
          </select>
          <small className="muted" data-testid="mode-hint" style={{ gridColumn: '1 / -1' }}>{MODE_HINTS[form.mode]}</small>
          <label htmlFor="tp-res">Resolution</label><input id="tp-res" placeholder="variant default" value={form.resolution} onChange={set('resolution')} />
          <label htmlFor="tp-window">Window</label>
          <select id="tp-window" value={form.window} onChange={set('window')}>{WINDOWS.map((w) => <option key={w} value={w}>{w || "file's own"}</option>)}</select>
          <label htmlFor="tp-epochs">Epochs</label><input id="tp-epochs" placeholder={`default ${form.mode === 'series' ? 60 : DEFAULT_EPOCHS[form.mode]}`} value={form.epochs} onChange={set('epochs')} />
          <label htmlFor="tp-seed">Seed</label><input id="tp-seed" value={form.seed} onChange={set('seed')} />
          <label htmlFor="tp-aug">Augment</label><input id="tp-aug" type="checkbox" checked={form.augment} onChange={(e) => setForm((f) => ({ ...f, augment: e.target.checked }))} />
          <label htmlFor="tp-use">Intended use</label><textarea id="tp-use" rows={2} value={form.intendedUse} onChange={set('intendedUse')} />
        </div>
        {randomWarning && (
          <div className="training-warning" role="note" aria-label="Random backbone warning">
            <strong>⚠ Random backbone.</strong> {randomWarning}
            {onGetWeights && (
              <div>
                <button type="button" className="text-button" onClick={onGetWeights}>Get ImageNet weights…</button>
              </div>
            )}
          </div>
        )}
        <div className="run-view" ref={runView}>
          <div className="row">
            <button type="button" className="primary-button" onClick={onStart} disabled={job.running || !!cannotStart} {...(cannotStart ? { title: cannotStart, 'aria-describedby': 'tp-cannot-start' } : {})} {...readOnlyControl(readOnly)}>Start training</button>
            <button type="button" className="text-button" onClick={job.cancel} disabled={!jobId}>Cancel</button>
          </div>
          {cannotStart && <small className="warn cannot-start" id="tp-cannot-start" data-testid="cannot-start">{cannotStart}</small>}
          {askReplace && stopped && (
            <div className="training-warning" role="group" aria-label={`Start ${form.name.trim()} over?`}>
              <p style={{ margin: '0 0 6px' }}>
                <strong>{`Start “${form.name.trim()}” over?`}</strong>
                {` The stopped run of this name (epoch ${stopped.epoch}${stopped.epochs ? `/${stopped.epochs}` : ''}) continues only if nothing changed (settings and labels); otherwise its checkpoint is deleted. Resume below continues it as it was.`}
                {taken && ` The model package of this name (#${taken.contentHash.slice(0, 12)}) is kept as version ${taken.version ?? 1}.`}
                {' '}To keep the stopped run, give this run another name.
              </p>
              <div className="row">
                <button type="button" className="text-button bad" onClick={onStart}>Start over</button>
                <button type="button" className="text-button" onClick={() => setAskReplace(false)} autoFocus>Keep it</button>
              </div>
            </div>
          )}
          {status && <div role="status" className="run-status">{status}</div>}
          {jobId && (
            <div>
              <progress max={1} value={job.fraction ?? undefined} style={{ width: '100%' }} />
              <div className="muted small">{job.message}</div>
            </div>
          )}
          {!result && <TrainingCurves history={curve} />}
          {result && <RunResults run={result} onOpenReport={openReport} />}
        </div>
        {runs.length > 0 && !jobId && (
          <div>
            <h4 style={{ margin: '6px 0 2px' }}>Stopped runs</h4>
            {runs.map((r) => (
              <div key={r.checkpointDir}>
                <Name text={r.name} />: epoch {r.epoch}{r.epochs ? `/${r.epochs}` : ''} <button type="button" onClick={() => resume(r.checkpointDir)}>Resume</button>
              </div>
            ))}
          </div>
        )}
      </div>
      <PackageResults packages={packages} onOpenReport={openReport} />
      {reportOpen && reportPath && <ReportDialog reportPath={reportPath} onClose={closeReport} />}
    </section>
  );
}
