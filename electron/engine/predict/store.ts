// Predictions in the library's SQLite file (tables `models` and `predictions`,
// created by the library's migrations), through a second connection: WAL lets
// it write beside the Library's own.
import path from 'node:path';
import Database from 'better-sqlite3';
import type { PredictionResult } from '../../../common/contract/models';
import { LIBRARY_FILE } from '../../library/library';
import type { PackageMetadata } from '../../../models/package';

export class PredictionStore {
  private readonly db: Database.Database;

  constructor(libraryDir: string) {
    this.db = new Database(path.join(libraryDir, LIBRARY_FILE));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
  }

  save(result: PredictionResult, pkg: { dir: string; metadata: PackageMetadata }, scope: string, studyInstanceUid: string | null): void {
    const insert = this.db.prepare('INSERT INTO predictions (model_hash, target_kind, target_uid, scores, created_at) VALUES (?, ?, ?, ?, ?)');
    const at = result.createdAt;
    const { classNames } = result;
    this.db.transaction(() => {
      this.db
        .prepare('INSERT INTO models (package_hash, path, metadata, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(package_hash) DO UPDATE SET path = excluded.path')
        .run(result.modelHash, pkg.dir, JSON.stringify(pkg.metadata), at);
      for (const img of result.images) {
        insert.run(result.modelHash, 'image', img.sopInstanceUid, JSON.stringify({ classNames, scores: img.scores, frame: img.frame, seriesInstanceUid: img.seriesInstanceUid }), at);
      }
      for (const s of result.series) {
        insert.run(result.modelHash, 'series', s.seriesInstanceUid, JSON.stringify({ classNames, mean: s.mean, max: s.max, images: s.images, scope }), at);
      }
      if (scope === 'study' && studyInstanceUid) {
        insert.run(result.modelHash, 'study', studyInstanceUid, JSON.stringify({ classNames, series: result.series.map((s) => s.seriesInstanceUid) }), at);
      }
    })();
  }

  /** The latest score of each image of the series for one model. */
  latestForSeries(modelHash: string, modelName: string, sops: string[], seriesInstanceUid: string): PredictionResult | null {
    if (sops.length === 0) return null;
    const rows = this.db
      .prepare<[string], { target_uid: string; scores: string; created_at: string }>(
        `SELECT target_uid, scores, created_at FROM predictions WHERE model_hash = ? AND target_kind = 'image' ORDER BY created_at DESC, id DESC`,
      )
      .all(modelHash);
    const wanted = new Set(sops);
    const seen = new Set<string>();
    const images: PredictionResult['images'] = [];
    let classNames: string[] = [];
    let createdAt = '';
    for (const row of rows) {
      if (!wanted.has(row.target_uid)) continue;
      // Rows written by `lumen predict` (electron/training) carry no series UID; the SOP UID already ties them to it.
      let s: { classNames?: string[]; scores?: number[]; frame?: number; seriesInstanceUid?: string };
      try {
        s = JSON.parse(row.scores);
      } catch {
        continue;
      }
      if (!Array.isArray(s.scores) || !Array.isArray(s.classNames)) continue;
      if (s.seriesInstanceUid !== undefined && s.seriesInstanceUid !== seriesInstanceUid) continue;
      const frame = s.frame ?? 0;
      const key = `${row.target_uid}/${frame}`;
      if (seen.has(key)) continue;
      seen.add(key);
      classNames = s.classNames;
      if (row.created_at > createdAt) createdAt = row.created_at;
      images.push({ seriesInstanceUid, sopInstanceUid: row.target_uid, frame, scores: s.scores });
    }
    if (images.length === 0) return null;
    return { modelHash, modelName, classNames, images, series: [summarize(seriesInstanceUid, images)], createdAt };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

export function summarize(seriesInstanceUid: string, images: { scores: number[] }[]): PredictionResult['series'][number] {
  const k = images[0]?.scores.length ?? 0;
  const mean = new Array<number>(k).fill(0);
  const max = new Array<number>(k).fill(-Infinity);
  for (const img of images) {
    img.scores.forEach((v, i) => {
      mean[i] += v / images.length;
      max[i] = Math.max(max[i], v);
    });
  }
  return { seriesInstanceUid, images: images.length, mean, max };
}
