import { existsSync, readdirSync, rmSync } from 'node:fs';
import { FileReadError, readRegularText } from '../../../common/node/read-file';
import path from 'node:path';
import { describeDiskProblem } from '../../../common/node/fs-errors';
import { pathInside, undoCreatedOnFailure } from '../../../common/node/safe-fs';
import type { Handlers } from '../../../common/rpc';
import type { TrainRequest } from '../../../common/contract/training';
import { exportPackageArchive, loadPackage } from '../../../models/package';
import { importPackage, listPackages, packagesDir } from '../predict/packages';
import { activeBackend, initBackend } from '../../../models/runtime';
import { installFastCpuGradients } from '../../../models/training/cpu-kernels';
import { Library } from '../../library/library';
import { packageCam } from '../predict/heatmap';
import { splitByPatient } from '../../training/dataset';
import { evaluatePackage } from '../../training/evaluate';
import { exportLabelsCsv, importLabelFolders, planLabelsCsv, readLabelsCsvFile } from '../../training/labels';
import { labelOverview, nextUnlabelledSeries } from '../../training/label-overview';
import { LabelUndoLog } from '../../training/label-undo';
import { predictSeries } from '../../training/predict';
import { suggestSeries } from '../../training/suggest';
import { TrainingStore } from '../../training/store';
import { CheckpointRun, RUN_JSON, trainClassifier } from '../../training/train';
import { trainSeriesClassifier } from '../../training/mil-train';
import { readRunResults } from '../../training/run-results';
import type { EngineDeps } from './context';
import { errorMessage } from '../../../common/errors';
import { missingFrame } from '../../../common/frames';

