// Where the viewer writes a measurement's reading (renderer/src/viewer/labelPlacement.ts), finding
// F4 (session 14): a probe at the centre and a length across it had "26.9 mm" drawn over
// "(64, 64) 42 HU". A label that would overlap one placed before it moves to a free spot near its
// anchor; one with room stays exactly where it wanted to be.
import { describe, expect, it } from 'vitest';
import { crosses, placeLabel, nearestOnBox, reserveLabels, type LabelBox, type Segment } from '../../renderer/src/viewer/labelPlacement';

const size = { w: 800, h: 600 };
const overlap = (a: LabelBox, b: LabelBox) => a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;

describe('placeLabel', () => {
  it('keeps a label where it wants to be when nothing is there', () => {
    const placed: LabelBox[] = [];
    const want = { left: 408, top: 279, width: 90, height: 17 };
    expect(placeLabel(placed, want, 400, size)).toEqual({ box: want, moved: false });
    expect(placed).toEqual([want]);
  });

  it('moves the length\'s reading off the probe\'s at the same anchor (the tester\'s case)', () => {
    const placed: LabelBox[] = [];
    // The probe at the centre (400, 300): its reading at (408, 292 - 13).
    const probe = placeLabel(placed, { left: 408, top: 279, width: 104, height: 17 }, 400, size);
    // A horizontal length across it, its midpoint on the probe: the same spot wanted.
    const length = placeLabel(placed, { left: 408, top: 279, width: 52, height: 17 }, 400, size);
    expect(probe.moved).toBe(false);
    expect(length.moved).toBe(true);
    expect(overlap(probe.box, length.box)).toBe(false);
    // Near its anchor: the next line down.
    expect(length.box.left).toBe(408);
    expect(length.box.top).toBe(279 + 17 + 3);
    // A third and a fourth at the same point each find a free spot too.
    const third = placeLabel(placed, { left: 408, top: 279, width: 60, height: 17 }, 400, size);
    const fourth = placeLabel(placed, { left: 408, top: 279, width: 60, height: 33 }, 400, size);
    const boxes = [probe.box, length.box, third.box, fourth.box];
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(overlap(boxes[i], boxes[j]), `${i} ${j}`).toBe(false);
  });

  it('keeps the selected measurement\'s label at its spot: one drawn before it moves away (session 15 L2)', () => {
    const probeWant = { left: 408, top: 279, width: 104, height: 17 };
    const lengthWant = { left: 408, top: 279, width: 52, height: 17 };
    // The selected length's reading is placed first, in a pass that draws nothing (usePaint.ts), and reserved.
    const placed: LabelBox[] = [];
    placeLabel(placed, lengthWant, 400, size);
    reserveLabels(placed);
    // Then everything in drawing order: the probe's reading (drawn before the length) keeps off the reserved spot.
    const probe = placeLabel(placed, probeWant, 400, size);
    expect(probe.moved).toBe(true);
    expect(probe.box).toEqual({ ...probeWant, top: 279 + 17 + 3 });
    // The length's reading takes its reserved spot, as if nothing were there.
    expect(placeLabel(placed, lengthWant, 400, size)).toEqual({ box: lengthWant, moved: false });
    expect(overlap(probe.box, lengthWant)).toBe(false);
    expect(placed).toEqual([lengthWant, probe.box]);
    // A reservation is taken once: another reading wanting the same spot after it moves.
    expect(placeLabel(placed, lengthWant, 400, size).moved).toBe(true);
  });

  it('without a reservation, the later label moves (the order labels are drawn in)', () => {
    const placed: LabelBox[] = [];
    const probe = placeLabel(placed, { left: 408, top: 279, width: 104, height: 17 }, 400, size);
    expect(probe.moved).toBe(false);
    expect(placeLabel(placed, { left: 408, top: 279, width: 52, height: 17 }, 400, size).moved).toBe(true);
  });

  it('keeps a moved label inside the viewport, clear of the stack slider', () => {
    const placed: LabelBox[] = [{ left: 0, top: 0, width: 800, height: 20 }];
    const { box, moved } = placeLabel(placed, { left: 700, top: 2, width: 90, height: 17 }, 690, size);
    expect(moved).toBe(true);
    expect(box.top).toBeGreaterThanOrEqual(20);
    expect(box.left + box.width).toBeLessThanOrEqual(size.w - 28);
    expect(box.top + box.height).toBeLessThanOrEqual(size.h);
  });

  it('stays where it wanted to be when no spot near it is free', () => {
    const placed: LabelBox[] = [{ left: 0, top: 0, width: 800, height: 600 }];
    const want = { left: 408, top: 279, width: 52, height: 17 };
    expect(placeLabel(placed, want, 400, size)).toEqual({ box: want, moved: false });
  });

  it('links a moved label from its anchor to the nearest point of its box', () => {
    expect(nearestOnBox({ left: 408, top: 299, width: 52, height: 17 }, 400, 300)).toEqual([408, 300]);
    expect(nearestOnBox({ left: 408, top: 299, width: 52, height: 17 }, 500, 250)).toEqual([460, 299]);
  });
});

