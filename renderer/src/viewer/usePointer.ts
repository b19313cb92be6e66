// Pointer handling in the viewport: left drag = the active tool, middle = pan, right = zoom;
// a left click on a measurement picks it, whatever the tool; the wheel scrolls the stack
// (Ctrl+wheel zooms); the pixel under the pointer is followed for the value readout.
import { useRef, useState, type RefObject } from 'react';
import type { Measurement } from '../../../common/contract/measurements';
import type { LoadedFrame } from './image';
import { pick, type Point } from './measurements';
import { panTool, zoomTool, type Draft, type Drag, type ToolContext, type ViewerTool } from './tools';
import { clampZoom } from './tools/zoom';
import { toImage, toScreen, type Geometry, type ViewState } from './transform';
import { newWheelState, wheelSteps } from './wheel';

export function usePointer(opts: {
  canvas: RefObject<HTMLCanvasElement | null>;
  tool: ViewerTool;
  geometry: () => Geometry | null;
  view: ViewState | null;
  setView: (update: ViewState | ((v: ViewState | null) => ViewState | null)) => void;
  setPreset: (id: string) => void;
  frame: LoadedFrame | null;
  /** "sop/frame" of the image shown. */
  shownImage: string;
  measurements: { here: readonly Measurement[]; select(id: string | null): void; add(kind: Measurement['kind'], points: Point[]): void };
  count: number;
  /** Sets the image shown; a function gets the index as the last update left it (not the last render's). */
  onIndex: (update: (i: number) => number) => void;
}) {
  const { canvas, geometry, view, frame, shownImage, measurements } = opts;
  /** The drag under way; `geometry` is the viewport and image its start view belongs to, `client` where the pointer was last (page CSS pixels). */
  const drag = useRef<{ tool: ViewerTool; startView: ViewState; startScreen: Point; startImage: Point; geometry: Geometry; client: Point } | null>(null);
  const [draft, setDraftState] = useState<Draft | null>(null);
  // The draft as the last pointer event left it. A pointer up can come before React has drawn the
  // moves before it (a busy machine, a fast drag): the tool must finish what was drawn, not the draft
  // of the last render, or the end of the drag is lost (or the whole measurement, when that render
  // still had the drag's first point only).
  const draftNow = useRef<Draft | null>(null);
  const setDraft = (update: (d: Draft | null) => Draft | null) => {
    draftNow.current = update(draftNow.current);
    setDraftState(draftNow.current);
  };
  /** The wheel gesture's travel so far (wheel.ts). */
  const wheel = useRef(newWheelState());
  /** The image pixel under the pointer (column, row), for the value readout. */
  const [probe, setProbe] = useState<[number, number] | null>(null);

  const at = (e: { clientX: number; clientY: number }): Point => {
    const r = canvas.current!.getBoundingClientRect();
    return [e.clientX - r.left, e.clientY - r.top];
  };
  const context = (g: Geometry, f: LoadedFrame): ToolContext => ({
    geometry: g,
    frame: f,
    shownImage,
    setView: opts.setView,
    setPreset: opts.setPreset,
    setDraft,
    addMeasurement: measurements.add,
  });
  const dragAt = (e: React.PointerEvent, g: Geometry): Drag | null => {
    const d = drag.current;
    if (!d) return null;
    const screen = at(e);
    // The viewport was resized during the drag (the window, a panel, the toolbar) and the view
    // with it (useViewTransform.ts keeps it relative to the fit): a view tool goes on from the
    // view as it is now, from where the pointer last was (in the canvas as it is now, so the
    // travel since counts and a canvas that moved does not), not from the view it started with,
    // which belonged to the old viewport (the zoom or pan snapped back). A measurement's points
    // are image coordinates: a resize leaves them be.
    const sameGeometry = (a: Geometry) => a.viewWidth === g.viewWidth && a.viewHeight === g.viewHeight && a.rows === g.rows && a.columns === g.columns && a.aspect === g.aspect;
    if (view && !d.tool.end && !sameGeometry(d.geometry)) Object.assign(d, { startView: view, startScreen: at({ clientX: d.client[0], clientY: d.client[1] }), geometry: g });
    d.client = [e.clientX, e.clientY];
    return { startView: d.startView, startScreen: d.startScreen, startImage: d.startImage, screen, image: toImage(view ?? d.startView, g, ...screen) };
  };

  const onPointerDown = (e: React.PointerEvent) => {
    if (!view) return;
    (e.target as HTMLElement).setPointerCapture(e.pointerId);
    const tool = e.button === 1 ? panTool : e.button === 2 ? zoomTool : opts.tool;
    const g = geometry();
    if (!g || !frame) return;
    const screen = at(e);
    if (e.button === 0) {
      const hit = pick(measurements.here, (x, y) => toScreen(view, g, x, y), screen);
      measurements.select(hit);
      if (hit) return;
    }
    const image = toImage(view, g, ...screen);
    drag.current = { tool, startView: view, startScreen: screen, startImage: image, geometry: g, client: [e.clientX, e.clientY] };
    tool.start?.({ startView: view, startScreen: screen, startImage: image, screen, image }, context(g, frame));
  };
  const onPointerMove = (e: React.PointerEvent) => {
    const g = geometry();
    if (g && view && canvas.current) {
      const [x, y] = toImage(view, g, ...at(e)).map(Math.floor);
      setProbe((p) => (p && p[0] === x && p[1] === y ? p : [x, y]));
    }
    const d = g && dragAt(e, g);
    if (d && g && frame) drag.current!.tool.move(d, context(g, frame));
  };
  const onPointerUp = (e: React.PointerEvent) => {
    const g = geometry();
    const d = g && dragAt(e, g);
    const tool = drag.current?.tool;
    if (d && g && frame && tool?.end) {
      // Where the pointer was let go is the measurement's end, whether or not a move came there
      // first. (View tools have no end: a click with them changes nothing.)
      tool.move(d, context(g, frame));
      tool.end(d, context(g, frame), draftNow.current);
    }
    setDraft((current) => (tool?.keepDraft?.(current) ? current : null));
    drag.current = null;
  };
  const onWheel = (e: React.WheelEvent) => {
    if (e.ctrlKey) return opts.setView((v) => (v ? { ...v, zoom: clampZoom(v.zoom * Math.exp(-e.deltaY / 500)) } : v));
    // Every notch counts: events that come before React draws the last one each step from the
    // index the one before them set, not from the image of the last render (finding F9).
    const steps = wheelSteps(wheel.current, e);
    const last = opts.count - 1;
    if (steps) opts.onIndex((i) => Math.min(last, Math.max(0, i + steps)));
  };

  return {
    draft,
    probe,
    handlers: { onPointerDown, onPointerMove, onPointerUp, onPointerLeave: () => setProbe(null), onWheel, onContextMenu: (e: React.MouseEvent) => e.preventDefault() },
  };
}
