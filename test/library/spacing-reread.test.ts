// A library imported before schema 27 stored no spacing for a CR or DX that gives only Imager
// Pixel Spacing (0018,1164): its importer read Pixel Spacing alone. Opened by this Lumen, such rows
// read their spacing once from their files' headers (electron/library/imager-spacing.ts), so a
// length measured on them is exported in mm with its kind, as after a fresh import. The files are
// dcmtk's (dump2dcm), one rewritten by GDCM (gdcmconv --implicit); the old library is a fresh one
// put back as a Lumen of schema 26 left it: no pixel_spacing_kind column, no Imager spacing.
// (The engine's way, in turns after open, on thousands of rows: spacing-reread-background.test.ts.)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IMAGER_SPACING_KEY, IMAGER_SPACING_PROGRESS_KEY, rereadImagerSpacing } from '../../electron/library/imager-spacing';
import { Library } from '../../electron/library/library';
import { LIBRARY_FILE } from '../../electron/library/paths';
import { openDatabase } from '../../electron/library/sqlite';
import { ResultsStore } from '../../electron/results/store';
import { measurementTable } from '../../electron/results/tables';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { writeXrayDump } from '../support/dicom/dump2dcm-xray';
import { undoMigrationsAfter28 } from '../support/old-library';

const ROOT = '1.2.826.0.1.3680043.10.1137.28';
const STUDY = `${ROOT}.1`;
const SERIES = `${ROOT}.1.1`;
let dir: string;
let input: string;
/** The fresh import's library folder, never opened after it was made (each test copies it). */
let fresh: string;
/** The measurement table of the fresh import: what an old library must export once opened. */
let expected: Record<string, unknown>[];
const files: Record<string, string> = {};

/** A 16x16 12-bit image by dump2dcm, instance n, with `lines` added. */
function write(n: number, modality: string, sopClass: string, lines: string[]): string {
  return writeXrayDump({ work: dir, out: input, n, modality, sopClass, patient: { name: 'Spacing^Old', id: 'SPACING28' }, study: STUDY, series: SERIES, lines }).file;
}

/**
 * The library folder `from` copied to a new folder, as a Lumen of schema 26 left it; with
 * `files`, its images are copies of the input in that folder (to be spoilt by the test).
 */
