// A virtualised list: only the rows in (or near) the visible part of a scrolling box are
// rendered, each absolutely placed at its offset. Row heights are known up front (the
// study list computes them from what a row shows), so no row is measured in the DOM.
import { useCallback, useEffect, useMemo, useState, type RefObject } from 'react';
import { rowOffsets, scrollTarget, visibleRange } from './virtualWindow';

/**
 * Follows the scroll position and size of `box` and says which rows to render.
 * `scrollToRow` brings a row into view (not moving when it already is).
 */
export function useVirtualList(box: RefObject<HTMLElement | null>, heights: readonly number[], overscan = 400) {
  const offsets = useMemo(() => rowOffsets(heights), [heights]);
  const [view, setView] = useState({ top: 0, height: 0 });
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const update = () => setView((v) => (v.top === el.scrollTop && v.height === el.clientHeight ? v : { top: el.scrollTop, height: el.clientHeight }));
    update();
    el.addEventListener('scroll', update, { passive: true });
    const resize = new ResizeObserver(update);
    resize.observe(el);
    return () => {
      el.removeEventListener('scroll', update);
      resize.disconnect();
    };
  }, [box]);
  const range = visibleRange(offsets, view.top, view.height, overscan);
  const scrollToRow = useCallback(
    (index: number) => {
      const el = box.current;
      if (!el) return;
      const target = scrollTarget(offsets, index, el.scrollTop, el.clientHeight);
      if (target !== null) el.scrollTop = target;
    },
    [box, offsets],
  );
  return { offsets, total: offsets[offsets.length - 1], ...range, scrollToRow };
}
