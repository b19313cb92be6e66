// "Which slices mattered" for a package trained from series labels (multiple-instance learning,
// electron/training/mil.ts): the series' own score, pooled by attention over its slices, and a
// strip with one bar per slice whose height is the slice's attention weight (scaled to the
// largest). Clicking a bar goes to that slice. Shown only when the prediction has pooled scores.
// With the package's series uncertainty heads, the series' uncertainty is under its score.
import type { ImageScores, PredictionResult } from '../../../common/contract/models';
import { SeriesUncertainty } from './Uncertainty';
import './series-attention.css';

export function SeriesAttention(props: {
  result: PredictionResult;
  seriesInstanceUid: string;
  current: { sopInstanceUid: string; frame: number } | null;
  onPickImage: (sop: string, frame: number) => void;
}) {
  const { result, seriesInstanceUid, current } = props;
  const pooled = result.series.find((s) => s.seriesInstanceUid === seriesInstanceUid)?.pooled;
  const images = result.images.filter((i): i is ImageScores & { attention: number } => i.seriesInstanceUid === seriesInstanceUid && typeof i.attention === 'number');
  if (!pooled || images.length === 0) return null;
  const top = pooled.scores.indexOf(Math.max(...pooled.scores));
  const largest = Math.max(...images.map((i) => i.attention));
  const ranked = [...images].sort((a, b) => b.attention - a.attention);
  const isCurrent = (i: ImageScores) => current !== null && i.sopInstanceUid === current.sopInstanceUid && i.frame === current.frame;
  const position = new Map(images.map((im, k) => [im, k + 1]));
  return (
    <div className="series-attention" data-testid="series-attention">
      <h3>Series score (from series labels)</h3>
      <p className="series-pooled" data-testid="series-pooled" title="The series' score from the model's attention head: the slices' scores weighed by how much each mattered.">
        <strong>{result.classNames[top]}</strong> {(pooled.scores[top] * 100).toFixed(1)}%
        {pooled.scores.length > 2 ? '' : ` · ${result.classNames[1 - top]} ${(pooled.scores[1 - top] * 100).toFixed(1)}%`}
      </p>
      <SeriesUncertainty pooled={pooled} classNames={result.classNames} />
      <h3>Which slices mattered</h3>
      <div className="attention-strip" role="group" aria-label="Attention weight per slice">
        {images.map((img, k) => (
          <button
            key={`${img.sopInstanceUid}/${img.frame}`}
            className={`attention-bar${isCurrent(img) ? ' current' : ''}${img === ranked[0] ? ' top' : ''}`}
            style={{ height: `${Math.max(3, (img.attention / largest) * 100)}%` }}
            title={`Slice ${k + 1}: weight ${(img.attention * 100).toFixed(1)}% of the series score`}
            aria-label={`Go to slice ${k + 1}, weight ${(img.attention * 100).toFixed(0)}%`}
            data-testid="attention-bar"
            data-weight={img.attention.toFixed(4)}
            onClick={() => props.onPickImage(img.sopInstanceUid, img.frame)}
          />
        ))}
      </div>
      <p className="muted small" data-testid="attention-top">
        Most weight: {ranked.slice(0, 3).map((im) => `slice ${position.get(im)} (${(im.attention * 100).toFixed(0)}%)`).join(', ')}
      </p>
    </div>
  );
}
