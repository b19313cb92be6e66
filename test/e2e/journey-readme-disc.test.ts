// A new user follows README.md ("Using Lumen" 2-6) with a disc that other software burned
// (test/e2e/external-dicom-disc.ts: dcmmkdir's DICOMDIR over 511×383 images in JPEG-LS, RLE,
// deflated, big endian, JPEG lossless, JPEG baseline 4:2:2 and JPEG 2000), in Debian's Chromium
// through `lumen serve`'s bridge and the real engine: import by typing the DICOMDIR's path, open
// each series and check it is drawn the right way up, scroll through the CT, run a package on
// it, export SR and Parametric Maps (read back by dsrdump, dcmdump and dciodvfy; Esc closes the
// dialog after Export), remove the study and undo (the scores come back in slice order).
// Screenshots: test-results/journey-disc-*.png.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { canvasPixels } from '../support/canvas';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { dciodvfy, dcmdump, dsrdump } from '../results/check';
import { writeDiscSet, type DiscSet } from './external-dicom-disc';

/** Mean red of the canvas in its top-left and bottom-right quarters of the drawn image's box. */
async function quarters(page: Page): Promise<{ topLeft: number; bottomRight: number; drawnWidth: number; drawnHeight: number }> {
  return page.evaluate(() => {
    const win = globalThis as unknown as { document: { querySelector(s: string): { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } } } };
    const c = win.document.querySelector('[data-testid="viewport"]');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    // The drawn box: rows and columns with any non-black pixel.
    let x0 = c.width, x1 = -1, y0 = c.height, y1 = -1;
    for (let y = 0; y < c.height; y++) {
      for (let x = 0; x < c.width; x++) {
        const i = (y * c.width + x) * 4;
        if (d[i] || d[i + 1] || d[i + 2]) {
          if (x < x0) x0 = x;
          if (x > x1) x1 = x;
          if (y < y0) y0 = y;
          if (y > y1) y1 = y;
        }
      }
    }
    const mean = (ax: number, ay: number, bx: number, by: number) => {
      let sum = 0, n = 0;
      for (let y = Math.floor(ay); y < by; y++) for (let x = Math.floor(ax); x < bx; x++) { sum += d[(y * c.width + x) * 4]; n++; }
      return n ? sum / n : -1;
    };
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    return {
      topLeft: mean(x0 + w * 0.05, y0 + h * 0.05, x0 + w * 0.2, y0 + h * 0.2),
      bottomRight: mean(x0 + w * 0.9, y0 + h * 0.9, x0 + w * 0.98, y0 + h * 0.98),
      drawnWidth: w,
      drawnHeight: h,
    };
  });
}

