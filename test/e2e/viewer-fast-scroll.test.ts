// A fast scroll through a series whose frames are slow to come (issue B-1): the page withdraws
// the frames it scrolled past (renderer/src/viewer/frameCache.ts withdrawUnwanted, viewer.cancel),
// the engine drops them while they wait for a viewer worker (electron/dicom/pool.ts), and the
// slice the user stops on is decoded after a few frames, not after every slice skipped. The
// viewer workers are held busy by the LUMEN_TEST_VIEWER_HOLD file while the user scrolls, and
// decodes are counted from LUMEN_TEST_VIEWER_LOG (electron/dicom/decode-worker.ts), never by
// timing. In Debian's Chromium against the real bridge and engine.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeImage } from '../support/dicom/write';
import { openApp, resultsDir, useUiSession } from '../support/browser';

const UID = '1.2.826.0.1.3680043.10.99.94';
const SERIES = `${UID}.2`;
const SLICES = 60;
/** Presses of ArrowDown, without waiting for any slice to be shown: slice 1 to slice 41. */
const PRESSES = 40;
const sop = (i: number) => `${UID}.3.${i + 1}`;
const key = (i: number) => `${SERIES}/${sop(i)}/0`;

function writeSeries(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < SLICES; i++) {
    const px = new Int16Array(64 * 64).fill(100 + i * 10);
    writeImage(path.join(dir, `ct${i + 1}.dcm`), {
      rows: 64,
      columns: 64,
      bitsAllocated: 16,
      modality: 'CT',
      windowCenter: 300,
      windowWidth: 800,
      pixelBytes: new Uint8Array(px.buffer),
      uid: UID,
      extra: {
        0x00100010: { vr: 'PN', value: 'Scroll^Sam' },
        0x00080016: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
        0x00080018: { vr: 'UI', value: sop(i) },
        0x00200013: { vr: 'IS', value: i + 1 },
        0x00200011: { vr: 'IS', value: 1 },
        0x00200032: { vr: 'DS', value: [0, 0, -i * 2] },
      },
    });
  }
}

describe('a fast scroll over slow frames', () => {
  let log = '';
  let hold = '';
  const session = useUiSession('lumen-viewer-fast-scroll', (dataDir) => {
    writeSeries(path.join(dataDir, 'incoming', 'ct'));
    // Read by the engine's viewer workers when they start (the engine inherits this environment).
    log = path.join(dataDir, 'viewer-decodes.log');
    hold = path.join(dataDir, 'viewer-hold');
    process.env.LUMEN_TEST_VIEWER_LOG = log;
    process.env.LUMEN_TEST_VIEWER_HOLD = hold;
  });

  const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) : []);
  const dropped = () => lines().filter((l) => l.startsWith('dropped ')).length;

  it('decodes the slice stopped on after a few frames, not after every slice scrolled past', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    // The engine started with them (it starts on the page's first request): no other test gets them.
    delete process.env.LUMEN_TEST_VIEWER_LOG;
    delete process.env.LUMEN_TEST_VIEWER_HOLD;
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: `${SLICES} images imported` }).waitFor({ timeout: 120_000 });
    await page.getByRole('listitem', { name: /^Study .*Sam/ }).getByTestId('series-card').click();

    const canvas = page.getByTestId('viewport');
    const painted = () => canvas.getAttribute('data-painted');
    await expect.poll(painted, { timeout: 30_000 }).toBe(key(0));
    // The first slice's neighbours fetched ahead (slices 2..7) are in before the scroll starts.
    const loaded = () => page.evaluate<number>('(() => { const s = window.__lumenFrameCache?.(); return s ? s.bytes / (64 * 64 * 4) : 0; })()');
    await expect.poll(loaded, { timeout: 30_000 }).toBe(7);

    // The viewer workers are held from now on: the first two frames asked for take them, the rest queue.
    writeFileSync(hold, '');
    const before = lines().length;
    await canvas.focus();
    for (let i = 0; i < PRESSES; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(() => canvas.getAttribute('aria-label')).toBe(`Image ${PRESSES + 1} of ${SLICES}`);
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
    const stats = await page.evaluate<{ withdrawn: number }>('window.__lumenFrameCache()');
    expect(stats.withdrawn).toBeGreaterThanOrEqual(PRESSES - 6 - 3);

    await canvas.screenshot({ path: path.join(resultsDir(), 'viewer-fast-scroll.png') });
    expect(errors).toEqual([]);
  });
});
