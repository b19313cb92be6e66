// The one prediction store (electron/library/predictions.ts) and migration 7: an image's
// scores are keyed by model, SOP Instance UID and frame, whichever way they were made, and
// rows written before (the CLI's "<SOP UID>#<frame>", the app's frame in the JSON) are kept
// and read the same.
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { PredictionStore } from '../../electron/library/predictions';
import { migrate } from '../../electron/library/schema';
import { tmpDir } from './fixtures';

const APP = 'a'.repeat(64);
const CLI = 'b'.repeat(64);
const SERIES = '1.2.3.4';
const MULTI = '1.2.3.4.5';
const SINGLE = '1.2.3.4.6';
const AT = '2026-01-01T00:00:00.000Z';

/** A library at schema 6 (before migration 7) with one multi-frame and one single-frame image. */
function oldLibrary(name: string): string {
  const dir = tmpDir(name);
  const db = new Database(path.join(dir, LIBRARY_FILE));
  migrate(db, 6);
  db.prepare("INSERT INTO patients (id, patient_key) VALUES (1, 'P1')").run();
  db.prepare("INSERT INTO studies (study_uid, patient_ref) VALUES ('1.2.3', 1)").run();
  db.prepare(`INSERT INTO series (series_uid, study_uid) VALUES ('${SERIES}', '1.2.3')`).run();
  const inst = db.prepare("INSERT INTO instances (sop_uid, series_uid, path, file_size, mtime_ms, frames, imported_at) VALUES (?, ?, ?, 1, 1, ?, 'now')");
  inst.run(MULTI, SERIES, '/multi.dcm', 3);
  inst.run(SINGLE, SERIES, '/single.dcm', 1);
  db.prepare("INSERT INTO models (package_hash, path, metadata, created_at) VALUES (?, '/pkg', ?, 'now')").run(CLI, JSON.stringify({ name: 'from the CLI' }));
  const row = db.prepare("INSERT INTO predictions (model_hash, target_kind, target_uid, scores, created_at) VALUES (?, 'image', ?, ?, ?)");
  // `lumen predict` before: frames after the first as "<SOP UID>#<frame>", with the frame in the JSON too.
  for (let f = 0; f < 3; f++) row.run(CLI, f === 0 ? MULTI : `${MULTI}#${f}`, JSON.stringify({ frame: f, seriesInstanceUid: SERIES, scores: [0.1 * f, 1 - 0.1 * f], classNames: ['x', 'y'] }), AT);
  // Training's test split before: no series UID in the JSON.
  row.run(CLI, SINGLE, JSON.stringify({ frame: 0, scores: [0.5, 0.5], classNames: ['x', 'y'], split: 'test' }), AT);
  // The app before: the plain SOP UID, the frame only in the JSON.
  row.run(APP, MULTI, JSON.stringify({ frame: 2, seriesInstanceUid: SERIES, scores: [0.9, 0.1], classNames: ['x', 'y'] }), AT);
  db.close();
  return dir;
}

describe('prediction store', () => {
  it('migration 7 keeps old rows and keys every one by image and frame', () => {
    const dir = oldLibrary('predictions-migrate');
    Library.open(dir).close();
    const db = new Database(path.join(dir, LIBRARY_FILE), { readonly: true });
    const rows = db.prepare<[], { model_hash: string; target_uid: string; frame: number; series_uid: string | null }>("SELECT model_hash, target_uid, frame, series_uid FROM predictions WHERE target_kind = 'image' ORDER BY id").all();
    db.close();
    expect(rows.map((r) => [r.model_hash[0], r.target_uid, r.frame, r.series_uid])).toEqual([
      ['b', MULTI, 0, SERIES],
      ['b', MULTI, 1, SERIES],
      ['b', MULTI, 2, SERIES],
      ['b', SINGLE, 0, SERIES],
      ['a', MULTI, 2, SERIES],
    ]);

    const store = new PredictionStore(dir);
    try {
      // Newest first (same time here: the later row); a model without a record is named by its hash.
      const stored = store.forSeries(SERIES);
      expect(stored.map((r) => [r.modelHash, r.modelName])).toEqual([
        [APP, `#${APP.slice(0, 12)}`],
        [CLI, 'from the CLI'],
      ]);
      expect(stored[1].images.map((i) => [i.sopInstanceUid, i.frame])).toEqual([
        [MULTI, 0],
        [MULTI, 1],
        [MULTI, 2],
        [SINGLE, 0],
      ]);
      expect(stored[1].images[1].scores[0]).toBeCloseTo(0.1, 9);
      expect(stored[1].series).toEqual([{ seriesInstanceUid: SERIES, images: 4, mean: expect.any(Array), max: expect.any(Array) }]);
      // Rows from before migration 10 have no uncertainty, and from before 22 no training-data check: null, never a made-up value.
      expect(store.latestForSeries(APP, SERIES)?.images).toEqual([{ seriesInstanceUid: SERIES, sopInstanceUid: MULTI, frame: 2, scores: [0.9, 0.1], uncertainty: null, domain: null }]);
    } finally {
      store.close();
    }
  });

  it('saves each frame apart and replaces only the same image and frame of the same model', () => {
    const dir = oldLibrary('predictions-save');
    Library.open(dir).close();
    const store = new PredictionStore(dir);
    try {
      const result = (frames: number[], score: number, at: string) => ({
        modelHash: APP,
        modelName: 'app',
        classNames: ['x', 'y'],
        images: frames.map((frame) => ({ seriesInstanceUid: SERIES, sopInstanceUid: MULTI, frame, scores: [score, 1 - score] })),
        series: [{ seriesInstanceUid: SERIES, images: frames.length, mean: [score, 1 - score], max: [score, 1 - score] }],
        createdAt: at,
      });
      const model = { dir: '/pkg-app', metadata: { name: 'app model', classNames: ['x', 'y'] } };
      store.save(result([0, 1, 2], 0.25, '2026-02-01T00:00:00.000Z'), model, { scope: 'series' });
      store.save(result([1], 0.75, '2026-03-01T00:00:00.000Z'), model, { scope: 'image' });
      const latest = store.latestForSeries(APP, SERIES)!;
      expect(latest.modelName).toBe('app model');
      expect(latest.images.map((i) => [i.frame, i.scores[0]])).toEqual([
        [0, 0.25],
        [1, 0.75],
        [2, 0.25],
      ]);
      expect(store.count(APP, 'image')).toBe(3);
      // The CLI's rows of the same image are another model's: untouched.
      expect(store.latestForSeries(CLI, SERIES)?.images).toHaveLength(4);
    } finally {
      store.close();
    }
  });
});
