// A library that a Lumen of schema 27 left: its ultrasound rows have no regions or Pixel Aspect
// Ratio (migration 28 adds instances.pixel_calibration empty), and, where that Lumen was stopped
// before its spacing pass ended, its CR rows no spacing. The engine opens it with
// `imagerSpacing: 'later'`: one pass (electron/library/imager-spacing.ts) reads both from the
// files' headers in turns; an export of a series the pass has not reached reads that series'
// measured rows first, so its numbers never depend on how far the pass got.
// Files: dcmtk's dump2dcm (test/dicom/us-regions-fixture.ts, test/support/dicom/dump2dcm-xray.ts).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGER_SPACING_KEY, IMAGER_SPACING_PROGRESS_KEY, rereadImagerSpacingInTurns } from '../../electron/library/imager-spacing';
import { Library } from '../../electron/library/library';
import { LIBRARY_FILE } from '../../electron/library/paths';
import { openDatabase } from '../../electron/library/sqlite';
import { ResultsStore } from '../../electron/results/store';
import { measurementTable } from '../../electron/results/tables';
import { sopOf, writeUs, type RegionLines } from '../dicom/us-regions-fixture';
import { writeXrayDump } from '../support/dicom/dump2dcm-xray';
import { undoMigrationsAfter28 } from '../support/old-library';

// The keys of the calibration part of the pass, as the library records them.
const CALIBRATION_KEY = 'pixel_calibration_read_by';
const CALIBRATION_PROGRESS_KEY = 'pixel_calibration_rowid';

const STUDY = '1.2.826.0.1.3680043.10.89.1';
const US = '1.2.826.0.1.3680043.10.89.27.1';
const CR = '1.2.826.0.1.3680043.10.89.27.2';
const LEFT: RegionLines = { x0: 0, y0: 0, x1: 79, y1: 119, deltaX: 0.02, deltaY: 0.03 };
const RIGHT: RegionLines = { x0: 80, y0: 0, x1: 159, y1: 119, deltaX: 0.05, deltaY: 0.05 };

let dir: string;
let made: string;
const sops: Record<string, string> = {};
const files: Record<string, string> = {};

