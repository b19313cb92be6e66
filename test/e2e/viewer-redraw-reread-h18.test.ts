// The pixels of the image shown after its file was read again (task H, session 18), in Debian's
// Chromium against the real engine: two CT slices written by dcmtk's dump2dcm (values 0 to 1000),
// the series open on the first under a window the user chose (Abdomen, key 4), then 1.dcm written
// again with values 0 to 600 (same SOP Instance UID) and the folder imported again. The window
// stays (the user chose it), so the image layer's key (series, image, window) stays the same:
// before the fix the viewer kept drawing the old file's pixels, while the corner read the new
// ones. The viewport's pixels are compared with those a fresh page draws of the new file.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { runLumen } from '../support/cli';
import { writeDump2dcm } from '../support/dicom/dump2dcm';

const STUDY = '1.2.826.0.1.3680043.10.543.1822.1';
const SERIES = `${STUDY}.1`;

/** Slice `i` of the series, 32 x 32, its values a ramp from 0 to `top`. */
function slice(dir: string, i: number, top: number): void {
  const work = path.join(dir, '..', 'work');
  fs.mkdirSync(work, { recursive: true });
  writeDump2dcm(
    path.join(dir, `${i}.dcm`),
    {
      sopClass: '1.2.840.10008.5.1.4.1.1.2',
      sopInstanceUid: `${SERIES}.${i}`,
      modality: 'CT',
      rows: 32,
      columns: 32,
      lines: ['(0010,0010) PN [REDRAW^REREAD]', '(0010,0020) LO [H18D]', `(0020,000d) UI [${STUDY}]`, `(0020,000e) UI [${SERIES}]`, '(0008,103e) LO [REDRAW]', `(0020,0013) IS [${i}]`],
      pixels: new Uint8Array(new Uint16Array(32 * 32).map((_, k) => Math.round((k * top) / (32 * 32 - 1))).buffer),
    },
    work,
  );
}

/** The viewport's gray down its middle column, at every tenth of its height. */
const column = (page: Page) =>
  page.getByTestId('viewport').evaluate((el: { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } }) => {
    const ctx = el.getContext('2d');
    return Array.from({ length: 9 }, (_, k) => ctx.getImageData(Math.floor(el.width / 2), Math.floor(((k + 1) * el.height) / 10), 1, 1).data[0]);
  });

describe('the image shown after its file was read again', () => {
  let src = '';
  const session = useUiSession('lumen-redraw-h18', async (dataDir) => {
    src = path.join(dataDir, 'incoming');
    fs.mkdirSync(src, { recursive: true });
    for (const i of [1, 2]) slice(src, i, 1000);
    expect((await runLumen(['import', src], dataDir)).code).toBe(0);
  });

  it("draws the new file's pixels under the window the user chose", async () => {
    const open = async (page: Page) => {
      await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 180_000 });
      await page.getByTestId('series-card').filter({ hasText: 'REDRAW' }).first().click({ timeout: 60_000 });
      await page.getByTestId('image-index').filter({ hasText: /^Im 1\/2/ }).waitFor({ timeout: 60_000 });
      await viewerReady(page);
      await page.getByTestId('viewport').focus();
      await page.keyboard.press('4');
      await page.getByTestId('corner-wl').filter({ hasText: /^W 400 L 40 HU$/ }).waitFor({ timeout: 10_000 });
      await viewerReady(page);
    };
    const { page, errors } = await openApp(session());
    await open(page);
    const before = await column(page);

    slice(src, 1, 600);
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(src, '1.dcm'), later, later);
    await page.getByLabel('Import a folder or file').fill(src);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: /1 changed file read again/ }).waitFor({ timeout: 60_000 });
    // The value under the pointer says when the new pixels have arrived.
    const box = (await page.getByTestId('viewport').boundingBox())!;
    let nudge = 0;
    const valueNow = async () => {
      await page.mouse.move(box.x + box.width / 2 + (nudge++ % 2), box.y + box.height / 2);
      const value = page.getByTestId('corner-value');
      return (await value.count()) ? value.innerText() : '';
    };
    await expect.poll(valueNow, { timeout: 30_000 }).toMatch(/^Value 3\d\d /);
    await page.mouse.move(0, 0);
    await viewerReady(page);
    const reread = await column(page);
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-redraw-reread-h18-1.png') });
    expect(await page.getByTestId('corner-wl').innerText()).toBe('W 400 L 40 HU');

    // A fresh page of the same library draws the new file so.
    const fresh = await openApp(session());
    await open(fresh.page);
    const drawnFresh = await column(fresh.page);
    await fresh.page.screenshot({ path: path.join(resultsDir(), 'viewer-redraw-reread-h18-2.png') });
    expect(drawnFresh).not.toEqual(before);
    expect(reread).toEqual(drawnFresh);
    expect(errors).toEqual([]);
    expect(fresh.errors).toEqual([]);
    await fresh.page.close();
    await page.close();
  }, 300_000);
});
