// The app's Run over a study, cancelled part-way, keeps the series it scored whole, as lumen
// predict does on Ctrl+C (0c48993). Before, the engine's predict.run threw everything away on a
// cancel and said only "Cancelled". The real engine in this process, a study of 8 series of 16
// slices (one batch each) written by test/support/many-ct.ts, a tiny random-head package; the job
// is cancelled from the first progress event that counts scored images.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName, EventPayload } from '../../common/contract';
import type { PredictionResult } from '../../common/contract/models';
import type { RequestContext } from '../../common/rpc';
import { createEngine, type Engine } from '../../electron/engine/engine';
import { engineRequests } from '../support/engine';
import { writeManyCt, type ManyCt } from '../support/many-ct';
import { saveRandomHeadPackage } from '../support/tiny-package';

describe("the app's Run over a study, cancelled part-way", () => {
  let root: string;
  let set: ManyCt;
  let hash: string;
  let engine: Engine;
  const { call, job } = engineRequests(() => engine);

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-run-cancel-'));
    set = writeManyCt(path.join(root, 'dicom'), { studies: 1, series: 8, slices: 16, root: '98', name: 'RUNCANCEL' });
    hash = (await saveRandomHeadPackage(path.join(root, 'models', 'tiny'), { inputSize: 64, seed: 4, sd: 5, headSeed: 6 }, { name: 'tiny', classNames: ['none', 'lesion'], preprocessing: { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] } })).contentHash;
    engine = createEngine({ dataDir: root, shell: 'cli', backend: 'cpu' });
    expect((await job('library.import', { paths: [set.dir] })).imported).toBe(128);
  }, 180_000);
  afterAll(() => {
    engine?.dispose();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('stores the series scored whole, says how many, and the panel finds them', async () => {
    // A context of its own: the cancel is sent from inside the first progress event with scores.
    let jobId = '';
    let cancelledAt = -1;
    let ended: { event: EventName; payload: unknown } | null = null;
    const ctx: RequestContext = {
      emit: <K extends EventName>(event: K, payload: EventPayload<K>) => {
        const p = payload as { jobId?: string; message?: string };
        if (p.jobId !== jobId) return;
        const done = event === 'job.progress' ? /^Image (\d+) of 128$/.exec(p.message ?? '') : null;
        if (done && cancelledAt < 0 && Number(done[1]) > 0) {
          cancelledAt = Number(done[1]);
          void engine.dispatch('job.cancel', { jobId }, ctx);
        }
        if (event === 'job.finished' || event === 'job.failed') ended = { event, payload };
      },
    };
    const reply = await engine.dispatch('predict.run', { packageHash: hash, scope: 'study', seriesInstanceUid: set.seriesUids[0] }, ctx);
    expect(reply.ok).toBe(true);
    jobId = (reply as { ok: true; value: { jobId: string } }).value.jobId;
    for (let i = 0; i < 1200 && !ended; i++) await new Promise((r) => setTimeout(r, 50));
    expect(ended).not.toBeNull();
    const end = ended as unknown as { event: EventName; payload: { cancelled?: boolean; message: string } };
    expect(end.event).toBe('job.failed');
    expect(end.payload.cancelled).toBe(true);
    const words = /^Cancelled: scored (\d) of 8 series whole \((\d+) images\); their scores are stored\. Run the study again to score the rest\.$/.exec(end.payload.message);
    expect(words, end.payload.message).not.toBeNull();
    const kept = Number(words![1]);
    expect(kept).toBeGreaterThanOrEqual(1);
    expect(kept).toBeLessThan(8);
    expect(Number(words![2])).toBe(kept * 16);
    expect(cancelledAt).toBeGreaterThanOrEqual(16);

    // What the Classifier panel asks when the run ends: the kept series have all 16 scores, the rest none.
    const latest = await Promise.all(set.seriesUids.map(async (uid) => (await call('predict.latest', { packageHash: hash, seriesInstanceUid: uid })) as PredictionResult | null));
    const scored = latest.filter((r): r is PredictionResult => r !== null);
    expect(scored).toHaveLength(kept);
    for (const r of scored) expect(r.images).toHaveLength(16);
  }, 240_000);
});
