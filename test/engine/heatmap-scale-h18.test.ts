// The heatmap's per-series scale after an import changes the series (task H, session 18): files
// written with dump2dcm (fixtures.ts writeSlice), a tiny random-head package, the app's Run over
// the series, then an import after the image with the hottest map moved to another series. Before
// the fix predict.cam kept scaling the series' maps by that image's values (the run's largest),
// which the series no longer holds.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CamMap, PredictionResult } from '../../common/contract/models';
import { createEngine, type Engine } from '../../electron/engine/engine';
import { engineRequests } from '../support/engine';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { tmpDir, writeSlice } from '../library/fixtures';

const STUDY = '1.2.826.0.1.3680043.10.543.1819.1';
const SERIES = `${STUDY}.1`;
const P = { patientName: 'SCALE^H', patientId: 'H18', studyUid: STUDY, seriesUid: SERIES };
const SLICES = [1, 2, 3, 4];

describe('the heatmap scale after an import changes the series', () => {
  let dataDir: string;
  let src: string;
  let hash: string;
  let engine: Engine;
  const { call, job } = engineRequests(() => engine);
  const cam = async (i: number) => (await call('predict.cam', { packageHash: hash, seriesInstanceUid: SERIES, sopInstanceUid: `${SERIES}.${i}`, frame: 0, classIndex: 1 })) as CamMap;

  beforeAll(async () => {
    dataDir = tmpDir('heatmap-scale-h18');
    src = path.join(dataDir, 'incoming');
    fs.mkdirSync(src);
    for (const i of SLICES) writeSlice(path.join(src, `${i}.dcm`), { ...P, sopUid: `${SERIES}.${i}`, instanceNumber: i, z: i, rows: 48, columns: 48 });
    hash = (await saveRandomHeadPackage(path.join(dataDir, 'models', 'tiny'), { inputSize: 64, seed: 4, sd: 5, headSeed: 6 }, { name: 'tiny', classNames: ['none', 'lesion'], preprocessing: { window: 'ct-abdomen', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } })).contentHash;
    engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu' });
    expect((await job('library.import', { paths: [src] })).imported).toBe(SLICES.length);
  }, 120_000);
  afterAll(() => {
    engine?.dispose();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('scales each map by the run images the series still holds', async () => {
    const run = (await job('predict.run', { packageHash: hash, scope: 'series', seriesInstanceUid: SERIES })) as PredictionResult;
    expect(run.images).toHaveLength(SLICES.length);
    const maps = new Map<number, CamMap>();
    for (const i of SLICES) maps.set(i, await cam(i));
    const hottest = Math.max(...[...maps.values()].map((m) => m.max));
    // The run's scale: its largest value, on every image's map.
    for (const m of maps.values()) expect(m.reference).toBe(hottest);
    const [gone] = SLICES.filter((i) => maps.get(i)!.max === hottest);
    const rest = SLICES.filter((i) => i !== gone);
    const restHottest = Math.max(...rest.map((i) => maps.get(i)!.max));
    expect(restHottest).toBeLessThan(hottest);

    // The hottest image moves to another series; the folder is imported again.
    const file = path.join(src, `${gone}.dcm`);
    execFileSync('dcmodify', ['-nb', '-m', `(0020,000E)=${SERIES}9`, file], { stdio: 'pipe' });
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(file, later, later);
    expect((await job('library.import', { paths: [src] })).changed).toBe(1);

    for (const i of rest) {
      const after = await cam(i);
      expect(after.max).toBe(maps.get(i)!.max);
      expect(after.reference).toBe(restHottest);
    }
  }, 180_000);
});
