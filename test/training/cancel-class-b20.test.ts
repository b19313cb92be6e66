// Task B (session 20): one cancel class. Every cancel point throws a CancelledError
// (common/cancel.ts) and the job runner and the CLI know a cancel by its class, not by its text
// "Cancelled". Before, training, features and series training threw a plain Error('Cancelled'),
// the de-identified export a DeidentifyError('Cancelled'), and the pipeline, predict and suggest
// classes of their own: nothing but the words said "cancel". Real components: phantom CT in a
// real library, a random-head package, ONNX Runtime, TF.js on the CPU, the engine's JobRunner
// and training handlers.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, isCancel } from '../../common/cancel';
import type { RequestContext } from '../../common/rpc';
import { JobCancelledError, JobRunner } from '../../electron/engine/jobs';
import { Library } from '../../electron/library/library';
import { exportDeidentified } from '../../electron/results/deidentify';
import { evaluatePackage } from '../../electron/training/evaluate';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { trainSeriesClassifier } from '../../electron/training/mil-train';
import { predictSeries } from '../../electron/training/predict';
import { suggestSeries } from '../../electron/training/suggest';
import { trainClassifier } from '../../electron/training/train';
import { runPipelined } from '../../models/inference/pipeline';
import { initBackend } from '../../models/runtime';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { writePhantomSet, type PhantomSet } from './phantoms';
import { trainingRequests } from './support';

let root: string;
let set: PhantomSet;
let library: Library;
let pkgDir: string;
const aborted = () => {
  const c = new AbortController();
  c.abort();
  return c.signal;
};
/** What a promise rejected with. */
async function thrown(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('it did not throw');
}

beforeAll(async () => {
  await initBackend('cpu');
  root = mkdtempSync(path.join(os.tmpdir(), 'lumen-cancel-b20-'));
  set = writePhantomSet(path.join(root, 'dicom'), { patients: 16, slices: 2, size: 48, seed: 20 });
  library = Library.open(path.join(root, 'library'));
  expect((await library.importPaths([set.dir])).errors).toEqual([]);
  // 12 of the 16 series labelled: suggest has 4 unlabelled series to rank.
  const csv = path.join(root, 'labels.csv');
  writeFileSync(csv, ['PatientID,SeriesInstanceUID,label', ...set.patients.slice(0, 12).map((p) => `${p.patientId},${p.seriesUid},${p.label}`)].join('\n') + '\n');
  importLabelsCsvFile(library, csv, { author: 'tester' });
  pkgDir = path.join(root, 'models', 'random');
  await saveRandomHeadPackage(pkgDir, { inputSize: 32, seed: 4, sd: 5, headSeed: 6 }, { name: 'random', classNames: ['elongated', 'none', 'round'], preprocessing: { scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] } });
}, 180_000);

