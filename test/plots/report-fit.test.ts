// The HTML training report (models/training/report.ts) with a long snake_case title and long class
// names, laid out by Debian's Chromium: at the report dialog's widths and on a printed A4 page
// (print media at the page's printable width), nothing is wider than the page (the per-class
// table's last column, ROC AUC, included), and the title and the class names wrap after "_"
// rather than inside a word. The report stays one file with no external resource.
// Screenshots: test-results/report-fit-<width>.png and report-fit-print.png.
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate } from '../../models/training/metrics';
import { renderReport } from '../../models/training/report';
import { launchChromium, resultsDir } from '../support/browser';

const TITLE = 'chest_triage_efficientnet_b3_v12_pneumothorax_adult';
const NAMES = ['no_acute_finding_reported', 'nodule_round_solitary', 'pneumothorax_tension_suspected'];
/** A4 is 210 mm wide; the report's @page margin is 12 mm each side: 186 mm at 96 px per inch. */
const A4_PRINTABLE = Math.floor((186 / 25.4) * 96);

function report(): string {
  const labels = Array.from({ length: 45 }, (_, i) => i % 3);
  const scores = labels.map((l, i) => {
    const s = [0.2, 0.2, 0.2];
    s[l] += 0.2 + ((i * 37) % 11) / 30;
    s[(l + 1 + (i % 2)) % 3] += ((i * 13) % 7) / 14;
    const sum = s[0] + s[1] + s[2];
    return s.map((x) => x / sum);
  });
  const e = evaluate(scores, labels, NAMES, { seed: 3, bootstrap: 50 });
  return renderReport({ title: TITLE, classNames: NAMES, test: e, validation: e, history: [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch, valLoss: 1.2 / epoch, valMetric: 0.5 + epoch / 10, learningRate: 0.001, seconds: 1 })), modelCard: `name: ${TITLE}`, contentHash: 'c1876264d6ece35446d0ee4f4fad285bf41c472cbe1711dd966fc069c856eb9abd' });
}

/** What runs past the page's right edge, and where the title's and class names' lines break inside a word. */
async function measure(page: Page) {
  return page.evaluate((names) => {
    type Rect = { left: number; right: number; top: number; height: number; width: number };
    type El = { tagName: string; textContent: string | null; getBoundingClientRect(): Rect };
    const doc = (globalThis as unknown as {
      document: {
        documentElement: { scrollWidth: number; clientWidth: number };
        querySelectorAll(q: string): ArrayLike<El>;
        createTreeWalker(root: unknown, what: number): { nextNode(): { textContent: string | null } | null };
        createRange(): { setStart(n: unknown, i: number): void; setEnd(n: unknown, i: number): void; getClientRects(): ArrayLike<Rect> };
      };
    }).document;
    const width = doc.documentElement.clientWidth;
    const outside = Array.from(doc.querySelectorAll('body *'))
      .filter((e) => e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().right > width + 1)
      .map((e) => `${e.tagName.toLowerCase()} "${(e.textContent ?? '').trim().slice(0, 40)}" to ${Math.round(e.getBoundingClientRect().right)} > ${width}`);
    const lines = (el: El) => {
      const walker = doc.createTreeWalker(el, 4);
      const out: string[] = [];
      let line = '';
      let lastTop: number | null = null;
      for (let n = walker.nextNode(); n; n = walker.nextNode()) {
        const t = n.textContent ?? '';
        for (let i = 0; i < t.length; i++) {
          const range = doc.createRange();
          range.setStart(n, i);
          range.setEnd(n, i + 1);
          const r = Array.from(range.getClientRects()).filter((x) => x.width > 0)[0];
          if (r && lastTop !== null && r.top > lastTop + r.height / 2) {
            out.push(line);
            line = '';
          }
          if (r) lastTop = r.top;
          line += t[i];
        }
      }
      out.push(line);
      return out;
    };
    const named = Array.from(doc.querySelectorAll('h1, td, title')).filter((e) => e.tagName === 'H1' || names.includes((e.textContent ?? '').trim()));
    return { scrollWidth: doc.documentElement.scrollWidth, width, outside, wrapped: named.filter((e) => e.tagName !== 'title').map((e) => ({ text: (e.textContent ?? '').trim(), lines: lines(e) })) };
  }, NAMES);
}

const midWord = (ls: string[]) => ls.slice(1).filter((l, i) => /[\p{L}\p{N}]$/u.test(ls[i]) && /^[\p{L}\p{N}]/u.test(l));

describe('the training report with long names', () => {
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let page: Page;
  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.context.newPage();
  }, 60_000);
  afterAll(async () => browser?.close());

  it('is one self-contained file', () => {
    const html = report();
    expect(html).not.toMatch(/<script|<link|<img|<iframe|@import|url\(|\s(src|href)=/i);
  });

  for (const [what, width, media] of [['the dialog at 1280×800', 680, 'screen'], ['the dialog at 1024×700', 560, 'screen'], ['a printed A4 page', A4_PRINTABLE, 'print']] as const) {
    it(`fits ${what} (${width} px, ${media}), its names wrapped between parts`, async () => {
      await page.emulateMedia({ media });
      await page.setViewportSize({ width, height: 900 });
      await page.setContent(report());
      const m = await measure(page);
      await page.screenshot({ path: path.join(resultsDir(), `report-fit-${media === 'print' ? 'print' : width}.png`), fullPage: true });
      expect(m.outside).toEqual([]);
      expect(m.scrollWidth).toBeLessThanOrEqual(m.width);
      // The title and each class name in the table: whole, and on more than one line only between parts.
      const title = m.wrapped.find((w) => w.text === TITLE)!;
      // Wider than the dialog at the screen's type size: it wraps (in print, in smaller type, it may fit on one line).
      if (media === 'screen') expect(title.lines.length, JSON.stringify(title.lines)).toBeGreaterThan(1);
      for (const w of m.wrapped) {
        expect(w.lines.join('')).toBe(w.text);
        expect(midWord(w.lines), `${w.text}: ${JSON.stringify(w.lines)}`).toEqual([]);
      }
      expect(m.wrapped.filter((w) => NAMES.includes(w.text)).length).toBeGreaterThanOrEqual(NAMES.length);
    }, 60_000);
  }
});
