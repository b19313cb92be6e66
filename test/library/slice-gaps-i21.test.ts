// Missing slices, the rest (task I, session 21: electron/library/slice-gaps.ts), on dump2dcm
// series imported into a real library (SQLite), their instances as the engine lists them.
// Failed before (each):
// - a scout (coronal) in an axial series with a slice missing silenced it: no gap told;
// - two single slices missing one slice apart (0, 5, 10, 20, 30, 35, 40) were taken for a block
//   of another spacing: no gap told;
// - a gap's ends were positions along the normal, not the Slice Location the viewer's "Loc"
//   shows: "between 15.0 and 25.0" where the corner said "Loc 115.0" and "Loc 125.0".
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sliceGaps } from '../../electron/library/slice-gaps';
import { importedGapLibrary, modifySlice, writeGapSeries, type GapSeries } from '../support/slice-gaps-e20';
import { tempFolderForTests } from '../support/temp-folder';

const CORONAL = '(0020,0037)=1\\0\\0\\0\\0\\-1';
const SAGITTAL = '(0020,0037)=0\\1\\0\\0\\0\\-1';

const t = tempFolderForTests('slice-gaps-i21', (dir) => {
  const src = path.join(dir, 'src');
  const series = {
    // The scout first (instance 1), then axials at 5 … 35 with the 20 mm slice missing.
    scout: writeGapSeries(src, 1, [0, 5, 10, 15, 25, 30, 35]),
    // Two scouts (AP and lateral), last.
    twoScouts: writeGapSeries(src, 2, [5, 10, 15, 25, 30, 35, 40, 0, 0]),
    // 4 axial, 3 coronal: no clear majority.
    noMajority: writeGapSeries(src, 3, [5, 10, 15, 25, 0, 0, 0]),
    // A scout among even axials: nothing missing.
    scoutEven: writeGapSeries(src, 4, [0, 5, 10, 15, 20, 25]),
    pair: writeGapSeries(src, 5, [0, 5, 10, 20, 30, 35, 40]),
    pairNearEnd: writeGapSeries(src, 6, [0, 5, 10, 20, 30, 35]),
    run3: writeGapSeries(src, 7, [0, 5, 10, 20, 30, 40, 45, 50]),
    coarseEnd: writeGapSeries(src, 8, [0, 2.5, 5, 7.5, 10, 12.5, 15, 20, 25]),
    unevenPair: writeGapSeries(src, 9, [0, 5, 10, 20, 30, 36.5, 40]),
    // Slice Location 100 mm above the position (a table offset), on every slice.
    located: writeGapSeries(src, 10, [5, 10, 15, 25, 30]),
    // Slice Location on all but the slice after the gap.
    partlyLocated: writeGapSeries(src, 11, [5, 10, 15, 25, 30]),
  };
  modifySlice(series.scout.files[0], '-m', CORONAL);
  modifySlice(series.twoScouts.files[7], '-m', CORONAL);
  modifySlice(series.twoScouts.files[8], '-m', SAGITTAL);
  for (const f of series.noMajority.files.slice(4)) modifySlice(f, '-m', CORONAL);
  modifySlice(series.scoutEven.files[0], '-m', CORONAL);
  const zsOf = { located: [5, 10, 15, 25, 30], partlyLocated: [5, 10, 15, 25, 30] };
  for (const key of ['located', 'partlyLocated'] as const) {
    series[key].files.forEach((f, i) => {
      if (key === 'partlyLocated' && i === 3) return;
      modifySlice(f, '-i', `(0020,1041)=${zsOf[key][i] + 100}`);
    });
  }
  return { src, series };
});

const lib = importedGapLibrary(() => t);

const gapsOf = (s: GapSeries) => sliceGaps(lib().listInstances(s.seriesUid));
/** The gaps by the files (1-based instance numbers) either side, whatever the viewing order. */
function gapsByInstance(s: GapSeries) {
  const instances = lib().listInstances(s.seriesUid);
  return sliceGaps(instances).map((g) => {
    const next = instances.slice(g.afterIndex + 1).findIndex((r) => r.imageOrientationPatient?.[4] === 1) + g.afterIndex + 1;
    return { before: instances[g.afterIndex].instanceNumber, after: instances[next].instanceNumber, from: g.from, to: g.to, missing: g.missing };
  });
}

describe('a localiser mixed in', () => {
  it('is left out of the check, and the gap among the axial slices is still told', () => {
    expect(gapsByInstance(t.series.scout)).toEqual([{ before: 4, after: 5, from: 15, to: 25, missing: 1 }]);
    expect(gapsByInstance(t.series.twoScouts)).toEqual([{ before: 3, after: 4, from: 15, to: 25, missing: 1 }]);
  });

  it('silences nothing else: a scout among even slices, or a series with no clear majority, tells no gap', () => {
    expect(gapsOf(t.series.scoutEven)).toEqual([]);
    expect(gapsOf(t.series.noMajority)).toEqual([]);
  });
});

describe('two single slices missing one slice apart', () => {
  it('are told as two gaps where even steps on both sides make the usual step clear', () => {
    expect(gapsByInstance(t.series.pair)).toEqual([
      { before: 3, after: 4, from: 10, to: 20, missing: 1 },
      { before: 4, after: 5, from: 20, to: 30, missing: 1 },
    ]);
  });

  it('are not told near an end, in a run of three, as a coarser block at the end, or among uneven steps', () => {
    expect(gapsOf(t.series.pairNearEnd)).toEqual([]);
    expect(gapsOf(t.series.run3)).toEqual([]);
    expect(gapsOf(t.series.coarseEnd)).toEqual([]);
    expect(gapsOf(t.series.unevenPair)).toEqual([]);
  });
});

describe('the ends of a gap', () => {
  it('are the Slice Locations the viewer shows as "Loc", where the files give one', () => {
    expect(gapsOf(t.series.located)).toEqual([{ afterIndex: 2, from: 115, to: 125, missing: 1 }]);
  });

  it('are each slice’s own "Loc": its Slice Location, else its position along the normal', () => {
    expect(gapsOf(t.series.partlyLocated)).toEqual([{ afterIndex: 2, from: 115, to: 25, missing: 1 }]);
  });
});
