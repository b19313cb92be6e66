// An image's uncertainty beside its scores in the Classifier panel: the package's uncertainty
// heads' disagreement (models/training/ensemble.ts), 0 to 1, called high above the 95th
// percentile of the package's validation split. A package without heads says so: no number.
import type { ImageScores, PredictionResult } from '../../../common/contract/models';
import './uncertainty.css';

export type UncertaintyLevel = 'high' | 'usual';

/** "high" above the package's validation 95th percentile, else "usual"; null without a number or a reference. */
export function uncertaintyLevel(u: number | null | undefined, high: number | null | undefined): UncertaintyLevel | null {
  if (typeof u !== 'number' || typeof high !== 'number') return null;
  return u > high ? 'high' : 'usual';
}

export function uncertaintyTooltip(high: number | null | undefined): string {
  return [
    "Uncertainty: how much the model's uncertainty heads (extra classifiers trained on the same features) disagree on this image,",
    'from 0 (they agree) to 1 (each is sure, and they split between classes).',
    typeof high === 'number'
      ? `High means above ${high.toFixed(2)}, what 95% of the validation images stayed under: the image may be unlike the images the model was trained on, so its score deserves less trust.`
      : '',
    'It is not the score: a score near 50% with low uncertainty is an image all heads find ambiguous in the same way.',
  ].filter(Boolean).join(' ');
}

/** The line under the image's scores. */
export function ImageUncertainty({ image, result }: { image: ImageScores; result: PredictionResult }) {
  const u = image.uncertainty;
  if (typeof u !== 'number') {
    // A series head's result (pooled series scores): Lumen trains uncertainty heads only beside an image head.
    const seriesHead = result.series.some((s) => s.pooled);
    const why = seriesHead
      ? 'A series-head package has no uncertainty heads: Lumen trains them only beside an image head, not beside a series head. Label next ranks its series by the entropy of the series score instead.'
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
      <span>{result.classNames[top]} {image.scores[top].toFixed(2)}</span>
      <span className="uncertainty-value"> ± uncertainty {u.toFixed(2)}</span>
      {level && <span className={`uncertainty-level ${level}`}>{level}</span>}
      <span className="uncertainty-help" aria-hidden="true">?</span>
    </p>
  );
}
