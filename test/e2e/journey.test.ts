// The README's whole journey in Debian's Chromium against the real engine (issue #13):
// import, label from a CSV chosen in the Training tab, train a tiny network from scratch,
// then a head on that backbone; each new package is in the Classifier panel as soon as its
// run ends; Run on this image and on the series shows scores and the heatmap. The same for
// a package trained with `lumen train` and for one imported as a .lumenpkg.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { Library } from '../../electron/library/library';
import { importLabelsCsvFile } from '../../electron/training/labels';
import { trainClassifier } from '../../electron/training/train';
import { exportPackageArchive } from '../../models/package';
import { initBackend } from '../../models/runtime';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { canvasPixels } from '../support/canvas';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';
import { trainFromTab, type TrainingForm } from './training-tab';

const repo = path.resolve(__dirname, '../..');
/**
 * Tiny and fast: compound scaling phi = -10, the phantom window, at the phantoms' 64 px
 * (the last feature maps are 2x2 cells: at 32 px one cell would colour the whole image).
 */
const TINY = { variant: 'custom-phi-10', resolution: 64, window: 'ct-abdomen' } as const;

describe('the user journey in Chromium through the bridge', () => {
  let set: PhantomSet;
  let sharedArchive: string;
  const session = useUiSession('lumen-journey', async (dataDir) => {
    set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 24, slices: 2, seed: 21 });
    // A colleague's package: trained by Lumen on another workstation (its own library), shared as one file.
    await initBackend('cpu');
    const elsewhere = Library.open(path.join(dataDir, 'colleague', 'library'));
    try {
      await elsewhere.importPaths([set.dir]);
      importLabelsCsvFile(elsewhere, set.csv);
      const shared = path.join(dataDir, 'colleague', 'shared-head');
      await trainClassifier({ library: elsewhere, out: shared, name: 'shared-head', ...TINY, mode: 'head', epochs: 5, augmentation: false, seed: 2 });
      sharedArchive = path.join(dataDir, 'colleague', 'shared-head.lumenpkg');
      await exportPackageArchive(shared, sharedArchive);
    } finally {
      elsewhere.close();
    }
  });

  const train = (page: Page, form: Pick<TrainingForm, 'name' | 'mode' | 'epochs' | 'weights'>) => trainFromTab(page, { ...TINY, ...form });

  /**
   * In the Classifier tab: the package is listed (no reload pressed), and Run on this image,
   * then on the series, shows its scores and a heatmap drawn on the image.
   */
  async function runPackage(page: Page, name: string, shot: string) {
    await page.getByRole('tab', { name: 'Classifier' }).click();
    const entry = page.locator('label.package').filter({ hasText: name });
    await entry.waitFor({ timeout: 30_000 });
    await entry.locator('input[type="radio"]').check();
    const model = page.getByText(new RegExp(`^Model ${name} #`));
    const failed = page.getByRole('alert');

    await page.getByLabel('Predict on').selectOption('image');
    await page.getByTestId('run-prediction').click();
    await model.or(failed).first().waitFor({ timeout: 120_000 });
    expect(await failed.allTextContents()).toEqual([]);
    await page.getByTestId('image-scores').waitFor();
    expect(await page.getByTestId('image-scores').locator('li').count()).toBe(3);

    await page.getByLabel('Predict on').selectOption('series');
    await page.getByTestId('run-prediction').click();
    await page.getByRole('heading', { name: /^Series \(2 images/ }).or(failed).first().waitFor({ timeout: 120_000 });
    expect(await failed.allTextContents()).toEqual([]);
    await page.getByTestId('series-scores').waitFor();

    // The heatmap, at full opacity, for a class with positive evidence on this image.
    await page.getByTestId('heatmap-opacity').fill('100');
    let shown = false;
    for (const cls of ['round', 'elongated', 'none']) {
      await page.getByLabel('Heatmap class').selectOption({ label: cls });
      await page.getByText(`Heatmap: ${cls}`).waitFor();
      const px = await canvasPixels(page);
      if (px.coloured > 500) {
        shown = true;
        break;
      }
    }
    expect(shown).toBe(true);
    await page.getByTestId('heatmap-opacity').fill('45');
    expect((await canvasPixels(page)).coloured).toBeGreaterThan(500);
    await page.screenshot({ path: path.join(resultsDir(), `${shot}.png`) });
  }

  it('imports, labels from a CSV, trains, and runs every package Lumen trained, with scores and heatmap', async () => {
    const { dataDir } = session();
    const { page, errors: consoleErrors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });

    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '48 images imported' }).waitFor({ timeout: 120_000 });
    // A round-lesion patient's series: its lesion is what a heatmap should light up.
    const round = set.patients.find((p) => p.label === 'round')!;
    await page.getByLabel('Search studies').fill(round.patientId);
    await page.getByRole('listitem', { name: new RegExp(`^Study .*${round.patientId}`) }).getByTestId('series-card').click();
    await page.locator('.corner.tl').filter({ hasText: round.patientId }).waitFor();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/2' }).waitFor();
    await page.getByTestId('no-classifier').waitFor({ timeout: 60_000 });

    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    await panel.getByLabel('Label CSV path').fill(set.csv);
    await panel.getByRole('button', { name: 'Import CSV' }).click();
    await panel.getByRole('status').filter({ hasText: 'Imported labels: 24 series' }).waitFor();

    await train(page, { name: 'journey-scratch', mode: 'scratch', epochs: '2' });
    await runPackage(page, 'journey-scratch', 'journey-scratch');

    await page.getByRole('tab', { name: 'Training' }).click();
    await train(page, { name: 'journey-head', mode: 'head', epochs: '8', weights: /^journey-scratch/ });
    await runPackage(page, 'journey-head', 'journey-head');

    // `lumen train` from a terminal into the data folder while the app is open: listed after a reload.
    const cli = await promisify(execFile)(
      process.execPath,
      [path.join(repo, 'bin/lumen.mjs'), 'train', '--library', path.join(dataDir, 'library'), '--labels', set.csv, '--variant', TINY.variant, '--resolution', String(TINY.resolution), '--window', TINY.window, '--epochs', '5', '--seed', '3', '--no-augment', '--out', path.join(dataDir, 'models', 'cli-head'), '--json'],
      { cwd: repo, env: { ...process.env, LUMEN_DATA_DIR: dataDir }, maxBuffer: 64 * 1024 * 1024 },
    );
    expect(JSON.parse(cli.stdout).package.contentHash).toMatch(/^[0-9a-f]{64}$/);
    await page.getByRole('tab', { name: 'Classifier' }).click();
    await page.getByRole('button', { name: 'Reload models' }).click();
    await runPackage(page, 'cli-head', 'journey-cli');

    // A colleague's .lumenpkg, imported in the panel.
    await page.getByLabel('Import a model package (.lumenpkg)').fill(sharedArchive);
    await page.getByRole('button', { name: 'Import package' }).click();
    await page.getByText(/^Imported shared-head/).waitFor();
    await runPackage(page, 'shared-head', 'journey-imported');

    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 900_000);
});
