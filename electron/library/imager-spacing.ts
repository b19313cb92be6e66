import fs from 'node:fs';
import type Database from 'better-sqlite3';
import { APP_VERSION } from '../../common/version';
import { parseHeader } from './header';

// Before schema 27 the importer read Pixel Spacing (0028,0030) alone: a CR or DX that gives only
// Imager Pixel Spacing (0018,1164), as most do, was stored without a spacing, and importing its
// file again does not refresh its row. The viewer reads the file and measures it in mm "(at
// detector)"; the measurement table and SR read instances.pixel_spacing and would write pixels.
// Once per library, on opening it, such rows read their spacing again:
// - only rows without a spacing whose modality or SOP class is a projection X-ray's (those that
//   may carry Imager Pixel Spacing), with pixel data, not marked missing;
// - each file's header only (never the pixel data), as the importer reads it (parse.ts
//   spacingOf: Imager Pixel Spacing over Estimated Radiographic Magnification Factor);
// - files gone, changed since import (size or time), unreadable, or holding another SOP
//   Instance UID are left as they are: never a failure of open;
// - rows are read in rowid order, a few hundred at a time, each batch's changes written with
//   the rowid reached in one transaction: a pass stopped part way (Lumen killed) goes on from
//   there at the next opening; its end is recorded, and it never runs again;
// - a read-only library is never opened through here (Library.openReadOnly): it stays as it is.

/** lumen_info key: the Lumen that read the projection X-rays' spacing again (absent: not done yet). */
export const IMAGER_SPACING_KEY = 'imager_spacing_read_by';
/** lumen_info key: the last instances rowid that pass has dealt with, while it is not done. */
export const IMAGER_SPACING_PROGRESS_KEY = 'imager_spacing_rowid';

/** Modalities whose images may carry Imager Pixel Spacing (CR, DX, mammography, intra-oral, angiography and fluoroscopy). */
const MODALITIES = ['CR', 'DX', 'MG', 'IO', 'PX', 'XA', 'RF', 'RG'];
/** Their SOP classes, for files without a Modality. */
const SOP_CLASSES = [
  '1.2.840.10008.5.1.4.1.1.1', // Computed Radiography
  '1.2.840.10008.5.1.4.1.1.1.1', // Digital X-Ray, for presentation
  '1.2.840.10008.5.1.4.1.1.1.1.1', // ... for processing
  '1.2.840.10008.5.1.4.1.1.1.2', // Digital Mammography X-Ray
  '1.2.840.10008.5.1.4.1.1.1.2.1',
  '1.2.840.10008.5.1.4.1.1.1.3', // Digital Intra-Oral X-Ray
  '1.2.840.10008.5.1.4.1.1.1.3.1',
  '1.2.840.10008.5.1.4.1.1.12.1', // X-Ray Angiographic
  '1.2.840.10008.5.1.4.1.1.12.1.1', // Enhanced XA
  '1.2.840.10008.5.1.4.1.1.12.2', // X-Ray Radiofluoroscopic
  '1.2.840.10008.5.1.4.1.1.12.2.1', // Enhanced XRF
];
const list = (values: string[]): string => values.map((v) => `'${v}'`).join(', ');

export interface ImagerSpacingSummary {
  /** Rows that needed a look (this opening's part of them, where an earlier one was stopped). */
  rows: number;
  /** Files read. */
  read: number;
  /** Rows given a spacing and its kind. */
  updated: number;
  /** Files gone, changed since import, unreadable or of another instance: their rows kept as they were. */
  left: number;
}

export interface ImagerSpacingOptions {
  /** Rows read between two writes (default 500). */
  batch?: number;
  /** Called after each batch is written (the tests stop the pass there). */
  onBatch?: (done: number, total: number) => void;
}

const recorded = (db: Database.Database, key: string): string | undefined =>
  (db.prepare<[string], { value: string }>('SELECT value FROM lumen_info WHERE key = ?').get(key))?.value;

/**
 * Reads, once, the spacing of the projection X-rays a library stored without one before schema
 * 27 (see above). Returns what it did, or null when it had already run.
 */
export function rereadImagerSpacing(db: Database.Database, options: ImagerSpacingOptions = {}): ImagerSpacingSummary | null {
  if (recorded(db, IMAGER_SPACING_KEY) !== undefined) return null;
  const from = Number(recorded(db, IMAGER_SPACING_PROGRESS_KEY) ?? 0) || 0;
  const rows = db
    .prepare<[number], { rowid: number; sop_uid: string; path: string; file_size: number; mtime_ms: number }>(
      `SELECT rowid, sop_uid, path, file_size, mtime_ms FROM instances
       WHERE rowid > ? AND pixel_spacing IS NULL AND missing = 0 AND has_pixel_data = 1
         AND (modality IN (${list(MODALITIES)}) OR sop_class_uid IN (${list(SOP_CLASSES)}))
       ORDER BY rowid`,
    )
    .all(from);
  const summary: ImagerSpacingSummary = { rows: rows.length, read: 0, updated: 0, left: 0 };
  const set = db.prepare('UPDATE instances SET pixel_spacing = ?, pixel_spacing_kind = ? WHERE rowid = ? AND sop_uid = ? AND pixel_spacing IS NULL');
  const progress = db.prepare('INSERT INTO lumen_info (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  const batch = Math.max(1, options.batch ?? 500);
  for (let start = 0; start < rows.length; start += batch) {
    const part = rows.slice(start, start + batch);
    // Read the batch's files first, outside the transaction.
    const found: { rowid: number; sop: string; spacing: string; kind: string }[] = [];
    for (const r of part) {
      try {
        const stat = fs.statSync(r.path);
        if (!stat.isFile() || stat.size !== r.file_size || stat.mtimeMs !== r.mtime_ms) {
          summary.left++;
          continue;
        }
        const m = parseHeader(r.path, stat.size).meta;
        summary.read++;
        if (m.sopInstanceUid !== r.sop_uid) summary.left++;
        else if (m.pixelSpacing && m.pixelSpacingKind) found.push({ rowid: r.rowid, sop: r.sop_uid, spacing: JSON.stringify(m.pixelSpacing), kind: m.pixelSpacingKind });
      } catch {
        // Gone or unreadable: left as it is.
        summary.left++;
      }
    }
    db.transaction(() => {
      for (const f of found) summary.updated += set.run(f.spacing, f.kind, f.rowid, f.sop).changes;
      progress.run(IMAGER_SPACING_PROGRESS_KEY, String(part[part.length - 1].rowid));
    })();
    options.onBatch?.(Math.min(start + batch, rows.length), rows.length);
  }
  db.transaction(() => {
    db.prepare('DELETE FROM lumen_info WHERE key = ?').run(IMAGER_SPACING_PROGRESS_KEY);
    db.prepare('INSERT OR IGNORE INTO lumen_info (key, value) VALUES (?, ?)').run(IMAGER_SPACING_KEY, APP_VERSION);
  })();
  return summary;
}
