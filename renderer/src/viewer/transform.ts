// Where an image pixel lands on the viewport and back: one place for the
// image, the heatmap and the measurements, so all three stay aligned.

export interface ViewState {
  center: number;
  width: number;
  /** Screen (CSS) pixels per image column. */
  zoom: number;
  panX: number;
  panY: number;
  /** Quarter turns clockwise: 0..3. */
  rotation: number;
  flipH: boolean;
  flipV: boolean;
  invert: boolean;
}

export interface Geometry {
  rows: number;
  columns: number;
  /** Row spacing / column spacing (non-square pixels are drawn at their true aspect). */
  aspect: number;
  viewWidth: number;
  viewHeight: number;
}

/**
 * The canvas transform [a, b, c, d, e, f] that maps image (x, y) to viewport coordinates:
 * scale (zoom, pixel aspect), then the rotation, then the flips, which mirror the screen
 * (flip H swaps what is left and right on screen, whatever the rotation).
 */
export function imageMatrix(v: ViewState, g: Geometry): [number, number, number, number, number, number] {
  const sx = v.zoom;
  const sy = v.zoom * g.aspect;
  const fh = v.flipH ? -1 : 1;
  const fv = v.flipV ? -1 : 1;
  const angle = (v.rotation % 4) * (Math.PI / 2);
  const cos = Math.round(Math.cos(angle));
  const sin = Math.round(Math.sin(angle));
  // M = T(view centre + pan) * F * R * S * T(-image centre)
  const a = fh * cos * sx;
  const b = fv * sin * sx;
  const c = -fh * sin * sy;
  const d = fv * cos * sy;
  const cx = g.columns / 2;
  const cy = g.rows / 2;
  const e = g.viewWidth / 2 + v.panX - (a * cx + c * cy);
  const f = g.viewHeight / 2 + v.panY - (b * cx + d * cy);
  return [a, b, c, d, e, f];
}

/**
 * Rotate the image 90° clockwise on screen. The flips act after the rotation, so under
 * one flip a clockwise turn on screen is a counter-clockwise turn of the stored rotation.
 */
export function rotateClockwise(v: ViewState): ViewState {
  const step = v.flipH !== v.flipV ? 3 : 1;
  return { ...v, rotation: (v.rotation + step) % 4 };
}

/**
 * The view for another image of the series: the same zoom relative to the fitted size and
 * the same pan on screen, so every image of a stack is fitted when sizes differ
 * (a 3x3 image after 100x100 ones fills the viewport as they did).
 */
export function carryView(v: ViewState, from: Geometry, to: Geometry): ViewState {
  const ratio = fitZoom(to, v.rotation) / fitZoom(from, v.rotation);
  if (!Number.isFinite(ratio) || ratio === 1) return v;
  return { ...v, zoom: v.zoom * ratio };
}

/**
 * The view for a viewport of another size (the window resized, a side panel hidden or shown, the
 * toolbar wrapped), as Cornerstone3D keeps its view presentation through a resize: the zoom stays
 * relative to the fit and the image point at the viewport's centre stays at the centre. The pan
 * is on screen from the centre, so it scales with the zoom; a fitted image stays fitted, and the
 * measurements, in image coordinates, stay on their pixels.
 */
export function resizeView(v: ViewState, from: Geometry, to: Geometry): ViewState {
  const ratio = fitZoom(to, v.rotation) / fitZoom(from, v.rotation);
  if (!Number.isFinite(ratio) || ratio <= 0 || ratio === 1) return v;
  return { ...v, zoom: v.zoom * ratio, panX: v.panX * ratio, panY: v.panY * ratio };
}

export function toScreen(v: ViewState, g: Geometry, x: number, y: number): [number, number] {
  const [a, b, c, d, e, f] = imageMatrix(v, g);
  return [a * x + c * y + e, b * x + d * y + f];
}

export function toImage(v: ViewState, g: Geometry, sx: number, sy: number): [number, number] {
  const [a, b, c, d, e, f] = imageMatrix(v, g);
  const det = a * d - b * c;
  const x = sx - e;
  const y = sy - f;
  return [(d * x - c * y) / det, (-b * x + a * y) / det];
}

export function fitZoom(g: Geometry, rotation: number): number {
  const turned = rotation % 2 === 1;
  const w = turned ? g.rows * g.aspect : g.columns;
  const h = turned ? g.columns : g.rows * g.aspect;
  return Math.max(0.01, Math.min(g.viewWidth / w, g.viewHeight / h));
}

const AXES: [string, string][] = [
  ['L', 'R'],
  ['P', 'A'],
  ['H', 'F'],
];

/** The patient direction (LPS) as letters, strongest axis first, e.g. "L", "LP" when oblique. */
function letters(u: number[]): string {
  const n = Math.hypot(u[0], u[1], u[2]) || 1;
  const v = u.map((x) => x / n);
  return [0, 1, 2]
    .map((i) => ({ i, m: Math.abs(v[i]) }))
    .filter((a) => a.m > 0.3)
    .sort((a, b) => b.m - a.m)
    .map((a) => AXES[a.i][v[a.i] > 0 ? 0 : 1])
    .join('');
}

/**
 * Orientation letters at the viewport's right and bottom edges (left and top
 * are their opposites), from Image Orientation (Patient) and the current
 * rotation and flips.
 */
export function orientationMarkers(v: ViewState, g: Geometry, iop: number[]): { right: string; left: string; bottom: string; top: string } {
  const [a, b, c, d] = imageMatrix(v, g);
  const det = a * d - b * c;
  // Image-space direction that appears as screen +x, and as screen +y.
  const sx = [d / det, -b / det];
  const sy = [-c / det, a / det];
  const dir = (u: number[]) => [0, 1, 2].map((k) => u[0] * iop[k] + u[1] * iop[3 + k]);
  const neg = (u: number[]) => u.map((x) => -x);
  return { right: letters(dir(sx)), left: letters(neg(dir(sx))), bottom: letters(dir(sy)), top: letters(neg(dir(sy))) };
}
