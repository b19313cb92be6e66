// Label keys follow the classes that exist (issue #13, point 7): in Debian's Chromium against
// the real engine, after a CSV labels the library with none/round/elongated, the Training tab's
// number keys offer those classes (not the "normal/abnormal" defaults), shows which key is
// which, a number without a class creates nothing and says so, and 0 clears the image's own
// label as well as the series'.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

describe('label keys in the Training tab', () => {
  let set: PhantomSet;
  const session = useUiSession('lumen-labels', (dataDir) => {
    set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 3, slices: 2, seed: 41 });
  });

  it('offers the library classes by number, creates no class from a key, and 0 clears the image too', async () => {
    const { page, errors: consoleErrors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });
    await page.getByLabel('Import a folder or file').fill(set.dir);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '6 images imported' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('series-card').first().click();
    await page.getByTestId('image-index').waitFor();
    await page.getByRole('tab', { name: 'Training' }).click();
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    const status = panel.getByRole('status');
    const keys = panel.getByRole('list', { name: 'Label keys' });

    // An empty library: the defaults, each with its key.
    await expect.poll(async () => (await keys.getByRole('listitem').allTextContents())).toEqual(['1normal', '2abnormal', '0clear']);

    await panel.getByLabel('Label CSV path').fill(set.csv);
    await panel.getByRole('button', { name: 'Import CSV' }).click();
    await status.filter({ hasText: 'Imported labels: 3 series' }).waitFor();
    await panel.getByText('3 patients, 6 images; split by patient.').waitFor();
    const classes = [...new Set(set.patients.map((p) => p.label))].sort();
    await expect.poll(async () => (await keys.getByRole('listitem').allTextContents())).toEqual([...classes.map((c, i) => `${i + 1}${c}`), '0clear']);
    await page.screenshot({ path: path.join(resultsDir(), 'labels-keys.png') });

    // Shift+2 labels this image with the second class of the library, not a new class.
    await page.getByTestId('viewport').click();
    await page.keyboard.press('Shift+Digit2');
    await status.filter({ hasText: `Labelled the image "${classes[1]}".` }).waitFor();
    await panel.getByText('Current:').filter({ hasText: `${classes[1]} (image)` }).waitFor();
    // A number without a class: nothing labelled, the classes named.
    await page.keyboard.press('Digit4');
    await status.filter({ hasText: 'Key 4 has no class' }).waitFor();
    const preview = panel.getByRole('table', { name: 'Class balance by split' });
    await expect.poll(async () => (await preview.locator('tbody td:first-child').allTextContents()).sort()).toEqual(classes);

    // 0 clears what is shown: the series' label and the image's own.
    await page.keyboard.press('Digit0');
    await status.filter({ hasText: 'Cleared the series label' }).waitFor();
    await panel.getByText('Current:').filter({ hasText: 'unlabelled' }).waitFor();
    await page.screenshot({ path: path.join(resultsDir(), 'labels-cleared.png') });

    // The help names the label keys too.
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.getByText('In the Training tab').first().waitFor();
    await help.screenshot({ path: path.join(resultsDir(), 'labels-help.png') });

    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 120_000);
});
