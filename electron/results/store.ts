// What Lumen has to export, read from the library's SQLite file: the predictions stored
// under each package's content hash, the labels and the measurements, each tied to its
// study, series and image by UID. A read-only connection beside the Library's own (WAL).
import path from 'node:path';
import type Database from 'better-sqlite3';
import { LIBRARY_FILE, type Library } from '../library/library';
import { openDatabase } from '../library/sqlite';
import { writtenDigests } from './written';
import { scoresOfHeldImage } from '../library/predictions';
import { PIXEL_SPACING_KINDS, type PixelSpacingKind, type UsRegion } from '../../common/roi';

/** One image's stored scores for one model. */
export interface StoredPrediction {
  packageHash: string;
  modelName: string | null;
  variant: string | null;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid: string | null;
  frame: number;
  classNames: string[];
  scores: number[];
  createdAt: string;
  /** Whether the image is outside the model's training data and why (migration 22); null when not judged (a package without a training domain, or scores from before the check). */
  domain: { outside: boolean; reasons: string[] } | null;
}

export interface StoredLabel {
  targetKind: 'image' | 'series' | 'study';
  studyInstanceUid: string;
  seriesInstanceUid: string | null;
  sopInstanceUid: string | null;
  /** A label of one frame of a multi-frame image: that frame, 1-based (Referenced Frame Number); null or absent: the whole image, series or study. */
  frame?: number | null;
  label: string;
  author: string | null;
  createdAt: string;
}

const REGION_KEYS = ['x0', 'y0', 'x1', 'y1', 'unitsX', 'unitsY', 'deltaX', 'deltaY', 'spatialFormat'] as const;

/** Stored ultrasound regions, each value a number or null (anything else null: calibrationAt then says why it cannot measure). */
function usRegionsOf(v: unknown): UsRegion[] | null {
  if (!Array.isArray(v)) return null;
  return v.map((item) => {
    const o = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    return Object.fromEntries(REGION_KEYS.map((k) => [k, typeof o[k] === 'number' && Number.isFinite(o[k]) ? o[k] : null])) as unknown as UsRegion;
  });
}

function numberPair(v: unknown): [number, number] | null {
  return Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? [v[0], v[1]] : null;
}

/** Stored points, each a pair of finite numbers; anything else none (the measurement then has no value and no SR group). */
function pointsOf(v: unknown): [number, number][] {
  return Array.isArray(v) && v.every((p) => numberPair(p) !== null) ? (v as [number, number][]) : [];
}

export interface StoredMeasurement {
  id: string;
  kind: string;
  studyInstanceUid: string | null;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid: string | null;
  frame: number;
  /** [[column, row], ...] in image pixels. */
  points: [number, number][];
  /** [row, column] mm, when the image says. */
  pixelSpacing: [number, number] | null;
  /** What that spacing measures (common/roi.ts PixelSpacingKind); null with it, 'patient' where unset. */
  pixelSpacingKind?: PixelSpacingKind | null;
  /** The image's size, ultrasound regions and Pixel Aspect Ratio (instances.pixel_calibration), which measure it without a pixel spacing. */
  rows?: number | null;
  columns?: number | null;
  usRegions?: UsRegion[] | null;
  pixelAspect?: [number, number] | null;
  /** The image is ultrasound and its library row predates reading the regions (pixel_calibration NULL): not known. */
  calibrationUnread?: boolean;
  author: string | null;
  createdAt: string;
}

/** Which part of the library: one series, one study, or everything. */
export interface Scope {
  seriesInstanceUid?: string;
  studyInstanceUid?: string;
}

export interface ImageFile {
  sopInstanceUid: string;
  seriesInstanceUid: string;
  studyInstanceUid: string;
  sopClassUid: string | null;
  frames: number;
  path: string;
  missing: boolean;
  hasPixelData: boolean;
  seriesNumber: number | null;
}

export interface ModelRecord {
  packageHash: string;
  path: string;
  name: string | null;
  variant: string | null;
  metadata: Record<string, unknown>;
}

const parse = <T>(text: string | null): T | null => {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return null;
  }
};

export class ResultsStore {
  private readonly db: Database.Database;
  /** Whether `db` is this store's own connection (closed with it), not the library's. */
  private readonly owned: boolean;

  constructor(readonly library: Library) {
    // On a read-only disk a second connection cannot be opened (see Library.readOnlyConnection): read through the library's.
    const shared = library.readOnlyConnection();
    this.owned = shared === null;
    this.db = shared ?? openDatabase(path.join(library.dir, LIBRARY_FILE), { readonly: true });
    if (this.owned) this.db.pragma('busy_timeout = 5000');
  }

