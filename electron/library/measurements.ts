// Measurements drawn in the viewer (table measurements, schema.ts migration 5): each on one
// image, a SOP instance and one of its frames, with its points in image pixels.
import type Database from 'better-sqlite3';
import type { Measurement } from '../../common/contract/measurements';

interface MeasurementRow {
  id: string;
  series_uid: string;
  sop_uid: string;
  frame: number;
  kind: Measurement['kind'];
  points: string;
  created_at: string;
}

function measurement(r: MeasurementRow): Measurement {
  return {
    id: r.id,
    seriesInstanceUid: r.series_uid,
    sopInstanceUid: r.sop_uid,
    frame: r.frame,
    kind: r.kind,
    points: JSON.parse(r.points) as Measurement['points'],
    createdAt: r.created_at,
  };
}

/** The series' measurements, oldest first. */
export function listMeasurements(db: Database.Database, seriesInstanceUid: string): Measurement[] {
  return db
    .prepare<[string], MeasurementRow>('SELECT * FROM measurements WHERE series_uid = ? ORDER BY created_at, rowid')
    .all(seriesInstanceUid)
    .map(measurement);
}

/** Keeps a measurement; one already kept under its id stays as it is (undo and redo repeat a save). */
export function saveMeasurement(db: Database.Database, m: Measurement, author: string | null): Measurement {
  db.prepare(
    `INSERT INTO measurements (id, series_uid, sop_uid, frame, kind, points, author, created_at)
     VALUES (@id, @series, @sop, @frame, @kind, @points, @author, @createdAt) ON CONFLICT(id) DO NOTHING`,
  ).run({ id: m.id, series: m.seriesInstanceUid, sop: m.sopInstanceUid, frame: m.frame, kind: m.kind, points: JSON.stringify(m.points), author, createdAt: m.createdAt });
  return measurement(db.prepare<[string], MeasurementRow>('SELECT * FROM measurements WHERE id = ?').get(m.id)!);
}

/** Removes one measurement; false when there was none with that id. */
export function deleteMeasurement(db: Database.Database, id: string): boolean {
  return db.prepare('DELETE FROM measurements WHERE id = ?').run(id).changes > 0;
}
