// The view transform: the viewport's size, the view (window, zoom, pan, rotation, flips,
// invert) and the window preset shown. A new series starts fitted with the file's window;
// images of the same series keep the view, except the first preset's window, which is each image's own.
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import type { VoiWindow } from '../../../common/contract/library';
import type { LoadedFrame } from './image';
import { defaultWindow, nextImageWindow, rereadImageWindow } from './window';
import { drawnAspect } from '../../../common/roi';
import { clampZoom } from './tools/zoom';
import { carryView, fitZoom, resizeView, rotateClockwise, type Geometry, type ViewState } from './transform';

/** Commands that change only the view. */
export type ViewCommand = 'fit' | 'actual' | 'invert' | 'rotate' | 'flipH' | 'flipV' | 'reset' | 'zoomIn' | 'zoomOut' | 'panLeft' | 'panRight' | 'panUp' | 'panDown';

/** One key press of zoom (+ / −) multiplies or divides the zoom by this. */
const ZOOM_STEP = 1.25;
/** One key press of pan (Shift + arrow) moves the image this many CSS pixels. */
const PAN_STEP = 40;

/** The viewport's size in CSS pixels, followed as it changes. */
function useElementSize(ref: RefObject<HTMLElement | null>): { w: number; h: number } {
  const [size, setSize] = useState({ w: 0, h: 0 });
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    setSize({ w: el.clientWidth, h: el.clientHeight });
    return () => ro.disconnect();
  }, [ref]);
  return size;
}

function initialView(frame: LoadedFrame, g: Geometry, start?: VoiWindow): ViewState {
  const w = start ?? defaultWindow(frame.frame);
  return { center: w.center, width: w.width, zoom: fitZoom(g, 0), panX: 0, panY: 0, rotation: 0, flipH: false, flipV: false, invert: false };
}

export function useViewTransform(opts: { viewport: RefObject<HTMLElement | null>; seriesKey: string; frame: LoadedFrame | null; defaultPreset?: string }) {
  const { viewport, seriesKey, frame, defaultPreset } = opts;
  const size = useElementSize(viewport);
  const [view, setView] = useState<ViewState | null>(null);
  const [preset, setPreset] = useState('file');

  const geometry = useCallback((): Geometry | null => {
    if (!frame || size.w === 0 || size.h === 0) return null;
    // Non-square pixels drawn at their true shape: Pixel Spacing's, else the Pixel Aspect Ratio's (common/roi.ts drawnAspect).
    return { rows: frame.frame.rows, columns: frame.frame.columns, aspect: drawnAspect(frame.frame), viewWidth: size.w, viewHeight: size.h };
  }, [frame, size]);

  useEffect(() => {
    setView(null);
    setPreset('file');
  }, [seriesKey]);
  useEffect(() => {
    const g = geometry();
    if (!g || !frame || view) return;
    // A new series opens with the preset Settings name, when its frames offer it (CT presets for CT).
    const start = defaultPreset && defaultPreset !== 'file' ? frame.frame.windows.find((w) => w.id === defaultPreset) : undefined;
    setView(initialView(frame, g, start));
    if (start) setPreset(start.id);
  }, [geometry, frame, view, defaultPreset]);
  // The next image of the series: the first preset follows it (its own window), a window the
  // user chose carries (window.ts nextImageWindow); before it is painted. The image shown read
  // again (its file changed in place, and an import read it): the first preset anew (rereadImageWindow).
  const shownFrame = useRef<LoadedFrame | null>(null);
  useLayoutEffect(() => {
    if (!frame) return;
    const before = shownFrame.current;
    shownFrame.current = frame;
    const reread = before !== null && before !== frame && before.frame.sopInstanceUid === frame.frame.sopInstanceUid && before.frame.frame === frame.frame.frame;
    setView((v) => {
      if (!v) return v;
      const w = reread ? rereadImageWindow(before.frame, frame.frame, preset, v) : nextImageWindow(frame.frame, preset, v);
      return w.center === v.center && w.width === v.width ? v : { ...v, center: w.center, width: w.width };
    });
  }, [frame, preset]);
  // An image of another size in the same series keeps the zoom relative to its fit (before
  // it is painted), so a 3x3 image after 100x100 ones is not a dot. A viewport of another size
  // (the window resized, a panel hidden, the toolbar wrapped) keeps the zoom relative to the fit
  // and the image point at its centre: a fitted image stays fitted (transform.ts resizeView).
  const shownGeometry = useRef<Geometry | null>(null);
  useLayoutEffect(() => {
    if (!view) return void (shownGeometry.current = null);
    const g = geometry();
    if (!g) return;
    const last = shownGeometry.current;
    shownGeometry.current = g;
    if (!last) return;
    const sameImage = last.rows === g.rows && last.columns === g.columns && last.aspect === g.aspect;
    const sameViewport = last.viewWidth === g.viewWidth && last.viewHeight === g.viewHeight;
    if (sameImage && sameViewport) return;
    // The image first (in the viewport it was shown in), then the viewport.
    const carried = sameImage ? view : carryView(view, last, { ...g, viewWidth: last.viewWidth, viewHeight: last.viewHeight });
    setView(sameViewport ? carried : resizeView(carried, { ...g, viewWidth: last.viewWidth, viewHeight: last.viewHeight }, g));
  }, [geometry, view]);

  const windows: VoiWindow[] = frame?.frame.windows ?? [];
  const applyPreset = useCallback(
    (id: string) => {
      if (!frame) return;
      setPreset(id);
      const w = id === 'file' ? defaultWindow(frame.frame) : windows.find((p) => p.id === id);
      if (w) setView((v) => (v ? { ...v, center: w.center, width: w.width } : v));
    },
    [frame, windows],
  );

  const viewCommand = useCallback(
    (name: ViewCommand) => {
      const g = geometry();
      setView((v) => {
        if (!v || !g || !frame) return v;
        switch (name) {
          case 'fit':
            return { ...v, zoom: fitZoom(g, v.rotation), panX: 0, panY: 0 };
          case 'actual':
            return { ...v, zoom: 1 };
          case 'invert':
            return { ...v, invert: !v.invert };
          case 'rotate':
            return rotateClockwise(v);
          case 'flipH':
            return { ...v, flipH: !v.flipH };
          case 'flipV':
            return { ...v, flipV: !v.flipV };
          case 'reset':
            setPreset('file');
            return initialView(frame, g);
          // The keyboard's zoom and pan, for hands off the mouse (the mouse has the tools and the wheel).
          case 'zoomIn':
            return { ...v, zoom: clampZoom(v.zoom * ZOOM_STEP) };
          case 'zoomOut':
            return { ...v, zoom: clampZoom(v.zoom / ZOOM_STEP) };
          case 'panLeft':
            return { ...v, panX: v.panX - PAN_STEP };
          case 'panRight':
            return { ...v, panX: v.panX + PAN_STEP };
          case 'panUp':
            return { ...v, panY: v.panY - PAN_STEP };
          case 'panDown':
            return { ...v, panY: v.panY + PAN_STEP };
        }
      });
    },
    [geometry, frame],
  );

  return { size, view, setView, geometry, windows, preset, setPreset, applyPreset, viewCommand };
}
