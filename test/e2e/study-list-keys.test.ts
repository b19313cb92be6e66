// The study list under the keyboard while its rows are still being drawn and its pages still
// arriving, in Debian's Chromium against the real bridge and engine, on a library of 3,000
// studies written straight into SQLite (test/support/library-rows.ts). Each race is made
// certain rather than left to timing: keys are sent in one go, before the list has drawn the
// rows they go to; the next page's request is held in the page (the bridge's WebSocket send
// is wrapped before the app loads) until the keys are pressed; Tab starts from the last row
// drawn, focused without scrolling. Every key moves exactly one step; the list is one stop for
// Tab (the study last focused), drawn or scrolled away.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { fillLibrary, type BulkStudy } from '../support/library-rows';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { focusedStudy } from './study-list-focus';

const STUDIES = 3000;
/** What useStudyPages asks for first (STUDY_PAGE). */
const FIRST_PAGE = 200;


/** The places (aria-posinset) of the studies drawn, lowest and highest. */
async function drawn(page: Page): Promise<{ first: number; last: number }> {
  const places = await page.getByRole('list', { name: 'Studies' }).getByRole('listitem').evaluateAll((els) => els.map((e) => Number((e as unknown as { getAttribute(n: string): string }).getAttribute('aria-posinset'))));
  return { first: Math.min(...places), last: Math.max(...places) };
}

/** Focuses the header of the study at `place` (aria-posinset) without scrolling the list. */
async function focusWithoutScroll(page: Page, place: number): Promise<void> {
  await page.evaluate((place) => {
    const doc = (globalThis as unknown as { document: { querySelector(s: string): { focus(o: object): void } | null } }).document;
    doc.querySelector(`[aria-posinset="${place}"] > .study-head`)!.focus({ preventScroll: true });
  }, place);
}

/** "Bulk000123^Pat" as the list names it ("Study Bulk000123, Pat 05-Mar-2001"). */
const shownName = (s: BulkStudy) => s.name.replace('^', ', ');

