// The study list's multi-selection (renderer/src/workspace/seriesSelection.ts): what a click
// with and without Ctrl/Shift selects, as file managers do.
import { describe, expect, it } from 'vitest';
import { getSelectedSeries, selectionAfterClick, setSelectedSeries } from '../../renderer/src/workspace/seriesSelection';

const order = ['s1', 's2', 's3', 's4', 's5'];

describe('series selection', () => {
  it('a plain click selects one series; Ctrl adds or removes one; Shift selects the run from the anchor', () => {
    expect(selectionAfterClick(['s1', 's3'], 's1', 's2', order, { ctrl: false, shift: false })).toEqual(['s2']);
    expect(selectionAfterClick(['s1'], 's1', 's3', order, { ctrl: true, shift: false })).toEqual(['s1', 's3']);
    expect(selectionAfterClick(['s1', 's3'], 's3', 's3', order, { ctrl: true, shift: false })).toEqual(['s1']);
    // Shift: the run between anchor and target, either direction, replacing the rest.
    expect(selectionAfterClick(['s1', 's5'], 's2', 's4', order, { ctrl: false, shift: true })).toEqual(['s2', 's3', 's4']);
    expect(selectionAfterClick(['s4'], 's4', 's2', order, { ctrl: false, shift: true })).toEqual(['s2', 's3', 's4']);
    // Ctrl+Shift adds the run to what is selected.
    expect(selectionAfterClick(['s5'], 's1', 's2', order, { ctrl: true, shift: true })).toEqual(['s5', 's1', 's2']);
    // An anchor no longer shown (its study collapsed or filtered out): the click acts alone.
    expect(selectionAfterClick(['s9'], 's9', 's2', order, { ctrl: false, shift: true })).toEqual(['s2']);
  });

  it('keeps one copy of each series and tells listeners only of real changes', () => {
    setSelectedSeries(['s1', 's2', 's1']);
    expect(getSelectedSeries()).toEqual(['s1', 's2']);
    const before = getSelectedSeries();
    setSelectedSeries(['s1', 's2']);
    expect(getSelectedSeries()).toBe(before);
  });
});
