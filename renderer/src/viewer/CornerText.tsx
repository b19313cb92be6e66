// The text in the viewport's corners, as reading-room software shows it: patient and study
// (top left), series (top right), image, position, size and the value under the pointer
// (bottom left), window and view (bottom right). Every value in the unit the file gives.
import type { ReactNode } from 'react';
import type { SeriesSummary, StudySummary } from '../../../common/contract/library';
import { formatDate, formatMm, joinParts, personName } from '../workspace/format';
import { joinIsolated } from '../workspace/isolated';
import { lossyText, scaleText, valueUnderPointer, windowMiss, windowText } from './cornerReadings';
import type { LoadedFrame } from './image';
import type { ViewState } from './transform';
import { windowName } from './window';
import './corner-text.css';

export function CornerText(props: {
  study: StudySummary;
  series: SeriesSummary;
  frame: LoadedFrame | null;
  view: ViewState | null;
  index: number;
  count: number;
  /** The image pixel under the pointer (column, row), or null. */
  probe: [number, number] | null;
  heatmapLabel: string | null;
  /** The window preset in force ("file", a preset's id, "custom"), named in the corner. */
  preset: string;
  /** More lines for the bottom left (the measurements). */
  children?: ReactNode;
}) {
  const { study, series, frame, view, probe } = props;
  const f = frame?.frame;
  const value = frame && probe ? valueUnderPointer(frame, probe[0], probe[1]) : null;
  // A window means little for colour: the W/L tool leaves colour images as they are (tools/windowLevel.ts).
  const gray = view && frame && frame.frame.samplesPerPixel === 1 ? { frame, view } : null;
  const miss = gray ? windowMiss(gray.frame, gray.view, props.preset) : null;
  const lossy = f ? lossyText(f) : null;
  return (
    <>
      <div className="corner tl">
        {/* The file's text, each value isolated: a bidirectional override in a name cannot reorder the rest. */}
        {/* The name the displayed image's file gives: its series' own where that differs from the study's patient's. */}
        <div className={`strong${series.patientName ? ' identity-warning' : ''}`} data-testid="corner-patient"><bdi>{personName(series.patientName ?? study.patientName)}</bdi></div>
        {/* Its Patient ID likewise: a study an older Lumen filed by its UID alone may hold two. */}
        <div className={series.patientId ? 'identity-warning' : undefined} data-testid="corner-patient-id"><bdi>{series.patientId ?? study.patientId ?? ''}</bdi></div>
        <div>{formatDate(study.studyDate)}</div>
        <div><bdi>{study.studyDescription ?? ''}</bdi></div>
      </div>
      <div className="corner tr">
        <div className="strong">{joinIsolated(series.modality, series.seriesNumber != null && `Se ${series.seriesNumber}`)}</div>
        <div><bdi>{series.seriesDescription ?? ''}</bdi></div>
        {/* Values read off a lossy image differ from the original's: said where the series is named. */}
        {lossy && (
          <div className="lossy-mark" data-testid="corner-lossy" title={f?.lossy?.maybe ? "This image's file does not say whether it was compressed with loss, and its codestream cannot tell: its values may differ from the original's." : "This image was compressed with loss: its values differ from the original's."}>
            {lossy}
          </div>
        )}
        {props.heatmapLabel !== null && <div className="heat-label">Heatmap: {props.heatmapLabel}</div>}
      </div>
      <div className="corner bl">
        <div data-testid="image-index">Im {props.index + 1}/{props.count}</div>
        {f?.sliceLocation != null && <div>Loc {f.sliceLocation.toFixed(1)} mm</div>}
        {f?.sliceThickness != null && <div>Thk {formatMm(f.sliceThickness)} mm</div>}
        {f && <div data-testid="corner-size">{joinParts(`${f.columns}×${f.rows}`, scaleText(f))}</div>}
        {probe && value !== null && (
          <div data-testid="corner-value">
            Value {value} at ({probe[0]}, {probe[1]})
          </div>
        )}
        {props.children}
      </div>
      <div className="corner br">
        {gray && <div data-testid="corner-window-name">{windowName(gray.frame.frame.windows, props.preset)}</div>}
        {gray && <div data-testid="corner-wl">{windowText(gray.frame, gray.view)}</div>}
        {miss && (
          // Wrapped in a narrow column: the corner beside it keeps its room.
          <div className="window-miss" data-testid="corner-window-miss" role="status" style={{ maxWidth: '24em', marginLeft: 'auto' }}>
            {miss}
          </div>
        )}
        {view && <div data-testid="corner-zoom">{joinParts(`Zoom ${Math.round(view.zoom * 100)}%`, view.rotation ? `${view.rotation * 90}°` : null, view.flipH && 'flip H', view.flipV && 'flip V', view.invert && 'inverted')}</div>}
      </div>
    </>
  );
}
