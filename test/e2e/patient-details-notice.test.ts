// A library imported before each series kept its own patient details (schema 14), opened by
// this Lumen in Debian's Chromium against the real bridge and engine: the engine reads the
// series' files once, the study browser says what it found, and the study's card warns of
// the two names. Screenshot: test-results/patient-details-notice.png.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { oldLibrary, series } from '../library/old-library';

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
    await notice.filter({ hasText: '1 file gives another Patient ID, name, birth date or sex' }).waitFor({ timeout: 120_000 });
    // The study's warning, and its series' own name beside the series.
    const marks = page.getByTestId('study-list').locator('.identity-warning');
    await expect.poll(() => marks.allInnerTexts(), { timeout: 30_000 }).toEqual(['⚠ 2 names: Doe, Jane / Doe-Smith, Jane', ' · Doe-Smith, Jane']);
    await page.screenshot({ path: path.join(resultsDir(), 'patient-details-notice.png') });
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await expect.poll(() => notice.count()).toBe(0);

    // Read once: a new page (the same engine) and the library say nothing more.
    const again = await openApp(session());
    await again.page.getByTestId('study-list').locator('.identity-warning').first().waitFor({ timeout: 30_000 });
    expect(await again.page.getByTestId('patient-details-check').count()).toBe(0);
    expect([...errors, ...again.errors]).toEqual([]);
  });
});
