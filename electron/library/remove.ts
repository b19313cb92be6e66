// Removing a study or one series from the library, and undoing it.
//
// One transaction removes the target's rows and everything the library holds about it: images,
// series, the study (and its patient when no other study holds it), labels on any of them,
// predictions (image, series, study; series heads' scores and attention), measurements, and
// the result documents (SR, parametric maps) filed under it with their findings and sources.
// The search index follows through its triggers (search-index.ts: a removed study's document
// and key are deleted, a study that lost a series is noted and written again).
//
// Files are never deleted: neither the user's DICOM files nor those a PACS retrieve or the
// receiver filed in <library>/pacs/ (electron/pacs/filer.ts). Those are the only copy Lumen has
// of a retrieved study, so deleting them would make Undo impossible and a wrong click
// unrecoverable without the PACS; the answer counts them so the question can say where they
// stay. The backbone feature cache is keyed by image content, not by study (training/features.ts),
// and serves the same images if they come back; it is left as it is. Cached thumbnails of the
// removed series are deleted (a cache: made again when shown).
//
// Undo: before deleting, the removed rows are written as a JSON snapshot to
// <library>/removed/<token>.json (0600, like every file in the data folder); the answer carries
// the token, and undoRemoval(token) inserts exactly those rows again and deletes the snapshot.
// Only the newest KEPT_REMOVALS snapshots are kept. The audit log records both.
//
// A row's INTEGER PRIMARY KEY (patients.id, labels.id, predictions.id) is a number SQLite picks,
// not what the row is: once the row is deleted, the next new row may get the same number (no
// AUTOINCREMENT). Undo puts a row back under its old number where that is still free, else
// under a new one, and points the rows that referred to it (studies.patient_ref) there. A patient
// is who its patient_key says: where the library holds that key again (imported since, or a
// patient the study shared with others), the study goes back under that row. Only a key that
// names the thing itself (a UID, a file's path) held again refuses the undo (T2, session 18).
//
// Both removal and undo take the write lock up front (writeTransaction, write-lock.ts: as labels
// do), so that beside another Lumen's import they wait for it instead of failing (T1, session 18).
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { ensurePrivateDir, writeFileAtomic } from '../../common/node/safe-fs';
import { errorMessage } from '../../common/errors';
import { countOf } from '../../common/counts';
import { scoreWords } from '../../common/score-counts';
import { LibraryError } from './errors';
import { writeSearchDocuments } from './search-index';
import { writeTransaction } from './write-lock';

/** How many removals can still be undone; older snapshots are deleted. */
export const KEPT_REMOVALS = 20;

export type RemovalTarget = { studyInstanceUid: string; seriesInstanceUid?: undefined } | { seriesInstanceUid: string; studyInstanceUid?: undefined };

/** What a removal takes (or took) out of the library. */
export interface RemovalCounts {
  studyInstanceUid: string;
  /** The series removed: all of the study's, or the one asked for. */
  seriesInstanceUids: string[];
  /** True when the study itself goes (asked for, or its last series was). */
  studyRemoved: boolean;
  patientRemoved: boolean;
  /** The files (instances) removed. */
  images: number;
  /** The images as the viewer steps through them, a frame each (absent in a snapshot saved before session 20). */
  frames?: number;
  labels: number;
  measurements: number;
  /** All stored scores: imageScores + seriesScores + studyScores. */
  predictions: number;
  /** Scores of an image or one frame of a multi-frame file (predictions of target kind image). */
  imageScores: number;
  /** Scores of a whole series: series heads' (series_predictions) and predictions of target kind series. */
  seriesScores: number;
  /** Scores of a whole study (predictions of target kind study). */
  studyScores: number;
  results: number;
  /** Of the images, those whose files a PACS retrieve or the receiver filed in the library folder; they stay there. */
  filesInLibraryFolder: number;
}

interface TableRows {
  table: string;
  rows: Record<string, unknown>[];
}

interface Snapshot {
  format: 'lumen-removal-1';
  removedAt: string;
  counts: RemovalCounts;
  tables: TableRows[];
  /**
   * Rows the removed rows refer to that stayed: the removed study's patient where another study
   * held it. Undo finds the patient again by its key, or puts this row back where it went since.
   * Absent from snapshots of a Lumen before session 18 (their studies keep their patient_ref).
   */
  referenced?: TableRows[];
}

