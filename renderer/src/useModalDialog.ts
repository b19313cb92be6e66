import { useEffect, useRef, useState } from 'react';

/** What Tab can reach inside a dialog. */
const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), iframe, [tabindex]:not([tabindex="-1"])';

/** Keys that still reach the app's own handlers while a dialog is open: F1 and ? toggle the dialogs themselves. */
const PASSED_KEYS = new Set(['F1', '?']);

/**
 * Makes the element a modal dialog for the keyboard: focus moves into it when it opens,
 * Tab and Shift+Tab cycle among its controls and never reach the page behind, Escape
 * closes it, and focus goes back to where it was when it closes. Other keys stay inside
 * too, so the viewer behind does not scroll or change tool while the dialog is up.
 * Give the element tabIndex={-1}, so that a click on its text keeps the focus inside.
 */
export function useModalDialog<T extends HTMLElement>(onClose: () => void) {
  const ref = useRef<T>(null);
  const close = useRef(onClose);
  close.current = onClose;
  // Taken while rendering, before anything in the dialog can take the focus.
  const [before] = useState(() => (document.activeElement instanceof HTMLElement ? document.activeElement : null));

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const focusable = () => [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
    // The control marked data-autofocus first (the Close button, say), else the first one.
    if (!dialog.contains(document.activeElement)) (dialog.querySelector<HTMLElement>('[data-autofocus]') ?? focusable()[0] ?? dialog).focus();

    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.preventDefault();
        e.stopPropagation();
        close.current();
        return;
      }
      if (e.key === 'Tab') {
        e.preventDefault();
        const items = focusable();
        if (items.length === 0) return dialog.focus();
        const at = items.indexOf(document.activeElement as HTMLElement);
        const next = e.shiftKey ? (at <= 0 ? items.length - 1 : at - 1) : at < 0 || at === items.length - 1 ? 0 : at + 1;
        items[next].focus();
      }
      if (!PASSED_KEYS.has(e.key)) e.stopPropagation();
    };
    // Focus that escapes anyway (a click on the backdrop's edge, a screen reader) is brought back.
    const onFocusIn = (e: FocusEvent) => {
      // Another dialog opened over this one owns the focus now.
      if (e.target instanceof Element && e.target.closest('[aria-modal="true"]')) return;
      if (e.target instanceof Node && !dialog.contains(e.target)) (focusable()[0] ?? dialog).focus();
    };
    // Focus that drops to the page's body (the control that had it was disabled or removed,
    // as the Export button is while it works) fires no focusin: the next key, Escape or
    // Tab included, is the dialog's all the same, and never reaches the viewer behind.
    // Only the topmost dialog takes it.
    const onDroppedKey = (e: KeyboardEvent) => {
      if (e.target !== document.body && e.target !== document.documentElement) return;
      const modals = document.querySelectorAll('[aria-modal="true"]');
      if (modals[modals.length - 1] !== dialog) return;
      (focusable()[0] ?? dialog).focus();
      onKey(e);
    };
    dialog.addEventListener('keydown', onKey);
    document.addEventListener('keydown', onDroppedKey, true);
    document.addEventListener('focusin', onFocusIn);
    return () => {
      dialog.removeEventListener('keydown', onKey);
      document.removeEventListener('keydown', onDroppedKey, true);
      document.removeEventListener('focusin', onFocusIn);
      if (before && before.isConnected) before.focus();
    };
  }, [before]);

  return ref;
}
