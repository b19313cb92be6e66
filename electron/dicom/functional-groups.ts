// Enhanced multi-frame images (Enhanced CT, MR, XA, PET...: PS3.3 C.7.6.16) keep the Modality LUT
// and the window in functional groups, not at the top level: the Pixel Value Transformation
// Sequence (0028,9145: Rescale Intercept and Slope) and the Frame VOI LUT Sequence (0028,9132:
// Window Center and Width, their explanations, VOI LUT Function), in the Shared Functional Groups
// Sequence (5200,9229) for every frame or in the Per-Frame Functional Groups Sequence
// (5200,9230), one item per frame. So are the Pixel Spacing and Slice Thickness (Pixel Measures,
// 0028,9110), Image Orientation (Plane Orientation, 0020,9116) and Image Position (Plane Position,
// 0020,9113): the first frame's are the file's, each frame's its own where they differ. Read here
// for parse.ts; pixels.ts (metaOfFrame) picks a frame's values.
import type dicomParser from 'dicom-parser';

/** What a functional group says about how a frame is displayed. */
export interface FrameDisplay {
  rescaleSlope?: number;
  rescaleIntercept?: number;
  windowCenter?: number[];
  windowWidth?: number[];
  windowExplanation?: string[];
  voiLutFunction?: string;
}

function values(ds: dicomParser.DataSet, tag: string): number[] | undefined {
  const raw = ds.string(tag);
  if (raw === undefined || raw.trim() === '') return undefined;
  const out = raw.split('\\').map((p) => parseFloat(p.trim()));
  return out.every(Number.isFinite) ? out : undefined;
}

/**
 * A file's windows from Window Center, Width (and Center & Width Explanation) as written: paired
 * by position, a position kept only where both are numbers. A converter that wrote an empty or
 * broken value ("\\40" and "\\400") loses that window, not the others, and each explanation
 * stays with its own window. Undefined when none is left.
 */
export function pairWindows(centers: string | undefined, widths: string | undefined, explanations?: string[]): Pick<FrameDisplay, 'windowCenter' | 'windowWidth' | 'windowExplanation'> | undefined {
  if (centers === undefined || widths === undefined) return undefined;
  const c = centers.split('\\').map((p) => (p.trim() === '' ? NaN : Number(p.trim())));
  const w = widths.split('\\').map((p) => (p.trim() === '' ? NaN : Number(p.trim())));
  const keep = c.map((_, i) => i).filter((i) => i < w.length && Number.isFinite(c[i]) && Number.isFinite(w[i]));
  if (!keep.length) return undefined;
  const out: Pick<FrameDisplay, 'windowCenter' | 'windowWidth' | 'windowExplanation'> = { windowCenter: keep.map((i) => c[i]), windowWidth: keep.map((i) => w[i]) };
  if (explanations?.some((e) => e)) out.windowExplanation = keep.map((i) => explanations[i] ?? '');
  return out;
}

/** The first item's data set of a sequence in `ds`. */
function firstItem(ds: dicomParser.DataSet | undefined, tag: string): dicomParser.DataSet | undefined {
  return ds?.elements[tag]?.items?.[0]?.dataSet;
}

/** One functional groups item's display values (none: undefined). */
function displayOf(group: dicomParser.DataSet | undefined): FrameDisplay | undefined {
  const out: FrameDisplay = {};
  const pvt = firstItem(group, 'x00289145');
  if (pvt) {
    const slope = values(pvt, 'x00281053')?.[0];
    const intercept = values(pvt, 'x00281052')?.[0];
    if (slope !== undefined && slope !== 0) out.rescaleSlope = slope;
    if (intercept !== undefined) out.rescaleIntercept = intercept;
  }
  const voi = firstItem(group, 'x00289132');
  if (voi) {
    Object.assign(out, pairWindows(voi.string('x00281050'), voi.string('x00281051'), voi.string('x00281055')?.split('\\').map((e) => e.trim())));
    const fn = voi.string('x00281056')?.trim().toUpperCase();
    if (fn) out.voiLutFunction = fn;
  }
  return Object.keys(out).length ? out : undefined;
}

/** Where an Enhanced image's frame lies, from its functional groups (PS3.3 C.7.6.16.2.1–3). */
export interface FrameGeometry {
  /** Pixel Measures Sequence (0028,9110): Pixel Spacing, row then column, mm. */
  pixelSpacing?: [number, number];
  /** Pixel Measures Sequence: Slice Thickness, mm. */
  sliceThickness?: number;
  /** Plane Orientation Sequence (0020,9116): Image Orientation (Patient). */
  imageOrientationPatient?: number[];
  /** Plane Position Sequence (0020,9113): Image Position (Patient). */
  imagePositionPatient?: [number, number, number];
}

