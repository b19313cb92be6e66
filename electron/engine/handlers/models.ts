import type { Handlers } from '../../../common/rpc';
import type { PredictionResult } from '../../../common/contract/models';
import { availableOnnxProviders } from '../../../models/inference/onnx';
import { activeBackend, initBackend, probeOnnxRuntime } from '../../../models/runtime';
import type { EngineDeps } from './context';
import { measureLatency, recommend, variantInfos } from '../predict/catalog';
import { findPackage, importPackage, listPackages, packagesDir } from '../predict/packages';
import { PackageRunner, type ImageOutput } from '../predict/runner';
import { PredictionStore, summarize } from '../predict/store';
import { libraryDir, openLibrary, seriesImages, seriesInstances } from '../viewer/library-access';

/** CAMs of recent predictions (by package, series, image and frame), so the overlay follows the slice without running the model again. */
const CAM_CACHE_LIMIT = 2000;

/** Handlers for the models requests of the contract (common/contract/models.ts). */
export function modelsHandlers(deps: EngineDeps): Partial<Handlers> {
  const runners = new Map<string, Promise<PackageRunner>>();
  const cams = new Map<string, ImageOutput['cam']>();
  // Per package and series: the largest CAM value of each class over the last run's images.
  const references = new Map<string, number[]>();
  let store: PredictionStore | null = null;
  // Which ONNX Runtime providers really create a session here (probed once: it builds sessions).
  let onnxProviders: Promise<string[]> | null = null;
  deps.onDispose(() => {
    store?.close();
    for (const r of runners.values()) void r.then((runner) => runner.dispose(), () => {});
  });

  const predictions = () => {
    openLibrary(deps); // runs the library's migrations first
    store ??= new PredictionStore(libraryDir(deps));
    return store;
  };
  const runnerFor = async (hash: string): Promise<PackageRunner> => {
    let r = runners.get(hash);
    if (!r) {
      r = findPackage(deps.dataDir, hash).then((pkg) => PackageRunner.open(pkg));
      runners.set(hash, r);
      r.catch(() => runners.delete(hash));
    }
    return r;
  };
  const remember = (key: string, cam: ImageOutput['cam']) => {
    cams.delete(key);
    cams.set(key, cam);
    if (cams.size > CAM_CACHE_LIMIT) cams.delete(cams.keys().next().value!);
  };

  return {
    'models.catalog': async () => {
      const { packages, problems } = await listPackages(deps.dataDir);
      // The backend predictions will run on (picked once, as the first prediction would).
      if (!activeBackend()) await initBackend().catch(() => null);
      return {
        variants: variantInfos(deps.dataDir),
        packages: packages.map(({ loaded: _loaded, ...info }) => info),
        problems,
        packagesDir: packagesDir(deps.dataDir),
        runtime: {
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
    'models.importPackage': async ({ file }) => {
      return importPackage(deps.dataDir, file);
    },
    'models.recommend': ({ rows, columns, budgetMs }) => recommend(variantInfos(deps.dataDir), rows, columns, budgetMs),
    'predict.run': ({ packageHash, scope, seriesInstanceUid, sopInstanceUid, frame }, ctx) =>
      deps.jobs.start('predict', ctx, async (job) => {
        job.progress(null, 'Loading the model package');
        const runner = await runnerFor(packageHash);
        const library = openLibrary(deps);
        const series = library.getSeries(seriesInstanceUid);
        if (!series) throw new Error(`The library has no series ${seriesInstanceUid}. Import it first.`);
        let targets: { seriesInstanceUid: string; instance: ReturnType<typeof seriesInstances>[number]; frame: number }[];
        if (scope === 'image') {
          if (!sopInstanceUid) throw new Error('Predicting on one image needs its sopInstanceUid.');
          const instance = seriesInstances(deps, seriesInstanceUid).find((i) => i.sopInstanceUid === sopInstanceUid);
          if (!instance) throw new Error(`Series ${seriesInstanceUid} has no image ${sopInstanceUid}.`);
          targets = [{ seriesInstanceUid, instance, frame: frame ?? 0 }];
        } else {
          const seriesUids = scope === 'series' ? [seriesInstanceUid] : (library.listTree().flatMap((p) => p.studies).find((s) => s.studyInstanceUid === series.studyInstanceUid)?.series ?? []).map((s) => s.seriesInstanceUid);
          targets = seriesUids.flatMap((uid) => seriesImages(seriesInstances(deps, uid)).map((i) => ({ seriesInstanceUid: uid, ...i })));
        }
        targets = targets.filter((t) => !t.instance.missing && t.instance.hasPixelData);
        if (targets.length === 0) throw new Error('There are no images with pixel data to predict on (files missing from disk?).');
        const { metadata } = runner.pkg;
        const images: PredictionResult['images'] = [];
        const runReferences = new Map<string, number[]>();
        for (let i = 0; i < targets.length; i++) {
          job.checkCancelled();
          const t = targets[i];
          job.progress(i / targets.length, `Image ${i + 1} of ${targets.length}`);
          const out = await runner.run(t.instance, t.frame);
          remember(`${packageHash}/${t.seriesInstanceUid}/${t.instance.sopInstanceUid}/${t.frame}`, out.cam);
          const refKey = `${packageHash}/${t.seriesInstanceUid}`;
          const ref = runReferences.get(refKey) ?? out.cam.map(() => -Infinity);
          runReferences.set(refKey, ref.map((r, k) => Math.max(r, out.cam[k].max)));
          images.push({ seriesInstanceUid: t.seriesInstanceUid, sopInstanceUid: t.instance.sopInstanceUid, frame: t.frame, scores: out.scores });
        }
        // One image alone sets no scale for its series; a series or study run does.
        if (scope !== 'image') for (const [key, ref] of runReferences) references.set(key, ref);
        const bySeries = new Map<string, typeof images>();
        for (const img of images) bySeries.set(img.seriesInstanceUid, [...(bySeries.get(img.seriesInstanceUid) ?? []), img]);
        const result: PredictionResult = {
          modelHash: packageHash,
          modelName: metadata.name,
          classNames: metadata.classNames,
          images,
          series: [...bySeries].map(([uid, list]) => summarize(uid, list)),
          createdAt: new Date().toISOString(),
        };
        predictions().save(result, runner.pkg, scope, series.studyInstanceUid);
        library.audit('predict', { packageHash, variant: metadata.variant, runtime: `tfjs ${activeBackend()}`, touched: { series: [...bySeries.keys()], images: images.length }, scope });
        job.progress(1, `${images.length} image(s) done`);
        return result;
      }),
    'predict.latest': async ({ packageHash, seriesInstanceUid }) => {
      const pkg = await findPackage(deps.dataDir, packageHash);
      const sops = seriesInstances(deps, seriesInstanceUid).map((i) => i.sopInstanceUid);
      return predictions().latestForSeries(packageHash, pkg.metadata.name, sops, seriesInstanceUid);
    },
    'predict.cam': async ({ packageHash, seriesInstanceUid, sopInstanceUid, frame, classIndex }) => {
      const key = `${packageHash}/${seriesInstanceUid}/${sopInstanceUid}/${frame}`;
      let cam = cams.get(key);
      if (!cam) {
        const instance = seriesInstances(deps, seriesInstanceUid).find((i) => i.sopInstanceUid === sopInstanceUid);
        if (!instance) throw new Error(`Series ${seriesInstanceUid} has no image ${sopInstanceUid}.`);
        cam = (await (await runnerFor(packageHash)).run(instance, frame)).cam;
        remember(key, cam);
      }
      const map = cam[classIndex];
      if (!map) throw new Error(`The model has ${cam.length} classes; there is no class ${classIndex}.`);
      const reference = references.get(`${packageHash}/${seriesInstanceUid}`)?.[classIndex];
      return { ...map, reference: reference !== undefined && Number.isFinite(reference) ? Math.max(reference, map.max) : map.max };
    },
  };
}
