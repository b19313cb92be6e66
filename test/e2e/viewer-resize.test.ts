// The viewer keeps its view when the viewport changes size, as Cornerstone3D/OHIF keep their
// display area: in Debian's Chromium against the real engine, a fitted image stays fitted when
// the study list is hidden and the window resized (its drawn box is the fit of the new viewport,
// read from the canvas's pixels), and a zoom and pan the user made is kept relative to the fit,
// with the image point at the viewport's centre still there; a length measured before reads
// the same after. Screenshots: test-results/viewer-resize-*.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dragOnViewport, openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { ctImageSpec } from '../support/dicom/ct-image';
import { writeImage } from '../support/dicom/write';

const ROWS = 240;
const COLUMNS = 360;

/** The viewport's size, and the box of the image's lit pixels on its canvas (CSS pixels). */
interface Drawn { w: number; h: number; box: [left: number, top: number, right: number, bottom: number] | null; painted: string }

function drawn(page: Page): Promise<Drawn> {
  return page.evaluate(() => {
    // Runs in the page; typed here without the DOM library, which the Node project leaves out.
    interface Canvas { width: number; height: number; clientWidth: number; clientHeight: number; dataset: Record<string, string>; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } }
    const c = (globalThis as unknown as { document: { querySelector(s: string): Canvas } }).document.querySelector('[data-testid="viewport"]');
    const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
    let [left, top, right, bottom] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let y = 0; y < c.height; y++) {
      for (let x = 0; x < c.width; x++) {
        const i = (y * c.width + x) * 4;
        // Every image pixel is a mid to light grey; the viewport around it is black. An edge pixel
        // half covered is half lit: counted from half the image's darkest grey up.
        if (data[i] < 60) continue;
        left = Math.min(left, x);
        right = Math.max(right, x + 1);
        top = Math.min(top, y);
        bottom = Math.max(bottom, y + 1);
      }
    }
    const s = c.clientWidth / c.width;
    const box: [number, number, number, number] | null = left === Infinity ? null : [left * s, top * s, right * s, bottom * s];
    return { w: c.clientWidth, h: c.clientHeight, box, painted: c.dataset.painted ?? '' };
  });
}

/** The box a fitted image is drawn in, in a viewport of w × h. */
function fitBox(w: number, h: number): [number, number, number, number] {
  const z = Math.min(w / COLUMNS, h / ROWS);
  return [(w - COLUMNS * z) / 2, (h - ROWS * z) / 2, (w + COLUMNS * z) / 2, (h + ROWS * z) / 2];
}

/** Waits until the viewport has the size it takes in the layout now and the image is painted at it. */
async function settled(page: Page, last: Drawn): Promise<Drawn> {
  await viewerReady(page);
  let now = await drawn(page);
  await expect.poll(async () => {
    now = await drawn(page);
    return now.painted !== '' && (now.w !== last.w || now.h !== last.h);
  }).toBe(true);
  // One more frame: the painting that follows the size.
  await page.evaluate(() => new Promise((r) => (globalThis as unknown as { requestAnimationFrame(f: () => void): void }).requestAnimationFrame(() => r(null))));
  return drawn(page);
}

/** The image pixel under the viewport's centre, as the value readout names it. */
async function centrePixel(page: Page): Promise<string> {
  const box = (await page.getByTestId('viewport').boundingBox())!;
  await page.mouse.move(box.x + box.width / 2 - 0.25, box.y + box.height / 2 - 0.25);
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  const text = (await page.getByTestId('corner-value').textContent()) ?? '';
  return /at \((\d+, \d+)\)/.exec(text)?.[1] ?? text;
}

/** The zoom the corner says, as a fraction (1 = 100%). */
async function zoom(page: Page): Promise<number> {
  const text = (await page.getByTestId('corner-zoom').textContent()) ?? '';
  return Number(/Zoom (\d+)%/.exec(text)?.[1]) / 100;
}

function expectBox(got: Drawn, want: [number, number, number, number], where: string) {
  expect(got.box, where).not.toBeNull();
  got.box!.forEach((edge, i) => expect(Math.abs(edge - want[i]), `${where}: drawn box ${got.box!.map(Math.round)} in a ${got.w}x${got.h} viewport, its fit ${want.map(Math.round)}`).toBeLessThanOrEqual(1));
}

