// Series scores of packages with a series head (multiple-instance learning): the
// series_predictions and series_attention tables of library migration 11. The prediction
// store (predictions.ts) writes them beside the slices' own scores when a result carries a
// series' pooled scores, and attaches them when it reads a series back, so the app, `lumen
// predict` and `lumen predictions` see the same attention weights. The series' uncertainty
// (series-ensemble.ts) and what is high for it ride in the pooled scores' JSON (no migration):
// a row stored before them reads back with null, never a made-up number.
import type Database from 'better-sqlite3';
import type { PredictionResult } from '../../common/contract/models';

const unit = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x) && x >= 0 && x <= 1;

/** Replaces a model's pooled scores and attention of each series in the result that has them (inside the caller's transaction). */
export function saveSeriesPooled(db: Database.Database, result: PredictionResult): void {
  const del = db.prepare('DELETE FROM series_predictions WHERE model_hash = ? AND series_uid = ?');
  const delWeights = db.prepare('DELETE FROM series_attention WHERE model_hash = ? AND series_uid = ?');
  const insert = db.prepare('INSERT INTO series_predictions (model_hash, series_uid, scores, created_at) VALUES (?, ?, ?, ?)');
  const weight = db.prepare('INSERT INTO series_attention (model_hash, series_uid, sop_uid, frame, weight) VALUES (?, ?, ?, ?, ?)');
  for (const s of result.series) {
    if (!s.pooled) continue;
    delWeights.run(result.modelHash, s.seriesInstanceUid);
    del.run(result.modelHash, s.seriesInstanceUid);
    const uncertainty = unit(s.pooled.uncertainty) ? s.pooled.uncertainty : null;
    const uncertaintyHigh = unit(s.pooled.uncertaintyHigh) ? s.pooled.uncertaintyHigh : null;
    insert.run(result.modelHash, s.seriesInstanceUid, JSON.stringify({ classNames: result.classNames, scores: s.pooled.scores, method: s.pooled.method, uncertainty, uncertaintyHigh }), result.createdAt);
    for (const im of result.images) {
      if (im.seriesInstanceUid === s.seriesInstanceUid && unit(im.attention)) weight.run(result.modelHash, s.seriesInstanceUid, im.sopInstanceUid, im.frame, im.attention);
    }
  }
}

/** Adds the stored pooled scores and each image's attention weight to a series' result read back (a no-op for image-level models). */
export function attachSeriesPooled(db: Database.Database, result: PredictionResult): PredictionResult {
  const uid = result.series[0]?.seriesInstanceUid;
  if (!uid) return result;
  const row = db.prepare<[string, string], { scores: string }>('SELECT scores FROM series_predictions WHERE model_hash = ? AND series_uid = ?').get(result.modelHash, uid);
  if (!row) return result;
  let parsed: { scores?: unknown; method?: unknown; uncertainty?: unknown; uncertaintyHigh?: unknown } | null = null;
  try {
    parsed = JSON.parse(row.scores) as { scores?: unknown; method?: unknown; uncertainty?: unknown; uncertaintyHigh?: unknown };
  } catch {
    return result;
  }
  if (!Array.isArray(parsed.scores) || !parsed.scores.every(unit) || typeof parsed.method !== 'string') return result;
  const pooled = { method: parsed.method, scores: parsed.scores as number[], uncertainty: unit(parsed.uncertainty) ? parsed.uncertainty : null, uncertaintyHigh: unit(parsed.uncertaintyHigh) ? parsed.uncertaintyHigh : null };
  const weights = new Map(
    db
      .prepare<[string, string], { sop_uid: string; frame: number; weight: number }>('SELECT sop_uid, frame, weight FROM series_attention WHERE model_hash = ? AND series_uid = ?')
      .all(result.modelHash, uid)
      .map((w) => [`${w.sop_uid}\0${w.frame}`, w.weight]),
  );
  return {
    ...result,
    images: result.images.map((im) => {
      const w = weights.get(`${im.sopInstanceUid}\0${im.frame}`);
      return w === undefined ? im : { ...im, attention: w };
    }),
    series: result.series.map((s) => ({ ...s, pooled })),
  };
}
