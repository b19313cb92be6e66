// The images of the open series that carry a label of their own (frameLabels.ts), read again
// when the series changes and after each label change in the Training tab (labelChanges.ts).
import { useEffect, useMemo, useState } from 'react';
import type { SeriesImage } from '../../../common/contract/library';
import type { LabelRecord } from '../../../common/contract/training';
import { lumen } from '../api';
import { labelClasses } from '../workspace/labelKeys';
import { useLabelChanges } from '../workspace/labelChanges';
import { classColour, frameMarks, frameMarksText, type FrameMark } from './frameLabels';

/** training.labels.list takes this many targets a request. */
const TARGETS = 10_000;

export interface FrameLabels {
  marks: (FrameMark & { colour: string })[];
  /** The marks in words ("Labels on frames 2, 4, 5 of 6: …"). */
  text: string;
}

export function useFrameLabels(images: readonly SeriesImage[]): FrameLabels {
  const { generation, classes } = useLabelChanges();
  const [labels, setLabels] = useState<{ images: readonly SeriesImage[]; list: LabelRecord[] } | null>(null);
  useEffect(() => {
    let live = true;
    const uids = [...new Set(images.map((i) => i.sopInstanceUid))];
    const chunks: string[][] = [];
    for (let i = 0; i < uids.length; i += TARGETS) chunks.push(uids.slice(i, i + TARGETS));
    Promise.all(chunks.map((targetUids) => lumen.invoke('training.labels.list', { targetUids }))).then(
      (lists) => live && setLabels({ images, list: lists.flat() }),
      // No marks rather than an error over the image: the Training tab says what went wrong with labels.
      () => live && setLabels({ images, list: [] }),
    );
    return () => {
      live = false;
    };
  }, [images, generation]);

  return useMemo(() => {
    const marks = labels && labels.images === images ? frameMarks(images, labels.list) : [];
    // Before the Training tab is opened: the library's classes as the keys would number them.
    const keys = classes.length ? classes : labelClasses([...new Set(marks.map((m) => m.className))].sort(), []);
    const files = new Set(images.map((i) => i.sopInstanceUid)).size;
    return {
      marks: marks.map((m) => ({ ...m, colour: classColour(m.className, keys) })),
      text: frameMarksText(marks, images.length, files === 1 ? 'frames' : 'images'),
    };
  }, [labels, images, classes]);
}