/** One functional groups item's geometry, each value kept only where it is whole and sensible. */
function geometryOf(group: dicomParser.DataSet | undefined): FrameGeometry {
  const out: FrameGeometry = {};
  const measures = firstItem(group, 'x00289110');
  const spacing = measures && values(measures, 'x00280030');
  if (spacing && spacing.length >= 2 && spacing[0] > 0 && spacing[1] > 0) out.pixelSpacing = [spacing[0], spacing[1]];
  const thickness = measures && values(measures, 'x00180050')?.[0];
  if (thickness !== undefined && thickness > 0) out.sliceThickness = thickness;
  const orientation = firstItem(group, 'x00209116');
  const iop = orientation && values(orientation, 'x00200037');
  if (iop && iop.length >= 6) out.imageOrientationPatient = iop.slice(0, 6);
  const position = firstItem(group, 'x00209113');
  const ipp = position && values(position, 'x00200032');
  if (ipp && ipp.length >= 3) out.imagePositionPatient = [ipp[0], ipp[1], ipp[2]];
  return out;
}

/**
 * An Enhanced image's first frame's geometry: its own Per-Frame Functional Groups item over the
 * Shared Functional Groups (a group is in one or the other). Empty where the file has none.
 */
export function firstFrameGeometry(ds: dicomParser.DataSet): FrameGeometry {
  return { ...geometryOf(firstItem(ds, 'x52009229')), ...geometryOf(firstItem(ds, 'x52009230')) };
}

/**
 * Each frame's geometry where an Enhanced image's frames lie in different places or planes (each
 * frame's Plane Position, a localizer's three Plane Orientations): its own groups over the shared
 * ones, one per frame. Undefined where the frames share one geometry or the per-frame items do
 * not match the frame count.
 */
export function frameGeometries(ds: dicomParser.DataSet, frames: number): FrameGeometry[] | undefined {
  const items = ds.elements.x52009230?.items ?? [];
  if (frames < 2 || items.length !== frames) return undefined;
  const shared = geometryOf(firstItem(ds, 'x52009229'));
  const each = items.map((item) => ({ ...shared, ...geometryOf(item.dataSet) }));
  const first = JSON.stringify(each[0]);
  return each.every((g) => JSON.stringify(g) === first) ? undefined : each;
}

function same(a: FrameDisplay | undefined, b: FrameDisplay | undefined): boolean {
  return JSON.stringify(a ?? {}) === JSON.stringify(b ?? {});
}

/**
 * `over` laid on `base`: each value `over` has replaces `base`'s; a window (centers, widths and
 * their explanations) is replaced whole, so one layer's explanation never names another's window.
 */
function layer(base: FrameDisplay | undefined, over: FrameDisplay | undefined): FrameDisplay | undefined {
  if (!base || !over) return over ?? base;
  const out = { ...base, ...over };
  if (over.windowCenter) {
    if (over.windowExplanation) out.windowExplanation = over.windowExplanation;
    else delete out.windowExplanation;
  }
  return out;
}

/**
 * The display values of an Enhanced image: `all`, what every frame shares (the shared groups
 * over the first frame's own), and `perFrame`, each frame's values where frames differ
 * (undefined when they do not, as in most files: nothing per frame to carry). `top` is what
 * the top level of the file says (a window or rescale some converters leave there besides the
 * groups): the groups win (PS3.3 C.7.6.16: they are the source for an Enhanced image); the top
 * level fills in only what no group says.
 */
export function frameDisplayGroups(ds: dicomParser.DataSet, frames: number, top?: FrameDisplay): { all?: FrameDisplay; perFrame?: FrameDisplay[] } {
  const shared = layer(top, displayOf(firstItem(ds, 'x52009229')));
  const items = ds.elements.x52009230?.items ?? [];
  const own = items.length === frames ? items.map((item) => displayOf(item.dataSet)) : [];
  // A per-frame value overrides the shared one (PS3.3 C.7.6.16: a group is in one or the other).
  const perFrame = own.map((d) => layer(shared, d));
  const all = perFrame[0] ?? shared;
  if (perFrame.every((d) => same(d, all))) return { all };
  return { all, perFrame: perFrame.map((d) => d ?? {}) };
}