/** Handlers for the training requests of the contract (common/contract/training.ts). */
export function trainingHandlers(deps: EngineDeps): Partial<Handlers> {
  let library: Library | undefined;
  const lib = () => (library ??= openLibrary());
  const openLibrary = () => {
    // Before 2026-12 the app kept its features in <data>/feature-cache and the CLI in
    // <library>/feature-cache; both use the latter now (featureCacheDir). The old folder only
    // held a cache, so it goes; where it cannot yet (a read-only disk), at a later opening.
    const oldCache = path.join(deps.dataDir, 'feature-cache');
    try {
      rmSync(oldCache, { recursive: true, force: true });
    } catch (err) {
      deps.log(`The old feature cache ${oldCache} was left for later: ${describeDiskProblem(err, deps.dataDir) ?? errorMessage(err)}.`);
    }
    // The spacing read of an old library is the study list's library's to run, in turns (library-access.ts).
    const opened = Library.open(path.join(deps.dataDir, 'library'), { log: deps.log, imagerSpacing: 'later' });
    deps.libraryWatch?.own(); // what opening wrote is the engine's own (library-watch.ts)
    return opened;
  };
  const withStore = <T>(fn: (s: TrainingStore) => T): T => {
    const s = new TrainingStore(lib());
    try {
      return fn(s);
    } finally {
      s.close();
    }
  };
  deps.onDispose(() => library?.close());
  const modelsDir = () => packagesDir(deps.dataDir);
  const runsDir = () => path.join(deps.dataDir, 'training-runs');
  /** A run's run.json, checked against its schema (the request against the contract's): it decides what runs and where it writes. */
  const readRun = (dir: string): CheckpointRun => {
    const file = path.join(dir, RUN_JSON);
    if (!existsSync(file)) throw new Error(`${dir} is not a training checkpoint (no ${RUN_JSON}).`);
    let raw: unknown;
    try {
      raw = JSON.parse(readRegularText(file, 'json'));
    } catch (err) {
      if (err instanceof FileReadError) throw new Error(`${err.message} The run cannot be resumed. Start the training again.`);
      throw new Error(`${file} is not valid JSON: the run cannot be resumed. Start the training again.`);
    }
    const parsed = CheckpointRun.safeParse(raw);
    if (!parsed.success) {
      const where = parsed.error.issues.map((i) => i.path.map(String).join('.') || '(root)');
      throw new Error(`${file} is not a valid training run (${[...new Set(where)].slice(0, 5).join(', ')}): the run cannot be resumed. Start the training again.`);
    }
    return parsed.data;
  };

  const labelUndo = new LabelUndoLog();
  const plural = (n: number, what: string) => `${n} ${n === 1 || what === 'series' ? what : what === 'study' ? 'studies' : `${what}s`}`;
  /** A CSV import replaces the labels of what it names: one undo puts them back. */
  const importCsv = (s: TrainingStore, text: string, source?: string) => {
    const { report, items } = planLabelsCsv(s, text, source);
    const { undoId } = labelUndo.record(s, items, `import of ${plural(items.length, 'label')}`, () => s.setLabels(items));
    return { ...report, undoId };
  };

  const startTraining = (req: TrainRequest, ctx: Parameters<Handlers['training.start']>[1]) =>
    deps.jobs.start('training', ctx, async (job) => {
      // Training from scratch needs convolution gradients, which TF.js wasm lacks: on a machine
      // whose best backend is wasm the run uses the cpu backend (slow, fine for the tiny
      // networks scratch training is for) and the engine goes back to wasm afterwards.
      // An engine that has not needed TF.js yet picks its backend now (it used to train on none).
      const before = activeBackend() ?? (await initBackend());
      const switchToCpu = req.mode === 'scratch' && before === 'wasm';
      if (switchToCpu) {
        job.progress(null, 'The wasm backend has no convolution gradients: training from scratch on the cpu backend');
        await initBackend('cpu');
      }
      try {
        return await runTraining(req, job);
      } finally {
        if (switchToCpu) await initBackend(before);
      }
    });

  const runTraining = async (req: TrainRequest, job: Parameters<Parameters<EngineDeps['jobs']['start']>[2]>[0]) => {
    if (activeBackend() === 'cpu') installFastCpuGradients();
    const history: { epoch: number; loss: number; valMetric: number; valLoss: number; learningRate: number; seconds: number }[] = [];
    // The name becomes folder names: checked here too, for a caller that skipped the contract.
    const checkpointDir = pathInside(runsDir(), req.name);
    if (req.level === 'series' && req.mode !== 'head') throw new Error('Series (MIL) training trains a head on cached backbone features: choose the head mode.');
    const train = req.level === 'series' ? trainSeriesClassifier : trainClassifier;
    const out = req.out ?? pathInside(modelsDir(), req.name);
    // What the run made goes when it fails: the package folder, and the checkpoint unless it holds an epoch to resume from.
    const run = <T>(fn: () => Promise<T>) =>
      undoCreatedOnFailure(checkpointDir, () => undoCreatedOnFailure(out, fn), (dir) => existsSync(path.join(dir, 'state.json')));
    const result = await run((): Promise<Awaited<ReturnType<typeof train>>> => train({
      library: lib(),
      out,
      name: req.name,
      variant: req.variant,
      mode: req.mode,
      resolution: req.resolution,
      window: req.window,
      augmentation: req.augment ? undefined : false,
      progressive: req.progressive,
      epochs: req.epochs,
      seed: req.seed,
      backbonePackage: req.backbonePackage,
      intendedUse: req.intendedUse,
      overwrite: req.overwrite,
      checkpointDir,
      request: req,
      signal: job.signal,
      onProgress: (p) => {
        // The job runner drops progress calls closer than 100 ms apart, so every event
        // carries the whole curve so far: a dropped epoch event loses no point of it.
        if (p.record) history.push(p.record);
        const { record: _record, ...rest } = p;
        job.progress(p.fraction, p.message, { ...rest, history });
      },
    })).catch((err: unknown) => {
      // A full or read-only disk: the package named, not the file the writer stopped at in Node's words.
      const disk = job.signal.aborted ? null : describeDiskProblem(err, path.dirname(path.resolve(out)));
      if (!disk) throw err;
      const resume = existsSync(path.join(checkpointDir, 'state.json')) ? ' (it resumes from the checkpoint of the last epoch, kept: Resume under the stopped runs)' : '';
      throw new Error(`The model package ${out} was not written: ${disk}. Nothing half-written was left there and the library records no such package; free space on that disk, then start the training again${resume}.`);
    });
    const { testPredictions: _omit, metadata, ...rest } = result;
    return { ...rest, contentHash: metadata.contentHash, metrics: metadata.metrics };
  };

  return {
    // Each label change is one transaction and one undo (label-undo.ts), however many targets.
    'training.labels.set': ({ targets, label }) =>
      withStore((s) => {
        // A frame out of range (or on a series) is refused before anything is written.
        const items = s.checkFrames(targets.map((t) => ({ targetKind: t.kind, targetUid: t.uid, frame: t.frame ?? null })));
        const { result, undoId } = labelUndo.record(s, items, `labelling of ${plural(items.length, targets[0].frame !== undefined ? 'frame' : targets[0].kind)}`, () => s.setLabels(items.map((t) => ({ ...t, label }))));
        return { count: result, undoId };
      }),
    'training.labels.clear': ({ targets }) =>
      withStore((s) => {
        const items = targets.map((t) => ({ targetKind: t.kind, targetUid: t.uid, frame: t.frame ?? null }));
        const { result, undoId } = labelUndo.record(s, items, `clearing of ${plural(items.length, 'label')}`, () => s.clearLabels(items));
        return { count: result, undoId };
      }),
    'training.labels.undo': ({ undoId }) => withStore((s) => labelUndo.undo(s, undoId)),
    'training.labels.list': ({ targetUids }) => withStore((s) => s.listLabels({ targetUids })),
    'training.labels.importCsv': ({ path: file }) => withStore((s) => importCsv(s, readLabelsCsvFile(file), file)),
    // The text of a file the user chose or dropped: hostile like any file, bounded by the contract.
    'training.labels.importCsvText': ({ text }) => withStore((s) => importCsv(s, text)),
    'training.labels.exportCsv': () => exportLabelsCsv(lib()),
    'training.labels.overview': () => withStore((s) => labelOverview(s)),
    'training.labels.nextUnlabelled': ({ after }) => withStore((s) => nextUnlabelledSeries(s, after)),
    'training.labels.importFolders': ({ path: dir }, ctx) =>
      deps.jobs.start('labels.importFolders', ctx, async (job) => {
        job.progress(null, `Importing ${dir}`);
        return importLabelFolders(lib(), dir, { signal: job.signal });
      }),
    'training.dataset.preview': ({ seed, validation, test }) => {
      const [images, localizers] = withStore((s) => [s.labelledImages(), s.labelledLocalizerSeries()] as const);
      // Labelled localizers (Image Type LOCALIZER) never train: say how many were left out.
      const leftOut = localizers > 0 ? [`${localizers} labelled localizer series ${localizers === 1 ? 'is' : 'are'} left out of the dataset (Image Type LOCALIZER: a scout image, not one to learn the class from).`] : [];
      if (images.length === 0) return { classNames: [], patients: 0, images: 0, balance: {}, warnings: ['No labelled images yet: label series (or import a CSV) first.', ...leftOut], localizerSeries: localizers };
      const split = splitByPatient(images, { seed, validation, test });
      return { classNames: split.classNames, patients: Object.keys(split.patients).length, images: images.length, balance: split.balance, warnings: [...split.warnings, ...leftOut], localizerSeries: localizers };
    },
    'training.start': (req, ctx) => startTraining(req, ctx),
    // The path passed the access check (data folder or a chosen folder) and the contract (a
    // .report.html name); the HTML is shown in a sandboxed frame without scripts.
    'training.report': ({ path: file }) => ({ html: readRegularText(file, 'report') }),
    // A package's recorded evaluation and history (checked against the contract), for the plots.
    'training.results': ({ packageDir }) => readRunResults(packageDir),
    'training.runs': () => {
      const dir = runsDir();
      if (!existsSync(dir)) return [];
      const runs = [];
      for (const name of readdirSync(dir).sort()) {
        const d = path.join(dir, name);
        if (!existsSync(path.join(d, RUN_JSON))) continue;
        try {
          const run = readRun(d);
          const state = existsSync(path.join(d, 'state.json')) ? JSON.parse(readRegularText(path.join(d, 'state.json'), 'json')) : { epoch: 0 };
          runs.push({ checkpointDir: d, name: run.name, epoch: Number.isInteger(state.epoch) ? state.epoch : 0, epochs: run.epochs, startedAt: run.startedAt });
        } catch (err) {
          deps.log(`skipping training run ${name}: ${errorMessage(err)}`);
        }
      }
      return runs;
    },
    'training.resume': ({ checkpointDir }, ctx) => {
      // Only a run of this data folder: its run.json says what to train and where to write.
      const dir = runsDir();
      if (path.dirname(path.resolve(checkpointDir)) !== path.resolve(dir)) throw new Error(`${checkpointDir} is not a training run of this data folder (runs are in ${dir}). Choose one from the list of stopped runs.`);
      pathInside(dir, path.basename(path.resolve(checkpointDir)), 'resume');
      const run = readRun(checkpointDir);
      if (!run.request) throw new Error(`The run in ${checkpointDir} was started from the command line: resume it by running the same "lumen train" command again.`);
      if (run.request.name !== path.basename(path.resolve(checkpointDir))) throw new Error(`The run in ${checkpointDir} is for "${run.request.name}", not a run of this folder; it cannot be resumed.`);
      return startTraining(run.request, ctx);
    },
    'training.evaluate': ({ packageDir, subset }, ctx) =>
      deps.jobs.start('training.evaluate', ctx, async (job) => {
        const r = await evaluatePackage(lib(), packageDir, { subset, signal: job.signal, onProgress: (d, t) => job.progress(d / t, `Scoring ${d}/${t}`) });
        return { ...r, predictions: undefined };
      }),
    'training.predict': ({ packageDir, seriesUid }, ctx) =>
      deps.jobs.start('training.predict', ctx, (job) => predictSeries({ library: lib(), packageDir, seriesUid, signal: job.signal, onProgress: (p) => job.progress(p.done / p.total, `Scoring ${p.done}/${p.total}`) })),
    'training.suggest': ({ packageDir, n }, ctx) =>
      deps.jobs.start('training.suggest', ctx, (job) =>
        suggestSeries({ library: lib(), packageDir, n, signal: job.signal, onProgress: (p) => job.progress(p.fraction, p.message) }),
      ),
    'training.cam': async ({ packageDir, sopInstanceUid, frame, classIndex }) => {
      const inst = withStore((s) => s.db.prepare<[string], { path: string; image_rows: number; image_columns: number; frames: number }>('SELECT path, image_rows, image_columns, frames FROM instances WHERE sop_uid = ?').get(sopInstanceUid));
      if (!inst) throw new Error(`No image ${sopInstanceUid} in the library.`);
      const missing = missingFrame(inst.frames, frame);
      if (missing) throw new Error(missing);
      return packageCam({ pkg: await loadPackage(packageDir), path: inst.path, frame, classIndex, rows: inst.image_rows, columns: inst.image_columns });
    },
    'training.packages': async () => {
      // The same listing as the model panel's (earlier versions included: models/package/versions.ts); folders that do not load are logged.
      const { packages, problems } = await listPackages(deps.dataDir);
      for (const p of problems) deps.log(`skipping model package ${path.basename(p.dir)}: ${p.message}`);
      return packages.map((p) => ({
        dir: p.dir, name: p.name, classNames: p.classNames, contentHash: p.contentHash, metrics: p.metrics,
        ...(p.version !== undefined ? { version: p.version } : {}), ...(p.earlierVersionOf ? { earlierVersionOf: p.earlierVersionOf } : {}),
      }));
    },
    'training.exportPackage': async ({ packageDir, file }) => {
      // `file` was checked (electron/engine/access.ts); newFile makes "never overwrite" hold at the write too.
      // Not into a package's folder (this one's or another's): every file there is part of that package, whose content hash would then fail.
      const folder = path.dirname(path.resolve(file));
      if (existsSync(path.join(folder, 'metadata.json'))) throw new Error(`${folder} is a model package's folder: a file written there would become part of that package and break its content hash. Choose a folder outside the package.`);
      // Only the package's own files go into the archive (models/package/archive.ts): no report, no earlier versions, nothing of the library.
      const p = await exportPackageArchive(packageDir, file, { newFile: true });
      const unaudited = lib().auditUnlessReadOnly('export', { packageHash: p.metadata.contentHash, variant: p.metadata.variant, touched: { files: [path.resolve(packageDir), path.resolve(file)] }, format: 'lumenpkg' });
      return { file: path.resolve(file), contentHash: p.metadata.contentHash, notes: unaudited ? [unaudited] : [] };
    },
    // One way to install a package: the same as the model panel's (free folder name, duplicates refused).
    'training.importPackage': async ({ file }) => {
      const p = await importPackage(deps.dataDir, file);
      return { dir: p.dir, contentHash: p.contentHash, notes: p.notes };
    },
  };
}
