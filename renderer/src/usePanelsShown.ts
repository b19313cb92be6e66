import { useCallback, useEffect, useState } from 'react';

/** Below this window width the side panel starts hidden, so the viewer keeps most of the width. */
export const SIDE_PANEL_MIN_WINDOW = 1200;
const KEY = 'lumen.panels';

interface Remembered { browser?: boolean; side?: boolean }

function remembered(): Remembered {
  try {
    const raw = JSON.parse(localStorage.getItem(KEY) ?? '{}') as unknown;
    if (!raw || typeof raw !== 'object') return {};
    const r = raw as Record<string, unknown>;
    return { browser: typeof r.browser === 'boolean' ? r.browser : undefined, side: typeof r.side === 'boolean' ? r.side : undefined };
  } catch {
    return {};
  }
}

function wide(): boolean {
  return typeof window === 'undefined' || window.innerWidth >= SIDE_PANEL_MIN_WINDOW;
}

/**
 * Whether the study list and the side panel are shown. What the user chose (the toolbar's
 * buttons, [ and ]) is remembered across restarts; until they choose, the study list is shown
 * and the side panel follows the window: shown from 1200 px wide, hidden below, so that a
 * laptop-sized window gives the viewer most of its width.
 */
export function usePanelsShown() {
  const [chosen, setChosen] = useState<Remembered>(remembered);
  const [isWide, setWide] = useState(wide);
  useEffect(() => {
    const onResize = () => setWide(wide());
    window.addEventListener('resize', onResize);
    return () => window.removeEventListener('resize', onResize);
  }, []);
  const browser = chosen.browser ?? true;
  const side = chosen.side ?? isWide;
  const choose = useCallback((which: keyof Remembered, shown: boolean | ((was: boolean) => boolean)) => {
    setChosen((c) => {
      const was = which === 'browser' ? (c.browser ?? true) : (c.side ?? wide());
      const next = { ...c, [which]: typeof shown === 'function' ? shown(was) : shown };
      try {
        localStorage.setItem(KEY, JSON.stringify(next));
      } catch {
        // Storage refused (private mode, quota): the choice holds for this session only.
      }
      return next;
    });
  }, []);
  return { browser, side, setBrowser: (s: boolean | ((was: boolean) => boolean)) => choose('browser', s), setSide: (s: boolean | ((was: boolean) => boolean)) => choose('side', s) };
}
