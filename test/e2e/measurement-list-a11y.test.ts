// The measurement list's Undo and Dismiss for a keyboard and screen-reader user, in Debian's
// Chromium against the real engine: Undo's accessible name is words only ("Undo deleting the
// length"), its key in aria-keyshortcuts and the tooltip; after Dismiss (a save the library
// refused: another connection holds its write lock) the focus goes back to where the user was,
// never to the page: the control it came from, else the last row, else the viewer's chosen tool.
// Screenshots: test-results/measurement-list-a11y-*.png.
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dragOnViewport, openApp, resultsDir, useUiSession } from '../support/browser';
import { importAndOpenTwo, writeTwoCtImages } from './two-ct-images';
import { LIBRARY_FILE } from '../../electron/library/library';

const UID = '1.2.826.0.1.3680043.10.99.93';

/** The focused element: its tag and class, and the words a screen reader reads for it. */
function focused(page: Page): Promise<{ tag: string; cls: string; name: string }> {
  return page.evaluate(() => {
    // Runs in the page; typed here without the DOM library, which the Node project leaves out.
    interface El { tagName: string; className: string; getAttribute(n: string): string | null; innerText: string; querySelector(s: string): El | null }
    const el = (globalThis as unknown as { document: { activeElement: El | null } }).document.activeElement;
    const hidden = el?.querySelector('.visually-hidden');
    return { tag: el?.tagName ?? '', cls: el?.className ?? '', name: el?.getAttribute('aria-label') ?? hidden?.innerText ?? el?.innerText ?? '' };
  });
}

async function rows(page: Page): Promise<string[]> {
  return page.locator('.measure-pick').allInnerTexts();
}

describe('the measurement list for keyboard and screen-reader users', () => {
  const session = useUiSession('lumen-measurement-a11y', (dataDir) => writeTwoCtImages(dataDir, UID, { name: 'Access^Ada', id: 'PA001' }));

  it("names Undo in words with its key aside, and keeps the focus in place after Dismiss", async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await importAndOpenTwo(page, dataDir, /^Study .*Ada/);
    const db = new Database(path.join(dataDir, 'library', LIBRARY_FILE));
    const saved = () => (db.prepare('SELECT COUNT(*) AS n FROM measurements').get() as { n: number }).n;
    const alert = page.locator('.measure-error[role="alert"]');
    const dismiss = alert.getByRole('button', { name: 'Dismiss', exact: true });
    /** Draws a length the library refuses (its write lock held past the engine's wait), and waits for the notice. */
    const refused = async (from: [number, number], to: [number, number]) => {
      db.exec('BEGIN IMMEDIATE');
      try {
        await dragOnViewport(page, from, to);
        await alert.waitFor({ timeout: 30_000 });
      } finally {
        db.exec('ROLLBACK');
      }
    };

    try {
      // The first length refused: no row and no Undo, so Dismiss gives the focus to the tool in use.
      const lengthTool = page.getByRole('button', { name: 'Length', exact: true });
      await lengthTool.click();
      await refused([0.2, 0.8], [0.4, 0.8]);
      await expect.poll(() => rows(page)).toEqual([]);
      await dismiss.focus();
      await page.keyboard.press('Enter');
      await alert.waitFor({ state: 'detached' });
      expect(await focused(page)).toEqual({ tag: 'BUTTON', cls: 'tool active', name: 'Length' });

      // Two lengths kept, a third refused: Tab from a row's ✕ to Dismiss, Enter, and the focus is
      // back on that ✕.
      await dragOnViewport(page, [0.3, 0.6], [0.7, 0.6]);
      await dragOnViewport(page, [0.5, 0.2], [0.5, 0.4]);
      await expect.poll(saved).toBe(2);
      await refused([0.2, 0.8], [0.4, 0.8]);
      await expect.poll(() => rows(page)).toEqual([expect.stringMatching(/^Length 1: /), expect.stringMatching(/^Length 2: /)]);
      await page.getByRole('button', { name: 'Delete Length 2', exact: true }).focus();
      let before = await focused(page);
      for (let i = 0; i < 8 && (await focused(page)).name !== 'Dismiss'; i++) {
        before = await focused(page);
        await page.keyboard.press('Tab');
      }
      expect(await focused(page)).toMatchObject({ tag: 'BUTTON', name: 'Dismiss' });
      await page.screenshot({ path: path.join(resultsDir(), 'measurement-list-a11y-dismiss.png') });
      await page.keyboard.press('Enter');
      await alert.waitFor({ state: 'detached' });
      expect(await focused(page)).toEqual(before);
      expect(before).toEqual({ tag: 'BUTTON', cls: 'measure-delete', name: 'Delete Length 2' });

      // Dismiss reached from outside the list (focused from the page): the focus goes to the last row.
      await refused([0.2, 0.8], [0.4, 0.8]);
      await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { blur(): void } | null } }).document.activeElement?.blur());
      await dismiss.focus();
      await page.keyboard.press('Enter');
      await alert.waitFor({ state: 'detached' });
      expect(await focused(page)).toEqual({ tag: 'BUTTON', cls: 'measure-pick', name: (await rows(page))[1] });
    } finally {
      db.close();
    }

    // Undo after a delete from the keyboard: its name is words only, its key in aria-keyshortcuts
    // and the tooltip; Ctrl+Z from it brings the length back.
    await page.getByRole('button', { name: 'Delete Length 2', exact: true }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => rows(page)).toEqual([expect.stringMatching(/^Length 1: /)]);
    const undo = page.getByRole('button', { name: 'Undo deleting the length', exact: true });
    expect(await undo.count()).toBe(1);
    expect(await undo.getAttribute('aria-keyshortcuts')).toBe('Control+Z');
    expect(await undo.getAttribute('title')).toBe('Undo (Ctrl+Z)');
    expect(await page.getByRole('button', { name: /Ctrl/ }).count()).toBe(0);
    // The accessibility tree Chromium builds says the same.
    expect(await page.locator('.measure-undo').ariaSnapshot()).toContain('button "Undo deleting the length"');
    await page.screenshot({ path: path.join(resultsDir(), 'measurement-list-a11y-undo.png') });
    await undo.focus();
    await page.keyboard.press('Control+z');
    await expect.poll(() => rows(page)).toEqual([expect.stringMatching(/^Length 1: /), expect.stringMatching(/^Length 2: /)]);

    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
