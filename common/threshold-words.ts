// How a binary package's predicted class is decided, in one wording wherever a predicted class
// is counted (lumen eval, the Training tab, the HTML report) — T2-2, s16.
//
// The figures of an evaluation (accuracy, sensitivity, the confusion matrix) count a binary
// package's test images by the threshold it chose on its validation split: a score of the second
// class (the positive one, common/positive-class.ts) at or above the threshold counts as that
// class. `lumen predict`, the Classifier panel and the result exports (CSV, DICOM SR) name the
// class with the larger probability, which for two classes is the threshold 0.5. Where the
// package's threshold is not 0.5 the two differ for a score between them, and the sentence says so.

/** A threshold with three decimals, or as many as it takes not to read as 0 or 1 (0.9999, not 1.000). */
export function thresholdFigure(t: number): string {
  if (!Number.isFinite(t)) return '–';
  for (let d = 3; d < 9; d++) {
    const s = t.toFixed(d);
    if (Number(s) !== 0 && Number(s) !== 1) return s;
  }
  return String(t);
}

/**
 * "ring at a score of 0.414 or more (threshold chosen on validation); lumen predict and the
 * Classifier panel name the class with the larger probability (ring from 0.5), so a ring score from
 * 0.414 to 0.5 is counted ring here but named Disc there." Null for a package with no threshold
 * (more than two classes: the larger probability decides everywhere).
 */
export function thresholdRule(threshold: number | undefined | null, classNames: readonly string[]): string | null {
  if (typeof threshold !== 'number' || classNames.length !== 2) return null;
  const [neg, pos] = classNames;
  const t = thresholdFigure(threshold);
  const head = `Counted as ${pos} from a ${pos} score of ${t} (the threshold chosen on validation)`;
  if (threshold === 0.5) return `${head}, as lumen predict and the Classifier panel name it (the larger probability).`;
  const [lo, hi, inside, there] = threshold < 0.5 ? [t, '0.5', pos, neg] : ['0.5', t, neg, pos];
  return `${head}; lumen predict and the Classifier panel name the class with the larger probability (${pos} from 0.5), so a ${pos} score from ${lo} to ${hi} is counted ${inside} here but named ${there} there.`;
}
