// Start training waits while the labelled data cannot be split by patient: before, two patients
// (one per class) let a run start that failed at once ("Training failed: The validation split
// is empty…"). Now the button is disabled with the reason under it, in every mode (image runs
// and series MIL runs refuse the same empty splits, electron/training/train.ts labelledSplit),
// and enabled again, in every mode, once the labels give every split patients: a run then
// starts and finishes. In Debian's Chromium against the real bridge, engine and library of
// phantoms, labelled from CSVs through the panel.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndOpenTraining, openApp, resultsDir, useUiSession } from '../support/browser';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';
import { settle } from '../support/hold-replies';

describe('Start training on a dataset the engine would refuse', () => {
  let set: PhantomSet;
  let dir = '';
  const session = useUiSession('lumen-cannot-start', (dataDir) => {
    dir = path.join(dataDir, 'incoming');
    set = writePhantomSet(dir, { patients: 5, slices: 2, size: 48, seed: 20 });
  });

  it('is disabled, saying why, until every split has patients; then a run starts', async () => {
    const { page, errors } = await openApp(session());
    const panel = await importAndOpenTraining(page, set.dir, 10);
    const start = panel.getByRole('button', { name: 'Start training' });
    const reason = panel.getByTestId('cannot-start');
    const mode = panel.getByLabel('Mode', { exact: true });
    const importCsv = async (name: string, rows: [number, string][], series: number) => {
      const file = path.join(dir, name);
      writeFileSync(file, ['SeriesInstanceUID,label', ...rows.map(([p, l]) => `${set.patients[p].seriesUid},${l}`)].join('\n') + '\n');
      await panel.getByLabel('Label CSV path').fill(file);
      await panel.getByRole('button', { name: 'Import CSV' }).click();
      await panel.getByRole('status').filter({ hasText: `Imported labels: ${series} series` }).waitFor({ timeout: 60_000 });
    };

    // Nothing labelled: the engine would refuse, and Start says so.
    await reason.filter({ hasText: 'no labelled images' }).waitFor({ timeout: 30_000 });
    expect(await start.isDisabled()).toBe(true);

    // Two patients, one per class: each class is all in train.
    await importCsv('two.csv', [[0, 'none'], [1, 'round']], 2);
    await panel.getByText('2 patients, 4 images; split by patient.').waitFor({ timeout: 30_000 });
    const why = 'Cannot start: the validation and test splits are empty (2 patients, split by patient). Label more patients: every split needs patients, and a class gets one in validation and test from 3 patients on.';
    for (const m of ['head', 'scratch', 'finetune', 'series']) {
      await mode.selectOption(m);
      await expect.poll(() => reason.textContent(), { timeout: 30_000 }).toBe(why);
      expect(await start.isDisabled(), m).toBe(true);
      expect(await start.getAttribute('title'), m).toBe(why);
    }
    await reason.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir(), 'training-cannot-start-f20.png') });
    // A click does nothing: no run, no "Training failed".
    await start.click({ force: true });
    await settle(page);
    expect(await panel.getByRole('status').allTextContents()).toEqual(['Imported labels: 2 series, 0 images, 0 studies.']);

    // Three more: "none" has 3 patients (one each to train, validation and test), "round" 2 (train).
    await importCsv('more.csv', [[2, 'none'], [3, 'round'], [4, 'none']], 3);
    await panel.getByText('5 patients, 10 images; split by patient.').waitFor({ timeout: 30_000 });
    for (const m of ['series', 'finetune', 'scratch', 'head']) {
      await mode.selectOption(m);
      await expect.poll(() => start.isDisabled(), { timeout: 30_000 }).toBe(false);
      expect(await reason.count(), m).toBe(0);
    }
    await panel.getByLabel('Backbone', { exact: true }).selectOption('custom-phi-10');
    await panel.getByLabel('Resolution', { exact: true }).fill('32');
    await panel.getByLabel('Epochs', { exact: true }).fill('1');
    await panel.getByLabel('Augment', { exact: true }).uncheck();
    await start.scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir(), 'training-can-start-f20.png') });
    await start.click();
    // The engine takes it: the run finishes (a refusal would say "Training failed").
    await panel.getByText(/^Package: .*my-classifier$/).or(panel.getByRole('status').filter({ hasText: 'Training failed' })).first().waitFor({ timeout: 240_000 });
    expect(await panel.getByRole('status').textContent()).toBe('Training finished.');
    expect(errors).toEqual([]);
    await page.close();
  }, 420_000);
});
