// The viewer's geometry (renderer/src/viewer/transform.ts): where image pixels land on screen.
import { describe, expect, it } from 'vitest';
import { carryView, fitZoom, orientationMarkers, rotateClockwise, toImage, toScreen, type Geometry, type ViewState } from '../../renderer/src/viewer/transform';

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
