// One wording for a model's evaluation figures wherever they are shown: the Training tab
// (renderer/src/training/RunResults.tsx), the ROC plot's legend (common/plots), the HTML report
// and the model card (models/training/report.ts, electron/training/train.ts), and `lumen train`,
// `lumen eval` and `lumen compare`. The numbers are the same everywhere too: three decimals,
// and "–" for a figure that has no value (an AUC of a split with one class only).
//
// "ROC AUC 0.813 (95% CI 0.750–0.875)" · "balanced accuracy 0.750" · "ECE 0.050".

/** The figures' names, as a sentence has them (a line or a heading starts them with a capital: `capitalised`). */
export const METRIC_NAMES = {
  accuracy: 'accuracy',
  balancedAccuracy: 'balanced accuracy',
  auc: 'ROC AUC',
  ece: 'ECE',
} as const;

/** "95% CI", before an interval's bounds. */
export const CI_NAME = '95% CI';

/** A figure with three decimals; "–" when it has no value. */
export function f3(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : '–';
}

/** The name with its first letter a capital, to start a line ("Accuracy", "Balanced accuracy"). */
export function capitalised(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** An interval a figure may carry: absent, or with bounds that may be missing (a stored evaluation read back). */
export type Interval = readonly [number | null | undefined, number | null | undefined] | null | undefined;

/** "95% CI 0.750–0.875"; null without an interval. */
export function ciText(ci: Interval): string | null {
  if (!ci || typeof ci[0] !== 'number' || typeof ci[1] !== 'number') return null;
  return `${CI_NAME} ${f3(ci[0])}–${f3(ci[1])}`;
}

export interface FigureStyle {
  /** Wraps each headline value (the HTML report makes them bold); the text as it is by default. */
  value?: (text: string) => string;
  /** How the interval was made, after it inside the parentheses ("95% CI 0.750–0.875, bootstrap over patients"). */
  method?: string;
}

/** "0.813 (95% CI 0.750–0.875)": a figure and its interval, without the name (a table cell under the name). */
export function withCi(value: number | null | undefined, ci: Interval, style: FigureStyle = {}): string {
  const interval = ciText(ci);
  const inside = [interval, interval ? style.method : undefined].filter(Boolean).join(', ');
  return `${(style.value ?? String)(f3(value))}${inside ? ` (${inside})` : ''}`;
}

/** A table column's heading for a figure and its interval: "ROC AUC (95% CI)". */
export function ciColumnHeading(name: string): string {
  return `${capitalised(name)} (${CI_NAME})`;
}

/** A cell of that column: "0.813 (0.750–0.875)" (the heading says what the bounds are). */
export function ciColumnCell(value: number | null | undefined, ci: Interval): string {
  return `${f3(value)}${ci && typeof ci[0] === 'number' && typeof ci[1] === 'number' ? ` (${f3(ci[0])}–${f3(ci[1])})` : ''}`;
}

/** "ROC AUC 0.813 (95% CI 0.750–0.875)", or "ROC AUC 0.813" without an interval. */
export function aucText(auc: number | null | undefined, ci?: Interval, style: FigureStyle = {}): string {
  return `${METRIC_NAMES.auc} ${withCi(auc, ci, style)}`;
}

/** The figures a test split is summed up by. */
export interface HeadlineFigures {
  accuracy: number | null | undefined;
  balancedAccuracy: number | null | undefined;
  auc: number | null | undefined;
  aucCi?: Interval;
  ece?: number | null | undefined;
}

/**
 * "Accuracy 0.813 · balanced accuracy 0.750 · ROC AUC 0.813 (95% CI 0.750–0.875) · ECE 0.050":
 * a split's figures on one line (ECE only where it was measured). `lowercase`: for a line that
 * continues something before it.
 */
export function headlineText(t: HeadlineFigures, style: FigureStyle & { lowercase?: boolean } = {}): string {
  return headlineParts(t, style).join(HEADLINE_SEPARATOR);
}

/** What headlineText joins: each figure with its name, for a view that keeps each on one line. */
export function headlineParts(t: HeadlineFigures, style: FigureStyle & { lowercase?: boolean } = {}): string[] {
  const value = style.value ?? String;
  return [
    `${style.lowercase ? METRIC_NAMES.accuracy : capitalised(METRIC_NAMES.accuracy)} ${value(f3(t.accuracy))}`,
    `${METRIC_NAMES.balancedAccuracy} ${value(f3(t.balancedAccuracy))}`,
    aucText(t.auc, t.aucCi, style),
    ...(t.ece !== undefined ? [`${METRIC_NAMES.ece} ${f3(t.ece)}`] : []),
  ];
}

/** Between the figures of a line. */
export const HEADLINE_SEPARATOR = ' · ';
