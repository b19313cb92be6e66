// The engine's answer to library.series says where frames are missing from a series that is one
// multi-frame file (an Enhanced CT written by dump2dcm), from the frames' own Plane Positions
// (frameGaps, task I, session 21). Failed before: the handler told gaps only where each instance
// is one image, so this series answered none.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { libraryRequests } from '../../common/contract/library';
import { createEngine, type Engine } from '../../electron/engine/engine';
import { engineRequests } from '../support/engine';
import { ENHANCED_ROOT, enhancedFolders, writeEnhanced } from '../support/enhanced-ct';
import { tempFolderForTests } from '../support/temp-folder';

const t = tempFolderForTests('series-frame-gaps-i21', (dir) => {
  const { src, work } = enhancedFolders(dir);
  return {
    src,
    gapped: writeEnhanced(src, work, 1, [0, 5, 10, 20, 25, 30]),
    even: writeEnhanced(src, work, 2, [0, 5, 10, 15, 20, 25]),
  };
});
let engine: Engine | undefined;
afterAll(() => engine?.dispose());

describe('library.series of one multi-frame file', () => {
  it('answers the frames missing, by frame index, and none for even frames or a file gone', async () => {
    const data = path.join(t.dir, 'data');
    fs.mkdirSync(data, { recursive: true });
    const { call, job } = engineRequests(() => engine!);
    engine = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu' });
    expect((await job('library.import', { paths: [t.src] })).imported).toBe(2);
    const series = async (n: number) =>
      libraryRequests['library.series'].output.parse(await call('library.series', { seriesInstanceUid: `${ENHANCED_ROOT}.${n}` }));

    const gapped = await series(1);
    expect(gapped.images).toHaveLength(6);
    expect(gapped.gaps).toEqual([{ afterIndex: 2, from: 10, to: 20, missing: 1 }]);
    expect((await series(2)).gaps).toEqual([]);

    // The file moved away after import: the series still opens, nothing is told of its frames.
    fs.rmSync(t.gapped);
    const gone = await series(1);
    expect(gone.gaps).toEqual([]);
  }, 120_000);
});
