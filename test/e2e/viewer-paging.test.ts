// Paging through a series in the viewer (issue J): after each slice is shown the page fetches
// its neighbours ahead in the direction of travel (6) before those behind (2), keeps what it
// loaded within its memory bound (renderer/src/viewer/frameCache.ts), and the canvas says which
// slice it holds (`data-painted`, what `lumen bench viewer` waits for). In Debian's Chromium
// against the real bridge and engine.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeImage } from '../support/dicom/write';
import { openApp, resultsDir, useUiSession } from '../support/browser';

const UID = '1.2.826.0.1.3680043.10.99.91';
/** The series writeImage makes of `UID`. */
const SERIES = `${UID}.2`;
const SLICES = 30;

/** What the page says of its frame cache (window.__lumenFrameCache, renderer/src/viewer/frameCache.ts). */
interface FrameCacheStats {
  frames: number;
  bytes: number;
  limitBytes: number;
  evicted: number;
  requested: string[];
}
const sop = (i: number) => `${UID}.3.${i + 1}`;
/** The frame cache's key of slice `i` (0-based): series, image, frame. */
const key = (i: number) => `${SERIES}/${sop(i)}/0`;

function writeSeries(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < SLICES; i++) {
    const n = 64;
    const px = new Int16Array(n * n).fill(100 + i * 10);
    writeImage(path.join(dir, `ct${i + 1}.dcm`), {
      rows: n,
      columns: n,
      bitsAllocated: 16,
      modality: 'CT',
      windowCenter: 300,
      windowWidth: 800,
      pixelBytes: new Uint8Array(px.buffer),
      uid: UID,
      extra: {
        0x00100010: { vr: 'PN', value: 'Paging^Pia' },
        0x00100020: { vr: 'LO', value: 'PG001' },
        0x00080016: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
        0x00080018: { vr: 'UI', value: sop(i) },
        0x00200013: { vr: 'IS', value: i + 1 },
        0x00200011: { vr: 'IS', value: 1 },
        0x00200037: { vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
        0x00200032: { vr: 'DS', value: [0, 0, -i * 2] },
      },
    });
  }
}

describe('paging through a series', () => {
  const session = useUiSession('lumen-viewer-paging', (dataDir) => writeSeries(path.join(dataDir, 'incoming', 'ct')));

  it('fetches ahead in the direction of travel, within the bound, and marks the slice painted', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: `${SLICES} images imported` }).waitFor({ timeout: 120_000 });
    await page.getByRole('listitem', { name: /^Study .*Pia/ }).getByTestId('series-card').click();

    const canvas = page.getByTestId('viewport');
    const painted = () => canvas.getAttribute('data-painted');
    const stats = () => page.evaluate<FrameCacheStats | null>('window.__lumenFrameCache?.() ?? null');
    await expect.poll(painted, { timeout: 30_000 }).toBe(key(0));
    await canvas.focus();

    // Down the stack to slice 10 (index 9): each slice shown is the one the canvas says it holds.
    for (let i = 1; i <= 9; i++) {
      await page.keyboard.press('ArrowDown');
      await expect.poll(painted, { timeout: 30_000 }).toBe(key(i));
      expect(await canvas.getAttribute('aria-label')).toBe(`Image ${i + 1} of ${SLICES}`);
    }
    // Fetched ahead: 6 below the slice shown, nothing further.
    await expect.poll(async () => (await stats())?.requested ?? []).toContain(key(15));
    let s = (await stats())!;
    expect(s.requested).not.toContain(key(16));

    // To the last slice, then one up: the travel is upwards now, so the 6 above are fetched
    // (slices 22..27 from index 28) and nothing between those and the ones fetched before.
    await page.keyboard.press('End');
    await expect.poll(painted, { timeout: 30_000 }).toBe(key(SLICES - 1));
    await page.keyboard.press('ArrowUp');
    await expect.poll(painted, { timeout: 30_000 }).toBe(key(SLICES - 2));
    await expect.poll(async () => (await stats())?.requested ?? []).toContain(key(SLICES - 8));
    s = (await stats())!;
    for (let i = SLICES - 8; i < SLICES; i++) expect(s.requested).toContain(key(i));
    for (let i = 16; i < SLICES - 8; i++) expect(s.requested).not.toContain(key(i));
    // Within the bound, every frame counted once when loaded (64x64 Float32 values each).
    await expect.poll(async () => { const now = (await stats())!; return now.bytes - now.frames * 64 * 64 * 4; }).toBe(0);
    s = (await stats())!;
    expect(s.bytes).toBeLessThanOrEqual(s.limitBytes);
    expect(s.evicted).toBe(0);

    await canvas.screenshot({ path: path.join(resultsDir(), 'viewer-paging.png') });
    expect(errors).toEqual([]);
  });
});
