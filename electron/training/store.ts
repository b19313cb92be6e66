// The training side of the library's SQLite file: labels and datasets (tables from
// schema.ts migration 2; predictions have their one store, electron/library/predictions.ts).
// A second connection to the same WAL database, opened after Library.open has brought the
// schema up to date.
import type Database from 'better-sqlite3';
import os from 'node:os';
import path from 'node:path';
import { LIBRARY_FILE, type Library } from '../library/library';
import { openDatabase } from '../library/sqlite';
import { writeTransaction } from '../library/write-lock';
import type { ImageRef } from '../dicom/model-input';
import { positionAlongNormal } from '../library/sort';
import { inTrainingOrder, type ImageOrderKey } from './image-order';

export type TargetKind = 'image' | 'series' | 'study';

/** What a label is on: an image (a file), one frame of a multi-frame image (frame, 1-based), a series or a study. */
export interface LabelTargetRef {
  targetKind: TargetKind;
  targetUid: string;
  /** 1-based, as DICOM's Referenced Frame Number; null or absent: the whole image, series or study. */
  frame?: number | null;
}

export interface LabelRecord {
  id: number;
  targetKind: TargetKind;
  targetUid: string;
  frame: number | null;
  label: string;
  author: string | null;
  createdAt: string;
}

/** One labelled image as training sees it. */
export interface LabelledImage extends ImageRef {
  label: string;
  /** PatientID (the patient key when the file has none): what splits group by. */
  patient: string;
  studyInstanceUid: string;
  /** What orders the images for training (image-order.ts): the keys a re-export with new UIDs keeps. */
  order: ImageOrderKey;
}

/**
 * The one rule for which label an image (a frame of a file) has: its frame's own label, else its
 * file's, else its series', else its study's. Training, evaluation and the Training tab's
 * "Current:" read labels so; the overview's aggregate queries (label-overview.ts) count them so.
 */
export function labelOfImage(labels: { frame?: string; image?: string; series?: string; study?: string }): string | undefined {
  return labels.frame ?? labels.image ?? labels.series ?? labels.study;
}

/** A map key for a label's target, its frame included. */
export const labelTargetKey = (t: LabelTargetRef) => `${t.targetKind}\0${t.targetUid}\0${t.frame ?? ''}`;

export function currentUser(): string | null {
  try {
    return os.userInfo().username;
  } catch {
    return null;
  }
}

interface InstanceRow {
  sop_uid: string;
  series_uid: string;
  study_uid: string;
  path: string;
  frames: number;
  patient: string;
  localizer: number;
  study_date: string | null;
  study_time: string | null;
  accession_number: string | null;
  series_number: number | null;
  series_description: string | null;
  instance_number: number | null;
  image_position: string | null;
  image_orientation: string | null;
  slice_location: number | null;
}

/**
 * The patient key splits group by, in SQL over patients p and studies st: the PatientID; without
 * one, the library's key (the patient name, importer.ts patientKeyOf); with neither (an
 * anonymised export that blanked both), the study: each such study is a patient of its own.
 * Grouping them all as one "patient" put every one in one split, so training stopped with an
 * empty validation split (T2-5, s16); a person with two such studies can now land in two splits,
 * which patientKeyWarnings says.
 */
export const PATIENT_KEY_SQL = `CASE WHEN p.patient_key = 'name:' THEN 'study:' || st.study_uid ELSE COALESCE(p.patient_id, p.patient_key) END`;

/** What PATIENT_KEY_SQL gave: a PatientID, a patient name (no PatientID), or a study (neither). */
export function patientKeyKind(key: string): 'id' | 'name' | 'study' {
  return key.startsWith('study:') ? 'study' : key.startsWith('name:') ? 'name' : 'id';
}

/** What the patient keys of a labelled set mean for its splits, in words: studies taken as patients, patients grouped by name. */
export function patientKeyWarnings(keys: Iterable<string>): string[] {
  const unique = new Set(keys);
  const studies = [...unique].filter((k) => patientKeyKind(k) === 'study').length;
  const named = [...unique].filter((k) => patientKeyKind(k) === 'name').length;
  const w: string[] = [];
  if (studies) {
    w.push(
      `${studies} labelled ${studies === 1 ? 'study has' : 'studies have'} no PatientID and no patient name (anonymised): each is taken as a patient of its own. ` +
        'If two of them are one person’s, that person can land in two splits and validation and test look better than they are: give the files a PatientID (a pseudonym will do) to keep a patient’s studies together.',
    );
  }
  if (named) w.push(`${named} labelled ${named === 1 ? 'patient has' : 'patients have'} no PatientID: ${named === 1 ? 'its studies are' : 'their studies are'} grouped by patient name.`);
  return w;
}

