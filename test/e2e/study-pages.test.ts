// The study list a page at a time (library.studyPage), in Debian's Chromium against the real
// bridge and engine, on a library of 3,000 studies written straight into SQLite
// (test/support/library-rows.ts; their files do not exist, so no study here is opened). The
// first page shows at once; scrolling to its end brings the next; ↓ on the last study loaded
// moves on to the next page's first, End to the last of 3,000; a search finds a study no page
// loaded yet; a selection and the scroll position survive a page arriving and an import.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { writeImage } from '../support/dicom/write';
import { fillLibrary, type BulkStudy } from '../support/library-rows';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { focusedStudy } from './study-list-focus';

const STUDIES = 3000;
/** What useStudyPages asks for first (STUDY_PAGE). */
const FIRST_PAGE = 200;


/** The highest place (aria-posinset) among the rendered studies. */
async function lastRendered(page: Page): Promise<number> {
  const places = await page.getByRole('list', { name: 'Studies' }).getByRole('listitem').evaluateAll((els) => els.map((e) => Number((e as unknown as { getAttribute(n: string): string }).getAttribute('aria-posinset'))));
  return Math.max(0, ...places);
}

/** "Bulk000123^Pat" as the list names it ("Study Bulk000123, Pat 05-Mar-2001"). */
const shownName = (s: BulkStudy) => s.name.replace('^', ', ');

