// The viewer's frames wait for a viewer worker in the engine (pool.ts, viewerFrameOnPool), one
// frame per worker at a time, so a frame the page withdraws (scrolled past) is dropped before it
// decodes. Workers are held busy by the LUMEN_TEST_VIEWER_HOLD file (decode-worker.ts) while the
// frames queue, and decodes are counted from LUMEN_TEST_VIEWER_LOG's lines, never by timing.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeDecodePool, FrameWithdrawn, viewerFrameOnPool, viewerQueueStats } from '../../electron/dicom/pool';
import { writeImage } from '../support/dicom/write';
import { tempFolderForTests } from '../support/temp-folder';

const SLICES = 24;
const made = tempFolderForTests('viewer-queue', (dir) => {
  const files: string[] = [];
  for (let i = 0; i < SLICES; i++) {
    const file = path.join(dir, `slice${i}.dcm`);
    writeImage(file, { rows: 16, columns: 16, bitsAllocated: 16, modality: 'CT', pixelBytes: new Uint8Array(new Int16Array(256).fill(i).buffer), uid: `1.2.826.0.1.3680043.10.99.93.${i}` });
    files.push(file);
  }
  return { files, log: path.join(dir, 'decodes.log'), hold: path.join(dir, 'hold') };
});

beforeAll(async () => {
  // The workers read the hooks when they start: start fresh ones with them set.
  await closeDecodePool();
  process.env.LUMEN_TEST_VIEWER_LOG = made.log;
  process.env.LUMEN_TEST_VIEWER_HOLD = made.hold;
});
afterAll(async () => {
  delete process.env.LUMEN_TEST_VIEWER_LOG;
  delete process.env.LUMEN_TEST_VIEWER_HOLD;
  await closeDecodePool();
});

const lines = () => (existsSync(made.log) ? readFileSync(made.log, 'utf8').trim().split('\n').filter(Boolean) : []);
const decoded = () => lines().filter((l) => l.startsWith('decode ')).map((l) => path.basename(l.slice(7)));

async function until(ok: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3000 && !ok(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!ok()) throw new Error(`waited in vain for ${what}`);
}

it('drops a withdrawn frame before it decodes, and the last one asked for waits behind only the frames already started', async () => {
  writeFileSync(made.hold, '');
  rmSync(made.log, { force: true });
  const controllers = made.files.map(() => new AbortController());
  const outcomes = made.files.map((file, i) =>
    viewerFrameOnPool(file, 0, controllers[i].signal).then(
      (f) => ({ ok: true as const, value: f.pixels.byteLength }),
      (err: unknown) => ({ ok: false as const, withdrawn: err instanceof FrameWithdrawn }),
    ),
  );
  // Two frames are on the (held) workers, the rest wait in the engine.
  await until(() => viewerQueueStats().running === 2, 'two frames on the viewer workers');
  expect(viewerQueueStats().waiting).toBe(SLICES - 2);
  // The user scrolled past all but the last: every frame but it is withdrawn, the two running too.
  const droppedBefore = viewerQueueStats().dropped;
  for (let i = 0; i < SLICES - 1; i++) controllers[i].abort();
  expect(viewerQueueStats()).toMatchObject({ waiting: 1, running: 2, dropped: droppedBefore + SLICES - 3 });
  rmSync(made.hold);
  const results = await Promise.all(outcomes);

  // Three decodes in all: the two already started, then the last slice; nothing else.
  expect(decoded().sort()).toEqual(['slice0.dcm', 'slice1.dcm', `slice${SLICES - 1}.dcm`].sort());
  expect(lines().filter((l) => l.startsWith('dropped ')).length).toBe(SLICES - 3);
  // The last one came back; every withdrawn one failed as withdrawn, the two that ran included (not sent).
  expect(results[SLICES - 1]).toEqual({ ok: true, value: 16 * 16 * 2 });
  for (let i = 0; i < SLICES - 1; i++) expect(results[i]).toEqual({ ok: false, withdrawn: true });
  expect(viewerQueueStats()).toMatchObject({ waiting: 0, running: 0 });
});

it('decodes every frame still wanted once, and a frame without a signal is never dropped', async () => {
  writeFileSync(made.hold, '');
  rmSync(made.log, { force: true });
  const wanted = [3, 4, 5, 6, 7];
  const controllers = made.files.map(() => new AbortController());
  const outcomes = made.files.slice(0, 8).map((file, i) => viewerFrameOnPool(file, 0, i === 0 ? undefined : controllers[i].signal).then(() => true, () => false));
  await until(() => viewerQueueStats().running === 2, 'two frames on the viewer workers');
  // Withdrawn: 1 (running) and 2 (queued); 0 has no signal, 3..7 stay wanted.
  controllers[1].abort();
  controllers[2].abort();
  rmSync(made.hold);
  expect(await Promise.all(outcomes)).toEqual([true, false, false, true, true, true, true, true]);
  // Every frame still wanted decoded once, the withdrawn queued one never.
  const order = decoded();
  expect([...order].sort()).toEqual(['slice0.dcm', 'slice1.dcm', ...wanted.map((i) => `slice${i}.dcm`)].sort());
  expect(order).not.toContain('slice2.dcm');
});

it('refuses a frame already withdrawn before it is asked for, without decoding it', async () => {
  rmSync(made.log, { force: true });
  const controller = new AbortController();
  controller.abort();
  await expect(viewerFrameOnPool(made.files[9], 0, controller.signal)).rejects.toBeInstanceOf(FrameWithdrawn);
  expect(decoded()).toEqual([]);
});