function oldLibrary(from: string, name: string, files?: string): string {
  const to = path.join(dir, name);
  fs.cpSync(from, to, { recursive: true });
  const db = openDatabase(path.join(to, LIBRARY_FILE));
  try {
    // That importer read Pixel Spacing alone; schema 27 added the kind; this pass had not run.
    db.prepare("UPDATE instances SET pixel_spacing = NULL WHERE pixel_spacing_kind IN ('detector', 'magnification')").run();
    db.exec('ALTER TABLE instances DROP COLUMN pixel_spacing_kind');
    // Nor the ultrasound regions of migration 28.
    db.exec('ALTER TABLE instances DROP COLUMN pixel_calibration');
    db.prepare('DELETE FROM lumen_info WHERE key IN (?, ?)').run(IMAGER_SPACING_KEY, IMAGER_SPACING_PROGRESS_KEY);
    // Nor what the migrations after 28 changed (frame labels, SR score concepts).
    undoMigrationsAfter28(db);
    db.pragma('user_version = 26');
    if (files) {
      fs.cpSync(input, files, { recursive: true });
      const rows = db.prepare<[], { sop_uid: string; path: string }>('SELECT sop_uid, path FROM instances').all();
      const move = db.prepare('UPDATE instances SET path = ?, mtime_ms = ? WHERE sop_uid = ?');
      for (const r of rows) {
        const to = path.join(files, path.relative(input, r.path));
        move.run(to, fs.statSync(to).mtimeMs, r.sop_uid);
      }
    }
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
  return to;
}

function table(library: Library): Record<string, unknown>[] {
  return measurementTable(new ResultsStore(library), { seriesInstanceUid: SERIES }).rows as Record<string, unknown>[];
}

function spacings(libraryDir: string): Record<string, [string | null, string | null]> {
  const db = openDatabase(path.join(libraryDir, LIBRARY_FILE), { readonly: true });
  try {
    const rows = db.prepare<[], { sop_uid: string; pixel_spacing: string | null; pixel_spacing_kind: string | null }>('SELECT sop_uid, pixel_spacing, pixel_spacing_kind FROM instances ORDER BY sop_uid').all();
    return Object.fromEntries(rows.map((r) => [r.sop_uid.slice(SERIES.length + 1), [r.pixel_spacing, r.pixel_spacing_kind]]));
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-spacing-reread-'));
  input = path.join(dir, 'in');
  fs.mkdirSync(input);
  files.detector = write(1, 'CR', 'ComputedRadiographyImageStorage', ['(0018,1164) DS [0.2\\0.25]']);
  const made = write(2, 'DX', 'DigitalXRayImageStorageForPresentation', ['(0018,1164) DS [0.2\\0.2]', '(0018,1114) DS [1.25]']);
  // GDCM's rewrite in implicit VR replaces dcmtk's file.
  files.magnification = path.join(input, '2-gdcm.dcm');
  execFileSync('gdcmconv', ['--implicit', made, files.magnification], { stdio: 'pipe' });
  fs.rmSync(made);
  files.patient = write(3, 'CR', 'ComputedRadiographyImageStorage', ['(0028,0030) DS [0.3\\0.3]']);
  files.none = write(4, 'CR', 'ComputedRadiographyImageStorage', []);
  files.third = write(5, 'DX', 'DigitalXRayImageStorageForPresentation', ['(0018,1164) DS [0.14\\0.14]']);
  files.fourth = write(6, 'CR', 'ComputedRadiographyImageStorage', ['(0018,1164) DS [0.1\\0.1]']);
  fresh = path.join(dir, 'fresh');
  const library = Library.open(fresh);
  try {
    const report = await library.importPaths([input]);
    expect(report.imported).toBe(6);
    for (const [i, n] of [1, 2, 3, 4, 5, 6].entries()) {
      library.saveMeasurement({ id: `len-${n}`, seriesInstanceUid: SERIES, sopInstanceUid: `${SERIES}.${n}`, frame: 0, kind: 'length', points: [[0, 0], [10, 0]], createdAt: `2026-01-01T00:00:0${i}Z` });
    }
    expected = table(library);
  } finally {
    library.close();
  }
}, 120_000);
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a library from before schema 27 opened by this Lumen', () => {
  it('exports a length on its CR and DX in mm with the kind, as a fresh import does', () => {
    // The fresh import's figures, which the old library must reach.
    const byId = Object.fromEntries(expected.map((r) => [r.id, r]));
    expect([byId['len-1'].value, byId['len-1'].unit, byId['len-1'].pixelSpacing]).toEqual([2.5, 'mm', 'detector']);
    expect(byId['len-2'].pixelSpacing).toBe('magnification');
    expect([byId['len-4'].value, byId['len-4'].unit]).toEqual([10, 'pixel']);
    const old = oldLibrary(fresh, 'old');
    const lines: string[] = [];
    const library = Library.open(old, { log: (l) => lines.push(l) });
    try {
      expect(library.schemaVersion()).toBeGreaterThanOrEqual(27);
      expect(table(library)).toEqual(expected);
    } finally {
      library.close();
    }
    expect(lines).toEqual([]);
    const after = spacings(old);
    expect(after['1']).toEqual(['[0.2,0.25]', 'detector']);
    expect(after['3']).toEqual(['[0.3,0.3]', 'patient']);
    expect(after['4']).toEqual([null, null]);
  });

  it('reads them once: recorded, it never reads them again', () => {
    const old = oldLibrary(fresh, 'once');
    Library.open(old).close();
    const db = openDatabase(path.join(old, LIBRARY_FILE));
    try {
      expect(db.prepare('SELECT value FROM lumen_info WHERE key = ?').pluck().get(IMAGER_SPACING_KEY)).toBeTypeOf('string');
      expect(db.prepare('SELECT 1 FROM lumen_info WHERE key = ?').get(IMAGER_SPACING_PROGRESS_KEY)).toBeUndefined();
      // Cleared behind its back: a second opening does not look again.
      db.prepare("UPDATE instances SET pixel_spacing = NULL, pixel_spacing_kind = NULL WHERE sop_uid = ?").run(`${SERIES}.1`);
    } finally {
      db.close();
    }
    Library.open(old).close();
    expect(spacings(old)['1']).toEqual([null, null]);
  });

  it('leaves a file gone, changed since import or unreadable as it was, and opens', () => {
    const copies = path.join(dir, 'in-left');
    const old = oldLibrary(fresh, 'left', copies);
    const copy = (file: string) => path.join(copies, path.basename(file));
    fs.rmSync(copy(files.detector));
    fs.appendFileSync(copy(files.third), Buffer.from([0, 0]));
    // Same size and time, but not DICOM any more.
    const stat = fs.statSync(copy(files.fourth));
    fs.writeFileSync(copy(files.fourth), Buffer.alloc(stat.size, 0x41));
    fs.utimesSync(copy(files.fourth), stat.atime, stat.mtime);
    const lines: string[] = [];
    Library.open(old, { log: (l) => lines.push(l) }).close();
    // Each logged with why (the third's time may not survive utimes to the microsecond: changed or unreadable).
    expect(lines[0]).toMatch(/^The pixel spacing of projection X-rays .* 3 of them could not be used/);
    expect(lines).toContain(`  ${copy(files.detector)}: not there any more (no such file or folder)`);
    expect(lines).toContain(`  ${copy(files.third)}: changed since it was imported (its size or time): import it again`);
    expect(lines.find((l) => l.startsWith(`  ${copy(files.fourth)}: `))).toMatch(/: (changed since it was imported|unreadable: )/);
    expect(lines).toHaveLength(4);
    const after = spacings(old);
    expect(after['1']).toEqual([null, null]);
    expect(after['5']).toEqual([null, null]);
    expect(after['6']).toEqual([null, null]);
    // The one still as it was is read.
    expect(after['2'][1]).toBe('magnification');
  });

  it('goes on where a pass stopped part way, reading no file twice', () => {
    const old = oldLibrary(fresh, 'resume');
    const db = openDatabase(path.join(old, LIBRARY_FILE));
    try {
      // Schema 27 as Library.open would apply it, without the pass.
      db.exec("ALTER TABLE instances ADD COLUMN pixel_spacing_kind TEXT; UPDATE instances SET pixel_spacing_kind = 'patient' WHERE pixel_spacing IS NOT NULL");
      expect(() => rereadImagerSpacing(db, { batch: 2, onBatch: () => { throw new Error('killed'); } })).toThrow('killed');
      // The first batch (two of the five rows without a spacing) is written with where it stopped.
      expect(db.prepare("SELECT count(*) FROM instances WHERE pixel_spacing_kind IN ('detector', 'magnification')").pluck().get()).toBe(2);
      expect(db.prepare('SELECT value FROM lumen_info WHERE key = ?').pluck().get(IMAGER_SPACING_PROGRESS_KEY)).toBeTypeOf('string');
      expect(db.prepare('SELECT 1 FROM lumen_info WHERE key = ?').get(IMAGER_SPACING_KEY)).toBeUndefined();
      // The other three only (one of them the CR with no spacing at all).
      expect(rereadImagerSpacing(db, { batch: 2 })).toMatchObject({ rows: 3, read: 3, left: 0 });
      expect(rereadImagerSpacing(db)).toBeNull();
    } finally {
      db.close();
    }
    const after = spacings(old);
    expect(after['1']).toEqual(['[0.2,0.25]', 'detector']);
    expect(after['2'][1]).toBe('magnification');
    expect(after['4']).toEqual([null, null]);
    expect(after['5']).toEqual(['[0.14,0.14]', 'detector']);
    expect(after['6']).toEqual(['[0.1,0.1]', 'detector']);
  });
});

