// The first-run welcome on a data folder on a read-only disk (a real tmpfs remounted read-only,
// test/support/small-disk.ts), in Chromium through `lumen serve`: importing, labelling, training
// and getting ImageNet weights would all fail there, so the card does not offer them; it says what
// can be done (view, run an installed package without storing, export) and why the rest is off,
// and the empty state's hint does not send the user to Import. Closed with Esc it goes for this
// page (settings.json cannot be written) without an error. Screenshot: test-results/first-run-read-only.png.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resultsDir } from '../support/browser';
import { onReadOnlyDisk } from '../support/read-only-app';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';

const disk = smallDiskForTests('first-run-read-only', 32);

describe.skipIf(smallDiskSkip)(`the first-run welcome on a read-only data folder${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('says what can be done there and why import and training are off', async () => {
    await onReadOnlyDisk(disk, { slices: 2, size: 64, seed: 41 }, {}, async ({ page }) => {
      const welcome = page.getByRole('region', { name: 'Welcome to Lumen' });
      const note = welcome.getByTestId('first-run-read-only');
      await note.waitFor({ timeout: 120_000 });
      expect(await note.innerText()).toBe('This library is on a read-only disk, so Lumen opens it for viewing only: nothing can be written into it.');
      // The engine's reason, with the library's path, on hover.
      expect(await note.getAttribute('title')).toMatch(/^the library .* is on a read-only disk/);
      const text = await welcome.innerText();
      expect(text).toContain('view its DICOM series');
      expect(text).toContain('run an installed model package on a series (Run in the Classifier panel): its scores and heatmaps are shown, not stored');
      expect(text).toContain('export results, tables and de-identified copies (Export results…) to a folder on a writable disk');
      expect(text).toContain('Importing, labelling and training write into the library, so they are off here, and so are ImageNet weights, which only training uses. To do them, make the disk writable, or choose a data folder on a writable disk in Settings.');
      // Nothing it offers would fail: no import, no training from scratch, no weights.
      expect(text).not.toMatch(/import folders|train a small network|download it/);
      expect(await welcome.getByRole('button', { name: 'Get ImageNet weights…' }).count()).toBe(0);
      const empty = page.locator('.empty-state > p').first();
      expect(await empty.innerText()).toBe('Choose a series on the left. Press ? for keyboard shortcuts.');
      await page.screenshot({ path: path.join(resultsDir(), 'first-run-read-only.png') });

      // Esc closes it for this page, although settings.json cannot be written.
      await page.keyboard.press('Escape');
      await welcome.waitFor({ state: 'detached', timeout: 30_000 });
      expect(await page.getByRole('alert').allTextContents()).toEqual([]);
    });
  }, 600_000);
});
