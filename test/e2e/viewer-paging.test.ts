// Paging through a series in the viewer, in Debian's Chromium against the real bridge and engine.
//
// Issue J: after each slice is shown the page fetches its neighbours ahead in the direction of
// travel (6) before those behind (2), keeps what it loaded within its memory bound
// (renderer/src/viewer/frameCache.ts), and the canvas says which slice it holds (`data-painted`,
// what `lumen bench viewer` waits for).
//
// Issue B-1, a fast scroll through a series whose frames are slow to come: the page withdraws
// the frames it scrolled past (renderer/src/viewer/frameCache.ts withdrawUnwanted, viewer.cancel),
// the engine drops them while they wait for a viewer worker (electron/dicom/pool.ts), and the
// slice the user stops on is decoded after a few frames, not after every slice skipped. The
// viewer workers are held busy by the LUMEN_TEST_VIEWER_HOLD file while the user scrolls, and
// decodes are counted from LUMEN_TEST_VIEWER_LOG (electron/dicom/decode-worker.ts), never by
// timing.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { writeImage } from '../support/dicom/write';
import { openApp, resultsDir, type UiSession, useUiSession } from '../support/browser';

/** What the page says of its frame cache (window.__lumenFrameCache, renderer/src/viewer/frameCache.ts). */
interface FrameCacheStats {
  frames: number;
  bytes: number;
  limitBytes: number;
  evicted: number;
  withdrawn: number;
  requested: string[];
}

/** A CT series of `slices` 64x64 slices, one file each (ct1.dcm, ...), of the study `uid` (its series `${uid}.2`). */
class CtSeries {
  constructor(
    readonly uid: string,
    readonly slices: number,
    readonly patient: { name: string; id: string },
  ) {}

  sop(i: number): string {
    return `${this.uid}.3.${i + 1}`;
  }

  /** The frame cache's key of slice `i` (0-based): series, image, frame. */
  key(i: number): string {
    return `${this.uid}.2/${this.sop(i)}/0`;
  }

  write(dir: string): void {
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < this.slices; i++) {
      const px = new Int16Array(64 * 64).fill(100 + i * 10);
      writeImage(path.join(dir, `ct${i + 1}.dcm`), {
        rows: 64,
        columns: 64,
        bitsAllocated: 16,
        modality: 'CT',
        windowCenter: 300,
        windowWidth: 800,
        pixelBytes: new Uint8Array(px.buffer),
        uid: this.uid,
        extra: {
          0x00100010: { vr: 'PN', value: this.patient.name },
          0x00100020: { vr: 'LO', value: this.patient.id },
          0x00080016: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
          0x00080018: { vr: 'UI', value: this.sop(i) },
          0x00200013: { vr: 'IS', value: i + 1 },
          0x00200011: { vr: 'IS', value: 1 },
          0x00200037: { vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
          0x00200032: { vr: 'DS', value: [0, 0, -i * 2] },
        },
      });
    }
  }

  /** Imports `<data>/incoming` through the page and opens the series; the canvas, once it shows the first slice. */
  async open(page: Page, session: UiSession) {
    await page.getByLabel('Import a folder or file').fill(path.join(session.dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: `${this.slices} images imported` }).waitFor({ timeout: 120_000 });
    const given = this.patient.name.split('^')[1];
    await page.getByRole('listitem', { name: new RegExp(`^Study .*${given}`) }).getByTestId('series-card').click();
    const canvas = page.getByTestId('viewport');
    await expect.poll(() => canvas.getAttribute('data-painted'), { timeout: 30_000 }).toBe(this.key(0));
    return canvas;
  }
}

const engineStarted = (page: Page) => page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
const frameCache = (page: Page) => page.evaluate<FrameCacheStats | null>('window.__lumenFrameCache?.() ?? null');

