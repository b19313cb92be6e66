// A library where an older Lumen filed the files of two Patient IDs in one study (it filed a
// study by its Study Instance UID alone), opened by this Lumen in Debian's Chromium against the
// real bridge and engine: the engine reads the series' files once, the study's card warns of
// the two IDs and names the series' own beside it, and the viewer's corner text shows the
// displayed series' own ID. Screenshot: test-results/patient-ids.png.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { twoIdLibrary } from '../library/old-library';

describe('a study of two Patient IDs from an older Lumen', () => {
  const session = useUiSession('lumen-patient-ids', async (dataDir) => {
    await twoIdLibrary(path.join(dataDir, 'incoming'), path.join(dataDir, 'library'));
  });

  it('warns on the study card, and the corner text shows the series own ID', async () => {
    const { page, errors } = await openApp(session());
    const notice = page.getByTestId('patient-details-check');
    await notice.filter({ hasText: '1 file gives another Patient ID, name, birth date or sex' }).waitFor({ timeout: 120_000 });
    const marks = page.getByTestId('study-list').locator('.identity-warning');
    await expect.poll(() => marks.allInnerTexts(), { timeout: 30_000 }).toEqual(['⚠ 2 patient IDs: PID-916 / PID-917', ' · ID PID-917']);
    const card = page.getByTestId('study-list').locator('[aria-label*="2 patient IDs in this study"]');
    expect(await card.count()).toBe(1);
    await page.screenshot({ path: path.join(resultsDir(), 'patient-ids.png') });

    // The series of the other ID, opened: its own Patient ID in the corner, marked.
    await page.getByTestId('series-own-id').click();
    const cornerId = page.getByTestId('corner-patient-id');
    await expect.poll(() => cornerId.innerText(), { timeout: 60_000 }).toBe('PID-917');
    expect(await cornerId.getAttribute('class')).toContain('identity-warning');
    await page.screenshot({ path: path.join(resultsDir(), 'patient-ids-viewer.png') });
    expect(errors).toEqual([]);
  });
});