/** The tables a removal takes rows from, in the order they are deleted (and restored in reverse). */
const TABLES = [
  'labels',
  'predictions',
  'series_attention',
  'series_predictions',
  'measurements',
  'result_findings',
  'result_map_sources',
  'result_documents',
  'instances',
  'series',
  'studies',
  'patients',
] as const;

/** Each table's rows of a removal, as SQL over @study (the study) and the temp tables rm_series and rm_images. */
function conditions(studyRemoved: boolean): Record<(typeof TABLES)[number], string> {
  const S = 'SELECT uid FROM temp.rm_series';
  const I = 'SELECT uid FROM temp.rm_images';
  const docs = studyRemoved ? 'study_uid = @study' : `series_uid IN (${S})`;
  return {
    labels: `(target_kind = 'image' AND target_uid IN (${I})) OR (target_kind = 'series' AND target_uid IN (${S}))${studyRemoved ? " OR (target_kind = 'study' AND target_uid = @study)" : ''}`,
    predictions: `series_uid IN (${S}) OR (target_kind = 'image' AND target_uid IN (${I})) OR (target_kind = 'series' AND target_uid IN (${S}))${studyRemoved ? " OR (target_kind = 'study' AND target_uid = @study)" : ''}`,
    series_attention: `series_uid IN (${S})`,
    series_predictions: `series_uid IN (${S})`,
    measurements: `series_uid IN (${S}) OR sop_uid IN (${I})`,
    result_findings: `document_uid IN (SELECT sop_uid FROM result_documents WHERE ${docs})`,
    result_map_sources: `document_uid IN (SELECT sop_uid FROM result_documents WHERE ${docs})`,
    result_documents: docs,
    instances: `series_uid IN (${S})`,
    series: `series_uid IN (${S})`,
    studies: studyRemoved ? 'study_uid = @study' : '0',
    patients: studyRemoved ? 'id = @patient AND NOT EXISTS (SELECT 1 FROM studies o WHERE o.patient_ref = patients.id AND o.study_uid <> @study)' : '0',
  };
}

/** Fills temp.rm_series and temp.rm_images for `target`; returns the study and whether the study goes too. */
function markTarget(db: Database.Database, target: RemovalTarget): { study: string; studyRemoved: boolean } {
  db.exec('CREATE TEMP TABLE IF NOT EXISTS rm_series (uid TEXT PRIMARY KEY); CREATE TEMP TABLE IF NOT EXISTS rm_images (uid TEXT PRIMARY KEY); DELETE FROM temp.rm_series; DELETE FROM temp.rm_images;');
  let study: string;
  let studyRemoved: boolean;
  if (target.seriesInstanceUid !== undefined) {
    const row = db.prepare<[string], { study_uid: string; siblings: number }>('SELECT study_uid, (SELECT count(*) FROM series o WHERE o.study_uid = s.study_uid) AS siblings FROM series s WHERE series_uid = ?').get(target.seriesInstanceUid);
    if (!row) throw new LibraryError(`the library has no series ${target.seriesInstanceUid}; nothing was removed.`);
    study = row.study_uid;
    // A study without series would stay in the list with nothing to open: it goes with its last series.
    studyRemoved = row.siblings <= 1;
    if (studyRemoved) db.prepare('INSERT INTO temp.rm_series (uid) SELECT series_uid FROM series WHERE study_uid = ?').run(study);
    else db.prepare('INSERT INTO temp.rm_series (uid) VALUES (?)').run(target.seriesInstanceUid);
  } else {
    const row = db.prepare<[string], { study_uid: string }>('SELECT study_uid FROM studies WHERE study_uid = ?').get(target.studyInstanceUid);
    if (!row) throw new LibraryError(`the library has no study ${target.studyInstanceUid}; nothing was removed.`);
    study = row.study_uid;
    studyRemoved = true;
    db.prepare('INSERT INTO temp.rm_series (uid) SELECT series_uid FROM series WHERE study_uid = ?').run(study);
  }
  db.exec('INSERT INTO temp.rm_images (uid) SELECT sop_uid FROM instances WHERE series_uid IN (SELECT uid FROM temp.rm_series)');
  return { study, studyRemoved };
}

