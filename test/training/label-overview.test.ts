// The label overview from SQL aggregates gives what the per-image pass in JavaScript gave, on
// a generated library of 1,500 studies with every way a label can reach an image: its own
// label over its series' over its study's, several labels on one target (the newest counts),
// multi-frame images, missing files and images without pixels left out, a series with no
// usable image, patients without an ID or a name.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { openDatabase } from '../../electron/library/sqlite';
import { labelOverview } from '../../electron/training/label-overview';
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

describe('the label overview', () => {
  it('from two SQL aggregates is what the per-image pass gave', () => {
    const store = new TrainingStore(lib);
    const before = labelOverview(store, { before: true });
    const after = labelOverview(store);
    // Every way in is present, so the comparison means something.
    expect(before.classes.map((c) => c.className)).toEqual(['cyst', 'normal', 'tumour']);
    expect(before.totals.unlabelledSeries).toBeGreaterThan(100);
    expect(before.patients.some((p) => p.name === null)).toBe(true);
    expect(before.patients.some((p) => Object.keys(p.classes).length > 1)).toBe(true);
    expect(after).toEqual(before);
    expect(JSON.stringify(after.classes)).toBe(JSON.stringify(before.classes));
    expect(JSON.stringify(after.totals)).toBe(JSON.stringify(before.totals));
  });
});
