// The Classifier's Run on a library on a read-only disk (a copied library on a disc, a locked
// share: a real tmpfs remounted read-only, test/support/small-disk.ts). Run is not disabled; the
// scores, series result and heatmap are shown with one plain note that they were not stored (the
// disk is read-only) and go when Lumen closes; the study browser's notice says models run. The
// shown scores are the package's own (those `lumen predict` prints on the same library; the
// engine test, test/engine/read-only-predict.test.ts, checks they equal the writable library's).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PredictionResult } from '../../common/contract/models';
import { resultsDir } from '../support/browser';
import { runLumen } from '../support/cli';
import { onReadOnlyDisk } from '../support/read-only-app';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { saveRandomHeadPackage } from '../support/tiny-package';
import type { PhantomSet } from '../training/phantoms';

const SIZE = 64;
const disk = smallDiskForTests('read-only-predict-app', 32);

describe.skipIf(smallDiskSkip)(`the Classifier on a read-only library${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('Run shows the scores, series result and heatmap with a note that they were not stored', async () => {
    const packageDir = (dataDir: string) => path.join(dataDir, 'models', 'ro-tiny');
    let scores: PredictionResult | undefined;
    const percent = (s: number[]) => s.map((v) => `${(v * 100).toFixed(1)}%`);
    const writable = async (dataDir: string) => {
      mkdirSync(path.join(dataDir, 'models'), { recursive: true });
      await saveRandomHeadPackage(
        packageDir(dataDir),
        { inputSize: SIZE, seed: 3, sd: 20, headSeed: 5 },
        { name: 'ro-tiny', classNames: ['none', 'lesion'], preprocessing: { window: 'ct-abdomen', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
      );
    };
    const readOnly = async (dataDir: string, set: PhantomSet) => {
      const cli = await runLumen(['predict', '--model', packageDir(dataDir), '--library', path.join(dataDir, 'library'), '--series', set.patients[0].seriesUid, '--json'], dataDir);
      expect(cli.code, cli.stderr).toBe(0);
      scores = JSON.parse(cli.stdout) as PredictionResult;
    };
    await onReadOnlyDisk(disk, { slices: 3, size: SIZE, seed: 31 }, { writable, readOnly }, async ({ page, set }) => {
      const series = set.patients[0];
      const notice = page.getByTestId('read-only-notice');
      await notice.waitFor({ timeout: 60_000 });
      expect(await notice.textContent()).toBe('This library is on a read-only disk: you can view it and run models on it (their results are not stored), but not import, label or change it.');
      await page.getByTestId('series-card').first().click();
      await page.getByTestId('image-index').filter({ hasText: 'Im 1/3' }).waitFor({ timeout: 60_000 });
      await page.getByRole('tab', { name: 'Classifier' }).click();
      await page.locator('label.package').filter({ hasText: 'ro-tiny' }).locator('input[type="radio"]').check();
      await page.getByLabel('Predict on').selectOption('series');
      const run = page.getByTestId('run-prediction');
      expect(await run.isDisabled()).toBe(false);
      await run.focus();
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: /^Series \(3 images/ }).waitFor({ timeout: 180_000 });
      const note = page.getByTestId('result-not-stored');
      expect(await note.textContent()).toBe('These scores were not stored in the library, because its disk is read-only; they will be gone when Lumen closes.');
      expect(await page.getByRole('alert').allTextContents()).toEqual([]);
      // The shown image's scores are the package's.
      const first = scores!.images.find((im) => im.sopInstanceUid === series.sops[0])!;
      expect((await page.getByTestId('image-scores').locator('.score-value').allTextContents()).sort()).toEqual(percent(first.scores).sort());
      expect(await page.getByRole('button', { name: /^Go to image with/ }).count()).toBe(3);
      // The heatmap (from the engine's memory, like the scores) is there for the class chosen.
      await page.getByLabel('Heatmap class').selectOption({ label: 'lesion' });
      await page.getByText('Heatmap: lesion').waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(resultsDir(), 'read-only-predict.png') });

      // After a reload the engine's kept result for the series comes back (predict.latest), note and all.
      await page.reload();
      await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
      await page.getByTestId('series-card').first().click();
      await page.getByRole('tab', { name: 'Classifier' }).click();
      await page.locator('label.package').filter({ hasText: 'ro-tiny' }).locator('input[type="radio"]').check();
      await page.getByRole('heading', { name: /^Series \(3 images/ }).waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('result-not-stored').textContent()).toContain('not stored in the library');
    });
  }, 500_000);
});