interface Params {
  study: string;
  /** The study's patient row (read before the study goes). */
  patient: number;
}

function params(db: Database.Database, study: string): Params {
  return { study, patient: db.prepare<[string], { patient_ref: number }>('SELECT patient_ref FROM studies WHERE study_uid = ?').get(study)!.patient_ref };
}

function count(db: Database.Database, table: string, where: string, p: Params): number {
  return db.prepare<Params, { n: number }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get(p)!.n;
}

/** Predictions counted by target kind. */
function kinds(rows: { kind: string; n: number }[]): Record<string, number> {
  return Object.fromEntries(rows.map((r) => [r.kind, r.n]));
}

/** The scores by what they score, from the predictions by target kind and the series heads' scores; and their total. */
function scores(byKind: Record<string, number>, seriesHeads: number): Pick<RemovalCounts, 'predictions' | 'imageScores' | 'seriesScores' | 'studyScores'> {
  const imageScores = byKind.image ?? 0;
  const seriesScores = (byKind.series ?? 0) + seriesHeads;
  const studyScores = byKind.study ?? 0;
  return { predictions: imageScores + seriesScores + studyScores, imageScores, seriesScores, studyScores };
}

/**
 * A snapshot's counts with its scores said apart: a snapshot written before they were (session
 * 20) has only the total, so they are counted again from the rows it holds.
 */
function snapshotCounts(snapshot: Snapshot): RemovalCounts {
  const c = snapshot.counts;
  const rows = (table: string) => snapshot.tables.find((t) => t.table === table)?.rows ?? [];
  const frames = typeof c.frames === 'number' ? c.frames : rows('instances').reduce((n, r) => n + Math.max(1, Number(r.frames) || 1), 0);
  if (typeof c.imageScores === 'number' && typeof c.seriesScores === 'number' && typeof c.studyScores === 'number') return { ...c, frames };
  const byKind: Record<string, number> = {};
  for (const r of rows('predictions')) {
    const kind = String(r.target_kind);
    byKind[kind] = (byKind[kind] ?? 0) + 1;
  }
  return { ...c, frames, ...scores(byKind, rows('series_predictions').length) };
}

function measure(db: Database.Database, libraryDir: string, target: RemovalTarget): RemovalCounts {
  const { study, studyRemoved } = markTarget(db, target);
  const where = conditions(studyRemoved);
  const p = params(db, study);
  const pacsDir = path.join(path.resolve(libraryDir), 'pacs') + path.sep;
  const paths = db.prepare<[], { path: string; frames: number }>('SELECT path, frames FROM instances WHERE series_uid IN (SELECT uid FROM temp.rm_series)').all();
  return {
    studyInstanceUid: study,
    seriesInstanceUids: db.prepare<[], { uid: string }>('SELECT uid FROM temp.rm_series ORDER BY uid').all().map((r) => r.uid),
    studyRemoved,
    patientRemoved: count(db, 'patients', where.patients, p) > 0,
    images: paths.length,
    frames: paths.reduce((n, r) => n + Math.max(1, r.frames), 0),
    labels: count(db, 'labels', where.labels, p),
    measurements: count(db, 'measurements', where.measurements, p),
    ...scores(kinds(db.prepare<Params, { kind: string; n: number }>(`SELECT target_kind AS kind, count(*) AS n FROM predictions WHERE ${where.predictions} GROUP BY target_kind`).all(p)), count(db, 'series_predictions', where.series_predictions, p)),
    results: count(db, 'result_documents', where.result_documents, p),
    filesInLibraryFolder: paths.filter((p) => path.resolve(p.path).startsWith(pacsDir)).length,
  };
}

/** What removing `target` would take, without changing anything (for the question asked first). */
export function removalPreview(db: Database.Database, libraryDir: string, target: RemovalTarget): RemovalCounts {
  return db.transaction(() => measure(db, libraryDir, target))();
}

