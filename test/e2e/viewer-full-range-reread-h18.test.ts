// "Full range" after the image shown was read again from a file changed in place (task H, session
// 18; T's note in session 17), in Debian's Chromium against the real engine. Two CT slices without
// a window of their own, written by dcmtk's dump2dcm (values 0 to 1000); with the series open on
// the first, 1.dcm is written again with values 0 to 600 (same SOP Instance UID) and the folder
// imported again in the Studies panel. Before the fix the viewer showed the new pixels under the
// old file's full range (the corner's W/L) until the series was opened again.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { runLumen } from '../support/cli';
import { writeDump2dcm } from '../support/dicom/dump2dcm';

const STUDY = '1.2.826.0.1.3680043.10.543.1821.1';
const SERIES = `${STUDY}.1`;

/** Slice `i` of the series, 32 x 32, its values a ramp from 0 to `top`. */
function slice(dir: string, i: number, top: number): void {
  const work = path.join(dir, '..', 'work');
  fs.mkdirSync(work, { recursive: true });
  writeDump2dcm(path.join(dir, `${i}.dcm`), {
    sopClass: '1.2.840.10008.5.1.4.1.1.2',
    sopInstanceUid: `${SERIES}.${i}`,
    modality: 'CT',
    rows: 32,
    columns: 32,
    lines: ['(0010,0010) PN [RANGE^REREAD]', '(0010,0020) LO [H18R]', `(0020,000d) UI [${STUDY}]`, `(0020,000e) UI [${SERIES}]`, '(0008,103e) LO [RANGE]', `(0020,0013) IS [${i}]`],
    pixels: new Uint8Array(new Uint16Array(32 * 32).map((_, k) => Math.round((k * top) / (32 * 32 - 1))).buffer),
  }, work);
}

describe('Full range after the image shown was read again', () => {
  let src = '';
  const session = useUiSession('lumen-full-range-h18', async (dataDir) => {
    src = path.join(dataDir, 'incoming');
    fs.mkdirSync(src, { recursive: true });
    for (const i of [1, 2]) slice(src, i, 1000);
    expect((await runLumen(['import', src], dataDir)).code).toBe(0);
  });

  it("shows the new file's full range without opening the series again", async () => {
    const { page, errors } = await openApp(session());
    const wl = page.getByTestId('corner-wl');
    const open = async () => {
      await page.getByTestId('series-card').filter({ hasText: 'RANGE' }).first().click({ timeout: 60_000 });
      await page.getByTestId('image-index').filter({ hasText: /^Im 1\/2/ }).waitFor({ timeout: 60_000 });
      await viewerReady(page);
    };
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 180_000 });
    await open();
    await page.getByTestId('corner-window-name').filter({ hasText: /^Full range$/ }).waitFor({ timeout: 10_000 });
    const before = await wl.innerText();
    // The value under the pointer, to see the new pixels arrive.
    const box = (await page.getByTestId('viewport').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const value = page.getByTestId('corner-value');
    const oldValue = await value.innerText({ timeout: 10_000 });

    // 1.dcm: values 0 to 600 under the same SOP Instance UID.
    slice(src, 1, 600);
    const later = new Date(Date.now() + 5000);
    fs.utimesSync(path.join(src, '1.dcm'), later, later);
    await page.getByLabel('Import a folder or file').fill(src);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: /^0 images imported, 1 file already in the library, 1 changed file read again/ }).waitFor({ timeout: 60_000 });
    let nudge = 0;
    const valueNow = async () => {
      // The pointer moved by a pixel: the corner reads the pixel under it on the frame shown.
      await page.mouse.move(box.x + box.width / 2 + (nudge++ % 2), box.y + box.height / 2);
      return (await value.count()) ? value.innerText() : '';
    };
    await expect.poll(valueNow, { timeout: 30_000 }).toMatch(/^Value \d/);
    await expect.poll(valueNow, { timeout: 30_000 }).not.toBe(oldValue);
    await viewerReady(page);
    const reread = await wl.innerText();
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-full-range-reread-h18-1.png') });

    // What opening the series again shows: the new file's range.
    await page.getByTestId('series-card').filter({ hasText: 'RANGE' }).first().click();
    await page.getByTestId('image-index').filter({ hasText: /^Im 1\/2/ }).waitFor({ timeout: 60_000 });
    await viewerReady(page);
    const reopened = await wl.innerText();
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-full-range-reread-h18-2.png') });
    expect(reopened).not.toBe(before);
    expect(reread).toBe(reopened);
    expect(await page.getByTestId('corner-window-name').innerText()).toBe('Full range');
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
