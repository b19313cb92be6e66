// Dialog headers stay in view: the Settings dialog scrolled to the bottom of its body still shows
// its title and its Close button, at their place on the dialog's top and not covered by what
// scrolled under them (the shared .modal-header), at 1280x720 and 1024x700. Screenshots in
// test-results/dialog-header-*.png.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';

describe('a dialog scrolled to the bottom keeps its header in view', () => {
  const session = useUiSession('lumen-dialog-header');

  for (const [width, height] of [
    [1280, 720],
    [1024, 700],
  ] as const) {
    it(`Settings at ${width}x${height}: title and Close stay visible, on top of the scrolled body`, async () => {
      const { page, errors } = await openApp(session());
      await page.setViewportSize({ width, height });
      await page.getByRole('complementary', { name: 'Study browser' }).waitFor({ timeout: 60_000 });
      await page.keyboard.press('Control+,');
      const dialog = page.getByRole('dialog', { name: 'Settings' });
      await dialog.waitFor();
      const title = dialog.getByRole('heading', { name: 'Settings' });
      const close = dialog.getByRole('button', { name: 'Close' });
      await title.waitFor();
      const before = (await title.boundingBox())!;

      // The body really scrolls at this size (else the test would prove nothing), to the very bottom.
      // Typed here without the DOM library, which the Node project leaves out.
      type Scroller = { scrollTop: number; scrollHeight: number; clientHeight: number };
      type Found = { closest(s: string): unknown; outerHTML: string } | null;
      type Window$ = { document: { elementFromPoint(x: number, y: number): Found }; getComputedStyle(el: unknown): { backgroundColor: string } };
      const scroll = await dialog.evaluate((node) => {
        const el = node as unknown as Scroller;
        el.scrollTop = el.scrollHeight;
        return { scrollTop: el.scrollTop, overflow: el.scrollHeight - el.clientHeight };
      });
      expect(scroll.overflow).toBeGreaterThan(20);
      expect(scroll.scrollTop).toBeGreaterThan(20);
      await page.waitForTimeout(0);
      await page.screenshot({ path: path.join(resultsDir(), `dialog-header-settings-${width}x${height}.png`) });

      const box = (await dialog.boundingBox())!;
      for (const [name, part] of [
        ['title', title],
        ['Close', close],
      ] as const) {
        const b = (await part.boundingBox())!;
        // Inside the dialog's frame, on the screen.
        expect(b.y, name).toBeGreaterThanOrEqual(box.y);
        expect(b.y + b.height, name).toBeLessThanOrEqual(box.y + box.height);
        expect(b.y, name).toBeGreaterThanOrEqual(0);
        // What is drawn at its centre is the header itself, not a setting that scrolled under it.
        const top = await page.evaluate(([x, y]) => {
          const el = (globalThis as unknown as Window$).document.elementFromPoint(x, y);
          return el?.closest('.modal-header') ? 'header' : (el?.outerHTML.slice(0, 80) ?? 'nothing');
        }, [b.x + b.width / 2, b.y + b.height / 2] as const);
        expect(top, name).toBe('header');
      }
      // The title stays where it was before scrolling.
      expect(Math.abs((await title.boundingBox())!.y - before.y)).toBeLessThan(2);
      // A control scrolled up to the header's edge is hidden under it, never drawn over it:
      // the header has a background of its own.
      const bg = await dialog.locator('.modal-header').evaluate((el) => (globalThis as unknown as Window$).getComputedStyle(el).backgroundColor);
      expect(bg).not.toBe('rgba(0, 0, 0, 0)');

      // Close still works from there.
      await close.click();
      await dialog.waitFor({ state: 'detached' });
      expect(errors).toEqual([]);
      await page.close();
    }, 120_000);
  }
});
