// What a measurement reads: a length, an angle, a probe's value, or a region's
// area and statistics, from the values after the Modality LUT (HU for CT, the
// frame the viewer holds). Pure, no DOM and no Node: the viewer draws and lists
// these, tests check them against the fixture's own pixels.
//
// Points are (column, row) in image pixels, pixel (c, r) covering [c, c+1) x
// [r, r+1): a region holds the pixels whose centres (c + 0.5, r + 0.5) lie in it.

export type Point = readonly [number, number];

/**
 * What a pixel spacing measures (PS3.3 10.7.1.3): 'patient' (Pixel Spacing), 'calibrated'
 * (Pixel Spacing with a Pixel Spacing Calibration Type), 'detector' (Imager Pixel Spacing
 * alone: lengths at the detector, larger than in the body by the X-ray magnification),
 * 'magnification' (Imager Pixel Spacing corrected by Estimated Radiographic Magnification Factor).
 */
export const PIXEL_SPACING_KINDS = ['patient', 'calibrated', 'detector', 'magnification'] as const;
export type PixelSpacingKind = (typeof PIXEL_SPACING_KINDS)[number];

/** What a length or area in mm is, in words after it: "" (patient), "calibrated", "at detector", "magnification corrected". */
export function spacingNote(kind: PixelSpacingKind | null | undefined): string {
  switch (kind) {
    case 'calibrated':
      return 'calibrated';
    case 'detector':
      return 'at detector';
    case 'magnification':
      return 'magnification corrected';
    default:
      return '';
  }
}

/**
 * Which pixels of a frame are padding (Pixel Padding Value and Range Limit: `padding`, the lowest
 * and highest padding stored value), one bit each, pixel i (row by row) being bit i % 8 of byte
 * i >> 3. Decided on the stored values, before any Modality LUT (PS3.3 C.7.5.1.1.2): a LUT
 * table may give a padding value the output of a real pixel, so the values after it cannot
 * tell. Null where the file names no padding or no pixel is padding.
 */
export function paddingMask(stored: ArrayLike<number>, padding: readonly [number, number] | null | undefined): Uint8Array | null {
  if (!padding) return null;
  const [p0, p1] = padding;
  const mask = new Uint8Array(Math.ceil(stored.length / 8));
  let any = false;
  for (let i = 0; i < stored.length; i++) {
    const v = stored[i];
    if (v >= p0 && v <= p1) {
      mask[i >> 3] |= 1 << (i & 7);
      any = true;
    }
  }
  return any ? mask : null;
}

/** Whether pixel i is padding by a paddingMask. */
export function isPadding(mask: Uint8Array | null | undefined, i: number): boolean {
  return !!mask && (mask[i >> 3] & (1 << (i & 7))) !== 0;
}

export interface RegionStats {
  /** Area of the drawn shape in mm² (with pixel spacing), else in pixels. */
  area: number;
  areaUnit: 'mm²' | 'px²';
  /** Pixels whose centres lie inside, padding left out. */
  pixels: number;
  /** Padding pixels inside (Pixel Padding Value), left out of the statistics. */
  padding: number;
  mean: number;
  /** Population standard deviation of those pixels. */
  sd: number;
  min: number;
  max: number;
}

export interface FrameValues {
  rows: number;
  columns: number;
  /** One value per pixel (grey), row by row, less `offset`. */
  values: ArrayLike<number>;
  /** What `values` are relative to (the frame's valueBase: 32-bit values far from 0), added back to every value read; 0 where absent. */
  offset?: number;
  /** Which pixels are padding (paddingMask, decided on the stored values), or none. */
  paddingMask?: Uint8Array | null;
}

/**
 * Rectangle or ellipse over the box with corners a and b: area and statistics of the pixels
 * inside that are not padding; null when no such pixel centre lies inside.
 */
