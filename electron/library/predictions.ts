// The one prediction store: the library's `models` and `predictions` tables (schema.ts
// migrations 2 and 7), written by every prediction (the app's Run, `lumen predict`, training's
// test split) and read by the app, `lumen predictions` and the exports. An image's scores are
// keyed by model, SOP Instance UID AND frame, so every frame of a multi-frame image has its
// own; predicting an image again replaces its scores for that model. A second connection to
// the library's WAL database, opened after Library.open has migrated it.
import path from 'node:path';
import type Database from 'better-sqlite3';
import type { ImageScores, PredictionResult } from '../../common/contract/models';
import { LIBRARY_FILE, type Library } from './library';
import { openDatabase } from './sqlite';
import { attachSeriesPooled, saveSeriesPooled } from './series-predictions';
import { sameStamp } from './imported-file';

export interface SavedModel {
  dir: string;
  /** The package's metadata.json (name, variant, class names...). */
  metadata: { name: string; classNames: string[] } & Record<string, unknown>;
}

/** Mean and max of each class over a series' images. */
export function summarizeSeries(seriesInstanceUid: string, images: { scores: number[] }[]): PredictionResult['series'][number] {
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

/** Per series, in the order each first appears. */
export function summarizeBySeries(images: ImageScores[]): PredictionResult['series'] {
  const groups = new Map<string, ImageScores[]>();
  for (const im of images) groups.set(im.seriesInstanceUid, [...(groups.get(im.seriesInstanceUid) ?? []), im]);
  return [...groups].map(([uid, list]) => summarizeSeries(uid, list));
}

interface ImageRow {
  model_hash: string;
  target_uid: string;
  frame: number;
  scores: string;
  uncertainty: number | null;
  domain: string | null;
  created_at: string;
  metadata: string | null;
  /** The image as the library holds it now (LEFT JOIN: null when it holds no image of that SOP UID). */
  file_size: number | null;
  mtime_ms: number | null;
  imported_at: string | null;
  image_series: string | null;
  frames: number | null;
}

/** The file an image's scores were made from, as the library held it then: [size, mtime_ms] (in the scores' JSON, no migration). */
type MadeFrom = [number, number];

/**
 * Whether stored scores are of the image the library holds now: of an image the series still
 * holds (findings T-2), of a frame it still has (T-5), made from the file as the library read it
 * last (T-1: a file changed in place is read again, and its size or time differ). Rows stored
 * before scores named their file count when made after the image was last read (imported_at),
 * or when either time is not an ISO 8601 UTC time (nothing to compare).
 */
export function scoresOfHeldImage(
  row: { created_at: string; series_uid: string | null; frame: number; madeFrom: unknown },
  image: { series_uid: string; frames: number; file_size: number; mtime_ms: number; imported_at: string } | null,
): boolean {
  if (!image || image.series_uid !== row.series_uid || row.frame >= Math.max(1, image.frames)) return false;
  const m = row.madeFrom;
  if (Array.isArray(m) && m.length === 2) return sameStamp({ fileSize: m[0] as number, mtimeMs: m[1] as number }, { fileSize: image.file_size, mtimeMs: image.mtime_ms });
  // Both ISO 8601 times in UTC (toISOString), which compare as text; a time of another form says nothing.
  const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
  return !iso.test(row.created_at) || !iso.test(image.imported_at) || row.created_at >= image.imported_at;
}

export class PredictionStore {
  private readonly db: Database.Database;
  /** Whether `db` is this store's own connection (closed with it), not the library's. */
  private readonly owned: boolean;

  /** `library`: its folder, or an open Library, whose own connection is read when it is read-only (a second one cannot be opened there; nothing is saved then). */
  constructor(library: string | Pick<Library, 'dir' | 'readOnlyConnection'>) {
    const shared = typeof library === 'string' ? null : library.readOnlyConnection();
    this.owned = shared === null;
    this.db = shared ?? openDatabase(path.join(typeof library === 'string' ? library : library.dir, LIBRARY_FILE));
    if (this.owned) {
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('busy_timeout = 5000');
    }
  }

  /** Records the package (by content hash) so that stored scores name their model. */
  registerModel(hash: string, model: SavedModel): void {
    this.db
      .prepare('INSERT INTO models (package_hash, path, metadata, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(package_hash) DO UPDATE SET path = excluded.path, metadata = excluded.metadata')
      .run(hash, path.resolve(model.dir), JSON.stringify(model.metadata), new Date().toISOString());
  }

  /**
   * Stores a prediction: each image's scores (replacing that model's earlier scores of the
   * same image and frame), each series' mean and max, and for a study run the study.
   * `extra` goes into each image row's JSON (training marks its test split).
   */
  save(result: PredictionResult, model: SavedModel, opts: { scope?: string; studyInstanceUid?: string | null; extra?: Record<string, unknown> } = {}): void {
    const hash = result.modelHash;
    const at = result.createdAt;
    const { classNames } = result;
    const delImage = this.db.prepare("DELETE FROM predictions WHERE model_hash = ? AND target_kind = 'image' AND target_uid = ? AND frame = ?");
    const delOther = this.db.prepare('DELETE FROM predictions WHERE model_hash = ? AND target_kind = ? AND target_uid = ?');
    const insert = this.db.prepare('INSERT INTO predictions (model_hash, target_kind, target_uid, frame, series_uid, scores, created_at, uncertainty, domain) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const file = this.db.prepare<[string], { file_size: number; mtime_ms: number }>('SELECT file_size, mtime_ms FROM instances WHERE sop_uid = ?');
    this.db.transaction(() => {
      this.registerModel(hash, model);
      for (const img of result.images) {
        delImage.run(hash, img.sopInstanceUid, img.frame);
        // The file the scores were made from (scoresOfHeldImage): a file read again with other content does not keep them.
        const held = file.get(img.sopInstanceUid);
        const madeFrom: MadeFrom | undefined = held ? [held.file_size, held.mtime_ms] : undefined;
        // frame and seriesInstanceUid stay in the JSON too, for readers of rows made before migration 7.
        insert.run(hash, 'image', img.sopInstanceUid, img.frame, img.seriesInstanceUid, JSON.stringify({ classNames, scores: img.scores, frame: img.frame, seriesInstanceUid: img.seriesInstanceUid, ...opts.extra, ...(madeFrom ? { madeFrom } : {}) }), at, uncertaintyOf(img.uncertainty), img.domain ? JSON.stringify(img.domain) : null);
      }
      for (const s of result.series) {
        delOther.run(hash, 'series', s.seriesInstanceUid);
        insert.run(hash, 'series', s.seriesInstanceUid, 0, s.seriesInstanceUid, JSON.stringify({ classNames, mean: s.mean, max: s.max, images: s.images, ...(opts.scope ? { scope: opts.scope } : {}) }), at, null, null);
      }
      if (opts.scope === 'study' && opts.studyInstanceUid) {
        delOther.run(hash, 'study', opts.studyInstanceUid);
        insert.run(hash, 'study', opts.studyInstanceUid, 0, null, JSON.stringify({ classNames, series: result.series.map((s) => s.seriesInstanceUid) }), at, null, null);
      }
      saveSeriesPooled(this.db, result);
    })();
  }

  /**
   * What is stored for a series, per model (newest first): the latest scores of each image
   * and frame, whichever way they were made. `modelHash` narrows it to one model. Only scores of
   * the images and frames the series holds now, made from their files as read last
   * (scoresOfHeldImage); a series head's pooled scores only while none of its images' scores were left out.
   */
  forSeries(seriesInstanceUid: string, modelHash?: string): PredictionResult[] {
    const rows = this.db
      .prepare<[string], ImageRow>(
        `SELECT p.model_hash, p.target_uid, p.frame, p.scores, p.uncertainty, p.domain, p.created_at, m.metadata,
                i.file_size, i.mtime_ms, i.imported_at, i.series_uid AS image_series, i.frames
           FROM predictions p LEFT JOIN models m ON m.package_hash = p.model_hash
           LEFT JOIN instances i ON i.sop_uid = p.target_uid
          WHERE p.target_kind = 'image' AND p.series_uid = ?
          ORDER BY p.created_at DESC, p.id DESC`,
      )
      .all(seriesInstanceUid);
    const byModel = new Map<string, { result: PredictionResult; seen: Set<string> }>();
    // Models some of whose rows are of an image the series no longer holds as it was: their series head's pooled scores are of other images.
    const leftOut = new Set<string>();
    for (const row of rows) {
      if (modelHash !== undefined && row.model_hash !== modelHash) continue;
      const s = parseJson<{ classNames?: unknown; scores?: unknown; madeFrom?: unknown }>(row.scores);
      if (!s || !isNumbers(s.scores) || !isStrings(s.classNames)) continue;
      const image =
        row.image_series !== null && row.file_size !== null && row.mtime_ms !== null && row.imported_at !== null
          ? { series_uid: row.image_series, frames: row.frames ?? 1, file_size: row.file_size, mtime_ms: row.mtime_ms, imported_at: row.imported_at }
          : null;
      if (!scoresOfHeldImage({ created_at: row.created_at, series_uid: seriesInstanceUid, frame: row.frame, madeFrom: s.madeFrom }, image)) {
        leftOut.add(row.model_hash);
        continue;
      }
      let entry = byModel.get(row.model_hash);
      if (!entry) {
        const meta = parseJson<{ name?: unknown; ensemble?: { validation?: { p95?: unknown } }; seriesHead?: unknown; domain?: unknown }>(row.metadata);
        const modelName = typeof meta?.name === 'string' ? meta.name : `#${row.model_hash.slice(0, 12)}`;
        const high = meta?.ensemble?.validation?.p95;
        const uncertaintyHigh = typeof high === 'number' && high >= 0 && high <= 1 ? high : null;
        const seriesHead = typeof meta?.seriesHead === 'object' && meta.seriesHead !== null ? { seriesHead: true } : {};
        const trainingDomain = typeof meta?.domain === 'object' && meta.domain !== null ? ('recorded' as const) : ('unknown' as const);
        entry = { result: { modelHash: row.model_hash, modelName, classNames: s.classNames, images: [], series: [], createdAt: row.created_at, uncertaintyHigh, trainingDomain, ...seriesHead }, seen: new Set() };
        byModel.set(row.model_hash, entry);
      }
      const key = `${row.target_uid}\0${row.frame}`;
      if (entry.seen.has(key)) continue;
      entry.seen.add(key);
      entry.result.images.push({ seriesInstanceUid, sopInstanceUid: row.target_uid, frame: row.frame, scores: s.scores, uncertainty: uncertaintyOf(row.uncertainty), domain: domainOf(row.domain) });
    }
    return [...byModel.values()].map(({ result }) => {
      result.images.sort((a, b) => (a.sopInstanceUid < b.sopInstanceUid ? -1 : a.sopInstanceUid > b.sopInstanceUid ? 1 : a.frame - b.frame));
      const own = { ...result, series: [summarizeSeries(seriesInstanceUid, result.images)] };
      return leftOut.has(result.modelHash) ? own : attachSeriesPooled(this.db, own);
    });
  }

  /** The latest scores of each image and frame of a series for one model, or null when there are none. */
  latestForSeries(modelHash: string, seriesInstanceUid: string): PredictionResult | null {
    return this.forSeries(seriesInstanceUid, modelHash)[0] ?? null;
  }

  /** How many rows of a kind a model has (tests and diagnostics). */
  count(modelHash: string, kind: 'image' | 'series' | 'study'): number {
    return this.db.prepare<[string, string], { n: number }>('SELECT COUNT(*) AS n FROM predictions WHERE model_hash = ? AND target_kind = ?').get(modelHash, kind)!.n;
  }

  close(): void {
    if (this.owned && this.db.open) this.db.close();
  }
}

/** An uncertainty as stored: a number in 0..1, else null (never a made-up value). */
function uncertaintyOf(u: number | null | undefined): number | null {
  return typeof u === 'number' && Number.isFinite(u) && u >= 0 && u <= 1 ? u : null;
}

/** A stored domain verdict as the contract has it, else null (a row from before migration 22, or one that does not parse). */
function domainOf(text: string | null): ImageScores['domain'] {
  const d = parseJson<{ outside?: unknown; reasons?: unknown; distance?: unknown; threshold?: unknown }>(text);
  if (!d || typeof d.outside !== 'boolean' || !isStrings(d.reasons)) return null;
  const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) && x >= 0 ? x : undefined);
  const distance = n(d.distance), threshold = n(d.threshold);
  return { outside: d.outside, reasons: d.reasons.slice(0, 16).map((r) => r.slice(0, 400)), ...(distance !== undefined ? { distance } : {}), ...(threshold !== undefined ? { threshold } : {}) };
}

function parseJson<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
}

function isNumbers(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

function isStrings(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string');
}

/** Opens the store, saves one prediction, closes it. */
export function savePredictions(libraryDir: string, result: PredictionResult, model: SavedModel, opts: Parameters<PredictionStore['save']>[2] = {}): void {
  const store = new PredictionStore(libraryDir);
  try {
    store.save(result, model, opts);
  } finally {
    store.close();
  }
}
