// Task K (session 18), T's finding T8: a predict run stopped by its signal with keepScoredOnCancel
// (what `lumen predict` passes for Ctrl+C) stores the series it scored whole, with the rows a
// finished run stores for them, audits them, and throws PredictionCancelled naming them and how
// many series the run had. Without the option (the app's Run, eval, train) a stop keeps nothing,
// as before. Deterministic: the signal is aborted from the progress of the batch that ends series 1.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { PipelineCancelled } from '../../models/inference/pipeline';
import { PredictionCancelled, predictSeries } from '../../electron/training/predict';
import { writeManyCt, type ManyCt } from '../support/many-ct';
import { saveRandomHeadPackage } from '../support/tiny-package';

interface Row {
  target_kind: string;
  target_uid: string;
  frame: number;
  series_uid: string | null;
  scores: string;
  uncertainty: number | null;
  domain: string | null;
}

describe('predict stopped by its signal', () => {
  let root: string;
  let lib: Library;
  let pkgDir: string;
  let set: ManyCt;
  const read = <T>(sql: string): T[] => {
    const db = new Database(path.join(lib.dir, 'library.sqlite'), { readonly: true });
    try {
      return db.prepare<[], T>(sql).all();
    } finally {
      db.close();
    }
  };
  const rows = () => read<Row>('SELECT target_kind, target_uid, frame, series_uid, scores, uncertainty, domain FROM predictions ORDER BY target_kind, target_uid, frame');
  /** Aborts once `at` images are scored (batches of 8: 24 ends series 1 of 20 slices and scores 4 of series 2). */
  const stopAt = (at: number) => {
    const c = new AbortController();
    return { signal: c.signal, onProgress: (p: { done: number }) => (p.done >= at ? c.abort() : undefined), batchSize: 8 };
  };

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-k18-predict-cancel-'));
    set = writeManyCt(path.join(root, 'dicom'), { studies: 1, series: 3, slices: 20, root: '99', name: 'CANCK' });
    lib = Library.open(path.join(root, 'library'));
    expect((await lib.importPaths([set.dir])).errors).toEqual([]);
    pkgDir = path.join(root, 'models', 'tiny');
    await saveRandomHeadPackage(pkgDir, { inputSize: 64, seed: 4, sd: 5, headSeed: 6 }, { name: 'tiny', classNames: ['none', 'lesion'], preprocessing: { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] } });
  }, 120_000);
  afterAll(() => {
    lib?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('without keepScoredOnCancel keeps nothing (the app, eval and train as before)', async () => {
    await expect(predictSeries({ library: lib, packageDir: pkgDir, ...stopAt(24) })).rejects.toBeInstanceOf(PipelineCancelled);
    expect(rows()).toEqual([]);
  }, 120_000);

  it('with it stores the series scored whole, as a finished run stores them, and names them', async () => {
    const err = await predictSeries({ library: lib, packageDir: pkgDir, keepScoredOnCancel: true, ...stopAt(24) }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PredictionCancelled);
    const c = err as PredictionCancelled;
    const first = [...set.seriesUids].sort()[0];
    expect({ series: c.series, images: c.images }).toEqual({ series: 3, images: 60 });
    expect(c.kept.series.map((s) => s.seriesInstanceUid)).toEqual([first]);
    expect(c.kept.images).toHaveLength(20);
    const kept = rows();
    expect(kept.filter((r) => r.target_kind === 'image')).toHaveLength(20);
    expect(new Set(kept.map((r) => r.series_uid))).toEqual(new Set([first]));
    expect(kept.filter((r) => r.target_kind === 'series').map((r) => r.target_uid)).toEqual([first]);
    const audit = read<{ touched: string }>("SELECT touched FROM audit_log WHERE action = 'predict'");
    expect(audit.map((a) => JSON.parse(a.touched) as unknown)).toEqual([{ series: [first], images: 20 }]);
    // A finished run stores the same rows for that series (and the other two besides).
    const finished = await predictSeries({ library: lib, packageDir: pkgDir });
    expect(finished.series).toHaveLength(3);
    expect(rows().filter((r) => r.series_uid === first)).toEqual(kept);
  }, 120_000);
});
