// Hostile rescale and spacing values on screen, in Debian's Chromium through `lumen serve` and the
// real engine, on one CT series of three dump2dcm files: a Pixel Spacing of 1e308 mm (image 1), a
// Rescale Slope of 1e308 (image 2: every value infinite), a slope of 5e36 whose padding pixels are
// beyond 32-bit floats (image 3). Image 2 is refused with its attribute and value named, the
// others are shown as usual around it, the corner reads in words what it cannot show, nothing on
// screen reads Infinity or NaN, and the engine logs the refusal in one line, without a stack.
// Screenshots: test-results/viewer-hostile-values-*.png.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../electron/engine/host';
import { startBridge, type Bridge } from '../../electron/serve/server';
import { squareOf, writeUs, type UsImage } from '../dicom/us-regions-fixture';
import { launchChromium, openApp, resultsDir, viewerReady, type UiSession } from '../support/browser';

const SERIES = '1.2.826.0.1.3680043.10.89.7.1';
const IMG: UsImage = { columns: 60, rows: 45, modality: 'CT', series: SERIES, description: 'Hostile values' };
const notNumbers = /Infinity|NaN/;

describe('hostile rescale and spacing values in the viewer', () => {
  let dataDir = '';
  let session: UiSession | undefined;
  const engineLog: string[] = [];
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-viewer-hostile-'));
    const incoming = path.join(dataDir, 'incoming');
    const work = path.join(dataDir, 'work');
    mkdirSync(incoming);
    mkdirSync(work);
    writeUs(incoming, 'spacing-1e308', { ...IMG, instance: 1, lines: ['(0028,0030) DS [1e308\\1e308]'] }, work);
    writeUs(incoming, 'slope-1e308', { ...IMG, instance: 2, lines: ['(0028,1052) DS [0]', '(0028,1053) DS [1e308]'] }, work);
    writeUs(incoming, 'slope-5e36', { ...IMG, instance: 3, lines: ['(0028,0120) US 230', '(0028,1052) DS [0]', '(0028,1053) DS [5e36]'] }, work);
    // The UI session of test/support/browser.ts, with the engine's log kept.
    const host = new EngineHost({ dataDir, shell: 'browser', log: (line) => engineLog.push(line) });
    const bridge: Bridge = await startBridge({ host, staticDir: path.resolve('renderer/dist') });
    const browser = await launchChromium();
    session = {
      host,
      bridge,
      browser,
      dataDir,
      close: async () => {
        await browser.close();
        await bridge.close();
        await host.close();
      },
    };
  });
  afterAll(async () => {
    await session?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('refuses image 2 by its Rescale Slope, shows 1 and 3 around it, and the corner reads words, never Infinity', async () => {
    const { page, errors } = await openApp(session!);
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByRole('region', { name: 'Welcome to Lumen' }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '3 images imported' }).waitFor({ timeout: 120_000 });
    const shot = (name: string) => page.screenshot({ path: path.join(resultsDir(), `viewer-hostile-values-${name}.png`) });
    const canvas = page.getByTestId('viewport');
    const corners = page.locator('.corner');
    const screenText = async () => (await corners.allInnerTexts()).join('\n');

    // Image 1: the spacing the measurements do not use is named as such, not as 1e+308 mm.
    await page.getByTestId('series-card').filter({ hasText: 'Hostile values' }).first().click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/3' }).waitFor({ timeout: 60_000 });
    await viewerReady(page);
    await page.getByTestId('corner-size').filter({ hasText: '60×45 · pixel spacing too large' }).waitFor({ timeout: 10_000 });
    expect(await screenText()).not.toMatch(notNumbers);
    await shot('spacing');

    // Image 2: refused in words naming the attribute and its value; no "a bug", no Infinity.
    await canvas.focus();
    await page.keyboard.press('ArrowDown');
    await page.getByTestId('image-index').filter({ hasText: 'Im 2/3' }).waitFor({ timeout: 10_000 });
    const alert = page.locator('.viewport-error[role="alert"]');
    await alert.waitFor({ timeout: 60_000 });
    const message = await alert.innerText();
    expect(message).toContain('slope-1e308.dcm: Rescale Slope 1e308 makes every value infinite, so the image cannot be shown. The file is corrupt; export it again from its source.');
    expect(message).not.toMatch(/a bug|Infinity|NaN/);
    await shot('refused');

    // Image 3: shown after it; its padding square's values are beyond 32-bit floats: "too large" under the pointer.
    await canvas.focus();
    await page.keyboard.press('ArrowDown');
    await page.getByTestId('image-index').filter({ hasText: 'Im 3/3' }).waitFor({ timeout: 10_000 });
    await viewerReady(page);
    expect(await alert.count()).toBe(0);
    const box = (await canvas.boundingBox())!;
    const zoom = Math.min(box.width / IMG.columns, box.height / IMG.rows);
    const [left, top, side] = squareOf(IMG);
    const screenAt = (x: number, y: number) => [box.x + box.width / 2 + (x - IMG.columns / 2) * zoom, box.y + box.height / 2 + (y - IMG.rows / 2) * zoom] as const;
    const sx = left + side / 2;
    const sy = top + side / 2;
    await page.mouse.move(...screenAt(sx, sy));
    await page.getByTestId('corner-value').filter({ hasText: /^Value too large at \(\d+, \d+\)$/ }).waitFor({ timeout: 10_000 });
    // Outside the square: stored 40 x 5e36 (us-regions-fixture), in five digits and HU.
    await page.mouse.move(...screenAt(2.5, 2.5));
    await page.getByTestId('corner-value').filter({ hasText: /^Value 2e38 HU at \(2, 2\)$/ }).waitFor({ timeout: 10_000 });
    expect(await page.getByTestId('corner-wl').innerText()).toMatch(/^W \S+ L \S+ HU$/);
    expect(await screenText()).not.toMatch(notNumbers);
    await shot('padding');

    // Back to image 1: the series stays viewable after the refusal.
    await canvas.focus();
    await page.keyboard.press('Home');
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/3' }).waitFor({ timeout: 10_000 });
    await viewerReady(page);
    expect(await alert.count()).toBe(0);

    // The engine logged the refusal with its reason (the engine keeps it, so a revisit is answered
    // without a second decode: test/dicom/window-refusal-cache.test.ts), each a line without a
    // stack, and no invalid reply.
    const refusals = engineLog.filter((l) => l.includes('Rescale Slope 1e308 makes every value infinite'));
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.every((l) => !l.includes('\n'))).toBe(true);
    expect(engineLog.filter((l) => /\n\s+at |invalid (output|reply)/.test(l))).toEqual([]);
    // The browser saw no uncaught error (a refused frame is an answer, not an exception).
    expect(errors.filter((e) => !e.includes('Rescale Slope 1e308'))).toEqual([]);
    await page.close();
  });
});
