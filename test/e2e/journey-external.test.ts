// A new user's journey in Debian's Chromium through `lumen serve`'s bridge and the real
// engine, with DICOM that other software made (test/e2e/external-dicom.ts: dcmtk and GDCM):
// the welcome card, import through the UI, the study list's names (Latin-1 and UTF-8),
// a two-series study, a multi-frame JPEG 2000 image on its slider, a colour JPEG in colour,
// a MONOCHROME1 image inverted, labels by key, a tiny model's predictions and heatmap on a
// series, a measurement, and the export. Screenshots: test-results/journey-external-*.png.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { dragOnViewport, openApp, resultsDir, useUiSession } from '../support/browser';
import { canvasPixels } from '../support/canvas';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { writeExternalSet, type ExternalSet } from './external-dicom';

const SIZE = 64;

/** What the viewport canvas shows at fractions (fx, fy) of its width and height: [r, g, b]. */
async function pixelAt(page: Page, fx: number, fy: number): Promise<number[]> {
  return page.evaluate(
    async ([x, y]) => {
      const win = globalThis as unknown as {
        requestAnimationFrame(callback: () => void): void;
        document: { querySelector(selector: string): { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } } };
      };
      await new Promise<void>((r) => win.requestAnimationFrame(() => win.requestAnimationFrame(r)));
      const c = win.document.querySelector('[data-testid="viewport"]');
      const d = c.getContext('2d').getImageData(Math.round(c.width * x), Math.round(c.height * y), 1, 1).data;
      return [d[0], d[1], d[2]];
    },
    [fx, fy] as const,
  );
}

/** Whether each select's chosen option fits in it (text, padding and the arrow), by the select's own font. */
async function selectsFit(page: Page, ids: string[]): Promise<Record<string, boolean>> {
  return page.evaluate((which) => {
    type Select = { clientWidth: number; selectedOptions: { text: string }[] };
    const win = globalThis as unknown as {
      document: { getElementById(id: string): Select; createElement(tag: 'canvas'): { getContext(kind: '2d'): { font: string; measureText(text: string): { width: number } } } };
      getComputedStyle(el: Select): { font: string; paddingLeft: string; paddingRight: string };
    };
    const ctx = win.document.createElement('canvas').getContext('2d');
    const out: Record<string, boolean> = {};
    for (const id of which) {
      const el = win.document.getElementById(id);
      const style = win.getComputedStyle(el);
      ctx.font = style.font;
      const needed = ctx.measureText(el.selectedOptions[0].text).width + parseFloat(style.paddingLeft) + parseFloat(style.paddingRight) + 18;
      out[id] = needed <= el.clientWidth;
    }
    return out;
  }, ids);
}