function snapshotDir(libraryDir: string): string {
  return path.join(path.resolve(libraryDir), 'removed');
}

/** An undo token: the time (so that names sort oldest first) and 8 random bytes. */
export const UNDO_TOKEN = /^[0-9a-z]{8,12}-[0-9a-f]{16}$/;

function snapshotFile(libraryDir: string, token: string): string {
  if (!UNDO_TOKEN.test(token)) throw new LibraryError('that is not an undo token Lumen gave: nothing was restored.');
  return path.join(snapshotDir(libraryDir), `${token}.json`);
}

/** Values as JSON keeps them exactly: numbers and text as they are, a BLOB as base64. */
function encodeRow(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = Buffer.isBuffer(v) ? { $blob: v.toString('base64') } : typeof v === 'bigint' ? { $int: v.toString() } : v;
  return out;
}

function decodeValue(v: unknown): unknown {
  if (v && typeof v === 'object' && '$blob' in v && typeof v.$blob === 'string') return Buffer.from(v.$blob, 'base64');
  if (v && typeof v === 'object' && '$int' in v && typeof v.$int === 'string') return BigInt(v.$int);
  if (v === null || typeof v === 'string' || typeof v === 'number') return v;
  throw new LibraryError('the undo snapshot holds a value that is not a number, text or null: nothing was restored.');
}

/** Deletes all but the newest KEPT_REMOVALS snapshots. */
function pruneSnapshots(libraryDir: string): void {
  const dir = snapshotDir(libraryDir);
  const names = fs.readdirSync(dir).filter((n) => n.endsWith('.json') && UNDO_TOKEN.test(n.slice(0, -5))).sort();
  for (const name of names.slice(0, Math.max(0, names.length - KEPT_REMOVALS))) fs.rmSync(path.join(dir, name), { force: true });
}

/**
 * Removes `target` and all the library holds about it in one transaction (see the top of this
 * file); returns what went and the token that undoes it. `record` (the audit entry) runs inside
 * that transaction: a removal whose entry cannot be written is not made, and one reported as
 * failed never happened.
 */
export function removeFromLibrary(db: Database.Database, libraryDir: string, target: RemovalTarget, record?: (counts: RemovalCounts, undoToken: string) => void): { counts: RemovalCounts; undoToken: string } {
  const token = `${Date.now().toString(36).padStart(10, '0')}-${randomBytes(8).toString('hex')}`;
  const file = snapshotFile(libraryDir, token);
  let counts: RemovalCounts;
  try {
    counts = writeTransaction(db, () => {
      const counts = measure(db, libraryDir, target);
      const where = conditions(counts.studyRemoved);
      const p = params(db, counts.studyInstanceUid);
      const tables: TableRows[] = TABLES.map((table) => ({
        table,
        rows: db.prepare<Params, Record<string, unknown>>(`SELECT * FROM ${table} WHERE ${where[table]}`).all(p).map(encodeRow),
      }));
      const referenced: TableRows[] =
        counts.studyRemoved && !counts.patientRemoved ? [{ table: 'patients', rows: db.prepare<Params, Record<string, unknown>>('SELECT * FROM patients WHERE id = @patient').all(p).map(encodeRow) }] : [];
      // The snapshot is on disk before any row goes; a failure to write it removes nothing.
      ensurePrivateDir(snapshotDir(libraryDir));
      const snapshot: Snapshot = { format: 'lumen-removal-1', removedAt: new Date().toISOString(), counts, tables, referenced };
      writeFileAtomic(file, JSON.stringify(snapshot));
      for (const table of TABLES) db.prepare(`DELETE FROM ${table} WHERE ${where[table]}`).run(p);
      // The search index's documents in the same transaction: nothing written after it can fail
      // for the lock beside another writer, so a removal made is never reported as one that failed.
      writeSearchDocuments(db);
      record?.(counts, token);
      return counts;
    });
  } catch (err) {
    // Nothing was removed: no snapshot of it is left to count against the kept undos, or to undo.
    try {
      fs.rmSync(file, { force: true });
    } catch {
      // the removal's own error says more than this one
    }
    throw err;
  }
  try {
    pruneSnapshots(libraryDir);
  } catch {
    // an old snapshot left behind is pruned by the next removal
  }
  return { counts, undoToken: token };
}

