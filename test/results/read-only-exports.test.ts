// Exports from a library on a read-only disk (a disc, a read-only share; a real tmpfs remounted
// read-only, test/support/small-disk.ts). Exporting only reads the library, so every export works
// and writes where the user asked; what the read-only disk keeps Lumen from storing is said plainly:
// - de-identified copies of a library that has no pseudonym key yet are made under a key that
//   cannot be saved, so their pseudonyms, UIDs and dates will not match those of later exports;
// - no export can be written into the library's audit log.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestContext } from '../../common/rpc';
import { createEngine } from '../../electron/engine/engine';
import { PSEUDONYM_KEY_FILE } from '../../electron/training/pseudonyms';
import { runLumen } from '../support/cli';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

const NOT_NODE = /ENOSPC|EROFS|SQLITE_|attempt to write|readonly database|at .*\.ts:\d+/;
const disk = smallDiskForTests('read-only-exports', 96);
let out: string;

beforeAll(() => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-read-only-exports-'));
});
afterAll(() => {
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

/** Every file under `dir`, relative, with its bytes. */
function filesUnder(dir: string): Map<string, Buffer> {
  const files = (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile());
  return new Map(files.map((e) => [path.relative(dir, path.join(e.parentPath, e.name)), fs.readFileSync(path.join(e.parentPath, e.name))]));
}

/** A library of two phantom patients on the small disk (its DICOM files beside it, as on a disc). */
async function libraryOnDisk(name: string): Promise<{ lib: string; data: string; set: PhantomSet }> {
  const dicom = path.join(disk.dir, `${name}-dicom`);
  const set = writePhantomSet(dicom, { patients: 2, slices: 1, size: 32, seed: 7 });
  const lib = path.join(disk.dir, `${name}-library`);
  const data = path.join(disk.dir, `${name}-data`);
  const imported = await runLumen(['import', dicom, '--library', lib], data);
  expect(imported.code, imported.stderr).toBe(0);
  // Labels, for the SR to carry.
  const labelled = await runLumen(['labels', 'import', set.csv, '--library', lib], data);
  expect(labelled.code, labelled.stderr).toBe(0);
  return { lib, data, set };
}

describe.skipIf(smallDiskSkip)(`exports from a library on a read-only disk${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('de-identified copies without a pseudonym key yet: written, and the key that could not be saved is named', async () => {
    const { lib, data } = await libraryOnDisk('no-key');
    expect(fs.existsSync(path.join(lib, PSEUDONYM_KEY_FILE))).toBe(false);
    const first = path.join(out, 'no-key-1');
    const second = path.join(out, 'no-key-2');
    disk.readOnly();
    try {
      const run = await runLumen(['export', '--deidentify', 'library', '--include-burned-in', '--library', lib, '--out', first], data);
      expect(run.stderr).not.toMatch(NOT_NODE);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/Wrote de-identified copies of 2 images to /);
      expect(run.stdout).toMatch(/will not match/);
      expect(run.stdout).toMatch(/read-only/);
      expect(run.stdout).toMatch(/audit log/);
      const json = await runLumen(['export', '--deidentify', 'library', '--include-burned-in', '--library', lib, '--out', second, '--json'], data);
      expect(json.code, json.stderr).toBe(0);
      const summary = JSON.parse(json.stdout) as { written: number; notes: string[] };
      expect(summary.written).toBe(2);
      expect(summary.notes.join(' ')).toMatch(/will not match/);
    } finally {
      disk.writable();
    }
    // Nothing was written into the library folder.
    expect(fs.existsSync(path.join(lib, PSEUDONYM_KEY_FILE))).toBe(false);
    // Each export had a key of its own: the same images under other names, so no file of one is in the other.
    const a = filesUnder(first);
    const b = filesUnder(second);
    expect(a.size).toBe(2);
    expect(b.size).toBe(2);
    for (const name of a.keys()) expect(b.has(name)).toBe(false);
  }, 180_000);

  it('de-identified copies with a stored key: the same names as on a writable disk, and only the audit log is missing', async () => {
    const { lib, data } = await libraryOnDisk('key');
    const writable = path.join(out, 'key-writable');
    const made = await runLumen(['export', '--deidentify', 'library', '--include-burned-in', '--library', lib, '--out', writable], data);
    expect(made.code, made.stderr).toBe(0);
    const readOnly = path.join(out, 'key-read-only');
    disk.readOnly();
    try {
      const run = await runLumen(['export', '--deidentify', 'library', '--include-burned-in', '--library', lib, '--out', readOnly], data);
      expect(run.stderr).not.toMatch(NOT_NODE);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).not.toMatch(/will not match/);
      expect(run.stdout).toMatch(/audit log/);
    } finally {
      disk.writable();
    }
    expect(filesUnder(readOnly).size).toBe(2);
    expect([...filesUnder(readOnly).keys()].sort()).toEqual([...filesUnder(writable).keys()].sort());
  }, 180_000);

  it('lumen labels export, a CSV table and DICOM SR: written, and the audit log that could not take them is named', async () => {
    const { lib, data, set } = await libraryOnDisk('tables');
    const study = set.patients[0].studyUid;
    const csv = path.join(out, 'labels.csv');
    const sr = path.join(out, 'sr');
    disk.readOnly();
    try {
      const labels = await runLumen(['labels', 'export', '--library', lib, '--out', path.join(out, 'labels-export.csv')], data);
      expect(labels.stderr).not.toMatch(NOT_NODE);
      expect(labels.code, labels.stderr).toBe(0);
      expect(labels.stdout).toMatch(/audit log/);
      const table = await runLumen(['export', '--csv', 'labels', '--library', lib, '--out', csv], data);
      expect(table.stderr).not.toMatch(NOT_NODE);
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toMatch(/audit log/);
      expect(fs.readFileSync(csv, 'utf8').trim().split('\n')).toHaveLength(1 + set.patients.length);
      const results = await runLumen(['export', '--results', study, '--library', lib, '--out', sr], data);
      expect(results.stderr).not.toMatch(NOT_NODE);
      expect(results.code, results.stderr).toBe(0);
      expect(results.stdout).toMatch(/audit log/);
      expect(fs.readdirSync(sr).length).toBeGreaterThan(0);
    } finally {
      disk.writable();
    }
  }, 180_000);
});

describe.skipIf(smallDiskSkip)(`the app's exports from a library on a read-only disk${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it("Export results…'s requests through the engine: each written, its notes say what could not be stored", async () => {
    const data = path.join(disk.dir, 'app-data');
    const dicom = path.join(disk.dir, 'app-dicom');
    const set = writePhantomSet(dicom, { patients: 2, slices: 1, size: 32, seed: 9 });
    expect((await runLumen(['import', dicom], data)).code).toBe(0);
    expect((await runLumen(['labels', 'import', set.csv], data)).code).toBe(0);
    // A model package in the data folder, to export as one .lumenpkg file.
    const packageDir = path.join(data, 'models', 'tiny');
    const made = await runLumen(['export', '--variant', 'b0', '--classes', '2', '--resolution', '32', '--format', 'package', '--out', packageDir], data);
    expect(made.code, made.stderr).toBe(0);
    const events: { event: string; payload: any }[] = [];
    const ctx: RequestContext = { emit: (event, payload) => void events.push({ event, payload }) };
    const study = set.patients[0].studyUid;
    disk.readOnly();
    const engine = createEngine({ dataDir: data, shell: 'cli', backend: 'cpu' });
    try {
      expect(await engine.dispatch('export.models', { uid: study }, ctx)).toEqual({ ok: true, value: [] });
      const table = await engine.dispatch('export.table', { kind: 'labels', format: 'csv', uid: null, packageHash: null, out: path.join(out, 'app-labels.csv') }, ctx);
      expect(table).toMatchObject({ ok: true, value: { rows: set.patients.length } });
      if (table.ok) expect((table.value as { notes: string[] }).notes.join(' ')).toMatch(/audit log.*read-only disk/);
      const sr = await engine.dispatch('export.results', { uid: study, packageHash: null, out: path.join(out, 'app-sr'), heatmaps: 'none' }, ctx);
      expect(sr).toMatchObject({ ok: true, value: { labels: 1 } });
      if (sr.ok) expect((sr.value as { notes: string[] }).notes.join(' ')).toMatch(/audit log.*read-only disk/);
      const archive = await engine.dispatch('training.exportPackage', { packageDir, file: path.join(out, 'tiny.lumenpkg') }, ctx);
      expect(archive, JSON.stringify(archive)).toMatchObject({ ok: true });
      if (archive.ok) expect((archive.value as { notes: string[] }).notes.join(' ')).toMatch(/audit log.*read-only disk/);
      expect(fs.statSync(path.join(out, 'tiny.lumenpkg')).size).toBeGreaterThan(0);
      const started = await engine.dispatch('export.deidentify', { uid: 'library', out: path.join(out, 'app-deidentified'), includeBurnedIn: true }, ctx);
      expect(started.ok, JSON.stringify(started)).toBe(true);
      const { jobId } = (started as { value: { jobId: string } }).value;
      await expect.poll(() => events.find((e) => (e.event === 'job.finished' || e.event === 'job.failed') && e.payload.jobId === jobId), { timeout: 60_000 }).toBeTruthy();
      const end = events.find((e) => (e.event === 'job.finished' || e.event === 'job.failed') && e.payload.jobId === jobId)!;
      expect(end.event, JSON.stringify(end.payload)).toBe('job.finished');
      expect(end.payload.result.written).toBe(2);
      expect(end.payload.result.notes).toHaveLength(2);
      expect(end.payload.result.notes[0]).toMatch(/could not be saved.*will not match/);
      expect(JSON.stringify(events)).not.toMatch(NOT_NODE);
    } finally {
      engine.dispose();
      disk.writable();
    }
  }, 180_000);
});

describe.skipIf(smallDiskSkip)(`a model export beside a library on a read-only disk${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('lumen export --format onnx: written elsewhere, and the audit log that could not take it is named', async () => {
    const { lib, data } = await libraryOnDisk('model');
    const onnx = path.join(out, 'b0.onnx');
    disk.readOnly();
    try {
      const run = await runLumen(['export', '--variant', 'b0', '--classes', '2', '--resolution', '32', '--format', 'onnx', '--out', onnx, '--library', lib], data);
      expect(run.stderr).not.toMatch(NOT_NODE);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Note: Not recorded in the library's audit log: the library ${lib} is on a read-only disk.`);
      expect(fs.statSync(onnx).size).toBeGreaterThan(0);
    } finally {
      disk.writable();
    }
  }, 180_000);
});
