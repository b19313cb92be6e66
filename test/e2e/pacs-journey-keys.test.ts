// The PACS tab's keys, as the Help dialog lists them, against a real Orthanc (DICOMweb) holding
// 20 studies, through the real bridge, engine and Debian's Chromium: the rows Help lists for the
// PACS tab are read from the dialog, each key they name is pressed in the results list (or the
// search form) with its effect checked, by keyboard only. A key Help lists for the PACS tab that
// this test does not check, or a check for a key Help no longer lists, fails the test
// (test/e2e/shortcuts-help.test.ts checks every other key Help lists).
// Screenshots: test-results/pacs-journey-keys-*.png.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { usePacsFixture } from '../pacs/support';

const STUDIES = 20;
const pacs = usePacsFixture('e2e-pacs-keys', {
  // Dates in order: the list (newest first) is Keys^Patient19 … Keys^Patient00.
  studies: Array.from({ length: STUDIES }, (_, i) => ({
    key: 700 + i,
    patientId: `PID-KEYS-${i}`,
    patientName: `Keys^Patient${String(i).padStart(2, '0')}`,
    accession: `ACC-KEYS-${i}`,
    studyDate: `2024${String(Math.floor(i / 2) + 1).padStart(2, '0')}${String(10 + (i % 2)).padStart(2, '0')}`,
    modality: 'CT',
    seriesCount: 2,
    perSeries: 1,
  })),
});

/** The Help rows for the PACS tab, each key on its own ("↑ ↓" is two, "→, Enter" two). */
async function pacsKeysInHelp(page: Page): Promise<{ key: string; action: string }[]> {
  await page.getByRole('button', { name: 'Keyboard shortcuts', exact: true }).click();
  const help = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await help.waitFor();
  const row = help.locator('tr').filter({ hasText: 'In the PACS tab' }).first();
  if ((await row.count()) > 0) await row.scrollIntoViewIfNeeded();
  await page.screenshot({ path: path.join(resultsDir(), 'pacs-journey-keys-help.png') });
  const rows = await help.locator('table.shortcuts tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const cells = (tr as unknown as { querySelectorAll(s: string): ArrayLike<{ innerText: string }> }).querySelectorAll('td');
      return [cells[0].innerText, cells[1].innerText] as [string, string];
    }),
  );
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'detached' });
  const out: { key: string; action: string }[] = [];
  for (const [keys, action] of rows) {
    if (!/^In the PACS tab\b/.test(action)) continue;
    for (const part of keys.split(/\s+·\s+|,\s+/)) for (const key of part.trim().split(/\s+(?=[↑↓←→])/)) out.push({ key, action });
  }
  return out;
}

