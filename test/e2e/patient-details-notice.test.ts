// A library imported before each series kept its own patient details (schema 14), opened by
// this Lumen in Debian's Chromium against the real bridge and engine: the engine reads the
// series' files once, the study browser says what it found, and the study's card warns of
// the two names. Screenshot: test-results/patient-details-notice.png. And one where an older
// Lumen filed the files of two Patient IDs in one study (it filed a study by its Study Instance
// UID alone): the card warns of the two IDs and names the series' own beside it, and the
// viewer's corner text shows the displayed series' own ID. Screenshots: test-results/patient-ids*.png.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { oldLibrary, series, twoIdLibrary } from '../library/old-library';

/** Waits for the notice of what the one-time read found and for the study list's ⚠ marks; a screenshot of them. */
async function noticeAndMarks(page: Page, notice: string, marks: string[], screenshot: string): Promise<void> {
  await page.getByTestId('patient-details-check').filter({ hasText: notice }).waitFor({ timeout: 120_000 });
  const shown = page.getByTestId('study-list').locator('.identity-warning');
  await expect.poll(() => shown.allInnerTexts(), { timeout: 30_000 }).toEqual(marks);
  await page.screenshot({ path: path.join(resultsDir(), screenshot) });
}

describe('a library from before schema 15', () => {
  const session = useUiSession('lumen-patient-details', async (dataDir) => {
    const incoming = path.join(dataDir, 'incoming');
    fs.mkdirSync(incoming);
    series(incoming, 1, 'Doe^Jane', 2);
    series(incoming, 2, 'Doe-Smith^Jane^M');
    await oldLibrary(incoming, path.join(dataDir, 'library'), true);
  });

  it('tells once of the file with another name, and the study card warns of both', async () => {
    const { page, errors } = await openApp(session());
    const notice = page.getByTestId('patient-details-check');
    // The study's warning, and its series' own name beside the series.
    await noticeAndMarks(page, '1 file gives another Patient ID, name, birth date or sex', ['⚠ 2 names: Doe, Jane / Doe-Smith, Jane', ' · Doe-Smith, Jane'], 'patient-details-notice.png');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => notice.count()).toBe(0);

    // Read once: a new page (the same engine) and the library say nothing more.
    const again = await openApp(session());
    await again.page.getByTestId('study-list').locator('.identity-warning').first().waitFor({ timeout: 30_000 });
    expect(await again.page.getByTestId('patient-details-check').count()).toBe(0);
    expect([...errors, ...again.errors]).toEqual([]);
  });
});

describe('a study of two Patient IDs from an older Lumen', () => {
  const session = useUiSession('lumen-patient-ids', async (dataDir) => {
    await twoIdLibrary(path.join(dataDir, 'incoming'), path.join(dataDir, 'library'));
  });

  it('warns on the study card, and the corner text shows the series own ID', async () => {
    const { page, errors } = await openApp(session());
    await noticeAndMarks(page, '1 file gives another Patient ID, name, birth date or sex', ['⚠ 2 patient IDs: PID-916 / PID-917', ' · ID PID-917'], 'patient-ids.png');
    expect(await page.getByTestId('study-list').locator('[aria-label*="2 patient IDs in this study"]').count()).toBe(1);

    // The series of the other ID, opened: its own Patient ID in the corner, marked.
    await page.getByTestId('series-own-id').click();
    const cornerId = page.getByTestId('corner-patient-id');
    await expect.poll(() => cornerId.innerText(), { timeout: 60_000 }).toBe('PID-917');
    expect(await cornerId.getAttribute('class')).toContain('identity-warning');
    // The picture under that corner text, drawn: a black viewport would show the name over nothing.
    await expect.poll(() => page.getByTestId('viewport').getAttribute('data-painted'), { timeout: 60_000 }).toBeTruthy();
    await page.screenshot({ path: path.join(resultsDir(), 'patient-ids-viewer.png') });
    expect(errors).toEqual([]);
  });
});