const INSTANCE_SELECT = `SELECT i.sop_uid, i.series_uid, se.study_uid, i.path, i.frames, ${PATIENT_KEY_SQL} AS patient, se.localizer,
    st.study_date, st.study_time, st.accession_number, se.series_number, se.description AS series_description,
    i.instance_number, i.image_position, i.image_orientation, i.slice_location
  FROM instances i JOIN series se ON se.series_uid = i.series_uid JOIN studies st ON st.study_uid = se.study_uid JOIN patients p ON p.id = st.patient_ref
  WHERE i.missing = 0 AND i.has_pixel_data = 1`;

/** Numbers the database holds as JSON text (an image position, say), or null when it holds none (or something else). */
function jsonNumbers(text: string | null): number[] | null {
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)) ? v : null;
  } catch {
    return null;
  }
}

function finiteOrNull(x: number | null): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function orderKeyOf(r: InstanceRow): ImageOrderKey {
  return {
    studyDate: r.study_date ?? '',
    studyTime: r.study_time ?? '',
    accessionNumber: r.accession_number ?? '',
    seriesNumber: finiteOrNull(r.series_number),
    seriesDescription: r.series_description ?? '',
    instanceNumber: finiteOrNull(r.instance_number),
    position: finiteOrNull(positionAlongNormal({ imagePositionPatient: jsonNumbers(r.image_position), imageOrientationPatient: jsonNumbers(r.image_orientation) })),
    sliceLocation: finiteOrNull(r.slice_location),
  };
}

/**
 * Throws, naming the first few, when some of `items` are not in the library (each looked up as
 * resolveTarget does: an image by its SOP Instance UID, a series or study by its UID).
 */
