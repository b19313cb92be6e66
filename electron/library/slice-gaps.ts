// Where a series of parallel slices has slices missing: an incomplete transfer, a slice deleted.
// Scrolling fast, a clinician does not see the jump in "Loc"; the viewer says it (library.series'
// `gaps`, a note and a mark on the stack slider).
//
// A gap is told only where the series is otherwise evenly spaced, so that a protocol's own
// spacing never reads as slices missing. Slices of another orientation than the series' clear
// majority (a scout or localiser in the same series, as CT scanners write it) are left out of the
// check; with no clear majority, nothing is told. Nor is anything told for a series of fewer than
// 4 parallel slices; with a multi-frame image among single-frame ones (its frames' positions are
// not in the library; one multi-frame file's frames are checked from its header: frameGaps);
// where a slice has no position, or no orientation; where two slices share a position or the
// positions go back and forth in viewing order; where the steps are uneven beyond the gaps (two
// even blocks of different spacing). Two gaps side by side (two single slices missing, one slice
// apart) are told only with even steps on both sides of them, at least two each: then the usual
// step is clear; a run of three or more, or one at an end, is a block of another spacing.
//
// A gap's ends are given in the numbers the viewer's "Loc" shows for the slices either side: a
// file's own Slice Location, else its position along the normal (electron/dicom/viewer-frame.ts).
import type { SliceGap } from '../../common/contract/library';
import fs from 'node:fs';
import type { InstanceMeta } from '../dicom/parse';
import { positionOnUnitNormal } from '../dicom/slice-normal';
import { parseHeader } from './header';
import type { InstanceRecord } from './types';

/** The fewest slices a series needs for its usual spacing to be known. */
export const GAP_MIN_SLICES = 4;
/** A step this many times the usual one (the median) or more is a gap. */
export const GAP_FACTOR = 1.5;
/** How far (a fraction of the usual step) the other steps may differ from it and still be even. */
export const EVEN_TOLERANCE = 0.2;
/** The share of the slices one orientation needs to be the series' own (the rest left out). */
export const ORIENTATION_MAJORITY = 2 / 3;
/** How many even steps a pair of gaps side by side needs on each side to be told. */
const EVEN_BESIDE_PAIR = 2;
/** How far (cosine) two slices' orientations may differ and still be parallel. */
const SAME_ORIENTATION = 1e-3;

type Slice = Pick<InstanceRecord, 'imagePositionPatient' | 'imageOrientationPatient' | 'frames' | 'sliceLocation'>;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function validOrientation(o: readonly number[] | null): o is number[] {
  return !!o && o.length >= 6 && o.slice(0, 6).every(Number.isFinite);
}

const sameOrientation = (a: readonly number[], b: readonly number[]) => a.slice(0, 6).every((v, i) => Math.abs(v - b[i]) <= SAME_ORIENTATION);

/** The indices of the slices of the series' clear majority orientation, or null where none is. */
function majorityIndices(slices: readonly Slice[]): number[] | null {
  const groups: { orientation: number[]; indices: number[] }[] = [];
  for (const [i, s] of slices.entries()) {
    const o = s.imageOrientationPatient;
    if (!validOrientation(o)) return null;
    const group = groups.find((g) => sameOrientation(g.orientation, o));
    if (group) group.indices.push(i);
    else groups.push({ orientation: o, indices: [i] });
  }
  const largest = groups.reduce((a, b) => (b.indices.length > a.indices.length ? b : a));
  return largest.indices.length >= ORIENTATION_MAJORITY * slices.length ? largest.indices : null;
}

/** Position along the plane's (unit) normal, as the viewer's "Loc" reads it without a Slice Location. */
function alongNormal(s: Slice): number | null {
  const p = s.imagePositionPatient;
  const o = s.imageOrientationPatient;
  return p && o ? positionOnUnitNormal(p, o) : null;
}

/**
 * The gaps between the slices (instances in viewing order, one image each), or none (see above).
 * afterIndex: the image before the gap (an index among all the slices given, those left out
 * too); from, to: the "Loc" of the slices either side (Slice Location, else position along the
 * normal, mm); missing: how many slices at the usual spacing would fill it.
 */
