// "Results of a model" in the Training tab shows the results of the package Show was pressed for
// last. Before, each training.results answer was applied when it came: Show pressed for alpha and
// then for beta, alpha's answer arriving last replaced beta's, and as alpha is not the package
// chosen the panel then showed no results at all. In Debian's Chromium against the real bridge and
// engine, alpha's answer is held on the socket until beta's results are shown, then let through.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { holdReplies, settle } from '../support/hold-replies';

const preprocessing = { scale: 1 / 255, mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

describe('"Results of a model" when Show is pressed for two packages', () => {
  const session = useUiSession('lumen-results-late', async (dataDir) => {
    for (const [name, seed] of [['alpha', 3], ['beta', 4]] as const) {
      await saveRandomHeadPackage(path.join(dataDir, 'models', name), { inputSize: 32, seed, sd: 20, headSeed: 5 }, { name, classNames: ['normal', 'abnormal'], preprocessing });
    }
  });

  it('shows the results of the package asked for last', async () => {
    const { page, errors } = await openApp(session());
    const replies = await holdReplies(page);
    await page.reload();
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    const choice = panel.locator('.package-results');
    const select = choice.getByLabel('Model package');
    const choose = async (name: string) => select.selectOption({ label: (await select.locator('option', { hasText: name }).textContent())! });
    const shown = choice.getByTestId('run-results');

    await choose('alpha');
    replies.hold((r) => r.method === 'training.results' && String(r.input?.packageDir).endsWith('alpha'));
    await choice.getByRole('button', { name: 'Show results' }).click();
    await replies.held();
    replies.hold(null);
    await choose('beta');
    await choice.getByRole('button', { name: 'Show results' }).click();
    await shown.waitFor();

    // alpha's answer now, after beta's.
    replies.release();
    await settle(page);
    await choice.screenshot({ path: path.join(resultsDir(), 'package-results-late-a19.png') });
    expect(await choice.getByTestId('package-choice-name').textContent()).toBe('beta');
    expect(await shown.count()).toBe(1);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
