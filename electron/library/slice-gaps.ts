// Where a series of parallel slices has slices missing: an incomplete transfer, a slice deleted.
// Scrolling fast, a clinician does not see the jump in "Loc"; the viewer says it (library.series'
// `gaps`, a note and a mark on the stack slider).
//
// A gap is told only where the series is otherwise evenly spaced, so that a protocol's own
// spacing never reads as slices missing. None is told for a series of fewer than 4 slices; with a
// multi-frame image (its frames' positions are not in the library); where a slice has no
// position, or another orientation (a localiser mixed in), or no orientation; where two slices
// share a position or the positions go back and forth in viewing order; where the steps are
// uneven beyond the gaps (two even blocks of different spacing, a gap next to a gap).
import type { SliceGap } from '../../common/contract/library';
import { positionAlongNormal } from './sort';
import type { InstanceRecord } from './types';

/** The fewest slices a series needs for its usual spacing to be known. */
export const GAP_MIN_SLICES = 4;
/** A step this many times the usual one (the median) or more is a gap. */
export const GAP_FACTOR = 1.5;
/** How far (a fraction of the usual step) the other steps may differ from it and still be even. */
export const EVEN_TOLERANCE = 0.2;
/** How far (cosine) two slices' orientations may differ and still be parallel. */
const SAME_ORIENTATION = 1e-3;

type Slice = Pick<InstanceRecord, 'imagePositionPatient' | 'imageOrientationPatient' | 'frames'>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The gaps between the slices (instances in viewing order, one image each), or none (see above).
 * afterIndex: the image before the gap; from, to: the positions (mm along the normal) either side;
 * missing: how many slices at the usual spacing would fill it.
 */
export function sliceGaps(slices: readonly Slice[]): SliceGap[] {
  if (slices.length < GAP_MIN_SLICES) return [];
  const first = slices[0].imageOrientationPatient;
  if (!first || first.length < 6 || !first.every(Number.isFinite)) return [];
  const positions: number[] = [];
  for (const s of slices) {
    if (s.frames !== 1) return [];
    const o = s.imageOrientationPatient;
    if (!o || o.length < 6 || o.some((v, i) => i < 6 && !(Math.abs(v - first[i]) <= SAME_ORIENTATION))) return [];
    const p = positionAlongNormal(s);
    if (p === null || !Number.isFinite(p)) return [];
    positions.push(p);
  }
  const steps = positions.slice(1).map((p, i) => p - positions[i]);
  // One direction throughout, no two slices at one place.
  const sign = Math.sign(steps[0]);
  if (sign === 0 || steps.some((d) => Math.sign(d) !== sign)) return [];
  const sizes = steps.map(Math.abs);
  const usual = median(sizes);
  if (!(usual > 0)) return [];
  const gaps: SliceGap[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const ratio = sizes[i] / usual;
    if (ratio >= GAP_FACTOR) {
      // A gap beside a gap is a block of another spacing (a protocol), not slices missing.
      if (i > 0 && sizes[i - 1] / usual >= GAP_FACTOR) return [];
      gaps.push({ afterIndex: i, from: positions[i], to: positions[i + 1], missing: Math.max(1, Math.round(ratio) - 1) });
    } else if (Math.abs(ratio - 1) > EVEN_TOLERANCE) {
      return [];
    }
  }
  return gaps;
}
