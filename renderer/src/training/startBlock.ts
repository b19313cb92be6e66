// Why Start training cannot start, read from the dataset preview (training.dataset.preview):
// only what the engine refuses anyway. Every mode the panel offers (head, from scratch,
// fine-tune: electron/training/train.ts prepareDataset; series MIL: mil-train.ts) splits the
// labelled images by patient with the same seed and fractions as the preview (the app sends
// neither fraction) through labelledSplit, which refuses no labelled images, fewer than two
// classes and an empty train, validation or test split. The engine's own check stays: this
// only spares the user a run that fails at once. (A series run's refusal of series with mixed
// labels is not in the preview, so it is left to the engine.)
import type { RequestOutput } from '../../../common/contract';
import { countOf } from '../../../common/counts';

type Preview = RequestOutput<'training.dataset.preview'>;

const SPLITS = ['train', 'validation', 'test'] as const;

/** The empty splits, in the engine's order (train, validation, test). */
export function emptySplits(preview: Preview): (typeof SPLITS)[number][] {
  return SPLITS.filter((s) => Object.values(preview.balance[s] ?? {}).every((c) => c.images === 0));
}

/** Why the engine would refuse a run on this dataset, in words to show beside Start; null when it would not. */
export function cannotStartReason(preview: Preview): string | null {
  if (preview.images === 0) return 'Cannot start: no labelled images yet. Label series (or import a CSV) first.';
  if (preview.classNames.length < 2) return `Cannot start: only one class (${preview.classNames.join(', ')}) is labelled; a classifier needs at least two.`;
  const empty = emptySplits(preview);
  if (empty.length === 0) return null;
  const names = empty.length === 1 ? `the ${empty[0]} split is` : `the ${empty.slice(0, -1).join(', ')} and ${empty[empty.length - 1]} splits are`;
  return `Cannot start: ${names} empty (${countOf(preview.patients, 'patient')}, split by patient). Label more patients: every split needs patients, and a class gets one in validation and test from 3 patients on.`;
}
