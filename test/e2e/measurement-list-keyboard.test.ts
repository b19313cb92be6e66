// The measurement list from the keyboard and for a screen reader, in Debian's Chromium against
// the real engine: each ✕ is named in words for the measurement it deletes ("Delete Length 1"),
// its glyph hidden, a tooltip with its key; Tab reaches every row's buttons; Space picks a row
// (not cine, on a series of two images), and Delete then deletes it, never the series' label in
// the Training tab; the focus goes to the next row, else Undo, and after Undo to the measurement
// brought back. A save the library refuses (another connection holds its write lock) says so,
// with a Dismiss named in words. Screenshots: test-results/measurement-list-keyboard-*.png.
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { dragOnViewport, openApp, resultsDir, useUiSession } from '../support/browser';
import { importAndOpenTwo, writeTwoCtImages } from './two-ct-images';
import { LIBRARY_FILE } from '../../electron/library/library';

const UID = '1.2.826.0.1.3680043.10.99.91';

/** The focused element: its class and the words a screen reader reads for it. */
function focused(page: Page): Promise<{ cls: string; name: string }> {
  return page.evaluate(() => {
    // Runs in the page; typed here without the DOM library, which the Node project leaves out.
    interface El { className: string; getAttribute(n: string): string | null; innerText: string; querySelector(s: string): El | null }
    const el = (globalThis as unknown as { document: { activeElement: El | null } }).document.activeElement;
    const hidden = el?.querySelector('.visually-hidden');
    return { cls: el?.className ?? '', name: el?.getAttribute('aria-label') ?? hidden?.innerText ?? el?.innerText ?? '' };
  });
}

/** The rows of the list as shown ("Length 1: 16.8 mm"). */
async function rows(page: Page): Promise<string[]> {
  return page.locator('.measure-pick').allInnerTexts();
}

