// The audit log: every prediction, training run, export and package import is recorded
// (time, package hash, variant, runtime, what it touched) in an append-only table of the
// library, listed by `lumen audit --json` and exported by `lumen audit --csv`.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { parseSince } from '../../electron/cli/audit';
import { auditCsv, AUDIT_CSV_COLUMNS, type AuditEntry } from '../../electron/library/audit';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { createEngine } from '../../electron/engine/engine';
import { parseCsv } from '../../electron/training/labels';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

let root: string;
let set: PhantomSet;
let dataDir: string;
let library: string;

const lumen = (args: string[]) => runLumen(args, dataDir);

async function auditJson(...args: string[]): Promise<AuditEntry[]> {
  const r = await lumen(['audit', '--library', library, '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).entries;
}

/** Calls an engine request in this process and waits for its job when it starts one. */
async function engineCall(engine: ReturnType<typeof createEngine>, method: string, input: unknown): Promise<unknown> {
  let finish: (end: { event: string; payload: any }) => void = () => {};
  const ended = new Promise<{ event: string; payload: any }>((resolve) => (finish = resolve));
  const reply = await engine.dispatch(method, input, { emit: (event, payload: any) => (event === 'job.finished' || event === 'job.failed') && finish({ event, payload }) });
  if (!reply.ok) throw new Error(reply.error.message);
  if (!(reply.value as { jobId?: string }).jobId) return reply.value;
  const end = await ended;
  if (end.event === 'job.failed') throw new Error(end.payload.message);
  return end.payload.result;
}

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-audit-'));
  dataDir = path.join(root, 'data');
  library = path.join(dataDir, 'library');
  set = writePhantomSet(path.join(root, 'dicom'), { patients: 9, slices: 1, size: 32, seed: 5 });
  const imported = await lumen(['import', set.dir, '--library', library, '--json']);
  expect(imported.code, imported.stderr).toBe(0);
}, 120_000);

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the audit log', () => {
  it('records a training run, a prediction, an export and a package import, with package hash, variant, runtime and UIDs', async () => {
    const pkg = path.join(dataDir, 'models', 'audit-b');
    const trained = await lumen(['train', '--library', library, '--labels', set.csv, '--variant', 'custom-phi-10', '--resolution', '32', '--epochs', '2', '--seed', '3', '--out', pkg, '--json']);
    expect(trained.code, trained.stderr).toBe(0);
    const hash: string = JSON.parse(trained.stdout).package.contentHash;

    const series = set.patients[0].seriesUid;
    const predicted = await lumen(['predict', '--model', pkg, '--library', library, '--series', series, '--json']);
    expect(predicted.code, predicted.stderr).toBe(0);

    const onnx = path.join(root, 'exported.onnx');
    const exported = await lumen(['export', '--weights', pkg, '--format', 'onnx', '--out', onnx, '--library', library, '--json']);
    expect(exported.code, exported.stderr).toBe(0);

    // The app's prediction (TF.js, with the heatmap), and a .lumenpkg written and installed again through the
    // engine as the app does, into a second data folder whose library gets its own entry.
    const archive = path.join(root, 'audit-b.lumenpkg');
    const engine = createEngine({ dataDir, shell: 'browser' });
    const other = path.join(root, 'other-data');
    const otherEngine = createEngine({ dataDir: other, shell: 'browser' });
    try {
      await engineCall(engine, 'predict.run', { packageHash: hash, scope: 'series', seriesInstanceUid: series });
      await engineCall(engine, 'training.exportPackage', { packageDir: pkg, file: archive });
      await engineCall(otherEngine, 'models.importPackage', { file: archive });
    } finally {
      engine.dispose();
      otherEngine.dispose();
    }

    const entries = await auditJson();
    expect(entries.map((e) => e.action)).toEqual(['import', 'labels.set', 'train', 'predict', 'export', 'predict', 'export']);
    for (const e of entries) {
      expect(Date.parse(e.at)).toBeGreaterThan(Date.now() - 10 * 60_000);
      expect(e.actor).toBe(os.userInfo().username);
    }
    const [, , train, predict, exportOnnx, predictInApp, exportArchive] = entries;
    expect(train).toMatchObject({ packageHash: hash, variant: 'custom-phi-10', runtime: expect.stringMatching(/^tfjs \w+/) });
    expect(train.touched?.series).toHaveLength(9);
    expect(train.touched).toMatchObject({ images: 9, patients: 9, files: [pkg] });
    // lumen predict and the app's Run name the one runner they both ran on.
    expect(predict).toMatchObject({ packageHash: hash, variant: 'custom-phi-10', runtime: 'ONNX Runtime (cpu)', touched: { series: [series], images: 1 } });
    expect(predictInApp).toMatchObject({ packageHash: hash, variant: 'custom-phi-10', runtime: 'ONNX Runtime (cpu)', touched: { series: [series], images: 1 }, details: { scope: 'series' } });
    expect(exportOnnx).toMatchObject({ packageHash: hash, variant: 'custom-phi-10', touched: { files: [pkg, onnx] }, details: { format: 'onnx', weights: 'package' } });
    expect(exportArchive).toMatchObject({ packageHash: hash, variant: 'custom-phi-10', touched: { files: [pkg, archive] }, details: { format: 'lumenpkg' } });

    const imports = Library.open(path.join(other, 'library'));
    try {
      const [entry] = imports.auditEntries();
      expect(entry).toMatchObject({ action: 'package.import', packageHash: hash, variant: 'custom-phi-10' });
      expect(entry.touched?.files?.[0]).toBe(archive);
    } finally {
      imports.close();
    }

    // UIDs and counts only: no patient's name or ID anywhere in the log.
    const text = JSON.stringify(entries);
    for (const p of set.patients) {
      expect(text).not.toContain(`Phantom^${p.patientId}`);
      expect(text).not.toContain(`"${p.patientId}"`);
    }

    // --since keeps the entries at or after the time; a bad date is refused, naming it.
    expect(await auditJson('--since', predict.at)).toHaveLength(4);
    expect(await auditJson('--since', '2999-01-01')).toEqual([]);
    const bad = await lumen(['audit', '--library', library, '--since', 'last tuesday']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--since must be a date .*"last tuesday"/);

    // The CSV export parses back to the same entries.
    const csv = path.join(root, 'audit.csv');
    const written = await lumen(['audit', '--library', library, '--csv', csv]);
    expect(written.code, written.stderr).toBe(0);
    expect(written.stdout).toContain(`Wrote ${entries.length} entries to ${csv}`);
    expect(statSync(csv).mode & 0o077).toBe(0);
    expect(fromCsv(readFileSync(csv, 'utf8'))).toEqual(entries);
  }, 300_000);

  it('--since takes a date or an ISO time, and refuses a day the calendar does not have', () => {
    expect(parseSince('2026-01-31')).toBe('2026-01-31T00:00:00.000Z');
    expect(parseSince('2026-01-31T08:30:00+01:00')).toBe('2026-01-31T07:30:00.000Z');
    for (const bad of ['2026-02-31', '2026-13-01', 'yesterday', '31/01/2026', '']) expect(() => parseSince(bad)).toThrow(`not "${bad}"`);
  });

  it('refuses to change or delete an entry through SQLite', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-audit-sql-'));
    try {
      const lib = Library.open(dir);
      lib.audit('predict', { packageHash: 'ab'.repeat(32), variant: 'b0', runtime: 'onnxruntime cpu', touched: { series: ['1.2.3'], images: 1 } });
      lib.close();
      const db = new Database(path.join(dir, LIBRARY_FILE));
      try {
        expect(() => db.prepare("UPDATE audit_log SET variant = 'b7'").run()).toThrow(/append-only/);
        expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
        expect(db.prepare('SELECT variant FROM audit_log').all()).toEqual([{ variant: 'b0' }]);
      } finally {
        db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('quotes CSV fields with commas, quotes and line breaks so that they parse back', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lumen-audit-csv-'));
    try {
      const lib = Library.open(dir);
      lib.audit('export', { variant: 'odd, "quoted"\r\nvariant', touched: { files: ['/a,b/"c"\n.onnx'] }, note: 'x;y\tz' });
      lib.audit('predict', {});
      const entries = lib.auditEntries();
      lib.close();
      const csv = auditCsv(entries);
      expect(csv.split('\r\n')[0]).toBe(AUDIT_CSV_COLUMNS.join(','));
      expect(fromCsv(csv)).toEqual(entries);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** The CSV back into entries (empty cells are nulls). */
function fromCsv(text: string): AuditEntry[] {
  const [header, ...rows] = parseCsv(text);
  expect(header).toEqual([...AUDIT_CSV_COLUMNS]);
  return rows.map((r) => {
    const cell = (name: (typeof AUDIT_CSV_COLUMNS)[number]) => r[AUDIT_CSV_COLUMNS.indexOf(name)] || null;
    return {
      id: Number(cell('id')),
      at: cell('at')!,
      actor: cell('actor'),
      action: cell('action')!,
      packageHash: cell('package_hash'),
      variant: cell('variant'),
      runtime: cell('runtime'),
      touched: cell('touched') === null ? null : JSON.parse(cell('touched')!),
      details: cell('details') === null ? null : JSON.parse(cell('details')!),
    };
  });
}