export function sliceGaps(slices: readonly Slice[]): SliceGap[] {
  if (slices.length < GAP_MIN_SLICES || slices.some((s) => s.frames !== 1)) return [];
  const kept = majorityIndices(slices);
  if (!kept || kept.length < GAP_MIN_SLICES) return [];
  const positions: number[] = [];
  for (const i of kept) {
    const p = alongNormal(slices[i]);
    if (p === null) return [];
    positions.push(p);
  }
  const steps = positions.slice(1).map((p, i) => p - positions[i]);
  // One direction throughout, no two slices at one place.
  const sign = Math.sign(steps[0]);
  if (sign === 0 || steps.some((d) => Math.sign(d) !== sign)) return [];
  const sizes = steps.map(Math.abs);
  const usual = median(sizes);
  if (!(usual > 0)) return [];
  const isGap = sizes.map((d) => d / usual >= GAP_FACTOR);
  if (sizes.some((d, i) => !isGap[i] && Math.abs(d / usual - 1) > EVEN_TOLERANCE)) return [];
  // Runs of gaps side by side: a pair only between even steps, two or more on each side.
  for (let i = 0; i < sizes.length; ) {
    if (!isGap[i]) {
      i++;
      continue;
    }
    let end = i;
    while (end + 1 < sizes.length && isGap[end + 1]) end++;
    const run = end - i + 1;
    if (run > 2) return [];
    if (run === 2) {
      const before = isGap.slice(Math.max(0, i - EVEN_BESIDE_PAIR), i);
      const after = isGap.slice(end + 1, end + 1 + EVEN_BESIDE_PAIR);
      if (before.length < EVEN_BESIDE_PAIR || after.length < EVEN_BESIDE_PAIR || before.some(Boolean) || after.some(Boolean)) return [];
    }
    i = end + 1;
  }
  const loc = (k: number) => {
    const s = slices[kept[k]];
    return s.sliceLocation !== null && Number.isFinite(s.sliceLocation) ? s.sliceLocation : positions[k];
  };
  const gaps: SliceGap[] = [];
  for (const [k, gap] of isGap.entries()) {
    if (gap) gaps.push({ afterIndex: kept[k], from: loc(k), to: loc(k + 1), missing: Math.max(1, Math.round(sizes[k] / usual) - 1) });
  }
  return gaps;
}

/**
 * The frames of one multi-frame image as slices: each frame's Plane Position and Plane
 * Orientation (Per-frame Functional Groups, else the Shared ones, else the file's own), as the
 * viewer places each frame (electron/dicom/pixels.ts metaOfFrame); its "Loc" the file's Slice
 * Location where it gives one, else the position along the normal, as the corner shows it.
 */
export function frameSlices(meta: Pick<InstanceMeta, 'numberOfFrames' | 'frameGeometry' | 'imagePositionPatient' | 'imageOrientationPatient' | 'sliceLocation'>): Slice[] {
  return Array.from({ length: meta.numberOfFrames }, (_, k) => {
    const place = meta.frameGeometry?.[k];
    return {
      imagePositionPatient: place?.imagePositionPatient ?? meta.imagePositionPatient ?? null,
      imageOrientationPatient: place?.imageOrientationPatient ?? meta.imageOrientationPatient ?? null,
      frames: 1,
      sliceLocation: meta.sliceLocation ?? null,
    };
  });
}

/**
 * The gaps between the frames of one multi-frame file (an Enhanced CT or MR series is often one
 * file), read from its header, since the library holds one position per file: afterIndex is a
 * frame's index. The header is read as the importer reads it (header.ts parseHeader: the file's
 * head, the whole file only where the pixel data starts past it), not the whole file each time a
 * series is opened. None where the header cannot be read (the viewer says why when it opens it).
 */
export async function frameGaps(file: string): Promise<SliceGap[]> {
  try {
    const { meta } = parseHeader(file, fs.statSync(file).size);
    if (meta.numberOfFrames < 2 || meta.frameCountProblem) return [];
    return sliceGaps(frameSlices(meta));
  } catch {
    return [];
  }
}