describe('placeLabel keeps off the measurements\' lines (session 16)', () => {
  it('a reading whose spot a line runs through goes to the nearest spot clear of lines and readings', () => {
    const placed: LabelBox[] = [];
    // A horizontal length through (400, 300) from x 280 to 520, and a probe's reading already at its midpoint's spot.
    const line: Segment = [280, 300, 520, 300];
    placeLabel(placed, { left: 408, top: 279, width: 104, height: 17 }, 400, size, [line]);
    // The length's reading wants the same spot: the next line down (top 299) has the line through it, so it goes up.
    const length = placeLabel(placed, { left: 408, top: 279, width: 52, height: 17 }, 400, size, [line]);
    expect(length.moved).toBe(true);
    expect(length.box).toEqual({ left: 408, top: 279 - 20, width: 52, height: 17 });
    expect(crosses(line, length.box)).toBe(false);
    // Without the line it took the next line down, as before.
    const before: LabelBox[] = [{ left: 408, top: 279, width: 104, height: 17 }];
    expect(placeLabel(before, { left: 408, top: 279, width: 52, height: 17 }, 400, size).box.top).toBe(299);
  });

  it('moves a lone reading off a line that crosses its spot, even with no other reading', () => {
    const placed: LabelBox[] = [];
    // A steep line up to the right through where the reading wants to be.
    const line: Segment = [400, 300, 460, 200];
    const want = { left: 408, top: 279, width: 60, height: 17 };
    expect(crosses(line, want)).toBe(true);
    const r = placeLabel(placed, want, 400, size, [line]);
    expect(r.moved).toBe(true);
    expect(crosses(line, r.box)).toBe(false);
  });

  it('where no spot near it is clear of lines, keeping off the other readings comes first, then its own spot', () => {
    // Horizontal lines every 5 px over the whole viewport: nothing is clear of them.
    const lines: Segment[] = Array.from({ length: 120 }, (_, i) => [0, i * 5, 800, i * 5] as const);
    const alone: LabelBox[] = [];
    const want = { left: 408, top: 279, width: 52, height: 17 };
    expect(placeLabel(alone, want, 400, size, lines)).toEqual({ box: want, moved: false });
    const placed: LabelBox[] = [{ left: 408, top: 279, width: 104, height: 17 }];
    const r = placeLabel(placed, want, 400, size, lines);
    expect(r.moved).toBe(true);
    expect(overlap(r.box, placed[0])).toBe(false);
  });

  it('crosses: through, along an edge within the padding, beside, inside, and a point', () => {
    const box = { left: 100, top: 100, width: 50, height: 20 };
    expect(crosses([90, 110, 160, 110], box)).toBe(true);
    expect(crosses([120, 110, 130, 112], box)).toBe(true);
    expect(crosses([90, 99, 160, 99], box)).toBe(true);
    expect(crosses([90, 97, 160, 97], box)).toBe(false);
    expect(crosses([153, 90, 153, 130], box)).toBe(false);
    expect(crosses([90, 90, 95, 95], box)).toBe(false);
    expect(crosses([125, 110, 125, 110], box)).toBe(true);
    expect(crosses([80, 80, 170, 140], box)).toBe(true);
  });
});
