/**
 * Which class of a model is the "positive" one: the class a series' per-image score strip ranks
 * by, and the one a binary run's threshold, AUC and ROC curve are about. Packages record no such
 * choice; their class names do: of two classes, one named as a normal finding (the list below),
 * the other is the positive one. Otherwise class 1, as Lumen always had it (["negative",
 * "positive"], or names that say nothing). A binary training run puts its positive class second
 * (orderForTraining), so the metrics it records are about that class.
 */

/** Names of a normal finding, compared without case, spaces, "_" or "-". */
export const NORMAL_CLASS_NAMES = ['normal', 'negative', 'no finding', 'healthy', 'benign', 'none'] as const;

const folded = (name: string) => name.toLowerCase().replace(/[\s_-]+/g, ' ').trim();
const NORMAL = new Set<string>(NORMAL_CLASS_NAMES);

/** Whether a class's name says it is a normal finding ("Normal", "no_finding", "NEGATIVE"). */
export function isNormalClass(name: string): boolean {
  return NORMAL.has(folded(name));
}

/**
 * The positive class's index: class 1 unless its name is a normal finding's, then the first class
 * whose name is not (class 1 when all are). 0 for fewer than two classes.
 */
export function positiveClassIndex(classNames: readonly string[]): number {
  if (classNames.length < 2) return 0;
  if (!isNormalClass(classNames[1])) return 1;
  const other = classNames.findIndex((c) => !isNormalClass(c));
  return other >= 0 ? other : 1;
}

/** Sorted class names of a training run, a binary run's positive class second (its metrics are about class 1). */
export function orderForTraining(sorted: readonly string[]): string[] {
  return sorted.length === 2 && positiveClassIndex(sorted) === 0 ? [sorted[1], sorted[0]] : [...sorted];
}

/** The index of the highest score (the first of equal ones); null without scores. */
export function topClassIndex(scores: readonly number[] | undefined): number | null {
  if (!scores || scores.length === 0) return null;
  let k = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[k]) k = i;
  return k;
}
