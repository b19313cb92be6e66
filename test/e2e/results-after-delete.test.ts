// "Results of a model" in the Training tab follows the Classifier panel's Delete… and its Undo, in
// Debian's Chromium through `lumen serve`'s bridge: the deleted package leaves the list, the view
// says it was deleted and offers the next one (not "Could not read the results of …"), and Undo
// brings it back, chosen again. Screenshots: test-results/results-after-delete-*.png.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { saveRandomHeadPackage } from '../support/tiny-package';

const preprocessing = { scale: 1 / 255, mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

describe('"Results of a model" after a package is deleted', () => {
  const hashes: Record<string, string> = {};
  const session = useUiSession('lumen-results-after-delete', async (dataDir) => {
    for (const [name, seed] of [['ankle', 3], ['chest', 4]] as const) {
      const meta = await saveRandomHeadPackage(path.join(dataDir, 'models', name), { inputSize: 32, seed, sd: 20, headSeed: 5 }, { name, classNames: ['normal', 'abnormal'], preprocessing });
      hashes[name] = meta.contentHash;
    }
  });

  it('drops the deleted package, says so and offers the next; Undo brings it back', async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    const training = page.getByRole('tabpanel', { name: 'Training' });
    const results = training.locator('.package-results');
    const select = results.getByLabel('Model package');
    const options = async () => (await select.locator('option').allTextContents()).map((t) => t.split(' · ')[0]);

    // Choose ankle and show what it recorded.
    await page.getByRole('tab', { name: 'Training' }).click();
    await results.scrollIntoViewIfNeeded();
    expect(await options()).toEqual(['ankle', 'chest']);
    await select.selectOption({ label: (await select.locator('option', { hasText: 'ankle' }).textContent())! });
    await results.getByRole('button', { name: 'Show results' }).click();
    await results.getByTestId('run-results').waitFor();

    // Delete ankle in the Classifier panel.
    await page.getByRole('tab', { name: 'Classifier' }).click();
    await page.getByRole('button', { name: `Delete ankle version 1 (#${hashes.ankle.slice(0, 12)})…` }).click();
    await page.getByTestId('package-delete-confirm').click();
    const notice = page.getByTestId('package-deleted');
    await notice.waitFor();

    // Back in Training: ankle is gone, the view says so, and chest is chosen instead.
    await page.getByRole('tab', { name: 'Training' }).click();
    const gone = results.getByTestId('package-results-deleted');
    await gone.waitFor({ timeout: 30_000 });
    expect(await gone.innerText()).toBe(`ankle #${hashes.ankle.slice(0, 8)} was deleted. Chosen instead: chest #${hashes.chest.slice(0, 8)}.`);
    expect(await options()).toEqual(['chest']);
    expect(await results.getByTestId('package-choice').innerText()).toContain(`#${hashes.chest.slice(0, 8)}`);
    // The deleted package's results are no longer shown; the next one's can be.
    expect(await results.getByTestId('run-results').count()).toBe(0);
    await gone.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir(), 'results-after-delete-gone.png') });
    await results.getByRole('button', { name: 'Show results' }).click();
    await results.getByTestId('run-results').filter({ hasText: 'chest' }).waitFor();
    expect(await results.getByRole('alert').count()).toBe(0);

    // Undo in the Classifier panel: ankle is listed again.
    await page.getByRole('tab', { name: 'Classifier' }).click();
    await notice.getByTestId('package-undo').click();
    await page.getByTestId('package-undone').waitFor();
    await page.getByRole('tab', { name: 'Training' }).click();
    await select.locator('option', { hasText: 'ankle' }).waitFor({ state: 'attached', timeout: 30_000 });
    expect(await options()).toEqual(['ankle', 'chest']);
    await results.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir(), 'results-after-delete-undone.png') });
    await select.selectOption({ label: (await select.locator('option', { hasText: 'ankle' }).textContent())! });
    await results.getByRole('button', { name: 'Show results' }).click();
    await results.getByTestId('run-results').filter({ hasText: 'ankle' }).waitFor();
    expect(await results.getByRole('alert').count()).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});