const disk = smallDiskForTests('spacing-reread', 16);
describe.skipIf(smallDiskSkip)(`an old library on a read-only disk${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('opens as it is and says nothing new', () => {
    // Schema 27 already (an old library cannot be upgraded on a read-only disk), the pass not yet run.
    const old = oldLibrary(fresh, 'ro-source');
    Library.open(old).close();
    const db = openDatabase(path.join(old, LIBRARY_FILE));
    db.prepare("UPDATE instances SET pixel_spacing = NULL, pixel_spacing_kind = NULL WHERE pixel_spacing_kind IN ('detector', 'magnification')").run();
    db.prepare('DELETE FROM lumen_info WHERE key = ?').run(IMAGER_SPACING_KEY);
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const data = path.join(disk.dir, 'library');
    fs.cpSync(old, data, { recursive: true });
    const before = fs.readFileSync(path.join(data, LIBRARY_FILE));
    disk.readOnly();
    try {
      const lines: string[] = [];
      const library = Library.open(data, { log: (l) => lines.push(l) });
      try {
        expect(library.readOnlyReason).toMatch(/read-only disk/);
        const row = table(library).find((r) => r.id === 'len-1')!;
        expect([row.unit, row.pixelSpacing]).toEqual(['pixel', '']);
      } finally {
        library.close();
      }
      expect(lines).toEqual([]);
      expect(fs.readFileSync(path.join(data, LIBRARY_FILE)).equals(before)).toBe(true);
    } finally {
      disk.writable();
    }
  });
});
