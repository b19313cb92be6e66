// The viewer toolbar's icon buttons name themselves in words, in Debian's Chromium against the
// real engine: every tool (W, P, Z, L, B, E, N, V) and Fit, Reset, More view commands and Cine
// draws its glyph aria-hidden and its name in a visually hidden span (no aria-label beside a
// glyph, which axe can only leave for review: WCAG 2.5.3), keeps a tooltip that ends with its
// key, and is found by that name; the commands under More view commands (1:1, Invert, Rotate,
// Flip) show their words beside an aria-hidden glyph and key; Cine's name follows what a press
// does (Play cine, Stop cine).
// Screenshot: test-results/viewer-toolbar-names.png.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { writeCtImage } from '../support/dicom/ct-image';
import { ctSlice } from '../support/dicom/phantom';

interface Drawn {
  /** The aria-label attribute, or null. */
  label: string | null;
  /** What the aria-hidden children draw. */
  glyph: string;
  /** The visually hidden words. */
  words: string;
  /** Text read out that is neither (what a screen reader would add to the name). */
  loose: string;
  title: string | null;
  pressed: string | null;
}

/** Each toolbar button as the page builds it, in order. */
function toolbarButtons(page: Page): Promise<Drawn[]> {
  return page.evaluate(() => {
    // Runs in the page; typed here without the DOM library, which the Node project leaves out.
    interface El { nodeType: number; textContent: string | null; childNodes: El[]; getAttribute(n: string): string | null; matches(s: string): boolean; querySelectorAll(s: string): El[] }
    const g = globalThis as unknown as { document: { querySelectorAll(s: string): El[] } };
    const loose = (el: El): string => (el.nodeType === 3 ? (el.textContent ?? '') : el.nodeType === 1 && (el.getAttribute('aria-hidden') === 'true' || el.matches('.visually-hidden')) ? '' : [...el.childNodes].map(loose).join(''));
    return [...g.document.querySelectorAll('[role="toolbar"][aria-label="Viewer tools"] button')].map((b) => ({
      label: b.getAttribute('aria-label'),
      glyph: [...b.querySelectorAll(':scope > [aria-hidden="true"]')].map((s) => s.textContent ?? '').join(''),
      words: [...b.querySelectorAll(':scope > .visually-hidden')].map((s) => s.textContent ?? '').join(''),
      loose: [...b.childNodes].map(loose).join('').trim(),
      title: b.getAttribute('title'),
      pressed: b.getAttribute('aria-pressed'),
    }));
  });
}

