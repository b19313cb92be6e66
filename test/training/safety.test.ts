// Training requests that would destroy data: run names that lead out of the runs folder
// (".." once deleted the whole data folder, "." every other run's checkpoints), and
// resume requests for folders that are not runs. The real handlers on a real data folder.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../common/contract';
import { errorMessage } from '../../common/errors';
import { Library } from '../../electron/library/library';
import { importLabelsCsv, importLabelsCsvFile } from '../../electron/training/labels';
import { activeBackend } from '../../models/runtime';
import { trainClassifier } from '../../electron/training/train';
import { writePhantomSet } from './phantoms';
import { trainingRequests } from './support';

let dataDir: string;
let dicomDir: string;
let csv: string;
const training = trainingRequests();
const { waitForJob, unchecked } = training;

/** The files a data folder must keep whatever a training request says. */
const precious = () => [
  path.join(dataDir, 'library', 'library.sqlite'),
  path.join(dataDir, 'models', 'installed', 'metadata.json'),
  path.join(dataDir, 'training-runs', 'other-run', 'state.json'),
];

/** Calls the handler as a transport that skipped the contract's checks would: the handler must still refuse. */
async function startUnchecked(name: string): Promise<string> {
  try {
    const { jobId } = await unchecked('training.start', { name, variant: 'custom-phi-6', resolution: 32, epochs: 1, mode: 'head', augment: false, seed: 1, overwrite: false });
    const end = await waitForJob(jobId, 120_000);
    return end.event === 'job.failed' ? String(end.payload.message ?? end.payload.error ?? JSON.stringify(end.payload)) : 'finished';
  } catch (err) {
    return errorMessage(err);
  }
}

beforeAll(async () => {
  // No backend initialised here: the engine must pick one itself (see the from-scratch test).
  process.env.LUMEN_TF_BACKEND = 'wasm';
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-training-safety-'));
  dicomDir = `${dataDir}-dicom`;
  const set = writePhantomSet(dicomDir, { patients: 9, slices: 1, size: 32, seed: 5 });
  const lib = Library.open(path.join(dataDir, 'library'));
  try {
    await lib.importPaths([set.dir]);
    importLabelsCsvFile(lib, set.csv);
    csv = set.csv;
  } finally {
    lib.close();
  }
  for (const file of precious().slice(1)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{}');
  }
  training.open(dataDir);
}, 60_000);

afterAll(async () => {
  await training.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (dicomDir) rmSync(dicomDir, { recursive: true, force: true });
});

describe('training from scratch', () => {
  it('in an engine that picked no backend yet, trains (on cpu instead of wasm); refused runs name the backend', async () => {
    expect(activeBackend()).toBe(null);
    const { jobId } = await unchecked('training.start', { name: 'scratch', variant: 'custom-phi-6', resolution: 32, epochs: 1, mode: 'scratch', augment: false, seed: 1, overwrite: false });
    const end = await waitForJob(jobId, 120_000);
    expect(end.payload.message ?? '').not.toMatch(/undefined/);
    expect(end.event, JSON.stringify(end.payload)).toBe('job.finished');
    expect(activeBackend()).toBe('wasm');
    const lib = Library.open(path.join(dataDir, 'library'));
    try {
      await expect(trainClassifier({ library: lib, out: path.join(dicomDir, 'pkg'), variant: 'custom-phi-6', resolution: 32, epochs: 1, mode: 'scratch' })).rejects.toThrow('which the wasm backend lacks');
    } finally {
      lib.close();
    }
  });
});

describe('training run names', () => {
  it('the contract refuses names made only of dots', () => {
    const base = { variant: 'b0' };
    for (const name of ['..', '.', '...', ' .. ']) expect(requests['training.start'].input.safeParse({ ...base, name }).success, name).toBe(false);
    for (const name of ['.hidden', 'v1.2', 'a..b', 'run-1_x']) expect(requests['training.start'].input.safeParse({ ...base, name }).success, name).toBe(true);
  });

  it('a request named ".." or "." that skipped the contract is refused and the data folder survives', async () => {
    for (const name of ['..', '.']) {
      const message = await startUnchecked(name);
      for (const file of precious()) expect(existsSync(file), `${name}: ${file}`).toBe(true);
      expect(message, name).toMatch(/^Refusing to use "\.{1,2}" in .*training-runs: it (leads outside|names) that folder/);
    }
    expect(readFileSync(precious()[1], 'utf8')).toBe('{}');
  });
});

