// Series of axial CT slices at given heights, written with dcmtk's dump2dcm (test/library/fixtures.ts
// writeSlice; no Slice Location, as dump2dcm series from converters have none), for the tests of
// the missing-slice note (task E, session 20: electron/library/slice-gaps.ts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import { Library } from '../../electron/library/library';
import { writeSlice } from '../library/fixtures';

export const GAP_ROOT = '1.2.826.0.1.3680043.10.2020.520';

export interface GapSeries {
  dir: string;
  studyUid: string;
  seriesUid: string;
  files: string[];
}

/**
 * Writes one slice per height in `zs` (instance numbers 1, 2, … in that order) into `dir`, series
 * `n` of the study; `description` is its Series Description.
 */
export function writeGapSeries(dir: string, n: number, zs: readonly number[], description = `Series ${n}`): GapSeries {
  fs.mkdirSync(dir, { recursive: true });
  const studyUid = GAP_ROOT;
  const seriesUid = `${GAP_ROOT}.${n}`;
  const files = zs.map((z, i) => {
    const file = path.join(dir, `s${n}-${i + 1}.dcm`);
    writeSlice(file, { patientName: 'GAP^GRETA', patientId: 'GAP20', studyUid, seriesUid, sopUid: `${seriesUid}.${i + 1}`, seriesNumber: n, seriesDescription: description, instanceNumber: i + 1, z });
    execFileSync('dcmodify', ['-nb', '-e', '(0020,1041)', file], { stdio: 'pipe' });
    return file;
  });
  return { dir, studyUid, seriesUid, files };
}

/** dcmodify on a written slice: `-m (0020,0037)=…` or `-e (0020,0032)`. */
export function modifySlice(file: string, ...args: string[]): void {
  execFileSync('dcmodify', ['-nb', ...args, file], { stdio: 'pipe' });
}

/**
 * A real library (SQLite) in `<dir>/data` with the series under `src` imported, every file
 * read, for the tests of the missing-slice check; closed after the file's tests.
 */
export function importedGapLibrary(where: () => { dir: string; src: string }): () => Library {
  let lib: Library | undefined;
  beforeAll(async () => {
    const { dir, src } = where();
    lib = Library.open(path.join(dir, 'data'));
    const report = await lib.importPaths([src]);
    expect(report.errors).toEqual([]);
  }, 120_000);
  afterAll(() => lib?.close());
  return () => lib!;
}
