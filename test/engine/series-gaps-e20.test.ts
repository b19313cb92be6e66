// The engine's answer to library.series says where slices are missing (task E, session 20): the
// real engine (createEngine) imports two dump2dcm CT series of one study, one at 5, 10, 15, 25,
// 30 mm (the 20 mm slice missing), one even; its answer, checked against the contract, gives the
// gap after the third image for the first and none for the second. Failed before: no `gaps`.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { libraryRequests } from '../../common/contract/library';
import { createEngine, type Engine } from '../../electron/engine/engine';
import { engineRequests } from '../support/engine';
import { writeGapSeries } from '../support/slice-gaps-e20';
import { tempFolderForTests } from '../support/temp-folder';

const t = tempFolderForTests('series-gaps-e20', (dir) => ({
  gapped: writeGapSeries(path.join(dir, 'src'), 1, [5, 10, 15, 25, 30], 'Gapped'),
  even: writeGapSeries(path.join(dir, 'src'), 2, [5, 10, 15, 20, 25], 'Even'),
}));
let engine: Engine | undefined;
afterAll(() => engine?.dispose());

describe('library.series', () => {
  it('answers with the gaps of a series with a slice missing, and none for an even one', async () => {
    const data = path.join(t.dir, 'data');
    fs.mkdirSync(data, { recursive: true });
    const { call, job } = engineRequests(() => engine!);
    engine = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu' });
    expect((await job('library.import', { paths: [path.join(t.dir, 'src')] })).imported).toBe(10);

    const gapped = libraryRequests['library.series'].output.parse(await call('library.series', { seriesInstanceUid: t.gapped.seriesUid }));
    expect(gapped.images).toHaveLength(5);
    expect(gapped.gaps).toEqual([{ afterIndex: 2, from: 15, to: 25, missing: 1 }]);

    const even = libraryRequests['library.series'].output.parse(await call('library.series', { seriesInstanceUid: t.even.seriesUid }));
    expect(even.images).toHaveLength(5);
    expect(even.gaps).toEqual([]);
  }, 120_000);
});