describe('the package folder of a run', () => {
  it('is checked before training: never a path through "..", never an existing folder without overwrite', async () => {
    const lib = Library.open(path.join(dataDir, 'library'));
    try {
      const base = { library: lib, variant: 'custom-phi-6', resolution: 32, epochs: 1 };
      await expect(trainClassifier({ ...base, out: `${dicomDir}/sub/..` })).rejects.toThrow(/Refusing to write a model package to .*: it must lie inside .*sub/);
      const existing = path.join(dataDir, 'models', 'installed');
      await expect(trainClassifier({ ...base, out: existing })).rejects.toThrow(`Model package ${existing}: already exists: choose another name, or move that folder away (lumen train --overwrite keeps a package there as an earlier version and writes the new one under its name)`);
      expect(existsSync(`${existing}.checkpoint`)).toBe(false);
      expect(readFileSync(path.join(existing, 'metadata.json'), 'utf8')).toBe('{}');
    } finally {
      lib.close();
    }
  });
});

describe('resuming a run', () => {
  const resume = async (checkpointDir: string) => unchecked('training.resume', { checkpointDir });
  const runJson = (request: unknown) => JSON.stringify({ runId: 'x', name: 'r', epochs: 1, startedAt: '2026-01-01T00:00:00Z', request });

  it('only resumes a run folder of this data folder', async () => {
    // A folder elsewhere whose run.json asks for a run named "..": the old code started it.
    const elsewhere = path.join(dicomDir, 'not-a-run');
    mkdirSync(elsewhere, { recursive: true });
    writeFileSync(path.join(elsewhere, 'run.json'), runJson({ name: '..', variant: 'custom-phi-6', resolution: 32, epochs: 1, mode: 'head', augment: false, seed: 1, overwrite: false }));
    for (const dir of [elsewhere, path.join(dataDir, 'training-runs', '..'), path.join(dataDir, 'training-runs')]) {
      await expect(resume(dir), dir).rejects.toThrow(/is not a training run of this data folder/);
    }
    await new Promise((r) => setTimeout(r, 300));
    for (const file of precious()) expect(existsSync(file), file).toBe(true);
  });

  it("checks run.json against the contract's schema before starting anything", async () => {
    const dir = path.join(dataDir, 'training-runs', 'tampered');
    mkdirSync(dir, { recursive: true });
    for (const request of [{ name: '..', variant: 'custom-phi-6' }, { name: 'tampered', variant: 'custom-phi-6', out: 5 }, 'rm -rf']) {
      writeFileSync(path.join(dir, 'run.json'), runJson(request));
      await expect(resume(dir)).rejects.toThrow(/run.json is not a valid training run \(request[^)]*\): the run cannot be resumed/);
    }
    writeFileSync(path.join(dir, 'run.json'), '{"runId":');
    await expect(resume(dir)).rejects.toThrow(/run.json is not valid JSON/);
    // A run whose request names another folder would train (and delete) there.
    writeFileSync(path.join(dir, 'run.json'), runJson({ name: 'other-run', variant: 'custom-phi-6', mode: 'head', augment: false, seed: 1, overwrite: false }));
    await expect(resume(dir)).rejects.toThrow(/is for "other-run"/);
    const runs = await unchecked('training.runs', {});
    expect(runs.map((r: { name: string }) => r.name)).not.toContain('..');
    for (const file of precious()) expect(existsSync(file), file).toBe(true);
  });
});

describe('labels from a CSV', () => {
  it('apply the class-name rules per line, naming the file and line but never the label', () => {
    const long = 'x'.repeat(65);
    const lib = Library.open(path.join(dataDir, 'library'));
    try {
      const lines = readFileSync(csv, 'utf8').trim().split('\n');
      const [p1, p2, p3] = lines.slice(1, 4).map((l) => l.split(','));
      const text = ['PatientID,SeriesInstanceUID,label', `${p1[0]},${p1[1]},${long}`, `${p2[0]},${p2[1]},   `, `${p3[0]},${p3[1]},  ${p3[2]}  `].join('\n');
      const report = importLabelsCsv(lib, text, { source: 'labels.csv', author: null });
      expect(report.problems).toEqual([
        { line: 2, reason: 'label longer than 64 characters in labels.csv: shorten the class name' },
        { line: 3, reason: 'empty label in labels.csv' },
      ]);
      expect(JSON.stringify(report)).not.toContain(long);
      expect(report.classes).toEqual({ [p3[2]]: 1 });
    } finally {
      lib.close();
    }
  });
});
