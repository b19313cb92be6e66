import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureCtSeries, runImportBench } from '../../bench/library';
import { runReimportBench } from '../../bench/reimport';
import { Library } from '../../electron/library/library';
import { tmpDir } from './fixtures';

describe('import benchmark', () => {
  it('generates one CT-like series and reports import and parse rates (no timing asserted)', async () => {
    const result = await runImportBench({ json: true, slices: 3 });
    expect(result.series).toMatchObject({ files: 3, rows: 512, columns: 512, bitsAllocated: 16 });
    expect(result.runs).toBe(3);
    for (const rate of [result.import, result.reimportUnchanged, result.parse, result.parseWholeFile]) {
      expect(rate.secondsPerRun).toHaveLength(3);
      expect(rate.filesPerSecond).toBeGreaterThan(0);
    }

    // The generated files are one ordinary axial series with a full CT header.
    const lib = Library.open(path.join(tmpDir('bench-lib'), 'library'));
    try {
      const report = await lib.importPaths([ensureCtSeries(3)]);
      expect(report).toMatchObject({ imported: 3, series: 1, errors: [] });
      const [series] = lib.listTree()[0].studies[0].series;
      const instances = lib.listInstances(series.seriesInstanceUid);
      expect(instances.map((i) => [i.instanceNumber, i.imagePositionPatient?.[2], i.rows, i.columns, i.pixelSpacing])).toEqual([
        [1, 0, 512, 512, [0.7, 0.7]],
        [2, -2.5, 512, 512, [0.7, 0.7]],
        [3, -5, 512, 512, [0.7, 0.7]],
      ]);
    } finally {
      lib.close();
    }
  });

  it('imports small images with a map of each and an SR per series, then again: nothing read again, then only 3 new (no timing asserted)', async () => {
    const result = await runReimportBench({ json: true, images: 3 });
    expect(result.files).toEqual({ images: 3, maps: 3, reports: 1 });
    expect(result.import.report).toEqual({ imported: 7, results: 4, changed: 0, unchanged: 0 });
    expect(result.unchanged.report).toEqual({ imported: 0, results: 0, changed: 0, unchanged: 7 });
    expect(result.unchanged.secondsPerRun).toHaveLength(3);
    expect(result.threeNew.report).toEqual({ imported: 3, results: 0, changed: 0, unchanged: 7 });
  });
});