/** The columns `table` has, so that a snapshot names no other (its names go into SQL). */
function columnsOf(db: Database.Database, table: string): Set<string> {
  return new Set(db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`).all().map((c) => c.name));
}

/** A snapshot's row the library holds again (the same key): nothing is restored. */
class HeldAgain extends Error {}

/** A snapshot's row whose parent the library no longer holds (a series whose study was removed since): nothing is restored. */
class ParentGone extends Error {}

/** The table's column that is its rowid under another name (a single INTEGER PRIMARY KEY), or null. */
function rowidColumn(db: Database.Database, table: string): string | null {
  const pk = db.prepare<[], { name: string; type: string }>(`SELECT name, type FROM pragma_table_info('${table}') WHERE pk > 0`).all();
  return pk.length === 1 && pk[0].type.toUpperCase() === 'INTEGER' ? pk[0].name : null;
}

/** Rows a patient's other studies share: where the library holds the same key, that row is used, not a second one. */
const SHARED_BY_KEY: Partial<Record<string, string>> = { patients: 'patient_key' };

/** Inserts a snapshot's rows, parents first; a row the library holds again throws HeldAgain. Inside a transaction. */
function restoreRows(db: Database.Database, snapshot: Snapshot): void {
  /** "<table> <old rowid>" → the rowid the row has now. */
  const moved = new Map<string, unknown>();
  for (const name of [...TABLES].reverse()) {
    const parts = [...(Array.isArray(snapshot.referenced) ? snapshot.referenced : []), ...snapshot.tables].filter((t) => t?.table === name && Array.isArray(t.rows));
    if (parts.length === 0) continue;
    const columns = columnsOf(db, name);
    const rowid = rowidColumn(db, name);
    const shared = SHARED_BY_KEY[name];
    // Columns that hold another table's rowid: they follow that row to where it was put back.
    const refs = db.prepare<[], { table: string; from: string; to: string | null }>(`SELECT "table", "from", "to" FROM pragma_foreign_key_list('${name}')`).all().filter((r) => r.to !== null && rowidColumn(db, r.table) === r.to);
    for (const row of parts.flatMap((t) => t.rows)) {
      if (!row || typeof row !== 'object' || Array.isArray(row)) throw new LibraryError(`the undo snapshot holds a row of ${name} that is not one: nothing was restored.`);
      const keys = Object.keys(row);
      const unknown = keys.find((k) => !columns.has(k));
      if (unknown !== undefined) throw new LibraryError(`the undo snapshot names a column ${name} does not have: nothing was restored.`);
      const values = new Map(keys.map((k) => [k, decodeValue(row[k])]));
      for (const r of refs) if (values.has(r.from) && moved.has(`${r.table} ${String(values.get(r.from))}`)) values.set(r.from, moved.get(`${r.table} ${String(values.get(r.from))}`));
      const old = rowid !== null ? values.get(rowid) : undefined;
      const movedKey = `${name} ${String(old)}`;
      if (old !== undefined && old !== null) {
        if (moved.has(movedKey)) continue; // a referenced row that the removal took too
        const held = shared !== undefined && values.get(shared) != null ? db.prepare<[unknown], { id: unknown }>(`SELECT "${rowid}" AS id FROM ${name} WHERE "${shared}" = ?`).get(values.get(shared)) : undefined;
        if (held) {
          moved.set(movedKey, held.id);
          continue;
        }
        // Its old number went to a row made since: it takes a new one.
        if (db.prepare(`SELECT 1 FROM ${name} WHERE "${rowid}" = ?`).get(old)) values.delete(rowid!);
      }
      const cols = [...values.keys()];
      try {
        const made = db.prepare(`INSERT INTO ${name} (${cols.map((k) => `"${k}"`).join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`).run(...values.values());
        if (old !== undefined && old !== null) moved.set(movedKey, values.has(rowid!) ? old : made.lastInsertRowid);
      } catch (err) {
        if (/UNIQUE|PRIMARY KEY/i.test(errorMessage(err))) throw new HeldAgain(errorMessage(err));
        if (/FOREIGN KEY/i.test(errorMessage(err))) throw new ParentGone(errorMessage(err));
        throw err;
      }
    }
  }
}

/**
 * Whether the snapshot could be put back once the study (or series) it took is removed again:
 * tried in a transaction that is always rolled back. False where something else now holds one of
 * its keys (another study of its patient, say), so the message never sends the user round in vain.
 */
function undoAfterRemovingAgain(db: Database.Database, snapshot: Snapshot): boolean {
  const c = snapshot.counts;
  const target: RemovalTarget = c.studyRemoved ? { studyInstanceUid: c.studyInstanceUid } : { seriesInstanceUid: c.seriesInstanceUids[0] };
  if (!c.studyRemoved && c.seriesInstanceUids.length !== 1) return false;
  const rolledBack = new Error('rolled back');
  try {
    writeTransaction(db, () => {
      const { study, studyRemoved } = markTarget(db, target);
      const where = conditions(studyRemoved);
      const p = params(db, study);
      for (const table of TABLES) db.prepare(`DELETE FROM ${table} WHERE ${where[table]}`).run(p);
      restoreRows(db, snapshot);
      throw rolledBack;
    });
  } catch (err) {
    return err === rolledBack;
  }
  return false;
}

/** " (with its 2 labels and 1 measurement)": what the removal kept that the images imported again do not have; '' when nothing. */
function keptWords(c: RemovalCounts): string {
  const kept = [c.labels && countOf(c.labels, 'label'), c.measurements && countOf(c.measurements, 'measurement'), ...scoreWords(c), c.results && countOf(c.results, 'result document')].filter((w): w is string => !!w);
  if (kept.length === 0) return '';
  return ` (with its ${kept.length === 1 ? kept[0] : `${kept.slice(0, -1).join(', ')} and ${kept[kept.length - 1]}`})`;
}

/** Puts back exactly the rows the removal with `token` took; the snapshot is deleted after. `record` (the audit entry) runs inside the same transaction. */
export function undoRemoval(db: Database.Database, libraryDir: string, token: string, record?: (counts: RemovalCounts) => void): RemovalCounts {
  const file = snapshotFile(libraryDir, token);
  let snapshot: Snapshot;
  try {
    snapshot = JSON.parse(fs.readFileSync(file, 'utf8')) as Snapshot;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new LibraryError(`there is nothing to undo for ${token}: it was undone already, or it is older than the last ${KEPT_REMOVALS} removals.`);
    throw new LibraryError(`cannot read the undo snapshot ${file}: ${errorMessage(err)}`);
  }
  if (snapshot?.format !== 'lumen-removal-1' || !Array.isArray(snapshot.tables)) throw new LibraryError(`${file} is not an undo snapshot of this Lumen: nothing was restored.`);
  const counts = snapshotCounts(snapshot);
  try {
    writeTransaction(db, () => {
      restoreRows(db, snapshot);
      writeSearchDocuments(db);
      record?.(counts);
    });
  } catch (err) {
    if (!(err instanceof HeldAgain) && !(err instanceof ParentGone)) throw err;
    const c = counts;
    const what = c.studyRemoved ? `study ${c.studyInstanceUid}` : `series ${c.seriesInstanceUids.join(', ')}`;
    if (err instanceof ParentGone) {
      throw new LibraryError(
        `${what} cannot be put back: the library no longer holds the ${c.studyRemoved ? 'patient' : `study ${c.studyInstanceUid}`} it was in (removed since). Nothing was restored. Undo that removal first (lumen rm --undo with its token), then this one.`,
      );
    }
    throw new LibraryError(`${what} cannot be put back: the library holds some of it again (imported after it was removed). Nothing was restored.${undoAfterRemovingAgain(db, snapshot) ? ` To put it back as it was removed${keptWords(c)}: remove the ${c.studyRemoved ? 'study' : 'series'} again (what was imported, labelled or measured in it since goes with that removal, which has its own Undo), then lumen rm --undo ${token}.` : ''}`);
  }
  fs.rmSync(file, { force: true });
  return counts;
}
