// The viewer's window (renderer/src/viewer/window.ts) and the engine's pixel pipeline
// (electron/dicom/pixels.ts) give the same grays: both are common/voi.ts.
import { describe, expect, it } from 'vitest';
import type { ViewerFrame } from '../../common/contract/library';
import { voiLut, VOI_FUNCTION_NAMES } from '../../common/voi';
import { applyWindow } from '../../electron/dicom/pixels';
import { windowInto } from '../../renderer/src/viewer/window';

/** Integers and quarter steps around a window's thresholds and the range's ends. */
function around(c: number, w: number, lo: number, hi: number): number[] {
  const edges = [c - 0.5 - (w - 1) / 2, c - 0.5 + (w - 1) / 2, c - w / 2, c + w / 2, c, c - 0.5, lo, hi];
  const xs = new Set<number>();
  for (const e of edges) for (let d = -3; d <= 3; d += 0.25) xs.add(e + d);
  return [...xs].sort((a, b) => a - b);
}

/** A viewer frame of `values` (already through the Modality LUT). */
function loaded(values: number[], over: Partial<ViewerFrame> = {}): { frame: ViewerFrame; values: Float32Array } {
  const frame = { rows: 1, columns: values.length, samplesPerPixel: 1, dtype: 'int16', photometric: 'MONOCHROME2', voiFunction: 'LINEAR', ...over } as ViewerFrame;
  return { frame, values: Float32Array.from(values) };
}

function viewerGrays(l: { frame: ViewerFrame; values: Float32Array }, c: number, w: number, invert: boolean): number[][] {
  const n = l.frame.rows * l.frame.columns;
  const img = { data: new Uint8ClampedArray(n * 4) };
  windowInto(img, l, c, w, invert);
  return Array.from({ length: n }, (_, i) => Array.from(img.data.subarray(i * 4, i * 4 + 4)));
}

describe('the engine and the viewer window alike', () => {
  const xs = around(40, 400, -1024, 3071);
  for (const fn of VOI_FUNCTION_NAMES) {
    for (const photometric of ['MONOCHROME2', 'MONOCHROME1']) {
      it(`${fn}, ${photometric}: the viewer's grays are the pixel pipeline's`, () => {
        const mono1 = photometric === 'MONOCHROME1';
        for (const invert of [false, true]) {
          const engine = Array.from(applyWindow(Float32Array.from(xs), 40, 400, invert !== mono1, fn));
          const viewer = viewerGrays(loaded(xs, { photometric, voiFunction: fn }), 40, 400, invert);
          expect(viewer).toEqual(engine.map((y) => [y, y, y, 255]));
        }
      });
    }
  }

  it('16-bit colour is windowed per sample and inverted once', () => {
    const samples = [0, 1000, 2047.5, 2048, 4095, 5000];
    const l = loaded(samples, { samplesPerPixel: 3, dtype: 'uint16', photometric: 'RGB', columns: 2 });
    const grays = samples.map(voiLut(2048, 4096));
    expect(viewerGrays(l, 2048, 4096, false)).toEqual([[...grays.slice(0, 3), 255], [...grays.slice(3), 255]]);
    expect(viewerGrays(l, 2048, 4096, true)).toEqual([[...grays.slice(0, 3).map((y) => 255 - y), 255], [...grays.slice(3).map((y) => 255 - y), 255]]);
  });

  // A CT slice's whole values go through one table over the frame's range (the fast path);
  // every gray must still be the pixel pipeline's, and a value the range does not hold (or a
  // fraction) the same as the call per value gives.
  for (const fn of VOI_FUNCTION_NAMES) {
    it(`${fn}: whole values within the stated range, windowed by table, are the pixel pipeline's grays`, () => {
      const xs = Array.from({ length: 4096 }, (_, i) => i - 1024);
      const ct = { slope: 1, intercept: -1024, range: [-1024, 3071] as [number, number], voiFunction: fn };
      for (const [c, w] of [[40, 400], [-600, 1500], [40, 1], [3000, 2]]) {
        for (const invert of [false, true]) {
          const engine = Array.from(applyWindow(Float32Array.from(xs), c, w, invert, fn));
          expect(viewerGrays(loaded(xs, ct), c, w, invert)).toEqual(engine.map((y) => [y, y, y, 255]));
        }
      }
      const odd = [-2000, 2.5, 5000, 0];
      const lut = voiLut(40, 400, fn);
      expect(viewerGrays(loaded(odd, ct), 40, 400, false)).toEqual(odd.map((x) => [lut(x), lut(x), lut(x), 255]));
    });
  }
});