describe('a new user with DICOM from dcmtk and GDCM', () => {
  let set: ExternalSet;
  const session = useUiSession('lumen-journey-external', async (dataDir) => {
    set = writeExternalSet(path.join(dataDir, 'incoming'));
    // A tiny two-class package (weights untrained, the head random).
    await saveRandomHeadPackage(
      path.join(dataDir, 'models', 'tiny'),
      { inputSize: SIZE, seed: 3, sd: 20, headSeed: 5 },
      { name: 'tiny', classNames: ['normal', 'finding'], preprocessing: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
    );
  });

  it('imports, views, labels, predicts, measures and exports what other software made', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    let step = 0;
    const shot = async (name: string) => page.screenshot({ path: path.join(resultsDir(), `journey-external-${String(++step).padStart(2, '0')}-${name}.png`) });
    const engineReady = () => page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await engineReady();

    // The welcome card: Esc closes a dialog first, then the card, which does not come back.
    const welcome = page.getByRole('region', { name: 'Welcome to Lumen' });
    await welcome.waitFor({ timeout: 60_000 });
    // The backbone it advises, by the name the Training tab lists (checked there below).
    const advised = /backbone “([^”]+)”/.exec((await welcome.textContent()) ?? '')?.[1];
    expect(advised).toBeTruthy();
    await shot('welcome');
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: /shortcuts/i });
    await help.waitFor();
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
    expect(await welcome.isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await welcome.waitFor({ state: 'detached' });
    const settingsFile = path.join(dataDir, 'settings.json');
    // Kept once the engine takes the request: at start it may first be busy for a while (the
    // catalog's backend start and package hashing) on a loaded machine; settings requests wait
    // as long as the app lets them (engine/host.ts, HEAVY).
    await expect.poll(() => existsSync(settingsFile) && JSON.parse(readFileSync(settingsFile, 'utf8')).welcomeDismissed, { timeout: 150_000 }).toBe(true);
    await page.reload();
    await engineReady();
    await page.getByText('No series open').waitFor();
    await page.waitForTimeout(1000);
    expect(await welcome.count()).toBe(0);

    // Import through the Studies panel.
    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '13 images (9 files) imported' }).waitFor({ timeout: 120_000 });
    await shot('imported');

    // The names as written, in Latin-1 and in UTF-8; one study of two series.
    const list = page.getByTestId('study-list');
    const names = () => list.locator('span.strong').allTextContents();
    await expect.poll(names, { timeout: 30_000 }).toEqual(expect.arrayContaining([set.latin1.shown, set.multiframe.shown, set.colour.shown, set.monochrome1.shown]));
    const study = (p: { shown: string }) => page.getByRole('listitem', { name: new RegExp(`^Study .*${p.shown}`) });
    expect(await study(set.latin1).getByTestId('series-card').count()).toBe(2);
    expect(await list.getByTestId('series-card').count()).toBe(5);
    // Searching in lower case finds names with other letters too.
    const search = page.getByLabel('Search studies');
    await search.fill('łukasz');
    await expect.poll(names, { timeout: 30_000 }).toEqual([set.multiframe.shown]);
    await search.fill('MÜLLER');
    await expect.poll(names, { timeout: 30_000 }).toEqual([set.latin1.shown]);
    await search.fill('');
    await expect.poll(async () => (await names()).length, { timeout: 30_000 }).toBe(4);

    // The compressed series: JPEG lossless, RLE and JPEG-LS, one image each, all drawn.
    await study(set.latin1).getByTestId('series-card').filter({ hasText: 'CORONAL' }).click();
    for (let i = 1; i <= 3; i++) {
      await page.getByTestId('image-index').filter({ hasText: `Im ${i}/3` }).waitFor({ timeout: 60_000 });
      await expect.poll(async () => (await canvasPixels(page)).drawn, { timeout: 30_000 }).toBeGreaterThan(1000);
      if (i < 3) await page.keyboard.press('ArrowDown');
    }
    expect(await page.locator('.corner.tl').innerText()).toContain(set.latin1.shown);
    expect(await page.getByRole('alert').count()).toBe(0);
    await shot('two-series');

    // Multi-frame JPEG 2000: five frames on the slider; the disc moves into the centre on frame 3.
    await study(set.multiframe).getByTestId('series-card').click();
    await page.getByTestId('image-index').filter({ hasText: `Im 1/${set.multiframe.frames}` }).waitFor({ timeout: 60_000 });
    await expect.poll(async () => (await canvasPixels(page)).drawn, { timeout: 30_000 }).toBeGreaterThan(1000);
    expect((await pixelAt(page, 0.5, 0.5))[0]).toBeLessThan(100);
    await page.getByLabel('Image in series').fill('3');
    await page.getByTestId('image-index').filter({ hasText: `Im 3/${set.multiframe.frames}` }).waitFor({ timeout: 30_000 });
    await expect.poll(async () => (await pixelAt(page, 0.5, 0.5))[0], { timeout: 30_000 }).toBeGreaterThan(200);
    expect(await page.locator('.corner.tl').innerText()).toContain(set.multiframe.shown);
    // Cine and its speed are on screen, not past the viewer's edge.
    const viewerBox = (await page.getByRole('region', { name: 'Image viewer' }).boundingBox())!;
    for (const control of [page.getByRole('button', { name: 'Play cine' }), page.getByLabel('Cine frames per second')]) {
      const box = (await control.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(viewerBox.x + viewerBox.width);
    }
    await shot('multiframe');

    // Colour JPEG (YBR_FULL_422): shown in colour, the green disc green.
    const colourCard = study(set.colour).getByTestId('series-card');
    // No Series Number in this file: the card and its spoken name leave it out, and one image is "1 image".
    expect(await colourCard.getAttribute('aria-label')).toBe('XC, 1 image, PHOTO, open series');
    expect(await colourCard.innerText()).not.toContain('S–');
    await colourCard.click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/1' }).waitFor({ timeout: 60_000 });
    // One image: no cine to play.
    expect(await page.getByRole('button', { name: 'Play cine' }).count()).toBe(0);
    await expect.poll(async () => (await canvasPixels(page)).coloured, { timeout: 30_000 }).toBeGreaterThan(1000);
    const [r, g, b] = await pixelAt(page, 0.5, 0.5);
    expect(g).toBeGreaterThan(r + 80);
    expect(g).toBeGreaterThan(b + 80);
    await shot('colour');

    // MONOCHROME1: the disc of high values dark, the background light; the corner text readable on it.
    await study(set.monochrome1).getByTestId('series-card').click();
    await expect.poll(() => page.locator('.corner.tl').innerText(), { timeout: 60_000 }).toContain(set.monochrome1.shown);
    await expect.poll(async () => (await pixelAt(page, 0.5, 0.12))[0], { timeout: 30_000 }).toBeGreaterThan(200);
    expect((await pixelAt(page, 0.5, 0.5))[0]).toBeLessThan(40);
    const corner = PNG.sync.read(await page.locator('.corner.tl').screenshot());
    let luminance = 0;
    for (let i = 0; i < corner.data.length; i += 4) luminance += 0.299 * corner.data[i] + 0.587 * corner.data[i + 1] + 0.114 * corner.data[i + 2];
    // White text on white would average over 200; on its dark backing far less.
    expect(luminance / (corner.data.length / 4)).toBeLessThan(160);
    await shot('monochrome1');

    // Labels by key: 2 gives "abnormal", and 1 still means "normal" afterwards.
    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    const keys = () => panel.getByRole('list', { name: 'Label keys' }).innerText();
    await expect.poll(keys, { timeout: 30_000 }).toMatch(/1\s*normal[\s\S]*2\s*abnormal/);
    await page.keyboard.press('2');
    await panel.getByText(/^Current: abnormal/).waitFor({ timeout: 30_000 });
    await study(set.colour).getByTestId('series-card').click();
    await panel.getByText(/^Current: unlabelled/).waitFor({ timeout: 30_000 });
    await expect.poll(keys, { timeout: 30_000 }).toMatch(/1\s*normal[\s\S]*2\s*abnormal/);
    await page.keyboard.press('1');
    await panel.getByText(/^Current: normal/).waitFor({ timeout: 30_000 });
    await shot('labelled');
    const backbones = await panel.getByLabel('Backbone', { exact: true }).locator('option').allTextContents();
    expect(backbones).toContain(advised);
    // The form's choices are read whole, not cut at the panel's edge.
    expect(await selectsFit(page, ['tp-variant', 'tp-weights', 'tp-mode', 'tp-window'])).toEqual({ 'tp-variant': true, 'tp-weights': true, 'tp-mode': true, 'tp-window': true });
    const mode = panel.getByLabel('Mode', { exact: true });
    for (const value of ['scratch', 'finetune', 'series', 'head']) {
      await mode.selectOption(value);
      expect(await selectsFit(page, ['tp-mode']), value).toEqual({ 'tp-mode': true });
    }
    // Two patients are too few to train on: Start waits, saying so in words.
    await panel.getByLabel('Resolution', { exact: true }).fill('64');
    await panel.getByLabel('Epochs', { exact: true }).fill('1');
    await panel.getByTestId('cannot-start').filter({ hasText: 'Cannot start: the validation and test splits are empty (2 patients, split by patient). Label more patients' }).waitFor({ timeout: 60_000 });
    expect(await panel.getByRole('button', { name: 'Start training' }).isDisabled()).toBe(true);
    await panel.getByTestId('cannot-start').scrollIntoViewIfNeeded();
    await shot('train-too-few');

    // The model on the multi-frame series: scores per frame and for the series, and the heatmap.
    await page.getByRole('tab', { name: 'Classifier' }).click();
    await study(set.multiframe).getByTestId('series-card').click();
    await page.getByTestId('image-index').filter({ hasText: `Im 3/${set.multiframe.frames}` }).waitFor({ timeout: 60_000 });
    const entry = page.locator('label.package').filter({ hasText: 'tiny' });
    await entry.waitFor({ timeout: 60_000 });
    await entry.locator('input[type="radio"]').check();
    await page.getByLabel('Predict on').selectOption('series');
    await page.getByTestId('run-prediction').click();
    await page.getByRole('heading', { name: new RegExp(`^Series \\(${set.multiframe.frames} images`) }).or(page.getByRole('alert')).first().waitFor({ timeout: 120_000 });
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    expect(await page.getByTestId('image-scores').locator('li').count()).toBe(2);
    expect(await page.getByRole('button', { name: /^Go to image with/ }).count()).toBe(set.multiframe.frames);
    await page.getByTestId('heatmap-opacity').fill('100');
    let heat = false;
    for (const cls of ['finding', 'normal']) {
      await page.getByLabel('Heatmap class').selectOption({ label: cls });
      await page.getByText(`Heatmap: ${cls}`).waitFor();
      if ((await canvasPixels(page)).coloured > 500) {
        heat = true;
        break;
      }
    }
    expect(heat).toBe(true);
    await shot('predicted');

    // A length measurement on the frame.
    await page.getByRole('button', { name: 'Length', exact: true }).click();
    await dragOnViewport(page, [0.3, 0.5], [0.7, 0.5]);
    // GDCM wrote no pixel spacing: the length is in pixels, and says so.
    await page.getByTestId('measurements').filter({ hasText: /Length 1: [\d.]+ px \(no pixel spacing\)/ }).waitFor({ timeout: 30_000 });
    await shot('measured');

    // Export the series' predictions as a table.
    await page.getByRole('button', { name: 'Export results…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Export results' });
    await dialog.waitFor();
    await dialog.getByLabel('A table (CSV or JSON)').check();
    // Into a folder that does not exist yet: Lumen makes it.
    const csv = path.join(dataDir, 'exports', 'predictions.csv');
    await dialog.getByLabel('Export to').fill(csv);
    await dialog.getByRole('button', { name: 'Export', exact: true }).click();
    // Five frames, two classes: ten rows, each naming the series.
    await dialog.getByTestId('export-done').filter({ hasText: 'Wrote 10 rows' }).waitFor({ timeout: 60_000 });
    await shot('exported');
    const rows = readFileSync(csv, 'utf8').trim().split(/\r?\n/);
    expect(rows).toHaveLength(11);
    for (const row of rows.slice(1)) expect(row).toContain(set.multiframe.series[0].uid);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
