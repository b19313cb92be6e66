// Task E (s17): the Training tab's "Keys changed" notice can be dismissed. Before, it stayed until
// the next change of keys. In Debian's Chromium against the real bridge and engine: a CSV labels
// three series disc, newclass and ring (keys 1 2 3); clearing disc moves newclass and ring up and
// the notice says so. Its ✕ closes it and puts focus on the label keys, where a digit still labels;
// the next move brings a new notice, which Escape (focus on the notice) closes.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndOpenTraining, openApp, resultsDir, useUiSession } from '../support/browser';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

describe('the "Keys changed" notice', () => {
  let set: PhantomSet;
  const session = useUiSession('lumen-keys-notice', (dataDir) => {
    set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 4, slices: 2, size: 48, seed: 62 });
  });

  it('closes with its ✕ and with Escape, and the label keys go on working', async () => {
    const { page, errors: consoleErrors } = await openApp(session());
    const panel = await importAndOpenTraining(page, set.dir, 8);
    const report = panel.getByRole('region', { name: 'Label import report' });
    const keys = () => panel.getByRole('list', { name: 'Label keys' }).getByRole('listitem').allTextContents();
    const notice = panel.getByTestId('keys-moved');
    const [a, b, c, d] = set.patients;
    const chooser = page.waitForEvent('filechooser');
    await panel.getByRole('button', { name: 'Choose label CSV…' }).click();
    await (await chooser).setFiles({ name: 'labels.csv', mimeType: 'text/csv', buffer: Buffer.from(['SeriesInstanceUID,label', `${a.seriesUid},disc`, `${b.seriesUid},newclass`, `${c.seriesUid},ring`].join('\n')) });
    await report.getByText('labels.csv: 3 rows; labelled 3 series').waitFor();
    await expect.poll(keys).toEqual(['1disc', '2newclass', '3ring', '0clear']);

    /** Opens a series and presses a digit with the focus off any field, as a labeller does. */
    const press = async (seriesUid: string, key: string) => {
      await page.locator(`.series-card[data-series="${seriesUid}"]`).click();
      await page.locator('body').click({ position: { x: 640, y: 5 } });
      await page.keyboard.press(key);
    };

    // disc's only label cleared: newclass and ring move up, and the notice says so.
    await press(a.seriesUid, 'Digit0');
    await expect.poll(keys).toEqual(['1newclass', '2ring', '0clear']);
    await notice.filter({ hasText: 'Keys changed: newclass is now key 1 (was 2), ring is now key 2 (was 3).' }).waitFor();
    await panel.screenshot({ path: path.join(resultsDir(), 'keys-notice-shown.png') });

    // Its ✕ closes it; focus goes to the label keys, and a digit there labels the open series.
    await notice.getByRole('button', { name: 'Dismiss the keys notice' }).click();
    await notice.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { getAttribute(n: string): string | null } | null } }).document.activeElement?.getAttribute('aria-label'))).toBe('Label keys');
    await page.keyboard.press('Digit2');
    await panel.getByRole('status').filter({ hasText: 'Labelled the series "ring".' }).waitFor();
    await panel.screenshot({ path: path.join(resultsDir(), 'keys-notice-dismissed.png') });

    // newclass's only label cleared: ring moves to key 1, and a new notice says it.
    await press(b.seriesUid, 'Digit0');
    await expect.poll(keys).toEqual(['1ring', '0clear']);
    await notice.filter({ hasText: 'Keys changed: ring is now key 1 (was 2).' }).waitFor();
    // Escape with the focus on the notice closes it, and it alone: the panel and the series stay.
    await notice.getByRole('button', { name: 'Dismiss the keys notice' }).focus();
    await page.keyboard.press('Escape');
    await notice.waitFor({ state: 'detached' });
    await expect.poll(keys).toEqual(['1ring', '0clear']);
    await press(d.seriesUid, 'Digit1');
    await panel.getByRole('status').filter({ hasText: 'Labelled the series "ring".' }).waitFor();
    expect(await notice.count()).toBe(0);

    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 180_000);
});
