// The audit log: one row per prediction, training run, export, package import,
// library import and label change, in the library's SQLite file (table
// audit_log; schema.ts migration 3 adds its columns and the triggers that refuse
// UPDATE and DELETE, so rows can only be appended). What an event touched is
// recorded as DICOM UIDs and counts, never as names or other patient data:
// the log is meant to be handed to someone who checks how the data was used.
import type Database from 'better-sqlite3';
import { writeTransaction } from './write-lock';

/** What an event worked on: UIDs and counts only. */
export interface AuditTouched {
  studies?: string[];
  series?: string[];
  /** SOP Instance UIDs, where an event worked on single images. */
  instances?: string[];
  images?: number;
  patients?: number;
  /** Files or folders Lumen read or wrote (packages, exports, imported folders). */
  files?: string[];
}

/** One event as a caller records it; every other field goes into `details`. */
export interface AuditEvent {
  /** The content hash of the model package used or written. */
  packageHash?: string | null;
  variant?: string | null;
  /** Runtime and backend, e.g. "onnxruntime cpu", "tfjs wasm". */
  runtime?: string | null;
  touched?: AuditTouched | null;
  [detail: string]: unknown;
}

export interface AuditEntry {
  id: number;
  /** ISO 8601, UTC. */
  at: string;
  /** The operating-system user that ran Lumen. */
  actor: string | null;
  action: string;
  packageHash: string | null;
  variant: string | null;
  runtime: string | null;
  touched: AuditTouched | null;
  details: Record<string, unknown> | null;
}

interface AuditRow {
  id: number;
  at: string;
  actor: string | null;
  action: string;
  package_hash: string | null;
  variant: string | null;
  runtime: string | null;
  touched: string | null;
  details: string | null;
}

/** Appends one event, waiting for the write lock as the change it records did (write-lock.ts). */
export function appendAudit(db: Database.Database, action: string, actor: string | null, event: AuditEvent): void {
  const { packageHash, variant, runtime, touched, ...details } = event;
  const insert = db.prepare('INSERT INTO audit_log (at, actor, action, package_hash, variant, runtime, touched, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
  const at = new Date().toISOString();
  writeTransaction(db, () =>
    insert.run(at, actor, action, packageHash ?? null, variant ?? null, runtime ?? null, touched ? JSON.stringify(touched) : null, Object.keys(details).length ? JSON.stringify(details) : null),
  );
}

/** A JSON column as written by appendAudit; a row written otherwise (by hand, by an old build) shows its text as-is. */
function parseJsonColumn<T>(text: string | null): T | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as T;
  } catch {
    return { text } as T;
  }
}

/** Entries in the order they were recorded; `since` (ISO time) keeps those at or after it. */
export function readAudit(db: Database.Database, opts: { since?: string } = {}): AuditEntry[] {
  return db
    .prepare<[string], AuditRow>('SELECT * FROM audit_log WHERE at >= ? ORDER BY id')
    .all(opts.since ?? '')
    .map((r) => ({
      id: r.id,
      at: r.at,
      actor: r.actor,
      action: r.action,
      packageHash: r.package_hash,
      variant: r.variant,
      runtime: r.runtime,
      touched: parseJsonColumn<AuditTouched>(r.touched),
      details: parseJsonColumn<Record<string, unknown>>(r.details),
    }));
}

export const AUDIT_CSV_COLUMNS = ['id', 'at', 'actor', 'action', 'package_hash', 'variant', 'runtime', 'touched', 'details'] as const;

/** RFC 4180: a field with a comma, quote or line break is quoted, its quotes doubled. */
function csvField(value: string | number | null): string {
  const text = value === null ? '' : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The entries as CSV (header row, CRLF line ends); `touched` and `details` are JSON text. */
export function auditCsv(entries: AuditEntry[]): string {
  const rows = entries.map((e) =>
    [e.id, e.at, e.actor, e.action, e.packageHash, e.variant, e.runtime, e.touched ? JSON.stringify(e.touched) : null, e.details ? JSON.stringify(e.details) : null].map(csvField).join(','),
  );
  return [AUDIT_CSV_COLUMNS.join(','), ...rows].join('\r\n') + '\r\n';
}
