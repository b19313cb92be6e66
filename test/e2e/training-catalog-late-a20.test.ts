// "Results of a model" in the Training tab lists the packages the data folder holds now, whatever
// order the catalog's answers come in. The panel reads the catalog in two places: with the
// dataset (a seed typed, labels changed) and on models.changed (a package imported, deleted or put
// back in the Classifier panel). Before, neither was ordered against the other: a dataset read
// answered before a package was deleted, but arriving after the read that followed the delete, put
// the deleted package back in the list (offered to Show, its folder gone). In Debian's Chromium
// against the real bridge and engine, the dataset's catalog answer is held on the socket while
// knee is deleted in the Classifier panel and the list drops it, then let through.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { holdReplies, settle } from '../support/hold-replies';

const preprocessing = { scale: 1 / 255, mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

describe('"Results of a model" when a package is deleted while the dataset is read', () => {
  const hashes: Record<string, string> = {};
  const session = useUiSession('lumen-catalog-late', async (dataDir) => {
    for (const [name, seed] of [['knee', 3], ['hip', 4]] as const) {
      hashes[name] = (await saveRandomHeadPackage(path.join(dataDir, 'models', name), { inputSize: 32, seed, sd: 20, headSeed: 5 }, { name, classNames: ['normal', 'abnormal'], preprocessing })).contentHash;
    }
  });

  it('does not list the deleted package again when an older catalog answer comes late', async () => {
    const { page, errors } = await openApp(session());
    const replies = await holdReplies(page);
    await page.reload();
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    const training = page.getByRole('tab', { name: 'Training' });
    await training.click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    const choice = panel.locator('.package-results');
    const listed = async () => (await choice.getByLabel('Model package').locator('option').allTextContents()).map((t) => t.split(' · ')[0]).sort();
    // The first catalog read probes the runtimes: slow on a busy machine.
    await expect.poll(listed, { timeout: 120_000 }).toEqual(['hip', 'knee']);

    // A seed typed: the dataset is read again, the catalog last; that catalog answer is held.
    let first = true;
    replies.hold((r) => r.method === 'models.catalog' && first && !(first = false));
    await panel.getByLabel('Seed', { exact: true }).fill('2');
    await replies.held();
    replies.hold(null);

    // knee deleted in the Classifier panel: models.changed, the Training panel reads the catalog again.
    await page.getByRole('tab', { name: 'Classifier' }).click();
    const label = `knee version 1 (#${hashes.knee.slice(0, 12)})`;
    await page.getByRole('button', { name: `Delete ${label}…` }).click();
    const question = page.getByRole('alertdialog', { name: `Delete ${label}?` });
    await question.filter({ hasText: 'No stored predictions in the library name it.' }).waitFor({ timeout: 60_000 });
    await question.getByTestId('package-delete-confirm').click();
    await page.getByTestId('package-deleted').getByRole('status').filter({ hasText: 'Deleted knee version 1' }).waitFor();
    await training.click();
    await expect.poll(listed, { timeout: 60_000 }).toEqual(['hip']);

    // The catalog answer read before the delete now, after the one read since.
    replies.release();
    await settle(page);
    await choice.screenshot({ path: path.join(resultsDir(), 'training-catalog-late-a20.png') });
    expect(await listed()).toEqual(['hip']);
    expect(await choice.getByTestId('package-choice-name').textContent()).toBe('hip');
    expect(errors).toEqual([]);
    await page.close();
  }, 360_000);
});
