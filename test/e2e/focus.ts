// The focused element in the page, for the keyboard journeys (journey-keyboard, journey-s15):
// its accessible name and whether a sighted keyboard user can see that it is focused.
import type { Page } from 'playwright-core';

export interface Focused {
  /** The accessible name: aria-label, else the label's text, else the visually hidden words, else the text (spaces folded). */
  name: string;
  tag: string;
  /** Whether the focus shows: an outline (its own, or its parent's), or a shadow or border the control lacks unfocused. */
  ring: boolean;
}

/**
 * The focused element, and whether its focus shows. `parentRing`: an outline on its parent counts
 * too, for a control whose focus is drawn on what holds it (a PACS study's head, pacs.css
 * .pacs-study:has(...:focus-visible)); off by default, as a parent's outline may not come from the focus.
 */
export async function focused(page: Page, opts: { parentRing?: boolean } = {}): Promise<Focused> {
  return page.evaluate((parentRingCounts) => {
    // Runs in the page; typed here without the DOM library, which the Node project leaves out.
    type El = {
      tagName: string;
      textContent: string | null;
      labels?: { textContent: string | null }[];
      getAttribute(name: string): string | null;
      querySelector(selector: string): El | null;
      cloneNode(deep: boolean): El;
      removeAttribute(name: string): void;
      remove(): void;
      style: Record<string, string>;
      parentNode: { insertBefore(node: El, before: El): void };
      parentElement: El | null;
    };
    const win = globalThis as unknown as { document: { activeElement: El | null; body: El }; getComputedStyle(el: El): Record<string, string> };
    const el = win.document.activeElement;
    if (!el || el === win.document.body) return { name: '', tag: 'body', ring: false };
    const look = (e: El) => {
      const s = win.getComputedStyle(e);
      return { outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0, shadow: s.boxShadow, border: s.borderColor };
    };
    const on = look(el);
    const twin = el.cloneNode(false);
    twin.removeAttribute('id');
    twin.style.position = 'absolute';
    twin.style.visibility = 'hidden';
    el.parentNode.insertBefore(twin, el);
    const off = look(twin);
    twin.remove();
    // A PACS study's head shows its focus on the study around it (pacs.css: .pacs-study:has(...:focus-visible)).
    const parentRing = parentRingCounts && el.parentElement ? look(el.parentElement).outline : false;
    const name = (el.getAttribute('aria-label') ?? el.labels?.[0]?.textContent ?? el.querySelector(':scope > .visually-hidden')?.textContent ?? el.textContent ?? '').trim().replace(/\s+/g, ' ');
    return { name, tag: el.tagName.toLowerCase(), ring: on.outline || parentRing || (on.shadow !== 'none' && on.shadow !== off.shadow) || on.border !== off.border };
  }, opts.parentRing ?? false);
}
