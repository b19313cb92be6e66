// A library for the export tests: the library tests' mixed folder (two patients, CT made by
// dcmtk's dump2dcm), with stored predictions of one model, labels and measurements, all
// written through the library's own code.
import fs from 'node:fs';
import path from 'node:path';
import { Library } from '../../electron/library/library';
import { exportResults } from '../../electron/results/export';
import { buildParametricMap } from '../../electron/results/parametric-map';
import { readDataset, writeDataset } from '../../electron/results/part10';
import { savePredictions } from '../../electron/library/predictions';
import { TrainingStore } from '../../electron/training/store';
import { buildMixedFolder, copyMixedFolder, PATIENT_A, PATIENT_B, tmpDir } from '../library/fixtures';
import { runLumen } from '../support/cli';

export { PATIENT_A, PATIENT_B, tmpDir };

export const MODEL_HASH = 'a'.repeat(63) + '1';
export const MODEL_META = { name: 'Chest triage', variant: 'b0', classNames: ['normal', 'nodule'], contentHash: MODEL_HASH, provenance: { softwareVersion: '0.1.0', createdAt: '2026-01-01T00:00:00Z' } };
/** A label a spreadsheet would run as a formula, and one that needs quoting. */
export const HOSTILE_LABEL = '=HYPERLINK("http://x","y")';
export const QUOTED_LABEL = 'nodule, "large"';

export interface ResultsLibrary {
  dir: string;
  images: string[];
  library: Library;
}

/** Imports the mixed folder into a fresh library and stores results for patient A's 5-slice series. */
export async function resultsLibrary(prefix: string, libraryDir?: string): Promise<ResultsLibrary> {
  const input = copyMixedFolder(buildMixedFolder(path.join(tmpDir(`${prefix}-template`), 'mixed')), prefix);
  const dir = libraryDir ?? path.join(tmpDir(prefix), 'library');
  const library = Library.open(dir);
  await library.importPaths([input]);
  const images = library.listInstances(PATIENT_A.seriesUid).map((i) => i.sopInstanceUid);
  const scores = images.map((sop, i) => ({ seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: sop, frame: 0, scores: [1 - i / 10, i / 10] }));
  savePredictions(dir, { modelHash: MODEL_HASH, modelName: MODEL_META.name, classNames: MODEL_META.classNames, images: scores, series: [], createdAt: new Date().toISOString() }, { dir: path.join(dir, 'pkg'), metadata: MODEL_META });
  const store = new TrainingStore(library);
  try {
    store.setLabels([
      { targetKind: 'image', targetUid: images[0], label: HOSTILE_LABEL },
      { targetKind: 'series', targetUid: PATIENT_A.seriesUid, label: QUOTED_LABEL },
      { targetKind: 'study', targetUid: PATIENT_B.studyUid, label: 'normal' },
    ]);
  } finally {
    store.close();
  }
  library.saveMeasurement({ id: 'm-0000-0001', seriesInstanceUid: PATIENT_A.seriesUid, sopInstanceUid: images[1], frame: 0, kind: 'length', points: [[2, 3], [5, 7]], createdAt: '2026-01-01T00:00:01Z' });
  return { dir, images, library };
}

/**
 * Lumen's own result documents of patient A's series, written into `out` by the results writer:
 * the predictions and measurements SR, and a Parametric Map of the third slice (`values` from its
 * index and the slice's size; its series UID `mapSeriesUid`) as map.dcm.
 */
export async function writeResultDocuments(lib: ResultsLibrary, out: string, mapSeriesUid: string, values: (i: number, rows: number, columns: number) => number): Promise<void> {
  const model = { name: MODEL_META.name, packageHash: MODEL_HASH, variant: MODEL_META.variant, version: '0.1.0' };
  await exportResults(lib.library, { uid: PATIENT_A.seriesUid, model, out });
  const { dataset: source } = readDataset(lib.library.listInstances(PATIENT_A.seriesUid)[2].path, { headerOnly: true });
  const [rows, columns] = [Number(source.Rows), Number(source.Columns)];
  const map = buildParametricMap({ source, frame: 0, frames: 1, values: new Float32Array(rows * columns).map((_, i) => values(i, rows, columns)), rows, columns, className: 'nodule', modelName: MODEL_META.name, packageHash: MODEL_HASH, seriesInstanceUid: mapSeriesUid, seriesNumber: 901, instanceNumber: 1 });
  fs.writeFileSync(path.join(out, 'map.dcm'), writeDataset(map));
}

export const lumen = (args: string[], env: NodeJS.ProcessEnv = {}) => runLumen(args, tmpDir('results-data'), env);
