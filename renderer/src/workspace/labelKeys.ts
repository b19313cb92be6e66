/**
 * The Training tab's label keys: 1–9 give the open series the class of that number,
 * Shift+1–9 only the image shown (on a multi-frame file: the frame shown), 0 or Delete clear
 * what is shown. The numbers follow the
 * classes that exist (those in the library, then those the user added), so a key never
 * names a class the user cannot see, and a number without a class does nothing but say so.
 * Once shown, a class keeps its number while the panel is open (keepKeyNumbers): a class
 * arriving from a label file takes the next free number instead of moving the others.
 */

/** The classes the keys offer: the library's classes, then the ones added in the panel; the defaults (on their keys) while the library has no class of its own. */
export function labelClasses(libraryClasses: readonly string[], added: readonly string[], defaults: readonly string[] = ['normal', 'abnormal']): string[] {
  // While the library holds only the defaults and classes added here, the defaults keep their
  // keys: labelling with 2 ("abnormal") must not move "abnormal" onto key 1 (the library lists
  // its classes sorted), so the next 1 still means "normal".
  const own = new Set([...defaults, ...added]);
  const base = libraryClasses.every((c) => own.has(c)) ? defaults : libraryClasses;
  return [...new Set([...base, ...added, ...libraryClasses])];
}

/**
 * The keys' classes after the classes on offer changed (a label file brought a class, an import
 * was undone): each class that had a number keeps its place, a new one takes the next free
 * number (T2-11, s16: a class from a CSV sorted in among the others, so "2", ring a moment ago,
 * labelled the new class). A class no longer on offer gives up its number and those after it move
 * up: `moved` names each class whose number changed, with the new number, for the panel to say so.
 */
export function keepKeyNumbers(previous: readonly string[], offered: readonly string[]): { classes: string[]; moved: { className: string; key: number; was: number }[] } {
  const kept = previous.filter((c) => offered.includes(c));
  const classes = [...kept, ...offered.filter((c) => !kept.includes(c))];
  const moved = classes.flatMap((className, i) => {
    const was = previous.indexOf(className);
    return was >= 0 && was !== i ? [{ className, key: i + 1, was: was + 1 }] : [];
  });
  return { classes, moved };
}

/** The panel's notice when keys moved: "Keys changed: ring is now key 2 (was 3)." */
export function movedKeysNotice(moved: readonly { className: string; key: number; was: number }[]): string | null {
  const shown = moved.filter((m) => m.key <= 9 || m.was <= 9);
  if (shown.length === 0) return null;
  return `Keys changed: ${shown.map((m) => `${m.className} is now ${m.key <= 9 ? `key ${m.key}` : 'without a key'} (was ${m.was <= 9 ? m.was : 'none'})`).join(', ')}.`;
}

export type LabelKeyAction =
  | { kind: 'set'; className: string; imageOnly: boolean }
  /** imageOnly false: the series' label and the shown image's own label; true: the image's only (on a multi-frame file: the frame shown's). */
  | { kind: 'clear'; imageOnly: boolean }
  | { kind: 'no-class'; digit: number };

/** What a key press does in the Training tab, or null when it is not a label key. */
export function labelKeyAction(e: { code: string; key: string; shiftKey: boolean; ctrlKey?: boolean; metaKey?: boolean; altKey?: boolean }, classes: readonly string[]): LabelKeyAction | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  // The code, not the key: Shift+2 is "@" or '"' depending on the keyboard layout.
  const digit = /^(?:Digit|Numpad)([0-9])$/.exec(e.code)?.[1];
  if (digit === '0' || e.key === 'Delete') return { kind: 'clear', imageOnly: e.shiftKey };
  if (!digit) return null;
  const n = Number(digit);
  const className = classes[n - 1];
  return className === undefined ? { kind: 'no-class', digit: n } : { kind: 'set', className, imageOnly: e.shiftKey };
}

/** The keys' meaning in words, for the panel and the help. */
export function labelKeyHints(classes: readonly string[]): { keys: string; what: string }[] {
  return classes.slice(0, 9).map((c, i) => ({ keys: `${i + 1}`, what: c }));
}

/**
 * The panel's one-line help for the keys: "Keys 1–3 …", or "Key 1 …" with one class (never "1–1").
 * On a multi-frame file (`shown` 'frame') Shift labels and clears the frame shown, not the file.
 */
export function labelKeysSentence(classCount: number, shown: 'image' | 'frame' = 'image'): string {
  const n = Math.min(9, classCount);
  const keys = n === 0 ? 'Add a class to label with keys 1–9' : n === 1 ? `Key 1 labels the series with its class, Shift+1 this ${shown} only` : `Keys 1–${n} label the series with that class, Shift+1–${n} this ${shown} only`;
  return `${keys}; 0 or Delete clears the series and this ${shown}, Shift+0 this ${shown} only; U opens the next unlabelled series.`;
}
