import { useCallback, useEffect, useImperativeHandle, useLayoutEffect, useRef, useState, type Ref } from 'react';
import type { SeriesImage, StudySummary, SeriesSummary, VoiWindow } from '../../../common/contract/library';
import type { CamMap } from '../../../common/contract/models';
import { camImage, defaultWindow, minWindowWidth, windowInto, type Colormap, type LoadedFrame } from './image';
import { carryView, fitZoom, imageMatrix, orientationMarkers, rotateClockwise, toImage, toScreen, type Geometry, type ViewState } from './transform';
import { CornerText } from './CornerText';
import { drawLengths } from './drawMeasurements';
import { MeasurementList } from './MeasurementList';
import { pick } from './measurements';
import { useMeasurements } from './useMeasurements';

export type Tool = 'wl' | 'pan' | 'zoom' | 'length';

export interface Overlay {
  cam: CamMap | null;
  visible: boolean;
  opacity: number;
  colormap: Colormap;
  label: string | null;
}

export interface ViewerHandle {
  command(name: ViewerCommand): void;
}

export type ViewerCommand = 'fit' | 'actual' | 'invert' | 'rotate' | 'flipH' | 'flipV' | 'reset' | 'next' | 'prev' | 'first' | 'last' | 'cine' | 'deleteMeasurement';

/** A length being drawn, on the image it was started on ("sop/frame"). */
interface Draft {
  image: string;
  a: [number, number];
  b: [number, number];
}

/** The CT presets the toolbar offers (ids of electron/dicom's VOI_PRESETS), in reading-room order. */
export const PRESET_ORDER = ['ct-brain', 'ct-lung', 'ct-abdomen', 'ct-bone', 'ct-mediastinum'];

const TOOLS: { id: Tool; label: string; key: string; icon: string }[] = [
  { id: 'wl', label: 'Window/level', key: 'W', icon: '◐' },
  { id: 'pan', label: 'Pan', key: 'P', icon: '✥' },
  { id: 'zoom', label: 'Zoom', key: 'Z', icon: '⌕' },
  { id: 'length', label: 'Length (mm)', key: 'L', icon: '↔' },
];