describe('the viewer toolbar names its icon buttons in words', () => {
  let incoming: string;
  const session = useUiSession('lumen-toolbar-names', (dataDir) => {
    incoming = path.join(dataDir, 'incoming');
    mkdirSync(incoming);
    // Two slices of one series, so Cine is offered.
    for (const instance of [1, 2]) writeCtImage(path.join(incoming, `ct-${instance}.dcm`), { size: 64, pixels: ctSlice(64, 64, 500, 15), uid: '1.2.826.0.1.3680043.10.99.181', patient: { name: 'Names^Nora', id: 'PN001' }, instance });
  });

  it('draws each glyph aria-hidden beside its name in words, with a tooltip naming its key', async () => {
    const { page, errors } = await openApp(session());
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByLabel('Import a folder or file').fill(incoming);
    await page.getByRole('button', { name: 'Import', exact: true }).click();
    await page.getByTestId('import-report').filter({ hasText: '2 images imported' }).waitFor({ timeout: 120_000 });
    await page.locator('[role="listitem"][aria-label^="Study Names"] [data-testid="series-card"]').click();
    await page.getByTestId('corner-wl').waitFor({ timeout: 60_000 });

    const expected: [words: string, glyph: string, title: string][] = [
      ['Window/level', '◐', 'Window/level (W)'],
      ['Pan', '✥', 'Pan (P)'],
      ['Zoom', '⌕', 'Zoom (Z)'],
      ['Length', '↔', 'Length (L)'],
      ['Rectangle region (area, mean, SD)', '▭', 'Rectangle region (area, mean, SD) (B)'],
      ['Ellipse region (area, mean, SD)', '◯', 'Ellipse region (area, mean, SD) (E)'],
      ['Angle (two drags: one arm, then the other from the vertex)', '∠', 'Angle (two drags: one arm, then the other from the vertex) (N)'],
      ['Probe (pixel value)', '⊕', 'Probe (pixel value) (V)'],
      ['Fit to window', '⤢', 'Fit (F)'],
      ['Reset view', '⟲', 'Reset (Shift+R)'],
      ['More view commands', '⋯', 'More view commands: actual size, invert, rotate, flip'],
      ['Play cine', '▶', 'Cine (Space)'],
    ];
    // Under More view commands (MoreViewCommands.tsx): the words shown, the glyph hidden, the key in the tooltip.
    const more: [words: string, glyph: string, title: string][] = [
      ['Actual size 1:1', '1:1A', 'Actual size 1:1 (A)'],
      ['Invert', '◑I', 'Invert (I)'],
      ['Rotate 90° clockwise', '↻R', 'Rotate 90° clockwise (R)'],
      ['Flip horizontally', '⇋X', 'Flip horizontally (X)'],
      ['Flip vertically', '⇵Y', 'Flip vertically (Y)'],
    ];
    const buttons = await toolbarButtons(page);
    expect(buttons.map((b) => [b.words, b.glyph, b.title])).toEqual(expected);
    for (const b of buttons) {
      // Named by its words alone: no aria-label over the glyph, nothing else read out.
      expect(b.label, b.words).toBeNull();
      expect(b.loose, b.words).toBe('');
    }
    // Found by role and name, each once (the name Playwright computes, as a screen reader does).
    const toolbar = page.getByRole('toolbar', { name: 'Viewer tools' });
    for (const [words] of expected) expect(await toolbar.getByRole('button', { name: words, exact: true }).count(), words).toBe(1);

    // The list under More view commands: each command named by its words, shown beside its
    // glyph and key (both aria-hidden), found by that name once.
    await toolbar.getByRole('button', { name: 'More view commands', exact: true }).click();
    const list = page.getByRole('group', { name: 'More view commands' });
    await list.waitFor();
    const listed = (await toolbarButtons(page)).slice(expected.length - 1, expected.length - 1 + more.length);
    expect(listed.map((b) => [b.loose, b.glyph, b.title])).toEqual(more);
    for (const b of listed) expect(b.label, b.loose).toBeNull();
    for (const [words] of more) expect(await list.getByRole('button', { name: words, exact: true }).count(), words).toBe(1);
    await page.keyboard.press('Escape');
    await list.waitFor({ state: 'detached' });

    // Pressed states follow the tools' keys and the view's (Invert's under More view commands).
    await page.keyboard.press('l');
    await expect.poll(async () => (await toolbarButtons(page)).filter((b) => b.pressed === 'true').map((b) => b.words)).toEqual(['Length']);
    await page.keyboard.press('i');
    await toolbar.getByRole('button', { name: 'More view commands', exact: true }).click();
    await expect.poll(async () => (await toolbarButtons(page)).filter((b) => b.pressed === 'true').map((b) => b.words || b.loose)).toEqual(['Length', 'Invert']);
    await page.keyboard.press('Escape');
    await page.keyboard.press('i');

    // Cine's name and glyph say what a press does.
    await toolbar.getByRole('button', { name: 'Play cine', exact: true }).click();
    const stop = toolbar.getByRole('button', { name: 'Stop cine', exact: true });
    await stop.waitFor();
    expect((await toolbarButtons(page)).find((b) => b.words === 'Stop cine')).toMatchObject({ glyph: '■', title: 'Cine (Space)', label: null, pressed: 'true' });
    await page.locator('.viewer-toolbar').screenshot({ path: path.join(resultsDir(), 'viewer-toolbar-names.png') });
    await stop.click();
    await toolbar.getByRole('button', { name: 'Play cine', exact: true }).waitFor();
    expect(errors).toEqual([]);
  }, 240_000);
});
