import { describe, expect, it } from 'vitest';
import { labelLeft } from '../../renderer/src/viewer/measurements';

describe('a measurement reading drawn beside its outline', () => {
  it('stays inside the viewport and clear of the stack slider at its right edge', () => {
    // An ellipse near the right edge of a 680 px viewport: a 378 px reading would start at 600.
    const x = labelLeft(600, 378, 680);
    // The stack slider takes the right 20 px (theme.css .stack-slider: right 4px, width 16px).
    expect(x + 378).toBeLessThanOrEqual(680 - 20);
    expect(x).toBeGreaterThanOrEqual(4);
    // Where it fits it stays where it was asked for.
    expect(labelLeft(100, 50, 680)).toBe(100);
    // Wider than the viewport: from the left edge, never off it.
    expect(labelLeft(100, 900, 680)).toBe(4);
  });
});
