// The PACS tab in a small window (1280×720 and 1024×700), against a real Orthanc (DIMSE) holding
// 14 studies, through the real bridge, engine and Debian's Chromium: after a search the query
// form folds to one line, so the result list shows several studies, not two; the form comes back
// by keyboard with its fields named. A connection's query cap set in Settings is used, and the
// notice says which setting raises it. Screenshots in test-results/.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import type { Orthanc } from '../support/orthanc';
import { usePacsFixture } from '../pacs/support';

const STUDIES = 14;
const pacs = usePacsFixture('e2e-pacs-small', {
  receiver: true,
  studies: Array.from({ length: STUDIES }, (_, i) => ({
    key: 900 + i,
    patientId: `PID-SMALL-${i}`,
    patientName: `Small^Patient${String(i).padStart(2, '0')}`,
    accession: `ACC-SMALL-${i}`,
    studyDate: `2024${String((i % 12) + 1).padStart(2, '0')}${String(10 + i).padStart(2, '0')}`,
    modality: i % 2 ? 'MR' : 'CT',
    seriesCount: 1,
    perSeries: 1,
  })),
});
let orthanc: Orthanc;
beforeAll(() => {
  orthanc = pacs.orthanc;
}, 120_000);

/** Studies whose whole row is inside the result list's box. */
async function rowsInView(page: Page): Promise<number> {
  const box = (await page.getByTestId('pacs-results').boundingBox())!;
  let n = 0;
  for (const row of await page.getByTestId('pacs-study').all()) {
    const b = await row.boundingBox();
    if (b && b.y >= box.y - 1 && b.y + b.height <= box.y + box.height + 1) n++;
  }
  return n;
}

