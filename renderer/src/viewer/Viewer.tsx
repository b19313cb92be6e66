// The image viewer: a toolbar over one viewport. The viewport's parts are hooks (view
// transform, image layers, painting, pointer, cine); each tool is a file in tools/.
import { useCallback, useId, useImperativeHandle, useRef, useState, type Ref } from 'react';
import type { SeriesImage, SliceGap, StudySummary, SeriesSummary } from '../../../common/contract/library';
import type { ImageScores } from '../../../common/contract/models';
import { CornerText } from './CornerText';
import { DomainWarning } from './DomainWarning';
import { nextMarked } from './frameLabels';
import type { LoadedFrame } from './image';
import { MeasurementList } from './MeasurementList';
import { nextGapIndex, SliceGapMarks, SliceGapNote, sliceGapsSummary, SLICE_GAP_HELP } from './SliceGapNote';
import { Toolbar, useToolKeys } from './Toolbar';
import { toolById, type ToolId } from './tools';
import { orientationMarkers } from './transform';
import { useCine } from './useCine';
import { useFrameLabels } from './useFrameLabels';
import './stack-marks.css';
import { useImageLayers, type Overlay } from './useImageLayers';
import { useMeasurements } from './useMeasurements';
import { usePaint } from './usePaint';
import { usePointer } from './usePointer';
import { useViewTransform, type ViewCommand } from './useViewTransform';

export type { Overlay } from './useImageLayers';
export type { ToolId as Tool } from './tools';

export interface ViewerHandle {
  command(name: ViewerCommand): void;
  /** Deletes the measurement selected on the image shown; false when none is selected. */
  deleteSelectedMeasurement(): boolean;
}

/**
 * nextLabelled / prevLabelled: the next or previous image with a label of its own (frameLabels.ts), going round.
 * nextGap / prevGap: the image before the next or previous place where slices are missing (SliceGapNote.tsx), going round.
 */
/** A series without gaps' list, one for every render (the commands' callback depends on it). */
const NO_GAPS: readonly SliceGap[] = [];

export type ViewerCommand = ViewCommand | 'next' | 'prev' | 'first' | 'last' | 'cine' | 'deleteMeasurement' | 'nextLabelled' | 'prevLabelled' | 'nextGap' | 'prevGap';

