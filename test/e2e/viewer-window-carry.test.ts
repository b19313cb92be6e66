// The window from image to image on screen, in Debian's Chromium through `lumen serve` and the real
// engine, on one CT series of three dump2dcm files: an ordinary slice with its own window (W 200
// L 100), one whose Rescale Slope of 1e36 puts every value near 1e38 (finite, so shown), and one
// whose slope of 1e-300 makes every value 0 (refused in words, not shown black). The
// first preset follows each image ("File window" on the slice, "Full range" on the 1e36 image,
// which has no window of its own), and the toolbar and the corner name it so; a preset the user
// picks carries to the next image, and where every value lies outside it the corner says so
// instead of leaving a blank white image. Screenshots: test-results/viewer-window-carry-*.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeUs, type UsImage } from '../dicom/us-regions-fixture';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';

const IMG: UsImage = { columns: 60, rows: 45, modality: 'CT', series: '1.2.826.0.1.3680043.10.89.7.31', description: 'Window carry' };

describe('the window from image to image in a series', () => {
  let incoming = '';
  const session = useUiSession('lumen-window-carry', (dataDir) => {
    incoming = path.join(dataDir, 'incoming');
    const work = path.join(dataDir, 'work');
    mkdirSync(incoming);
    mkdirSync(work);
    writeUs(incoming, 'ordinary', { ...IMG, instance: 1, lines: ['(0028,1050) DS [100]', '(0028,1051) DS [200]', '(0028,1052) DS [0]', '(0028,1053) DS [1]'] }, work);
    writeUs(incoming, 'slope-1e36', { ...IMG, instance: 2, lines: ['(0028,1052) DS [0]', '(0028,1053) DS [1e36]'] }, work);
    writeUs(incoming, 'slope-1e-300', { ...IMG, instance: 3, lines: ['(0028,1052) DS [0]', '(0028,1053) DS [1e-300]'] }, work);
  });

  it("follows each image with its own window, carries a chosen preset, and says when an image lies outside it", async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByRole('region', { name: 'Welcome to Lumen' }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');
    await page.getByLabel('Import a folder or file').fill(incoming);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '3 images imported' }).waitFor({ timeout: 120_000 });
    const shot = (name: string) => page.screenshot({ path: path.join(resultsDir(), `viewer-window-carry-${name}.png`) });
    const canvas = page.getByTestId('viewport');
    const name = page.getByTestId('corner-window-name');
    const wl = page.getByTestId('corner-wl');
    const miss = page.getByTestId('corner-window-miss');
    const firstPreset = page.getByTestId('preset').locator('option[value="file"]');

    // Image 1: the file's own window, named so in the corner and the toolbar.
    await page.getByTestId('series-card').filter({ hasText: 'Window carry' }).first().click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/3' }).waitFor({ timeout: 60_000 });
    await viewerReady(page);
    await wl.filter({ hasText: /^W 200 L 100 HU$/ }).waitFor({ timeout: 10_000 });
    expect(await name.innerText()).toBe('File window');
    expect(await firstPreset.innerText()).toBe('File window (1)');
    await shot('file-window');

    // Image 2 (slope 1e36): its own full range, not the slice's W 200 (which made it all white).
    await canvas.focus();
    await page.keyboard.press('ArrowDown');
    await page.getByTestId('image-index').filter({ hasText: 'Im 2/3' }).waitFor({ timeout: 10_000 });
    await viewerReady(page);
    await name.filter({ hasText: /^Full range$/ }).waitFor({ timeout: 10_000 });
    expect(await wl.innerText()).toMatch(/^W 2\.1\d*e38 L 1\.2\d*e38 HU$/);
    expect(await firstPreset.innerText()).toBe('Full range (1)');
    expect(await miss.count()).toBe(0);
    await shot('full-range');

    // The user picks Abdomen (key 4): every value of this image lies above it, and the corner says so.
    await canvas.focus();
    await page.keyboard.press('4');
    await wl.filter({ hasText: /^W 400 L 40 HU$/ }).waitFor({ timeout: 10_000 });
    expect(await name.innerText()).toBe('Abdomen (soft tissue)');
    expect(await miss.innerText()).toBe('Every value lies above this window, so the image is all white. Choose Full range to see it.');
    await shot('outside');

    // Back to image 1: the chosen window carries, and some of its values lie inside it.
    await canvas.focus();
    await page.keyboard.press('ArrowUp');
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/3' }).waitFor({ timeout: 10_000 });
    await viewerReady(page);
    expect(await wl.innerText()).toBe('W 400 L 40 HU');
    expect(await name.innerText()).toBe('Abdomen (soft tissue)');
    expect(await miss.count()).toBe(0);

    // Key 1 gives the first preset back, and it follows the images again.
    await page.keyboard.press('1');
    await wl.filter({ hasText: /^W 200 L 100 HU$/ }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('ArrowDown');
    await page.getByTestId('image-index').filter({ hasText: 'Im 2/3' }).waitFor({ timeout: 10_000 });
    await name.filter({ hasText: /^Full range$/ }).waitFor({ timeout: 10_000 });

    // Image 3 (slope 1e-300): every value 0, refused in words rather than shown black.
    await page.keyboard.press('ArrowDown');
    await page.getByTestId('image-index').filter({ hasText: 'Im 3/3' }).waitFor({ timeout: 10_000 });
    const alert = page.locator('.viewport-error[role="alert"]');
    await alert.waitFor({ timeout: 60_000 });
    expect(await alert.innerText()).toContain('slope-1e-300.dcm: Rescale Slope 1e-300 makes every value 0, so the image cannot be shown. The file is corrupt; export it again from its source.');
    await shot('collapsed');
    expect(errors).toEqual([]);
  });
});
