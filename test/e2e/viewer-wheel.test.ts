// The mouse wheel in the viewer, in Debian's Chromium against the real bridge and engine.
//
// Finding F9 (session 14): wheel events that came before React drew the last one each stepped
// from the image of the last render, so notches were lost while the viewer was busy (ten events
// in one task moved one image; 20 notches on a 40-slice 512x512 CT moved 18). Every notch counts
// now (renderer/src/viewer/wheel.ts, usePointer.ts), the stack's ends hold, and a trackpad's small
// deltas add up to a notch before the image moves.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { writeImage } from '../support/dicom/write';
import { openApp, resultsDir, useUiSession } from '../support/browser';

const UID = '1.2.826.0.1.3680043.10.99.97';
const SLICES = 40;
const SIZE = 512;

function writeSeries(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < SLICES; i++) {
    // A gradient with the slice's number in it: every slice differs, each costs a real decode.
    const px = new Int16Array(SIZE * SIZE);
    for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) px[y * SIZE + x] = ((x + y + i * 37) % 1000) - 200;
    writeImage(path.join(dir, `ct${i + 1}.dcm`), {
      rows: SIZE,
      columns: SIZE,
      bitsAllocated: 16,
      pixelRepresentation: 1,
      modality: 'CT',
      windowCenter: 300,
      windowWidth: 800,
      pixelBytes: new Uint8Array(px.buffer),
      uid: UID,
      extra: {
        0x00100010: { vr: 'PN', value: 'Wheel^Wanda' },
        0x00100020: { vr: 'LO', value: 'WH001' },
        0x00080016: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.2' },
        0x00080018: { vr: 'UI', value: `${UID}.3.${i + 1}` },
        0x00200013: { vr: 'IS', value: i + 1 },
        0x00200011: { vr: 'IS', value: 1 },
        0x00200037: { vr: 'DS', value: [1, 0, 0, 0, 1, 0] },
        0x00200032: { vr: 'DS', value: [0, 0, -i * 2] },
      },
    });
  }
}

/** Dispatches wheel events on the viewport in one task (no render between them): each [deltaY, deltaMode]. */
const wheelInOneTask = (page: Page, events: [number, number][]) =>
  page.evaluate(`(() => {
    const el = document.querySelector('[data-testid="viewport"]');
    for (const [deltaY, deltaMode] of ${JSON.stringify(events)}) el.dispatchEvent(new WheelEvent('wheel', { deltaY, deltaMode, bubbles: true, cancelable: true, clientX: 300, clientY: 300 }));
  })()`);

describe('the mouse wheel in the viewer', () => {
  const session = useUiSession('lumen-viewer-wheel', (dataDir) => writeSeries(path.join(dataDir, 'incoming', 'ct')));

  it('counts every notch, holds at the ends, and adds up small trackpad deltas', async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(path.join(session().dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: `${SLICES} images imported` }).waitFor({ timeout: 180_000 });
    await page.getByRole('listitem', { name: /^Study .*Wanda/ }).getByTestId('series-card').click();
    const canvas = page.getByTestId('viewport');
    const shown = page.getByTestId('image-index');
    await expect.poll(() => canvas.getAttribute('data-painted'), { timeout: 30_000 }).toContain(`${UID}.3.1/0`);
    await expect.poll(() => shown.textContent()).toBe(`Im 1/${SLICES}`);

    // Ten notches in one task (Chromium's 100 px each): ten images, not one.
    await wheelInOneTask(page, Array.from({ length: 10 }, () => [100, 0]));
    await expect.poll(() => shown.textContent()).toBe(`Im 11/${SLICES}`);
    // Firefox's notches (3 lines each), likewise: five images back.
    await page.waitForTimeout(400);
    await wheelInOneTask(page, Array.from({ length: 5 }, () => [-3, 1]));
    await expect.poll(() => shown.textContent()).toBe(`Im 6/${SLICES}`);

    // The tester's case: from the last image, 20 real notches up, as fast as Playwright sends them.
    await canvas.focus();
    await page.keyboard.press('End');
    await expect.poll(() => shown.textContent()).toBe(`Im ${SLICES}/${SLICES}`);
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 20; i++) await page.mouse.wheel(0, -100);
    await expect.poll(() => shown.textContent(), { timeout: 30_000 }).toBe(`Im ${SLICES - 20}/${SLICES}`);

    // The ends hold: 30 notches down from image 20 stop at the last, 50 up at the first.
    await wheelInOneTask(page, Array.from({ length: 30 }, () => [100, 0]));
    await expect.poll(() => shown.textContent()).toBe(`Im ${SLICES}/${SLICES}`);
    await wheelInOneTask(page, Array.from({ length: 50 }, () => [-100, 0]));
    await expect.poll(() => shown.textContent()).toBe(`Im 1/${SLICES}`);

    // A trackpad's small deltas: ten of 4 px (40 px of finger travel) after a pause move one
    // image, not ten; 40 more of 4 px in the same gesture move four more.
    await page.waitForTimeout(400);
    await wheelInOneTask(page, Array.from({ length: 10 }, () => [4, 0]));
    await expect.poll(() => shown.textContent()).toBe(`Im 2/${SLICES}`);
    await wheelInOneTask(page, Array.from({ length: 40 }, () => [4, 0]));
    await expect.poll(() => shown.textContent()).toBe(`Im 6/${SLICES}`);

    await expect.poll(() => canvas.getAttribute('data-painted'), { timeout: 30_000 }).toContain(`${UID}.3.6/0`);
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-wheel.png') });
    expect(errors).toEqual([]);
  }, 300_000);
});
