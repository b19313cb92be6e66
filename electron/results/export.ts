// Writes a series' or study's results as DICOM into a folder: the model's predictions as
// one TID 1500 SR, the measurements and labels as another, in one new SR series of the
// same study. Used by `lumen export --results` and the app's Export results.
import fs from 'node:fs';
import path from 'node:path';
import { ensurePrivateDir, writeFileAtomic } from '../../common/node/safe-fs';
import type { Library } from '../library/library';
import { loadPackage } from '../../models/package';
import { createRunner } from '../../models/inference/runner';
import { loadModelInput } from '../dicom/model-input';
import { parseDicomFile } from '../dicom/parse';
import { renderFrame } from '../dicom/pixels';
import { buildParametricMap, buildSecondaryCapture, camOnImage, sourceLaterality } from './parametric-map';
import { newUid, readDataset, writeDataset, type NaturalDataset } from './part10';
import { measuredOnFrames } from './region-stats';
import { buildReport, type ImageRef, type ModelIdentity } from './sr';
import { imageAnatomy, type ImageAnatomy } from './anatomy';
import { ResultsStore, type ImageFile, type Scope } from './store';
import { datasetDigest, recordWritten } from './written';
import { errorMessage } from '../../common/errors';
import { camOneCell, oneCellExportNote } from '../../common/heatmap-cells';

export interface WrittenObject {
  file: string;
  kind: 'predictions-sr' | 'measurements-sr' | 'parametric-map' | 'secondary-capture';
  sopInstanceUid: string;
  seriesInstanceUid: string;
  /** SHA-256 of the data set as written (written.ts datasetDigest), recorded in the library for SRs and maps. */
  sha256: string;
}

export interface ResultsExport {
  scope: Scope;
  files: WrittenObject[];
  predictions: number;
  measurements: number;
  labels: number;
  /** Measurements of kinds the SR does not carry yet. */
  skippedMeasurements: number;
  /** What the user must know about the export, in sentences (a library on a read-only disk: no audit entry). */
  notes: string[];
}

export class ResultsExportError extends Error {}

/** The identity of a model the library has run (its `models` record), or null when it has none under that hash. */
export function libraryModel(store: ResultsStore, packageHash: string): ModelIdentity | null {
  const known = store.models().find((m) => m.packageHash === packageHash);
  if (!known) return null;
  const provenance = known.metadata.provenance as { softwareVersion?: unknown } | undefined;
  return { name: known.name ?? 'Lumen model', packageHash: known.packageHash, variant: known.variant, version: typeof provenance?.softwareVersion === 'string' ? provenance.softwareVersion : null };
}

/** The models whose predictions the library holds for a scope: name, hash and images (frames) scored, by name. */
export function storedModels(store: ResultsStore, scope: Scope): { packageHash: string; name: string; images: number }[] {
  const byHash = new Map<string, { packageHash: string; name: string; images: number }>();
  for (const p of store.predictions(scope)) {
    const m = byHash.get(p.packageHash) ?? { packageHash: p.packageHash, name: p.modelName ?? 'unnamed model', images: 0 };
    m.images++;
    byHash.set(p.packageHash, m);
  }
  return [...byHash.values()].sort((a, b) => a.name.localeCompare(b.name) || a.packageHash.localeCompare(b.packageHash));
}

/** The images of a scope by SOP Instance UID, as SR references them. */
function imageRefs(images: ImageFile[]): Map<string, Omit<ImageRef, 'frame'>> {
  return new Map(
    images
      .filter((i) => i.sopClassUid)
      .map((i) => [i.sopInstanceUid, { studyInstanceUid: i.studyInstanceUid, seriesInstanceUid: i.seriesInstanceUid, sopInstanceUid: i.sopInstanceUid, sopClassUid: i.sopClassUid!, frames: i.frames }]),
  );
}

/** The header of the first image of the scope whose file still reads: the patient and study of every object written. */
function sourceHeader(images: ImageFile[]): NaturalDataset {
  for (const image of images) {
    if (image.missing) continue;
    try {
      return readDataset(image.path, { headerOnly: true }).dataset;
    } catch {
      // try the next image
    }
  }
  throw new ResultsExportError('none of its images can be read any more (moved or deleted?): import the study again, then export.');
}

/**
 * Where each image is (its Finding Site and side in the SR), read from its header the first
 * time a group asks. A file that is gone or no longer reads says nothing: its groups get no
 * site, and the export goes on.
 */