describe('a new user with a disc burned by other software', () => {
  let disc: DiscSet;
  const session = useUiSession('lumen-journey-disc', async (dataDir) => {
    disc = writeDiscSet(path.join(dataDir, 'cdrom'));
    // A model the user trained earlier (a random head whose scores differ on these images).
    await saveRandomHeadPackage(
      path.join(dataDir, 'models', 'my-classifier'),
      { inputSize: 64, seed: 3, sd: 2000, headSeed: 5 },
      { name: 'my-classifier', classNames: ['normal', 'abnormal'], preprocessing: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
    );
  });

  it('imports the DICOMDIR, views every kind the right way up, predicts, exports, removes and undoes', async () => {
    const { page, errors } = await openApp(session());
    let step = 0;
    const shot = async (name: string) => page.screenshot({ path: path.join(resultsDir(), `journey-disc-${String(++step).padStart(2, '0')}-${name}.png`) });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });

    // README 2: type a DICOMDIR and press Import.
    await page.getByLabel('Import a folder or file').fill(disc.dicomdir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: `${disc.files.length + disc.cine.frames - 1} images (${disc.files.length} files) imported` }).waitFor({ timeout: 180_000 });
    await shot('imported');
    const report = await page.getByTestId('import-report').innerText();
    expect(report).not.toMatch(/could not|failed|error/i);
    const study = (s: { shown: string }) => page.getByRole('listitem', { name: new RegExp(`^Study .*${s.shown}`) });
    for (const s of [disc.ct, disc.photo, disc.cine, disc.radiograph]) expect(await study(s).count(), s.shown).toBe(1);

    // README 3: each series opens at its first image, at its matrix, drawn the right way up.
    const open = async (s: { shown: string }, name: string) => {
      await study(s).getByTestId('series-card').first().click();
      await page.getByText(/511×383/).first().waitFor({ timeout: 60_000 }).catch(async (e: unknown) => {
        await shot(`${name}-failed`);
        throw e;
      });
      await expect.poll(async () => (await canvasPixels(page)).drawn, { timeout: 60_000 }).toBeGreaterThan(1000).catch(async (e: unknown) => {
        await shot(`${name}-not-drawn`);
        throw new Error(`${name} not drawn: ${errors.join(' | ')}`, { cause: e });
      });
      await page.waitForTimeout(500);
      await shot(name);
      expect(await page.getByRole('alert').allTextContents()).toEqual([]);
      return quarters(page);
    };

    const ct = await open(disc.ct, 'ct');
    // Bone (1200 HU) in the top-left block, air at the bottom right: white over black at W 400 L 40.
    expect(ct.topLeft).toBeGreaterThan(200);
    expect(ct.bottomRight).toBeLessThan(30);
    expect(ct.drawnWidth / ct.drawnHeight).toBeCloseTo(511 / 383, 1);
    // Scroll through every transfer syntax: each slice is drawn and the same way up.
    for (let i = 2; i <= disc.ct.series[0].images; i++) {
      await page.keyboard.press('ArrowDown');
      await page.getByTestId('image-index').filter({ hasText: `Im ${i}/${disc.ct.series[0].images}` }).waitFor({ timeout: 60_000 });
      await page.waitForTimeout(300);
      const q = await quarters(page);
      expect(q.topLeft, disc.ct.transferSyntaxes[i - 1]).toBeGreaterThan(200);
      expect(q.bottomRight, disc.ct.transferSyntaxes[i - 1]).toBeLessThan(30);
      await shot(`ct-${i}`);
    }

    await open(disc.photo, 'photo');
    const photoColour = await page.evaluate(() => {
      const win = globalThis as unknown as { document: { querySelector(s: string): { width: number; height: number; getContext(k: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } } } };
      const c = win.document.querySelector('[data-testid="viewport"]');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let red = 0, blue = 0;
      for (let i = 0; i < d.length; i += 4) {
        if (d[i] > 150 && d[i + 2] < 80) red++;
        if (d[i + 2] > 150 && d[i] < 80) blue++;
      }
      return { red, blue };
    });
    expect(photoColour.red).toBeGreaterThan(100);
    expect(photoColour.blue).toBeGreaterThan(photoColour.red);

    const cine = await open(disc.cine, 'cine');
    expect(cine.topLeft).toBeGreaterThan(cine.bottomRight);
    await page.getByTestId('image-index').filter({ hasText: /Fr 1\/3|1\/3/ }).first().waitFor({ timeout: 30_000 });
    await page.keyboard.press('ArrowDown');
    await page.waitForTimeout(800);
    await shot('cine-2');

    const cr = await open(disc.radiograph, 'radiograph');
    // MONOCHROME1: the block's high values show dark.
    expect(cr.topLeft).toBeLessThan(cr.bottomRight);

    // README 5: Run the package on the CT series (six transfer syntaxes, decoded on the pool):
    // scores per image and for the series, and the heatmap over the image.
    await study(disc.ct).getByTestId('series-card').click();
    await page.getByTestId('image-index').filter({ hasText: /^Im \d\/6/ }).waitFor({ timeout: 60_000 });
    const entry = page.locator('label.package').filter({ hasText: 'my-classifier' });
    await entry.waitFor({ timeout: 60_000 });
    await entry.locator('input[type="radio"]').check();
    await page.getByLabel('Predict on').selectOption('series');
    await page.getByTestId('run-prediction').click();
    await page.getByRole('heading', { name: /^Series \(6 images/ }).or(page.getByRole('alert')).first().waitFor({ timeout: 180_000 }).catch(async (e: unknown) => {
      await shot('predict-failed');
      throw e;
    });
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    expect(await page.getByRole('button', { name: /^Go to image with/ }).count()).toBe(6);
    await page.getByTestId('heatmap-opacity').fill('100');
    // (This random head's maps may hold no evidence over these slices: the overlay is then clear,
    // so what is checked is the control, not colours.)
    await page.getByLabel('Heatmap class').selectOption({ label: 'abnormal' });
    await page.getByText('Heatmap: abnormal').waitFor({ timeout: 30_000 });
    await shot('predicted');
    // H hides the heatmap and shows it again.
    const show = page.getByRole('checkbox', { name: /^Show \(H\)/ });
    expect(await show.isChecked()).toBe(true);
    await page.getByTestId('viewport').focus();
    await page.keyboard.press('h');
    await expect.poll(() => show.isChecked(), { timeout: 30_000 }).toBe(false);
    expect(await page.getByText('Heatmap: abnormal').count()).toBe(0);
    await page.keyboard.press('h');
    await expect.poll(() => show.isChecked(), { timeout: 30_000 }).toBe(true);

    // README 6: Export results… as DICOM SR with the heatmaps as Parametric Maps, read back by dcmtk and dicom3tools.
    const { dataDir } = session();
    await page.getByRole('button', { name: 'Export results…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export results' });
    await dialog.waitFor();
    const srDir = path.join(dataDir, 'exports', 'disc-sr');
    await dialog.getByLabel('Export to').fill(srDir);
    await dialog.getByRole('checkbox', { name: /with heatmaps/ }).check();
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    await dialog.getByTestId('export-done').or(dialog.getByRole('alert')).first().waitFor({ timeout: 120_000 });
    await shot('exported');
    expect(await dialog.getByRole('alert').allTextContents()).toEqual([]);
    const exported = readdirSync(srDir).sort();
    expect(exported.some((f) => f.startsWith('predictions-sr'))).toBe(true);
    // One Parametric Map per image, each naming the image it lies over.
    expect(exported.filter((f) => !f.startsWith('predictions-sr'))).toHaveLength(6);
    for (const f of exported) {
      const file = path.join(srDir, f);
      if (f.startsWith('predictions-sr')) expect(dsrdump(file)).toContain('Imaging Measurement Report');
      expect(dcmdump(file)).toContain(disc.ct.studyUid);
      expect(dciodvfy(file).errors, f).toEqual([]);
    }
    // Esc closes it, though the Export button that had the focus was disabled while it worked.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached', timeout: 10_000 });

    // README 2, removing a study: Delete on its header asks, naming what goes; Remove takes it
    // (the viewer closes it); Undo puts back exactly what went, predictions included.
    await study(disc.ct).locator('.study-head').focus();
    await page.keyboard.press('Delete');
    const question = page.getByRole('alertdialog');
    await expect.poll(() => question.textContent(), { timeout: 30_000 }).toMatch(/6 images.*The files stay on disk/);
    await shot('remove-asks');
    await question.getByRole('button', { name: 'Remove' }).click();
    await expect.poll(() => study(disc.ct).count(), { timeout: 30_000 }).toBe(0);
    await page.getByRole('heading', { name: 'No series open' }).waitFor({ timeout: 30_000 });
    await shot('removed');
    await page.getByTestId('remove-done').getByRole('button', { name: /^Undo removing study/ }).click();
    await expect.poll(() => study(disc.ct).count(), { timeout: 30_000 }).toBe(1);
    await study(disc.ct).getByTestId('series-card').click();
    await page.getByTestId('image-index').filter({ hasText: /^Im \d\/6/ }).waitFor({ timeout: 60_000 });
    await page.getByRole('heading', { name: /^Series \(6 images/ }).waitFor({ timeout: 60_000 });
    await shot('undone');
    // The scores came back from the library: the strip still runs in slice order, the bar of
    // the slice shown (the last) marked.
    const strip = page.locator('.strip .strip-bar');
    expect(await strip.count()).toBe(6);
    expect(await strip.evaluateAll((bars) => bars.map((b) => ((b as unknown as { getAttribute(n: string): string | null }).getAttribute('class') ?? '').split(' ').includes('current')))).toEqual([false, false, false, false, false, true]);
    await strip.first().click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/6' }).waitFor({ timeout: 30_000 });
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
