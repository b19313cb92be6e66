// Undo for label changes: a labelling (one key press, several series at once, a CSV import)
// replaces what its targets had; the change keeps their labels before and after, so that one
// undo puts back exactly what was there, in one transaction. Kept in memory by whoever makes
// the changes (the engine), the newest few: an undo is for the change just made. An undo is
// refused when the targets' labels have changed since, so it never throws away later work.
import { randomUUID } from 'node:crypto';
import { writeTransaction } from '../library/write-lock';
import { labelTargetKey, type LabelTargetRef, type TargetKind, type TrainingStore } from './store';

interface LabelRow {
  target_kind: TargetKind;
  target_uid: string;
  frame: number | null;
  label: string;
  author: string | null;
  created_at: string;
}

export interface LabelChange {
  id: string;
  /** What the change was, in words ("import of 12 labels"): what Undo names. */
  what: string;
  /** A frame's label is a target of its own (frame 1-based); an image's own label is the one without a frame. */
  targets: LabelTargetRef[];
  before: LabelRow[];
  after: LabelRow[];
}

const rowKey = (r: LabelRow) => [r.target_kind, r.target_uid, r.frame ?? '', r.label, r.author ?? '', r.created_at].join('\0');

/** The labels rows of these targets (at most one each), read in chunks under SQLite's variable limit. */
function rowsOf(store: TrainingStore, targets: LabelChange['targets']): LabelRow[] {
  const wanted = new Set(targets.map(labelTargetKey));
  const uids = [...new Set(targets.map((t) => t.targetUid))];
  const out: LabelRow[] = [];
  for (let i = 0; i < uids.length; i += 500) {
    const chunk = uids.slice(i, i + 500);
    const rows = store.db.prepare<string[], LabelRow>(`SELECT target_kind, target_uid, frame, label, author, created_at FROM labels WHERE target_uid IN (${chunk.map(() => '?').join(',')}) ORDER BY id`).all(...chunk);
    for (const r of rows) if (wanted.has(labelTargetKey({ targetKind: r.target_kind, targetUid: r.target_uid, frame: r.frame }))) out.push(r);
  }
  return out;
}

export class LabelUndoLog {
  private readonly changes: LabelChange[] = [];

  constructor(private readonly keep = 20) {}

  /**
   * Runs `change` (which sets or clears the labels of `targets`) and records what the targets
   * had before and after it. Returns the change's id, or undefined when nothing changed.
   */
  record<T>(store: TrainingStore, targets: LabelChange['targets'], what: string, change: () => T): { result: T; undoId?: string } {
    const before = rowsOf(store, targets);
    const result = change();
    const after = rowsOf(store, targets);
    if (before.length === 0 && after.length === 0) return { result };
    const id = randomUUID();
    this.changes.push({ id, what, targets, before, after });
    if (this.changes.length > this.keep) this.changes.shift();
    return { result, undoId: id };
  }

  /** Puts back the labels the change's targets had before it, in one transaction; the change is then gone. */
  undo(store: TrainingStore, id: string): { count: number; what: string } {
    const index = this.changes.findIndex((c) => c.id === id);
    if (index < 0) throw new Error('That label change can no longer be undone (only the last 20 changes since Lumen started are kept).');
    const change = this.changes[index];
    const del = store.db.prepare('DELETE FROM labels WHERE target_kind = ? AND target_uid = ? AND frame IS ?');
    const ins = store.db.prepare('INSERT INTO labels (target_kind, target_uid, frame, label, author, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    // The write lock first, as setLabels takes it: beside another Lumen's import this waits for it.
    writeTransaction(store.db, () => {
      const now = rowsOf(store, change.targets).map(rowKey).sort();
      const then = change.after.map(rowKey).sort();
      if (now.length !== then.length || now.some((k, i) => k !== then[i])) {
        throw new Error(`Cannot undo the ${change.what}: some of its labels have been changed since. Nothing was undone.`);
      }
      for (const t of change.targets) del.run(t.targetKind, t.targetUid, t.frame ?? null);
      for (const r of change.before) ins.run(r.target_kind, r.target_uid, r.frame, r.label, r.author, r.created_at);
    });
    this.changes.splice(index, 1);
    store.library.audit('labels.undo', { count: change.targets.length });
    return { count: change.targets.length, what: change.what };
  }
}
