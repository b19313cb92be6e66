// The review workspace end to end, in Debian's Chromium against the real engine
// through the browser bridge: import a phantom CT series with a lesion, open
// it, scroll, window, choose a variant, run a tiny trained classifier and check
// on screenshot pixels that the heatmap is hottest over the lesion.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PNG } from 'pngjs';
import type { Page } from 'playwright-core';
import { exportPackageArchive } from '../../models/package';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { PHANTOM_SIZE, SERIES_LESION, trainTinyPackage, writePhantomSeries, type PhantomSeries } from '../support/phantom-series';

/** Where image pixel (x, y) of the fitted, square phantom lands in the viewport, after `turns` quarter turns clockwise. */
function expectedOnScreen(box: { width: number; height: number }, x: number, y: number, turns = 0): [number, number] {
  const s = Math.min(box.width, box.height) / PHANTOM_SIZE;
  let dx = x - PHANTOM_SIZE / 2;
  let dy = y - PHANTOM_SIZE / 2;
  for (let i = 0; i < turns; i++) [dx, dy] = [-dy, dx];
  return [box.width / 2 + dx * s, box.height / 2 + dy * s];
}

/**
 * Where the heatmap peaks on a viewport screenshot. At full opacity the map
 * covers the image in jet colours; near its maximum jet is red with green
 * falling to 0, so the peak is the centroid of the red pixels with the least
 * green (bilinear upsampling puts the maximum on the hottest cell's centre).
 * Returns [x, y, number of red pixels].
 */
function hottest(png: PNG): [number, number, number] {
  let minGreen = 256;
  let red = 0;
  const isRed = (i: number) => png.data[i] > 220 && png.data[i + 2] < 60 && png.data[i + 1] < 120;
  for (let i = 0; i < png.data.length; i += 4) {
    if (isRed(i)) {
      red++;
      minGreen = Math.min(minGreen, png.data[i + 1]);
    }
  }
  let n = 0;
  let sx = 0;
  let sy = 0;
  for (let y = 0; y < png.height; y++) {
    for (let x = 0; x < png.width; x++) {
      const i = (y * png.width + x) * 4;
      if (isRed(i) && png.data[i + 1] <= minGreen + 2) {
        n++;
        sx += x;
        sy += y;
      }
    }
  }
  return [sx / Math.max(1, n), sy / Math.max(1, n), red];
}

/** Screenshots until the heatmap at full opacity shows its hottest colour (React draws on the next frame). */
async function heatShot(page: Page, name: string) {
  for (let attempt = 0; ; attempt++) {
    const shot = await viewportShot(page, name);
    const [x, y, n] = hottest(shot.png);
    if (n >= 50 || attempt === 30) return { ...shot, hot: [x, y] as [number, number], n };
    await page.waitForTimeout(100);
  }
}

async function viewportShot(page: Page, name: string): Promise<{ png: PNG; box: { width: number; height: number } }> {
  const canvas = page.getByTestId('viewport');
  const box = (await canvas.boundingBox())!;
  const png = PNG.sync.read(await canvas.screenshot({ path: path.join(resultsDir(), `${name}.png`) }));
  // The screenshot is in device pixels; the test runs at a device pixel ratio of 1.
  expect(png.width).toBe(Math.round(box.width));
  return { png, box };
}

