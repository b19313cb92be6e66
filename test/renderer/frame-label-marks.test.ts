// Which images of a series the viewer marks on its stack slider as carrying a label of their own
// (renderer/src/viewer/frameLabels.ts): a frame's own label on a multi-frame file, an image's own
// label on a single-frame one; never a label they only inherit. The marks in words, and the
// keys' next / previous labelled image.
import { describe, expect, it } from 'vitest';
import type { LabelRecord } from '../../common/contract/training';
import { classColour, CLASS_COLOURS, frameMarks, frameMarksText, nextMarked } from '../../renderer/src/viewer/frameLabels';

let id = 0;
const label = (targetKind: LabelRecord['targetKind'], targetUid: string, frame: number | null, name: string): LabelRecord => ({ id: ++id, targetKind, targetUid, frame, label: name, author: null, createdAt: '2026-12-07T00:00:00Z' });
// A 6-frame file (frames 0..5 as the viewer steps) and a single-frame file after it.
const images = [...Array.from({ length: 6 }, (_, frame) => ({ sopInstanceUid: '1.2.3', frame })), { sopInstanceUid: '1.2.4', frame: 0 }];

describe('frameMarks', () => {
  it('marks the frames with their own label and the single-frame file with its own, not inherited labels', () => {
    const labels = [
      label('image', '1.2.3', 2, 'abnormal'),
      label('image', '1.2.3', 4, 'normal'),
      label('image', '1.2.3', 5, 'abnormal'),
      label('image', '1.2.3', null, 'normal'), // the whole file's: every frame inherits it
      label('series', '9.9', null, 'normal'),
      label('image', '1.2.4', null, 'abnormal'),
    ];
    expect(frameMarks(images, labels)).toEqual([
      { index: 1, className: 'abnormal' },
      { index: 3, className: 'normal' },
      { index: 4, className: 'abnormal' },
      { index: 6, className: 'abnormal' },
    ]);
  });

  it('takes the newest of two labels on one frame, and frame 1 of a single-frame file as that file', () => {
    expect(frameMarks(images, [label('image', '1.2.3', 3, 'normal'), label('image', '1.2.3', 3, 'abnormal'), label('image', '1.2.4', 1, 'normal')])).toEqual([
      { index: 2, className: 'abnormal' },
      { index: 6, className: 'normal' },
    ]);
  });

  it('marks nothing for a frame past the file or another file', () => {
    expect(frameMarks(images, [label('image', '1.2.3', 7, 'normal'), label('image', '1.2.5', null, 'normal'), label('study', '1.2.3', null, 'normal')])).toEqual([]);
  });
});

describe('frameMarksText', () => {
  it('says which frames of how many, by class', () => {
    const marks = frameMarks(images.slice(0, 6), [label('image', '1.2.3', 2, 'abnormal'), label('image', '1.2.3', 4, 'normal'), label('image', '1.2.3', 5, 'abnormal')]);
    expect(frameMarksText(marks, 6, 'frames')).toBe('Labels on frames 2, 4, 5 of 6: abnormal 2, 5; normal 4.');
  });
  it('writes runs of three or more as a range, one label in the singular, none in words', () => {
    const run = [0, 1, 2, 3, 8].map((index) => ({ index, className: 'normal' }));
    expect(frameMarksText(run, 10, 'images')).toBe('Labels on images 1–4, 9 of 10: normal 1–4, 9.');
    expect(frameMarksText([{ index: 2, className: 'normal' }], 6, 'frames')).toBe('Label on frame 3 of 6: normal 3.');
    expect(frameMarksText([], 6, 'frames')).toBe('No frame has its own label.');
  });
});

describe('nextMarked', () => {
  const marks = [1, 3, 4].map((index) => ({ index, className: 'normal' }));
  it('steps to the next or previous marked image, going round', () => {
    expect(nextMarked(marks, 0, 1)).toBe(1);
    expect(nextMarked(marks, 1, 1)).toBe(3);
    expect(nextMarked(marks, 4, 1)).toBe(1);
    expect(nextMarked(marks, 3, -1)).toBe(1);
    expect(nextMarked(marks, 1, -1)).toBe(4);
    expect(nextMarked(marks, 2, -1)).toBe(1);
  });
  it('has nowhere to go with no other mark', () => {
    expect(nextMarked([], 0, 1)).toBeNull();
    expect(nextMarked([{ index: 2, className: 'normal' }], 2, -1)).toBeNull();
    expect(nextMarked([{ index: 2, className: 'normal' }], 0, -1)).toBe(2);
  });
});

describe('classColour', () => {
  it('colours a class by its key, and tells the first nine apart', () => {
    expect(classColour('abnormal', ['normal', 'abnormal'])).toBe(CLASS_COLOURS[1]);
    expect(new Set(CLASS_COLOURS).size).toBe(9);
    expect(classColour('other', ['normal', 'abnormal'])).toBe(CLASS_COLOURS[2]);
  });
});
