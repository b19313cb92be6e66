// Labelling that is fast (issue #18, point 5), in Debian's Chromium against the real bridge
// and engine: a label CSV chosen with the file dialog and one dropped on the panel (no path
// typed), its report and Undo import; the overview per class and per patient; a keyboard-only
// pass (U opens the next unlabelled series, a digit labels it, U again) with focus never
// lost; several series selected in the study list (Ctrl+click, Shift+↓) labelled in one
// go and undone in one step; the labels exported as CSV (a download) and imported back.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { importAndOpenTraining, openApp, resultsDir, useUiSession } from '../support/browser';
import { writePhantomSet, type PhantomSet } from '../training/phantoms';

describe('fast labelling in the Training tab', () => {
  let set: PhantomSet;
  const session = useUiSession('lumen-labels-fast', (dataDir) => {
    set = writePhantomSet(path.join(dataDir, 'incoming'), { patients: 4, slices: 2, size: 48, seed: 57 });
  });

  it('imports a chosen or dropped CSV with its report and undo, labels from the keyboard and by selection, and exports CSV that imports back', async () => {
    const { page, errors: consoleErrors } = await openApp(session());
    const panel = await importAndOpenTraining(page, set.dir, 8);
    const status = panel.getByRole('status').filter({ hasText: /./ });
    const overview = panel.getByRole('region', { name: 'Label overview' });
    const report = panel.getByRole('region', { name: 'Label import report' });
    const unlabelled = (n: number) => overview.getByText(`Unlabelled: ${n} of 4 series`).waitFor();
    await unlabelled(4);

    // 1. A CSV chosen with the file dialog: two series labelled, two unusable rows by line.
    const [a, b, c, d] = set.patients;
    const csv = ['SeriesInstanceUID,label', `${a.seriesUid},${a.label}`, `${b.seriesUid},${b.label}`, '9.9.9,round', `${c.seriesUid},`].join('\n');
    const chooser = page.waitForEvent('filechooser');
    await panel.getByRole('button', { name: 'Choose label CSV…' }).click();
    await (await chooser).setFiles({ name: 'ward-labels.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await report.getByText('ward-labels.csv: 4 rows; labelled 2 series, 0 images, 0 studies.').waitFor();
    await expect.poll(() => report.getByRole('list', { name: 'Rows not used' }).getByRole('listitem').allTextContents()).toEqual(['line 4: SeriesInstanceUID 9.9.9 is not in the library', 'line 5: empty label']);
    await unlabelled(2);
    await expect.poll(() => overview.getByRole('table', { name: 'Labels per class' }).locator('tbody tr').allTextContents()).toEqual([`${a.label}121`, `${b.label}121`].sort());
    // Classes with one patient each cannot be split by patient: said.
    await overview.getByRole('alert').filter({ hasText: `Class "${a.label}" has only 1 patient: a patient-level split needs at least 3` }).waitFor();
    await panel.screenshot({ path: path.join(resultsDir(), 'labels-fast-import.png') });

    // Undo import: back to no labels.
    await report.getByRole('button', { name: 'Undo import' }).click();
    await panel.getByText('Import undone: the labels of 2 images, series or studies are back as they were.').first().waitFor();
    await unlabelled(4);

    // 2. The same CSV dropped on the panel.
    const drop = await page.evaluateHandle((text) => {
      const dt = new (globalThis as any).DataTransfer();
      dt.items.add(new (globalThis as any).File([text], 'dropped.csv', { type: 'text/csv' }));
      return dt;
    }, csv);
    // Dropped on the key list, as a user would let go anywhere over the panel.
    const target = panel.getByRole('list', { name: 'Label keys' });
    await target.dispatchEvent('dragover', { dataTransfer: drop });
    await target.dispatchEvent('drop', { dataTransfer: drop });
    await report.getByText('dropped.csv: 4 rows; labelled 2 series').waitFor();
    await unlabelled(2);
    // A file that is not a CSV is refused in words, before anything is sent.
    const notCsv = await page.evaluateHandle(() => {
      const dt = new (globalThis as any).DataTransfer();
      dt.items.add(new (globalThis as any).File(['DICM'], 'scan.dcm'));
      return dt;
    });
    await target.dispatchEvent('drop', { dataTransfer: notCsv });
    await panel.getByRole('alert').filter({ hasText: 'scan.dcm is not a label CSV' }).waitFor();

    // 3. Keyboard only: U opens the next unlabelled series, a digit labels it, U again.
    await page.locator('body').click({ position: { x: 640, y: 5 } });
    const openedSeries = () => page.locator('.series-card.active').getAttribute('data-series');
    await page.keyboard.press('u');
    await status.filter({ hasText: 'Opened the next unlabelled series (2 without a label).' }).waitFor();
    const first = await openedSeries();
    expect([c.seriesUid, d.seriesUid]).toContain(first);
    await page.keyboard.press('Digit1');
    await status.filter({ hasText: 'Labelled the series' }).waitFor();
    await unlabelled(1);
    // The digit pressed at once, as soon as the status says the next series is open, labels
    // that series: not the one before, whose key handler a render had not yet replaced.
    await page.keyboard.press('u');
    await status.filter({ hasText: '(1 without a label)' }).waitFor();
    await page.keyboard.press('Digit2');
    const second = await openedSeries();
    expect(second).not.toBe(first);
    expect([c.seriesUid, d.seriesUid]).toContain(second);
    await unlabelled(0);
    await page.keyboard.press('u');
    await status.filter({ hasText: 'Every series has a label.' }).waitFor();
    // Focus never went into a field that would swallow the keys.
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.tagName ?? null)).not.toMatch(/INPUT|TEXTAREA|SELECT/);

    // 4. Several series selected in the study list and labelled at once, undone in one step.
    const cards = page.getByTestId('series-card');
    await cards.nth(0).click();
    await cards.nth(2).click({ modifiers: ['Control'] });
    await panel.getByRole('note').filter({ hasText: '2 series selected in the study list' }).waitFor();
    // From the keyboard: a plain click selects one series, Shift+↓ extends the run from it.
    await cards.nth(1).click();
    await expect.poll(() => panel.getByRole('note').filter({ hasText: 'series selected' }).count()).toBe(0);
    await page.keyboard.press('Shift+ArrowDown');
    await panel.getByRole('note').filter({ hasText: '2 series selected in the study list' }).waitFor();
    await page.keyboard.press('Shift+ArrowDown');
    await panel.getByRole('note').filter({ hasText: '3 series selected in the study list' }).waitFor();
    expect(await page.evaluate(() => (globalThis as any).document.activeElement?.getAttribute('data-series'))).toBe(await cards.nth(3).getAttribute('data-series'));
    expect(await page.locator('.series-card[data-selected="true"]').count()).toBe(3);
    await page.screenshot({ path: path.join(resultsDir(), 'labels-fast-selection.png') });
    const before = await overview.getByRole('table', { name: 'Labels per class' }).locator('tbody tr').allTextContents();
    await page.keyboard.press('Digit2');
    await status.filter({ hasText: /Labelled 3 series "/ }).waitFor();
    const third = (await panel.getByRole('list', { name: 'Label keys' }).getByRole('listitem').nth(1).textContent())!.slice(1);
    await expect.poll(() => overview.getByRole('table', { name: 'Labels per class' }).locator('tbody tr', { hasText: third }).textContent()).toMatch(new RegExp(`^${third}3`));
    await panel.getByRole('button', { name: 'Undo label change' }).click();
    await status.filter({ hasText: `Undone: labelling the 3 series "${third}".` }).waitFor();
    await expect.poll(() => overview.getByRole('table', { name: 'Labels per class' }).locator('tbody tr').allTextContents()).toEqual(before);

    // 5. Export: a download of the CSV the import reads; cleared, imported back: the same.
    const download = page.waitForEvent('download');
    await panel.getByRole('button', { name: 'Export labels CSV' }).click();
    const file = await (await download).path();
    const exported = readFileSync(file, 'utf8');
    expect(exported.split('\r\n')[0]).toBe('StudyInstanceUID,SeriesInstanceUID,SOPInstanceUID,frame,label');
    expect(exported.trimEnd().split('\r\n')).toHaveLength(5);
    await cards.nth(0).click();
    await cards.nth(3).click({ modifiers: ['Shift'] });
    await panel.getByRole('note').filter({ hasText: '4 series selected' }).waitFor();
    await page.keyboard.press('Digit0');
    await unlabelled(4);
    const again = page.waitForEvent('filechooser');
    await panel.getByRole('button', { name: 'Choose label CSV…' }).click();
    await (await again).setFiles({ name: 'lumen-labels.csv', mimeType: 'text/csv', buffer: Buffer.from(exported) });
    await report.getByText('lumen-labels.csv: 4 rows; labelled 4 series').waitFor();
    await expect.poll(() => overview.getByRole('table', { name: 'Labels per class' }).locator('tbody tr').allTextContents()).toEqual(before);
    await overview.getByText(/^Per patient/).click();
    await overview.getByRole('table', { name: 'Labels per patient' }).waitFor();
    await panel.screenshot({ path: path.join(resultsDir(), 'labels-fast-overview.png') });
    // Patients by the name the study list shows, never their PatientID.
    const names = await overview.getByRole('table', { name: 'Labels per patient' }).locator('tbody td:first-child').allTextContents();
    expect(names).toEqual(set.patients.map((p) => `Phantom, ${p.patientId}`));

    // 6. The help lists the keys.
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.getByText('open the next series without a label').waitFor();
    await help.getByText('In the study list: select several series').waitFor();
    await help.screenshot({ path: path.join(resultsDir(), 'labels-fast-help.png') });

    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 180_000);
});
