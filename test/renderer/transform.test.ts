// The viewer's geometry (renderer/src/viewer/transform.ts): where image pixels land on screen.
import { describe, expect, it } from 'vitest';
import { carryView, fitZoom, orientationMarkers, resizeView, rotateClockwise, toImage, toScreen, type Geometry, type ViewState } from '../../renderer/src/viewer/transform';

const g: Geometry = { rows: 100, columns: 100, aspect: 1, viewWidth: 400, viewHeight: 400 };
const base: ViewState = { center: 0, width: 1, zoom: 4, panX: 0, panY: 0, rotation: 0, flipH: false, flipV: false, invert: false };
/** Where the image's top-left corner lands, as a quadrant of the screen ("TL", "TR", "BL", "BR"). */
function corner(v: ViewState): string {
  const [x, y] = toScreen(v, g, 0, 0);
  return `${y < 200 ? 'T' : 'B'}${x < 200 ? 'L' : 'R'}`;
}

describe('rotation and flips act on the screen', () => {
  it('flip H mirrors left and right on screen after a rotation', () => {
    const turned = rotateClockwise(base);
    expect(corner(turned)).toBe('TR');
    expect(corner({ ...turned, flipH: true })).toBe('TL');
    expect(corner({ ...turned, flipV: true })).toBe('BR');
  });

  it('rotates clockwise on screen after a flip', () => {
    const flipped = { ...base, flipH: true };
    expect(corner(flipped)).toBe('TR');
    expect(corner(rotateClockwise(flipped))).toBe('BR');
    expect(corner(rotateClockwise(rotateClockwise(flipped)))).toBe('BL');
    const both = { ...base, flipH: true, flipV: true };
    expect(corner(both)).toBe('BR');
    expect(corner(rotateClockwise(both))).toBe('BL');
  });

  it('keeps the orientation letters with the pixels', () => {
    const iop = [1, 0, 0, 0, 1, 0];
    const v = { ...rotateClockwise(base), flipH: true };
    const m = orientationMarkers(v, g, iop);
    const r = orientationMarkers(rotateClockwise(base), g, iop);
    expect(m).toEqual({ left: r.right, right: r.left, top: r.top, bottom: r.bottom });
  });

  it('maps screen back to image for every rotation and flip', () => {
    for (let rotation = 0; rotation < 4; rotation++) {
      for (const flipH of [false, true]) {
        for (const flipV of [false, true]) {
          const v = { ...base, rotation, flipH, flipV, panX: 13, panY: -7 };
          const [sx, sy] = toScreen(v, { ...g, aspect: 2 }, 12, 34);
          const [x, y] = toImage(v, { ...g, aspect: 2 }, sx, sy);
          expect(x).toBeCloseTo(12);
          expect(y).toBeCloseTo(34);
        }
      }
    }
  });
});

describe('carryView', () => {
  it('fits an image of another size as the previous one was fitted', () => {
    const small: Geometry = { ...g, rows: 3, columns: 3 };
    const fitted = { ...base, zoom: fitZoom(g, 0) };
    const next = carryView(fitted, g, small);
    expect(next.zoom).toBeCloseTo(fitZoom(small, 0));
    // Zoomed to twice the fit: twice the fit of the next image.
    expect(carryView({ ...fitted, zoom: fitted.zoom * 2 }, g, small).zoom).toBeCloseTo(2 * fitZoom(small, 0));
  });

  it('keeps the view of an image of the same size', () => {
    const v = { ...base, zoom: 3.3, panX: 5 };
    expect(carryView(v, g, { ...g })).toBe(v);
  });
});

