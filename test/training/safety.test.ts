// Training requests that would destroy data: run names that lead out of the runs folder
// (".." once deleted the whole data folder, "." every other run's checkpoints), and
// resume requests for folders that are not runs. The real handlers on a real data folder.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requests } from '../../common/contract';
import type { RequestContext } from '../../common/rpc';
import { trainingHandlers } from '../../electron/engine/handlers/training';
import { JobRunner } from '../../electron/engine/jobs';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { initBackend } from '../../models/runtime';
import { writePhantomSet } from './phantoms';

let dataDir: string;
let dicomDir: string;
const events: { event: string; payload: any }[] = [];
const ctx: RequestContext = { emit: (event, payload) => events.push({ event, payload }) };
const cleanups: (() => void | Promise<void>)[] = [];
let h: ReturnType<typeof trainingHandlers>;
const jobs = new JobRunner();

/** The files a data folder must keep whatever a training request says. */
const precious = () => [
  path.join(dataDir, 'library', 'library.sqlite'),
  path.join(dataDir, 'models', 'installed', 'metadata.json'),
  path.join(dataDir, 'training-runs', 'other-run', 'state.json'),
];

function waitForJob(jobId: string, ms = 120_000): Promise<{ event: string; payload: any }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      const hit = events.find((e) => (e.event === 'job.finished' || e.event === 'job.failed') && e.payload.jobId === jobId);
      if (hit) return resolve(hit);
      if (Date.now() - started > ms) return reject(new Error('job did not end'));
      setTimeout(tick, 20);
    };
    tick();
  });
}

/** Calls the handler as a transport that skipped the contract's checks would: the handler must still refuse. */
async function startUnchecked(name: string): Promise<string> {
  try {
    const { jobId } = await (h as any)['training.start']({ name, variant: 'custom-phi-6', resolution: 32, epochs: 1, mode: 'head', augment: false, seed: 1, overwrite: false }, ctx);
    const end = await waitForJob(jobId);
    return end.event === 'job.failed' ? String(end.payload.message ?? end.payload.error ?? JSON.stringify(end.payload)) : 'finished';
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  }
}

beforeAll(async () => {
  await initBackend('cpu');
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-training-safety-'));
  dicomDir = `${dataDir}-dicom`;
  const set = writePhantomSet(dicomDir, { patients: 9, slices: 1, size: 32, seed: 5 });
  const lib = Library.open(path.join(dataDir, 'library'));
  try {
    await lib.importPaths([set.dir]);
    importLabelsCsvFile(lib, set.csv);
  } finally {
    lib.close();
  }
  for (const file of precious().slice(1)) {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '{}');
  }
  h = trainingHandlers({ dataDir, jobs, log: () => {}, onDispose: (fn) => cleanups.push(fn) });
}, 60_000);

afterAll(async () => {
  for (const c of cleanups) await c();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  if (dicomDir) rmSync(dicomDir, { recursive: true, force: true });
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