export function regionStats(kind: 'rectangle' | 'ellipse', a: Point, b: Point, frame: FrameValues, pixelSpacing: readonly [number, number] | null): RegionStats | null {
  const x0 = Math.min(a[0], b[0]);
  const x1 = Math.max(a[0], b[0]);
  const y0 = Math.min(a[1], b[1]);
  const y1 = Math.max(a[1], b[1]);
  const cx = (x0 + x1) / 2;
  const cy = (y0 + y1) / 2;
  const rx = (x1 - x0) / 2;
  const ry = (y1 - y0) / 2;
  let n = 0;
  let padded = 0;
  const mask = frame.paddingMask ?? null;
  let sum = 0;
  let sum2 = 0;
  let min = Infinity;
  let max = -Infinity;
  const cFirst = Math.max(0, Math.ceil(x0 - 0.5));
  const cLast = Math.min(frame.columns - 1, Math.floor(x1 - 0.5));
  const rFirst = Math.max(0, Math.ceil(y0 - 0.5));
  const rLast = Math.min(frame.rows - 1, Math.floor(y1 - 0.5));
  for (let r = rFirst; r <= rLast; r++) {
    for (let c = cFirst; c <= cLast; c++) {
      if (kind === 'ellipse') {
        const dx = rx > 0 ? (c + 0.5 - cx) / rx : 0;
        const dy = ry > 0 ? (r + 0.5 - cy) / ry : 0;
        if (dx * dx + dy * dy > 1) continue;
      }
      const i = r * frame.columns + c;
      if (mask && isPadding(mask, i)) {
        padded++;
        continue;
      }
      const v = frame.values[i];
      n++;
      sum += v;
      sum2 += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (n === 0) return null;
  // Sums of the relative values (the SD does not move with them), then the offset back.
  const offset = frame.offset ?? 0;
  const rel = sum / n;
  const mean = rel + offset;
  return {
    area: measureValue(kind, [a, b], pixelSpacing ?? [1, 1])!,
    areaUnit: pixelSpacing ? 'mm²' : 'px²',
    pixels: n,
    padding: padded,
    mean,
    sd: Math.sqrt(Math.max(0, sum2 / n - rel * rel)),
    min: min + offset,
    max: max + offset,
  };
}

/**
 * Why a region's statistics are no numbers to show, or null where they are: a value after the
 * Modality LUT beyond 32-bit floats (a hostile Rescale Slope of 1e38) makes them infinite or NaN.
 */
export function statisticsProblem(s: Pick<RegionStats, 'mean' | 'sd' | 'min' | 'max'>): string | null {
  return [s.mean, s.sd, s.min, s.max].every(Number.isFinite) ? null : 'its values are too large after Rescale Slope and Intercept';
}

/**
 * What a length, rectangle, ellipse or angle with these points (image pixels) measures with
 * spacing [row, column] (a Calibration's): a length in the spacing's unit, a rectangle's or
 * ellipse's area (the box with corners points[0] and points[1]) in its square, an angle at
 * points[1] in degrees (0..180), in mm space where the pixels are not square. NaN or infinite
 * where the points measure no number (an angle's arm of length 0); null for a kind without a
 * value of its own (a probe) or the wrong number of points. The viewer's readings and the
 * exports (electron/results/tables.ts measurementValue) both measure here.
 */
export function measureValue(kind: string, points: readonly Point[], spacing: readonly [number, number]): number | null {
  const [rowMm, colMm] = spacing;
  const p = points;
  if ((kind === 'length' || kind === 'rectangle' || kind === 'ellipse') && p.length === 2) {
    const dx = (p[1][0] - p[0][0]) * colMm;
    const dy = (p[1][1] - p[0][1]) * rowMm;
    if (kind === 'length') return Math.hypot(dx, dy);
    const box = Math.abs(dx * dy);
    return kind === 'rectangle' ? box : (Math.PI / 4) * box;
  }
  if (kind === 'angle' && p.length === 3) {
    const u = [(p[0][0] - p[1][0]) * colMm, (p[0][1] - p[1][1]) * rowMm];
    const v = [(p[2][0] - p[1][0]) * colMm, (p[2][1] - p[1][1]) * rowMm];
    const cos = (u[0] * v[0] + u[1] * v[1]) / (Math.hypot(u[0], u[1]) * Math.hypot(v[0], v[1]));
    return (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
  }
  return null;
}

/** The angle at `vertex` between the arms to a and b, in degrees (0..180), in mm space where the pixels are not square; 0 where an arm has no length. */
export function angleDegrees(a: Point, vertex: Point, b: Point, pixelSpacing: readonly [number, number] | null): number {
  const d = measureValue('angle', [a, vertex, b], pixelSpacing ?? [1, 1])!;
  return Number.isNaN(d) ? 0 : d;
}

/** The value of the pixel a point falls in, or null outside the image. */
export function probeValue(p: Point, frame: FrameValues): number | null {
  const c = Math.floor(p[0]);
  const r = Math.floor(p[1]);
  if (c < 0 || r < 0 || c >= frame.columns || r >= frame.rows) return null;
  return frame.values[r * frame.columns + c] + (frame.offset ?? 0);
}

/**
 * One item of the Sequence of Ultrasound Regions (0018,6011), as the file gives it (PS3.3
 * C.8.5.5): the region's corners X0 Y0 X1 Y1 (Region Location Min/Max, in pixels, both ends
 * inside), Physical Units X/Y Direction (3: cm; other codes are not lengths), Physical Delta X/Y
 * (units per pixel) and Region Spatial Format. A value the file leaves out or that is not a
 * finite number is null: checked here (usRegionProblem), never trusted.
 */
export interface UsRegion {
  x0: number | null;
  y0: number | null;
  x1: number | null;
  y1: number | null;
  unitsX: number | null;
  unitsY: number | null;
  deltaX: number | null;
  deltaY: number | null;
  spatialFormat: number | null;
}

/** Physical Units X/Y Direction code for centimetres (PS3.3 C.8.5.5.1.15). */
export const US_UNITS_CM = 3;

/**
 * Why a region cannot measure lengths in mm, in words ("its Physical Delta X is 0"), or null
 * where it can: both directions in cm, both deltas finite and positive, its corners inside the
 * image and in order.
 */
export function usRegionProblem(r: UsRegion, rows: number, columns: number): string | null {
  if (r.x0 === null || r.y0 === null || r.x1 === null || r.y1 === null) return 'its location is incomplete';
  if (r.x0 > r.x1 || r.y0 > r.y1) return 'its corners are out of order';
  if (r.x0 < 0 || r.y0 < 0 || r.x1 >= columns || r.y1 >= rows) return `it reaches outside the ${columns}×${rows} image`;
  if (r.unitsX !== US_UNITS_CM || r.unitsY !== US_UNITS_CM) return 'its units are not cm';
  for (const [name, d] of [['X', r.deltaX], ['Y', r.deltaY]] as const) {
    if (d === null) return `its Physical Delta ${name} is missing or not a number`;
    if (d <= 0) return `its Physical Delta ${name} is ${d}`;
    // cm per pixel: 10 mm per cm.
    if (!(d * 10 <= MAX_PIXEL_MM)) return 'its Physical Delta is too large';
  }
  return null;
}

/**
 * The widest pixel measured with, in mm: 1 m. No image of a body has wider pixels (a whole-body
 * field of 2 m spans hundreds of them), while with this bound every length and area within an
 * image of at most 65535 × 65535 pixels is a finite number (under 10⁸ mm and 5 × 10¹⁵ mm²) that a
 * DS of 16 characters holds. A Pixel Spacing or Physical Delta beyond it, or not a positive
 * finite number (a hostile file's 1e308), measures nothing: pixels, saying why.
 */
export const MAX_PIXEL_MM = 1000;

/** Why a pixel spacing [row, column] in mm cannot be measured with ("pixel spacing too large"), or null where it can. */
export function spacingProblem(spacing: readonly [number, number]): string | null {
  if (!spacing.every((v) => Number.isFinite(v) && v > 0)) return 'pixel spacing not a positive number';
  return spacing.every((v) => v <= MAX_PIXEL_MM) ? null : 'pixel spacing too large';
}

/** Whether point p (column, row) lies in the region's pixels (x0..x1, y0..y1, each pixel [c, c+1)). */
function inRegion(p: Point, r: UsRegion): boolean {
  return r.x0 !== null && r.y0 !== null && r.x1 !== null && r.y1 !== null && p[0] >= r.x0 && p[0] < r.x1 + 1 && p[1] >= r.y0 && p[1] < r.y1 + 1;
}

/** What a frame gives for measuring: its pixel spacing, its ultrasound regions, its Pixel Aspect Ratio. */
export interface FrameGeometry {
  rows: number;
  columns: number;
  pixelSpacing: readonly [number, number] | null;
  pixelSpacingKind?: PixelSpacingKind | null;
  usRegions?: readonly UsRegion[] | null;
  /** Pixel Aspect Ratio (0028,0034): [vertical, horizontal] pixel size, or null. */
  pixelAspect?: readonly [number, number] | null;
}

/**
 * What a measurement's points are measured with:
 * - mm: `spacing` [row, column] in mm, `kind` what it measures ('us-region' with `region`, its
 *   number from 1 in the file's sequence);
 * - px: `spacing` [row, column] in column-pixel widths ([1, 1], or the Pixel Aspect Ratio's
 *   vertical / horizontal for rows), `why` the reason in words where the image has a calibration
 *   that does not reach these points ("outside any calibrated US region"), else "no pixel spacing".
 */
export type Calibration =
  | { unit: 'mm'; spacing: [number, number]; kind: PixelSpacingKind | 'us-region'; region?: number }
  | { unit: 'px'; spacing: [number, number]; why: string; aspect: [number, number] | null };

/** The Pixel Aspect Ratio drawn and measured with: both positive integers at most 20 times apart, else none (square). */
export function pixelAspectOf(a: readonly [number, number] | null | undefined): [number, number] | null {
  if (!a || !(a[0] > 0) || !(a[1] > 0) || !Number.isFinite(a[0]) || !Number.isFinite(a[1])) return null;
  const r = a[0] / a[1];
  return r >= 1 / 20 && r <= 20 && r !== 1 ? [a[0], a[1]] : null;
}

/** Rows' height over columns' width as drawn: Pixel Spacing's, else the Pixel Aspect Ratio's, else 1. */
export function drawnAspect(g: Pick<FrameGeometry, 'pixelSpacing' | 'pixelAspect'>): number {
  if (g.pixelSpacing && !spacingProblem(g.pixelSpacing)) return g.pixelSpacing[0] / g.pixelSpacing[1];
  const a = pixelAspectOf(g.pixelAspect);
  return a ? a[0] / a[1] : 1;
}

/**
 * The calibration a length, angle or region with these points (image pixels) is measured
 * with (PS3.3 C.8.5.5): the frame's pixel spacing where it has one; else, where it has
 * ultrasound regions, the deltas of the region (cm, given here in mm) that holds every point,
 * when that region measures in cm with positive deltas. Points in two overlapping regions are
 * measured with them only where their deltas agree. Otherwise pixels, saying why; so too where
 * the spacing or deltas are wider than MAX_PIXEL_MM ("pixel spacing too large"). The viewer and
 * the exports (electron/results/tables.ts) both decide here.
 */
export function calibrationAt(points: readonly Point[], g: FrameGeometry): Calibration {
  const aspect = pixelAspectOf(g.pixelAspect);
  const px = (why: string): Calibration => ({ unit: 'px', spacing: aspect ? [aspect[0] / aspect[1], 1] : [1, 1], why, aspect });
  if (g.pixelSpacing) {
    const problem = spacingProblem(g.pixelSpacing);
    return problem ? px(problem) : { unit: 'mm', spacing: [g.pixelSpacing[0], g.pixelSpacing[1]], kind: g.pixelSpacingKind ?? 'patient' };
  }
  const regions = g.usRegions ?? [];
  if (!regions.length) return px('no pixel spacing');
  // The regions that hold every point (numbered from 1 as in the file).
  const holding = regions.map((r, i) => ({ r, n: i + 1 })).filter(({ r }) => points.every((p) => inRegion(p, r)));
  if (!holding.length) {
    const touched = regions.map((r, i) => ({ r, n: i + 1 })).filter(({ r }) => points.some((p) => inRegion(p, r)));
    if (touched.length > 1) return px(`crosses US regions ${touched.map((t) => t.n).join(' and ')}`);
    return px(touched.length ? `runs out of US region ${touched[0].n}` : 'outside any US region');
  }
  const problems = holding.map(({ r, n }) => ({ n, problem: usRegionProblem(r, g.rows, g.columns) }));
  const bad = problems.find((p) => p.problem);
  if (bad) return px(`US region ${bad.n} not calibrated: ${bad.problem}`);
  const [first, ...rest] = holding;
  const other = rest.find(({ r }) => r.deltaX !== first.r.deltaX || r.deltaY !== first.r.deltaY);
  if (other) return px(`in US regions ${first.n} and ${other.n}, whose scales differ`);
  // Physical Delta is cm per pixel: 10 mm per cm.
  return { unit: 'mm', spacing: [(first.r.deltaY ?? NaN) * 10, (first.r.deltaX ?? NaN) * 10], kind: 'us-region', region: first.n };
}

/** The calibration's note after a value: "(US region 1)", "(at detector)", or "" for the patient's plane. */
export function calibrationNote(c: Calibration): string {
  if (c.unit === 'px') return `(${c.why}${c.aspect ? `; rows scaled by aspect ${c.aspect[0]}:${c.aspect[1]}` : ''})`;
  if (c.kind === 'us-region') return `(US region ${c.region})`;
  const note = spacingNote(c.kind);
  return note ? `(${note})` : '';
}

/**
 * A length's reading: "23.4 mm", with what the spacing measures where it is not the patient's
 * plane ("23.4 mm (at detector)", "23.4 mm (US region 1)"); else in pixels, saying why
 * ("23.4 px (no pixel spacing)", "23.4 px (crosses US regions 1 and 2)").
 */
export function lengthReading(points: readonly Point[], g: FrameGeometry): string {
  const c = calibrationAt(points, g);
  const v = measureValue('length', points, c.spacing)!;
  const note = calibrationNote(c);
  return `${v.toFixed(1)} ${c.unit}${note ? ` ${note}` : ''}`;
}

/**
 * How an image without a pixel spacing is measured, for the corner text: "calibrated by 2 US
 * regions" (those that measure in cm), "no calibrated US region", and its drawn Pixel Aspect
 * Ratio ("aspect 4:3"); null with a pixel spacing (the corner gives it in mm) or with none of these.
 */
export function calibrationSummary(g: FrameGeometry): string | null {
  if (g.pixelSpacing) return null;
  const aspect = pixelAspectOf(g.pixelAspect);
  const aspectText = aspect ? `aspect ${aspect[0]}:${aspect[1]}` : null;
  const regions = g.usRegions ?? [];
  if (!regions.length) return aspectText;
  const usable = regions.filter((r) => usRegionProblem(r, g.rows, g.columns) === null).length;
  const text = usable ? `calibrated by ${usable === 1 ? 'a US region' : `${usable} US regions`}` : 'no calibrated US region';
  return aspectText ? `${text}, ${aspectText}` : text;
}

/** A value in modality units, rounded for reading ("40.2 HU"); "too large" where it is no finite number. */
export function valueText(v: number, unit: string | null): string {
  if (!Number.isFinite(v)) return 'too large';
  const digits = Math.abs(v) >= 100 || Number.isInteger(v) ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

/** A probe's reading as the viewer lists it: "(12, 30) 40 HU", "(12, 30) no value" outside the image or on colour, "value too large" beyond 32-bit floats. */
export function probeReading(p: Point, frame: FrameValues | null, unit: string | null): string {
  const v = frame && probeValue(p, frame);
  const where = `(${Math.floor(p[0])}, ${Math.floor(p[1])})`;
  if (v === null || v === undefined) return `${where} no value`;
  return Number.isFinite(v) ? `${where} ${valueText(v, unit)}` : `${where} value too large`;
}

/**
 * A rectangle's or ellipse's reading as the viewer labels and lists it: "Area 120.3 mm² · mean
 * 40.2 · SD 3.1 · min 12 · max 80 HU", the area in the calibration calibrationAt gives these
 * points (in pixels, rows scaled by a Pixel Aspect Ratio, saying why where the image has a
 * calibration that does not reach here), padding left out; "no statistics: ..." where the
 * values are no finite numbers (statisticsProblem), "only padding inside", "no pixel inside".
 */
export function regionReading(kind: 'rectangle' | 'ellipse', a: Point, b: Point, frame: FrameValues, g: FrameGeometry, unit: string | null): string {
  const c = calibrationAt([a, b], g);
  const spacing = c.unit === 'mm' ? c.spacing : null;
  const s = regionStats(kind, a, b, frame, spacing);
  if (!s) return frame.paddingMask && regionStats(kind, a, b, { ...frame, paddingMask: null }, spacing) ? 'only padding inside' : 'no pixel inside';
  // Pixels say why only where the image has a calibration that does not reach here, or rows scaled by its aspect.
  const note = c.unit === 'mm' || c.why !== 'no pixel spacing' || c.aspect ? calibrationNote(c) : '';
  // Rows scaled by a Pixel Aspect Ratio where in pixels (regionStats' own area is in square pixels).
  if (c.unit === 'px') s.area = measureValue(kind, [a, b], c.spacing)!;
  const area = `Area ${s.area.toFixed(1)} ${s.areaUnit}${note ? ` ${note}` : ''}`;
  const padded = s.padding > 0 ? ` · ${s.padding} padding ${s.padding === 1 ? 'pixel' : 'pixels'} left out` : '';
  const problem = statisticsProblem(s);
  if (problem) return `${area} · no statistics: ${problem}${padded}`;
  const u = unit ? ` ${unit}` : '';
  return `${area} · mean ${valueText(s.mean, null)} · SD ${valueText(s.sd, null)} · min ${valueText(s.min, null)} · max ${valueText(s.max, null)}${u}${padded}`;
}