describe('resizeView: the viewport changes size (a window resized, a panel hidden, the toolbar wrapped)', () => {
  // A wide image, so the fit is limited by the width in one viewport and by the height in another.
  const img = { rows: 200, columns: 300, aspect: 1 };
  const before: Geometry = { ...img, viewWidth: 678, viewHeight: 500 };
  const sizes: Geometry[] = [
    { ...img, viewWidth: 950, viewHeight: 500 },
    { ...img, viewWidth: 400, viewHeight: 700 },
    { ...img, viewWidth: 1200, viewHeight: 300 },
    { ...img, viewWidth: 678, viewHeight: 420 },
  ];
  /** The image's drawn box on screen: [left, top, right, bottom]. */
  function box(v: ViewState, geo: Geometry): [number, number, number, number] {
    const corners = [
      [0, 0],
      [geo.columns, 0],
      [0, geo.rows],
      [geo.columns, geo.rows],
    ].map(([x, y]) => toScreen(v, geo, x, y));
    const xs = corners.map((c) => c[0]);
    const ys = corners.map((c) => c[1]);
    return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
  }
  function fittedBox(geo: Geometry, rotation: number): [number, number, number, number] {
    const z = fitZoom(geo, rotation);
    const w = (rotation % 2 ? geo.rows * geo.aspect : geo.columns) * z;
    const h = (rotation % 2 ? geo.columns : geo.rows * geo.aspect) * z;
    return [(geo.viewWidth - w) / 2, (geo.viewHeight - h) / 2, (geo.viewWidth + w) / 2, (geo.viewHeight + h) / 2];
  }

  it('keeps a fitted image fitted to the new viewport, for every rotation and pixel aspect', () => {
    for (const aspect of [1, 0.5, 2]) {
      for (let rotation = 0; rotation < 4; rotation++) {
        const from = { ...before, aspect };
        const fitted: ViewState = { ...base, rotation, flipH: rotation === 1, zoom: fitZoom(from, rotation) };
        for (const s of sizes) {
          const to = { ...s, aspect };
          const next = resizeView(fitted, from, to);
          expect(next.zoom).toBeCloseTo(fitZoom(to, rotation), 9);
          box(next, to).forEach((edge, i) => expect(edge, `aspect ${aspect}, rotation ${rotation}, ${to.viewWidth}x${to.viewHeight}`).toBeCloseTo(fittedBox(to, rotation)[i], 6));
        }
      }
    }
  });

  it('keeps a zoom and pan relative to the fit, with the image point at the centre still at the centre', () => {
    for (let rotation = 0; rotation < 4; rotation++) {
      const v: ViewState = { ...base, rotation, flipV: rotation === 2, zoom: 2 * fitZoom(before, rotation), panX: 90, panY: -45 };
      const centre = toImage(v, before, before.viewWidth / 2, before.viewHeight / 2);
      for (const to of sizes) {
        const next = resizeView(v, before, to);
        expect(next.zoom / fitZoom(to, rotation)).toBeCloseTo(2, 9);
        const now = toImage(next, to, to.viewWidth / 2, to.viewHeight / 2);
        expect(now[0]).toBeCloseTo(centre[0], 6);
        expect(now[1]).toBeCloseTo(centre[1], 6);
        // And back: the view the user left, exactly.
        const back = resizeView(next, to, before);
        expect(back.zoom).toBeCloseTo(v.zoom, 9);
        expect(back.panX).toBeCloseTo(v.panX, 6);
        expect(back.panY).toBeCloseTo(v.panY, 6);
      }
    }
  });

  it('draws a measurement on the same image points, at the new scale', () => {
    // A length from (40, 50) to (160, 120), in image pixels; the measurement keeps its points
    // (image coordinates) and so its length in mm: only where they land on screen changes.
    const v: ViewState = { ...base, zoom: 1.5 * fitZoom(before, 0), panX: -30, panY: 20 };
    const to = sizes[0];
    const next = resizeView(v, before, to);
    const ratio = fitZoom(to, 0) / fitZoom(before, 0);
    const [a0, a1] = [toScreen(v, before, 40, 50), toScreen(v, before, 160, 120)];
    const [b0, b1] = [toScreen(next, to, 40, 50), toScreen(next, to, 160, 120)];
    expect(Math.hypot(b1[0] - b0[0], b1[1] - b0[1])).toBeCloseTo(ratio * Math.hypot(a1[0] - a0[0], a1[1] - a0[1]), 6);
    // Each end back on the same image pixel.
    expect(toImage(next, to, ...b0)[0]).toBeCloseTo(40, 6);
    expect(toImage(next, to, ...b1)[1]).toBeCloseTo(120, 6);
  });

  it('keeps the view of a viewport of the same size', () => {
    const v = { ...base, zoom: 3.3, panX: 5 };
    expect(resizeView(v, before, { ...before })).toBe(v);
  });
});