function anatomyReader(images: ImageFile[]): (sop: string) => ImageAnatomy | null {
  const byUid = new Map(images.map((i) => [i.sopInstanceUid, i]));
  const known = new Map<string, ImageAnatomy | null>();
  return (sop) => {
    if (!known.has(sop)) {
      const image = byUid.get(sop);
      let anatomy: ImageAnatomy | null = null;
      if (image && !image.missing) {
        try {
          anatomy = imageAnatomy(readDataset(image.path, { headerOnly: true }).dataset);
        } catch {
          // unreadable now: no site rather than a failed export
        }
      }
      known.set(sop, anatomy);
    }
    return known.get(sop)!;
  };
}

/** Where the files go: an existing folder, or a new one made private (results carry patient data). */
function prepareOut(out: string): string {
  const dir = path.resolve(out);
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new ResultsExportError(`${dir} is a file, not a folder: choose a folder for the exported DICOM files.`);
  ensurePrivateDir(dir, { tighten: false });
  return dir;
}

function writeObject(dir: string, kind: WrittenObject['kind'], dataset: NaturalDataset): WrittenObject {
  const sop = String(dataset.SOPInstanceUID);
  const file = path.join(dir, `${kind}-${sop}.dcm`);
  const bytes = writeDataset(dataset);
  writeFileAtomic(file, bytes);
  // writeDataset always writes whole meta information: a digest is always there.
  return { file, kind, sopInstanceUid: sop, seriesInstanceUid: String(dataset.SeriesInstanceUID), sha256: datasetDigest(bytes)! };
}

export interface ResultsExportOptions {
  uid: string;
  model: ModelIdentity | null;
  out: string;
  /**
   * Per predicted image, the top class's activation map computed with the package (needs
   * `packageDir`): as a Parametric Map, or, only when asked, as a Secondary Capture picture.
   */
  heatmaps?: 'parametric-map' | 'secondary-capture' | null;
  /** The model's package folder, for heatmaps. */
  packageDir?: string;
  onProgress?: (done: number, total: number) => void;
}

export async function exportResults(library: Library, opts: ResultsExportOptions): Promise<ResultsExport> {
  const store = new ResultsStore(library);
  try {
    const scope = store.resolve(opts.uid);
    if (!scope) throw new ResultsExportError(`The library has no series or study ${opts.uid}. Import it first, or check the UID with "lumen ls".`);
    const what = scope.seriesInstanceUid ? `series ${opts.uid}` : `study ${opts.uid}`;
    const images = store.images(scope);
    if (!images.length) throw new ResultsExportError(`The ${what} has no images in the library.`);
    const refs = imageRefs(images);
    const predictions = opts.model ? store.predictions(scope, opts.model.packageHash) : [];
    if (opts.model && !predictions.length) {
      throw new ResultsExportError(`The library has no predictions of the model "${opts.model.name}" (${opts.model.packageHash.slice(0, 12)}…) for the ${what}. Run the model on it first.`);
    }
    const measurements = store.measurements(scope);
    const labels = store.labels(scope);
    if (!predictions.length && !measurements.length && !labels.length) {
      throw new ResultsExportError(`The ${what} has no predictions, measurements or labels to export. Name a model with --model, or measure or label it first.`);
    }
    let source: NaturalDataset;
    try {
      source = sourceHeader(images);
    } catch (err) {
      throw new ResultsExportError(`Cannot export the ${what}: ${errorMessage(err)}`);
    }
    const dir = prepareOut(opts.out);
    const seriesInstanceUid = newUid();
    const files: WrittenObject[] = [];
    const result: ResultsExport = { scope, files, predictions: 0, measurements: 0, labels: 0, skippedMeasurements: 0, notes: [] };
    const common = { source, seriesInstanceUid, seriesNumber: 9901, images: refs, anatomy: anatomyReader(images) };
    if (predictions.length && opts.model) {
      const report = buildReport({ ...common, seriesDescription: `Lumen results: ${opts.model.name}`, instanceNumber: files.length + 1, predictions: { model: opts.model, items: predictions } });
      files.push(writeObject(dir, 'predictions-sr', report.dataset));
      result.predictions = report.groups.predictions;
    }
    if (opts.heatmaps) {
      if (!opts.model || !opts.packageDir) throw new ResultsExportError('Heatmaps need the model: name its package with --model.');
      const left = await writeHeatmaps(dir, opts.heatmaps, opts.packageDir, opts.model, predictions, images, files, opts.onProgress);
      // As the viewer, which draws none: a one-cell map would tint the whole image.
      if (left.oneCell) result.notes.push(oneCellExportNote(left.oneCell));
    }
    if (measurements.length || labels.length) {
      // Each measurement as measured on its own frame (an Enhanced image's frames have their own rescale and spacing), with its region's statistics.
      const measured = await measuredOnFrames(measurements, images);
      const report = buildReport({ ...common, seriesDescription: 'Lumen results', instanceNumber: files.length + 1, measurements: measured.measurements, regionStatistics: measured.statistics, probeValues: measured.probes, labels });
      result.skippedMeasurements = report.skipped;
      if (report.groups.measurements + report.groups.labels > 0) {
        files.push(writeObject(dir, 'measurements-sr', report.dataset));
        result.measurements = report.groups.measurements;
        result.labels = report.groups.labels;
      }
    }
    // The result documents as written, so that de-identified copies know them as Lumen's (written.ts).
    const unrecorded = recordWritten(library, files.filter((f) => f.kind !== 'secondary-capture'));
    if (unrecorded) result.notes.push(unrecorded);
    const unaudited = library.auditUnlessReadOnly('export', { packageHash: opts.model?.packageHash ?? null, variant: opts.model?.variant ?? null, touched: { ...(scope.seriesInstanceUid ? { series: [scope.seriesInstanceUid] } : { studies: [scope.studyInstanceUid!] }), files: files.map((f) => f.file) }, format: opts.heatmaps ? `dicom-sr+${opts.heatmaps}` : 'dicom-sr' });
    if (unaudited) result.notes.push(unaudited);
    return result;
  } finally {
    store.close();
  }
}

