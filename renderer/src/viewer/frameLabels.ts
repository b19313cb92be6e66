// Which images of the open series carry a label of their own (a frame's own label on a
// multi-frame file, an image's own label on a single-frame one), for the marks on the stack
// slider (useFrameLabels.ts) and the keys that go to the next or previous one. Labels the
// images only inherit (their file's on a multi-frame file, their series', their study's) are
// not marked: "Current:" in the Training tab says those. No DOM types: tests run it under Node.
import type { LabelRecord } from '../../../common/contract/training';
import type { SeriesImage } from '../../../common/contract/library';

/** One marked image: its index in the series (0-based, as the viewer steps) and its class. */
export interface FrameMark {
  index: number;
  className: string;
}

/**
 * Class colours by the class's place in the label keys' list (1–9), told apart without hue
 * alone (Okabe–Ito, readable on the dark viewport); classes past the ninth go round again.
 */
export const CLASS_COLOURS = ['#56b4e9', '#e69f00', '#009e73', '#f0e442', '#cc79a7', '#d55e00', '#7fb8ff', '#bbbbbb', '#ff9db5'];

export function classColour(className: string, classes: readonly string[]): string {
  const at = classes.indexOf(className);
  return CLASS_COLOURS[(at < 0 ? classes.length : at) % CLASS_COLOURS.length];
}

/** The images of `images` with their own label among `labels`, in series order; of several labels on one target the newest (highest id) counts, as training reads them. */
export function frameMarks(images: readonly Pick<SeriesImage, 'sopInstanceUid' | 'frame'>[], labels: readonly LabelRecord[]): FrameMark[] {
  const framesOf = new Map<string, number>();
  for (const im of images) framesOf.set(im.sopInstanceUid, (framesOf.get(im.sopInstanceUid) ?? 0) + 1);
  // "sop#frame" (1-based; 0 for the whole file; a UID has no "#") -> newest label.
  const own = new Map<string, LabelRecord>();
  for (const l of labels) {
    if (l.targetKind !== 'image') continue;
    const key = `${l.targetUid}#${l.frame ?? 0}`;
    const had = own.get(key);
    if (!had || had.id < l.id) own.set(key, l);
  }
  const marks: FrameMark[] = [];
  images.forEach((im, index) => {
    const multi = (framesOf.get(im.sopInstanceUid) ?? 1) > 1;
    // Frame 1 of a single-frame file is that file (store.ts): either label marks it.
    const l = own.get(`${im.sopInstanceUid}#${im.frame + 1}`) ?? (multi ? undefined : own.get(`${im.sopInstanceUid}#0`));
    if (l) marks.push({ index, className: l.label });
  });
  return marks;
}

/** 1-based numbers as runs: "2, 4–6, 9". */
function runs(numbers: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < numbers.length; ) {
    let j = i;
    while (j + 1 < numbers.length && numbers[j + 1] === numbers[j] + 1) j++;
    out.push(j - i >= 2 ? `${numbers[i]}–${numbers[j]}` : j === i ? `${numbers[i]}` : `${numbers[i]}, ${numbers[j]}`);
    i = j + 1;
  }
  return out.join(', ');
}

/**
 * The marks in words, for the slider's description: "Labels on frames 2, 4, 5 of 6: abnormal
 * 2, 5; normal 4." ("images" in a series of several files); "No frame has its own label." when none.
 */
export function frameMarksText(marks: readonly FrameMark[], count: number, what: 'frames' | 'images'): string {
  const one = what === 'frames' ? 'frame' : 'image';
  if (marks.length === 0) return `No ${one} has its own label.`;
  const numbers = marks.map((m) => m.index + 1);
  const byClass = new Map<string, number[]>();
  for (const m of marks) byClass.set(m.className, [...(byClass.get(m.className) ?? []), m.index + 1]);
  const head = `Label${marks.length === 1 ? '' : 's'} on ${marks.length === 1 ? one : what} ${runs(numbers)} of ${count}`;
  const classes = [...byClass].map(([c, n]) => `${c} ${runs(n)}`).join('; ');
  return `${head}: ${classes}.`;
}

/** The next (`step` 1) or previous (-1) marked index from `index`, going round; null when none is marked but `index` itself. */
export function nextMarked(marks: readonly FrameMark[], index: number, step: 1 | -1): number | null {
  const others = marks.map((m) => m.index).filter((i) => i !== index);
  if (others.length === 0) return null;
  const ahead = step === 1 ? others.filter((i) => i > index) : others.filter((i) => i < index).reverse();
  return ahead[0] ?? (step === 1 ? others[0] : others[others.length - 1]);
}
