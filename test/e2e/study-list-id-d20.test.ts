// Patient IDs in the study list, in Debian's Chromium against the real engine: research IDs share
// a prefix and differ at the end ("D20-CT-01", "D20-CT-02"), so an ID too long for its line gives
// way at its start ("…CT-01"), never at the end where two patients differ; the date beside it
// stays whole, and the whole ID is the span's tooltip. Screenshot: test-results/study-list-id-d20.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { writeSlice } from '../library/fixtures';

const ROOT = '1.2.826.0.1.3680043.10.2020.77';
const IDS = ['D20-CT-01', 'D20-CT-02', 'RESEARCH-SITE-A-000117'];

/** Whether the first and the last character of the ID shown in `study`'s header are drawn inside its clipping box (Range geometry), and whether the date is whole. */
async function idShown(page: Page, id: string): Promise<{ first: boolean; last: boolean; title: string | null; dateWhole: boolean }> {
  return page.evaluate((needle) => {
    const doc = (globalThis as any).document;
    const span = [...doc.querySelectorAll('.study-id')].find((s: { textContent: string }) => s.textContent === needle);
    if (!span) throw new Error(`no .study-id reads ${needle}`);
    const box = span.getBoundingClientRect();
    const text = span.querySelector('bdi').firstChild;
    const inside = (at: number) => {
      const range = doc.createRange();
      range.setStart(text, at);
      range.setEnd(text, at + 1);
      const r = range.getBoundingClientRect();
      return r.left >= box.left - 0.5 && r.right <= box.right + 0.5;
    };
    const date = span.parentElement.querySelector('.study-date');
    return { first: inside(0), last: inside(needle.length - 1), title: span.getAttribute('title'), dateWhole: date.scrollWidth <= date.clientWidth };
  }, id);
}

describe('patient IDs in the study list', () => {
  const session = useUiSession('lumen-study-list-id-d20', (dataDir) => {
    mkdirSync(path.join(dataDir, 'incoming'));
    IDS.forEach((id, i) =>
      writeSlice(path.join(dataDir, 'incoming', `p${i}.dcm`), {
        patientName: `Prefix^Patient${i}`,
        patientId: id,
        studyUid: `${ROOT}.${i}`,
        seriesUid: `${ROOT}.${i}.1`,
        sopUid: `${ROOT}.${i}.1.1`,
        studyDate: '20261105',
      }),
    );
  });

  it('shows the end of an ID that does not fit, where patients differ, with the date whole', async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByRole('region', { name: 'Welcome to Lumen' }).waitFor({ timeout: 60_000 });
    await page.keyboard.press('Escape');
    await page.getByLabel('Import a folder or file').fill(path.join(session().dataDir, 'incoming'));
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '3 images imported' }).waitFor({ timeout: 120_000 });
    await page.getByTestId('study-list').getByRole('listitem').nth(2).waitFor();
    await page.screenshot({ path: path.join(resultsDir(), 'study-list-id-d20.png') });

    for (const id of IDS) {
      const shown = await idShown(page, id);
      // The end of the ID, where two patients of one study differ, is always on screen.
      expect(shown, id).toMatchObject({ last: true, title: id, dateWhole: true });
    }
    // The long one does not fit the 270 px column: it gives way at its start.
    expect((await idShown(page, IDS[2])).first).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
