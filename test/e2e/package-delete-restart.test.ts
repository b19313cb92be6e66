// A package deleted in the Classifier panel can be undone after the engine crashed and was
// started again, in Debian's Chromium through the browser bridge: Undo lasts the app session,
// not the engine's. The engine process is killed (host.crashForTest) while the notice with
// Undo shows; the next request starts a new engine, and Undo puts the package back.
// Screenshots: test-results/package-delete-restart-*.png.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { CT_PREPROCESSING, SLICE_SIZE, importOneCtSlice } from './one-ct-slice';

const SIZE = SLICE_SIZE;
const UID = '1.2.826.0.1.3680043.10.99.31';
const preprocessing = CT_PREPROCESSING;

const hashOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, 'metadata.json'), 'utf8')).contentHash as string;

describe('undoing a package delete after the engine restarted', () => {
  let hash = '';
  const session = useUiSession('lumen-package-delete-restart', async (dataDir) => {
    await importOneCtSlice(dataDir, UID);
    hash = (await saveRandomHeadPackage(path.join(dataDir, 'models', 'knee'), { inputSize: SIZE, seed: 3, sd: 20, headSeed: 5 }, { name: 'knee', classNames: ['none', 'lesion'], preprocessing })).contentHash;
  });

  it('keeps Undo working across an engine crash in the same session', async () => {
    const { host, dataDir } = session();
    const models = path.join(dataDir, 'models');
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    await page.getByTestId('series-card').first().click();
    await page.getByRole('tab', { name: 'Classifier' }).click();

    await page.getByRole('button', { name: `Delete knee version 1 (#${hash.slice(0, 12)})…` }).click();
    const question = page.getByRole('alertdialog', { name: `Delete knee version 1 (#${hash.slice(0, 12)})?` });
    await question.filter({ hasText: 'No stored predictions in the library name it.' }).waitFor({ timeout: 60_000 });
    expect(await question.innerText()).toContain('Undo stays offered until Lumen closes; then the folder is removed for good.');
    await question.getByTestId('package-delete-confirm').click();
    const notice = page.getByTestId('package-deleted');
    await notice.waitFor();
    expect(await notice.getByRole('status').innerText()).toBe(`Deleted knee version 1 #${hash.slice(0, 12)} (knee).`);
    await page.getByTestId('no-classifier').waitFor();
    expect(existsSync(path.join(models, 'knee'))).toBe(false);
    const waiting = readdirSync(path.join(dataDir, 'deleted-packages'));
    expect(waiting).toHaveLength(1);

    // The engine crashes while the notice shows; the next request starts a new one.
    const before = await host.request('engine.ping', { echo: 'before' });
    await host.crashForTest();
    const after = await host.request('engine.ping', { echo: 'after' });
    expect(before.ok && after.ok).toBe(true);
    if (before.ok && after.ok) expect((after.value as { pid: number }).pid).not.toBe((before.value as { pid: number }).pid);
    expect(readdirSync(path.join(dataDir, 'deleted-packages'))).toEqual(waiting);
    // The page says the engine stopped and was started again (EngineCrashNotice); then it is dismissed.
    const crashNotice = page.getByRole('region', { name: 'Engine stopped' });
    await crashNotice.getByRole('alert').filter({ hasText: 'deleted packages can still be undone' }).waitFor({ timeout: 60_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'package-delete-restart-deleted.png') });
    await crashNotice.getByRole('button', { name: 'Dismiss' }).click();

    // Undo, from the keyboard: the package is back and chosen.
    await notice.getByTestId('package-undo').focus();
    await page.keyboard.press('Enter');
    await page.getByTestId('package-undone').filter({ hasText: 'Put back knee.' }).waitFor({ timeout: 60_000 });
    await page.locator('label.package').filter({ hasText: `#${hash.slice(0, 12)}` }).waitFor();
    expect(hashOf(path.join(models, 'knee'))).toBe(hash);
    expect(readdirSync(path.join(dataDir, 'deleted-packages'))).toEqual([]);
    await page.screenshot({ path: path.join(resultsDir(), 'package-delete-restart-undone.png') });
    expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 600_000);
});
