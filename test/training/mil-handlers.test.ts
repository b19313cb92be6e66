// The Training tab's "Series (MIL)" choice through the engine's real training handlers:
// training.start with level 'series' trains from series labels as a job (progress with the
// curve), the package has a series head; series level with another mode fails with a message.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPackage } from '../../models/package';
import { initBackend } from '../../models/runtime';
import { writeMilPhantoms, type MilPhantomSet } from './mil-phantoms';
import { phantomDataDir, trainingRequests } from './support';

let dataDir: string;
let set: MilPhantomSet;
const training = trainingRequests();
const { events, call, waitForJob } = training;

beforeAll(async () => {
  await initBackend('cpu');
  ({ dataDir, set } = await phantomDataDir('mil-handlers', (dir) => writeMilPhantoms(dir, { patients: 8, seriesPerPatient: 2, slices: 4, lesionSlices: 1, seed: 13 })));
  training.open(dataDir);
}, 120_000);

afterAll(async () => {
  await training.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('training.start with level series', () => {
  it('trains a series head from series labels as a job, with the curve in its progress', async () => {
    for (const s of set.series) await call('training.labels.set', { targets: [{ kind: 'series', uid: s.seriesUid }], label: s.label });
    const { jobId } = await call('training.start', { name: 'series-mil', variant: 'custom-phi-10', resolution: 32, epochs: 6, window: 'ct-abdomen', level: 'series' });
    const end = await waitForJob(jobId);
    expect(end.event, JSON.stringify(end.payload)).toBe('job.finished');
    const result = end.payload.result;
    expect(result.level).toBe('series');
    expect(result.test.n).toBe(result.split.series.test);
    const progress = events.filter((e) => e.event === 'job.progress' && e.payload.jobId === jobId);
    expect(progress.some((e) => e.payload.detail?.history?.length >= 1)).toBe(true);
    const pkg = await loadPackage(path.join(dataDir, 'models', 'series-mil'));
    expect(pkg.metadata.contentHash).toBe(result.contentHash);
    expect(pkg.metadata.seriesHead?.pooling).toBe('gated-attention');
  }, 300_000);

  it('fails a series-level request in another mode with a message, not a crash', async () => {
    const { jobId } = await call('training.start', { name: 'series-scratch', variant: 'custom-phi-10', resolution: 32, epochs: 1, level: 'series', mode: 'scratch' });
    const end = await waitForJob(jobId);
    expect(end.event).toBe('job.failed');
    expect(JSON.stringify(end.payload)).toMatch(/Series \(MIL\) training trains a head on cached backbone features/);
  }, 120_000);
});
