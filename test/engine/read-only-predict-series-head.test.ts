// A package with a series head (trained from series labels: each slice's features, then the
// attention head) run on a library on a read-only disk (a real tmpfs remounted read-only,
// test/support/small-disk.ts): `lumen predict` and the app's Run return the series' pooled score
// and each slice's attention without storing them (the slices' features are not cached there
// either); the app keeps them for its session, also across a later run on one image. Once the
// disk is writable again nothing was stored, and the package scores the series the same.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PredictionResult } from '../../common/contract/models';
import { createEngine } from '../../electron/engine/engine';
import { loadPackage } from '../../models/package';
import { runLumen } from '../support/cli';
import { engineRequests } from '../support/engine';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { writeMilPhantoms } from '../training/mil-phantoms';

const NOT_NODE = /EROFS|SQLITE_|attempt to write|readonly database|[Cc]annot create|could not be changed|at .*\.ts:\d+/;
const disk = smallDiskForTests('read-only-predict-head', 96);

describe.skipIf(smallDiskSkip)(`a series-head package on a read-only library${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('scores the series with its head, stores nothing, and equals the writable run', async () => {
    const data = path.join(disk.dir, 'data');
    const set = writeMilPhantoms(path.join(disk.dir, 'dicom'), { patients: 8, seriesPerPatient: 2, slices: 4, lesionSlices: 2, size: 32, seed: 7 });
    expect((await runLumen(['import', set.dir], data)).code).toBe(0);
    const out = path.join(data, 'models', 'mil');
    const trained = await runLumen(['train', '--labels', set.csv, '--variant', 'custom-phi-10', '--resolution', '32', '--window', 'ct-abdomen', '--epochs', '4', '--level', 'series', '--out', out, '--json'], data);
    expect(trained.code, trained.stderr).toBe(0);
    const hash = (await loadPackage(out, { loadModel: false })).metadata.contentHash;
    expect(JSON.parse(trained.stdout).level).toBe('series');
    const uid = set.series[0].seriesUid;
    const before = JSON.parse((await runLumen(['predictions', '--series', uid, '--json'], data)).stdout);

    disk.readOnly();
    const engine = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu' });
    const { call, job } = engineRequests(() => engine);
    let cli: PredictionResult;
    let app: PredictionResult;
    try {
      const printed = await runLumen(['predict', '--model', out, '--series', uid, '--json'], data);
      expect(printed.stderr).not.toMatch(NOT_NODE);
      expect(printed.code, printed.stderr).toBe(0);
      expect(printed.stderr).toContain('Not stored: the library');
      cli = JSON.parse(printed.stdout);
      expect(cli.stored).toBe(false);
      expect(cli.series[0].pooled?.scores).toHaveLength(2);
      try {
        app = (await job('predict.run', { packageHash: hash, scope: 'series', seriesInstanceUid: uid })) as PredictionResult;
        expect(app.stored).toBe(false);
        expect(app.series[0].pooled?.scores).toEqual(cli.series[0].pooled?.scores.map((s) => expect.closeTo(s, 5)));
        // One slice alone afterwards: its scores replace that slice's, the series' pooled score and attention stay.
        const sop = app.images[0].sopInstanceUid;
        await job('predict.run', { packageHash: hash, scope: 'image', seriesInstanceUid: uid, sopInstanceUid: sop, frame: 0 });
        const latest = (await call('predict.latest', { packageHash: hash, seriesInstanceUid: uid })) as PredictionResult;
        expect(latest.stored).toBe(false);
        expect(latest.images).toHaveLength(app.images.length);
        expect(latest.series[0].pooled?.scores).toEqual(app.series[0].pooled?.scores);
      } finally {
        engine.dispose();
      }
    } finally {
      disk.writable();
    }
    expect(JSON.parse((await runLumen(['predictions', '--series', uid, '--json'], data)).stdout)).toEqual(before);
    const writable = JSON.parse((await runLumen(['predict', '--model', out, '--series', uid, '--json'], data)).stdout) as PredictionResult;
    expect(writable.stored).toBeUndefined();
    writable.series[0].pooled!.scores.forEach((s, k) => expect(cli.series[0].pooled!.scores[k]).toBeCloseTo(s, 5));
  }, 400_000);
});
