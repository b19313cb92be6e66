// "Results of a model" in the Training tab, in Debian's Chromium through `lumen serve`'s bridge:
// which package is chosen must be readable in the panel (about 300 px wide) at the app's usual
// window size and in a narrow one: its name in the list, and when it was made and its short
// content hash beside it, nothing cut off. Screenshots: test-results/package-choice-*.png.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { saveRandomHeadPackage } from '../support/tiny-package';

const LONG = 'liver-lesions-portal-venous';
const preprocessing = { scale: 1 / 255, mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };

describe('the package chosen under "Results of a model"', () => {
  const hashes: Record<string, string> = {};
  const session = useUiSession('lumen-package-choice', async (dataDir) => {
    for (const [name, seed] of [['chest', 3], [LONG, 4]] as const) {
      const meta = await saveRandomHeadPackage(path.join(dataDir, 'models', name), { inputSize: 32, seed, sd: 20, headSeed: 5 }, { name, classNames: ['normal', 'abnormal'], preprocessing });
      hashes[name] = meta.contentHash;
    }
  });

  /** The chosen package's name fits the list's box; its date and hash are on a line of their own, whole and inside the panel. */
  async function checkReadable(page: Page, name: string, what: string) {
    const panel = page.getByRole('tabpanel', { name: 'Training' });
    const choice = panel.locator('.package-results');
    await choice.scrollIntoViewIfNeeded();
    const select = choice.getByLabel('Model package');
    await select.selectOption({ label: (await select.locator('option', { hasText: name }).textContent())! });
    const made = choice.getByTestId('package-choice');
    await made.waitFor({ timeout: 10_000 });
    expect(await made.innerText()).toMatch(new RegExp(`^made \\d{2}-\\w{3}-\\d{4} \\d{2}:\\d{2} · #${hashes[name].slice(0, 8)}$`));
    const fit = await page.evaluate(([n]) => {
      type Box = { clientWidth: number; scrollWidth: number; getBoundingClientRect(): { right: number; width: number } };
      const win = globalThis as unknown as {
        document: { querySelector(q: string): Box; createElement(tag: 'canvas'): { getContext(kind: '2d'): { font: string; measureText(text: string): { width: number } } } };
        getComputedStyle(el: Box): { fontWeight: string; fontSize: string; fontFamily: string; paddingLeft: string; paddingRight: string };
      };
      const s = win.document.querySelector('.package-results select');
      const m = win.document.querySelector('[data-testid="package-choice"]');
      const p = win.document.querySelector('.package-results');
      const cs = win.getComputedStyle(s);
      const ctx = win.document.createElement('canvas').getContext('2d');
      ctx.font = `${cs.fontWeight} ${cs.fontSize} ${cs.fontFamily}`;
      // The room for the text: the box less its padding and the arrow (about 20 px).
      const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 20;
      const [sb, mb, pb] = [s, m, p].map((e) => e.getBoundingClientRect());
      return { name: ctx.measureText(n).width, room, madeWhole: m.scrollWidth <= m.clientWidth + 1, inside: sb.right <= pb.right + 1 && mb.right <= pb.right + 1 && mb.width > 0 };
    }, [name]);
    expect(fit.name, `${what}: the name ${name} needs ${fit.name.toFixed(0)} px; the list has ${fit.room.toFixed(0)}`).toBeLessThanOrEqual(fit.room);
    expect(fit.madeWhole, what).toBe(true);
    expect(fit.inside, what).toBe(true);
  }

  it('shows its name, when it was made and its short hash, at 1280x800 and in a narrow window', async () => {
    const { page, errors } = await openApp(session());
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('status-backend').filter({ hasText: 'Engine:' }).waitFor({ timeout: 120_000 });
    await page.getByRole('tab', { name: 'Training' }).click();
    await checkReadable(page, LONG, '1280x800');
    await page.screenshot({ path: path.join(resultsDir(), 'package-choice-1280x800.png') });
    await checkReadable(page, 'chest', '1280x800');

    // A narrow window: the side panel steps aside until asked for.
    await page.setViewportSize({ width: 1024, height: 700 });
    // The window's resize reaches React a moment later: wait until the panel has stepped aside
    // (nobody chose otherwise), then ask for it.
    const toggle = page.getByTestId('toggle-side-panel');
    await expect.poll(() => toggle.getAttribute('aria-pressed'), { timeout: 10_000 }).toBe('false');
    await toggle.click();
    await page.getByRole('tab', { name: 'Training' }).click();
    await checkReadable(page, LONG, '1024x700');
    await page.screenshot({ path: path.join(resultsDir(), 'package-choice-1024x700.png') });
    expect(errors).toEqual([]);
    await page.close();
  }, 300_000);
});
