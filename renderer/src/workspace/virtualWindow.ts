// Which rows of a virtualised list to render, as pure arithmetic over row heights known up
// front (useVirtualList.ts applies it to a scrolling box). No DOM here: tested under Node.

/** Each row's top (offsets[i]) and the total height (offsets[heights.length]). */
export function rowOffsets(heights: readonly number[]): number[] {
  const offsets = new Array<number>(heights.length + 1);
  offsets[0] = 0;
  for (let i = 0; i < heights.length; i++) offsets[i + 1] = offsets[i] + heights[i];
  return offsets;
}

/** The last index i with offsets[i] <= y (binary search); 0 for y above the first row. */
function rowAt(offsets: readonly number[], y: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  if (hi < 0) return 0;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (offsets[mid] <= y) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * The rows to render, [start, end): those overlapping [scrollTop, scrollTop + viewport)
 * plus `overscan` pixels above and below, so that a fast scroll shows rows, not gaps.
 */
export function visibleRange(offsets: readonly number[], scrollTop: number, viewport: number, overscan: number): { start: number; end: number } {
  const count = offsets.length - 1;
  if (count <= 0) return { start: 0, end: 0 };
  const start = rowAt(offsets, Math.max(0, scrollTop - overscan));
  const bottom = scrollTop + viewport + overscan;
  let end = rowAt(offsets, bottom) + 1;
  if (end > count) end = count;
  return { start, end };
}

/** The scrollTop that shows row `index` `margin` pixels below the top, or null when it is already fully in view. */
export function scrollTarget(offsets: readonly number[], index: number, scrollTop: number, viewport: number, margin = 8): number | null {
  const top = offsets[index];
  const bottom = offsets[index + 1];
  if (top === undefined || bottom === undefined) return null;
  if (top >= scrollTop && bottom <= scrollTop + viewport) return null;
  return Math.max(0, top - margin);
}
