// A resize in the middle of a zoom drag (session 15 L3), in Debian's Chromium against the real
// bridge and engine. The viewer keeps the view relative to the fit when the viewport resizes
// (useViewTransform.ts, transform.ts resizeView); a drag went on from the view it started with,
// so the next move after a resize snapped the zoom back to the old viewport's. Now the drag goes
// on from the view the resize left: the zoom after the resize times the drag's own factor for
// the rest of the move (zoom.ts: exp(travel up / 150)).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeImage } from '../support/dicom/write';
import { importOneImageAndOpen, openApp, resultsDir, useUiSession } from '../support/browser';

const UID = '1.2.826.0.1.3680043.10.1.782';

describe('a resize during a zoom or pan drag', () => {
  const session = useUiSession('lumen-resize-drag', (dataDir) => {
    const dir = path.join(dataDir, 'incoming');
    mkdirSync(dir, { recursive: true });
    const pixels = new Uint8Array(64 * 64 * 2);
    for (let i = 0; i < 64 * 64; i++) pixels[i * 2] = (i % 64) * 3;
    writeImage(path.join(dir, 'mr.dcm'), { rows: 64, columns: 64, bitsAllocated: 16, bitsStored: 12, modality: 'MR', pixelBytes: pixels, uid: UID });
  });

  it('goes on from the view the resize left, not the one the drag started with', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await importOneImageAndOpen(page, path.join(session().dataDir, 'incoming'));
    const canvas = page.getByTestId('viewport');
    const zoom = async () => Number(/Zoom (\d+)%/.exec(await page.getByTestId('corner-zoom').innerText())![1]);
    const fit = await zoom();

    await canvas.focus();
    await page.keyboard.press('z');
    const b = (await canvas.boundingBox())!;
    const [x, y] = [b.x + b.width / 2, b.y + b.height * 0.7];
    await page.mouse.move(x, y);
    await page.mouse.down();
    // 60 px up: the zoom times exp(60 / 150).
    await page.mouse.move(x, y - 60, { steps: 6 });
    await expect.poll(zoom).toBeGreaterThan(fit * 1.4);
    const dragged = await zoom();

    // The window shorter: the fit, and so the zoom, shrink by the same ratio (the drag's view kept, relative to the fit).
    await page.setViewportSize({ width: 1280, height: 600 });
    await expect.poll(zoom, { timeout: 20_000 }).toBeLessThan(dragged * 0.9);
    const resized = await zoom();
    const b2 = (await canvas.boundingBox())!;
    expect(b2.height).toBeLessThan(b.height - 100);

    // 30 px further up: the zoom the resize left times exp(30 / 150), not the old viewport's zoom times exp(90 / 150).
    await page.mouse.move(x, y - 75, { steps: 3 });
    await page.mouse.move(x, y - 90, { steps: 3 });
    await expect.poll(zoom).not.toBe(resized);
    const after = await zoom();
    const want = resized * Math.exp(30 / 150);
    const before = fit * Math.exp(90 / 150);
    expect(Math.abs(after - want), `zoom ${after}% after the resize: ${want.toFixed(0)}% continues the drag, ${before.toFixed(0)}% snaps back`).toBeLessThanOrEqual(0.03 * want);
    await page.mouse.up();
    await canvas.screenshot({ path: path.join(resultsDir(), 'viewer-resize-drag.png') });
    expect(await zoom()).toBe(after);

    // A pan drag with the window made taller in the middle: the zoom the resize gives stays (it
    // snapped back to the zoom of the drag's start, in the old viewport, before).
    await canvas.focus();
    await page.keyboard.press('p');
    const c = (await canvas.boundingBox())!;
    const [px, py] = [c.x + c.width / 2, c.y + c.height / 2];
    await page.mouse.move(px, py);
    await page.mouse.down();
    await page.mouse.move(px + 40, py, { steps: 4 });
    expect(await zoom()).toBe(after);
    await page.setViewportSize({ width: 1280, height: 800 });
    await expect.poll(zoom, { timeout: 20_000 }).toBeGreaterThan(after * 1.2);
    const taller = await zoom();
    await page.mouse.move(px + 80, py + 10, { steps: 4 });
    await page.mouse.up();
    expect(await zoom()).toBe(taller);
    expect(errors).toEqual([]);
  }, 240_000);
});
