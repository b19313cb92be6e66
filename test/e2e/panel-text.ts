// Measures in the page how a side panel shows its text, for the e2e tests of side panels:
// which elements clip their text, where a name without spaces wraps, which texts overlap.
import type { Locator } from 'playwright-core';

/** Every element under `root` that holds text of its own (or is a select) and clips it (a
 *  visually hidden name, a px wide, is meant so); a title is no excuse unless it says the whole text. */
export async function clippedText(root: Locator): Promise<string[]> {
  return root.locator('*').evaluateAll((els) => {
    type El = { scrollWidth: number; clientWidth: number; textContent: string | null; tagName: string; title: string; childNodes: ArrayLike<{ nodeType: number; textContent: string | null }> };
    const style = (globalThis as unknown as { getComputedStyle(e: El): { overflowX: string; display: string } }).getComputedStyle;
    return (els as unknown as El[])
      .filter((e) => Array.from(e.childNodes).some((n) => n.nodeType === 3 && (n.textContent ?? '').trim()) || e.tagName === 'SELECT')
      .filter((e) => style(e).display !== 'none' && e.clientWidth > 8 && e.scrollWidth > e.clientWidth + 1 && !['visible', 'auto', 'scroll'].includes(style(e).overflowX))
      .filter((e) => !(e.title && e.title.includes((e.textContent ?? '').trim())))
      .map((e) => `${e.tagName} "${(e.textContent ?? '').trim().slice(0, 80)}" (${e.scrollWidth} > ${e.clientWidth})`);
  });
}

/**
 * How the element's text is laid out in lines: the text of each line (the element's text nodes in
 * order, cut where a character starts lower than the one before it). Text that runs past the
 * right edge of `clip` (the panel) or is hidden is reported as `outside`.
 */
export async function textLines(el: Locator, clip: Locator): Promise<{ lines: string[]; outside: string[] }> {
  const clipBox = await clip.evaluate((c) => (c as unknown as { getBoundingClientRect(): { left: number; right: number } }).getBoundingClientRect());
  return el.evaluate((root, box) => {
    type Rect = { top: number; left: number; right: number; height: number; width: number };
    type TextNode = { textContent: string | null };
    const doc = (globalThis as unknown as {
      document: {
        createTreeWalker(root: unknown, what: number): { nextNode(): TextNode | null };
        createRange(): { setStart(n: TextNode, i: number): void; setEnd(n: TextNode, i: number): void; getClientRects(): ArrayLike<Rect> };
      };
    }).document;
    const walker = doc.createTreeWalker(root, 4);
    const lines: string[] = [];
    const outside: string[] = [];
    let line = '';
    let lastTop: number | null = null;
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = n.textContent ?? '';
      for (let i = 0; i < text.length; i++) {
        const range = doc.createRange();
        range.setStart(n, i);
        range.setEnd(n, i + 1);
        const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0 || r.height > 0);
        if (rects.length === 0) {
          line += text[i];
          continue;
        }
        const r = rects[rects.length - 1];
        if (lastTop !== null && r.top > lastTop + r.height / 2) {
          lines.push(line);
          line = '';
        }
        if (text[i].trim() && (r.right > box.right + 1 || r.left < box.left - 1)) outside.push(text[i]);
        lastTop = r.top;
        line += text[i];
      }
    }
    lines.push(line);
    return { lines, outside };
  }, clipBox);
}

/** The places where the lines break between two letters or digits: "efficie|ntnet". */
export function midWordBreaks(lines: string[]): string[] {
  const breaks: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const [a, b] = [lines[i - 1], lines[i]];
    if (/[\p{L}\p{N}]$/u.test(a) && /^[\p{L}\p{N}]/u.test(b)) breaks.push(`${a.slice(-12)}|${b.slice(0, 12)}`);
  }
  return breaks;
}

/**
 * Texts under `root` that lie over one another: for every element with text of its own (an SVG
 * text too), the boxes of that text; two elements' boxes that cross by more than a pixel are listed.
 * Text outside its own box or its SVG plot's box is listed as well.
 */
export async function overlappingText(root: Locator): Promise<string[]> {
  return root.evaluate((r) => {
    type Rect = { top: number; left: number; right: number; bottom: number; width: number; height: number };
    type El = {
      tagName: string;
      textContent: string | null;
      childNodes: ArrayLike<{ nodeType: number; textContent: string | null }>;
      querySelectorAll(q: string): ArrayLike<El>;
      getBoundingClientRect(): Rect;
      closest(q: string): El | null;
      namespaceURI: string;
      checkVisibility(opts: { contentVisibilityAuto: boolean; visibilityProperty: boolean }): boolean;
    };
    const win = globalThis as unknown as {
      document: { createRange(): { selectNodeContents(n: unknown): void; getClientRects(): ArrayLike<Rect> } };
    };
    const root = r as unknown as El;
    const boxes: { name: string; rects: Rect[]; owner: El }[] = [];
    const problems: string[] = [];
    for (const e of Array.from(root.querySelectorAll('*'))) {
      if (e.tagName.toLowerCase() === 'title') continue;
      const own = Array.from(e.childNodes).filter((n) => n.nodeType === 3 && (n.textContent ?? '').trim());
      // Not drawn: hidden, inside a closed <details>, or a visually hidden name (a box a pixel wide, for screen readers).
      if (own.length === 0 || !e.checkVisibility({ contentVisibilityAuto: true, visibilityProperty: true })) continue;
      if (e.closest('.visually-hidden')) continue;
      let rects: Rect[];
      if (e.namespaceURI === 'http://www.w3.org/2000/svg') {
        rects = [e.getBoundingClientRect()];
        const svg = e.closest('svg')!.getBoundingClientRect();
        const t = rects[0];
        if (t.width > 0 && (t.left < svg.left - 1 || t.right > svg.right + 1 || t.top < svg.top - 1 || t.bottom > svg.bottom + 1)) problems.push(`"${(e.textContent ?? '').trim()}" runs out of its plot`);
      } else {
        rects = own.flatMap((n) => {
          const range = win.document.createRange();
          range.selectNodeContents(n);
          return Array.from(range.getClientRects());
        });
      }
      rects = rects.filter((x) => x.width > 1 && x.height > 1);
      // Text wider than its own box spills over what lies beside it (a class name under its score bar).
      const own_ = e.getBoundingClientRect();
      if (rects.some((x) => x.right > own_.right + 1 || x.left < own_.left - 1)) problems.push(`${e.tagName.toLowerCase()} "${(e.textContent ?? '').trim().slice(0, 40)}" runs out of its box`);
      if (rects.length) boxes.push({ name: `${e.tagName.toLowerCase()} "${(e.textContent ?? '').trim().slice(0, 40)}"`, rects, owner: e });
    }
    const cross = (a: Rect, b: Rect) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++)
        if (boxes[i].rects.some((a) => boxes[j].rects.some((b) => cross(a, b)))) problems.push(`${boxes[i].name} over ${boxes[j].name}`);
    return problems;
  });
}
