// The plots of a finished training run in the Training tab, in Debian's Chromium against the
// real engine through the browser bridge: train a tiny head on phantoms (one class named like
// markup), then check in the DOM that the training curves, the ROC with its band, the
// reliability diagram and the confusion matrix are drawn with their axes, that a package picked
// under "Results of a model" shows the same, and that the report opens from the results.
// Screenshots go to test-results/training-plots-*.png.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { writePhantomSet } from '../training/phantoms';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';

const HOSTILE = '<img src=x onerror=alert(1)>';
const EPOCHS = 6;

describe('training plots in the Training tab', () => {
  // Imported and labelled before the engine starts (import and labels have their own tests);
  // the training runs from the app.
  const session = useUiSession('lumen-training-plots', async (dataDir) => {
    const set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 24, slices: 2, seed: 21 });
    // The "elongated" class gets a name that would be markup if anything put it into HTML unescaped.
    const csv = path.join(dataDir, 'labels.csv');
    writeFileSync(csv, ['PatientID,SeriesInstanceUID,label', ...set.patients.map((p) => `${p.patientId},${p.seriesUid},"${p.label === 'elongated' ? HOSTILE : p.label}"`)].join('\n') + '\n');
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      expect((await library.importPaths([set.dir])).errors).toEqual([]);
      expect(importLabelsCsvFile(library, csv).labelled.series).toBe(24);
    } finally {
      library.close();
    }
  });

  const texts = (plot: Locator, selector: string) => plot.locator(selector).allTextContents();
  /** An SVG text's drawn text (its own, or its lines' tspans), without its tooltip (the <title> child). */
  const ownTexts = (plot: Locator, selector: string) =>
    plot.locator(selector).evaluateAll((els) => els.map((e) => Array.from((e as unknown as { childNodes: ArrayLike<{ nodeType: number; nodeName: string; textContent: string | null }> }).childNodes).filter((c) => c.nodeType === 3 || c.nodeName === 'tspan').map((c) => c.textContent).join('')));
  const pointCount = async (plot: Locator, series: string) => ((await plot.locator(`polyline[data-series="${series}"]`).getAttribute('points')) ?? '').trim().split(/\s+/).filter(Boolean).length;

  /** Every plot of one results view, checked in the DOM; returns the test split's image count. */
  async function checkPlots(results: Locator): Promise<number> {
    const curves = results.getByRole('img', { name: 'Training curves' });
    expect(await texts(curves, '[data-role="tick"][data-axis="x"]')).toEqual([...Array.from({ length: EPOCHS }, (_, i) => String(i + 1)), ...Array.from({ length: EPOCHS }, (_, i) => String(i + 1))]);
    expect((await texts(curves, '[data-role="tick"][data-axis="y"]')).slice(-6)).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1']);
    expect(await texts(curves, '[data-role="axis-label"]')).toEqual(['Loss', 'Epoch', 'ROC AUC']);
    for (const series of ['training loss', 'validation loss', 'validation ROC AUC']) expect(await pointCount(curves, series), series).toBe(EPOCHS);

    const roc = results.getByRole('img', { name: /^ROC curves?$/ });
    expect(await texts(roc, '[data-role="tick"][data-axis="x"]')).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1']);
    expect(await texts(roc, '[data-role="tick"][data-axis="y"]')).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1']);
    // Three classes: one curve against the rest each, each over its 95% band.
    expect(await roc.locator('polyline[data-role="curve"]').count()).toBe(3);
    expect(await roc.locator('polygon[data-role="band"]').count()).toBe(3);
    expect(await roc.locator('[data-role="legend"] text').filter({ hasText: '<img src=x onerror=' }).count()).toBe(1);

    const reliability = results.getByRole('img', { name: 'Reliability diagram' });
    expect(await reliability.locator('rect[data-role="bar"]').count()).toBeGreaterThan(0);
    expect(await reliability.locator('[data-role="diagonal"]').count()).toBe(1);
    expect(await texts(reliability, '[data-role="title"]')).toEqual([expect.stringMatching(/^Reliability · ECE \d\.\d{3}$/)]);

    const n = Number(/\((\d+) images/.exec((await results.getByRole('heading', { name: /^Test split/ }).textContent())!)![1]);
    const matrix = results.getByRole('img', { name: /^Confusion matrix/ });
    const cells = (await matrix.locator('[data-role="cell"] [data-role="count"]').allTextContents()).map(Number);
    expect(cells).toHaveLength(9);
    expect(cells.reduce((a, b) => a + b, 0)).toBe(n);
    for (const share of await texts(matrix, '[data-role="share"]')) expect(share).toMatch(/^(\d{1,3}%|–)$/);
    // A long name is shown whole (wrapped between its parts where it must); its tooltip holds it too.
    expect(await ownTexts(matrix, '[data-role="row-label"]')).toEqual(expect.arrayContaining(['none', 'round', HOSTILE]));
    expect(await texts(matrix, '[data-role="row-label"] title')).toContain(HOSTILE);
    // The class name is text, never an element.
    expect(await results.locator('img').count()).toBe(0);
    return n;
  }

  it('draws the curves, the ROC band, the reliability diagram and the confusion matrix, and opens the report', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1440, height: 900 });
    // A loaded machine (CI, or many tests at once) may take a while to start the engine.
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 180_000 });
    try {
      await trainAndCheck(page);
    } catch (err) {
      await page.screenshot({ path: path.join(resultsDir(), 'training-plots-failure.png') });
      throw err;
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 900_000);

  async function trainAndCheck(page: Page) {
    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    await panel.getByText('24 patients, 48 images; split by patient.').waitFor({ timeout: 60_000 });
    await panel.getByLabel('Name', { exact: true }).fill('plots-head');
    await panel.getByLabel('Backbone', { exact: true }).selectOption('custom-phi-10');
    await panel.getByLabel('Mode', { exact: true }).selectOption('head');
    await panel.getByLabel('Resolution', { exact: true }).fill('32');
    await panel.getByLabel('Window', { exact: true }).selectOption('ct-abdomen');
    await panel.getByLabel('Epochs', { exact: true }).fill(String(EPOCHS));
    await panel.getByRole('button', { name: 'Start training' }).click();
    const done = panel.getByText(/^Package: .*plots-head$/).or(panel.getByRole('status').filter({ hasText: 'Training failed' }));
    await done.first().waitFor({ timeout: 420_000 });
    expect(await panel.getByRole('status').textContent()).toBe('Training finished.');

    // The finished run's results: only its own curves (the live ones give way to them).
    const results = panel.locator('.run-view').getByTestId('run-results');
    expect(await panel.getByRole('img', { name: 'Training curves' }).count()).toBe(1);
    const n = await checkPlots(results);
    expect(n).toBeGreaterThan(0);
    const shots = resultsDir();
    await results.getByRole('img', { name: 'Training curves' }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'training-plots-panel.png') });
    await results.getByRole('img', { name: /^ROC curves?$/ }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'training-plots-roc.png') });
    await results.getByRole('img', { name: /^Confusion matrix/ }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'training-plots-matrix.png') });
    await results.getByRole('img', { name: 'Training curves' }).screenshot({ path: path.join(shots, 'training-plots-curves.png') });

    // The same package picked under "Results of a model": read back from the package.
    await panel.getByLabel('Model package').selectOption({ label: (await panel.getByLabel('Model package').locator('option', { hasText: 'plots-head' }).textContent())! });
    await panel.getByRole('button', { name: 'Show results' }).click();
    const picked = panel.locator('.package-results').getByTestId('run-results');
    await picked.waitFor();
    expect(await checkPlots(picked)).toBe(n);
    await picked.getByRole('img', { name: /^ROC curves?$/ }).scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'training-plots-package.png') });

    // The report opens from the results, in its sandboxed frame, with the same plots.
    await results.getByRole('button', { name: 'Open report' }).click();
    const dialog = page.getByRole('dialog', { name: 'Training report' });
    const frame = dialog.frameLocator('iframe[title="Training report"]');
    await frame.getByRole('img', { name: /^ROC curves?$/ }).waitFor();
    expect(await frame.locator('svg[aria-label="Training curves"] polyline[data-series="training loss"]').count()).toBe(1);
    expect(await frame.locator('polygon[data-role="band"]').count()).toBe(3);
    expect(await frame.locator('img').count()).toBe(0);
    await page.screenshot({ path: path.join(shots, 'training-plots-report.png') });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
  }
});
