// Modal dialogs keep the keyboard inside until they close (issue #13, point 8): in Debian's
// Chromium against the real engine, Tab and Shift+Tab cycle within the dialog, keys meant
// for the viewer behind do not reach it, Escape closes, and focus returns to where it was.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';

/** Which dialog (by its accessible name) holds the focus, or a description of what does. */
function focusOwner(page: Page): Promise<string> {
  return page.evaluate(() => {
    type El = { textContent: string | null; closest(s: string): { getAttribute(a: string): string | null } | null; querySelector(s: string): El | null; tagName: string; getAttribute(a: string): string | null };
    const doc = (globalThis as unknown as { document: { activeElement: El | null } }).document;
    const el = doc.activeElement;
    if (!el) return 'nothing';
    const dialog = el.closest('[role="dialog"]');
    if (dialog) return `dialog ${dialog.getAttribute('aria-labelledby')}`;
    // An icon button's name: its aria-label, or the visually hidden words beside its glyph.
    return `${el.tagName.toLowerCase()} ${el.getAttribute('aria-label') ?? el.querySelector(':scope > .visually-hidden')?.textContent ?? ''}`.trim();
  });
}

describe('modal dialogs hold the keyboard', () => {
  const session = useUiSession('lumen-dialogs', (dataDir) => {
    // Two files that are not DICOM, for the list of files not imported.
    mkdirSync(path.join(dataDir, 'incoming'), { recursive: true });
    writeFileSync(path.join(dataDir, 'incoming', 'notes.txt'), 'not an image');
    writeFileSync(path.join(dataDir, 'incoming', 'IM0001'), Buffer.alloc(300, 7));
  });

  it('cycles Tab and Shift+Tab inside Help and About, closes on Escape and gives the focus back', async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 60_000 });

    // Help, opened from its toolbar button with the keyboard.
    const helpButton = page.getByRole('button', { name: 'Keyboard shortcuts' });
    await helpButton.focus();
    await page.keyboard.press('Enter');
    const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await help.waitFor();
    expect(await focusOwner(page)).toBe('dialog help-title');
    for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      expect(await focusOwner(page), `after ${key}`).toBe('dialog help-title');
    }
    // A click on the dialog's text keeps the focus inside: Tab still cannot leave.
    await help.getByRole('heading').click();
    await page.keyboard.press('Tab');
    expect(await focusOwner(page)).toBe('dialog help-title');
    await page.screenshot({ path: path.join(resultsDir(), 'dialogs-help-focus.png') });
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
    expect(await focusOwner(page)).toBe('button Keyboard shortcuts');

    // About, from its button with the mouse; Escape gives the focus back to that button.
    const aboutButton = page.getByRole('button', { name: 'About', exact: true });
    await aboutButton.click();
    const about = page.getByRole('dialog', { name: 'About Lumen' });
    await about.waitFor();
    expect(await focusOwner(page)).toBe('dialog about-title');
    for (const key of ['Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      expect(await focusOwner(page), `after ${key}`).toBe('dialog about-title');
    }
    await page.keyboard.press('Escape');
    await about.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent)).toBe('About');

    // F1 opens About over Help: Escape closes only the top one, then the other, each giving the focus back.
    await helpButton.focus();
    await page.keyboard.press('Enter');
    await help.waitFor();
    await page.keyboard.press('F1');
    await about.waitFor();
    expect(await focusOwner(page)).toBe('dialog about-title');
    await page.keyboard.press('Escape');
    await about.waitFor({ state: 'detached' });
    expect(await help.isVisible()).toBe(true);
    expect(await focusOwner(page)).toBe('dialog help-title');
    await page.keyboard.press('Escape');
    await help.waitFor({ state: 'detached' });
    expect(await focusOwner(page)).toBe('button Keyboard shortcuts');

    // The list of files not imported, from its link: the same.
    await page.getByLabel('Import a folder or file').fill(path.join(session().dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    const showList = page.getByRole('button', { name: 'Show the list' });
    await showList.click();
    const issues = page.getByRole('dialog', { name: 'Files not imported' });
    await issues.waitFor();
    expect(await focusOwner(page)).toBe('dialog import-issues-title');
    for (let i = 0; i < 12; i++) {
      await page.keyboard.press(i % 3 === 2 ? 'Shift+Tab' : 'Tab');
      expect(await focusOwner(page), `after key ${i + 1}`).toBe('dialog import-issues-title');
    }
    await page.keyboard.press('Escape');
    await issues.waitFor({ state: 'detached' });
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent)).toBe('Show the list');

    expect(errors).toEqual([]);
    await page.close();
  }, 120_000);
});
