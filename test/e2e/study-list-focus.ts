// Where the keyboard focus is in the study list, for the e2e tests of its keys.
import type { Page } from 'playwright-core';

/** The focused element's study (aria-posinset, label), or null when the focus is outside the list's rows. */
export async function focusedStudy(page: Page): Promise<{ at: number; label: string } | null> {
  return page.evaluate(() => {
    const doc = (globalThis as unknown as { document: { activeElement: { closest(s: string): { getAttribute(n: string): string | null } | null } | null } }).document;
    const item = doc.activeElement?.closest('[role="listitem"]');
    return item ? { at: Number(item.getAttribute('aria-posinset')), label: item.getAttribute('aria-label') ?? '' } : null;
  });
}
