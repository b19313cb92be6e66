// "Label next" (issue #18, point 4) in Debian's Chromium against the real bridge and engine:
// a library with some series labelled and a small model package trained on them (prepared
// before the app starts), suggestions asked for in the Training tab, a suggested series
// opened by a click, labelled with a key, and the queue moving on to the next one.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../models/runtime';
import { Library } from '../../electron/library/library';
import { TrainingStore } from '../../electron/training/store';
import { trainClassifier } from '../../electron/training/train';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { writeLesionSeries, type WrittenSeries } from '../training/suggest-phantoms';

describe('the Label next queue in the Training tab', () => {
  let series: WrittenSeries[];
  const session = useUiSession('lumen-label-next', async (dataDir) => {
    // 18 patients: the first 10 labelled (obvious lesions in every other one), a head trained
    // on them; the 8 unlabelled ones hold no lesion or lesions from faint to obvious, so the
    // model is sure of some and unsure of others.
    const contrasts = [...Array.from({ length: 10 }, (_, i) => (i % 2 ? 120 : 0)), 0, 15, 0, 30, 45, 0, 120, 60];
    series = writeLesionSeries(path.join(dataDir, 'incoming'), contrasts.map((contrast) => ({ contrast })), { uidRoot: 93, prefix: 'LN' });
    await initBackend('cpu');
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      const report = await library.importPaths([path.join(dataDir, 'incoming')]);
      expect(report.errors).toEqual([]);
      const store = new TrainingStore(library);
      try {
        store.setLabels(series.slice(0, 10).map((s) => ({ targetKind: 'series' as const, targetUid: s.seriesUid, label: s.label })), 'tester');
      } finally {
        store.close();
      }
      await trainClassifier({
        library, out: path.join(dataDir, 'models', 'lesion-model'), name: 'lesion-model', variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', mode: 'head',
        augmentation: false, epochs: 30, seed: 2,
      });
    } finally {
      library.close();
    }
  });

  it('suggests unlabelled series, opens one on a click, and moves on once it is labelled', async () => {
    const { page, errors: consoleErrors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    const next = panel.getByRole('region', { name: 'Label next' });
    await next.getByLabel('Model for suggestions').locator('option', { hasText: 'lesion-model' }).waitFor({ state: 'attached', timeout: 30_000 });
    await next.getByRole('button', { name: 'Suggest' }).click();
    const queue = next.getByRole('list', { name: 'Series to label next' });
    await queue.waitFor({ timeout: 120_000 });
    await next.getByRole('status').filter({ hasText: '8 of 8 unlabelled series, most useful first (lesion-model).' }).waitFor();
    // The package has uncertainty heads: the queue says its uncertainty is their disagreement.
    await next.getByRole('status').filter({ hasText: "Uncertainty: how much the model's uncertainty heads disagree (mutual information)." }).waitFor();
    const items = queue.getByRole('button');
    expect(await items.count()).toBe(8);
    // Only the unlabelled series, each with its figures.
    const unlabelled = series.slice(10).map((s) => `Phantom series ${series.indexOf(s) + 1}`);
    const shown = (await queue.locator('.label-next-what').allTextContents()).map((t) => t.replace(/^CT /, ''));
    expect(shown.sort()).toEqual([...unlabelled].sort());
    for (const t of await queue.locator('.label-next-figures').allTextContents()) expect(t).toMatch(/^uncertainty \d\.\d\d · distance \d+\.\d\d$/);
    await panel.screenshot({ path: path.join(resultsDir(), 'label-next-queue.png') });

    // A click opens the first suggestion in the viewer: it is the open series now.
    const first = (await items.first().locator('.label-next-what').textContent())!;
    await items.first().click();
    await page.getByTestId('image-index').waitFor();
    await queue.locator('button[aria-current="true"]').filter({ hasText: first }).waitFor();
    // Key 1 labels it: it leaves the queue and the next suggestion opens.
    const second = (await items.nth(1).locator('.label-next-what').textContent())!;
    await page.getByTestId('viewport').click();
    await page.keyboard.press('Digit1');
    await next.getByRole('status').filter({ hasText: 'Labelled; opened the next suggestion (7 left).' }).waitFor();
    await expect.poll(() => items.count()).toBe(7);
    expect(await queue.getByText(first, { exact: true }).count()).toBe(0);
    await queue.locator('button[aria-current="true"]').filter({ hasText: second }).waitFor();
    await page.screenshot({ path: path.join(resultsDir(), 'label-next-moved-on.png') });

    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 300_000);
});
