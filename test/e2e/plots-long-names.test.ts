// Long class names in the Training tab's plots and in the training report, in Debian's Chromium
// against the real engine through the browser bridge. A package trained here (head mode on a
// tiny backbone, phantoms labelled with long snake_case class names, under a long snake_case
// name) is shown in "Results of a model": at 1280×800 and 1024×700 the ROC legend and the
// confusion matrix show every class name whole (no "…"), its lines broken after "_", no text
// over another or out of its plot, and each plot's accessible description names the classes;
// the report dialog's page is no wider than its frame at both sizes.
// Screenshots: test-results/plots-long-names-<width>-roc.png, -matrix.png, -report.png.
import path from 'node:path';
import type { Locator } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openApp, resultsDir, useUiSession } from '../support/browser';
import { CLASSES, showLongNamedResults, trainLongNamedPackage } from './long-names';
import { overlappingText } from './panel-text';

const NAMES = Object.values(CLASSES).sort();
const SIZES = [[1280, 800], [1024, 700]] as const;

/** The plot's texts: each text element's content, its lines (tspans) and whether a line ends inside a word. */
async function plotTexts(plot: Locator) {
  return plot.locator('text').evaluateAll((els) =>
    els.map((e) => {
      const el = e as unknown as { childNodes: ArrayLike<{ nodeType: number; textContent: string | null }>; getAttribute(a: string): string | null; querySelectorAll(q: string): ArrayLike<{ textContent: string | null }> };
      // Its drawn text: the tspans' or its own text nodes' (not the tooltip's <title>).
      const tspans = Array.from(el.querySelectorAll('tspan')).map((t) => t.textContent ?? '');
      const own = Array.from(el.childNodes).filter((n) => n.nodeType === 3).map((n) => n.textContent ?? '').join('');
      const lines = tspans.length ? tspans : [own];
      return { role: el.getAttribute('data-role'), text: lines.join(''), lines };
    }),
  );
}
const midWord = (ls: string[]) => ls.slice(1).filter((l, i) => /[\p{L}\p{N}]$/u.test(ls[i]) && /^[\p{L}\p{N}]/u.test(l));

describe('long class names in the plots and the report', () => {
  const session = useUiSession('lumen-plots-long-names', (dataDir) => trainLongNamedPackage(dataDir, 3));


  it('shows every class name whole in the plots at 1280×800 and 1024×700, and the report fits its frame', async () => {
    const { page, errors } = await openApp(session());
    const { results } = await showLongNamedResults(page);
    const roc = results.getByTestId('roc-plot');
    const matrix = results.getByTestId('confusion-plot');
    for (const [width, height] of SIZES) {
      const at = `at ${width}×${height}`;
      await page.setViewportSize({ width, height });
      for (const [plot, name] of [[roc, 'roc'], [matrix, 'matrix']] as const) {
        await plot.scrollIntoViewIfNeeded();
        await plot.screenshot({ path: path.join(resultsDir(), `plots-long-names-${width}-${name}.png`) });
        const texts = await plotTexts(plot);
        expect(texts.filter((t) => t.text.includes('…')), `${name} ${at}`).toEqual([]);
        for (const t of texts) expect(midWord(t.lines), `${name} ${at}: ${JSON.stringify(t.lines)}`).toEqual([]);
        expect(await overlappingText(plot), `${name} ${at}`).toEqual([]);
        // Its accessible description names each class whole.
        const description = await plot.evaluate((svg) => (svg as unknown as { querySelector(q: string): { textContent: string | null } | null }).querySelector('desc')?.textContent ?? '');
        for (const c of NAMES) expect(description, `${name} ${at}`).toContain(c);
      }
      const rows = (await plotTexts(matrix)).filter((t) => t.role === 'row-label').map((t) => t.text);
      expect([...rows].sort(), at).toEqual(NAMES);
      const legend = (await plotTexts(roc)).filter((t) => t.role === 'legend').map((t) => t.text);
      for (const c of NAMES) expect(legend.some((l) => l === c || l.startsWith(`${c}: `)), `${c} in the ROC legend ${at}: ${JSON.stringify(legend)}`).toBe(true);
    }

    // The report dialog at both sizes: its page no wider than the frame, the per-class table's last column in it.
    for (const [width, height] of SIZES) {
      await page.setViewportSize({ width, height });
      await results.getByRole('button', { name: 'Open report' }).click();
      const dialog = page.getByRole('dialog');
      await dialog.waitFor({ timeout: 30_000 });
      const frame = page.frameLocator('iframe.report-frame');
      await frame.locator('h1').waitFor({ timeout: 30_000 });
      const fit = await frame.locator('body').evaluate((body) => {
        const b = body as unknown as { ownerDocument: { documentElement: { scrollWidth: number; clientWidth: number } }; querySelectorAll(q: string): ArrayLike<{ getBoundingClientRect(): { right: number } }> };
        const doc = b.ownerDocument.documentElement;
        const cells = Array.from(b.querySelectorAll('th'));
        return { scrollWidth: doc.scrollWidth, clientWidth: doc.clientWidth, lastHeading: Math.max(...cells.map((c) => c.getBoundingClientRect().right)) };
      });
      await page.screenshot({ path: path.join(resultsDir(), `plots-long-names-${width}-report.png`) });
      expect(fit.scrollWidth, `report at ${width}×${height}`).toBeLessThanOrEqual(fit.clientWidth);
      expect(fit.lastHeading).toBeLessThanOrEqual(fit.clientWidth);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached', timeout: 10_000 });
    }
    expect(errors).toEqual([]);
  }, 400_000);
});
