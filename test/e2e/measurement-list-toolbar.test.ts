// The viewer's toolbar above the image and its measurement list, at the window sizes the layout
// tests use (1280×720, 1280×800, 1440×900, and 1024×700 where the side panel steps aside), on a
// series of two images (so cine and its speed show): where the toolbar wraps, it wraps between
// its groups (tools, preset, view, cine), never inside one, so Play cine stays beside its speed,
// and no row starts with a separator; no control is cut off or lies over the image; and paging
// or playing cine leaves its height, and so the image's place, as it was.
// Screenshots: test-results/measurement-list-toolbar-*.png.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { importAndOpenTwo, writeTwoCtImages } from './two-ct-images';

const UID = '1.2.826.0.1.3680043.10.99.92';
const SIZES = [
  { width: 1280, height: 720 },
  { width: 1280, height: 800 },
  { width: 1440, height: 900 },
  { width: 1024, height: 700 },
] as const;
/** The viewer's tools by the names they are read by (renderer/src/viewer/tools). */
const TOOL_NAMES = ['Window/level', 'Pan', 'Zoom', 'Length', 'Rectangle region (area, mean, SD)', 'Ellipse region (area, mean, SD)', 'Angle (two drags: one arm, then the other from the vertex)', 'Probe (pixel value)'];

interface Box { x: number; y: number; width: number; height: number }

/** The toolbar's box, the viewport's, and each of its controls' (by accessible name or label). */
async function toolbar(page: Page): Promise<{ bar: Box; viewport: Box; controls: { name: string; box: Box }[]; seps: Box[] }> {
  const bar = (await page.getByRole('toolbar', { name: 'Viewer tools' }).boundingBox())!;
  const viewport = (await page.locator('.viewport').boundingBox())!;
  const controls: { name: string; box: Box }[] = [];
  for (const el of await page.getByRole('toolbar', { name: 'Viewer tools' }).locator('button, select, input').all()) {
    const name = (await el.getAttribute('aria-label')) ?? (await el.locator('.visually-hidden').innerText());
    controls.push({ name, box: (await el.boundingBox())! });
  }
  const seps: Box[] = [];
  for (const el of await page.getByRole('toolbar', { name: 'Viewer tools' }).locator('.sep').all()) seps.push((await el.boundingBox())!);
  return { bar, viewport, controls, seps };
}

/** The vertical middle of a box, to tell which row of the toolbar it is on. */
const middle = (b: Box) => Math.round(b.y + b.height / 2);

describe('the viewer toolbar at the layout sizes', () => {
  const session = useUiSession('lumen-toolbar-wrap', (dataDir) => writeTwoCtImages(dataDir, UID, { name: 'Wrap^Wim', id: 'PW001' }));

  it('wraps between groups, keeps Play cine beside its speed, hides nothing, and does not move the image', async () => {
    const { dataDir } = session();
    const { page, errors } = await openApp(session());
    await importAndOpenTwo(page, dataDir, /^Study .*Wim/);

    const found: string[] = [];
    for (const size of SIZES) {
      const where = `${size.width}x${size.height}`;
      await page.setViewportSize(size);
      await page.waitForTimeout(300);
      await page.screenshot({ path: path.join(resultsDir(), `measurement-list-toolbar-${where}.png`) });
      const t = await toolbar(page);
      const at = (name: string) => t.controls.find((c) => c.name === name)!.box;
      // Play cine and its speed on one row; the tools on one row; the view commands on one row.
      if (middle(at('Play cine')) !== middle(at('Cine frames per second'))) found.push(`${where}: Play cine and its speed are on different rows`);
      const rowOf = (names: string[]) => new Set(names.map((n) => middle(at(n)))).size;
      if (rowOf(TOOL_NAMES) !== 1) found.push(`${where}: the tools are split over rows`);
      if (rowOf(['Fit to window', 'Reset view', 'More view commands']) !== 1) found.push(`${where}: the view commands are split over rows`);
      // Every control whole inside the toolbar, and the toolbar above the image, not over it.
      for (const c of t.controls) {
        if (c.box.x < t.bar.x || c.box.x + c.box.width > t.bar.x + t.bar.width + 0.5 || c.box.y < t.bar.y || c.box.y + c.box.height > t.bar.y + t.bar.height + 0.5) found.push(`${where}: ${c.name} is cut off by the toolbar's edge`);
      }
      // A separator parts two groups: none starts a row.
      for (const sep of t.seps) {
        if (!t.controls.some((c) => c.box.x < sep.x && Math.abs(middle(c.box) - middle(sep)) < 8)) found.push(`${where}: a separator starts a row at y ${middle(sep)}`);
      }
      if (t.viewport.y < t.bar.y + t.bar.height - 0.5) found.push(`${where}: the toolbar lies over the image`);
      // Every preset's name reads whole in the preset menu (it was cut to "Abdomen (soft tis"):
      // each option's text, measured in the menu's own font, fits inside the menu less its
      // padding and its arrow (about 20 px in Chromium).
      const cut = await page.getByTestId('preset').evaluate((el) => {
        const select = el as unknown as { options: ArrayLike<{ text: string }>; getBoundingClientRect(): { width: number } };
        type Style = { font: string; paddingLeft: string; paddingRight: string };
        type Ctx = { font: string; measureText(s: string): { width: number } };
        const g = globalThis as unknown as { getComputedStyle(e: unknown): Style; document: { createElement(n: 'canvas'): { getContext(k: '2d'): Ctx } } };
        const style = g.getComputedStyle(el);
        const ctx = g.document.createElement('canvas').getContext('2d');
        ctx.font = style.font;
        const room = select.getBoundingClientRect().width - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
        return Array.from(select.options).filter((o) => ctx.measureText(o.text).width > room).map((o) => o.text);
      });
      for (const name of cut) found.push(`${where}: the preset menu cuts "${name}"`);

      // Paging and cine change nothing in the toolbar's height, so the image stays where it is.
      const before = { bar: t.bar.height, viewport: t.viewport.y };
      await page.getByRole('button', { name: 'Play cine', exact: true }).click();
      await page.getByRole('button', { name: 'Stop cine', exact: true }).waitFor();
      const playing = await toolbar(page);
      await page.getByRole('button', { name: 'Stop cine', exact: true }).click();
      await page.getByRole('button', { name: 'Play cine', exact: true }).waitFor();
      await page.getByLabel('Image in series').fill('2');
      await page.getByTestId('image-index').filter({ hasText: 'Im 2/2' }).waitFor();
      const paged = await toolbar(page);
      await page.getByLabel('Image in series').fill('1');
      for (const [what, now] of [['playing cine', playing], ['on image 2', paged]] as const) {
        if (now.bar.height !== before.bar || now.viewport.y !== before.viewport) found.push(`${where}: ${what} the toolbar is ${now.bar.height} px high (was ${before.bar}), the image starts at ${now.viewport.y} (was ${before.viewport})`);
      }
    }
    expect(found).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 180_000);
});