describe('review workspace in Chromium through the bridge', () => {
  let series: PhantomSeries;
  let packageArchive: string;
  const session = useUiSession('lumen-workspace', async (dataDir) => {
    series = writePhantomSeries(path.join(dataDir, 'incoming', 'ct'), 12);
    writeFileSync(path.join(dataDir, 'incoming', 'notes.dcm'), 'this is not a DICOM file');
    const staged = path.join(dataDir, 'staging', 'phantom-lesion');
    await trainTinyPackage(staged);
    packageArchive = path.join(dataDir, 'staging', 'phantom-lesion.lumenpkg');
    await exportPackageArchive(staged, packageArchive);
  });

  it('imports, views, windows, chooses a variant, predicts and overlays the CAM on the lesion', async () => {
    const { dataDir } = session();
    const { page, errors: consoleErrors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });

    // Without a package the app says so and offers training or import.
    await page.getByTestId('no-classifier').waitFor({ timeout: 60_000 });

    // Import through the UI, with the per-file error list.
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '12 images imported' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('import-report').getByRole('button', { name: 'Show the list' }).click();
    expect(await page.getByRole('dialog', { name: 'Files not imported' }).textContent()).toContain('notes.dcm');
    await page.keyboard.press('Escape');
    const card = page.getByTestId('series-card');
    await card.locator('img').waitFor();
    expect(await card.locator('img').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    await page.getByLabel('Search studies').fill('no such patient');
    await page.getByText('No study matches.').waitFor();
    await page.getByLabel('Search studies').fill('phantom');
    await card.waitFor();
    await page.screenshot({ path: path.join(resultsDir(), 'workspace-study-browser.png') });

    // Open the series: the first image, fitted, with the file's window.
    await card.click();
    const index = page.getByTestId('image-index');
    await index.filter({ hasText: 'Im 1/12' }).waitFor();
    const wl = page.getByTestId('corner-wl');
    await wl.filter({ hasText: 'W 400 L 40' }).waitFor();
    // Axial, as a radiologist reads it: patient's right on the screen's left, anterior at the top.
    expect(await page.getByTestId('orient-left').textContent()).toBe('R');
    expect(await page.getByTestId('orient-top').textContent()).toBe('A');

    // Scroll: arrow key, wheel, slider.
    await page.keyboard.press('ArrowDown');
    await index.filter({ hasText: 'Im 2/12' }).waitFor();
    const canvas = page.getByTestId('viewport');
    await canvas.hover();
    await page.mouse.wheel(0, 120);
    await index.filter({ hasText: 'Im 3/12' }).waitFor();
    await page.getByLabel('Image in series').fill('1');
    await index.filter({ hasText: 'Im 1/12' }).waitFor();
    await page.getByLabel('Image in series').fill(String(series.lesionSlices[1] + 1));
    await index.filter({ hasText: `Im ${series.lesionSlices[1] + 1}/12` }).waitFor();

    // Window/level: drag, then presets by key and by menu, then back to the file's window.
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 4 });
    await page.mouse.up();
    expect(await wl.textContent()).not.toContain('W 400 L 40');
    await page.keyboard.press('3');
    await wl.filter({ hasText: 'W 1500 L -600' }).waitFor();
    await page.getByLabel('Window preset').selectOption('ct-bone');
    await wl.filter({ hasText: 'W 2500 L 480' }).waitFor();
    await page.keyboard.press('1');
    await wl.filter({ hasText: 'W 400 L 40' }).waitFor();

    // Length: 100 image pixels across at 0.7 mm per pixel.
    const scale = Math.min(box.width, box.height) / PHANTOM_SIZE;
    await page.keyboard.press('l');
    await page.mouse.move(box.x + box.width / 2 - 50 * scale, box.y + box.height / 2 + 40 * scale);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 50 * scale, box.y + box.height / 2 + 40 * scale, { steps: 5 });
    await page.mouse.up();
    expect(await page.getByTestId('measurements').textContent()).toMatch(/Length 1: (69\.\d|70\.\d) mm/);
    await page.keyboard.press('w');

    // Choose a variant: the panel lists the family with counts and recommends from the matrix size.
    await page.getByTestId('variant-b7').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('variant-b0').textContent()).toContain('5.3 M');
    expect(await page.getByTestId('recommendation').textContent()).toMatch(/Suggested: B0/);
    await page.getByRole('button', { name: 'Measure B0 latency' }).click();
    await page.getByTestId('variant-b0').filter({ hasText: / ms$/ }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Choose B2').check();
    expect(await page.getByTestId('chosen-variant').textContent()).toContain('B2');

    // Import the trained package (one .lumenpkg file) through the panel, then run it on the series.
    await page.getByLabel('Import a model package (.lumenpkg)').fill(packageArchive);
    await page.getByRole('button', { name: 'Import package' }).click();
    await page.getByText(/^Imported Phantom lesion detector/).waitFor();
    await page.getByText('Phantom lesion detector', { exact: true }).waitFor();
    await page.getByTestId('run-prediction').click();
    const imageScores = page.getByTestId('image-scores');
    await imageScores.waitFor({ timeout: 90_000 });
    expect(await imageScores.locator('li').first().textContent()).toMatch(/^lesion/);
    await page.getByTestId('series-scores').waitFor();

    // The heatmap, at full opacity: hottest over the lesion.
    await page.getByTestId('heatmap-opacity').fill('100');
    await page.getByText('Heatmap: lesion').waitFor();
    const cell = (box.width > box.height ? box.height : box.width) / 4; // one CAM cell (4x4 grid at 128 px input)
    let shot = await heatShot(page, 'workspace-heatmap');
    let [hx, hy] = shot.hot;
    let [ex, ey] = expectedOnScreen(shot.box, SERIES_LESION.x, SERIES_LESION.y);
    expect(shot.n).toBeGreaterThanOrEqual(50);
    expect(Math.hypot(hx - ex, hy - ey)).toBeLessThan(cell * 0.5);
    await page.getByTestId('heatmap-opacity').fill('45');
    await page.screenshot({ path: path.join(resultsDir(), 'workspace-prediction.png') });

    // Rotated, zoomed and panned, the heatmap stays on the lesion.
    await page.getByTestId('heatmap-opacity').fill('100');
    await page.keyboard.press('r');
    await page.getByTestId('corner-zoom').filter({ hasText: '90°' }).waitFor();
    expect(await page.getByTestId('orient-top').textContent()).toBe('R');
    shot = await heatShot(page, 'workspace-heatmap-rotated');
    [hx, hy] = shot.hot;
    [ex, ey] = expectedOnScreen(shot.box, SERIES_LESION.x, SERIES_LESION.y, 1);
    expect(Math.hypot(hx - ex, hy - ey)).toBeLessThan(cell * 0.5);

    // H hides it: no strongly red pixels left.
    await page.keyboard.press('h');
    await page.getByText('Heatmap: lesion').waitFor({ state: 'detached' });
    const hidden = await viewportShot(page, 'workspace-heatmap-hidden');
    expect(hottest(hidden.png)[2]).toBe(0);
    const [rx, ry] = expectedOnScreen(hidden.box, SERIES_LESION.x, SERIES_LESION.y, 1);
    const at = (Math.round(ry) * hidden.png.width + Math.round(rx)) * 4;
    // The lesion itself shows through, white in the file's window (400 HU > L + W/2).
    expect(hidden.png.data[at]).toBeGreaterThan(240);
    expect(Math.abs(hidden.png.data[at] - hidden.png.data[at + 2])).toBeLessThan(10);
    await page.keyboard.press('h');
    await page.keyboard.press('R'); // Shift+R: reset
    await page.getByTestId('corner-zoom').filter({ hasNotText: '90°' }).waitFor();
    await page.getByTestId('heatmap-opacity').fill('45');

    // The heatmap follows the slice: a slice without the lesion scores low. The lesion's class
    // picked (the heatmap would otherwise be of each slice's top class, "no lesion" there).
    await page.getByLabel('Heatmap class').selectOption({ label: 'lesion' });
    await page.getByTestId('viewport').focus();
    await page.keyboard.press('Home');
    await index.filter({ hasText: 'Im 1/12' }).waitFor();
    await page.getByTestId('image-scores').locator('li').first().filter({ hasText: /^no lesion/ }).waitFor();
    // ...and its heatmap, on the series' scale, stays clear even at full opacity.
    await page.getByTestId('heatmap-opacity').fill('100');
    await expect.poll(async () => hottest((await viewportShot(page, 'workspace-heatmap-no-lesion')).png)[2], { timeout: 10_000 }).toBe(0);
    await page.getByTestId('heatmap-opacity').fill('45');

    // Cine plays through the stack and stops.
    await page.getByLabel('Cine frames per second').fill('20');
    await page.getByRole('button', { name: 'Play cine' }).click();
    await index.filter({ hasText: 'Im 4/12' }).waitFor();
    await page.keyboard.press('Space');
    await page.getByRole('button', { name: 'Play cine' }).waitFor();
    const stoppedAt = await index.textContent();
    await page.waitForTimeout(300);
    expect(await index.textContent()).toBe(stoppedAt);

    // Help overlay.
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor();
    await page.screenshot({ path: path.join(resultsDir(), 'workspace-help.png') });
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Keyboard shortcuts' }).waitFor({ state: 'detached' });

    // The Training tab (another engineer's panel) mounts beside the viewer with the current series.
    await page.getByRole('tab', { name: 'Training' }).click();
    await page.getByRole('tabpanel', { name: 'Training' }).waitFor();
    await page.screenshot({ path: path.join(resultsDir(), 'workspace-training-tab.png') });
    await page.getByRole('tab', { name: 'Classifier' }).click();
    await page.getByTestId('image-scores').waitFor();

    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});
