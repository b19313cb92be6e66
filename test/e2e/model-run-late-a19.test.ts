// A Run's answer belongs to the package it ran: when the user chose another package while it ran,
// the results shown are the chosen package's (none yet), not the first one's. Before, the run's
// result was applied whenever it came, so the Classifier panel showed package alpha's scores with
// beta's radio checked, and the heatmap was asked of beta for images only alpha had scored. In
// Debian's Chromium against the real bridge and engine, the reply that names alpha's job is held
// on the socket (its end waits with it) until beta is chosen, then let through.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession, viewerReady } from '../support/browser';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';
import { holdReplies, settle } from '../support/hold-replies';

const preprocessing = { scale: 1 / 255, mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

describe('a Run when another package is chosen before it ends', () => {
  let set: PhantomSet;
  const hashes: Record<string, string> = {};
  const session = useUiSession('lumen-run-late', async (dataDir) => {
    set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 1, slices: 2, size: 48, seed: 75 });
    for (const [name, seed] of [['alpha', 3], ['beta', 4]] as const) {
      const meta = await saveRandomHeadPackage(path.join(dataDir, 'models', name), { inputSize: 32, seed, sd: 20, headSeed: 5 }, { name, classNames: ['normal', 'abnormal'], preprocessing });
      hashes[name] = meta.contentHash;
    }
  });

  it("shows the chosen package's results, not the earlier package's run ending late", async () => {
    const { page, errors } = await openApp(session());
    const replies = await holdReplies(page);
    await page.reload();
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '2 images imported' }).waitFor({ timeout: 60_000 });
    await page.locator(`.series-card[data-series="${set.patients[0].seriesUid}"]`).click();
    await viewerReady(page);
    const choose = (name: string) => page.locator('label.package', { hasText: name }).getByRole('radio');
    await choose('alpha').check();
    await page.getByLabel('Predict on').selectOption('series');

    replies.hold((r) => r.method === 'predict.run' && r.input?.packageHash === hashes.alpha);
    await page.getByTestId('run-prediction').click();
    await replies.held();
    replies.hold(null);
    await choose('beta').check();
    // beta has no stored result for this series: the panel asks, and shows none.
    await expect.poll(() => replies.sent.some((r) => r.method === 'predict.latest' && r.input?.packageHash === hashes.beta)).toBe(true);
    await settle(page);
    expect(await page.getByTestId('result-model').count()).toBe(0);

    // alpha's run is named, and ends, now.
    replies.release();
    await page.getByTestId('run-prediction').and(page.locator(':enabled')).waitFor();
    await settle(page);
    expect(await choose('beta').isChecked()).toBe(true);
    await page.screenshot({ path: path.join(resultsDir(), 'model-run-late-a19.png') });
    expect(await page.getByTestId('result-model').count()).toBe(0);
    expect(await page.getByTestId('image-scores').count()).toBe(0);
    // No heatmap of beta was asked for an image beta never scored.
    expect(replies.sent.filter((r) => r.method === 'predict.cam' && r.input?.packageHash === hashes.beta)).toEqual([]);

    // alpha chosen again: its run on this series was kept, and shows.
    await choose('alpha').check();
    await page.getByTestId('result-model').filter({ hasText: `#${hashes.alpha.slice(0, 12)}` }).waitFor();
    await page.getByTestId('image-scores').waitFor();
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);
});
