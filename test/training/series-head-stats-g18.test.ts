// A package with a series head scores a series in two passes: the slices' own scores
// (predict.ts's predict, in the app's Run), then the head's pooled score (mil.ts's
// predictSeriesWithHead). Each run checks once that every file is still the one the library
// recorded at import (library/imported-file.ts: one stat per file), in the caller that gathered
// the images. Before (s18, task G), the app's Run stat'ed each file twice: predict checked them,
// then predictSeriesWithHead checked the same files again. Stats are counted by wrapping
// node:fs's real statSync (every call still goes to the disk), as refusal-cache-stats.test.ts
// wraps node:fs/promises' stat; the package has no training-domain record, so no header is read
// for a domain verdict and the check is the only stat of the files on this thread (the pixels
// are decoded on the pool's workers). A changed file is still refused, naming it, before
// anything is scored.
import { mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PredictionResult } from '../../common/contract/models';
import { createEngine, type Engine } from '../../electron/engine/engine';
import { Library } from '../../electron/library/library';
import { PredictionStore } from '../../electron/library/predictions';
import { predictSeries } from '../../electron/training/predict';
import { savePackage } from '../../models/package';
import { SERIES_HEAD_BIN, seriesHeadBytes } from '../../models/package/series-head';
import type { MilHead } from '../../models/training/mil';
import { engineRequests } from '../support/engine';
import { randomHeadModel } from '../support/tiny-package';
import { writeSlice } from '../library/fixtures';

const statted = vi.hoisted(() => [] as string[]);
vi.mock('node:fs', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:fs')>();
  const statSync = ((path: Parameters<typeof real.statSync>[0], ...rest: unknown[]) => {
    statted.push(String(path));
    return (real.statSync as (...a: unknown[]) => unknown)(path, ...rest);
  }) as typeof real.statSync;
  return { ...real, statSync, default: { ...real, statSync } };
});

const P = { patientName: 'GAMMA^GIL', patientId: 'S18G1', studyUid: '1.2.826.0.1.3680043.10.543.1818.1', seriesUid: '1.2.826.0.1.3680043.10.543.1818.1.1' };
const SLICES = 3;

/** A gated-attention head of seeded small values over `dim` features, as mil-train.ts saves one. */
function seededHead(dim: number, hidden: number, classes: number): MilHead {
  let s = 7;
  const r = (n: number) => Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.2);
  return { dim, hidden, classes, mean: new Float32Array(dim), std: new Float32Array(dim).fill(1), V: r(dim * hidden), bV: r(hidden), U: r(dim * hidden), bU: r(hidden), w: r(hidden), W: r(dim * classes), b: r(classes) };
}

describe('a series-head package checks each file once per run', () => {
  let dataDir: string;
  let engine: Engine;
  let hash: string;
  const { job } = engineRequests(() => engine);
  const file = (n: number) => path.join(dataDir, 'incoming', `g${n}.dcm`);
  const files = () => Array.from({ length: SLICES }, (_, i) => file(i + 1));
  /** Stats of each file of the series since `from` (an index into `statted`). */
  const statsOf = (from: number) => files().map((f) => statted.slice(from).filter((p) => p === f).length);

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-series-head-stats-g18-'));
    mkdirSync(path.join(dataDir, 'incoming'));
    for (let n = 1; n <= SLICES; n++) writeSlice(file(n), { ...P, sopUid: `${P.seriesUid}.${n}`, instanceNumber: n, z: n });
    engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu' });
    expect((await job('library.import', { paths: [path.join(dataDir, 'incoming')] })).imported).toBe(SLICES);
    // A random-head phi -10 model whose pooled features (what the logits take) the series head pools.
    const model = await randomHeadModel({ classes: 2, inputSize: 32, seed: 4, sd: 5, headSeed: 6 });
    try {
      const dim = model.getLayer('predictions').getWeights()[0].shape[0];
      const meta = await savePackage(
        path.join(dataDir, 'models', 'series-head'),
        model,
        {
          name: 'series-head', classNames: ['none', 'lesion'], variant: 'custom-phi-10', inputSize: 32, task: 'multiclass',
          preprocessing: { window: 'ct-abdomen', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
          seriesHead: { file: SERIES_HEAD_BIN, pooling: 'gated-attention', features: dim, hidden: 4, classes: 2, method: 'a seeded head (test)' },
          provenance: {},
        },
        { files: { [SERIES_HEAD_BIN]: seriesHeadBytes(seededHead(dim, 4, 2)) } },
      );
      hash = meta.contentHash;
      expect(meta.domain).toBeUndefined();
    } finally {
      model.dispose();
    }
  }, 180_000);
  afterAll(() => {
    engine?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("the app's Run: one stat per file for the slices' scores and the head's", async () => {
    const from = statted.length;
    const r = (await job('predict.run', { packageHash: hash, scope: 'series', seriesInstanceUid: P.seriesUid })) as PredictionResult;
    expect(r.seriesHead).toBe(true);
    expect(r.series[0].pooled?.scores).toHaveLength(2);
    expect(r.images.map((im) => im.attention).every((a) => typeof a === 'number')).toBe(true);
    // Before: [2, 2, 2] (predict's check, then predictSeriesWithHead's).
    expect(statsOf(from)).toEqual([1, 1, 1]);
  }, 180_000);

  it('lumen predict (predictSeries): one stat per file', async () => {
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      const from = statted.length;
      const r = await predictSeries({ library, packageDir: path.join(dataDir, 'models', 'series-head'), seriesUid: P.seriesUid, store: false });
      expect(r.series[0].pooled?.scores).toHaveLength(2);
      expect(statsOf(from)).toEqual([1, 1, 1]);
    } finally {
      library.close();
    }
  }, 180_000);

  it('still refuses a file changed since import in both, naming it, and stores nothing', async () => {
    const runs = () => {
      const store = new PredictionStore(path.join(dataDir, 'library'));
      try {
        return store.forSeries(P.seriesUid).length;
      } finally {
        store.close();
      }
    };
    const before = runs();
    const later = new Date(Date.now() + 5_000);
    utimesSync(file(2), later, later);
    const refused = `${file(2)} changed since it was imported (its size or time), so nothing was scored`;
    await expect(job('predict.run', { packageHash: hash, scope: 'series', seriesInstanceUid: P.seriesUid })).rejects.toThrow(refused);
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      await expect(predictSeries({ library, packageDir: path.join(dataDir, 'models', 'series-head'), seriesUid: P.seriesUid })).rejects.toThrow(refused);
    } finally {
      library.close();
    }
    expect(runs()).toBe(before);
  }, 180_000);
});
