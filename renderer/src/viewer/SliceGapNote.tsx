// "⚠ 1 slice missing between 15.0 and 25.0 mm" over the viewport, and a mark across the stack
// slider at each place, where the engine found slices missing from an otherwise evenly spaced
// series (library.series' gaps, electron/library/slice-gaps.ts). Clicked, the note lists the
// places and says how they were found; nothing for a series without gaps. G and Shift+G go to the
// next and previous place (App.tsx, the viewer's nextGap / prevGap).
import type { SliceGap } from '../../../common/contract/library';
import { countOf } from '../../../common/counts';
import './slice-gaps.css';

export const SLICE_GAP_HELP =
  'The slices on either side lie farther apart (at least 1.5 times) than the usual spacing of this series, which is otherwise even: slices are missing there, from an incomplete transfer or a deleted image. Lumen tells it only for parallel slices that all give their position (a localiser of another orientation left out); the slider is marked where they are missing: G goes to the next place, Shift+G to the previous.';

/** "1 slice missing between 15.0 and 25.0 mm": the "Loc" of the slices either side, in viewing order (as the corner shows it). */
export function sliceGapText(gap: SliceGap): string {
  return `${countOf(gap.missing, 'slice')} missing between ${gap.from.toFixed(1)} and ${gap.to.toFixed(1)} mm`;
}

/** The note's line: the gap's own words for one, a count for several. */
export function sliceGapsSummary(gaps: readonly SliceGap[]): string {
  if (gaps.length === 1) return sliceGapText(gaps[0]);
  const missing = gaps.reduce((n, g) => n + g.missing, 0);
  return `${missing} slices missing in ${gaps.length} places`;
}

export function SliceGapNote({ gaps }: { gaps: readonly SliceGap[] }) {
  if (gaps.length === 0) return null;
  const lines = gaps.map(sliceGapText);
  return (
    <details className="slice-gap-note" data-testid="slice-gap-note" title={[...lines, '', SLICE_GAP_HELP].join('\n')}>
      <summary>⚠ {sliceGapsSummary(gaps)}</summary>
      {gaps.length > 1 && (
        <ul>
          {lines.map((l, i) => (
            <li key={i}>{l}</li>
          ))}
        </ul>
      )}
      <p className="slice-gap-help">{SLICE_GAP_HELP}</p>
    </details>
  );
}

/** Marks across the stack slider between the two images either side of each gap (placed as the label marks are, Viewer.tsx). */
export function SliceGapMarks({ gaps, count }: { gaps: readonly SliceGap[]; count: number }) {
  if (gaps.length === 0 || count < 2) return null;
  return (
    <div className="slice-gap-marks" aria-hidden="true" data-testid="slice-gap-marks">
      {gaps.map((g) => (
        <span key={g.afterIndex} className="slice-gap-mark" data-after={g.afterIndex} title={sliceGapText(g)} style={{ top: `calc(var(--thumb) / 2 + (100% - var(--thumb)) * ${(g.afterIndex + 0.5) / (count - 1)})` }} />
      ))}
    </div>
  );
}

/**
 * The image to go to for the next (step 1) or previous (-1) gap from image `index`: the one just
 * before the gap (its mark lies below it), going round as the labelled images' keys do; null
 * where the series has no gap elsewhere.
 */
export function nextGapIndex(gaps: readonly SliceGap[], index: number, step: 1 | -1): number | null {
  const places = [...new Set(gaps.map((g) => g.afterIndex))].sort((a, b) => a - b).filter((i) => i !== index);
  if (places.length === 0) return null;
  const ahead = step === 1 ? places.filter((i) => i > index) : places.filter((i) => i < index).reverse();
  return ahead[0] ?? (step === 1 ? places[0] : places[places.length - 1]);
}
