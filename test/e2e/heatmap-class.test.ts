// After training with the app's default labels ("1 normal", "2 abnormal"), the viewer's heatmap,
// the per-image score strip and the run's ROC curve start on the right class, in Debian's Chromium
// against the real engine through the browser bridge. A package is trained on phantoms labelled
// "normal" / "abnormal" (head mode, tiny backbone, 64 px so its heatmap is 2×2 cells): its classes
// are ["normal", "abnormal"], the positive class second. On a series it scored, the heatmap is of
// each image's top class and says so ("Heatmap: abnormal (top class)"), following the top class as
// the user scrolls until a class is picked, which then stays; the strip ranks images by
// "abnormal"; the Training tab's ROC curve is of "abnormal". Screenshots:
// test-results/heatmap-class-top.png, -picked.png, -strip.png and -roc.png.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { trainClassifier } from '../../electron/training/train';
import { initBackend } from '../../models/runtime';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { writePhantomSet } from '../training/phantoms';

const NAME = 'default-labels';

describe('the heatmap, the strip and the ROC curve after training with the default labels', () => {
  let trainedClasses: string[] = [];
  const session = useUiSession('lumen-heatmap-class', async (dataDir) => {
    await initBackend('cpu');
    const set = writePhantomSet(path.join(dataDir, 'incoming', 'phantoms'), { patients: 24, slices: 3, seed: 33 });
    const csv = path.join(dataDir, 'labels.csv');
    writeFileSync(csv, ['PatientID,SeriesInstanceUID,label', ...set.patients.map((p) => `${p.patientId},${p.seriesUid},${p.label === 'none' ? 'normal' : 'abnormal'}`)].join('\n') + '\n');
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      expect((await library.importPaths([set.dir])).errors).toEqual([]);
      importLabelsCsvFile(library, csv, { author: 'tester' });
      const r = await trainClassifier({ library, out: path.join(dataDir, 'models', NAME), name: NAME, variant: 'custom-phi-10', resolution: 64, window: 'ct-abdomen', mode: 'head', augmentation: false, epochs: 3, seed: 2 });
      trainedClasses = r.classNames;
    } finally {
      library.close();
    }
  });

  /** The shown image's class names, best first, as "This image" lists them. */
  const imageTop = async (page: Page) => ((await page.getByTestId('image-scores').locator('.score-name').first().textContent()) ?? '').trim();
  const heatCorner = (page: Page) => page.locator('.heat-label');
  const heatSelect = (page: Page) => page.getByLabel('Heatmap class');
  const selectedText = (page: Page, label: string) => page.getByLabel(label, { exact: true }).evaluate((s) => (s as unknown as { selectedOptions: { textContent: string }[] }).selectedOptions[0]?.textContent ?? '');

  it('start on the top class and the positive class "abnormal"; a picked class stays', async () => {
    expect(trainedClasses).toEqual(['normal', 'abnormal']);
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 180_000 });
    await page.getByTestId('series-card').first().click({ timeout: 60_000 });
    await page.getByTestId('image-index').filter({ hasText: /^Im 1\/3/ }).waitFor({ timeout: 60_000 });
    const classifier = page.getByRole('tabpanel', { name: 'Classifier' });
    await classifier.getByRole('radio', { name: new RegExp(NAME) }).check();
    await classifier.getByTestId('run-prediction').click();
    await page.getByTestId('image-scores').waitFor({ timeout: 120_000 });
    await page.getByTestId('heatmap-opacity').fill('100');

    // Each image's heatmap is of its own top class, and the corner and the select say so.
    const viewport = page.getByTestId('viewport');
    for (let i = 1; i <= 3; i++) {
      await page.getByTestId('image-index').filter({ hasText: new RegExp(`^Im ${i}/3`) }).waitFor();
      await expect.poll(() => imageTop(page), { timeout: 30_000 }).toMatch(/^(normal|abnormal)$/);
      const top = await imageTop(page);
      await heatCorner(page).filter({ hasText: `Heatmap: ${top} (top class)` }).waitFor({ timeout: 30_000 });
      expect(await selectedText(page, 'Heatmap class')).toBe(`${top} (top class)`);
      if (i === 1) await page.screenshot({ path: path.join(resultsDir(), 'heatmap-class-top.png') });
      await viewport.focus();
      if (i < 3) await page.keyboard.press('ArrowDown');
    }

    // A class picked stays as the user scrolls, whatever each image's top class is.
    await heatSelect(page).selectOption({ label: 'abnormal' });
    await heatCorner(page).filter({ hasText: /^Heatmap: abnormal$/ }).waitFor({ timeout: 30_000 });
    await viewport.focus();
    await page.keyboard.press('Home');
    await page.getByTestId('image-index').filter({ hasText: /^Im 1\/3/ }).waitFor();
    await heatCorner(page).filter({ hasText: /^Heatmap: abnormal$/ }).waitFor({ timeout: 30_000 });
    expect(await selectedText(page, 'Heatmap class')).toBe('abnormal');
    await page.screenshot({ path: path.join(resultsDir(), 'heatmap-class-picked.png') });
    // ...until "top class" is chosen again.
    const top1 = await imageTop(page);
    await heatSelect(page).selectOption({ index: 0 });
    await heatCorner(page).filter({ hasText: `Heatmap: ${top1} (top class)` }).waitFor({ timeout: 30_000 });

    // The strip ranks the series' images by "abnormal", and another class can be chosen for it.
    const strip = page.getByRole('group', { name: 'abnormal score per image' });
    await strip.waitFor();
    expect(await selectedText(page, 'Score per image')).toBe('abnormal');
    const bars = strip.locator('.strip-bar');
    expect(await bars.count()).toBe(3);
    for (const bar of await bars.all()) expect(await bar.getAttribute('aria-label')).toMatch(/^Go to image with \d+% abnormal$/);
    await page.getByTestId('strip-class').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir(), 'heatmap-class-strip.png') });
    await page.getByLabel('Score per image', { exact: true }).selectOption({ label: 'normal' });
    await page.getByRole('group', { name: 'normal score per image' }).waitFor();

    // The Training tab: the run's ROC curve is of "abnormal", the positive class.
    await page.getByRole('tab', { name: 'Training' }).click();
    const view = page.getByRole('tabpanel', { name: 'Training' }).locator('.package-results');
    await view.scrollIntoViewIfNeeded();
    const choice = view.getByLabel('Model package');
    await choice.selectOption({ label: (await choice.locator('option', { hasText: NAME }).textContent())! });
    await view.getByRole('button', { name: 'Show results' }).click();
    const results = view.getByTestId('run-results');
    await results.getByTestId('test-figures').waitFor({ timeout: 60_000 });
    expect(await selectedText(page, 'ROC curve of class')).toBe('abnormal');
    const roc = results.getByTestId('roc-plot');
    expect(await roc.locator('[data-role="curve"]').getAttribute('data-series')).toBe('abnormal');
    expect(await roc.locator('[data-role="legend"] text').first().textContent()).toMatch(/^abnormal/);
    await results.getByTestId('roc-class').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir(), 'heatmap-class-roc.png') });
    expect(errors).toEqual([]);
  }, 600_000);
});
