// The viewer's toolbar at 1280x800 with the study list and the side panel both shown, in Debian's
// Chromium against the real engine, on a CT series of two images (the CT presets in the preset
// menu, cine and its speed shown): one row, no control's text cut (a button's glyph, the preset
// menu's longest choice, the speed), no two controls over each other, every control inside the
// toolbar, named, and reached by Tab; actual size, invert, rotate and the flips under More view
// commands, a list opened and used by keyboard, with nothing axe-core finds (WCAG 2.1 A/AA). At
// 1024x700 with both panels it may wrap, with nothing cut or overlapping. Screenshots: test-results/viewer-resize-toolbar-*.png.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { importAndOpenTwo, writeTwoCtImages } from './two-ct-images';

const UID = '1.2.826.0.1.3680043.10.99.315';

interface Control { name: string; left: number; right: number; top: number; bottom: number; cut: string | null }
interface Bar { width: number; rows: number; left: number; right: number; controls: Control[] }

/**
 * The toolbar's controls (buttons, the preset menu, the speed), each with its box, its accessible
 * name, and what of its text does not fit (null when all of it does): a button's content wider or
 * taller than its box; for the preset menu, its longest choice (measured in the menu's font)
 * wider than the room its box leaves beside the arrow.
 */
function measure(page: Page): Promise<Bar> {
  return page.evaluate(() => {
    // Runs in the page; typed here without the DOM library, which the Node project leaves out.
    interface Rect { left: number; right: number; top: number; bottom: number; width: number; height: number }
    interface El {
      tagName: string; scrollWidth: number; clientWidth: number; scrollHeight: number; clientHeight: number; textContent: string | null;
      options?: ArrayLike<{ textContent: string | null }>;
      getAttribute(n: string): string | null; getBoundingClientRect(): Rect; querySelector(s: string): El | null; querySelectorAll(s: string): ArrayLike<El>;
    }
    interface Ctx { font: string; measureText(t: string): { width: number } }
    const g = globalThis as unknown as {
      document: { querySelector(s: string): El; getElementById(id: string): El | null; createElement(t: 'canvas'): { getContext(k: '2d'): Ctx } };
      getComputedStyle(el: El): { font: string; paddingLeft: string; paddingRight: string; display: string };
    };
    const bar = g.document.querySelector('[role="toolbar"][aria-label="Viewer tools"]');
    const ctx = g.document.createElement('canvas').getContext('2d');
    const name = (el: El): string => {
      const label = el.getAttribute('aria-label');
      if (label) return label;
      const by = el.getAttribute('aria-labelledby');
      if (by) return by.split(' ').map((id) => g.document.getElementById(id)?.textContent ?? '').join(' ');
      return (el.querySelector('.visually-hidden')?.textContent ?? el.textContent ?? '').trim();
    };
    const controls: Control[] = [];
    for (const el of Array.from(bar.querySelectorAll('button, select, input'))) {
      if (g.getComputedStyle(el).display === 'none') continue;
      const r = el.getBoundingClientRect();
      let cut: string | null = null;
      if (el.tagName === 'SELECT') {
        const s = g.getComputedStyle(el);
        ctx.font = s.font;
        // The arrow takes about 20 px at the right of a menu in Chromium.
        const room = r.width - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight) - 20;
        const widest = Array.from(el.options ?? []).reduce((w, o) => Math.max(w, ctx.measureText(o.textContent ?? '').width), 0);
        if (widest > room + 0.5) cut = `its longest choice is ${Math.round(widest)} px in ${Math.round(room)} px`;
      } else if (el.scrollWidth > el.clientWidth + 0.5 || el.scrollHeight > el.clientHeight + 0.5) {
        cut = `${el.scrollWidth}x${el.scrollHeight} px of content in ${el.clientWidth}x${el.clientHeight} px`;
      }
      controls.push({ name: name(el), left: r.left, right: r.right, top: r.top, bottom: r.bottom, cut });
    }
    const rows = new Set(controls.map((c) => Math.round((c.top + c.bottom) / 2))).size;
    const b = bar.getBoundingClientRect();
    return { width: b.width, rows, left: b.left, right: b.right, controls };
  });
}

