// Where a series has slices missing (electron/library/slice-gaps.ts, task E, session 20), on real
// positions: dump2dcm series imported into a real library (SQLite), their instances as the engine
// lists them. A CT series at 5, 10, 15, 25, 30 mm (the 20 mm slice missing) says so; an even
// series, two even blocks of a protocol, duplicated positions, a slice without position, a
// multi-frame image, uneven steps and a short series say nothing; a localiser mixed in is left
// out (task I, session 21, test/library/slice-gaps-i21.test.ts).
// Failed before: the module did not exist.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sliceGaps } from '../../electron/library/slice-gaps';
import { importedGapLibrary, modifySlice, writeGapSeries } from '../support/slice-gaps-e20';
import { tempFolderForTests } from '../support/temp-folder';

const t = tempFolderForTests('slice-gaps-e20', (dir) => {
  const src = path.join(dir, 'src');
  const series = {
    gapped: writeGapSeries(src, 1, [5, 10, 15, 25, 30]),
    even: writeGapSeries(src, 2, [5, 10, 15, 20, 25, 30]),
    // Instance 1 at the top: the gap in viewing order runs from 25 down to 15.
    downward: writeGapSeries(src, 3, [30, 25, 15, 10, 5]),
    twoMissing: writeGapSeries(src, 4, [0, 5, 10, 25, 30, 35]),
    twoGaps: writeGapSeries(src, 5, [0, 5, 15, 20, 25, 35, 40]),
    // A protocol: 2.5 mm through the region of interest, 5 mm beyond (either block the larger).
    blocksFine: writeGapSeries(src, 6, [0, 2.5, 5, 7.5, 10, 15, 20, 25]),
    blocksCoarse: writeGapSeries(src, 7, [0, 2.5, 5, 7.5, 12.5, 17.5, 22.5, 27.5]),
    duplicated: writeGapSeries(src, 8, [5, 10, 10, 15, 25, 30]),
    localiser: writeGapSeries(src, 9, [5, 10, 15, 25, 30, 35]),
    noPosition: writeGapSeries(src, 10, [5, 10, 15, 25, 30]),
    uneven: writeGapSeries(src, 11, [0, 5, 10, 16.5, 20, 25]),
    short: writeGapSeries(src, 12, [5, 10, 20]),
  };
  // A scout: the series' first image, coronal.
  modifySlice(series.localiser.files[0], '-m', '(0020,0037)=1\\0\\0\\0\\0\\-1');
  modifySlice(series.noPosition.files[3], '-e', '(0020,0032)');
  return { src, series };
});

const lib = importedGapLibrary(() => t);

const gapsOf = (s: { seriesUid: string }) => sliceGaps(lib().listInstances(s.seriesUid));

describe('slices missing from a series', () => {
  it('are found where the steps jump: 1 slice between 15 and 25 mm', () => {
    expect(gapsOf(t.series.gapped)).toEqual([{ afterIndex: 2, from: 15, to: 25, missing: 1 }]);
    expect(gapsOf(t.series.downward)).toEqual([{ afterIndex: 1, from: 25, to: 15, missing: 1 }]);
    expect(gapsOf(t.series.twoMissing)).toEqual([{ afterIndex: 2, from: 10, to: 25, missing: 2 }]);
    expect(gapsOf(t.series.twoGaps)).toEqual([
      { afterIndex: 1, from: 5, to: 15, missing: 1 },
      { afterIndex: 4, from: 25, to: 35, missing: 1 },
    ]);
  });

  it('are not told for an even series, a protocol of two spacings, or uneven steps', () => {
    expect(gapsOf(t.series.even)).toEqual([]);
    expect(gapsOf(t.series.blocksFine)).toEqual([]);
    expect(gapsOf(t.series.blocksCoarse)).toEqual([]);
    expect(gapsOf(t.series.uneven)).toEqual([]);
  });

  it('are not told where positions repeat, a position is unknown, or slices are few', () => {
    expect(gapsOf(t.series.duplicated)).toEqual([]);
    expect(gapsOf(t.series.noPosition)).toEqual([]);
    expect(gapsOf(t.series.short)).toEqual([]);
  });

  it('are told with a localiser mixed in, left out of the check (task I, session 21)', () => {
    expect(gapsOf(t.series.localiser)).toEqual([{ afterIndex: 2, from: 15, to: 25, missing: 1 }]);
  });

  it('are not told for a multi-frame image, whose frames’ positions the library does not hold', () => {
    const instances = lib().listInstances(t.series.gapped.seriesUid);
    expect(sliceGaps(instances.map((r, i) => (i === 0 ? { ...r, frames: 3 } : r)))).toEqual([]);
  });
});
