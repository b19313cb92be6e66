// The app's training job (training.start, as the Training tab calls it) whose package does not fit
// on the data folder's disk (a real tmpfs, test/support/small-disk.ts): the job fails with a line
// naming the package and the disk, no half package is listed or left (nor a temporary folder), the
// engine goes on answering, and the same run started again once space is freed writes the package.
// The CLI's case is in test/cli/full-disk.test.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { initBackend } from '../../models/runtime';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { writePhantomSet, type PhantomSet } from './phantoms';
import { trainingRequests } from './support';

const NOT_NODE = /ENOSPC|EROFS|no space left|SQLITE_|attempt to write|at .*\.ts:\d+/;
const disk = smallDiskForTests('full-disk-job', 48);
const training = trainingRequests();
const { call, waitForJob } = training;
let incoming: string;
let dataDir: string;
let set: PhantomSet;

/** Every file and folder under `dir`, relative. */
function entriesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).sort() : [];
}

beforeAll(async () => {
  if (smallDiskSkip) return;
  await initBackend('cpu');
  incoming = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-full-disk-job-'));
  set = writePhantomSet(path.join(incoming, 'dicom'), { patients: 8, slices: 1, size: 32, seed: 5 });
  dataDir = path.join(disk.dir, 'data');
  const lib = Library.open(path.join(dataDir, 'library'));
  try {
    await lib.importPaths([set.dir]);
  } finally {
    lib.close();
  }
  training.open(dataDir);
}, 120_000);

afterAll(async () => {
  if (smallDiskSkip) return;
  await training.close();
  fs.rmSync(incoming, { recursive: true, force: true });
});

describe.skipIf(smallDiskSkip)(`a training job onto a full disk${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('fails naming the package and the disk, leaves no half package, and trains once space is freed', async () => {
    for (const p of set.patients) await call('training.labels.set', { targets: [{ kind: 'series', uid: p.seriesUid }], label: p.label });
    const form = { name: 'tight', variant: 'custom-phi-6', resolution: 32, epochs: 1, seed: 3 } as const;
    const models = path.join(dataDir, 'models');
    const packageDir = path.join(models, 'tight');
    // The features and the checkpoint fit (tens of KiB); the package (its ONNX file and weights, MiBs) does not.
    disk.fill(512 * 1024);
    try {
      const end = await waitForJob((await call('training.start', form)).jobId);
      expect(end.event, JSON.stringify(end.payload)).toBe('job.failed');
      const message = String(end.payload.message);
      expect(message).toContain(packageDir);
      expect(message).toMatch(/the disk is full/);
      expect(message).not.toMatch(NOT_NODE);
      // No package and nothing half-written beside where it would be.
      expect(entriesUnder(models)).toEqual([]);
      expect(await call('training.packages', {})).toEqual([]);
      // The engine goes on answering.
      expect((await call('training.dataset.preview', { seed: 1 })).images).toBe(8);
    } finally {
      disk.unfill();
    }
    const again = await waitForJob((await call('training.start', form)).jobId);
    expect(again.event, JSON.stringify(again.payload)).toBe('job.finished');
    expect(again.payload.result.packageDir).toBe(packageDir);
    expect(await call('training.packages', {})).toMatchObject([{ name: 'tight' }]);
    expect(entriesUnder(models).filter((e) => !e.startsWith('tight'))).toEqual([]);
    expect(await call('training.runs', {})).toEqual([]);
  }, 300_000);
});
