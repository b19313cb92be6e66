// The keyboard keeps its place while a PACS button's work runs (Debian's Chromium, `lumen serve`'s
// bridge, the real engine, a real Orthanc): Enter on Settings' "Test connection" and on the PACS
// tab's "Retrieve" leaves the focus on that button while it is busy (aria-disabled, not disabled:
// a focused button that becomes disabled drops the focus to the page's body) and after the result
// shows, so the next Tab goes on from there. At 1440×900 the receiver's summary ("LUMEN on port …,
// this computer only") is shown whole, wrapped, not cut. Screenshots: test-results/pacs-busy-focus-*.png.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { lumen, usePacsFixture } from '../pacs/support';

const fixture = usePacsFixture('busy-focus', { studies: [{ key: 8801, patientId: 'BF1', patientName: 'Focus^Kept', accession: 'ACCBF1', studyDate: '20240510', perSeries: 2 }] });

/** The focused element: its tag, accessible name (aria-label or text) and aria-disabled. */
const active = (page: Page) =>
  page.evaluate(() => {
    const el = (globalThis as unknown as { document: { activeElement: { tagName: string; textContent: string | null; getAttribute(n: string): string | null } | null } }).document.activeElement;
    return { tag: el?.tagName.toLowerCase() ?? '', name: (el?.getAttribute('aria-label') ?? el?.textContent ?? '').trim(), busy: el?.getAttribute('aria-disabled') ?? null };
  });

describe('PACS buttons keep the keyboard focus while busy', () => {
  const session = useUiSession('lumen-pacs-busy-focus', async (dataDir) => {
    const { orthanc } = fixture;
    // Orthanc lets LUMEN query and C-GET once it knows the calling AE title.
    await orthanc.rest('PUT', '/modalities/lumen', JSON.stringify({ AET: 'LUMEN', Host: '127.0.0.1', Port: 9, AllowGet: true, AllowFind: true, AllowMove: true, AllowStore: true, AllowEcho: true }));
    const added = await lumen(dataDir, ['pacs', 'add', '--name', 'orthanc-dimse', '--dimse', `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`]);
    if (added.code !== 0) throw new Error(added.stderr);
  });

  it('Test connection and Retrieve by Enter: the focus stays on the button, and the receiver summary wraps', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1440, height: 900 });
    const shot = (name: string) => page.screenshot({ path: path.join(resultsDir(), `pacs-busy-focus-${name}.png`) });
    const tabTo = async (name: RegExp, max = 80) => {
      const passed: string[] = [];
      for (let i = 0; i < max; i++) {
        await page.keyboard.press('Tab');
        const now = (await active(page)).name;
        if (name.test(now)) return;
        passed.push(now.slice(0, 30));
      }
      throw new Error(`Tab never reached ${name}; it passed ${passed.join(' | ')}`);
    };
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByRole('region', { name: 'Welcome to Lumen' }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');

    // Settings (Ctrl+,): Enter on Test connection.
    await page.keyboard.press('Control+,');
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.waitFor();
    await dialog.getByTestId('pacs-connection').waitFor({ timeout: 60_000 });
    await tabTo(/^Test connection$/, 120);
    await page.keyboard.press('Enter');
    const result = dialog.getByTestId('pacs-connection').filter({ hasText: 'orthanc-dimse' }).getByTestId('pacs-test-result');
    await result.filter({ hasText: /^Connected: / }).waitFor({ timeout: 60_000 });
    expect(await active(page)).toEqual({ tag: 'button', name: 'Test connection', busy: 'false' });
    // The next Tab goes on from the button (Edit), not from the top of the dialog.
    await page.keyboard.press('Tab');
    expect((await active(page)).name).toBe('Edit');
    await shot('tested');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    // The PACS tab: a search by patient name, then Enter on the study's Retrieve.
    await tabTo(/^PACS$/, 60);
    await page.keyboard.press('Enter');
    const tab = page.getByTestId('pacs-tab');
    await tab.waitFor();
    await tabTo(/^Patient name/, 30).catch(async () => {
      await tab.getByLabel(/^Patient name/).focus();
    });
    await page.keyboard.type('focus*');
    await page.keyboard.press('Enter');
    await tab.getByRole('status').filter({ hasText: /^1 study on orthanc-dimse$/ }).waitFor({ timeout: 60_000 });
    await tabTo(/^Retrieve the study/, 30);
    await page.keyboard.press('Enter');
    // While it runs (if it is still running when looked at) the button keeps the focus, marked busy.
    const during = await active(page);
    expect(during.tag).toBe('button');
    expect(during.name).toMatch(/^Retrieve the study/);
    await tab.getByTestId('pacs-retrieve-report').filter({ hasText: /2 images retrieved/ }).waitFor({ timeout: 90_000 });
    await tab.getByTestId('pacs-study').first().getByTestId('pacs-held').filter({ hasText: /^In library$/ }).waitFor({ timeout: 30_000 });
    const after = await active(page);
    expect(after).toMatchObject({ tag: 'button', busy: 'false' });
    expect(after.name).toMatch(/^Retrieve the study/);
    await shot('retrieved');

    // The receiver's summary, at 1440×900 in the study browser's width: whole (wrapped), not cut.
    const summary = page.getByTestId('pacs-receiver').locator('summary');
    await summary.waitFor();
    expect(await summary.textContent()).toMatch(/^LUMEN on port \d+, this computer only$/);
    // Runs in the page; typed here without the DOM library, which the Node project leaves out.
    const fits = await summary.evaluate((el: { scrollWidth: number; clientWidth: number }) => ({
      scroll: el.scrollWidth,
      client: el.clientWidth,
      ellipsis: (globalThis as unknown as { getComputedStyle(e: unknown): { textOverflow: string } }).getComputedStyle(el).textOverflow,
    }));
    expect(fits.scroll).toBeLessThanOrEqual(fits.client);
    expect(fits.ellipsis).not.toBe('ellipsis');
    await page.getByTestId('pacs-receiver').screenshot({ path: path.join(resultsDir(), 'pacs-busy-focus-receiver.png') });
    expect(errors).toEqual([]);
  }, 300_000);
});