function problems(bar: Bar): string[] {
  const found: string[] = [];
  for (const c of bar.controls) {
    if (!c.name) found.push(`a control at ${Math.round(c.left)} has no name`);
    if (c.cut) found.push(`${c.name}: ${c.cut}`);
    if (c.left < bar.left - 0.5 || c.right > bar.right + 0.5) found.push(`${c.name} at ${Math.round(c.left)}..${Math.round(c.right)} outside the toolbar ${Math.round(bar.left)}..${Math.round(bar.right)}`);
  }
  for (const [i, a] of bar.controls.entries()) {
    for (const b of bar.controls.slice(i + 1)) {
      if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) found.push(`${a.name} and ${b.name} overlap`);
    }
  }
  return found;
}

/** The names Tab reaches in the toolbar, in order, starting from its first control. */
async function tabbed(page: Page, count: number): Promise<string[]> {
  await page.getByRole('toolbar', { name: 'Viewer tools' }).getByRole('button').first().focus();
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    names.push(await page.evaluate(() => {
      interface El { getAttribute(n: string): string | null; closest(s: string): El | null; querySelector(s: string): { textContent: string | null } | null; textContent: string | null }
      const el = (globalThis as unknown as { document: { activeElement: El | null } }).document.activeElement;
      if (!el || !el.closest('[role="toolbar"]')) return '(left the toolbar)';
      return el.getAttribute('aria-label') ?? (el.querySelector('.visually-hidden')?.textContent ?? el.textContent ?? '').trim();
    }));
    await page.keyboard.press('Tab');
  }
  return names;
}

/** The open More view commands list: its box, the window's width, and any item whose text does not fit. */
function listBox(page: Page): Promise<{ left: number; right: number; top: number; bottom: number; window: number; cut: string[] }> {
  return page.evaluate(() => {
    interface El { scrollWidth: number; clientWidth: number; textContent: string | null; getBoundingClientRect(): { left: number; right: number; top: number; bottom: number }; querySelectorAll(s: string): ArrayLike<El> }
    const g = globalThis as unknown as { innerWidth: number; document: { querySelector(s: string): El } };
    const list = g.document.querySelector('[role="group"][aria-label="More view commands"]');
    const r = list.getBoundingClientRect();
    const cut = Array.from(list.querySelectorAll('button')).filter((b) => b.scrollWidth > b.clientWidth + 0.5).map((b) => `${b.textContent}: ${b.scrollWidth} px in ${b.clientWidth} px`);
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, window: g.innerWidth, cut };
  });
}

/** The accessible name's words of the focused element (its visually hidden words, else its text less what is aria-hidden). */
function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    interface El { nodeType: number; textContent: string | null; childNodes: ArrayLike<El>; getAttribute(n: string): string | null }
    const el = (globalThis as unknown as { document: { activeElement: El | null } }).document.activeElement;
    const words = (n: El): string => (n.nodeType === 3 ? (n.textContent ?? '') : n.nodeType === 1 && n.getAttribute('aria-hidden') === 'true' ? '' : Array.from(n.childNodes).map(words).join(''));
    return el ? words(el).trim() : '';
  });
}

