// An image's uncertainty beside its scores in the Classifier panel: the package's uncertainty
// heads' disagreement (models/training/ensemble.ts), 0 to 1, called high above the 95th
// percentile of the package's validation split. A package without heads says so: no number.
// A series-head package's uncertainty is the series' (models/training/series-ensemble.ts),
// shown under the series score (SeriesUncertainty, in SeriesAttention.tsx); run on one image, it
// has none, and the line says the uncertainty is the series'.
import type { ImageScores, PredictionResult } from '../../../common/contract/models';
import { Name } from './Name';
import './uncertainty.css';

export type UncertaintyLevel = 'high' | 'usual';

/** The fewest validation series "high" is judged against (models/training/series-ensemble.ts, SERIES_HIGH_MINIMUM; the renderer imports common/ only). */
const SERIES_HIGH_MINIMUM = 20;

/** "high" above the package's validation 95th percentile, else "usual"; null without a number or a reference. */
export function uncertaintyLevel(u: number | null | undefined, high: number | null | undefined): UncertaintyLevel | null {
  if (typeof u !== 'number' || typeof high !== 'number') return null;
  return u > high ? 'high' : 'usual';
}

export function uncertaintyTooltip(high: number | null | undefined, unit: 'image' | 'series' = 'image'): string {
  const units = unit === 'image' ? 'images' : 'series';
  return [
    unit === 'image'
      ? "Uncertainty: how much the model's uncertainty heads (extra classifiers trained on the same features) disagree on this image,"
      : "Uncertainty: how much the series head's uncertainty heads (extra classifiers trained on the same pooled slice features) disagree on this series,",
    'from 0 (they agree) to 1 (each is sure, and they split between classes).',
    typeof high === 'number'
      ? `High means above ${high.toFixed(2)}, what 95% of the validation ${units} stayed under: the ${unit} may be unlike the ${units} the model was trained on, so its score deserves less trust.`
      : unit === 'series'
        ? `Not called high or usual: the package had fewer than ${SERIES_HIGH_MINIMUM} validation series, too few for a 95th percentile to say what is usual.`
        : '',
    `It is not the score: a score near 50% with low uncertainty is ${unit === 'image' ? 'an image' : 'a series'} all heads find ambiguous in the same way.`,
  ].filter(Boolean).join(' ');
}

/** Why a series-head package's run on one image has no uncertainty (and no series score). */
export const SERIES_HEAD_ONE_IMAGE =
  "This package was trained from series labels: its series head scores a whole series (its slices' features pooled by attention), and its uncertainty heads judge the series, not one image. Run it on this series (Predict on: This series) for the series' score, which slices mattered and the series' uncertainty; this image alone gets only its slice score.";

/** The line under the image's scores. */
export function ImageUncertainty({ image, result }: { image: ImageScores; result: PredictionResult }) {
  const u = image.uncertainty;
  if (typeof u !== 'number') {
    // A series head's result (pooled series scores): its uncertainty heads judge the series, not a slice.
    const pooled = result.series.find((s) => s.seriesInstanceUid === image.seriesInstanceUid)?.pooled;
    if (pooled && typeof pooled.uncertainty === 'number') {
      return (
        <p className="uncertainty muted small" data-testid="image-uncertainty" title="A series head's uncertainty heads judge the series as a whole (its slices' features pooled by attention), not each slice: the series' uncertainty is under the series score.">
          Uncertainty is the series' (below)
        </p>
      );
    }
    if (!pooled && result.seriesHead) {
      // A series-head package run on one image: its head and uncertainty heads judge a whole series.
      return (
        <p className="uncertainty muted small" data-testid="image-uncertainty" data-why="series-head-image" title={SERIES_HEAD_ONE_IMAGE}>
          No uncertainty for one image: it is the series'
        </p>
      );
    }
    const why = pooled
      ? 'This series-head package has no series uncertainty heads (it was trained by a Lumen that did not make them: train it again to get them), or these scores were stored before it did. Label next ranks its series by the entropy of the series score instead.'
      : 'This model package has no uncertainty heads (train it again with Lumen to get them), or the scores were stored before uncertainties were.';
    return (
      <p className="uncertainty muted small" data-testid="image-uncertainty" title={why}>
        No uncertainty for this package
      </p>
    );
  }
  const top = image.scores.indexOf(Math.max(...image.scores));
  const level = uncertaintyLevel(u, result.uncertaintyHigh);
  return (
    <p className="uncertainty" data-testid="image-uncertainty" data-level={level ?? ''} title={uncertaintyTooltip(result.uncertaintyHigh)}>
      <span><Name text={result.classNames[top]} /> {image.scores[top].toFixed(2)}</span>
      <span className="uncertainty-value"> ± uncertainty {u.toFixed(2)}</span>
      {level && <span className={`uncertainty-level ${level}`}>{level}</span>}
      <span className="uncertainty-help" aria-hidden="true">?</span>
    </p>
  );
}

/** The line under a series-head package's series score: the series' uncertainty, or nothing without one (the slice line says why). */
export function SeriesUncertainty({ pooled, classNames }: { pooled: NonNullable<PredictionResult['series'][number]['pooled']>; classNames: string[] }) {
  const u = pooled.uncertainty;
  if (typeof u !== 'number') return null;
  const top = pooled.scores.indexOf(Math.max(...pooled.scores));
  const level = uncertaintyLevel(u, pooled.uncertaintyHigh);
  return (
    <p className="uncertainty" data-testid="series-uncertainty" data-level={level ?? ''} title={uncertaintyTooltip(pooled.uncertaintyHigh, 'series')}>
      <span><Name text={classNames[top]} /> {pooled.scores[top].toFixed(2)}</span>
      <span className="uncertainty-value"> ± uncertainty {u.toFixed(2)}</span>
      {level && <span className={`uncertainty-level ${level}`}>{level}</span>}
      <span className="uncertainty-help" aria-hidden="true">?</span>
    </p>
  );
}
