// Paints the viewport: the image layers with one transform, then the measurements in screen
// space. The viewport is cleared first whatever follows: an image that is loading or failed
// shows no pixels, never the previous image's.
import { useEffect, type RefObject } from 'react';
import type { Measurement } from '../../../common/contract/measurements';
import type { LoadedFrame } from './image';
import { reserveLabels, type LabelBox } from './labelPlacement';
import { measurementTool, type Draft } from './tools';
import type { DrawnMeasurement } from './tools/tool';
import { imageMatrix, toScreen, type Geometry, type ViewState } from './transform';
import type { ImageLayers, Overlay } from './useImageLayers';

export function usePaint(opts: {
  canvas: RefObject<HTMLCanvasElement | null>;
  layers: RefObject<ImageLayers>;
  size: { w: number; h: number };
  geometry: () => Geometry | null;
  view: ViewState | null;
  frame: LoadedFrame | null;
  /** "series/sop/frame" of the image shown. */
  shown: string;
  overlay: Overlay;
  measurements: readonly Measurement[];
  selected: string | null;
  draft: Draft | null;
  /** "sop/frame" of the image shown, as drafts name it. */
  shownImage: string;
}) {
  const { canvas: canvasRef, layers, size, geometry, view, frame, shown, overlay, measurements, selected, draft, shownImage } = opts;
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const dpr = window.devicePixelRatio || 1;
    // Sized only when the size changes: setting it reallocates the canvas's pixels, once per
    // slice while paging otherwise (everything is painted over below anyway).
    const w = Math.round(size.w * dpr);
    const h = Math.round(size.h * dpr);
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const g = geometry();
    const { image, imageOf, cam } = layers.current;
    // What the canvas holds, for tests and `lumen bench viewer`: "series/sop/frame" once its pixels are drawn, else "".
    canvas.dataset.painted = '';
    if (!g || !view || !frame || !image || imageOf !== shown) return;
    const [a, b, c, d, e, f] = imageMatrix(view, g);
    ctx.setTransform(a * dpr, b * dpr, c * dpr, d * dpr, e * dpr, f * dpr);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(image, 0, 0);
    if (overlay.visible && overlay.cam && cam) ctx.drawImage(cam, 0, 0, g.columns, g.rows);
    // Measurements in screen space (constant line width), from image coordinates, each
    // kind drawn by its tool.
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const byKind = new Map<string, DrawnMeasurement[]>();
    const put = (kind: string, m: DrawnMeasurement) => byKind.set(kind, [...(byKind.get(kind) ?? []), m]);
    for (const m of measurements) put(m.kind, { points: m.points, selected: m.id === selected });
    if (draft && draft.image === shownImage) put(draft.kind, { points: draft.points, selected: false });
    // The readings keep clear of each other (labelPlacement.ts), placed in drawing order, except
    // the selected measurement's: placed first, in a pass that draws nothing (fully transparent),
    // and reserved, so it stays at its anchor and the others move away from it.
    const labels: LabelBox[] = [];
    const screen = (x: number, y: number) => toScreen(view, g, x, y);
    // Every line this paint draws, before any reading is placed: a reading keeps off them where it can.
    const marks = [...byKind].flatMap(([kind, items]) => items.flatMap((m) => (m.points.length ? (measurementTool(kind)?.marks(m.points, screen) ?? []) : [])));
    const dc = { ctx, toScreen: screen, frame, size, labels, marks };
    const chosen = measurements.find((m) => m.id === selected);
    if (chosen) {
      ctx.save();
      ctx.globalAlpha = 0;
      measurementTool(chosen.kind)?.draw([{ points: chosen.points, selected: true }], dc);
      ctx.restore();
      reserveLabels(labels);
    }
    for (const [kind, items] of byKind) measurementTool(kind)?.draw(items, dc);
    canvas.dataset.painted = shown;
  }, [canvasRef, layers, geometry, size, view, frame, shown, overlay, measurements, selected, draft, shownImage]);
}