export function Viewer(props: {
  study: StudySummary;
  series: SeriesSummary;
  images: SeriesImage[];
  /** Where slices are missing from the series (library.series' gaps): a note and marks on the slider. */
  gaps?: SliceGap[];
  index: number;
  /** Sets the image shown: an index, or a function of the index as the last update left it. */
  onIndex: (i: number | ((current: number) => number)) => void;
  frame: LoadedFrame | null;
  frameError: string | null;
  overlay: Overlay;
  handle: Ref<ViewerHandle>;
  /** False while another panel (training labels) owns the digit keys. */
  presetKeys: boolean;
  /** The preset a series opens with when its frames offer it (Settings: CT series open with …); else the file's window. */
  defaultPreset?: string;
  /** The shown image's prediction's verdict on the model's training data (App drops another image's). */
  domain?: ImageScores['domain'];
}) {
  // `frame` and `overlay.cam` are the shown image's or null (App drops another image's).
  const { study, series, images, index, onIndex, frame, overlay } = props;
  const seriesKey = series.seriesInstanceUid;
  const shownImage = images[index] ? `${images[index].sopInstanceUid}/${images[index].frame}` : '';
  const wrapRef = useRef<HTMLDivElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [tool, setTool] = useState<ToolId>('wl');
  const measurements = useMeasurements({ seriesInstanceUid: seriesKey, images, index, onIndex });
  const { size, view, setView, geometry, windows, preset, setPreset, applyPreset, viewCommand } = useViewTransform({ viewport: wrapRef, seriesKey, frame, defaultPreset: props.defaultPreset });
  const { cine, setCine, fps, setFps } = useCine({ seriesKey, index, count: images.length, onIndex });
  // Marks on the stack slider at the images with a label of their own, coloured by class.
  const labelled = useFrameLabels(images);
  const marksTextId = useId();
  const gaps = props.gaps ?? NO_GAPS;
  const gapText = gaps.length ? `${sliceGapsSummary(gaps)}. ${SLICE_GAP_HELP}` : '';
  const sliderText = [labelled.marks.length ? labelled.text : '', gapText].filter(Boolean).join('\n');

  const command = useCallback(
    (name: ViewerCommand) => {
      const n = images.length;
      switch (name) {
        case 'next':
          return onIndex((i) => Math.min(n - 1, i + 1));
        case 'prev':
          return onIndex((i) => Math.max(0, i - 1));
        case 'first':
          return onIndex(0);
        case 'last':
          return onIndex(n - 1);
        case 'cine':
          return setCine((c) => !c);
        case 'deleteMeasurement':
          return void measurements.removeSelected();
        case 'nextLabelled':
        case 'prevLabelled':
          return onIndex((i) => nextMarked(labelled.marks, i, name === 'nextLabelled' ? 1 : -1) ?? i);
        case 'nextGap':
        case 'prevGap':
          return onIndex((i) => nextGapIndex(gaps, i, name === 'nextGap' ? 1 : -1) ?? i);
        default:
          return viewCommand(name);
      }
    },
    [images.length, onIndex, setCine, measurements.removeSelected, viewCommand, labelled.marks, gaps],
  );
  useImperativeHandle(props.handle, () => ({ command, deleteSelectedMeasurement: measurements.removeSelected }), [command, measurements.removeSelected]);
  // A colour frame is shown as stored: no preset menu, no digit keys (tools/windowLevel.ts).
  const colour = !!frame && frame.frame.samplesPerPixel !== 1;
  useToolKeys({ onTool: setTool, windows, onPreset: applyPreset, presetKeys: props.presetKeys, colour });

  const pointer = usePointer({ canvas: canvasRef, tool: toolById(tool), geometry, view, setView, setPreset, frame, shownImage, measurements, count: images.length, onIndex });
  // The layers are drawn before they are painted: effects run in this order.
  const layers = useImageLayers({ seriesKey, frame, view, overlay, preset });
  usePaint({ canvas: canvasRef, layers, size, geometry, view, frame, shown: `${seriesKey}/${shownImage}`, overlay, measurements: measurements.here, selected: measurements.selected, draft: pointer.draft, shownImage });

  const f = frame?.frame;
  const g = geometry();
  const markers = view && g && f?.orientation ? orientationMarkers(view, g, f.orientation) : null;
  return (
    <section className="viewer" aria-label="Image viewer">
      <Toolbar tool={tool} onTool={setTool} windows={windows} preset={preset} onPreset={applyPreset} presetKeys={props.presetKeys} colour={colour} view={view} onCommand={command} cine={cine} fps={fps} onFps={setFps} count={images.length} />
      <div className={`viewport tool-${tool}`} ref={wrapRef} {...pointer.handlers}>
        {/* Busy until the image shown is loaded and placed: a drag before then draws nothing. */}
        <canvas ref={canvasRef} data-testid="viewport" aria-label={`Image ${index + 1} of ${images.length}`} aria-busy={!frame || !view} role="img" style={{ width: size.w, height: size.h }} />
        {props.frameError && <div className="viewport-error" role="alert">{props.frameError}</div>}
        <CornerText study={study} series={series} frame={frame} view={view} index={index} count={images.length} probe={pointer.probe} heatmapLabel={!overlay.visible ? null : overlay.cam ? (overlay.label ?? '') : (overlay.note ?? null)} preset={preset}>
          <MeasurementList
            items={measurements.here}
            selected={measurements.selected}
            frame={frame}
            onSelect={measurements.select}
            onDelete={measurements.remove}
            deleted={measurements.lastDeleted}
            onUndo={measurements.undo}
            error={measurements.error}
            onDismissError={measurements.dismissError}
          />
        </CornerText>
        <DomainWarning domain={props.domain} />
        <SliceGapNote gaps={gaps} />
        {markers && (
          <>
            <div className="orient top" data-testid="orient-top">{markers.top}</div>
            <div className="orient bottom">{markers.bottom}</div>
            <div className="orient left" data-testid="orient-left">{markers.left}</div>
            <div className="orient right">{markers.right}</div>
          </>
        )}
        {images.length > 1 && (
          <>
            <input
              className="stack-slider"
              type="range"
              min={1}
              max={images.length}
              value={index + 1}
              aria-label="Image in series"
              aria-describedby={marksTextId}
              title={sliderText || undefined}
              onChange={(e) => onIndex(Number(e.target.value) - 1)}
            />
            {/* Where the thumb's centre is at each image: the track less half a thumb at each end. */}
            <div className="stack-marks" aria-hidden="true" data-testid="stack-marks">
              {labelled.marks.map((m) => (
                <span key={m.index} className="stack-mark" data-index={m.index} data-class={m.className} style={{ top: `calc(var(--thumb) / 2 + (100% - var(--thumb)) * ${m.index / (images.length - 1)})`, background: m.colour }} />
              ))}
            </div>
            <SliceGapMarks gaps={gaps} count={images.length} />
            <span id={marksTextId} className="visually-hidden" data-testid="stack-marks-text">{[labelled.text, gapText].filter(Boolean).join(' ')}</span>
          </>
        )}
      </div>
    </section>
  );
}