describe('paging through a series', () => {
  const series = new CtSeries('1.2.826.0.1.3680043.10.99.91', 30, { name: 'Paging^Pia', id: 'PG001' });
  const { slices } = series;
  const key = (i: number) => series.key(i);
  const session = useUiSession('lumen-viewer-paging', (dataDir) => series.write(path.join(dataDir, 'incoming', 'ct')));

  it('fetches ahead in the direction of travel, within the bound, and marks the slice painted', async () => {
    const { page, errors } = await openApp(session());
    await engineStarted(page);
    const canvas = await series.open(page, session());
    const painted = () => canvas.getAttribute('data-painted');
    const stats = () => frameCache(page);
    await canvas.focus();

    // Down the stack to slice 10 (index 9): each slice shown is the one the canvas says it holds.
    for (let i = 1; i <= 9; i++) {
      await page.keyboard.press('ArrowDown');
      await expect.poll(painted, { timeout: 30_000 }).toBe(key(i));
      expect(await canvas.getAttribute('aria-label')).toBe(`Image ${i + 1} of ${slices}`);
    }
    // Fetched ahead: 6 below the slice shown, nothing further.
    await expect.poll(async () => (await stats())?.requested ?? []).toContain(key(15));
    let s = (await stats())!;
    expect(s.requested).not.toContain(key(16));

    // To the last slice, then one up: the travel is upwards now, so the 6 above are fetched
    // (slices 22..27 from index 28) and nothing between those and the ones fetched before.
    await page.keyboard.press('End');
    await expect.poll(painted, { timeout: 30_000 }).toBe(key(slices - 1));
    await page.keyboard.press('ArrowUp');
    await expect.poll(painted, { timeout: 30_000 }).toBe(key(slices - 2));
    await expect.poll(async () => (await stats())?.requested ?? []).toContain(key(slices - 8));
    s = (await stats())!;
    for (let i = slices - 8; i < slices; i++) expect(s.requested).toContain(key(i));
    for (let i = 16; i < slices - 8; i++) expect(s.requested).not.toContain(key(i));
    // Within the bound, every frame counted once when loaded (64x64 Float32 values each).
    await expect.poll(async () => { const now = (await stats())!; return now.bytes - now.frames * 64 * 64 * 4; }).toBe(0);
    s = (await stats())!;
    expect(s.bytes).toBeLessThanOrEqual(s.limitBytes);
    expect(s.evicted).toBe(0);

    await canvas.screenshot({ path: path.join(resultsDir(), 'viewer-paging.png') });
    expect(errors).toEqual([]);
  });
});

describe('a fast scroll over slow frames', () => {
  const series = new CtSeries('1.2.826.0.1.3680043.10.99.94', 60, { name: 'Scroll^Sam', id: 'SC001' });
  const key = (i: number) => series.key(i);
  /** Presses of ArrowDown, without waiting for any slice to be shown: slice 1 to slice 41. */
  const PRESSES = 40;
  let log = '';
  let hold = '';
  const session = useUiSession('lumen-viewer-fast-scroll', (dataDir) => {
    series.write(path.join(dataDir, 'incoming', 'ct'));
    // Read by the engine's viewer workers when they start (the engine inherits this environment).
    log = path.join(dataDir, 'viewer-decodes.log');
    hold = path.join(dataDir, 'viewer-hold');
    process.env.LUMEN_TEST_VIEWER_LOG = log;
    process.env.LUMEN_TEST_VIEWER_HOLD = hold;
  });
  // Where the test stopped before it took them back, no later session's engine gets them either.
  afterAll(() => {
    delete process.env.LUMEN_TEST_VIEWER_LOG;
    delete process.env.LUMEN_TEST_VIEWER_HOLD;
  });

  const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []);
  const dropped = () => lines().filter((l) => l.startsWith('dropped ')).length;

  it('decodes the slice stopped on after a few frames, not after every slice scrolled past', async () => {
    const { page, errors } = await openApp(session());
    await engineStarted(page);
    // The engine started with them (it starts on the page's first request): no other test gets them.
    delete process.env.LUMEN_TEST_VIEWER_LOG;
    delete process.env.LUMEN_TEST_VIEWER_HOLD;
    const canvas = await series.open(page, session());
    const painted = () => canvas.getAttribute('data-painted');
    // The first slice's neighbours fetched ahead (slices 2..7) are in before the scroll starts.
    await expect.poll(async () => ((await frameCache(page))?.bytes ?? 0) / (64 * 64 * 4), { timeout: 30_000 }).toBe(7);

    // The viewer workers are held from now on: the first two frames asked for take them, the rest queue.
    writeFileSync(hold, '');
    const before = lines().length;
    await canvas.focus();
    for (let i = 0; i < PRESSES; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(() => canvas.getAttribute('aria-label')).toBe(`Image ${PRESSES + 1} of ${series.slices}`);
    // Slices 8..41 were asked for as the scroll passed them (2..7 were in): two took the workers,
    // and all but the slice stopped on and the two just behind it (kept with the neighbours) were
    // withdrawn, so the engine dropped the 29 queued ones before they decoded.
    await expect.poll(dropped, { timeout: 30_000 }).toBe(PRESSES - 6 - 2 - 3);
    rmSync(hold);
    await expect.poll(painted, { timeout: 60_000 }).toBe(key(PRESSES));

    const decodes = lines()
      .slice(before)
      .filter((l) => l.startsWith('decode '))
      .map((l) => path.basename(l.slice(7)));
    const stopAt = decodes.indexOf(`ct${PRESSES + 1}.dcm`);
    // Decoded before the slice stopped on: the two already on the workers and the two slices
    // just behind it, not the 30-odd slices scrolled past.
    expect(stopAt).toBeGreaterThanOrEqual(0);
    expect(stopAt).toBeLessThanOrEqual(4);
    expect((await frameCache(page))!.withdrawn).toBeGreaterThanOrEqual(PRESSES - 6 - 3);

    await canvas.screenshot({ path: path.join(resultsDir(), 'viewer-fast-scroll.png') });
    expect(errors).toEqual([]);
  });
});
