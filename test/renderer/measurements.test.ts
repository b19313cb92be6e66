import { describe, expect, it } from 'vitest';
import type { Measurement } from '../../common/contract/measurements';
import { lengthReading } from '../../common/roi';
import { apply, distanceToSegment, emptyHistory, pick, record, redo, undo, type Edit } from '../../renderer/src/viewer/measurements';

const m = (id: string, points: Measurement['points'], createdAt = `2026-01-01T00:00:0${id.slice(-1)}.000Z`): Measurement => ({
  id,
  seriesInstanceUid: '1.2',
  sopInstanceUid: '1.2.3',
  frame: 0,
  kind: 'length',
  points,
  createdAt,
});

describe('the length tool', () => {
  it('reads a length in mm with the pixel spacing ([row, column]), in px without', () => {
    // What the length tool reads (renderer/src/viewer/measurementText.ts lengthOnFrame).
    expect(lengthReading([[0, 0], [30, 40]], { rows: 64, columns: 64, pixelSpacing: null })).toBe('50.0 px (no pixel spacing)');
    // 30 columns at 0.5 mm and 40 rows at 0.75 mm: 15 by 30 mm.
    expect(lengthReading([[0, 0], [30, 40]], { rows: 64, columns: 64, pixelSpacing: [0.75, 0.5] })).toBe(`${Math.hypot(15, 30).toFixed(1)} mm`);
  });

  it('picks the nearest line within a few screen pixels, and none farther away', () => {
    expect(distanceToSegment([5, 3], [0, 0], [10, 0])).toBe(3);
    expect(distanceToSegment([13, 4], [0, 0], [10, 0])).toBe(5);
    const zoom2 = (x: number, y: number): [number, number] => [x * 2, y * 2];
    const items = [m('m-00000001', [[0, 0], [50, 0]]), m('m-00000002', [[0, 4], [50, 4]])];
    expect(pick(items, zoom2, [40, 1])).toBe('m-00000001');
    expect(pick(items, zoom2, [40, 7])).toBe('m-00000002');
    expect(pick(items, zoom2, [40, 30])).toBeNull();
    expect(pick(items, zoom2, [120, 0])).toBeNull();
  });

  it('undoes and redoes adding and deleting, in order, and a new edit ends redo', () => {
    const a = m('m-00000001', [[0, 0], [1, 1]]);
    const b = m('m-00000002', [[0, 0], [2, 2]]);
    let list: Measurement[] = [];
    let h = emptyHistory;
    const edit = (e: Edit) => {
      list = apply(list, e);
      h = record(h, e);
    };
    edit({ op: 'add', measurement: a });
    edit({ op: 'add', measurement: b });
    edit({ op: 'delete', measurement: a });
    expect(list).toEqual([b]);
    let step = undo(h)!;
    expect(step.edit).toEqual({ op: 'add', measurement: a });
    list = apply(list, step.edit);
    h = step.history;
    // Brought back in its place (by creation time), not at the end.
    expect(list).toEqual([a, b]);
    step = redo(h)!;
    list = apply(list, step.edit);
    h = step.history;
    expect(list).toEqual([b]);
    step = undo(h)!;
    list = apply(list, step.edit);
    h = step.history;
    step = undo(h)!;
    expect(step.edit).toEqual({ op: 'delete', measurement: b });
    list = apply(list, step.edit);
    h = step.history;
    expect(list).toEqual([a]);
    expect(h.redo).toHaveLength(2);
    edit({ op: 'add', measurement: m('m-00000003', [[0, 0], [3, 3]]) });
    expect(redo(h)).toBeNull();
    expect(undo(emptyHistory)).toBeNull();
  });
});
