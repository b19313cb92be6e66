// The series selected in the study list (Ctrl/Shift-click, Shift+arrows): one small store
// that the study list writes and the Training tab reads, so that the label keys give every
// selected series its class in one request. Shared through a module rather than props
// because the two sit in different columns of the workspace.
import { useSyncExternalStore } from 'react';

let selected: readonly string[] = [];
const listeners = new Set<() => void>();

export function setSelectedSeries(uids: readonly string[]): void {
  const next = [...new Set(uids)];
  if (next.length === selected.length && next.every((u, i) => u === selected[i])) return;
  selected = next;
  for (const l of listeners) l();
}

export function getSelectedSeries(): readonly string[] {
  return selected;
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useSelectedSeries(): readonly string[] {
  return useSyncExternalStore(subscribe, getSelectedSeries);
}

/**
 * The selection after a click on `uid` in `order` (the series as the list shows them):
 * a plain click selects it alone, Ctrl or Cmd adds or removes it, Shift selects the run
 * from the anchor (the last series clicked without Shift) to it.
 */
export function selectionAfterClick(current: readonly string[], anchor: string | null, uid: string, order: readonly string[], mods: { ctrl: boolean; shift: boolean }): string[] {
  if (mods.shift && anchor !== null) {
    const a = order.indexOf(anchor);
    const b = order.indexOf(uid);
    if (a >= 0 && b >= 0) {
      const run = order.slice(Math.min(a, b), Math.max(a, b) + 1);
      return mods.ctrl ? [...new Set([...current, ...run])] : run;
    }
  }
  if (mods.ctrl) return current.includes(uid) ? current.filter((u) => u !== uid) : [...current, uid];
  return [uid];
}