function refuseMissingTargets(db: Database.Database, items: LabelTargetRef[]): void {
  const held: Record<TargetKind, Database.Statement<[string]>> = {
    image: db.prepare('SELECT 1 FROM instances WHERE sop_uid = ?'),
    series: db.prepare('SELECT 1 FROM series WHERE series_uid = ?'),
    study: db.prepare('SELECT 1 FROM studies WHERE study_uid = ?'),
  };
  const seen = new Set<string>();
  const missing: LabelTargetRef[] = [];
  for (const it of items) {
    const key = `${it.targetKind}\0${it.targetUid}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (!held[it.targetKind].get(it.targetUid)) missing.push(it);
  }
  if (missing.length === 0) return;
  const shown = 5;
  const names = missing.slice(0, shown).map((it) => `${it.targetKind} ${it.targetUid}`);
  const more = missing.length > shown ? ` and ${missing.length - shown} more` : '';
  const which = missing.length === 1 ? `${names[0]} is` : `${names.join(', ')}${more} are`;
  throw new Error(`Cannot label ${which} not in the library: removed since the list was shown (perhaps by another Lumen), or never imported. Reload the study list. Nothing was labelled.`);
}

export class TrainingStore {
  readonly db: Database.Database;

  /** False when the store reads through the library's own read-only connection, which the library closes. */
  private readonly owned: boolean;

  constructor(readonly library: Library) {
    const shared = library.readOnlyConnection();
    this.owned = shared === null;
    this.db = shared ?? openDatabase(path.join(library.dir, LIBRARY_FILE));
    if (this.owned) {
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('foreign_keys = ON');
    }
  }

  close(): void {
    if (this.owned && this.db.open) this.db.close();
  }

  // ---- labels ------------------------------------------------------------------------

  /**
   * The targets with their frames checked: a frame only on an image the library has, within its
   * frames; frame 1 of a single-frame image is that image (no frame). Throws, naming the first
   * target that is wrong, before anything is written.
   */
  checkFrames<T extends LabelTargetRef>(items: T[]): T[] {
    const framesOf = this.db.prepare<[string], { frames: number | null }>('SELECT frames FROM instances WHERE sop_uid = ?');
    return items.map((it) => {
      if (it.frame === undefined || it.frame === null) return it;
      if (it.targetKind !== 'image') throw new Error(`A ${it.targetKind} label takes no frame: only an image has frames. Nothing was labelled.`);
      if (!Number.isInteger(it.frame) || it.frame < 1) throw new Error(`Frame ${String(it.frame)} is not a frame number (1, 2, 3 …). Nothing was labelled.`);
      const row = framesOf.get(it.targetUid);
      if (!row) throw new Error(`Cannot label frame ${it.frame} of image ${it.targetUid}: the library has no such image. Nothing was labelled.`);
      const frames = Math.max(1, row.frames ?? 1);
      if (it.frame > frames) throw new Error(`Cannot label frame ${it.frame} of image ${it.targetUid}: it has ${frames} frame${frames === 1 ? '' : 's'}. Nothing was labelled.`);
      return frames === 1 ? { ...it, frame: null } : it;
    });
  }

  /**
   * Sets the label of targets (replacing what they had: a frame's label replaces that frame's only), in one transaction.
   * Refuses, naming them, targets the library does not hold (as the CSV import does), nothing written: another
   * Lumen (`lumen rm`) may have removed what the app still shows. Checked inside the write transaction, which takes
   * the write lock first (writeTransaction, as Remove does), so no removal comes between the check and the labels,
   * and beside another Lumen's import it waits for the import's batches instead of failing.
   */
  setLabels(items: (LabelTargetRef & { label: string })[], author = currentUser()): number {
    const now = new Date().toISOString();
    const del = this.db.prepare('DELETE FROM labels WHERE target_kind = ? AND target_uid = ? AND frame IS ?');
    const ins = this.db.prepare('INSERT INTO labels (target_kind, target_uid, frame, label, author, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    writeTransaction(this.db, () => {
      refuseMissingTargets(this.db, items);
      for (const it of items) {
        del.run(it.targetKind, it.targetUid, it.frame ?? null);
        ins.run(it.targetKind, it.targetUid, it.frame ?? null, it.label, author, now);
      }
    });
    if (items.length) this.library.audit('labels.set', { count: items.length, author });
    return items.length;
  }

  /** Removes the labels of targets: an image's own label leaves its frames' labels, a frame's leaves the rest. Waits for the write lock as setLabels does. */
  clearLabels(items: LabelTargetRef[]): number {
    const del = this.db.prepare('DELETE FROM labels WHERE target_kind = ? AND target_uid = ? AND frame IS ?');
    const n = writeTransaction(this.db, () => items.reduce((sum, it) => sum + del.run(it.targetKind, it.targetUid, it.frame ?? null).changes, 0));
    if (n) this.library.audit('labels.clear', { count: n });
    return n;
  }

  /**
   * Labels in the order they were made, of one kind of target and of the targets named where
   * asked. Named targets are looked up through labels_by_target (kind, uid), so the viewer's frame
   * marks, asked on every series open, read that series' labels and not the whole table.
   */
  listLabels(filter: { targetKind?: TargetKind; targetUids?: string[] } = {}): LabelRecord[] {
    type Row = { id: number; target_kind: TargetKind; target_uid: string; frame: number | null; label: string; author: string | null; created_at: string };
    const columns = 'SELECT id, target_kind, target_uid, frame, label, author, created_at FROM labels';
    const kinds = filter.targetKind ? [filter.targetKind] : (['image', 'series', 'study'] as const);
    const rows = filter.targetUids
      ? this.db
          .prepare<[string], Row>(`${columns} WHERE target_kind IN (${kinds.map((k) => `'${k}'`).join(', ')}) AND target_uid IN (SELECT value FROM json_each(?)) ORDER BY id`)
          .all(JSON.stringify([...new Set(filter.targetUids)]))
      : filter.targetKind
        ? this.db.prepare<[string], Row>(`${columns} WHERE target_kind = ? ORDER BY id`).all(filter.targetKind)
        : this.db.prepare<[], Row>(`${columns} ORDER BY id`).all();
    return rows.map((r) => ({ id: r.id, targetKind: r.target_kind, targetUid: r.target_uid, frame: r.frame, label: r.label, author: r.author, createdAt: r.created_at }));
  }

  /**
   * Every labelled image (each frame of each instance), labelled by labelOfImage: a frame's
   * own label, else its file's, else its series', else its study's. In training order (image-order.ts): by
   * patient, study, series and instance number before any UID, so that the same images
   * imported again with new UIDs come in the same order.
   */
  labelledImages(): LabelledImage[] {
    return this.labelled().images;
  }

  /**
   * How many labelled series were left out of labelledImages because their Image Type says
   * LOCALIZER (schema 15): a scout is not a diagnostic image of the class it is labelled with,
   * even when its study's label covers it.
   */
  labelledLocalizerSeries(): number {
    return this.labelled().localizerSeries;
  }

  private labelled(): { images: LabelledImage[]; localizerSeries: number } {
    const labels = this.listLabels();
    const byKind = { image: new Map<string, string>(), series: new Map<string, string>(), study: new Map<string, string>() };
    // Frame labels by "sop\0frame" (1-based), and the files that have any.
    const byFrame = new Map<string, string>();
    const framed = new Set<string>();
    for (const l of labels) {
      if (l.frame === null) byKind[l.targetKind].set(l.targetUid, l.label);
      else {
        byFrame.set(`${l.targetUid}\0${l.frame}`, l.label);
        framed.add(l.targetUid);
      }
    }
    const rows = this.db.prepare<[], InstanceRow>(INSTANCE_SELECT).all();
    const out: LabelledImage[] = [];
    const localizers = new Set<string>();
    for (const r of rows) {
      const file = { image: byKind.image.get(r.sop_uid), series: byKind.series.get(r.series_uid), study: byKind.study.get(r.study_uid) };
      if (labelOfImage(file) === undefined && !framed.has(r.sop_uid)) continue;
      if (r.localizer) {
        localizers.add(r.series_uid);
        continue;
      }
      const order = orderKeyOf(r);
      for (let f = 0; f < Math.max(1, r.frames); f++) {
        const label = labelOfImage({ ...file, frame: byFrame.get(`${r.sop_uid}\0${f + 1}`) });
        if (label === undefined) continue;
        out.push({ sopInstanceUid: r.sop_uid, frame: f, path: r.path, seriesInstanceUid: r.series_uid, studyInstanceUid: r.study_uid, patient: r.patient, label, order });
      }
    }
    return { images: inTrainingOrder(out), localizerSeries: localizers.size };
  }

  /** Every image of a series (or of the whole library), frames expanded, in viewing order per series. */
  images(seriesUid?: string): ImageRef[] {
    const series = seriesUid ? [seriesUid] : this.db.prepare<[], { series_uid: string }>('SELECT series_uid FROM series ORDER BY series_uid').all().map((r) => r.series_uid);
    const out: ImageRef[] = [];
    for (const s of series) {
      for (const inst of this.library.listInstances(s)) {
        if (inst.missing || !inst.hasPixelData) continue;
        for (let f = 0; f < Math.max(1, inst.frames); f++) out.push({ sopInstanceUid: inst.sopInstanceUid, frame: f, path: inst.path, seriesInstanceUid: s });
      }
    }
    return out;
  }

  /** Lookups for label import: which series/study/patient exist. */
  resolveTarget(kind: TargetKind | 'patient', uid: string): { kind: TargetKind; uid: string }[] {
    if (kind === 'image') return this.db.prepare('SELECT 1 FROM instances WHERE sop_uid = ?').get(uid) ? [{ kind, uid }] : [];
    if (kind === 'series') return this.db.prepare('SELECT 1 FROM series WHERE series_uid = ?').get(uid) ? [{ kind, uid }] : [];
    if (kind === 'study') return this.db.prepare('SELECT 1 FROM studies WHERE study_uid = ?').get(uid) ? [{ kind, uid }] : [];
    const studies = this.db
      .prepare<[string, string], { study_uid: string }>('SELECT st.study_uid FROM studies st JOIN patients p ON p.id = st.patient_ref WHERE p.patient_id = ? OR p.patient_key = ? ORDER BY st.study_uid')
      .all(uid, uid);
    return studies.map((s) => ({ kind: 'study' as const, uid: s.study_uid }));
  }

  /** The study a series of the library belongs to, or null. */
  studyOfSeries(seriesUid: string): string | null {
    return this.db.prepare<[string], { study_uid: string }>('SELECT study_uid FROM series WHERE series_uid = ?').get(seriesUid)?.study_uid ?? null;
  }

  // ---- datasets ------------------------------------------------------------------------

  saveDataset(name: string, definition: unknown, description?: string): void {
    this.db
      .prepare('INSERT INTO datasets (name, description, definition, created_at) VALUES (?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET description = excluded.description, definition = excluded.definition')
      .run(name, description ?? null, JSON.stringify(definition), new Date().toISOString());
  }

  listDatasets(): { name: string; description: string | null; definition: unknown; createdAt: string }[] {
    return this.db
      .prepare<[], { name: string; description: string | null; definition: string; created_at: string }>('SELECT * FROM datasets ORDER BY name')
      .all()
      .map((r) => ({ name: r.name, description: r.description, definition: JSON.parse(r.definition), createdAt: r.created_at }));
  }
}