describe('PACS tab in a small window', () => {
  const session = useUiSession('lumen-e2e-pacs-small', (dataDir) => {
    const connection = { name: 'archive', kind: 'dimse', calledAet: pacs.orthanc.aet, host: '127.0.0.1', port: pacs.orthanc.dicomPort, callingAet: 'LUMEN' };
    fs.writeFileSync(path.join(dataDir, 'pacs.json'), JSON.stringify({ version: 1, connections: [connection] }), { mode: 0o600 });
  });

  for (const [width, height] of [
    [1280, 720],
    [1024, 700],
  ] as const) {
    it(`at ${width}×${height} the results list several studies and the form folds away and back by keyboard`, async () => {
      const { page, errors } = await openApp(session());
      await page.setViewportSize({ width, height });
      await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
      await page.getByRole('tab', { name: 'PACS' }).click();
      const form = page.getByRole('form', { name: 'Query a PACS' });
      await form.getByLabel('Patient name').fill('Small*');
      await form.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('status').filter({ hasText: `${STUDIES} studies on archive` }).waitFor({ timeout: 60_000 });

      // Several whole studies in view (before the form folded: one at 1280×720).
      await page.waitForTimeout(300);
      const inView = await rowsInView(page);
      await page.screenshot({ path: path.join(resultsDir(), `pacs-small-${width}x${height}.png`) });
      expect(inView, `studies in view at ${width}×${height}`).toBeGreaterThanOrEqual(4);

      // The form is folded into one line that says what was searched for.
      const summary = page.getByTestId('pacs-query-summary');
      await summary.waitFor();
      expect(await summary.textContent()).toContain('Small*');
      expect(await form.getByLabel('Patient ID').isVisible()).toBe(false);
      expect((await summary.boundingBox())!.height).toBeLessThan(48);
      // Readable whole: no text past the line's box (at 1280 px it used to end "archive · Patient n…");
      // the tooltip names the connection and the whole search.
      const summaryText = summary.locator(':scope > span').first();
      const cut = () => summaryText.evaluate((el: { scrollWidth: number; clientWidth: number; scrollHeight: number; clientHeight: number }) => ({ wide: el.scrollWidth > el.clientWidth, tall: el.scrollHeight > el.clientHeight + 1 }));
      expect(await cut()).toEqual({ wide: false, tall: false });
      expect(await summaryText.textContent()).toBe('Name Small*');
      expect(await summaryText.getAttribute('title')).toBe('archive · Name Small*');

      // Keyboard: Tab reaches the button that opens the form again; Enter opens it with the
      // search kept and the first field focused; Escape folds it again while results are shown.
      const change = page.getByRole('button', { name: 'Change search' });
      expect(await change.getAttribute('aria-expanded')).toBe('false');
      await change.focus();
      await page.keyboard.press('Enter');
      // The first filter, with what was searched for still in it.
      await expect.poll(() => page.locator(':focus').getAttribute('name')).toBe('patientName');
      expect(await page.locator(':focus').inputValue()).toBe('Small*');
      expect(await form.getByLabel('Patient ID').isVisible()).toBe(true);
      await page.screenshot({ path: path.join(resultsDir(), `pacs-small-${width}x${height}-form.png`) });
      await page.keyboard.press('Escape');
      await summary.waitFor();
      await expect.poll(() => page.locator(':focus').textContent()).toBe('Change search');

      // The list keeps its keyboard: Down moves between the studies in view.
      await page.locator('[data-row="0"]').focus();
      await page.keyboard.press('ArrowDown');
      expect(await page.locator(':focus').getAttribute('data-row')).toBe('1');

      // A longer search wraps to a second line, still whole, and the list keeps its height.
      await change.click();
      await form.getByLabel('Modality').selectOption('CT');
      await form.getByLabel('From').fill('2024-01-01');
      await form.getByRole('button', { name: 'Search' }).click();
      await page.getByRole('status').filter({ hasText: `${STUDIES / 2} studies on archive` }).waitFor({ timeout: 60_000 });
      await summary.waitFor();
      expect(await summaryText.textContent()).toBe('Name Small* · 01-Jan-2024 to … · CT');
      expect(await cut()).toEqual({ wide: false, tall: false });
      expect((await summary.boundingBox())!.height).toBeLessThan(48);
      await page.screenshot({ path: path.join(resultsDir(), `pacs-small-${width}x${height}-summary.png`) });
      expect(errors).toEqual([]);
      await page.close();
    }, 180_000);
  }

  it('uses the study cap set for the connection in Settings and names that setting', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    await page.getByRole('button', { name: 'Settings', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByTestId('pacs-connection').filter({ hasText: 'archive' }).getByRole('button', { name: 'Edit' }).click();
    const edit = dialog.getByRole('form', { name: 'Edit archive' });
    const cap = edit.getByLabel('Studies per query');
    expect(await cap.getAttribute('placeholder')).toBe('5000');
    await cap.fill('0');
    await edit.getByRole('button', { name: 'Save connection' }).click();
    expect(await dialog.getByRole('alert').textContent()).toBe('Studies per query: a whole number from 1 to 50000 (empty: 5000).');
    await cap.fill('5');
    await edit.getByLabel('Series per study').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-small-caps-settings.png') });
    await edit.getByRole('button', { name: 'Save connection' }).click();
    await dialog.getByTestId('pacs-connection').filter({ hasText: 'archive' }).filter({ hasText: 'at most 5 studies' }).waitFor();
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    await page.getByRole('tab', { name: 'PACS' }).click();
    await page.getByRole('form', { name: 'Query a PACS' }).getByRole('button', { name: 'Search' }).click();
    const notice = page.getByTestId('pacs-incomplete');
    await notice.waitFor({ timeout: 60_000 });
    expect(await notice.textContent()).toBe(
      'PACS "archive" returned more than 5 studies; showing the first 5. Narrow the search (a patient, a date range, a modality), or raise Studies per query of the connection in Settings, PACS.',
    );
    expect(await page.getByRole('status').filter({ hasText: 'studies on archive' }).textContent()).toBe('5 studies on archive');
    expect(await rowsInView(page)).toBeGreaterThanOrEqual(3);

    // A retrieved study is marked "In library" on a line of its own under the counts (beside them
    // and the Retrieve button it cut the counts short), overlapping neither the counts nor the
    // button, inside the study's row, and whole (not cut by the line's height).
    const first = page.getByTestId('pacs-study').first();
    await first.getByRole('button', { name: /^Retrieve the study/ }).click();
    const held = first.getByTestId('pacs-held').filter({ hasText: 'In library' });
    await held.waitFor({ timeout: 60_000 });
    const heldBox = (await held.boundingBox())!;
    const buttonBox = (await first.getByRole('button', { name: /^Retrieve the study/ }).boundingBox())!;
    const countsBox = (await first.locator('.pacs-counts > .muted').boundingBox())!;
    const lineBox = (await first.locator('.pacs-held-line').boundingBox())!;
    const rowBox = (await first.boundingBox())!;
    expect(heldBox.y).toBeGreaterThanOrEqual(Math.max(countsBox.y + countsBox.height, buttonBox.y + buttonBox.height) - 1);
    expect(heldBox.y).toBeGreaterThanOrEqual(lineBox.y);
    expect(heldBox.y + heldBox.height).toBeLessThanOrEqual(lineBox.y + lineBox.height);
    expect(heldBox.y + heldBox.height).toBeLessThanOrEqual(rowBox.y + rowBox.height);
    expect(await first.locator('.pacs-counts > .muted').evaluate((el: { scrollWidth: number; clientWidth: number }) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-small-capped.png') });
    expect(errors).toEqual([]);
    void orthanc;
  }, 180_000);
});
