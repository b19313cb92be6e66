// The label overview's counts from SQL aggregates (seriesStates) are what the per-image pass
// in JavaScript they replaced gave (kept below as the reference), on a generated library of
// 1,500 studies with every way a label can reach an image: its own label over its series'
// over its study's, several labels on one target (the newest counts), multi-frame images,
// missing files and images without pixels left out, a series with no usable image, patients
// without an ID or a name.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { openDatabase } from '../../electron/library/sqlite';
import { labelOverview, seriesStates, type SeriesState } from '../../electron/training/label-overview';
import { TrainingStore } from '../../electron/training/store';
import { fillLibrary } from '../support/library-rows';

let dir: string;
let lib: Library;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-label-overview-'));
  const classes = ['normal', 'tumour', 'cyst'];
  fillLibrary(dir, {
    studies: 1500,
    seriesPerStudy: 2,
    imagesPerSeries: 3,
    label: (n) => (n % 4 === 0 ? { kind: 'series', label: classes[n % 3] } : n % 4 === 1 ? { kind: 'image', label: classes[(n + 1) % 3] } : n % 20 === 2 ? { kind: 'study', label: 'cyst' } : null),
  });
  const db = openDatabase(path.join(dir, LIBRARY_FILE));
  const at = "'2024-02-01T00:00:00.000Z'";
  db.exec(`
    -- An image's own label over its series' label: the second image of every 8th series.
    INSERT INTO labels (target_kind, target_uid, label, created_at) SELECT 'image', series_uid || '.2', 'cyst', ${at} FROM series WHERE rowid % 8 = 1;
    -- A second, newer label on a series that has one: the newer counts.
    INSERT INTO labels (target_kind, target_uid, label, created_at) SELECT 'series', target_uid, 'tumour', ${at} FROM labels WHERE target_kind = 'series' AND id % 5 = 0;
    -- Study labels under series labels.
    INSERT INTO labels (target_kind, target_uid, label, created_at) SELECT 'study', study_uid, 'normal', ${at} FROM studies WHERE rowid % 7 = 0;
    -- Multi-frame images, missing files, images without pixel data.
    UPDATE instances SET frames = 4 WHERE rowid % 11 = 0;
    UPDATE instances SET frames = 0 WHERE rowid % 17 = 0;
    UPDATE instances SET missing = 1 WHERE rowid % 13 = 0;
    UPDATE instances SET has_pixel_data = 0 WHERE rowid % 19 = 0;
    -- A series with no usable image at all, and one with no images.
    UPDATE instances SET missing = 1 WHERE series_uid = (SELECT series_uid FROM series WHERE rowid = 10);
    DELETE FROM instances WHERE series_uid = (SELECT series_uid FROM series WHERE rowid = 12);
    -- Patients without an ID, or without a name.
    UPDATE patients SET patient_id = NULL WHERE id % 9 = 0;
    UPDATE patients SET patient_name = NULL WHERE id % 10 = 0;
  `);
  db.close();
  lib = Library.open(dir);
});

afterAll(() => {
  lib.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The per-image pass seriesStates replaced (electron/training/label-overview.ts before), as it was. */
function perImagePass(store: TrainingStore): SeriesState[] {
  const byKind = { image: new Map<string, string>(), series: new Map<string, string>(), study: new Map<string, string>() };
  for (const l of store.db.prepare<[], { target_kind: 'image' | 'series' | 'study'; target_uid: string; label: string }>('SELECT target_kind, target_uid, label FROM labels').all()) {
    byKind[l.target_kind].set(l.target_uid, l.label);
  }
  const series = new Map<string, SeriesState>();
  const rows = store.db
    .prepare<[], { series_uid: string; study_uid: string; patient: string; patient_name: string | null; sop_uid: string | null; frames: number | null }>(
      `SELECT se.series_uid, se.study_uid, COALESCE(p.patient_id, p.patient_key) AS patient, p.patient_name, i.sop_uid, i.frames
       FROM series se JOIN studies st ON st.study_uid = se.study_uid JOIN patients p ON p.id = st.patient_ref
       JOIN instances i ON i.series_uid = se.series_uid AND i.missing = 0 AND i.has_pixel_data = 1
       ORDER BY st.study_date IS NULL, st.study_date DESC, st.study_time DESC, p.patient_name, st.study_uid,
         se.series_number IS NULL, se.series_number, se.description, se.series_uid`,
    )
    .all();
  for (const r of rows) {
    let s = series.get(r.series_uid);
    if (!s) series.set(r.series_uid, (s = { seriesUid: r.series_uid, studyUid: r.study_uid, patient: r.patient, name: r.patient_name, images: 0, classes: new Map() }));
    const frames = Math.max(1, r.frames ?? 1);
    s.images += frames;
    const label = (r.sop_uid !== null ? byKind.image.get(r.sop_uid) : undefined) ?? byKind.series.get(r.series_uid) ?? byKind.study.get(r.study_uid);
    if (label !== undefined) s.classes.set(label, (s.classes.get(label) ?? 0) + frames);
  }
  return [...series.values()];
}

describe('the label overview', () => {
  it('counts from two SQL aggregates what the per-image pass counted, series by series in the same order', () => {
    const store = new TrainingStore(lib);
    const before = perImagePass(store);
    const after = seriesStates(store);
    // Every way in is present, so the comparison means something.
    expect(before.length).toBeGreaterThan(2900);
    expect(before.some((s) => s.classes.size > 1)).toBe(true);
    expect(before.filter((s) => s.classes.size === 0).length).toBeGreaterThan(100);
    expect(after.map((s) => s.seriesUid)).toEqual(before.map((s) => s.seriesUid));
    expect(after).toEqual(before);
    const o = labelOverview(store);
    expect(o.classes.map((c) => c.className)).toEqual(['cyst', 'normal', 'tumour']);
    expect(o.totals.series).toBe(before.length);
    expect(o.patients.some((p) => p.name === null)).toBe(true);
  });
});