/**
 * One Parametric Map per predicted image (and frame): the activation map of the image's top
 * class, computed by the package's runner from the same model input prediction uses, laid
 * onto the image's grid. The maps go into one new series per side of the body their images
 * show (Laterality is a series attribute): left, right, and none named. A model whose map is
 * one cell (common/heatmap-cells.ts) cannot show where: no map is written for any image, and
 * `oneCell` counts the images left out (the grid is the package's, the same for every image).
 */
async function writeHeatmaps(
  dir: string,
  as: 'parametric-map' | 'secondary-capture',
  packageDir: string,
  model: ModelIdentity,
  predictions: ReturnType<ResultsStore['predictions']>,
  images: ImageFile[],
  files: WrittenObject[],
  onProgress?: (done: number, total: number) => void,
): Promise<{ oneCell: number }> {
  const pkg = await loadPackage(packageDir);
  if (pkg.metadata.contentHash !== model.packageHash) {
    throw new ResultsExportError(`The package ${packageDir} is not the model whose predictions are stored (its content hash differs): name the package that made them.`);
  }
  // TF.js: the maps straight from the package's own weights (model.json), the reference the
  // ONNX path is tested against. (On this tree the ONNX Runtime runner answered "gave no
  // feature maps" for cam(); see the session notes.) Export is not latency-bound.
  const runner = await createRunner({ package: pkg }, { runtime: 'tfjs' });
  const byUid = new Map(images.map((i) => [i.sopInstanceUid, i]));
  const seriesBySide = new Map<string, string>();
  try {
    let n = 0;
    for (const p of predictions) {
      const image = byUid.get(p.sopInstanceUid);
      if (!image || image.missing) continue;
      const source = readDataset(image.path, { headerOnly: true }).dataset;
      const rows = Number(source.Rows);
      const columns = Number(source.Columns);
      const input = await loadModelInput({ path: image.path, frame: p.frame }, pkg.metadata.preprocessing, pkg.metadata.inputSize);
      const top = p.scores.indexOf(Math.max(...p.scores));
      const cam = await runner.cam(input, top);
      if (camOneCell(cam.height, cam.width)) return { oneCell: predictions.filter((q) => byUid.has(q.sopInstanceUid) && !byUid.get(q.sopInstanceUid)!.missing).length };
      const values = camOnImage(cam.map, cam.height, cam.width, rows, columns);
      const side = sourceLaterality(source);
      const seriesInstanceUid = seriesBySide.get(side) ?? newUid();
      seriesBySide.set(side, seriesInstanceUid);
      const common = {
        source,
        frame: p.frame,
        frames: image.frames,
        values,
        rows,
        columns,
        className: p.classNames[top],
        modelName: model.name,
        packageHash: model.packageHash,
        seriesInstanceUid,
        seriesNumber: 9902,
        instanceNumber: ++n,
      };
      if (as === 'parametric-map') files.push(writeObject(dir, 'parametric-map', buildParametricMap(common)));
      else {
        const picture = await renderFrame(await parseDicomFile(image.path), p.frame);
        files.push(writeObject(dir, 'secondary-capture', buildSecondaryCapture({ ...common, image: picture })));
      }
      onProgress?.(n, predictions.length);
    }
    return { oneCell: 0 };
  } finally {
    await runner.dispose();
  }
}
