// Measurement readings kept apart on the image (finding F4, session 14), in Debian's Chromium
// against the real bridge and engine: a probe at the centre of a black CT and a length across it
// had "26.9 mm" drawn over "(64, 64) -1000 HU". The length's reading now goes to the free spot
// above it (renderer/src/viewer/labelPlacement.ts; below, the length's own line would run through
// it), read back from the canvas: coloured pixels in that band, none in the band under the line.
// A click on the length still picks it.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { writeImage } from '../support/dicom/write';
import { importOneImageAndOpen, openApp, resultsDir, useUiSession } from '../support/browser';

const UID = '1.2.826.0.1.3680043.10.99.96';
const SIZE = 128;

/** Coloured pixels (a measurement or its reading: the image is gray) in a rectangle of the canvas, in CSS pixels from its top left. */
const colouredIn = (page: Page, x0: number, y0: number, x1: number, y1: number) =>
  page.evaluate<number>(`(async () => {
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const c = document.querySelector('[data-testid="viewport"]');
    const k = c.width / c.getBoundingClientRect().width;
    const [x, y, w, h] = [${x0}, ${y0}, ${x1 - x0}, ${y1 - y0}].map((v) => Math.round(v * k));
    const d = c.getContext('2d').getImageData(x, y, w, h).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] !== d[i + 1] || d[i + 1] !== d[i + 2]) n++;
    return n;
  })()`);

/** Pixels of one colour ("#rrggbb", within 40 a channel: text is antialiased) in a rectangle of the canvas, in CSS pixels from its top left. */
const colourIn = (page: Page, hex: string, x0: number, y0: number, x1: number, y1: number) =>
  page.evaluate<number>(`(async () => {
    await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    const c = document.querySelector('[data-testid="viewport"]');
    const k = c.width / c.getBoundingClientRect().width;
    const [x, y, w, h] = [${x0}, ${y0}, ${x1 - x0}, ${y1 - y0}].map((v) => Math.round(v * k));
    const d = c.getContext('2d').getImageData(x, y, w, h).data;
    const want = [1, 3, 5].map((i) => parseInt('${hex}'.slice(i, i + 2), 16));
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (want.every((v, j) => Math.abs(d[i + j] - v) <= 40)) n++;
    return n;
  })()`);
/** The measurement colours (renderer/src/viewer/tools/length.ts). */
const GREEN = '#3fe07f';
const YELLOW = '#ffd24a';

describe('measurement readings on the image', () => {
  const session = useUiSession('lumen-label-overlap', (dataDir) => {
    const dir = path.join(dataDir, 'incoming');
    mkdirSync(dir, { recursive: true });
    // -1000 HU everywhere (stored 0, intercept -1000) under a soft-tissue window: all black.
    writeImage(path.join(dir, 'ct.dcm'), {
      rows: SIZE,
      columns: SIZE,
      bitsAllocated: 16,
      modality: 'CT',
      rescaleIntercept: -1000,
      windowCenter: 40,
      windowWidth: 400,
      pixelBytes: new Uint8Array(SIZE * SIZE * 2),
      uid: UID,
      extra: { 0x00280030: { vr: 'DS', value: [0.7, 0.7] }, 0x00100010: { vr: 'PN', value: 'Label^Lars' } },
    });
  });

  it('moves a reading off one drawn at the same spot, and a click still picks its measurement', async () => {
    const { page, errors } = await openApp(session());
    await importOneImageAndOpen(page, path.join(session().dataDir, 'incoming'));
    const canvas = page.getByTestId('viewport');
    const b = (await canvas.boundingBox())!;
    const [cx, cy] = [b.x + b.width / 2, b.y + b.height / 2];
    // Canvas coordinates of the centre.
    const [ox, oy] = [b.width / 2, b.height / 2];

    await canvas.focus();
    await page.keyboard.press('v');
    await page.mouse.click(cx, cy);
    const list = page.getByTestId('measurements');
    await expect.poll(async () => (await list.locator('.measure-pick').allTextContents()).length, { timeout: 20_000 }).toBe(1);
    // Nothing coloured below the probe's cross before the length comes.
    expect(await colouredIn(page, ox + 8, oy + 9, ox + 140, oy + 40)).toBe(0);

    // A length across the probe, its midpoint on it: its reading wants the probe's spot.
    await canvas.focus();
    await page.keyboard.press('l');
    await page.mouse.move(cx - 120, cy);
    await page.mouse.down();
    await page.mouse.move(cx + 120, cy, { steps: 5 });
    await page.mouse.up();
    await expect.poll(async () => (await list.locator('.measure-pick').allTextContents()).length, { timeout: 20_000 }).toBe(2);
    const rows = await list.locator('.measure-pick').allTextContents();
    expect(rows[0]).toMatch(/^Probe 1: \(\d+, \d+\) -1000 HU$/);
    expect(rows[1]).toMatch(/^Length 1: [\d.]+ mm$/);
    // Its reading is the next line up, clear of the probe's; not the next line down, where the
    // length's own line would run through it (session 16: a reading keeps off the lines).
    const spot = [ox + 8, oy - 24, ox + 140, oy - 4] as const;
    const upper = [ox + 8, oy - 44, ox + 140, oy - 25] as const;
    const below = [ox + 8, oy + 9, ox + 140, oy + 40] as const;
    expect(await colouredIn(page, ...upper)).toBeGreaterThan(20);
    expect(await colouredIn(page, ...below)).toBe(0);
    await canvas.screenshot({ path: path.join(resultsDir(), 'viewer-label-overlap.png') });

    // A click on the length's line, away from both readings, picks the length.
    await canvas.focus();
    await page.mouse.click(cx - 80, cy);
    await expect.poll(() => list.locator('li.selected .measure-pick').allTextContents()).toEqual([rows[1]]);
    // Selected, the length's reading is the one that stays at its spot (above the line, right of
    // the centre) and the probe's moves away (a line further up, off the line): yellow at the
    // spot, green above it, and not the other way round (session 15 L2: the later reading moved
    // whatever was selected).
    await expect.poll(() => colourIn(page, YELLOW, ...spot)).toBeGreaterThan(20);
    expect(await colourIn(page, GREEN, ...spot)).toBe(0);
    expect(await colourIn(page, GREEN, ...upper)).toBeGreaterThan(20);
    expect(await colourIn(page, YELLOW, ...upper)).toBe(0);
    expect(await colouredIn(page, ...below)).toBe(0);
    await canvas.screenshot({ path: path.join(resultsDir(), 'viewer-label-overlap-selected.png') });
    // One on a reading picks nothing: a reading is not where a measurement is picked (the
    // probe's, the upper one now that the length was selected; with nothing selected, the
    // length's is back there).
    await page.mouse.click(cx + 30, cy - 34);
    await expect.poll(() => list.locator('li.selected .measure-pick').allTextContents()).toEqual([]);
    await expect.poll(() => colourIn(page, GREEN, ...spot)).toBeGreaterThan(20);
    expect(await colourIn(page, YELLOW, ...spot)).toBe(0);
    expect(await colourIn(page, GREEN, ...upper)).toBeGreaterThan(20);
    expect(await list.locator('.measure-pick').count()).toBe(2);
    expect(errors).toEqual([]);
  }, 240_000);
});
