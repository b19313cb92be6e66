// When the engine dies (a crash: host.crashForTest kills its process) the page says so, in
// Debian's Chromium through the browser bridge: what happened, that Lumen started it again,
// which job stopped with it, and that nothing stored was lost, which the test checks (the
// library and the installed packages read as before). The notice has role alert, is reached by
// Tab and dismissed by its button or Esc. Screenshot: test-results/engine-crash-notice.png.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { saveRandomHeadPackage } from '../support/tiny-package';
import { CT_PREPROCESSING, SLICE_SIZE, importOneCtSlice } from './one-ct-slice';

const SIZE = SLICE_SIZE;
const UID = '1.2.826.0.1.3680043.10.99.33';
const preprocessing = CT_PREPROCESSING;

describe('an engine crash', () => {
  const session = useUiSession('lumen-engine-crash', async (dataDir) => {
    await importOneCtSlice(dataDir, UID);
    await saveRandomHeadPackage(path.join(dataDir, 'models', 'knee'), { inputSize: SIZE, seed: 3, sd: 20, headSeed: 5 }, { name: 'knee', classNames: ['none', 'lesion'], preprocessing });
  });

  it('is told: what happened, the engine started again, the job it stopped, nothing stored lost', async () => {
    const { host } = session();
    const { page } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 240_000 });
    await page.getByTestId('series-card').first().click();
    await page.getByRole('tab', { name: 'Classifier' }).click();
    await page.locator('label.package').filter({ hasText: 'knee' }).waitFor({ timeout: 60_000 });
    const stored = async () => {
      const tree = await host.request('library.studies', {});
      const catalog = await host.request('models.catalog', {});
      if (!tree.ok || !catalog.ok) throw new Error('the engine did not answer');
      return { tree: tree.value, packages: (catalog.value as { packages: { contentHash: string }[] }).packages.map((p) => p.contentHash) };
    };
    const before = await stored();
    expect(await page.getByTestId('engine-crash').count()).toBe(0);

    // A long job runs; the engine is killed as a crash would.
    const job = await host.request('engine.sleepJob', { steps: 10_000, stepMs: 50 });
    expect(job.ok).toBe(true);
    const first = await host.request('engine.ping', { echo: 'before' });
    await host.crashForTest();
    const notice = page.getByRole('region', { name: 'Engine stopped' });
    await notice.getByRole('alert').filter({ hasText: 'Lumen started it again.' }).waitFor({ timeout: 120_000 });
    expect(await notice.getByRole('alert').innerText()).toBe(
      'The engine stopped (SIGKILL). Lumen started it again. A test job was running and stopped before it finished: start it again. Nothing stored was lost: the library, model packages and results saved before are as they were, and deleted packages can still be undone.',
    );
    // It was started again (a new process), and what was stored reads as before.
    const after = await host.request('engine.ping', { echo: 'after' });
    expect(first.ok && after.ok && (after.value as { pid: number }).pid !== (first.value as { pid: number }).pid).toBe(true);
    expect(await stored()).toEqual(before);
    await page.screenshot({ path: path.join(resultsDir(), 'engine-crash-notice.png') });

    // Tab reaches Dismiss; Esc from inside the notice closes it.
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    const dismiss = notice.getByRole('button', { name: 'Dismiss' });
    const focused = () => dismiss.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement);
    for (let i = 0; i < 80 && !(await focused()); i++) await page.keyboard.press('Tab');
    expect(await focused()).toBe(true);
    await page.keyboard.press('Escape');
    await notice.waitFor({ state: 'detached' });

    // A crash with no job: said too, and Dismiss closes it.
    await host.crashForTest();
    await notice.getByRole('alert').filter({ hasText: 'No job was running.' }).waitFor({ timeout: 120_000 });
    await dismiss.click();
    await notice.waitFor({ state: 'detached' });
    await page.close();
  }, 600_000);
});
