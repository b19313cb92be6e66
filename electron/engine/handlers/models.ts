import type { Handlers } from '../../../common/rpc';
import path from 'node:path';
import { missingFrame } from '../../../common/frames';
import { errorMessage } from '../../../common/errors';
import { countOf } from '../../../common/counts';
import { availableOnnxProviders } from '../../../models/inference/onnx';
import { createRunner, runnerLabel, type ModelRunner } from '../../../models/inference/runner';
import type { LoadedPackage } from '../../../models/package';
import { activeBackend, initBackend, probeOnnxRuntime } from '../../../models/runtime';
import type { EngineDeps } from './context';
import { measureLatency, recommend, variantInfos } from '../predict/catalog';
import { deletePackage, findPackage, importPackage, listDeleted, listPackages, packagesDir, packagesReadOnly, purgeDeleted, undoDelete } from '../predict/packages';
import { heatmapsOverImage, type ImageHeatmaps } from '../predict/heatmap';
import { PredictionStore, summarizeSeries } from '../../library/predictions';
import type { PredictionResult } from '../../../common/contract/models';
import { loadModelInput } from '../../dicom/model-input';
import type { InstanceRecord } from '../../library/types';
import { predict, PredictionCancelled } from '../../training/predict';
import { predictSeriesWithHead } from '../../training/mil';
import { openLibrary, seriesImages, seriesInstances } from '../viewer/library-access';
import { appSession } from '../app-session';
import { JobCancelledError } from '../jobs';

/** CAMs of recent predictions (by package, series, image and frame), so the overlay follows the slice without running the model again. */
const CAM_CACHE_LIMIT = 2000;

/** What a Run stopped part-way through a study says it kept (its job's cancel message). */
function cancelledWords(kept: number, series: number, images: number, notStored: boolean): string {
  if (kept === 0) return `Cancelled: no series of the ${series} was scored whole; nothing was stored.`;
  const what = `scored ${kept} of ${series} series whole (${countOf(images, 'image')})`;
  return notStored ? `Cancelled: ${what}; nothing was stored (the library is on a read-only disk).` : `Cancelled: ${what}; their scores are stored. Run the study again to score the rest.`;
}

/**
 * A CAM's key: with the file the image was read from, as the library holds it (size and time), so
 * that a file changed in place and read again by an import is not drawn with its old pixels' heatmap.
 */
function camKey(packageHash: string, seriesInstanceUid: string, instance: Pick<InstanceRecord, 'sopInstanceUid' | 'fileSize' | 'mtimeMs'>, frame: number): string {
  return `${packageHash}/${seriesInstanceUid}/${instance.sopInstanceUid}/${frame}/${instance.fileSize}/${instance.mtimeMs}`;
}

/** Said with scores of a run on a library on a read-only disk (kept by the engine until it stops). */
export const NOT_STORED_NOTE = 'These scores were not stored in the library, because its disk is read-only; they will be gone when Lumen closes.';