describe('the PACS tab by keyboard, as Help lists its keys', () => {
  const session = useUiSession('lumen-e2e-pacs-keys', (dataDir) => {
    const o = pacs.orthanc;
    const connection = { name: 'archive', kind: 'dicomweb', url: o.dicomWebUrl, auth: 'basic' };
    fs.writeFileSync(path.join(dataDir, 'pacs.json'), JSON.stringify({ version: 1, connections: [connection] }), { mode: 0o600 });
    fs.writeFileSync(path.join(dataDir, 'pacs-credentials.json'), JSON.stringify({ version: 1, credentials: { archive: { user: o.user, password: o.password } } }), { mode: 0o600 });
  });

  it('moves, pages, opens and closes by the keys Help names, and each key is listed', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 90_000 });
    const listed = await pacsKeysInHelp(page);

    // Keyboard only from here: the tab, the search, the list.
    await page.getByRole('tab', { name: 'PACS' }).focus();
    await page.keyboard.press('Enter');
    const form = page.getByRole('form', { name: 'Query a PACS' });
    await form.getByLabel('Patient name').focus();
    await page.keyboard.type('Keys*');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: `${STUDIES} studies on archive` }).waitFor({ timeout: 60_000 });
    // The search was made from the form: the list's first study takes the focus.
    const focused = () =>
      page.evaluate(() => {
        const el = (globalThis as unknown as { document: { activeElement: { closest(s: string): { getAttribute(n: string): string | null } | null; getAttribute(n: string): string | null } | null } }).document.activeElement;
        const li = el?.closest('li.pacs-study');
        return { row: li ? Number(li.getAttribute('aria-posinset')) : null, expanded: el?.getAttribute('aria-expanded') ?? null };
      });
    await expect.poll(async () => (await focused()).row).toBe(1);
    const row = (n: number) => page.locator(`li.pacs-study[aria-posinset="${n}"]`);
    /** To study n by ↑ and ↓ (the list renders only the studies near the view). */
    const goTo = async (n: number) => {
      if ((await focused()).row === null) await page.locator('li.pacs-study [data-row]').first().focus();
      for (let bound = 0; bound < 2 * STUDIES; bound++) {
        const at = (await focused()).row!;
        if (at === n) return;
        await page.keyboard.press(at < n ? 'ArrowDown' : 'ArrowUp');
        await expect.poll(async () => (await focused()).row).toBe(at < n ? at + 1 : at - 1);
      }
      throw new Error(`study ${n} not reached by ↑ and ↓`);
    };
    const series = (n: number) => row(n).getByTestId('pacs-series');

    const moves: Record<string, [from: number, to: number]> = {
      '↓': [1, 2],
      '↑': [2, 1],
      'Page Down': [1, 9],
      'Page Up': [12, 4],
      End: [3, STUDIES],
      Home: [STUDIES, 1],
    };
    const names: Record<string, string> = { '↑': 'ArrowUp', '↓': 'ArrowDown', '←': 'ArrowLeft', '→': 'ArrowRight', 'Page Up': 'PageUp', 'Page Down': 'PageDown', Esc: 'Escape' };
    const checks: Record<string, (action: string) => Promise<void>> = {};
    for (const [key, [from, to]] of Object.entries(moves))
      checks[key] = async (action) => {
        expect(action).toMatch(/the study above or below, eight studies up or down, the first or the last study/);
        await goTo(from);
        await page.keyboard.press(names[key] ?? key);
        await expect.poll(async () => (await focused()).row, { message: `${key} from study ${from}` }).toBe(to);
        // The focused study is in view, whole.
        const box = (await page.getByTestId('pacs-results').boundingBox())!;
        const b = (await row(to).boundingBox())!;
        expect(b.y).toBeGreaterThanOrEqual(box.y - 1);
        expect(b.y + b.height).toBeLessThanOrEqual(box.y + box.height + 1);
      };
    const opens = (key: string, n: number) => async (action: string) => {
      expect(action).toMatch(/list a study's series/);
      await goTo(n);
      await page.keyboard.press(key);
      await series(n).nth(1).waitFor({ timeout: 30_000 });
      expect((await focused()).expanded).toBe('true');
    };
    checks['→'] = opens('ArrowRight', 2);
    checks.Enter = opens('Enter', 3);
    checks['←'] = async (action) => {
      expect(action).toMatch(/close the list/);
      await goTo(5);
      await page.keyboard.press('ArrowRight');
      await series(5).nth(1).waitFor({ timeout: 30_000 });
      await page.screenshot({ path: path.join(resultsDir(), 'pacs-journey-keys-open.png') });
      await page.keyboard.press('ArrowLeft');
      await series(5).first().waitFor({ state: 'detached' });
      expect(await focused()).toEqual({ row: 5, expanded: 'false' });
    };
    checks.Esc = async (action) => {
      expect(action).toMatch(/search form: fold it back to one line/);
      const change = page.getByRole('button', { name: 'Change search' });
      await change.focus();
      await page.keyboard.press('Enter');
      await expect.poll(() => page.locator(':focus').getAttribute('name')).toBe('patientName');
      await page.keyboard.press('Escape');
      await expect.poll(() => page.locator(':focus').textContent()).toBe('Change search');
      expect(await form.isVisible()).toBe(false);
    };

    const keys = listed.map((l) => l.key);
    expect(keys.filter((k) => !(k in checks)), 'keys Help lists for the PACS tab that this test does not check').toEqual([]);
    expect(Object.keys(checks).filter((k) => !keys.includes(k)), 'checks for keys Help does not list for the PACS tab').toEqual([]);
    const failed: string[] = [];
    for (const { key, action } of listed) {
      try {
        await checks[key](action);
      } catch (err) {
        failed.push(`${key}: ${(err as Error).message.split('\n')[0]}`);
        await page.screenshot({ path: path.join(resultsDir(), `pacs-journey-keys-failed-${failed.length}.png`) });
      }
    }
    expect(failed).toEqual([]);
    await goTo(STUDIES);
    await page.screenshot({ path: path.join(resultsDir(), 'pacs-journey-keys-end.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 240_000);
});
