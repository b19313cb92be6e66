// A series' uncertainty in words for `lumen predict` and `lumen predictions`: the series head's
// uncertainty heads' disagreement (models/training/series-ensemble.ts), called high above the
// 95th percentile of the package's validation series, as the Classifier panel does.
import { SERIES_HIGH_MINIMUM } from '../../models/training/series-ensemble';

/** "; uncertainty 0.123 (usual: ...)", or why there is none. */
export function seriesUncertaintyText(pooled: { uncertainty?: number | null; uncertaintyHigh?: number | null }): string {
  const u = pooled.uncertainty;
  if (typeof u !== 'number') return '; no uncertainty (the package has no series uncertainty heads, or these scores were stored before it did)';
  const high = pooled.uncertaintyHigh;
  return `; uncertainty ${u.toFixed(3)}${typeof high === 'number' ? (u > high ? ` (high: above ${high.toFixed(3)}, what 95% of validation series stayed under)` : ` (usual: at most ${high.toFixed(3)})`) : ` (${SERIES_NOT_JUDGED})`}`;
}

/** Why a series' uncertainty is called neither high nor usual (models/training/series-ensemble.ts, SERIES_HIGH_MINIMUM). */
export const SERIES_NOT_JUDGED = `not called high or usual: the package had fewer than ${SERIES_HIGH_MINIMUM} validation series, too few for a 95th percentile to say what is usual`;
