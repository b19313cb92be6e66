/**
 * The class a binary run's ROC curve is drawn for. A run records one curve, of its class 1
 * (models/training/metrics.ts); packages trained before the positive class came second
 * (common/positive-class.ts) recorded it for a "normal"-type class. With two classes whose scores
 * sum to 1, the other class's curve is that curve reflected through the line from (0, 1) to (1, 0):
 * each threshold's (FPR, TPR) becomes (1 − TPR, 1 − FPR), with the same AUC. Its 95% band is the
 * same region reflected, read again as a true positive rate interval at each false positive rate.
 */
import type { EvaluationPlotData } from './charts';

type Num = number | null;
type Band = NonNullable<EvaluationPlotData['roc'][number]['band']>;

const isNum = (v: Num | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** The band reflected: at each FPR f of the band's grid, the TPRs 1 − x of the FPRs x whose band holds TPR 1 − f. */
function reflectBand(band: Band): Band {
  const rows = band.filter((b): b is { fpr: number; lo: number; hi: number } => isNum(b.fpr) && isNum(b.lo) && isNum(b.hi)).sort((a, b) => a.fpr - b.fpr);
  if (rows.length === 0) return [];
  return rows.map(({ fpr }) => {
    const c = 1 - fpr;
    // The first FPR whose upper TPR reaches c, and the last whose lower TPR is at most c: between
    // them the band holds c (a jump between two grid points is filled, as the band's polygon is).
    const first = rows.find((r) => r.hi >= c)?.fpr ?? 1;
    const last = [...rows].reverse().find((r) => r.lo <= c)?.fpr ?? 0;
    return { fpr, lo: 1 - Math.max(first, last), hi: 1 - Math.min(first, last) };
  });
}

/** The class a binary evaluation's curve is of (its class 1); null when it holds one curve per class. */
export function rocClassIndex(e: Pick<EvaluationPlotData, 'classNames' | 'roc'>): number | null {
  if (e.roc.length !== 1 || e.classNames.length !== 2) return null;
  const k = e.classNames.indexOf(e.roc[0].className);
  return k >= 0 ? k : null;
}

/** The evaluation with its binary ROC curve drawn for class `k` (0 or 1): reflected when it was recorded for the other. */
export function rocForClass<E extends EvaluationPlotData>(e: E, k: number): E {
  const recorded = rocClassIndex(e);
  if (recorded === null || recorded === k || (k !== 0 && k !== 1)) return e;
  const r = e.roc[0];
  const points = r.points.map((p) => ({ fpr: isNum(p.tpr) ? 1 - p.tpr : null, tpr: isNum(p.fpr) ? 1 - p.fpr : null })).reverse();
  return { ...e, roc: [{ className: e.classNames[k], points, ...(r.band ? { band: reflectBand(r.band) } : {}) }] };
}