describe('the viewer keeps its view when the viewport resizes', () => {
  let incoming: string;
  const session = useUiSession('lumen-viewer-resize', (dataDir) => {
    incoming = path.join(dataDir, 'incoming');
    mkdirSync(incoming);
    // A wide image, every pixel mid to light grey in its window (W 400 L 40: 60..230 HU), so its
    // drawn box is where the canvas is lit; 0.5 mm pixels for a length in mm.
    const pixels = new Int16Array(ROWS * COLUMNS);
    for (let y = 0; y < ROWS; y++) for (let x = 0; x < COLUMNS; x++) pixels[y * COLUMNS + x] = 60 + ((x * 7 + y * 3) % 170);
    const uid = '1.2.826.0.1.3680043.10.99.314';
    writeImage(
      path.join(incoming, 'wide.dcm'),
      ctImageSpec(ROWS, pixels, {
        0x00100010: { vr: 'PN', value: 'Resize^Rita' },
        0x00100020: { vr: 'LO', value: 'PR001' },
        0x00080018: { vr: 'UI', value: `${uid}.3.1` },
        0x0020000d: { vr: 'UI', value: `${uid}.1` },
        0x0020000e: { vr: 'UI', value: `${uid}.2` },
        0x00200013: { vr: 'IS', value: 1 },
        0x00280030: { vr: 'DS', value: '0.5\\0.5' },
      }, { rows: ROWS, columns: COLUMNS, uid }),
    );
  });

  it('a fitted image stays fitted; a zoom and pan stay relative to the fit, centred on the same pixel', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByLabel('Import a folder or file').fill(incoming);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '1 image imported' }).waitFor({ timeout: 120_000 });
    await page.locator('[role="listitem"][aria-label^="Study Resize"] [data-testid="series-card"]').click();
    await page.getByTestId('corner-wl').waitFor({ timeout: 60_000 });
    await viewerReady(page);
    await page.getByRole('button', { name: 'Fit to window', exact: true }).click();
    await expect.poll(async () => (await drawn(page)).painted).not.toBe('');
    let now = await drawn(page);
    expectBox(now, fitBox(now.w, now.h), 'fitted at 1280x800');

    // A length across the image, in mm, read before any resize.
    await page.keyboard.press('l');
    await dragOnViewport(page, [0.35, 0.4], [0.65, 0.6]);
    const list = page.getByTestId('measurements');
    await list.getByRole('button').first().waitFor();
    const length = (await list.locator('.measure-pick').first().textContent()) ?? '';
    expect(length).toMatch(/mm/);
    await page.keyboard.press('w');

    // The study list hidden, then the window made smaller: the image is the fit of each viewport.
    await page.getByTestId('toggle-study-list').click();
    now = await settled(page, now);
    expectBox(now, fitBox(now.w, now.h), 'fitted, the study list hidden');
    await page.setViewportSize({ width: 1100, height: 640 });
    now = await settled(page, now);
    expectBox(now, fitBox(now.w, now.h), 'fitted, the study list hidden, at 1100x640');
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-resize-fitted.png') });
    expect(await list.locator('.measure-pick').first().textContent()).toBe(length);

    // About twice the fit (+ three times, 1.25³), and panned (Shift+arrows): the zoom relative
    // to the fit and the image point at the centre are kept through a resize and the study list shown again.
    for (const key of ['+', '+', '+', 'Shift+ArrowLeft', 'Shift+ArrowLeft', 'Shift+ArrowUp']) await page.keyboard.press(key);
    await expect.poll(() => zoom(page)).toBeGreaterThan(1.8 * Math.min(now.w / COLUMNS, now.h / ROWS));
    const relative = (await zoom(page)) / Math.min(now.w / COLUMNS, now.h / ROWS);
    const centre = await centrePixel(page);
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByTestId('toggle-study-list').click();
    now = await settled(page, now);
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-resize-zoomed.png') });
    const after = (await zoom(page)) / Math.min(now.w / COLUMNS, now.h / ROWS);
    expect(Math.abs(after / relative - 1), `zoom ${after.toFixed(3)} of the fit after the resize, ${relative.toFixed(3)} before`).toBeLessThan(0.015);
    expect(await centrePixel(page)).toBe(centre);
    expect(await list.locator('.measure-pick').first().textContent()).toBe(length);

    // Fit again, then back to a small window: fitted there too.
    await page.getByRole('button', { name: 'Fit to window', exact: true }).click();
    await page.setViewportSize({ width: 1024, height: 700 });
    now = await settled(page, now);
    expectBox(now, fitBox(now.w, now.h), 'fitted at 1024x700');
    expect(errors).toEqual([]);
  }, 300_000);
});
