// The app's table export of an ultrasound series while the engine's one-time pass
// (electron/library/imager-spacing.ts) is still reading an older library's spacing and regions:
// the library's thousands of CR rows come first, the series' rows last, and the export is asked
// for at once. Its lengths are in the mm of their US region, as after the pass, not in pixels.
// Files: dcmtk's dump2dcm (spacing-reread-fixture.ts, us-regions-fixture.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../common/contract';
import type { SpacingCheck } from '../../common/contract/library';
import type { RequestContext } from '../../common/rpc';
import { createEngine } from '../../electron/engine/engine';
import { Library } from '../../electron/library/library';
import { LIBRARY_FILE } from '../../electron/library/paths';
import { openDatabase } from '../../electron/library/sqlite';
import { oldSpacingLibrary } from '../library/spacing-reread-fixture';
import { sopOf, writeUs } from '../dicom/us-regions-fixture';
import { undoMigrationsAfter28 } from '../support/old-library';

const COPIES = 2000;
const US = '1.2.826.0.1.3680043.10.89.27.9';
let dir: string;
let dataDir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-export-reread-'));
  dataDir = path.join(dir, 'data');
  const library = path.join(dataDir, 'library');
  await oldSpacingLibrary(path.join(dir, 'work'), COPIES, library);
  // The ultrasound image imported after them: its row comes last.
  const input = path.join(dir, 'us');
  fs.mkdirSync(input);
  const file = writeUs(input, 'us', { columns: 160, rows: 120, series: US, instance: 1, regions: [{ x0: 0, y0: 0, x1: 79, y1: 119, deltaX: 0.02, deltaY: 0.03 }] });
  const made = Library.open(library, { log: () => {} });
  try {
    expect((await made.importPaths([input])).imported).toBe(1);
    made.saveMeasurement({ id: 'us-length', seriesInstanceUid: US, sopInstanceUid: sopOf(file), frame: 0, kind: 'length', points: [[10, 10], [40, 50]], createdAt: '2026-01-01T00:00:00Z' });
  } finally {
    made.close();
  }
  // As a Lumen of schema 27 left it: no regions read, nor the CR rows' spacing.
  const db = openDatabase(path.join(library, LIBRARY_FILE));
  try {
    db.exec('ALTER TABLE instances DROP COLUMN pixel_calibration');
    db.prepare("UPDATE instances SET pixel_spacing = NULL, pixel_spacing_kind = NULL WHERE modality IN ('CR', 'DX')").run();
    db.prepare("DELETE FROM lumen_info WHERE key IN ('imager_spacing_read_by', 'imager_spacing_rowid', 'pixel_calibration_read_by', 'pixel_calibration_rowid')").run();
    // Nor what the migrations after 28 changed (frame labels, SR score concepts).
    undoMigrationsAfter28(db);
    db.pragma('user_version = 27');
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}, 180_000);
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a table export while the library is read again', () => {
  it('writes the series it exports in the mm of its US region, before the pass reaches it', async () => {
    const ctx: RequestContext = { emit: <K extends EventName>(_event: K, _payload: EventPayload<K>) => undefined };
    const engine = createEngine({ dataDir, shell: 'cli', backend: 'cpu', log: () => {} });
    try {
      const out = path.join(dir, 'out', 'us.csv');
      const reply = await engine.dispatch('export.table', { kind: 'measurements', format: 'csv', uid: US, packageHash: null, out }, ctx);
      if (!reply.ok) throw new Error(reply.error.message);
      // The pass was still running: it had not reached the series' row.
      const check = await engine.dispatch('library.spacingCheck', {}, ctx);
      expect(check.ok && (check.value as SpacingCheck)).toMatchObject({ running: true, total: COPIES + 3 });
      expect((check.ok && (check.value as SpacingCheck).done) || 0).toBeLessThan(COPIES + 3);
      const [header, row] = fs.readFileSync(out, 'utf8').trim().split(/\r?\n/);
      const cell = (name: string) => row.split(',')[header.split(',').indexOf(name)];
      expect(Number(cell('value'))).toBeCloseTo(Math.hypot(30 * 0.2, 40 * 0.3), 6);
      expect([cell('unit'), cell('pixelSpacing')]).toEqual(['mm', 'us-region 1']);
    } finally {
      engine.dispose();
    }
  });
});
