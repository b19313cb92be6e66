// The label keys keep their numbers when a label file brings a new class (T2-11, s16), in
// Debian's Chromium against the real bridge and engine: a CSV labels two series disc and ring
// (keys 1 disc, 2 ring); a second CSV brings "newclass", which sorts between them in the library's
// list but takes key 3, so "2" still labels ring. When a class goes (its last label cleared) and
// the keys after it move up, the panel says which key is now which.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndOpenTraining, openApp, resultsDir, useUiSession } from '../support/browser';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

describe('label keys when a class arrives from a CSV', () => {
  let set: PhantomSet;
  const session = useUiSession('lumen-label-keys', (dataDir) => {
    set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 4, slices: 2, size: 48, seed: 61 });
  });

  it('keeps the keys of the classes there, gives the new class the next key, and says when keys move', async () => {
    const { page, errors: consoleErrors } = await openApp(session());
    const panel = await importAndOpenTraining(page, set.dir, 8);
    const report = panel.getByRole('region', { name: 'Label import report' });
    const overview = panel.getByRole('region', { name: 'Label overview' });
    const keys = () => panel.getByRole('list', { name: 'Label keys' }).getByRole('listitem').allTextContents();
    const chooseCsv = async (name: string, text: string) => {
      const chooser = page.waitForEvent('filechooser');
      await panel.getByRole('button', { name: 'Choose label CSV…' }).click();
      await (await chooser).setFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
    };
    const [a, b, c, d] = set.patients;

    await chooseCsv('first.csv', ['SeriesInstanceUID,label', `${a.seriesUid},disc`, `${b.seriesUid},ring`].join('\n'));
    await report.getByText('first.csv: 2 rows; labelled 2 series').waitFor();
    await expect.poll(keys).toEqual(['1disc', '2ring', '0clear']);

    // A class from a second file: the library lists disc, newclass, ring; the keys keep 1 and 2.
    await chooseCsv('second.csv', ['SeriesInstanceUID,label', `${c.seriesUid},newclass`].join('\n'));
    await report.getByText('second.csv: 1 row; labelled 1 series').waitFor();
    await expect.poll(keys).toEqual(['1disc', '2ring', '3newclass', '0clear']);
    expect(await panel.getByTestId('keys-moved').count()).toBe(0);
    await panel.screenshot({ path: path.join(resultsDir(), 'label-keys-stable-new-class.png') });

    // "2" on the fourth series labels it ring, as it did before the second file.
    await page.locator(`.series-card[data-series="${d.seriesUid}"]`).click();
    await page.locator('body').click({ position: { x: 640, y: 5 } });
    await page.keyboard.press('Digit2');
    await panel.getByRole('status').filter({ hasText: 'Labelled the series "ring".' }).waitFor();
    await expect.poll(() => overview.getByRole('table', { name: 'Labels per class' }).locator('tbody tr', { hasText: 'ring' }).first().textContent()).toMatch(/^ring2/);

    // disc's only label cleared: disc goes, ring and newclass move up, and the panel says so.
    await page.locator(`.series-card[data-series="${a.seriesUid}"]`).click();
    await page.locator('body').click({ position: { x: 640, y: 5 } });
    await page.keyboard.press('Digit0');
    await expect.poll(keys).toEqual(['1ring', '2newclass', '0clear']);
    await panel.getByTestId('keys-moved').filter({ hasText: 'Keys changed: ring is now key 1 (was 2), newclass is now key 2 (was 3).' }).waitFor();
    await panel.screenshot({ path: path.join(resultsDir(), 'label-keys-stable-moved.png') });

    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 180_000);
});