/** Handlers for the models requests of the contract (common/contract/models.ts). */
export function modelsHandlers(deps: EngineDeps): Partial<Handlers> {
  const runners = new Map<string, Promise<{ pkg: LoadedPackage; runner: ModelRunner }>>();
  const cams = new Map<string, ImageHeatmaps>();
  // Per package and series: the largest CAM value of each class of each image of the last series
  // or study run (by camKey: with its file), and the heatmap scale made of those the series holds.
  const references = new Map<string, HeatmapScale>();
  let store: PredictionStore | null = null;
  // On a library on a read-only disk nothing is stored: each run's results per package and
  // series (merged over runs as the store merges them), so predict.latest shows them until the engine stops.
  const unstored = new Map<string, PredictionResult>();
  // Which ONNX Runtime providers really create a session here (probed once: it builds sessions).
  let onnxProviders: Promise<string[]> | null = null;
  // Packages a prediction job runs now (by content hash): deleting one is refused until it ends.
  const predicting = new Map<string, number>();
  // Deleted packages wait in <data folder>/deleted-packages for Undo as long as the app session
  // (the process that started this engine, app-session.ts) is open: an engine it starts again
  // after a crash keeps them. Those of sessions that ended (closed or crashed) go now, and this
  // session's when the engine is shut down, which the app does as it closes.
  const session = appSession();
  // A delete an engine died in the middle of (a crash) is put back first (purgeDeleted does).
  try {
    purgeDeleted(deps.dataDir, 'stale', session);
  } catch (err) {
    deps.log(`could not remove deleted packages left by an earlier run: ${errorMessage(err)}`);
  }
  deps.onDispose(() => {
    try {
      purgeDeleted(deps.dataDir, 'mine', session);
    } catch {
      // the next engine removes them ('stale')
    }
    store?.close();
    for (const r of runners.values()) void r.then(({ runner }) => runner.dispose(), () => {});
  });

  const predictions = () => {
    openLibrary(deps); // runs the library's migrations first
    // Opened through the library: on a read-only disk it reads with the library's own connection.
    store ??= new PredictionStore(openLibrary(deps));
    return store;
  };
  /** One runner per package, kept open (with its class activation maps) while the engine runs. */
  const runnerFor = async (hash: string): Promise<{ pkg: LoadedPackage; runner: ModelRunner }> => {
    let r = runners.get(hash);
    if (!r) {
      r = findPackage(deps.dataDir, hash).then(async (pkg) => ({ pkg, runner: await createRunner({ package: pkg }) }));
      runners.set(hash, r);
      r.catch(() => runners.delete(hash));
    }
    return r;
  };
  /** Keeps an unstored run's results for one series over what was there (stored, or kept from an earlier run): each image's newest scores. */
  const keepUnstored = (packageHash: string, run: PredictionResult, seriesInstanceUid: string) => {
    const key = `${packageHash}/${seriesInstanceUid}`;
    const before = unstored.get(key) ?? predictions().latestForSeries(packageHash, seriesInstanceUid);
    const mine = run.images.filter((im) => im.seriesInstanceUid === seriesInstanceUid);
    const fresh = new Set(mine.map((im) => `${im.sopInstanceUid}\0${im.frame}`));
    const images = [...(before?.images ?? []).filter((im) => !fresh.has(`${im.sopInstanceUid}\0${im.frame}`)), ...mine];
    const pooled = run.series.find((s) => s.seriesInstanceUid === seriesInstanceUid)?.pooled ?? before?.series[0]?.pooled;
    unstored.set(key, { ...run, images, series: [{ ...summarizeSeries(seriesInstanceUid, images), ...(pooled ? { pooled } : {}) }], stored: false, note: NOT_STORED_NOTE });
  };
  const remember = (key: string, cam: ImageHeatmaps) => {
    cams.delete(key);
    cams.set(key, cam);
    if (cams.size > CAM_CACHE_LIMIT) cams.delete(cams.keys().next().value!);
  };

  return {
    'models.catalog': async () => {
      const { packages, problems, interrupted } = await listPackages(deps.dataDir);
      // The backend predictions will run on (picked once, as the first prediction would).
      if (!activeBackend()) await initBackend().catch(() => null);
      const run = await runnerLabel();
      return {
        variants: variantInfos(deps.dataDir, run),
        packages: packages.map(({ loaded: _loaded, ...info }) => info),
        problems,
        interrupted,
        packagesDir: packagesDir(deps.dataDir),
        packagesReadOnly: packagesReadOnly(deps.dataDir),
        runtime: {
          run,
          tfBackend: activeBackend(),
          onnxProviders: await (onnxProviders ??= probeOnnxRuntime().then(
            (r) => r.providers.filter((p) => p.available).map((p) => p.name),
            () => availableOnnxProviders(),
          )),
        },
      };
    },
    'models.measureLatency': ({ variant }, ctx) =>
      deps.jobs.start('models.latency', ctx, async (job) => {
        let step = 0;
        return measureLatency(deps.dataDir, variant, (message) => job.progress(Math.min(0.95, step++ / 7), message), () => job.checkCancelled());
      }),
    'models.importPackage': async ({ file }, ctx) => {
      const imported = await importPackage(deps.dataDir, file);
      ctx.emit('models.changed', { reason: 'import' });
      return imported;
    },
    'models.packageUse': ({ packageHash }) => {
      const store = predictions();
      return { predictions: store.count(packageHash, 'image'), series: store.count(packageHash, 'series'), inUse: predicting.has(packageHash) ? 'a prediction with it is running' : null };
    },
    'models.deletePackage': async ({ packageHash, allVersions }, ctx) => {
      // Asked before the listing (which reads every package): a prediction that started first is running now.
      if (predicting.has(packageHash)) throw new Error(`The package #${packageHash.slice(0, 12)} was not deleted: a prediction with it is running. Delete it once that has finished.`);
      const { packages } = await listPackages(deps.dataDir);
      const found = packages.filter((p) => p.contentHash === packageHash);
      if (found.length !== 1) throw new Error(found.length === 0 ? `No installed model package has content hash ${packageHash.slice(0, 12)}…; it was removed or changed. Reopen the model panel.` : `${found.length} folders hold the package #${packageHash.slice(0, 12)} (${found.map((p) => p.dir).join(', ')}): they are the same package. Delete a copy with ${[...new Set(found.map((p) => path.basename(p.earlierVersionOf ?? p.dir)))].map((name) => `lumen models delete ${name}@${packageHash.slice(0, 12)}`).join(' or ')}.`);
      const done = await deletePackage(deps.dataDir, found[0].dir, { allVersions, session, inUse: (hashes) => (hashes.some((h) => predicting.has(h)) ? 'a prediction with it is running' : null) });
      // A runner kept open for a deleted package goes with it (its stored predictions stay in the library).
      for (const hash of allVersions ? packages.filter((p) => p.dir === (found[0].earlierVersionOf ?? found[0].dir) || p.earlierVersionOf === (found[0].earlierVersionOf ?? found[0].dir)).map((p) => p.contentHash) : [packageHash]) {
        void runners.get(hash)?.then(({ runner }) => runner.dispose(), () => {});
        runners.delete(hash);
      }
      // The Training tab's "Results of a model" lists packages too: it reads them again.
      ctx.emit('models.changed', { reason: 'delete' });
      return done;
    },
    // This session's deletions that wait for Undo: the panel offers them again after a reload.
    'models.deletedPackages': () => ({ deleted: listDeleted(deps.dataDir, session) }),
    'models.undoDelete': ({ undoId }, ctx) => {
      const { message } = undoDelete(deps.dataDir, undoId);
      ctx.emit('models.changed', { reason: 'undo-delete' });
      return { message };
    },
    'models.recommend': async ({ rows, columns, budgetMs }) => recommend(variantInfos(deps.dataDir, await runnerLabel()), rows, columns, budgetMs),
    'predict.run': ({ packageHash, scope, seriesInstanceUid, sopInstanceUid, frame }, ctx) =>
      deps.jobs.start('predict', ctx, async (job) => {
        job.progress(null, 'Loading the model package');
        predicting.set(packageHash, (predicting.get(packageHash) ?? 0) + 1);
        try {
          const { pkg, runner } = await runnerFor(packageHash);
          const library = openLibrary(deps);
          const series = library.getSeries(seriesInstanceUid);
          if (!series) throw new Error(`The library has no series ${seriesInstanceUid}. Import it first.`);
          let targets: { seriesInstanceUid: string; instance: InstanceRecord; frame: number }[];
          if (scope === 'image') {
            if (!sopInstanceUid) throw new Error('Predicting on one image needs its sopInstanceUid.');
            const instance = seriesInstances(deps, seriesInstanceUid).find((i) => i.sopInstanceUid === sopInstanceUid);
            if (!instance) throw new Error(`Series ${seriesInstanceUid} has no image ${sopInstanceUid}.`);
            const missing = missingFrame(instance.frames, frame ?? 0);
            if (missing) throw new Error(missing);
            targets = [{ seriesInstanceUid, instance, frame: frame ?? 0 }];
          } else {
            const seriesUids = scope === 'series' ? [seriesInstanceUid] : (library.listTree().flatMap((p) => p.studies).find((s) => s.studyInstanceUid === series.studyInstanceUid)?.series ?? []).map((s) => s.seriesInstanceUid);
            targets = seriesUids.flatMap((uid) => seriesImages(seriesInstances(deps, uid)).map((i) => ({ seriesInstanceUid: uid, ...i })));
          }
          targets = targets.filter((t) => !t.instance.missing && t.instance.hasPixelData);
          if (targets.length === 0) throw new Error('There are no images with pixel data to predict on (files missing from disk?).');
          const instances = new Map(targets.map((t) => [`${t.instance.sopInstanceUid}/${t.frame}`, t.instance]));
          const runReferences = new Map<string, Map<string, number[]>>();
          /** Each series' heatmap scale: the largest values of the run's maps of it. */
          const keepScales = () => {
            for (const [key, images] of runReferences) references.set(key, { images, held: null });
          };
          // Cancelled part-way through a study, the series scored whole are stored, as lumen predict
          // keeps them on Ctrl+C. Not with a series head: it needs every slice of a series.
          const keepScoredOnCancel = scope === 'study' && !pkg.metadata.seriesHead;
          const result = await predict({
            library,
            runner,
            pkg,
            images: targets.map((t) => ({ sopInstanceUid: t.instance.sopInstanceUid, frame: t.frame, path: t.instance.path, seriesInstanceUid: t.seriesInstanceUid })),
            scope,
            studyInstanceUid: series.studyInstanceUid,
            activations: true,
            signal: job.signal,
            keepScoredOnCancel,
            onProgress: (p) => job.progress(p.done / p.total, `Image ${p.done} of ${p.total}`),
            onActivations: (image, a) => {
              const instance = instances.get(`${image.sopInstanceUid}/${image.frame}`)!;
              const cam = heatmapsOverImage(a, instance, runner.inputSize);
              remember(camKey(packageHash, image.seriesInstanceUid, instance, image.frame), cam);
              const refKey = `${packageHash}/${image.seriesInstanceUid}`;
              const ref = runReferences.get(refKey) ?? new Map<string, number[]>();
              ref.set(camKey(packageHash, image.seriesInstanceUid, instance, image.frame), cam.map((c) => c.max));
              runReferences.set(refKey, ref);
            },
          }).catch((err: unknown) => {
            if (!(err instanceof PredictionCancelled)) throw err;
            // The series scored whole are stored; only their images' heatmaps were made, their scales.
            keepScales();
            if (err.kept.stored !== false) for (const s of err.kept.series) unstored.delete(`${packageHash}/${s.seriesInstanceUid}`);
            throw new JobCancelledError(cancelledWords(err.kept.series.length, err.series, err.kept.images.length, err.kept.stored === false));
          });
          // One image alone sets no scale for its series; a series or study run does.
          if (scope !== 'image') keepScales();
          // A package trained from series labels also scores each series with its attention head,
          // which weighs the slices (stored with the scores: the panel's "which slices mattered").
          const pooled = scope !== 'image' && pkg.metadata.seriesHead ? await predictSeriesWithHead({ library, signal: job.signal }, pkg, result.images.map((im) => ({ ...im, path: instances.get(`${im.sopInstanceUid}/${im.frame}`)!.path }))) : null;
          job.progress(1, `${result.images.length} image(s) done`);
          const done = pooled ?? result;
          if (done.stored !== false) {
            for (const s of done.series) unstored.delete(`${packageHash}/${s.seriesInstanceUid}`);
            return done;
          }
          for (const s of done.series) keepUnstored(packageHash, done, s.seriesInstanceUid);
          return { ...done, note: NOT_STORED_NOTE };
        } finally {
          const n = (predicting.get(packageHash) ?? 1) - 1;
          if (n > 0) predicting.set(packageHash, n);
          else predicting.delete(packageHash);
        }
      }),
    'predict.latest': async ({ packageHash, seriesInstanceUid }) => {
      // A deleted package's stored scores stay readable: named as the library recorded the package.
      const installed = await findPackage(deps.dataDir, packageHash).catch(() => null);
      const latest = unstored.get(`${packageHash}/${seriesInstanceUid}`) ?? predictions().latestForSeries(packageHash, seriesInstanceUid);
      if (!latest) return null;
      const images = inViewingOrder(deps, seriesInstanceUid, latest.images);
      // Scores of images (or frames) the series no longer has are left out, and the series' summary made of the rest (a head's pooled scores then are of other images).
      const series = images.length === latest.images.length ? latest.series : images.length > 0 ? [summarizeSeries(seriesInstanceUid, images)] : null;
      return series && { ...latest, images, series, ...(installed ? { modelName: installed.metadata.name } : {}) };
    },
    'predict.cam': async ({ packageHash, seriesInstanceUid, sopInstanceUid, frame, classIndex }) => {
      // The image as the library holds it now (read again after an import): its file is in the key.
      const instance = seriesInstances(deps, seriesInstanceUid).find((i) => i.sopInstanceUid === sopInstanceUid);
      if (!instance) throw new Error(`Series ${seriesInstanceUid} has no image ${sopInstanceUid}.`);
      const missing = missingFrame(instance.frames, frame);
      if (missing) throw new Error(missing);
      const key = camKey(packageHash, seriesInstanceUid, instance, frame);
      let cam = cams.get(key);
      if (!cam) {
        const { pkg, runner } = await runnerFor(packageHash);
        const input = await loadModelInput({ path: instance.path, frame }, pkg.metadata.preprocessing, runner.inputSize);
        const [a] = await runner.activations(input, 1);
        cam = heatmapsOverImage(a, instance, runner.inputSize);
        remember(key, cam);
      }
      const map = cam[classIndex];
      if (!map) throw new Error(`The model has ${cam.length} classes; there is no class ${classIndex}.`);
      const reference = heldScale(references.get(`${packageHash}/${seriesInstanceUid}`), packageHash, seriesInstanceUid, seriesInstances(deps, seriesInstanceUid))?.[classIndex];
      return { ...map, reference: reference !== undefined && Number.isFinite(reference) ? Math.max(reference, map.max) : map.max };
    },
  };
}

