// The Classifier panel's "Import a model package (.lumenpkg)" when the data folder's models/ is on
// a read-only disk (a real tmpfs remounted read-only, test/support/small-disk.ts): installing
// would fail, so the field and its button are disabled with the reason as tooltip and
// aria-description (as the study browser's Import), and a line under them says it; Delete… is
// disabled the same way; on the same disk while writable they are enabled. Screenshot: test-results/read-only-classifier.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, resultsDir, startUiSession } from '../support/browser';
import { runLumen } from '../support/cli';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { writePhantomSet } from '../training/phantoms';

const SIZE = 64;
const disk = smallDiskForTests('read-only-classifier', 32);

async function classifier(dataDir: string, check: (page: Page) => Promise<void>) {
  const ui = { ...(await startUiSession(dataDir)), dataDir };
  try {
    const { page, errors } = await openApp(ui);
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    await page.getByRole('tab', { name: 'Classifier' }).click();
    await page.locator('label.package').filter({ hasText: 'ro-tiny' }).waitFor({ timeout: 120_000 });
    await check(page);
    expect(errors).toEqual([]);
    await page.close();
  } finally {
    await ui.close();
  }
}

describe.skipIf(smallDiskSkip)(`the Classifier's package import on a read-only disk${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('is disabled, saying why, when models/ cannot be written; enabled when it can', async () => {
    const dataDir = path.join(disk.dir, 'data');
    const set = writePhantomSet(path.join(disk.dir, 'dicom'), { patients: 1, slices: 2, size: SIZE, seed: 31 });
    expect((await runLumen(['import', set.dir], dataDir)).code).toBe(0);
    const models = path.join(dataDir, 'models');
    mkdirSync(models, { recursive: true });
    await saveRandomHeadPackage(
      path.join(models, 'ro-tiny'),
      { inputSize: SIZE, seed: 3, sd: 20, headSeed: 5 },
      { name: 'ro-tiny', classNames: ['none', 'lesion'], preprocessing: { window: 'ct-abdomen', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } },
    );

    // Writable: the field takes a path and Import is offered.
    await classifier(dataDir, async (page) => {
      const field = page.getByLabel('Import a model package (.lumenpkg)');
      expect(await field.isDisabled()).toBe(false);
      await field.fill('/nowhere/x.lumenpkg');
      expect(await page.getByRole('button', { name: 'Import package' }).isDisabled()).toBe(false);
      expect(await page.getByTestId('package-import-read-only').count()).toBe(0);
      expect(await page.getByTestId('package-delete').isDisabled()).toBe(false);
    });

    // A second data folder on the same disk with no package yet: its "No classifier installed"
    // notice must not send the user to copy one into a folder that cannot take it.
    const emptyData = path.join(disk.dir, 'data-empty');
    expect((await runLumen(['import', set.dir], emptyData)).code).toBe(0);
    mkdirSync(path.join(emptyData, 'models'), { recursive: true });

    disk.readOnly();
    try {
      const ui = { ...(await startUiSession(emptyData)), dataDir: emptyData };
      try {
        const { page, errors } = await openApp(ui);
        await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
        await page.getByRole('tab', { name: 'Classifier' }).click();
        const note = page.getByTestId('no-classifier-read-only');
        await note.waitFor({ timeout: 120_000 });
        expect(await note.innerText()).toBe(`No package can be added here: the models folder ${path.join(emptyData, 'models')} is on a read-only disk. To train or add one, choose a data folder on a writable disk in Settings.`);
        expect(await page.getByTestId('no-classifier').innerText()).not.toContain('copy its folder');
        await page.screenshot({ path: path.join(resultsDir(), 'read-only-classifier-empty.png') });
        expect(errors).toEqual([]);
        await page.close();
      } finally {
        await ui.close();
      }

      await classifier(dataDir, async (page) => {
        const why = `Read-only: the models folder ${models} is on a read-only disk`;
        const field = page.getByLabel('Import a model package (.lumenpkg)');
        const button = page.getByRole('button', { name: 'Import package' });
        expect(await field.isDisabled()).toBe(true);
        expect(await button.isDisabled()).toBe(true);
        for (const control of [field, button]) {
          expect(await control.getAttribute('title')).toBe(why);
          expect(await control.getAttribute('aria-description')).toBe(why);
        }
        const note = page.getByTestId('package-import-read-only');
        expect(await note.innerText()).toBe(`No package can be imported: the models folder ${models} is on a read-only disk.`);
        // Nor can a package be deleted from there: Delete… says why instead of failing after the question.
        const del = page.getByTestId('package-delete');
        expect(await del.isDisabled()).toBe(true);
        expect(await del.getAttribute('title')).toBe(why);
        expect(await del.getAttribute('aria-description')).toBe(why);
        // The installed package still runs: its choice and Run stay.
        expect(await page.getByTestId('run-prediction').count()).toBe(1);
        await note.scrollIntoViewIfNeeded();
        await page.screenshot({ path: path.join(resultsDir(), 'read-only-classifier.png') });
        expect(await page.getByRole('alert').allTextContents()).toEqual([]);
      });
    } finally {
      disk.writable();
    }
  }, 600_000);
});