  close(): void {
    if (this.owned && this.db.open) this.db.close();
  }

  /** The digests Lumen recorded when it wrote these result documents, by SOP Instance UID (written.ts). */
  writtenDigests(sopInstanceUids: readonly string[]): Map<string, string> {
    return writtenDigests(this.db, sopInstanceUids);
  }

  /** The models the library has stored predictions of, by content hash. */
  models(): ModelRecord[] {
    const rows = this.db.prepare<[], { package_hash: string; path: string; metadata: string }>('SELECT package_hash, path, metadata FROM models ORDER BY created_at').all();
    return rows.map((r) => {
      const metadata = parse<Record<string, unknown>>(r.metadata) ?? {};
      return {
        packageHash: r.package_hash,
        path: r.path,
        name: typeof metadata.name === 'string' ? metadata.name : null,
        variant: typeof metadata.variant === 'string' ? metadata.variant : null,
        metadata,
      };
    });
  }

  /**
   * Which of these instances (a PACS's listing of `studyInstanceUid`) the library holds as result
   * documents (SR, Parametric Map) in that study and the series the listing names. A document of
   * another study or series under the same SOP Instance UID (another patient's) is not this one:
   * a retrieve fetches it, and the import says why it refuses it (Library.presentInStudy's rule for images).
   */
  resultsHeldIn(studyInstanceUid: string, refs: readonly { sopInstanceUid: string; seriesInstanceUid: string }[]): Set<string> {
    const lookup = this.db.prepare<[string, string, string], number>('SELECT 1 FROM result_documents WHERE sop_uid = ? AND series_uid = ? AND study_uid = ?').pluck();
    const held = new Set<string>();
    for (const ref of refs) if (lookup.get(ref.sopInstanceUid, ref.seriesInstanceUid, studyInstanceUid)) held.add(ref.sopInstanceUid);
    return held;
  }

  /** Which series, study or nothing a UID names in the library. */
  resolve(uid: string): Scope | null {
    if (this.db.prepare('SELECT 1 FROM series WHERE series_uid = ?').get(uid)) return { seriesInstanceUid: uid };
    if (this.db.prepare('SELECT 1 FROM studies WHERE study_uid = ?').get(uid)) return { studyInstanceUid: uid };
    return null;
  }

