// A library imported before Lumen read Imager Pixel Spacing (schema 26), opened by this Lumen in
// Debian's Chromium against the real bridge and engine: the engine reads its X-ray images' spacing
// after opening it, in turns (electron/library/imager-spacing.ts), and the study browser says how
// many files it could not use, once. Screenshot: test-results/spacing-read-notice.png.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { oldSpacingLibrary } from '../library/spacing-reread-fixture';

describe('a library from before schema 27', () => {
  const session = useUiSession('lumen-spacing-read', async (dataDir) => {
    // 2,000 CR images, one of them no longer DICOM and one a FIFO.
    await oldSpacingLibrary(path.join(dataDir, 'work'), 2000, path.join(dataDir, 'library'));
  });

  it('tells once of the files whose spacing could not be read', async () => {
    const { page, errors } = await openApp(session());
    const notice = page.getByTestId('spacing-check');
    await notice.filter({ hasText: '2 files could not be read for their pixel spacing' }).waitFor({ timeout: 120_000 });
    // The study list answered meanwhile.
    await page.getByTestId('study-list').getByText('Spacing, Many').first().waitFor({ timeout: 30_000 });
    await page.screenshot({ path: path.join(resultsDir(), 'spacing-read-notice.png') });
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => notice.count()).toBe(0);

    // Read once: a new page (the same engine) says nothing more.
    const again = await openApp(session());
    await again.page.getByTestId('study-list').getByText('Spacing, Many').first().waitFor({ timeout: 30_000 });
    expect(await again.page.getByTestId('spacing-check').count()).toBe(0);
    expect([...errors, ...again.errors]).toEqual([]);
  });
});