export function Viewer(props: {
  study: StudySummary;
  series: SeriesSummary;
  images: SeriesImage[];
  index: number;
  onIndex: (i: number) => void;
  frame: LoadedFrame | null;
  frameError: string | null;
  overlay: Overlay;
  handle: Ref<ViewerHandle>;
  /** False while another panel (training labels) owns the digit keys. */
  presetKeys: boolean;
}) {
  // `frame` and `overlay.cam` are the shown image's or null (App drops another image's).
  const { study, series, images, index, onIndex, frame, overlay } = props;
  const shownImage = images[index] ? `${images[index].sopInstanceUid}/${images[index].frame}` : '';
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const imageCanvas = useRef<HTMLCanvasElement | null>(null);
  const camCanvas = useRef<HTMLCanvasElement | null>(null);
  const [size, setSize] = useState({ w: 0, h: 0 });
  const [view, setView] = useState<ViewState | null>(null);
  const [tool, setTool] = useState<Tool>('wl');
  const measurements = useMeasurements({ seriesInstanceUid: series.seriesInstanceUid, images, index, onIndex });
  const [draft, setDraft] = useState<Draft | null>(null);
  const [cine, setCine] = useState(false);
  const [fps, setFps] = useState(10);
  /** The image pixel under the pointer (column, row), for the value readout. */
  const [probe, setProbe] = useState<[number, number] | null>(null);
  const [preset, setPreset] = useState('file');
  const drag = useRef<{ x: number; y: number; button: number; start: ViewState; mode: Tool } | null>(null);

  const geometry = useCallback((): Geometry | null => {
    if (!frame || size.w === 0) return null;
    const ps = frame.frame.pixelSpacing;
    return { rows: frame.frame.rows, columns: frame.frame.columns, aspect: ps ? ps[0] / ps[1] : 1, viewWidth: size.w, viewHeight: size.h };
  }, [frame, size]);

  // Track the viewport's size.
  useEffect(() => {
    const el = wrapRef.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setSize({ w: el.clientWidth, h: el.clientHeight }));
    ro.observe(el);
    setSize({ w: el.clientWidth, h: el.clientHeight });
    return () => ro.disconnect();
  }, []);

  // A new series starts fitted with the file's window; slices of the same series keep the view.
  const seriesKey = series.seriesInstanceUid;
  useEffect(() => {
    setView(null);
    setCine(false);
    setPreset('file');
  }, [seriesKey]);
  useEffect(() => {
    const g = geometry();
    if (!g || !frame || view) return;
    const w = defaultWindow(frame.frame);
    setView({ center: w.center, width: w.width, zoom: fitZoom(g, 0), panX: 0, panY: 0, rotation: 0, flipH: false, flipV: false, invert: false });
  }, [geometry, frame, view]);
  // An image of another size in the same series keeps the zoom relative to its fit (before
  // it is painted), so a 3x3 image after 100x100 ones is not a dot.
  const shownGeometry = useRef<Geometry | null>(null);
  useLayoutEffect(() => {
    if (!view) return void (shownGeometry.current = null);
    const g = geometry();
    if (!g) return;
    const last = shownGeometry.current;
    shownGeometry.current = g;
    if (last && (last.rows !== g.rows || last.columns !== g.columns || last.aspect !== g.aspect)) setView(carryView(view, last, g));
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

  const command = useCallback(
    (name: ViewerCommand) => {
      const g = geometry();
      const n = images.length;
      switch (name) {
        case 'next':
          return onIndex(Math.min(n - 1, index + 1));
        case 'prev':
          return onIndex(Math.max(0, index - 1));
        case 'first':
          return onIndex(0);
        case 'last':
          return onIndex(n - 1);
        case 'cine':
          return setCine((c) => !c);
        case 'deleteMeasurement':
          return void measurements.removeSelected();
      }
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
          case 'reset': {
            const w = defaultWindow(frame.frame);
            setPreset('file');
            return { center: w.center, width: w.width, zoom: fitZoom(g, 0), panX: 0, panY: 0, rotation: 0, flipH: false, flipV: false, invert: false };
          }
        }
        return v;
      });
    },
    [geometry, images.length, index, onIndex, frame, measurements.removeSelected],
  );
  useImperativeHandle(props.handle, () => ({ command }), [command]);

  // Cine: step through the stack at `fps`, looping.
  const indexRef = useRef(index);
  indexRef.current = index;
  useEffect(() => {
    if (!cine || images.length < 2) return;
    const t = setInterval(() => onIndex((indexRef.current + 1) % images.length), 1000 / Math.max(1, fps));
    return () => clearInterval(t);
  }, [cine, fps, images.length, onIndex]);

  // Keyboard: tools and presets here; the workspace handles the rest.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const k = e.key;
      const toolKey = TOOLS.find((x) => x.key.toLowerCase() === k.toLowerCase());
      if (toolKey) return void (e.preventDefault(), setTool(toolKey.id));
      if (props.presetKeys && /^[1-6]$/.test(k)) {
        const id = k === '1' ? 'file' : PRESET_ORDER[Number(k) - 2];
        if (id === 'file' || windows.some((w) => w.id === id)) {
          e.preventDefault();
          applyPreset(id);
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [windows, applyPreset, props.presetKeys]);

  // Windowed image, redrawn into its own canvas only when the pixels or the window change.
  const drawnKey = useRef('');
  /** Whose pixels the image canvas holds ("series/sop/frame"). */
  const drawnImage = useRef('');
  useEffect(() => {
    if (!frame || !view) return;
    const key = `${seriesKey}/${frame.frame.sopInstanceUid}/${frame.frame.frame}/${view.center}/${view.width}/${view.invert}`;
    if (drawnKey.current === key) return;
    drawnKey.current = key;
    drawnImage.current = `${seriesKey}/${frame.frame.sopInstanceUid}/${frame.frame.frame}`;
    const { rows, columns } = frame.frame;
    const c = (imageCanvas.current ??= document.createElement('canvas'));
    c.width = columns;
    c.height = rows;
    const ctx = c.getContext('2d')!;
    const img = ctx.createImageData(columns, rows);
    windowInto(img, frame, view.center, view.width, view.invert);
    ctx.putImageData(img, 0, 0);
  }, [frame, view, seriesKey]);

  // The heatmap's own small canvas (its grid), stretched over the image when drawn.
  const camKey = useRef('');
  useEffect(() => {
    const cam = overlay.cam;
    if (!cam) return void (camKey.current = '');
    const key = `${cam.values.length}/${cam.values.slice(0, 64)}/${cam.classIndex}/${cam.reference}/${overlay.colormap}/${overlay.opacity}`;
    if (camKey.current === key) return;
    camKey.current = key;
    const c = (camCanvas.current ??= document.createElement('canvas'));
    c.width = cam.columns;
    c.height = cam.rows;
    c.getContext('2d')!.putImageData(camImage(cam, overlay.colormap, overlay.opacity), 0, 0);
  }, [overlay.cam, overlay.colormap, overlay.opacity]);

  // Draw everything with one transform. The viewport is cleared first whatever follows: an
  // image that is loading or failed shows no pixels, never the previous image's.
  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(size.w * dpr);
    canvas.height = Math.round(size.h * dpr);
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    const g = geometry();
    if (!g || !view || !frame || !imageCanvas.current || drawnImage.current !== `${seriesKey}/${shownImage}`) return;
    const [a, b, c, d, e, f] = imageMatrix(view, g);
    ctx.setTransform(a * dpr, b * dpr, c * dpr, d * dpr, e * dpr, f * dpr);
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'high';
    ctx.drawImage(imageCanvas.current, 0, 0);
    if (overlay.visible && overlay.cam && camCanvas.current) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(camCanvas.current, 0, 0, g.columns, g.rows);
    }
    // Measurements in screen space (constant line width), from image coordinates.
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const lengths = measurements.here.map((m) => ({ points: m.points, selected: m.id === measurements.selected }));
    if (draft && draft.image === shownImage) lengths.push({ points: [draft.a, draft.b], selected: false });
    drawLengths(ctx, lengths, (x, y) => toScreen(view, g, x, y), frame.frame.pixelSpacing, size);
  }, [geometry, size, view, frame, overlay, measurements.here, measurements.selected, draft, seriesKey, shownImage]);

  // Mouse: left drag = the active tool, middle = pan, right = zoom; wheel scrolls the stack.
  const onPointerDown = (e: React.PointerEvent) => {
    if (!view) return;
    (e.target as HTMLElement).setPointerCapture(e.pointerId);
    const mode: Tool = e.button === 1 ? 'pan' : e.button === 2 ? 'zoom' : tool;
    const g = geometry();
    // A left click on a length picks it, whatever the tool; elsewhere it lets go of the pick.
    if (e.button === 0 && g) {
      const r = canvasRef.current!.getBoundingClientRect();
      const hit = pick(measurements.here, (x, y) => toScreen(view, g, x, y), [e.clientX - r.left, e.clientY - r.top]);
      measurements.select(hit);
      if (hit) return;
    }
    drag.current = { x: e.clientX, y: e.clientY, button: e.button, start: view, mode };
    if (mode === 'length' && g) {
      const r = canvasRef.current!.getBoundingClientRect();
      const p = toImage(view, g, e.clientX - r.left, e.clientY - r.top);
      setDraft({ image: shownImage, a: p, b: p });
    }
  };
  const onPointerMove = (e: React.PointerEvent) => {
    const d = drag.current;
    const g = geometry();
    if (g && view && canvasRef.current) {
      const r = canvasRef.current.getBoundingClientRect();
      const [x, y] = toImage(view, g, e.clientX - r.left, e.clientY - r.top).map(Math.floor);
      setProbe((p) => (p && p[0] === x && p[1] === y ? p : [x, y]));
    }
    if (!d || !g) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (d.mode === 'wl') {
      setPreset('custom');
      setView({ ...d.start, width: Math.max(frame ? minWindowWidth(frame.frame) : 1, d.start.width * Math.exp(dx / 200)), center: d.start.center + dy * (d.start.width / 256) });
    } else if (d.mode === 'pan') {
      setView({ ...d.start, panX: d.start.panX + dx, panY: d.start.panY + dy });
    } else if (d.mode === 'zoom') {
      setView({ ...d.start, zoom: Math.min(40, Math.max(0.05, d.start.zoom * Math.exp(-dy / 150))) });
    } else if (d.mode === 'length' && view) {
      const r = canvasRef.current!.getBoundingClientRect();
      const p = toImage(view, g, e.clientX - r.left, e.clientY - r.top);
      setDraft((m) => (m ? { ...m, b: p } : m));
    }
  };
  const onPointerUp = () => {
    if (drag.current?.mode === 'length' && draft && draft.image === shownImage && Math.hypot(draft.b[0] - draft.a[0], draft.b[1] - draft.a[1]) > 1) measurements.add([draft.a, draft.b]);
    setDraft(null);
    drag.current = null;
  };
  const onWheel = (e: React.WheelEvent) => {
    if (e.ctrlKey) {
      setView((v) => (v ? { ...v, zoom: Math.min(40, Math.max(0.05, v.zoom * Math.exp(-e.deltaY / 500))) } : v));
      return;
    }
    onIndex(Math.min(images.length - 1, Math.max(0, index + Math.sign(e.deltaY))));
  };

  const f = frame?.frame;
  const g = geometry();
  const markers = view && g && f?.orientation ? orientationMarkers(view, g, f.orientation) : null;
  return (
    <section className="viewer" aria-label="Image viewer">
      <div className="viewer-toolbar" role="toolbar" aria-label="Viewer tools">
        {TOOLS.map((t) => (
          <button key={t.id} className={`tool${tool === t.id ? ' active' : ''}`} aria-pressed={tool === t.id} aria-label={t.label} title={`${t.label} (${t.key})`} onClick={() => setTool(t.id)}>
            <span aria-hidden="true">{t.icon}</span>
          </button>
        ))}
        <span className="sep" />
        <label className="tool-select">
          <span className="visually-hidden">Window preset</span>
          <select aria-label="Window preset" value={preset} onChange={(e) => applyPreset(e.target.value)} data-testid="preset">
            <option value="file">File window{props.presetKeys ? ' (1)' : ''}</option>
            {PRESET_ORDER.filter((id) => windows.some((w) => w.id === id)).map((id) => (
              <option key={id} value={id}>
                {windows.find((w) => w.id === id)!.name}{props.presetKeys ? ` (${PRESET_ORDER.indexOf(id) + 2})` : ''}
              </option>
            ))}
            {windows
              .filter((w) => !PRESET_ORDER.includes(w.id) && !w.id.startsWith('file-'))
              .map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name}
                </option>
              ))}
            {preset === 'custom' && <option value="custom">Custom</option>}
          </select>
        </label>
        <span className="sep" />
        <button className="tool" aria-label="Fit to window" title="Fit (F)" onClick={() => command('fit')}>⤢</button>
        <button className="tool" aria-label="Actual size 1:1" title="1:1 (A)" onClick={() => command('actual')}>1:1</button>
        <button className={`tool${view?.invert ? ' active' : ''}`} aria-pressed={!!view?.invert} aria-label="Invert" title="Invert (I)" onClick={() => command('invert')}>◑</button>
        <button className="tool" aria-label="Rotate 90° clockwise" title="Rotate (R)" onClick={() => command('rotate')}>↻</button>
        <button className={`tool${view?.flipH ? ' active' : ''}`} aria-pressed={!!view?.flipH} aria-label="Flip horizontally" title="Flip horizontal (X)" onClick={() => command('flipH')}>⇋</button>
        <button className={`tool${view?.flipV ? ' active' : ''}`} aria-pressed={!!view?.flipV} aria-label="Flip vertically" title="Flip vertical (Y)" onClick={() => command('flipV')}>⇵</button>
        <button className="tool" aria-label="Reset view" title="Reset (Shift+R)" onClick={() => command('reset')}>⟲</button>
        <span className="sep" />
        <button className={`tool${cine ? ' active' : ''}`} aria-pressed={cine} aria-label={cine ? 'Stop cine' : 'Play cine'} title="Cine (Space)" onClick={() => command('cine')}>
          {cine ? '■' : '▶'}
        </button>
        <label className="fps">
          <input type="number" min={1} max={60} value={fps} aria-label="Cine frames per second" onChange={(e) => setFps(Math.min(60, Math.max(1, Number(e.target.value) || 1)))} />
          fps
        </label>
      </div>
      <div
        className={`viewport tool-${tool}`}
        ref={wrapRef}
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerLeave={() => setProbe(null)}
        onWheel={onWheel}
        onContextMenu={(e) => e.preventDefault()}
      >
        <canvas ref={canvasRef} data-testid="viewport" aria-label={`Image ${index + 1} of ${images.length}`} role="img" style={{ width: size.w, height: size.h }} />
        {props.frameError && <div className="viewport-error" role="alert">{props.frameError}</div>}
        <CornerText study={study} series={series} frame={frame} view={view} index={index} count={images.length} probe={probe} heatmapLabel={overlay.visible && overlay.cam ? (overlay.label ?? '') : null}>
          <MeasurementList
            items={measurements.here}
            selected={measurements.selected}
            pixelSpacing={frame?.frame.pixelSpacing ?? null}
            onSelect={measurements.select}
            onDelete={measurements.remove}
            error={measurements.error}
            onDismissError={measurements.dismissError}
          />
        </CornerText>
        {markers && (
          <>
            <div className="orient top" data-testid="orient-top">{markers.top}</div>
            <div className="orient bottom">{markers.bottom}</div>
            <div className="orient left" data-testid="orient-left">{markers.left}</div>
            <div className="orient right">{markers.right}</div>
          </>
        )}
        {images.length > 1 && (
          <input
            className="stack-slider"
            type="range"
            min={1}
            max={images.length}
            value={index + 1}
            aria-label="Image in series"
            onChange={(e) => onIndex(Number(e.target.value) - 1)}
          />
        )}
      </div>
    </section>
  );
}