  /**
   * The latest stored scores of each image (and frame) in scope, per model; `packageHash`
   * keeps one model. Rows whose image the library no longer has are left out, and those the
   * prediction store leaves out (predictions.ts scoresOfHeldImage: made from a file read again since,
   * of a frame past the image's last, of an image now in another series).
   */
  predictions(scope: Scope = {}, packageHash?: string): StoredPrediction[] {
    const rows = this.db
      .prepare<[], { model_hash: string; target_uid: string; scores: string; created_at: string; metadata: string | null; domain: string | null; series_uid: string | null }>(
        `SELECT p.model_hash, p.target_uid, p.scores, p.created_at, m.metadata, p.domain, p.series_uid FROM predictions p LEFT JOIN models m ON m.package_hash = p.model_hash
         WHERE p.target_kind = 'image' ORDER BY p.created_at DESC, p.id DESC`,
      )
      .all();
    const images = this.imageIndex(scope);
    const seen = new Set<string>();
    const out: (StoredPrediction & { instanceNumber: number | null })[] = [];
    for (const row of rows) {
      if (packageHash && row.model_hash !== packageHash) continue;
      // `lumen predict` keys frames after the first as "<SOP UID>#<frame>".
      const sop = row.target_uid.split('#')[0];
      const found = images.get(sop);
      if (!found) continue;
      const s = parse<{ classNames?: unknown; scores?: unknown; frame?: unknown; madeFrom?: unknown }>(row.scores);
      if (!s || !Array.isArray(s.scores) || !Array.isArray(s.classNames) || s.scores.length !== s.classNames.length) continue;
      if (!s.scores.every((v) => typeof v === 'number' && Number.isFinite(v))) continue;
      const frame = typeof s.frame === 'number' && Number.isInteger(s.frame) && s.frame >= 0 ? s.frame : 0;
      const { held, ...image } = found;
      if (!scoresOfHeldImage({ created_at: row.created_at, series_uid: row.series_uid ?? image.seriesInstanceUid, frame, madeFrom: s.madeFrom }, held)) continue;
      const key = `${row.model_hash}/${sop}/${frame}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const meta = parse<{ name?: unknown; variant?: unknown }>(row.metadata) ?? {};
      out.push({
        packageHash: row.model_hash,
        modelName: typeof meta.name === 'string' ? meta.name : null,
        variant: typeof meta.variant === 'string' ? meta.variant : null,
        ...image,
        frame,
        classNames: s.classNames.map(String),
        scores: s.scores as number[],
        createdAt: row.created_at,
        domain: storedDomain(row.domain),
      });
    }
    return out.sort((a, b) => a.packageHash.localeCompare(b.packageHash) || a.seriesInstanceUid.localeCompare(b.seriesInstanceUid) || (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0) || a.sopInstanceUid.localeCompare(b.sopInstanceUid) || a.frame - b.frame).map(({ instanceNumber: _, ...p }) => p);
  }

  /** Labels of images, series and studies in scope (a series' scope includes its study's label). */
  labels(scope: Scope = {}): StoredLabel[] {
    const rows = this.db
      .prepare<[], { target_kind: 'image' | 'series' | 'study'; target_uid: string; frame: number | null; label: string; author: string | null; created_at: string; series_uid: string | null; study_uid: string | null }>(
        `SELECT l.target_kind, l.target_uid, l.frame, l.label, l.author, l.created_at,
           CASE l.target_kind WHEN 'image' THEN i.series_uid WHEN 'series' THEN l.target_uid END AS series_uid,
           CASE l.target_kind WHEN 'image' THEN ise.study_uid WHEN 'series' THEN se.study_uid ELSE l.target_uid END AS study_uid
         FROM labels l
         LEFT JOIN instances i ON l.target_kind = 'image' AND i.sop_uid = l.target_uid
         LEFT JOIN series ise ON ise.series_uid = i.series_uid
         LEFT JOIN series se ON l.target_kind = 'series' AND se.series_uid = l.target_uid
         ORDER BY l.created_at, l.id`,
      )
      .all();
    const studyOfSeries = scope.seriesInstanceUid ? this.studyOf(scope.seriesInstanceUid) : null;
    return rows
      .filter((r) => r.study_uid !== null)
      .filter((r) => {
        if (scope.seriesInstanceUid) return r.series_uid === scope.seriesInstanceUid || (r.target_kind === 'study' && r.study_uid === studyOfSeries);
        if (scope.studyInstanceUid) return r.study_uid === scope.studyInstanceUid;
        return true;
      })
      .map((r) => ({
        targetKind: r.target_kind,
        studyInstanceUid: r.study_uid!,
        seriesInstanceUid: r.series_uid,
        sopInstanceUid: r.target_kind === 'image' ? r.target_uid : null,
        frame: r.frame,
        label: r.label,
        author: r.author,
        createdAt: r.created_at,
      }));
  }

  /**
   * Measurements on images in scope, oldest first: only of images (and frames) the library holds in
   * the measurement's series now (one whose image left the series, or the library, stays in the
   * library but is not exported with it). Their images' spacing and ultrasound regions
   * that the library's one-time pass (imager-spacing.ts) has not read yet are read first.
   */
  measurements(scope: Scope = {}): StoredMeasurement[] {
    this.library.readPendingOfMeasured(scope);
    const rows = this.db
      .prepare<[], { id: string; kind: string; series_uid: string; sop_uid: string; frame: number; points: string; author: string | null; created_at: string; study_uid: string | null; sop_class_uid: string | null; pixel_spacing: string | null; pixel_spacing_kind: string | null; pixel_calibration: string | null; image_rows: number | null; image_columns: number | null; modality: string | null }>(
        `SELECT m.id, m.kind, m.series_uid, m.sop_uid, m.frame, m.points, m.author, m.created_at, se.study_uid, i.sop_class_uid, i.pixel_spacing, i.pixel_spacing_kind,
                i.pixel_calibration, i.image_rows, i.image_columns, i.modality
         FROM measurements m JOIN series se ON se.series_uid = m.series_uid
         JOIN instances i ON i.sop_uid = m.sop_uid AND i.series_uid = m.series_uid AND m.frame < max(1, i.frames)
         ORDER BY m.created_at, m.rowid`,
      )
      .all();
    return rows
      .filter((r) => (scope.seriesInstanceUid ? r.series_uid === scope.seriesInstanceUid : scope.studyInstanceUid ? r.study_uid === scope.studyInstanceUid : true))
      .map((r) => {
        const spacing = parse<unknown>(r.pixel_spacing);
        const usable = Array.isArray(spacing) && spacing.length === 2 && spacing.every((v) => typeof v === 'number' && v > 0);
        const calibration = parse<{ usRegions?: unknown; pixelAspect?: unknown }>(r.pixel_calibration);
        return {
          id: r.id,
          kind: r.kind,
          studyInstanceUid: r.study_uid,
          seriesInstanceUid: r.series_uid,
          sopInstanceUid: r.sop_uid,
          sopClassUid: r.sop_class_uid,
          frame: r.frame,
          points: pointsOf(parse<unknown>(r.points)),
          pixelSpacing: usable ? (spacing as [number, number]) : null,
          pixelSpacingKind: usable ? ((PIXEL_SPACING_KINDS as readonly string[]).includes(r.pixel_spacing_kind ?? '') ? (r.pixel_spacing_kind as PixelSpacingKind) : 'patient') : null,
          rows: r.image_rows,
          columns: r.image_columns,
          usRegions: usRegionsOf(calibration?.usRegions),
          pixelAspect: numberPair(calibration?.pixelAspect),
          calibrationUnread: r.pixel_calibration === null && r.modality === 'US',
          author: r.author,
          createdAt: r.created_at,
        };
      });
  }

  /** The images in scope with their files, for writing objects that refer to them. */
  images(scope: Scope): ImageFile[] {
    const where = scope.seriesInstanceUid ? 'WHERE i.series_uid = @series' : scope.studyInstanceUid ? 'WHERE se.study_uid = @study' : '';
    return this.db
      .prepare<{ series?: string; study?: string }, ImageFile>(
        `SELECT i.sop_uid AS sopInstanceUid, i.series_uid AS seriesInstanceUid, se.study_uid AS studyInstanceUid, i.sop_class_uid AS sopClassUid,
           i.frames, i.path, i.missing = 1 AS missing, i.has_pixel_data = 1 AS hasPixelData, se.series_number AS seriesNumber
         FROM instances i JOIN series se ON se.series_uid = i.series_uid ${where}
         ORDER BY se.study_uid, se.series_number, i.series_uid, i.instance_number, i.sop_uid`,
      )
      .all({ ...(scope.seriesInstanceUid ? { series: scope.seriesInstanceUid } : {}), ...(scope.studyInstanceUid ? { study: scope.studyInstanceUid } : {}) })
      .map((r) => ({ ...r, missing: Boolean(r.missing), hasPixelData: Boolean(r.hasPixelData) }));
  }

  private studyOf(seriesInstanceUid: string): string | null {
    return this.db.prepare<[string], { study_uid: string }>('SELECT study_uid FROM series WHERE series_uid = ?').get(seriesInstanceUid)?.study_uid ?? null;
  }

  /** The images in scope by SOP Instance UID, with their series and study. */
  private imageIndex(scope: Scope): Map<
    string,
    { studyInstanceUid: string; seriesInstanceUid: string; sopInstanceUid: string; sopClassUid: string | null; instanceNumber: number | null; held: Parameters<typeof scoresOfHeldImage>[1] }
  > {
    const where = scope.seriesInstanceUid ? 'WHERE i.series_uid = @series' : scope.studyInstanceUid ? 'WHERE se.study_uid = @study' : '';
    const rows = this.db
      .prepare<
        { series?: string; study?: string },
        { sop_uid: string; series_uid: string; study_uid: string; sop_class_uid: string | null; instance_number: number | null; frames: number; file_size: number; mtime_ms: number; imported_at: string }
      >(
        `SELECT i.sop_uid, i.series_uid, se.study_uid, i.sop_class_uid, i.instance_number, i.frames, i.file_size, i.mtime_ms, i.imported_at FROM instances i JOIN series se ON se.series_uid = i.series_uid ${where}`,
      )
      .all({ ...(scope.seriesInstanceUid ? { series: scope.seriesInstanceUid } : {}), ...(scope.studyInstanceUid ? { study: scope.studyInstanceUid } : {}) });
    return new Map(
      rows.map((r) => [
        r.sop_uid,
        { studyInstanceUid: r.study_uid, seriesInstanceUid: r.series_uid, sopInstanceUid: r.sop_uid, sopClassUid: r.sop_class_uid, instanceNumber: r.instance_number, held: r },
      ]),
    );
  }
}

/** A stored domain verdict (predictions.domain), or null when absent or not of its shape. */
function storedDomain(text: string | null): StoredPrediction['domain'] {
  const d = parse<{ outside?: unknown; reasons?: unknown }>(text);
  if (!d || typeof d.outside !== 'boolean' || !Array.isArray(d.reasons) || !d.reasons.every((r) => typeof r === 'string')) return null;
  return { outside: d.outside, reasons: d.reasons as string[] };
}
