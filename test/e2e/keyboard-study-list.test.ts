// The study list is one stop for Tab, and F6 moves from area to area, in Debian's Chromium
// against the real bridge and engine, on a library of 500 studies written straight into SQLite
// (test/support/library-rows.ts) and one real image imported by `lumen import` (the newest
// study, so the top of the list). From the search box, Tab crosses the list's tools and one
// study (its header and series card) and reaches the viewer; the count of presses does not
// grow with the library. Shift+Tab comes back to the study last focused, wherever the list was
// scrolled. F6 and Shift+F6 cycle the top bar, the study browser, the viewer and the side
// panel, each area taking back the control last focused in it. The page's h1 is the open
// study. Screenshots: test-results/keyboard-study-list-*.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { writeImage } from '../support/dicom/write';
import { fillLibrary } from '../support/library-rows';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { runLumen } from '../support/cli';
import { focusedStudy } from './study-list-focus';

const STUDIES = 500;
/** The presses of Tab the walk may take before it is called lost in the list. */
const MAX_PRESSES = 40;

/** Where the focus is: the area it is in (by the app's own containers), and the focused element's name. */
async function focusAt(page: Page): Promise<{ area: string; name: string }> {
  return page.evaluate(() => {
    interface El { closest(s: string): El | null; getAttribute(n: string): string | null; textContent: string | null; tagName: string }
    const el = (globalThis as unknown as { document: { activeElement: El | null } }).document.activeElement;
    if (!el) return { area: 'none', name: '' };
    const area = el.closest('.viewer') ? 'viewer' : el.closest('.center') ? 'center' : el.closest('[data-testid="study-list"]') ? 'list' : el.closest('.study-browser') ? 'browser' : el.closest('.side') ? 'side' : el.closest('.topbar') ? 'topbar' : el.tagName.toLowerCase();
    return { area, name: (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().slice(0, 60) };
  });
}

describe('the keyboard across a large study list', () => {
  const session = useUiSession('lumen-keyboard-study-list', async (dataDir) => {
    fillLibrary(path.join(dataDir, 'library'), { studies: STUDIES });
    const incoming = path.join(dataDir, 'incoming');
    mkdirSync(incoming);
    writeImage(path.join(incoming, 'a.dcm'), {
      rows: 8,
      columns: 8,
      bitsAllocated: 16,
      modality: 'MR',
      pixelBytes: new Uint8Array(128).map((_, k) => (k * 37) & 0xff),
      uid: '1.2.826.0.1.3680043.10.99.15.1',
      extra: {
        0x00080018: { vr: 'UI', value: '1.2.826.0.1.3680043.10.99.15.1.3.1' },
        0x00080020: { vr: 'DA', value: '20300101' },
        0x00081030: { vr: 'LO', value: 'KNEE LEFT' },
        0x00100010: { vr: 'PN', value: 'Keyes^Tabitha' },
        0x00100020: { vr: 'LO', value: 'KEY001' },
        0x0020000e: { vr: 'UI', value: '1.2.826.0.1.3680043.10.99.15.1.2.1' },
      },
    });
    const imported = await runLumen(['import', incoming], dataDir);
    if (imported.code !== 0) throw new Error(`lumen import exited ${imported.code}: ${imported.stderr}`);
  });

  it('crosses 500 studies by Tab in a few presses, and F6 cycles the areas', async () => {
    const { page, errors } = await openApp(session());
    const list = page.getByRole('list', { name: 'Studies' });
    const newest = list.getByRole('listitem', { name: /^Study Keyes, Tabitha/ });
    await newest.waitFor({ timeout: 60_000 });
    expect(await list.getByRole('listitem').first().getAttribute('aria-setsize')).toBe(String(STUDIES + 1));
    // Open the newest study's series (a library this large shows studies folded).
    await newest.locator('.study-head').click();
    await newest.getByTestId('series-card').click();
    await page.getByTestId('viewport').waitFor({ timeout: 60_000 });
    // The page's h1 is the open study: its patient and description.
    expect(await page.getByRole('heading', { level: 1 }).allInnerTexts()).toEqual([expect.stringMatching(/^Keyes, Tabitha · ID KEY001 · KNEE LEFT|^Keyes, Tabitha · KNEE LEFT/)]);

    // From the search box, Tab to the viewer: every stop on the way, and the studies passed.
    await page.getByRole('searchbox', { name: 'Search studies' }).focus();
    const stops: { area: string; name: string }[] = [];
    const studiesPassed = new Set<number>();
    for (let i = 0; i < MAX_PRESSES; i++) {
      await page.keyboard.press('Tab');
      const at = await focusAt(page);
      stops.push(at);
      const study = await focusedStudy(page);
      if (study) studiesPassed.add(study.at);
      if (at.area === 'viewer') break;
    }
    console.log(`Tab from the search box to the viewer: ${stops.length} presses: ${stops.map((s) => `${s.area} "${s.name}"`).join(' | ')}`);
    expect(stops.at(-1)?.area, `Tab never reached the viewer: ${stops.map((s) => s.area).join(', ')}`).toBe('viewer');
    // One study of the 500: the one last focused (the one opened), its header and its series card.
    expect([...studiesPassed]).toEqual([1]);
    expect(stops.filter((s) => s.area === 'list')).toHaveLength(2);
    // 18 in Chromium: the sort, Expand all, five modality chips, two date fields of four stops each, the study, its series.
    expect(stops.length).toBeLessThanOrEqual(24);
    await page.screenshot({ path: path.join(resultsDir(), 'keyboard-study-list-tab-to-viewer.png') });

    // Shift+Tab back into the list lands on that study's series card.
    while ((await focusAt(page)).area !== 'list') await page.keyboard.press('Shift+Tab');
    expect(await focusedStudy(page)).toMatchObject({ at: 1 });

    // ↓ moves to another study, which becomes the list's one stop; scrolled far from it, the
    // list still takes Tab and gives the focus back to that study.
    await page.keyboard.press('Shift+Tab');
    expect(await focusAt(page)).toMatchObject({ area: 'list' });
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowDown');
    await expect.poll(async () => (await focusedStudy(page))?.at, { timeout: 30_000 }).toBe(6);
    await page.getByRole('searchbox', { name: 'Search studies' }).focus();
    await list.evaluate((el) => ((el as unknown as { scrollTop: number }).scrollTop = 20_000));
    await expect.poll(async () => Number(await list.getByRole('listitem').first().getAttribute('aria-posinset')), { timeout: 30_000 }).toBeGreaterThan(50);
    for (let i = 0; i < MAX_PRESSES && (await focusAt(page)).area !== 'list'; i++) await page.keyboard.press('Tab');
    await expect.poll(async () => (await focusedStudy(page))?.at, { timeout: 30_000 }).toBe(6);
    await page.screenshot({ path: path.join(resultsDir(), 'keyboard-study-list-back-to-study.png') });

    // F6 from the list: the viewer, the side panel, the top bar, the study browser (the study
    // last focused there), and Shift+F6 the other way.
    const areas: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('F6');
      areas.push((await focusAt(page)).area);
    }
    expect(areas).toEqual(['viewer', 'side', 'topbar', 'list']);
    expect(await focusedStudy(page)).toMatchObject({ at: 6 });
    await page.keyboard.press('Shift+F6');
    expect((await focusAt(page)).area).toBe('topbar');
    await page.keyboard.press('Shift+F6');
    expect((await focusAt(page)).area).toBe('side');
    await page.screenshot({ path: path.join(resultsDir(), 'keyboard-study-list-f6.png') });
    // A dialog keeps the focus: F6 does not leave it.
    await page.keyboard.press('?');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    await page.keyboard.press('F6');
    expect(await page.evaluate(() => !!(globalThis as unknown as { document: { activeElement: { closest(s: string): unknown } | null } }).document.activeElement?.closest('[role="dialog"]'))).toBe(true);
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);
});