/** A copy of the library as schema 27 left it; `spacingDone`: its spacing pass had ended. */
function schema27(name: string, spacingDone: boolean): string {
  const to = path.join(dir, name);
  fs.cpSync(made, to, { recursive: true });
  const db = openDatabase(path.join(to, LIBRARY_FILE));
  try {
    db.exec('ALTER TABLE instances DROP COLUMN pixel_calibration');
    db.prepare('DELETE FROM lumen_info WHERE key IN (?, ?)').run(CALIBRATION_KEY, CALIBRATION_PROGRESS_KEY);
    if (!spacingDone) {
      db.prepare("UPDATE instances SET pixel_spacing = NULL, pixel_spacing_kind = NULL WHERE modality = 'CR'").run();
      db.prepare('DELETE FROM lumen_info WHERE key IN (?, ?)').run(IMAGER_SPACING_KEY, IMAGER_SPACING_PROGRESS_KEY);
    }
    // Nor what the migrations after 28 changed (frame labels, SR score concepts).
    undoMigrationsAfter28(db);
    db.pragma('user_version = 27');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return to;
}

function rows(lib: string): { unread: number; crNone: number; calibrationDone: string | undefined; spacingDone: string | undefined; calibrationAt: string | undefined } {
  const db = openDatabase(path.join(lib, LIBRARY_FILE), { readonly: true });
  try {
    const info = (key: string) => db.prepare('SELECT value FROM lumen_info WHERE key = ?').pluck().get(key) as string | undefined;
    return {
      unread: db.prepare('SELECT count(*) FROM instances WHERE pixel_calibration IS NULL').pluck().get() as number,
      crNone: db.prepare("SELECT count(*) FROM instances WHERE modality = 'CR' AND pixel_spacing IS NULL").pluck().get() as number,
      calibrationDone: info(CALIBRATION_KEY),
      spacingDone: info(IMAGER_SPACING_KEY),
      calibrationAt: info(CALIBRATION_PROGRESS_KEY),
    };
  } finally {
    db.close();
  }
}

/** The measurements table's rows of a series, as `lumen export --table` and the app write them: [value, unit, pixelSpacing] by id. */
function exported(library: Library, series: string): Record<string, [unknown, unknown, unknown]> {
  const store = new ResultsStore(library);
  try {
    const table = measurementTable(store, { seriesInstanceUid: series });
    return Object.fromEntries(table.rows.map((r) => [r.id as string, [r.value, r.unit, r.pixelSpacing]]));
  } finally {
    store.close();
  }
}

const REGION_1 = Math.hypot(30 * 0.2, 40 * 0.3);

/** The CR length (3 columns, 4 rows) in the mm of its Imager Pixel Spacing 0.2\\0.25 (row, column), at the detector. */
function expectCr(row: [unknown, unknown, unknown]): void {
  expect(row[0]).toBeCloseTo(Math.hypot(3 * 0.25, 4 * 0.2), 10);
  expect(row.slice(1)).toEqual(['mm', 'detector']);
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-calibration-reread-'));
  const input = path.join(dir, 'in');
  fs.mkdirSync(input);
  const img = { columns: 160, rows: 120, series: US };
  files.regions = writeUs(input, 'regions', { ...img, instance: 1, regions: [LEFT, RIGHT] });
  files.aspect = writeUs(input, 'aspect', { ...img, instance: 2, aspect: '2\\1' });
  files.gone = writeUs(input, 'gone', { ...img, instance: 3, regions: [LEFT] });
  files.fifo = writeUs(input, 'fifo', { ...img, instance: 4, regions: [LEFT] });
  for (const k of Object.keys(files)) sops[k] = sopOf(files[k]);
  const cr = writeXrayDump({ work: dir, out: input, n: 1, modality: 'CR', sopClass: 'ComputedRadiographyImageStorage', patient: { name: 'Sound^Region', id: 'US-1' }, study: STUDY, series: CR, lines: ['(0018,1164) DS [0.2\\0.25]'] });
  sops.cr = cr.sop;
  made = path.join(dir, 'made');
  const library = Library.open(made);
  try {
    const report = await library.importPaths([input]);
    expect(report.imported).toBe(5);
    const save = (id: string, series: string, sop: string, points: [number, number][], s: number) =>
      library.saveMeasurement({ id, seriesInstanceUid: series, sopInstanceUid: sop, frame: 0, kind: 'length', points, createdAt: `2026-01-01T00:00:0${s}Z` });
    save('region-1', US, sops.regions, [[10, 10], [40, 50]], 1);
    save('region-2', US, sops.regions, [[90, 10], [120, 50]], 2);
    save('aspect', US, sops.aspect, [[10, 10], [10, 40]], 3);
    save('gone', US, sops.gone, [[10, 10], [40, 50]], 4);
    save('cr', CR, sops.cr, [[0, 0], [3, 4]], 5);
  } finally {
    library.close();
  }
  // After their import: one file deleted, one a FIFO where it was (reading it would wait for a writer).
  fs.rmSync(files.gone);
  fs.rmSync(files.fifo);
  execFileSync('mkfifo', [files.fifo]);
}, 120_000);
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('ultrasound regions of a library from before migration 28', () => {
  it('are read for a series exported before the pass reaches it, with the CR spacing not yet read', async () => {
    const lib = schema27('early', false);
    const library = Library.open(lib, { log: () => {}, imagerSpacing: 'later' });
    try {
      expect(library.imagerSpacingDue()).toBe(true);
      expect(rows(lib)).toMatchObject({ unread: 5, crNone: 1 });
      // The pass has not started: the export reads the rows it measures.
      const us = exported(library, US);
      expect(us['region-1'][0]).toBeCloseTo(REGION_1, 10);
      expect(us['region-1'].slice(1)).toEqual(['mm', 'us-region 1']);
      expect(us['region-2']).toEqual([25, 'mm', 'us-region 2']);
      expect(us.aspect).toEqual([60, 'pixel', 'px: no pixel spacing; rows scaled by aspect 2:1']);
      // A file gone since its import cannot be read: said as before, never a wrong number.
      expect(us.gone).toEqual([50, 'pixel', 'px: US regions not read (imported before Lumen read them)']);
      // Another series is left to the pass.
      expect(rows(lib).crNone).toBe(1);
      expectCr(exported(library, CR).cr);
      expect(rows(lib)).toMatchObject({ crNone: 0, calibrationDone: undefined, spacingDone: undefined });
    } finally {
      library.close();
    }
  });

  it('are read by the one pass after open, with the spacing, and the exports are in mm by region', async () => {
    const lib = schema27('after', false);
    const logged: string[] = [];
    const library = Library.open(lib, { log: (l) => logged.push(l), imagerSpacing: 'later' });
    try {
      const summary = await library.readImagerSpacing();
      expect(summary).toMatchObject({ rows: 5, read: 3, updated: 1, calibrated: 3, left: 2 });
      expect(library.imagerSpacingDue()).toBe(false);
      const us = exported(library, US);
      expect(us['region-1'][0]).toBeCloseTo(REGION_1, 10);
      expect(us['region-1'].slice(1)).toEqual(['mm', 'us-region 1']);
      expect(us['region-2']).toEqual([25, 'mm', 'us-region 2']);
      expectCr(exported(library, CR).cr);
    } finally {
      library.close();
    }
    // Two rows left as they were, one notice with both, each with why.
    expect(rows(lib)).toMatchObject({ unread: 2, crNone: 0, calibrationAt: undefined });
    expect(rows(lib).calibrationDone).toBeTypeOf('string');
    expect(rows(lib).spacingDone).toBeTypeOf('string');
    expect(logged[0]).toMatch(/^The pixel spacing of projection X-rays and the regions of ultrasound images .* 2 of them could not be used/);
    expect(logged).toContain(`  ${files.fifo}: no longer a file`);
    expect(logged.find((l) => l.startsWith(`  ${files.gone}: not there any more`))).toBeDefined();
    expect(logged).toHaveLength(3);
    // Once: the next opening reads nothing.
    const again = Library.open(lib, { log: () => {}, imagerSpacing: 'later' });
    try {
      expect(again.imagerSpacingDue()).toBe(false);
      expect(await again.readImagerSpacing()).toBeNull();
    } finally {
      again.close();
    }
  });

  it('are read alone where the spacing pass had ended, and a stopped pass goes on from its row', async () => {
    const lib = schema27('spacing-done', true);
    const library = Library.open(lib, { log: () => {}, imagerSpacing: 'later' });
    library.close();
    expect(rows(lib)).toMatchObject({ crNone: 0, calibrationDone: undefined });
    expect(rows(lib).spacingDone).toBeTypeOf('string');
    // One row a turn, stopped after the first: its rowid recorded, the rest left.
    const db = openDatabase(path.join(lib, LIBRARY_FILE));
    try {
      let turns = 0;
      const part = await rereadImagerSpacingInTurns(db, { batch: 1, onBatch: () => turns++, stop: () => turns >= 1 });
      // The CR row has its spacing: it is no candidate. The four US rows are.
      expect(part).toMatchObject({ rows: 4, stopped: true });
      expect(part!.calibrated + part!.left).toBe(1);
      const at = db.prepare('SELECT value FROM lumen_info WHERE key = ?').pluck().get(CALIBRATION_PROGRESS_KEY);
      expect(Number(at)).toBeGreaterThan(0);
      const rest = await rereadImagerSpacingInTurns(db, { batch: 1 });
      expect(rest?.rows).toBe(3);
      expect(rest!.calibrated + rest!.left).toBe(3);
      expect(part!.calibrated + rest!.calibrated).toBe(2);
    } finally {
      db.close();
    }
    expect(rows(lib)).toMatchObject({ unread: 3, calibrationAt: undefined });
    expect(rows(lib).calibrationDone).toBeTypeOf('string');
  });

  it('are read within open for the CLI', async () => {
    const lib = schema27('cli', true);
    const library = Library.open(lib, { log: () => {} });
    try {
      expect(library.imagerSpacingDue()).toBe(false);
      expect(exported(library, US)['region-2']).toEqual([25, 'mm', 'us-region 2']);
    } finally {
      library.close();
    }
    expect(rows(lib).unread).toBe(3);
  });
});
