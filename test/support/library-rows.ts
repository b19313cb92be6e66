// A library of many studies written straight into SQLite (no DICOM files): what the study
// list, the label overview and their benchmarks need to see a library at scale in seconds.
// The rows are what an import would have written; the files they name do not exist, so
// nothing may decode them (thumbnails fail, as for a file deleted after its import).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { openDatabase } from '../../electron/library/sqlite';

export const BULK_MODALITIES = ['CT', 'MR', 'CR', 'US', 'DX'] as const;
const UID = '1.2.826.0.1.3680043.10.99.13';

export interface BulkStudy {
  uid: string;
  name: string;
  patientId: string;
  /** DICOM DA, or null for a study without a date. */
  date: string | null;
  time: string | null;
  modality: string;
}

/**
 * Study i of a bulk library: patient names in another order than dates (7 is coprime with
 * the counts used), five modalities in turn, every 50th study without a date or time, several
 * studies on one day (times tell them apart).
 */
export function bulkStudy(i: number, studies: number): BulkStudy {
  const day = i % 3000;
  const date = new Date(Date.UTC(2000, 0, 1) + day * 86_400_000).toISOString().slice(0, 10).replace(/-/g, '');
  return {
    uid: `${UID}.${i + 1}`,
    name: `Bulk${String((i * 7) % studies).padStart(6, '0')}^Pat`,
    patientId: `B${String(i).padStart(6, '0')}`,
    date: i % 50 === 49 ? null : date,
    time: i % 50 === 49 ? null : `${String(8 + (i % 10)).padStart(2, '0')}${String(i % 60).padStart(2, '0')}00`,
    modality: BULK_MODALITIES[i % BULK_MODALITIES.length],
  };
}

/**
 * Writes `studies` studies (one patient each, `seriesPerStudy` series of `imagesPerSeries`
 * images) into the library in `dir`, in one transaction; `label(seriesIndex)` may give a
 * series (or, for `image`, its first image) a label. Returns the studies written.
 */
export function fillLibrary(
  dir: string,
  opts: { studies: number; seriesPerStudy?: number; imagesPerSeries?: number; label?: (series: number, study: BulkStudy) => { kind: 'series' | 'image' | 'study'; label: string } | null },
): BulkStudy[] {
  Library.open(dir).close();
  const db = openDatabase(path.join(dir, LIBRARY_FILE));
  const seriesPerStudy = opts.seriesPerStudy ?? 1;
  const images = opts.imagesPerSeries ?? 1;
  const specs = Array.from({ length: opts.studies }, (_, i) => bulkStudy(i, opts.studies));
  try {
    const patient = db.prepare('INSERT INTO patients (patient_key, patient_id, patient_name) VALUES (?, ?, ?)');
    const study = db.prepare('INSERT INTO studies (study_uid, patient_ref, study_date, study_time, description, accession_number) VALUES (?, ?, ?, ?, ?, ?)');
    const series = db.prepare('INSERT INTO series (series_uid, study_uid, modality, series_number, description) VALUES (?, ?, ?, ?, ?)');
    const instance = db.prepare(
      `INSERT INTO instances (sop_uid, series_uid, path, file_size, mtime_ms, modality, instance_number, image_rows, image_columns, frames, imported_at)
       VALUES (?, ?, ?, 1024, 0, ?, ?, 8, 8, 1, '2024-01-01T00:00:00.000Z')`,
    );
    const label = db.prepare("INSERT INTO labels (target_kind, target_uid, label, author, created_at) VALUES (?, ?, ?, 'bench', '2024-01-01T00:00:00.000Z')");
    let seriesIndex = 0;
    db.transaction(() => {
      specs.forEach((s, i) => {
        const ref = patient.run(s.patientId, s.patientId, s.name).lastInsertRowid;
        study.run(s.uid, ref, s.date, s.time, `Bulk study ${i + 1}`, `ACC${i + 1}`);
        for (let n = 0; n < seriesPerStudy; n++) {
          const seriesUid = `${s.uid}.2.${n + 1}`;
          const modality = n === 0 ? s.modality : 'PT';
          series.run(seriesUid, s.uid, modality, n + 1, `${modality} series`);
          for (let k = 0; k < images; k++) instance.run(`${seriesUid}.${k + 1}`, seriesUid, `/nonexistent/bulk/${i}/${n}/${k}.dcm`, modality, k + 1);
          const l = opts.label?.(seriesIndex, s);
          if (l) label.run(l.kind, l.kind === 'series' ? seriesUid : l.kind === 'study' ? s.uid : `${seriesUid}.1`, l.label);
          seriesIndex++;
        }
      });
    })();
  } finally {
    db.close();
  }
  return specs;
}

/** Gives every third study of the library in `dir` a second series, a PT one: studies of two modalities. */
export function addPtSeries(dir: string): void {
  const db = openDatabase(path.join(dir, LIBRARY_FILE));
  try {
    db.prepare(
      "INSERT INTO series (series_uid, study_uid, modality, series_number, description) SELECT study_uid || '.2.9', study_uid, 'PT', 9, 'PT series' FROM studies WHERE rowid % 3 = 0",
    ).run();
  } finally {
    db.close();
  }
}

/** How many instances the library at `libraryDir` lists (0 before its database exists), read on a connection of its own. */
export function instancesListed(libraryDir: string): number {
  if (!fs.existsSync(path.join(libraryDir, LIBRARY_FILE))) return 0;
  const db = new Database(path.join(libraryDir, LIBRARY_FILE), { readonly: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM instances').get() as { n: number }).n;
  } finally {
    db.close();
  }
}