describe('the study list under the keyboard while rows and pages arrive', () => {
  let byDate: BulkStudy[] = [];
  const session = useUiSession('lumen-study-list-keys', (dataDir) => {
    const specs = fillLibrary(path.join(dataDir, 'library'), { studies: STUDIES });
    byDate = [...specs].sort((a, b) => ((b.date ?? '') + (b.time ?? '')).localeCompare((a.date ?? '') + (a.time ?? '')) || a.name.localeCompare(b.name));
  });

  it('moves one study per ↓ when the keys come before the rows are drawn', async () => {
    const { page, errors } = await openApp(session());
    const items = page.getByRole('list', { name: 'Studies' }).getByRole('listitem');
    await items.first().waitFor({ timeout: 60_000 });
    await items.first().locator('.study-head').focus();
    const before = await drawn(page);
    const presses = 40;
    // More than the rows drawn, all in one task: no scroll, no drawing between them.
    expect(before.last).toBeLessThan(presses);
    await page.evaluate((presses) => {
      const g = globalThis as unknown as { document: { activeElement: { dispatchEvent(e: unknown): void } }; KeyboardEvent: new (t: string, o: object) => unknown };
      for (let i = 0; i < presses; i++) g.document.activeElement.dispatchEvent(new g.KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true, cancelable: true }));
    }, presses);
    await expect.poll(async () => (await focusedStudy(page))?.at, { timeout: 30_000 }).toBe(1 + presses);
    expect((await focusedStudy(page))!.label).toContain(shownName(byDate[presses]));
    expect(errors).toEqual([]);
  }, 120_000);

  it('moves one study per ↓ past the last one loaded while the next page is on its way', async () => {
    const page = await session().browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // Every request for a further page (it carries a cursor) waits in the page until released.
    await page.addInitScript(() => {
      const g = globalThis as unknown as { WebSocket: { prototype: { send(d: unknown): void } }; __held: (() => void)[]; __hold: boolean; __release(): void };
      g.__held = [];
      g.__hold = true;
      const send = g.WebSocket.prototype.send;
      g.WebSocket.prototype.send = function (this: unknown, data: unknown) {
        if (g.__hold && typeof data === 'string' && data.includes('"library.studyPage"') && data.includes('"cursor"')) g.__held.push(() => send.call(this, data));
        else send.call(this, data);
      };
      g.__release = () => {
        g.__hold = false;
        for (const go of g.__held.splice(0)) go();
      };
    });
    await page.goto(session().bridge.url);
    const items = page.getByRole('list', { name: 'Studies' }).getByRole('listitem');
    await items.first().waitFor({ timeout: 60_000 });
    await items.first().locator('.study-head').focus();
    // To the last study of the first page, a key at a time (each waited for).
    while (((await focusedStudy(page))?.at ?? 0) < FIRST_PAGE - 15) {
      const at = (await focusedStudy(page))!.at;
      await page.keyboard.press('PageDown');
      await expect.poll(async () => (await focusedStudy(page))?.at, { timeout: 30_000 }).toBeGreaterThan(at);
    }
    let at = (await focusedStudy(page))!.at;
    while (at < FIRST_PAGE) {
      await page.keyboard.press('ArrowDown');
      await expect.poll(async () => (await focusedStudy(page))?.at, { timeout: 30_000 }).toBe(at + 1);
      at++;
    }
    // The next page was asked for (the list nears its end) and is held: three ↓ now.
    await expect.poll(() => page.evaluate(() => (globalThis as unknown as { __held: unknown[] }).__held.length)).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    expect((await focusedStudy(page))?.at).toBe(FIRST_PAGE);
    await page.evaluate(() => (globalThis as unknown as { __release(): void }).__release());
    await expect.poll(async () => (await focusedStudy(page))?.at, { timeout: 30_000 }).toBeGreaterThan(FIRST_PAGE);
    // Where the focus settles: three studies on, not one.
    await expect.poll(async () => (await focusedStudy(page))?.at, { timeout: 30_000 }).toBe(FIRST_PAGE + 3);
    expect((await focusedStudy(page))!.label).toContain(shownName(byDate[FIRST_PAGE + 2]));
    await page.screenshot({ path: path.join(resultsDir(), 'study-list-keys-page-held.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);

  it('is one stop for Tab: the study last focused, drawn or scrolled away', async () => {
    const { page, errors } = await openApp(session());
    const list = page.getByRole('list', { name: 'Studies' });
    await list.getByRole('listitem').first().waitFor({ timeout: 60_000 });
    // The last study drawn, focused as a click leaves it: Tab goes on past the list, not to the next study.
    const { last } = await drawn(page);
    await focusWithoutScroll(page, last);
    await page.keyboard.press('Tab');
    expect(await focusedStudy(page)).toBeNull();
    // Shift+Tab comes back to that study.
    await page.keyboard.press('Shift+Tab');
    await expect.poll(async () => (await focusedStudy(page))?.at, { timeout: 30_000 }).toBe(last);
    expect((await focusedStudy(page))!.label).toContain(shownName(byDate[last - 1]));

    // Scrolled far down, the study no longer drawn: Shift+Tab onto the list still brings the focus back to it.
    await page.keyboard.press('Tab');
    expect(await focusedStudy(page)).toBeNull();
    await list.evaluate((el) => ((el as unknown as { scrollTop: number }).scrollTop = 20_000));
    await expect.poll(async () => (await drawn(page)).first, { timeout: 30_000 }).toBeGreaterThan(last);
    await page.keyboard.press('Shift+Tab');
    await expect.poll(async () => (await focusedStudy(page))?.at, { timeout: 30_000 }).toBe(last);
    expect((await focusedStudy(page))!.label).toContain(shownName(byDate[last - 1]));
    await page.screenshot({ path: path.join(resultsDir(), 'study-list-keys-one-tab-stop.png') });
    expect(errors).toEqual([]);
  }, 120_000);
});
