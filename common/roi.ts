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

/** A pixel padding range in stored values as the same range after a linear rescale, as the viewer holds its values (Float32). */
export function paddingInValues(padding: readonly [number, number] | null | undefined, slope: number, intercept: number): [number, number] | null {
  if (!padding) return null;
  const a = Math.fround(padding[0] * slope + intercept);
  const b = Math.fround(padding[1] * slope + intercept);
  return [Math.min(a, b), Math.max(a, b)];
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
  /** One value per pixel (grey), row by row. */
  values: ArrayLike<number>;
  /** Values that are padding (Pixel Padding Value and Range Limit, in the units of `values`), or none. */
  padding?: readonly [number, number] | null;
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
  const [p0, p1] = frame.padding ?? [Infinity, -Infinity];
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
      const v = frame.values[r * frame.columns + c];
      if (v >= p0 && v <= p1) {
        padded++;
        continue;
      }
      n++;
      sum += v;
      sum2 += v * v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  if (n === 0) return null;
  const mean = sum / n;
  const boxArea = (x1 - x0) * (y1 - y0) * (kind === 'ellipse' ? Math.PI / 4 : 1);
  return {
    area: pixelSpacing ? boxArea * pixelSpacing[0] * pixelSpacing[1] : boxArea,
    areaUnit: pixelSpacing ? 'mm²' : 'px²',
    pixels: n,
    padding: padded,
    mean,
    sd: Math.sqrt(Math.max(0, sum2 / n - mean * mean)),
    min,
    max,
  };
}

/** The angle at `vertex` between the arms to a and b, in degrees (0..180), in mm space where the pixels are not square. */
export function angleDegrees(a: Point, vertex: Point, b: Point, pixelSpacing: readonly [number, number] | null): number {
  const [sr, sc] = pixelSpacing ?? [1, 1];
  const u = [(a[0] - vertex[0]) * sc, (a[1] - vertex[1]) * sr];
  const v = [(b[0] - vertex[0]) * sc, (b[1] - vertex[1]) * sr];
  const nu = Math.hypot(u[0], u[1]);
  const nv = Math.hypot(v[0], v[1]);
  if (nu === 0 || nv === 0) return 0;
  const cos = Math.min(1, Math.max(-1, (u[0] * v[0] + u[1] * v[1]) / (nu * nv)));
  return (Math.acos(cos) * 180) / Math.PI;
}

/** The value of the pixel a point falls in, or null outside the image. */
export function probeValue(p: Point, frame: FrameValues): number | null {
  const c = Math.floor(p[0]);
  const r = Math.floor(p[1]);
  if (c < 0 || r < 0 || c >= frame.columns || r >= frame.rows) return null;
  return frame.values[r * frame.columns + c];
}
