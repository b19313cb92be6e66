// The app's results after files of a predicted series change on disk (task F3, session 17, findings
// T-1 and T-2 through the engine): files written with dump2dcm (fixtures.ts writeSlice), a tiny
// random-head package, the app's Run, then an import of the same folder after one file got other
// pixels under the same SOP Instance UID and another moved to another series. Before the fix the
// engine's heatmap cache served the map of the old pixels, and predict.latest listed both images'
// old scores (and counted them in the series' summary).
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CamMap, PredictionResult } from '../../common/contract/models';
import { createEngine, type Engine } from '../../electron/engine/engine';
import { engineRequests } from '../support/engine';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { tmpDir, writeSlice } from '../library/fixtures';

const STUDY = '1.2.826.0.1.3680043.10.543.916.1';
const SERIES = `${STUDY}.1`;
const P = { patientName: 'STALE^CAM', patientId: 'F3', studyUid: STUDY, seriesUid: SERIES };

describe('the engine after files of a predicted series change', () => {
  let dataDir: string;
  let src: string;
  let hash: string;
  const engines: Engine[] = [];
  let engine: Engine;
  const { call, job } = engineRequests(() => engine);
  const cam = async (sop: string) => {
    const { reference: _r, ...map } = (await call('predict.cam', { packageHash: hash, seriesInstanceUid: SERIES, sopInstanceUid: sop, frame: 0, classIndex: 1 })) as CamMap;
    return map;
  };

  beforeAll(async () => {
    dataDir = tmpDir('stale-results-f3');
    src = path.join(dataDir, 'incoming');
    fs.mkdirSync(src);
    for (const i of [1, 2, 3]) writeSlice(path.join(src, `${i}.dcm`), { ...P, sopUid: `${SERIES}.${i}`, instanceNumber: i, z: i });
    hash = (await saveRandomHeadPackage(path.join(dataDir, 'models', 'tiny'), { inputSize: 64, seed: 4, sd: 5, headSeed: 6 }, { name: 'tiny', classNames: ['none', 'lesion'], preprocessing: { window: 'ct-abdomen', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } })).contentHash;
    engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu' });
    engines.push(engine);
    expect((await job('library.import', { paths: [src] })).imported).toBe(3);
  }, 120_000);
  afterAll(() => {
    for (const e of engines) e.dispose();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("draws the new pixels' heatmap and lists no score of an old file or of an image that left the series", async () => {
    const run = (await job('predict.run', { packageHash: hash, scope: 'series', seriesInstanceUid: SERIES })) as PredictionResult;
    expect(run.images).toHaveLength(3);
    const before = await cam(`${SERIES}.1`);

    // 1.dcm: other pixels (48 x 48, another ramp) under the same SOP UID; 2.dcm: moved to another series.
    writeSlice(path.join(src, '1.dcm'), { ...P, sopUid: `${SERIES}.1`, instanceNumber: 7, z: 1, rows: 48, columns: 48 });
    execFileSync('dcmodify', ['-nb', '-m', `(0020,000E)=${SERIES}9`, path.join(src, '2.dcm')], { stdio: 'pipe' });
    const later = new Date(Date.now() + 5000);
    for (const f of ['1.dcm', '2.dcm']) fs.utimesSync(path.join(src, f), later, later);
    expect((await job('library.import', { paths: [src] })).changed).toBe(2);

    const after = await cam(`${SERIES}.1`);
    expect(after).not.toEqual(before);
    // The map a fresh engine makes of the new file.
    engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu' });
    engines.push(engine);
    expect(await cam(`${SERIES}.1`)).toEqual(after);

    const latest = (await call('predict.latest', { packageHash: hash, seriesInstanceUid: SERIES })) as PredictionResult;
    expect(latest.images.map((i) => i.sopInstanceUid)).toEqual([`${SERIES}.3`]);
    expect(latest.series[0].images).toBe(1);
  }, 180_000);
});