describe('the study list a page at a time, 3,000 studies', () => {
  let specs: BulkStudy[] = [];
  const session = useUiSession('lumen-study-pages', (dataDir) => {
    specs = fillLibrary(path.join(dataDir, 'library'), { studies: STUDIES });
    // A real study to import while the list is open: newer than every other one.
    mkdirSync(path.join(dataDir, 'incoming'));
    writeImage(path.join(dataDir, 'incoming', 'a.dcm'), {
      rows: 8,
      columns: 8,
      bitsAllocated: 16,
      modality: 'MR',
      pixelBytes: new Uint8Array(128).map((_, k) => (k * 37) & 0xff),
      uid: '1.2.826.0.1.3680043.10.99.14.1',
      extra: {
        0x00080018: { vr: 'UI', value: '1.2.826.0.1.3680043.10.99.14.1.3.1' },
        0x00080020: { vr: 'DA', value: '20300101' },
        0x00100010: { vr: 'PN', value: 'Newcomer^Nina' },
        0x00100020: { vr: 'LO', value: 'NEW001' },
        0x0020000e: { vr: 'UI', value: '1.2.826.0.1.3680043.10.99.14.1.2.1' },
      },
    });
  });

  it('loads the first page, then more as it scrolls or a key moves past it; search finds any study', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    const list = page.getByRole('list', { name: 'Studies' });
    const items = list.getByRole('listitem');
    await items.first().waitFor({ timeout: 60_000 });
    // The header counts the whole library; the list holds a screenful in the DOM.
    expect(await page.locator('.study-browser .panel-header:not(.sub) .muted').first().textContent()).toBe(String(STUDIES));
    expect(await items.count()).toBeLessThan(60);
    const byDate = [...specs].sort((a, b) => ((b.date ?? '') + (b.time ?? '')).localeCompare((a.date ?? '') + (a.time ?? '')) || a.name.localeCompare(b.name));
    expect(await items.first().getAttribute('aria-label')).toContain(shownName(byDate[0]));
    await page.screenshot({ path: path.join(resultsDir(), 'study-pages-first.png') });

    // Select two series of the second study (Ctrl+click), then scroll to the end of what is loaded: the next page comes, the selection stays.
    await items.nth(1).locator('.study-head').click();
    const cards = items.nth(1).getByTestId('series-card');
    await cards.first().waitFor();
    await cards.first().click({ modifiers: ['Control'] });
    await items.nth(2).locator('.study-head').click();
    await items.nth(2).getByTestId('series-card').first().click({ modifiers: ['Control'] });
    await expect.poll(() => list.locator('[data-selected="true"]').count()).toBe(2);
    const heightBefore = await list.evaluate((el) => (el as unknown as { scrollHeight: number }).scrollHeight);
    await list.evaluate((el) => {
      const box = el as unknown as { scrollTop: number; scrollHeight: number };
      box.scrollTop = box.scrollHeight;
    });
    await expect.poll(() => list.evaluate((el) => (el as unknown as { scrollHeight: number }).scrollHeight), { timeout: 30_000 }).toBeGreaterThan(heightBefore);
    await expect.poll(() => lastRendered(page), { timeout: 30_000 }).toBeGreaterThan(FIRST_PAGE);
    await list.evaluate((el) => ((el as unknown as { scrollTop: number }).scrollTop = 0));
    await expect.poll(() => list.locator('[data-selected="true"]').count()).toBe(2);

    // Keyboard, on a fresh page: PageDown to near the first page's end, then ↓ one study at a
    // time across it; End reaches the last of 3,000 (the pages between are asked for), Home the first.
    await page.reload();
    await items.first().waitFor({ timeout: 60_000 });
    await items.first().locator('.study-head').focus();
    // Each PageDown waited for: one pressed before the last has landed moves on from where that one goes.
    for (let i = 0; i < 100 && ((await focusedStudy(page))?.at ?? 0) < FIRST_PAGE - 12; i++) {
      const from = (await focusedStudy(page))!.at;
      await page.keyboard.press('PageDown');
      await expect.poll(async () => (await focusedStudy(page))?.at, { timeout: 30_000 }).toBeGreaterThan(from);
    }
    let at = (await focusedStudy(page))!.at;
    expect(at).toBeLessThanOrEqual(FIRST_PAGE);
    while (at <= FIRST_PAGE + 3) {
      await page.keyboard.press('ArrowDown');
      await expect.poll(async () => (await focusedStudy(page))?.at, { timeout: 30_000 }).toBe(at + 1);
      expect((await focusedStudy(page))!.label).toContain(shownName(byDate[at]));
      at++;
    }
    await page.keyboard.press('End');
    await expect.poll(async () => (await focusedStudy(page))?.at, { timeout: 60_000 }).toBe(STUDIES);
    expect((await focusedStudy(page))!.label).toContain(shownName(byDate[STUDIES - 1]));
    await page.screenshot({ path: path.join(resultsDir(), 'study-pages-end.png') });
    await page.keyboard.press('Home');
    await expect.poll(async () => (await focusedStudy(page))?.at).toBe(1);

    // Search: a study far down the date order, in no page loaded on a fresh page.
    await page.reload();
    await items.first().waitFor({ timeout: 60_000 });
    const far = byDate[STUDIES - 7];
    await page.getByLabel('Search studies').fill(far.patientId);
    await expect.poll(async () => (await items.allTextContents()).join('|'), { timeout: 30_000 }).toContain(far.patientId);
    expect(await items.count()).toBe(1);
    await page.screenshot({ path: path.join(resultsDir(), 'study-pages-search.png') });
    await page.getByLabel('Search studies').fill('');
    await expect.poll(() => items.count()).toBeGreaterThan(5);

    // An import while the list is scrolled and two series are selected: the new study comes
    // first (newest), the loaded pages stay loaded, the selection stays.
    await items.nth(3).locator('.study-head').click();
    await items.nth(3).getByTestId('series-card').first().click({ modifiers: ['Control'] });
    await items.nth(4).locator('.study-head').click();
    await items.nth(4).getByTestId('series-card').first().click({ modifiers: ['Control'] });
    await expect.poll(() => list.locator('[data-selected="true"]').count()).toBe(2);
    await list.evaluate((el) => {
      const box = el as unknown as { scrollTop: number; scrollHeight: number };
      box.scrollTop = box.scrollHeight;
    });
    await expect.poll(() => lastRendered(page), { timeout: 30_000 }).toBeGreaterThan(FIRST_PAGE);
    const loadedHeight = await list.evaluate((el) => (el as unknown as { scrollHeight: number }).scrollHeight);
    await page.getByLabel('Import a folder or file').fill(path.join(dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '1 image imported' }).waitFor({ timeout: 60_000 });
    const nina = list.getByRole('listitem', { name: /^Study Newcomer, Nina .*just imported/ });
    await nina.waitFor({ timeout: 30_000 });
    expect(await nina.getAttribute('aria-posinset')).toBe('1');
    await expect.poll(() => page.locator('.study-browser .panel-header:not(.sub) .muted').first().textContent()).toBe(String(STUDIES + 1));
    expect(await list.evaluate((el) => (el as unknown as { scrollHeight: number }).scrollHeight)).toBeGreaterThanOrEqual(loadedHeight);
    await expect.poll(() => list.locator('[data-selected="true"]').count()).toBe(2);
    await page.screenshot({ path: path.join(resultsDir(), 'study-pages-import.png') });
    expect(errors).toEqual([]);
  }, 300_000);
});
