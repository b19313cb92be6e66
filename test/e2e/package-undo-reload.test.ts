// A package deleted in the Classifier panel can still be undone after the page is reloaded (lumen
// serve, or a reload of the app's window): the notice with Undo lived in the page, the deletion
// waits in the data folder until the app session ends, and the panel lists this session's
// deletions again (models.deletedPackages) under "Deleted in this session", each with Undo. In
// Debian's Chromium through the browser bridge. Screenshots: test-results/package-undo-reload-*.png.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { CT_PREPROCESSING, SLICE_SIZE, importOneCtSlice } from './one-ct-slice';

const SIZE = SLICE_SIZE;
const UID = '1.2.826.0.1.3680043.10.99.32';
const preprocessing = CT_PREPROCESSING;

const hashOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8')).contentHash as string;

describe('undoing a package delete after a page reload', () => {
  const hashes: Record<string, string> = {};
  const session = useUiSession('lumen-package-undo-reload', async (dataDir) => {
    await importOneCtSlice(dataDir, UID);
    for (const [name, seed] of [['knee', 3], ['hip', 4]] as const) {
      hashes[name] = (await saveRandomHeadPackage(path.join(dataDir, 'models', name), { inputSize: SIZE, seed, sd: 20, headSeed: 5 }, { name, classNames: ['none', 'lesion'], preprocessing })).contentHash;
    }
  });

  it('offers Undo again under "Deleted in this session", from the keyboard', async () => {
    const { dataDir } = session();
    const models = path.join(dataDir, 'models');
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    await page.getByTestId('series-card').first().click();
    await page.getByRole('tab', { name: 'Classifier' }).click();

    const deleteOne = async (name: string) => {
      const label = `${name} version 1 (#${hashes[name].slice(0, 12)})`;
      await page.getByRole('button', { name: `Delete ${label}…` }).click();
      const question = page.getByRole('alertdialog', { name: `Delete ${label}?` });
      await question.filter({ hasText: 'No stored predictions in the library name it.' }).waitFor({ timeout: 60_000 });
      await question.getByTestId('package-delete-confirm').click();
      await page.getByTestId('package-deleted').getByRole('status').filter({ hasText: `Deleted ${name} version 1 #${hashes[name].slice(0, 12)} (${name}).` }).waitFor();
    };
    await deleteOne('knee');
    // The second delete's notice takes the first's place: the first stays offered in the list.
    await deleteOne('hip');
    const recent = page.getByRole('region', { name: 'Deleted in this session' });
    await recent.filter({ hasText: `Deleted knee version 1 #${hashes.knee.slice(0, 12)} (knee).` }).waitFor();
    expect(existsSync(path.join(models, 'knee')) || existsSync(path.join(models, 'hip'))).toBe(false);
    expect(readdirSync(path.join(dataDir, 'deleted-packages'))).toHaveLength(2);

    // The page is reloaded: the notice is gone, both deletions are offered, newest first.
    await page.reload();
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    await page.getByTestId('series-card').first().click();
    await page.getByRole('tab', { name: 'Classifier' }).click();
    await recent.waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('package-deleted').count()).toBe(0);
    expect(await recent.getByRole('listitem').allInnerTexts()).toEqual([
      `Deleted hip version 1 #${hashes.hip.slice(0, 12)} (hip).\nUndo`,
      `Deleted knee version 1 #${hashes.knee.slice(0, 12)} (knee).\nUndo`,
    ]);
    await page.screenshot({ path: path.join(resultsDir(), 'package-undo-reload-listed.png') });

    // Undo knee from the keyboard: its button is named Undo and described by what it puts back.
    const kneeUndo = recent.getByRole('button', { name: 'Undo', description: `Deleted knee version 1 #${hashes.knee.slice(0, 12)} (knee).` });
    await kneeUndo.focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('package-undone').filter({ hasText: 'Put back knee.' }).waitFor({ timeout: 60_000 });
    await page.locator('label.package').filter({ hasText: `#${hashes.knee.slice(0, 12)}` }).waitFor();
    expect(hashOf(path.join(models, 'knee'))).toBe(hashes.knee);
    await recent.getByRole('listitem').filter({ hasText: 'knee' }).waitFor({ state: 'detached' });
    expect(await recent.getByRole('listitem').allInnerTexts()).toEqual([`Deleted hip version 1 #${hashes.hip.slice(0, 12)} (hip).\nUndo`]);
    await page.screenshot({ path: path.join(resultsDir(), 'package-undo-reload-undone.png') });
    expect(readdirSync(path.join(dataDir, 'deleted-packages'))).toHaveLength(1);
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});