/**
 * A series' heatmap scale: each class's largest CAM value over the images of the last series or
 * study run, by camKey. `held` is the scale of those the series holds, worked out for its instance
 * list as the engine read it (seriesInstances reads it again after an import that changed it).
 */
interface HeatmapScale {
  images: Map<string, number[]>;
  held: { of: InstanceRecord[]; scale: number[] | null } | null;
}

/**
 * The scale over the run's images the series still holds, as they were run (their file unchanged):
 * after an import dropped or changed one, a heatmap is not scaled by that image's values. Null when
 * none is held (each map is then drawn on its own scale).
 */
function heldScale(scale: HeatmapScale | undefined, packageHash: string, seriesInstanceUid: string, instances: InstanceRecord[]): number[] | null {
  if (!scale) return null;
  if (scale.held?.of !== instances) {
    let max: number[] | null = null;
    for (const { instance, frame } of seriesImages(instances)) {
      const values = scale.images.get(camKey(packageHash, seriesInstanceUid, instance, frame));
      if (values) max = max ? max.map((m, k) => Math.max(m, values[k] ?? -Infinity)) : [...values];
    }
    scale.held = { of: instances, scale: max };
  }
  return scale.held.scale;
}

/**
 * Stored scores in the viewer's order of the series (the store keeps them by SOP Instance UID,
 * which other software hands out in any order): the per-image strip then runs with the slices
 * after a restart or an undo, as it does right after Run. Images (and frames) the series no longer
 * has are left out; all are kept when the series cannot be read (the store has already checked them).
 */
function inViewingOrder<T extends { sopInstanceUid: string; frame: number }>(deps: EngineDeps, seriesInstanceUid: string, images: T[]): T[] {
  let order: Map<string, number>;
  try {
    order = new Map(seriesImages(seriesInstances(deps, seriesInstanceUid)).map(({ instance, frame }, i) => [`${instance.sopInstanceUid}\0${frame}`, i]));
  } catch {
    return images;
  }
  const at = (img: T) => order.get(`${img.sopInstanceUid}\0${img.frame}`) ?? -1;
  return images.filter((img) => at(img) >= 0).sort((a, b) => at(a) - at(b));
}