/** axe-core's WCAG 2.1 A/AA violations in the toolbar as it stands (its list open or not): "rule: target" each. */
async function axeToolbar(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, as test/e2e/accessibility.test.ts does (the app's CSP refuses an inline script).
  if (!(await page.evaluate(() => 'axe' in globalThis))) await page.evaluate(readFileSync(path.resolve('node_modules/axe-core/axe.min.js'), 'utf8'));
  return page.evaluate(async () => {
    interface Found { id: string; nodes: { target: string[] }[] }
    const g = globalThis as unknown as { document: { querySelector(s: string): unknown }; axe: { run(ctx: unknown, opts: unknown): Promise<{ violations: Found[]; passes: Found[] }> } };
    const r = await g.axe.run(g.document.querySelector('[role="toolbar"][aria-label="Viewer tools"]'), { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
    // A run that judged nothing (no toolbar found) is a failure, not a pass.
    if (!r.passes.some((p) => p.id === 'button-name')) return ['button-name: not judged'];
    return r.violations.flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
  });
}

describe('the viewer toolbar with both side panels shown', () => {
  const session = useUiSession('lumen-toolbar-row', (dataDir) => writeTwoCtImages(dataDir, UID, { name: 'Row^Rob', id: 'PR002' }));

  it('is one row at 1280x800, and wraps without cutting or overlapping at 1024x700', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await importAndOpenTwo(page, dataDir, /^Study .*Rob/);
    // Both panels shown (the side panel shows from 1200 px until the user hides it).
    expect(await page.getByTestId('toggle-study-list').getAttribute('aria-pressed')).toBe('true');
    await page.locator('.side').first().waitFor();
    // The CT presets are in the menu: its longest choice is one of them.
    await page.getByTestId('preset').locator('option').nth(3).waitFor({ state: 'attached' });

    const wide = await measure(page);
    expect(await axeToolbar(page)).toEqual([]);
    await page.locator('.viewer-toolbar').screenshot({ path: path.join(resultsDir(), 'viewer-resize-toolbar-1280.png') });
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-resize-toolbar-1280-page.png') });
    const summary = `${Math.round(wide.width)} px wide: ${wide.controls.map((c) => `${c.name} ${Math.round(c.left)}..${Math.round(c.right)}@${Math.round(c.top)}`).join(', ')}`;
    expect(wide.rows, summary).toBe(1);
    expect(problems(wide), summary).toEqual([]);

    // Every control is reached by Tab, in order, and named.
    const names = await tabbed(page, wide.controls.length + 1);
    expect(names.slice(0, -1)).toEqual(wide.controls.map((c) => c.name));
    expect(names.at(-1)).toBe('(left the toolbar)');

    // Actual size, invert, rotate and the flips are under More view commands, by keyboard too:
    // ↓ opens the list on its first command, the arrows move, Enter presses it, and the list
    // closes with the focus back on its button, which is marked while a state it holds is on.
    const bar = page.getByRole('toolbar', { name: 'Viewer tools' });
    const more = bar.getByRole('button', { name: 'More view commands', exact: true });
    expect(await more.getAttribute('aria-expanded')).toBe('false');
    await more.focus();
    await page.keyboard.press('ArrowDown');
    const list = page.getByRole('group', { name: 'More view commands' });
    await list.waitFor();
    expect(await more.getAttribute('aria-expanded')).toBe('true');
    for (const name of ['Actual size 1:1', 'Invert', 'Rotate 90° clockwise', 'Flip horizontally', 'Flip vertically']) expect(await list.getByRole('button', { name, exact: true }).count(), name).toBe(1);
    await expect.poll(() => focusedName(page)).toBe('Actual size 1:1');
    await page.keyboard.press('ArrowDown');
    expect(await focusedName(page)).toBe('Invert');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    expect(await focusedName(page)).toBe('Flip vertically');
    expect(await axeToolbar(page)).toEqual([]);
    const open = await listBox(page);
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-resize-toolbar-1280-more.png') });
    expect(open.cut).toEqual([]);
    expect(open.left).toBeGreaterThanOrEqual(0);
    expect(open.right).toBeLessThanOrEqual(open.window);
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await list.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('corner-zoom').textContent()).toMatch(/inverted$/);
    expect(await focusedName(page)).toBe('More view commands');
    expect(await more.getAttribute('class')).toContain('marked');
    // Esc closes the list (and nothing else); Invert shows its state pressed; I inverts back.
    await more.click();
    expect(await list.getByRole('button', { name: 'Invert', exact: true }).getAttribute('aria-pressed')).toBe('true');
    await page.keyboard.press('Escape');
    await list.waitFor({ state: 'detached' });
    expect(await focusedName(page)).toBe('More view commands');
    await page.keyboard.press('i');
    await expect.poll(() => more.getAttribute('class')).not.toContain('marked');

    // A laptop's window with both panels: the toolbar may wrap, nothing cut or overlapping.
    await page.setViewportSize({ width: 1024, height: 700 });
    await page.keyboard.press(']');
    await page.locator('.side').first().waitFor();
    await expect.poll(async () => (await measure(page)).width).toBeLessThan(wide.width - 100);
    const narrow = await measure(page);
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-resize-toolbar-1024-page.png') });
    expect(problems(narrow), `${Math.round(narrow.width)} px wide, ${narrow.rows} rows`).toEqual([]);
    // The list opens inside the window wherever its button lies.
    await more.click();
    await list.waitFor();
    const narrowList = await listBox(page);
    await page.screenshot({ path: path.join(resultsDir(), 'viewer-resize-toolbar-1024-more.png') });
    expect(narrowList.cut).toEqual([]);
    expect(narrowList.left).toBeGreaterThanOrEqual(0);
    expect(narrowList.right).toBeLessThanOrEqual(narrowList.window);
    await page.keyboard.press('Escape');
    await list.waitFor({ state: 'detached' });
    expect(errors).toEqual([]);
  }, 240_000);
});
