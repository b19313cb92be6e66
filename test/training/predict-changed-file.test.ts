// A run that stores scores scores nothing where a file changed on disk since its import (s17,
// after tester T's T-1), and training and evaluation use no labelled file so changed: before, `lumen predict` decoded whatever the path held now and stored
// those scores under the held image, and the file's size and time as the library recorded them,
// so they counted as that image's latest. The file is overwritten with another patient's header
// (dcmtk's dcmodify); the run is refused naming the file and what to do, nothing is stored, and
// after an import that reads the change a run scores again.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { PredictionStore } from '../../electron/library/predictions';
import { changedSinceImport } from '../../electron/training/changed-files';
import { evaluatePackage } from '../../electron/training/evaluate';
import { importLabelsCsv } from '../../electron/training/labels';
import { predictSeries } from '../../electron/training/predict';
import { labelledSplit } from '../../electron/training/train';
import { tmpDir, writeSlice } from '../library/fixtures';
import { saveRandomHeadPackage } from '../support/tiny-package';

const P = { patientName: 'ETA^ELI', patientId: 'S17P1', studyUid: '1.2.826.0.1.3680043.10.543.932.1', seriesUid: '1.2.826.0.1.3680043.10.543.932.1.1' };
const sop = (n: number) => `${P.seriesUid}.${n}`;

describe('a run over a file changed since import', () => {
  let root: string;
  let lib: Library;
  let pkgDir: string;
  const file = (n: number) => path.join(root, 'in', `a${n}.dcm`);
  /** The runs stored for the series. */
  const storedRuns = () => {
    const store = new PredictionStore(lib.dir);
    try {
      return store.forSeries(P.seriesUid).length;
    } finally {
      store.close();
    }
  };

  beforeAll(async () => {
    root = tmpDir('predict-changed-file');
    fs.mkdirSync(path.join(root, 'in'));
    for (const n of [1, 2, 3]) writeSlice(file(n), { ...P, sopUid: sop(n), instanceNumber: n, z: n });
    lib = Library.open(path.join(root, 'library'));
    expect((await lib.importPaths([path.join(root, 'in')])).errors).toEqual([]);
    pkgDir = path.join(root, 'models', 'tiny');
    await saveRandomHeadPackage(pkgDir, { inputSize: 64, seed: 4, sd: 5, headSeed: 6 }, { name: 'tiny', classNames: ['none', 'lesion'], preprocessing: { window: 'ct-abdomen', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } });
  }, 120_000);
  afterAll(() => {
    lib?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('scores the files as imported', async () => {
    expect(changedSinceImport(lib, lib.listInstances(P.seriesUid).map((i) => ({ ...i, seriesInstanceUid: P.seriesUid })))).toEqual([]);
    const r = await predictSeries({ library: lib, packageDir: pkgDir, seriesUid: P.seriesUid });
    expect(r.images).toHaveLength(3);
    expect(storedRuns()).toBe(1);
  }, 120_000);

  it('scores nothing once a file holds another patient, naming it', async () => {
    execFileSync('dcmodify', ['-nb', '-m', '(0010,0020)=S17P2', '-m', '(0010,0010)=THETA^TOM', file(2)], { stdio: 'pipe' });
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(file(2), later, later);
    await expect(predictSeries({ library: lib, packageDir: pkgDir, seriesUid: P.seriesUid })).rejects.toThrow(
      `${file(2)} changed since it was imported (its size or time), so nothing was scored: it may hold another image now. Import its folder again, then run.`,
    );
    expect(storedRuns()).toBe(1);
    // Two changed: counted, the first named.
    execFileSync('dcmodify', ['-nb', '-m', '(0008,103E)=re-exported', file(3)], { stdio: 'pipe' });
    fs.utimesSync(file(3), later, later);
    await expect(predictSeries({ library: lib, packageDir: pkgDir, seriesUid: P.seriesUid })).rejects.toThrow(/^2 files changed since they were imported \(their size or time\), so nothing was scored: .*a[23]\.dcm and 1 more\. Import their folders again, then run\.$/);
  }, 120_000);

  it('scores again once an import has read the changes', async () => {
    const report = await lib.importPaths([path.join(root, 'in')]);
    // a2.dcm now names another patient for this study: refused, its held row kept (f8df414); a3.dcm read again.
    expect(report.errors.map((e) => path.basename(e.file))).toEqual(['a2.dcm']);
    expect(changedSinceImport(lib, lib.listInstances(P.seriesUid).map((i) => ({ ...i, seriesInstanceUid: P.seriesUid })))).toEqual([file(2)]);
    // Put back as imported: the run scores all three.
    execFileSync('dcmodify', ['-nb', '-m', '(0010,0020)=S17P1', '-m', '(0010,0010)=ETA^ELI', file(2)], { stdio: 'pipe' });
    expect((await lib.importPaths([path.join(root, 'in')])).errors).toEqual([]);
    const r = await predictSeries({ library: lib, packageDir: pkgDir, seriesUid: P.seriesUid });
    expect(r.images).toHaveLength(3);
  }, 120_000);
});

describe('training and evaluation over a labelled file changed since import', () => {
  let root: string;
  let lib: Library;
  let pkgDir: string;
  const file = (n: number) => path.join(root, 'in', `a${n}.dcm`);

  beforeAll(async () => {
    root = tmpDir('train-changed-file');
    fs.mkdirSync(path.join(root, 'in'));
    for (const n of [1, 2]) writeSlice(file(n), { ...P, sopUid: sop(n), instanceNumber: n, z: n });
    lib = Library.open(path.join(root, 'library'));
    expect((await lib.importPaths([path.join(root, 'in')])).errors).toEqual([]);
    importLabelsCsv(lib, `SOPInstanceUID,label\n${sop(1)},lesion\n${sop(2)},none\n`, { author: 'tester' });
    pkgDir = path.join(root, 'models', 'tiny');
    await saveRandomHeadPackage(pkgDir, { inputSize: 64, seed: 4, sd: 5, headSeed: 6 }, { name: 'tiny', classNames: ['none', 'lesion'], preprocessing: { window: 'ct-abdomen', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } });
    // The labelled image's file is overwritten after the label was given (another patient's header).
    execFileSync('dcmodify', ['-nb', '-m', '(0010,0020)=S17P3', '-m', '(0010,0010)=IOTA^IDA', file(1)], { stdio: 'pipe' });
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(file(1), later, later);
  }, 120_000);
  afterAll(() => {
    lib?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('trains on nothing, naming the file (the split is never made)', () => {
    expect(() => labelledSplit({ library: lib, validationFraction: 0.2, testFraction: 0.2 }, 1, 'images')).toThrow(
      `${file(1)} changed since it was imported (its size or time), so nothing was trained: it may hold another image now. Import its folder again, then run.`,
    );
  });

  it('evaluates on nothing, naming the file', async () => {
    await expect(evaluatePackage(lib, pkgDir, { subset: 'all' })).rejects.toThrow(`${file(1)} changed since it was imported (its size or time), so nothing was evaluated`);
  }, 120_000);
});
