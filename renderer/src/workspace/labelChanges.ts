/**
 * Label changes, told to whoever shows labels outside the Training tab (the viewer's marks on
 * the stack slider, viewer/useFrameLabels.ts): the Training tab counts a change each time it
 * labels, clears, undoes or imports, and says which classes its keys 1–9 give, in order, so the
 * marks are coloured as the keys number the classes.
 */
import { useSyncExternalStore } from 'react';

export interface LabelChanges {
  /** Counts the changes. */
  generation: number;
  /** The label keys' classes (keys 1–9 in order); empty until the Training tab has been opened. */
  classes: readonly string[];
}

let state: LabelChanges = { generation: 0, classes: [] };
const listeners = new Set<() => void>();

/** Labels may have changed (and the keys' classes are now `classes`). */
export function labelsChanged(classes: readonly string[] = state.classes): void {
  state = { generation: state.generation + 1, classes };
  for (const l of listeners) l();
}

/** The keys' classes changed (labels did not). */
export function labelClassesShown(classes: readonly string[]): void {
  if (classes.length === state.classes.length && classes.every((c, i) => c === state.classes[i])) return;
  state = { ...state, classes };
  for (const l of listeners) l();
}

const subscribe = (l: () => void) => {
  listeners.add(l);
  return () => void listeners.delete(l);
};

/** The label changes so far, re-rendering on each. */
export function useLabelChanges(): LabelChanges {
  return useSyncExternalStore(subscribe, () => state);
}
