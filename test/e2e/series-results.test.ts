// A series-head package's training results in the Training tab, in Debian's Chromium against
// the real engine through the browser bridge: picked under "Results of a model", the test
// split is counted in series, its temperature scaling is shown, and the plots (training
// curves, ROC, reliability, confusion matrix) are drawn from the series evaluation the run
// recorded, as an image run's are. Screenshot: test-results/series-results.png.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { trainSeriesClassifier, type SeriesTrainResult } from '../../electron/training/mil-train';
import { initBackend } from '../../models/runtime';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { writeMilPhantoms } from '../training/mil-phantoms';

const EPOCHS = 8;

describe("a series-head package's results in the Training tab", () => {
  let trained: SeriesTrainResult;
  const session = useUiSession('lumen-series-results', async (dataDir) => {
    await initBackend('cpu');
    const set = writeMilPhantoms(path.join(dataDir, 'incoming'), { patients: 12, seriesPerPatient: 2, slices: 4, lesionSlices: 1, seed: 9 });
    const library = Library.open(path.join(dataDir, 'library'));
    try {
      expect((await library.importPaths([set.dir])).errors).toEqual([]);
      importLabelsCsvFile(library, set.csv, { author: 'tester' });
      trained = await trainSeriesClassifier({ library, out: path.join(dataDir, 'models', 'series-run'), name: 'series-run', variant: 'custom-phi-10', resolution: 32, window: 'ct-abdomen', seed: 3, epochs: EPOCHS, patience: 0 });
    } finally {
      library.close();
    }
  });

  it('counts the test split in series, shows the calibration and draws the plots of the series evaluation', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    try {
      await page.getByRole('tab', { name: 'Training' }).click();
      const panel = page.getByRole('tabpanel', { name: 'Training' });
      const picker = panel.getByLabel('Model package');
      await picker.locator('option', { hasText: 'series-run' }).waitFor({ state: 'attached', timeout: 60_000 });
      await picker.selectOption({ label: (await picker.locator('option', { hasText: 'series-run' }).textContent())! });
      await panel.getByRole('button', { name: 'Show results' }).click();
      const results = panel.locator('.package-results').getByTestId('run-results');
      await results.waitFor();

      const n = trained.test.n;
      expect(await results.getByRole('heading', { name: /^Test split/ }).textContent()).toMatch(new RegExp(`^Test split \\(${n} series(, \\d+ patients?)?\\)$`));
      expect(await results.textContent()).toContain(`ROC AUC ${trained.test.auc.toFixed(3)}`);
      const c = trained.calibration;
      // 12 patients' series leave fewer than 20 validation series: T = 1 is kept, and the line
      // says why (CALIBRATION_MINIMUM in models/training/calibration.ts).
      expect(c.applied).toBe(false);
      expect(await results.getByTestId('calibration').textContent()).toBe(`Not calibrated (T = 1): the validation split has ${c.validation.n} series, fewer than the 20 a temperature is fitted on (ECE ${c.validation.eceBefore.toFixed(3)})`);

      // The series run's epochs, its ROC and reliability, and a confusion matrix of its series.
      const curves = results.getByRole('img', { name: 'Training curves' });
      expect(await curves.locator('polyline[data-series="training loss"]').count()).toBe(1);
      expect(((await curves.locator('polyline[data-series="training loss"]').getAttribute('points')) ?? '').trim().split(/\s+/)).toHaveLength(EPOCHS);
      expect(await results.getByRole('img', { name: /^ROC curves?$/ }).locator('polyline[data-role="curve"]').count()).toBe(1);
      expect(await results.getByRole('img', { name: 'Reliability diagram' }).locator('rect[data-role="bar"]').count()).toBeGreaterThan(0);
      const cells = (await results.getByRole('img', { name: /^Confusion matrix/ }).locator('[data-role="cell"] [data-role="count"]').allTextContents()).map(Number);
      expect(cells).toHaveLength(4);
      expect(cells.reduce((a, b) => a + b, 0)).toBe(n);
      expect(await results.textContent()).not.toMatch(/This package holds/);
      await results.screenshot({ path: path.join(resultsDir(), 'series-results.png') });
    } catch (err) {
      await page.screenshot({ path: path.join(resultsDir(), 'series-results-failure.png') });
      throw err;
    }
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});