describe('the measurement list from the keyboard', () => {
  const session = useUiSession('lumen-measurement-list', (dataDir) => writeTwoCtImages(dataDir, UID, { name: 'Keys^Kim', id: 'PK001' }));

  it('names each ✕ for its measurement, reaches every row by Tab, deletes and undoes from the keyboard', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await importAndOpenTwo(page, dataDir, /^Study .*Kim/);

    await page.getByRole('button', { name: 'Length', exact: true }).click();
    await dragOnViewport(page, [0.3, 0.6], [0.7, 0.6]);
    await dragOnViewport(page, [0.5, 0.2], [0.5, 0.4]);
    await expect.poll(() => rows(page)).toEqual([expect.stringMatching(/^Length 1: \d+\.\d mm$/), expect.stringMatching(/^Length 2: \d+\.\d mm$/)]);
    const [long, short] = (await rows(page)).map((t) => t.replace(/^Length \d: /, ''));

    // Each ✕: named in words for its row, the glyph hidden from the name, a tooltip with its key.
    for (const n of [1, 2]) {
      const del = page.getByRole('button', { name: `Delete Length ${n}`, exact: true });
      expect(await del.count()).toBe(1);
      expect(await del.getAttribute('aria-label')).toBeNull();
      expect(await del.getAttribute('title')).toBe(`Delete Length ${n} (Del)`);
      expect(await del.locator('[aria-hidden="true"]').innerText()).toBe('✕');
      expect(await del.locator('.visually-hidden').innerText()).toBe(`Delete Length ${n}`);
    }

    // Tab from the toolbar's last button reaches both rows' pick and ✕ buttons, in order.
    await page.getByRole('button', { name: 'Reset view', exact: true }).focus();
    const reached: string[] = [];
    for (let i = 0; i < 12 && reached.length < 4; i++) {
      await page.keyboard.press('Tab');
      const f = await focused(page);
      if (/measure-(pick|delete)/.test(f.cls)) reached.push(f.name);
    }
    expect(reached).toEqual([`Length 1: ${long}`, 'Delete Length 1', `Length 2: ${short}`, 'Delete Length 2']);

    // Space on a row picks it and leaves cine alone (the series has two images).
    await page.getByRole('button', { name: `Length 2: ${short}` }).focus();
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByRole('button', { name: `Length 2: ${short}` }).getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByRole('button', { name: 'Play cine', exact: true }).count()).toBe(1);
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/2' }).waitFor();
    await page.screenshot({ path: path.join(resultsDir(), 'measurement-list-keyboard-selected.png') });

    // Space on the other row selects it instead; Delete deletes the selected one, and nothing else
    // (in the Training tab, the series' label stays); the focus goes to the row that is left, and
    // the notice offers Undo.
    await page.getByRole('tab', { name: 'Training' }).click();
    const training = page.getByRole('tabpanel', { name: 'Training' });
    await page.getByRole('button', { name: `Length 1: ${long}` }).focus();
    await page.keyboard.press('1');
    await training.getByText(/^Current: normal/).waitFor({ timeout: 30_000 });
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByRole('button', { name: `Length 1: ${long}` }).getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByRole('button', { name: `Length 2: ${short}` }).getAttribute('aria-pressed')).toBe('false');
    await page.keyboard.press('Delete');
    await expect.poll(() => rows(page)).toEqual([`Length 1: ${short}`]);
    expect(await focused(page)).toEqual({ cls: 'measure-pick', name: `Length 1: ${short}` });
    await page.waitForTimeout(500);
    expect(await training.getByText(/^Current: normal/).count()).toBe(1);
    await page.getByRole('status').filter({ hasText: 'Length deleted.' }).waitFor();

    // Tab on to Undo; Enter brings the length back, and the focus with it.
    await page.keyboard.press('Tab');
    expect((await focused(page)).name).toBe('Delete Length 1');
    await page.keyboard.press('Tab');
    expect((await focused(page)).cls).toBe('measure-undo-button');
    await page.screenshot({ path: path.join(resultsDir(), 'measurement-list-keyboard-undo.png') });
    await page.keyboard.press('Enter');
    await expect.poll(() => rows(page)).toEqual([`Length 1: ${long}`, `Length 2: ${short}`]);
    await expect.poll(() => focused(page)).toEqual({ cls: 'measure-pick', name: `Length 1: ${long}` });

    // Enter on a ✕ deletes its row; the focus goes to the next row's ✕; the last one's to Undo;
    // Ctrl+Z there brings the last one back, with the focus.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => rows(page)).toEqual([`Length 1: ${short}`]);
    expect(await focused(page)).toEqual({ cls: 'measure-delete', name: 'Delete Length 1' });
    await page.keyboard.press('Enter');
    await expect.poll(() => rows(page)).toEqual([]);
    await expect.poll(() => focused(page)).toEqual({ cls: 'measure-undo-button', name: 'Undo deleting the length' });
    await page.keyboard.press('Control+z');
    await expect.poll(() => rows(page)).toEqual([`Length 1: ${short}`]);
    await expect.poll(() => focused(page)).toEqual({ cls: 'measure-pick', name: `Length 1: ${short}` });

    // A save the library refuses: another connection holds its write lock past the engine's wait.
    const db = new Database(path.join(dataDir, 'library', LIBRARY_FILE));
    // The undo's save first reaches the library (shown at once, saved after): the lock must refuse the new length, not it.
    await expect.poll(() => (db.prepare('SELECT COUNT(*) AS n FROM measurements').get() as { n: number }).n).toBe(1);
    try {
      db.exec('BEGIN IMMEDIATE');
      await page.getByRole('button', { name: 'Length', exact: true }).click();
      await dragOnViewport(page, [0.2, 0.8], [0.4, 0.8]);
      const alert = page.locator('.measure-error[role="alert"]');
      await alert.waitFor({ timeout: 30_000 });
      expect(await alert.innerText()).toMatch(/^The measurement on image 1 could not be kept in the library: .+/);
    } finally {
      db.exec('ROLLBACK');
      db.close();
    }
    await expect.poll(() => rows(page)).toEqual([`Length 1: ${short}`]);
    const dismiss = page.getByRole('button', { name: 'Dismiss', exact: true });
    expect(await dismiss.getAttribute('aria-label')).toBeNull();
    expect(await dismiss.getAttribute('title')).toBe('Dismiss this message');
    expect(await dismiss.locator('[aria-hidden="true"]').innerText()).toBe('✕');
    await page.screenshot({ path: path.join(resultsDir(), 'measurement-list-keyboard-error.png') });
    await dismiss.focus();
    await page.keyboard.press('Enter');
    await page.locator('.measure-error').waitFor({ state: 'detached' });

    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
