// Training from the UI, in Debian's Chromium against the real engine through the browser
// bridge: import a phantom study set, label a series from the keyboard, import labels from a
// CSV, train a tiny network from scratch (the engine's best backend here is wasm, which has no
// convolution gradients: the job runs on the cpu backend), then transfer its backbone to a
// head on cached features, picked in the panel, and read the test metrics.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';
import { trainFromTab, type TrainingForm } from './training-tab';

describe('training from the Training tab in Chromium through the bridge', () => {
  let set: PhantomSet;
  const session = useUiSession('lumen-training-ui', (dataDir) => {
    set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 24, slices: 2, seed: 21 });
  });

  const train = (page: Page, form: Pick<TrainingForm, 'name' | 'mode' | 'epochs' | 'weights'>) => trainFromTab(page, { variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', ...form });

  it('labels, imports labels, trains from scratch, transfers the backbone to a head and shows the test metrics', async () => {
    const { page, errors: consoleErrors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 180_000 });

    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '48 images imported' }).waitFor({ timeout: 180_000 });
    await page.getByTestId('series-card').first().click();
    await page.getByTestId('image-index').waitFor();
    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    await panel.waitFor();

    // Keyboard labelling: 1 gives the open series the first class.
    await page.getByTestId('viewport').click();
    await page.keyboard.press('1');
    await panel.getByRole('status').filter({ hasText: 'Labelled the series "normal".' }).waitFor();
    await panel.getByText('Current:').filter({ hasText: 'normal' }).waitFor();

    // A CSV labels every series (and replaces that label).
    await panel.getByLabel('Label CSV path').fill(set.csv);
    await panel.getByRole('button', { name: 'Import CSV' }).click();
    await panel.getByRole('status').filter({ hasText: 'Imported labels: 24 series' }).waitFor();
    await panel.getByText('24 patients, 48 images; split by patient.').waitFor();

    await train(page, { name: 'phantom-scratch', mode: 'scratch', epochs: '4' });
    await panel.getByRole('heading', { name: /^Test split \(\d+ images(, \d+ patients?)?\)$/ }).waitFor();
    expect(await panel.getByRole('img', { name: 'Training curves' }).count()).toBe(1);
    // The confusion matrix is drawn (common/plots): a cell per true and predicted class, with its count.
    const matrix = panel.getByRole('img', { name: /^Confusion matrix/ });
    const n = Number(/\((\d+) images/.exec((await panel.getByRole('heading', { name: /^Test split/ }).textContent())!)![1]);
    const cells = (await matrix.locator('[data-role="cell"] [data-role="count"]').allTextContents()).map(Number);
    expect(cells).toHaveLength(9);
    expect(cells.reduce((a, b) => a + b, 0)).toBe(n);
    await page.screenshot({ path: path.join(resultsDir(), 'training-scratch.png') });

    // Transfer: the scratch package is offered as backbone weights for the same variant.
    await train(page, { name: 'phantom-head', mode: 'head', epochs: '20', weights: /^phantom-scratch/ });
    expect(await panel.getByText(/^Package: .*phantom-head$/).count()).toBe(1);
    const metrics = panel.locator('table', { has: page.getByRole('columnheader', { name: 'Sens' }) });
    const aucCells = await metrics.locator('tbody tr td:last-child').allTextContents();
    expect(aucCells).toHaveLength(3);
    for (const a of aucCells) expect(Number(a)).toBeGreaterThan(0.5);
    await page.screenshot({ path: path.join(resultsDir(), 'training-head.png') });

    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 900_000);
});