afterAll(() => {
  library?.close();
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('every cancel point throws a CancelledError in the words "Cancelled"', () => {
  const expectCancel = (err: unknown) => {
    expect(isCancel(err), String(err)).toBe(true);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as Error).message).toBe('Cancelled');
  };

  it('the inference pipeline (models/)', async () => {
    expectCancel(await thrown(runPipelined({ batches: 2, signal: aborted(), load: async () => 0, infer: async () => 0, deliver: () => undefined })));
  });

  it("series training's backbone features (features.ts) and its own check between steps (mil-train.ts)", async () => {
    const common = { library, variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', epochs: 3, patience: 0, seed: 3, cacheDir: path.join(root, 'cache') } as const;
    // Stopped before the first batch of features.
    expectCancel(await thrown(trainSeriesClassifier({ ...common, out: path.join(root, 'mil-a'), signal: aborted() })));
    // Stopped once every feature is made (now cached): the series training's own check.
    const c = new AbortController();
    expectCancel(await thrown(trainSeriesClassifier({ ...common, out: path.join(root, 'mil-b'), signal: c.signal, onProgress: (p) => p.phase === 'features' && p.fraction === 1 && c.abort() })));
  }, 120_000);

  it('image training between epochs (train.ts)', async () => {
    const c = new AbortController();
    const err = await thrown(
      trainClassifier({ library, variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'scratch', augmentation: false, epochs: 5, seed: 5, out: path.join(root, 'image-pkg'), signal: c.signal, onProgress: (p) => p.phase === 'training' && p.epoch === 1 && c.abort() }),
    );
    expectCancel(err);
  }, 180_000);

  it('evaluation, prediction (with and without keeping what was scored) and suggestions', async () => {
    expectCancel(await thrown(evaluatePackage(library, pkgDir, { subset: 'all', signal: aborted() })));
    expectCancel(await thrown(predictSeries({ library, packageDir: pkgDir, seriesUid: set.patients[0].seriesUid, signal: aborted() })));
    expectCancel(await thrown(predictSeries({ library, packageDir: pkgDir, seriesUid: set.patients[0].seriesUid, signal: aborted(), keepScoredOnCancel: true })));
    expectCancel(await thrown(suggestSeries({ library, packageDir: pkgDir, n: 2, signal: aborted() })));
  }, 120_000);

  it('the de-identified export (deidentify.ts)', async () => {
    expectCancel(await thrown(exportDeidentified(library, { uid: 'library', out: path.join(root, 'deid'), signal: aborted() })));
  });
});

describe('the job runner knows a cancel by its class, not its words', () => {
  const events: { event: string; payload: any }[] = [];
  const ctx: RequestContext = { emit: (event, payload) => events.push({ event, payload }) };
  const jobs = new JobRunner();
  const end = async (jobId: string) => {
    for (let i = 0; i < 4000; i++) {
      const hit = events.find((e) => (e.event === 'job.finished' || e.event === 'job.failed') && e.payload.jobId === jobId);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`job ${jobId} did not end`);
  };

  it('an ordinary error whose text is "Cancelled" is a failure, in its words', async () => {
    const { jobId } = jobs.start('b20.step', ctx, async () => {
      throw new Error('Cancelled');
    });
    expect(await end(jobId)).toEqual({ event: 'job.failed', payload: { jobId, kind: 'b20.step', cancelled: false, message: 'Cancelled' } });
  });

  it('a cancel in other words (what it kept) is a cancel, said in those words', async () => {
    const words = 'Cancelled: scored 2 of 5 series whole; their scores are stored.';
    const { jobId } = jobs.start('b20.step', ctx, async () => {
      throw new CancelledError(words);
    });
    expect(await end(jobId)).toEqual({ event: 'job.failed', payload: { jobId, kind: 'b20.step', cancelled: true, message: words } });
    expect(new JobCancelledError()).toBeInstanceOf(CancelledError);
  });

  it('a de-identified export cancelled part-way ends as cancelled, its first files written', async () => {
    // The phantoms do not say whether their pixels carry text: written only with includeBurnedIn.
    let jobId = '';
    ({ jobId } = jobs.start('export.deidentify', ctx, (job) =>
      exportDeidentified(library, { uid: 'library', out: path.join(root, 'deid-job'), includeBurnedIn: true, signal: job.signal, onProgress: (done) => done === 3 && jobs.cancel(jobId) }),
    ));
    expect(await end(jobId)).toEqual({ event: 'job.failed', payload: { jobId, kind: 'export.deidentify', cancelled: true, message: 'Cancelled' } });
    const written = (readdirSync(path.join(root, 'deid-job'), { recursive: true }) as string[]).filter((f) => f.endsWith('.dcm'));
    expect(written).toHaveLength(3);
  });
});

describe("the training handlers' jobs, cancelled, end as cancelled", () => {
  const training = trainingRequests();
  let dataDir: string;
  beforeAll(() => {
    // The handlers open the library at <dataDir>/library: the one above, closed there first.
    library.close();
    dataDir = root;
    training.open(dataDir);
  });
  afterAll(async () => {
    await training.close();
    library = Library.open(path.join(root, 'library'));
  });

  it.each([
    ['training.start', () => ({ name: 'b20-cancelled', variant: 'custom-phi-10', resolution: 32, mode: 'scratch', epochs: 50, seed: 2 })],
    ['training.evaluate', () => ({ packageDir: pkgDir, subset: 'all' })],
    ['training.predict', () => ({ packageDir: pkgDir, seriesUid: set.patients[1].seriesUid })],
    ['training.suggest', () => ({ packageDir: pkgDir, n: 2 })],
  ] as const)('%s', async (request, input) => {
    const { jobId } = await training.call(request, input());
    expect(training.jobs.cancel(jobId)).toBe(true);
    const ended = await training.waitForJob(jobId);
    expect(ended.event).toBe('job.failed');
    expect(ended.payload).toMatchObject({ cancelled: true, message: 'Cancelled' });
  }, 120_000);
});
