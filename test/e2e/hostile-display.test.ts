// What a file's text and colour do to the display, in Debian's Chromium against the real engine:
// a name and ID with bidirectional overrides (dump2dcm, UTF-8) stay inside their own isolates in
// the study list and the corner text, so they cannot reorder what is shown beside them; a colour
// image (dcmtk img2dcm + dcmcjpeg, from the external set) shows no window in its corner and the
// W/L tool leaves it as it is, while a grey image keeps both. Screenshots:
// test-results/hostile-text-list.png, hostile-text-corner.png, colour-no-window.png.
import { copyFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { canvasPixels } from '../support/canvas';
import { writeHostileTextSlice } from '../support/dicom/hostile-text';
import { writeExternalSet } from './external-dicom';

/** The left edges of where `text` is drawn inside `selector`, in page pixels, for each text node that holds it (Range geometry). */
async function textLeft(page: Page, selector: string, text: string): Promise<number | null> {
  return page.evaluate(
    ([sel, needle]) => {
      const doc = (globalThis as any).document;
      const root = doc.querySelector(sel);
      if (!root) return null;
      const walker = doc.createTreeWalker(root, 4 /* NodeFilter.SHOW_TEXT */);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf(needle);
        if (at < 0) continue;
        const range = doc.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + needle.length);
        return range.getBoundingClientRect().left;
      }
      return null;
    },
    [selector, text] as const,
  );
}

/** The computed unicode-bidi of the <bdi> inside `selector`, or null when there is none. */
async function isolation(page: Page, selector: string): Promise<string | null> {
  return page.evaluate((sel) => {
    const el = (globalThis as any).document.querySelector(`${sel} bdi`);
    return el ? (globalThis as any).getComputedStyle(el).unicodeBidi : null;
  }, selector);
}

describe('hostile text and colour on screen', () => {
  let incoming: string;
  const session = useUiSession('lumen-hostile-display', (dataDir) => {
    incoming = path.join(dataDir, 'incoming');
    mkdirSync(incoming);
    writeHostileTextSlice(path.join(incoming, 'trojan.dcm'));
    const external = writeExternalSet(path.join(dataDir, 'external'));
    copyFileSync(path.join(external.dir, 'colour-jpeg.dcm'), path.join(incoming, 'colour-jpeg.dcm'));
  });

  it('keeps a bidirectional override in a name inside its isolate, and shows no window for colour', async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByLabel('Import a folder or file').fill(incoming);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '2 images imported' }).waitFor({ timeout: 120_000 });

    // The study list: the name and the ID each in a <bdi>, isolated by the browser's own style.
    const row = '[role="listitem"][aria-label^="Study Trojan"]';
    await page.locator(row).waitFor({ timeout: 30_000 });
    expect(await page.locator(`${row} [data-testid="study-patient"]`).textContent()).toBe('Trojan, \u202eLIVE');
    expect(await isolation(page, `${row} [data-testid="study-patient"]`)).toBe('isolate');
    expect(await isolation(page, `${row} .muted`)).toBe('isolate');
    // The ID holds an unclosed right-to-left isolate (U+2067): isolated, the date after it still
    // reads after it, left to right, instead of being pulled in front of it.
    const idLeft = await textLeft(page, `${row} .muted`, 'TS');
    const dateLeft = await textLeft(page, `${row} .muted`, '02-Jan-2024');
    expect(idLeft).not.toBeNull();
    expect(dateLeft!).toBeGreaterThan(idLeft!);
    await page.screenshot({ path: path.join(resultsDir(), 'hostile-text-list.png') });

    // The viewer's corner text: a grey image, whose window shows and moves with the W/L tool.
    await page.locator(`${row} [data-testid="series-card"]`).click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/1' }).waitFor({ timeout: 60_000 });
    expect(await isolation(page, '[data-testid="corner-patient"]')).toBe('isolate');
    await expect.poll(() => page.locator('.corner.tl').innerText()).toContain('TS\u2067001');
    const viewport = page.getByTestId('viewport');
    const box = (await viewport.boundingBox())!;
    const drag = async () => {
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width / 2 + 80, box.y + box.height / 2 + 40, { steps: 5 });
      await page.mouse.up();
    };
    const greyWindow = await page.getByTestId('corner-wl').innerText();
    await drag();
    await expect.poll(() => page.getByTestId('corner-wl').innerText()).not.toBe(greyWindow);
    await page.screenshot({ path: path.join(resultsDir(), 'hostile-text-corner.png') });

    // A colour image: no W/L in the corner, and a W/L drag changes neither the corner nor the pixels.
    await page.locator('[role="listitem"][aria-label^="Study Colour"] [data-testid="series-card"]').click();
    await page.getByTestId('image-index').filter({ hasText: 'Im 1/1' }).waitFor({ timeout: 60_000 });
    await expect.poll(async () => (await canvasPixels(page)).coloured, { timeout: 30_000 }).toBeGreaterThan(1000);
    await expect.poll(() => page.locator('.corner.tl').innerText()).toContain('Colour, Carl');
    expect(await page.getByTestId('corner-wl').count()).toBe(0);
    await expect(page.getByTestId('corner-zoom').innerText()).resolves.toMatch(/^Zoom \d+%/);
    const before = await viewport.screenshot();
    await drag();
    await page.waitForTimeout(500);
    expect(await page.getByTestId('corner-wl').count()).toBe(0);
    expect((await viewport.screenshot()).equals(before)).toBe(true);
    await page.screenshot({ path: path.join(resultsDir(), 'colour-no-window.png') });
    expect(errors).toEqual([]);
    await page.close();
  });
});
