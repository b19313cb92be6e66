// Plain exports: predictions, labels and measurements as rows of a table, written as CSV
// (RFC 4180, safe to open in a spreadsheet) or JSON. Every row names its study, series and
// image by UID; prediction rows name the model package by its content hash. No patient
// names or IDs: UIDs tie a row to the images for whoever has them.
import { csvCell, type Cell } from '../../common/csv';
import { calibrationAt, calibrationNote, measureValue, type Calibration } from '../../common/roi';
import type { ResultsStore, Scope, StoredMeasurement } from './store';

export { csvCell };

export const TABLE_KINDS = ['predictions', 'labels', 'measurements'] as const;
export type TableKind = (typeof TABLE_KINDS)[number];

export type { Cell };
export interface Table {
  columns: string[];
  rows: Record<string, Cell>[];
}

/** What a stored measurement reads its image's geometry with (the viewer's calibrationAt). */
type Measured = Pick<StoredMeasurement, 'kind' | 'points' | 'pixelSpacing'> & Partial<Pick<StoredMeasurement, 'pixelSpacingKind' | 'rows' | 'columns' | 'usRegions' | 'pixelAspect' | 'calibrationUnread'>>;

/**
 * What a measurement's points are measured with, as the viewer measures them: common/roi.ts
 * calibrationAt, the one decision both make. Pixel Spacing; else the one ultrasound region that
 * holds them all; else pixels, rows scaled by a Pixel Aspect Ratio, with the reason. A spacing or
 * Physical Delta wider than a metre a pixel (MAX_PIXEL_MM: a hostile file's 1e308) measures
 * nothing: pixels, saying so ("pixel spacing too large").
 */
export function measurementCalibration(m: Measured): Calibration {
  if (!m.pixelSpacing && m.calibrationUnread) return { unit: 'px', spacing: [1, 1], why: 'US regions not read (imported before Lumen read them)', aspect: null };
  return calibrationAt(m.points, { rows: m.rows ?? 0, columns: m.columns ?? 0, pixelSpacing: m.pixelSpacing, pixelSpacingKind: m.pixelSpacingKind, usRegions: m.usRegions, pixelAspect: m.pixelAspect });
}

/**
 * A measurement's value from its points alone (pixel statistics need the image): a length in
 * mm, a rectangle's or ellipse's area in mm², with Pixel Spacing or an ultrasound region's
 * (else in pixels, rows scaled by a Pixel Aspect Ratio), an angle in degrees. A probe has no
 * value of its own here, nor do points that measure no finite number (an angle's arm of
 * length 0). `c`: the measurement's calibration where the caller has it already.
 */
export function measurementValue(m: Measured, c: Calibration = measurementCalibration(m)): { value: number | null; unit: string | null } {
  const value = measureValue(m.kind, m.points, c.spacing);
  if (value === null || !Number.isFinite(value)) return { value: null, unit: null };
  const mm = c.unit === 'mm';
  return { value, unit: m.kind === 'angle' ? 'deg' : m.kind === 'length' ? (mm ? 'mm' : 'pixel') : mm ? 'mm2' : 'pixel2' };
}

/** A probe's value in modality units, as the viewer lists it (common/roi.ts probeReading), and its unit as the viewer names it ('HU', 'Gy', '%'; null: none). */
export interface ProbeValue {
  value: number;
  unit: string | null;
}

/** A region's statistics in modality units, as region-stats.ts computes them for the SR (sr.ts RegionStatistics); `unit` as the viewer names it, null: none. */
export interface RegionFigures {
  mean: number;
  sd: number;
  min: number;
  max: number;
  unit: string | null;
}

/** One row per image, frame and class of each model's latest scores; `predicted` marks the top class. */
export function predictionTable(store: ResultsStore, scope: Scope, packageHash?: string): Table {
  // outsideTrainingData: true or false as the prediction judged its image against the package's training domain, empty when not judged.
  const columns = ['packageHash', 'modelName', 'variant', 'studyInstanceUid', 'seriesInstanceUid', 'sopInstanceUid', 'frame', 'className', 'score', 'predicted', 'createdAt', 'outsideTrainingData', 'trainingDataReasons'];
  const rows: Table['rows'] = [];
  for (const p of store.predictions(scope, packageHash)) {
    const top = p.scores.indexOf(Math.max(...p.scores));
    p.classNames.forEach((className, k) => {
      rows.push({
        packageHash: p.packageHash,
        modelName: p.modelName,
        variant: p.variant,
        studyInstanceUid: p.studyInstanceUid,
        seriesInstanceUid: p.seriesInstanceUid,
        sopInstanceUid: p.sopInstanceUid,
        frame: p.frame + 1,
        className,
        score: p.scores[k],
        predicted: k === top,
        createdAt: p.createdAt,
        outsideTrainingData: p.domain ? p.domain.outside : null,
        trainingDataReasons: p.domain ? p.domain.reasons.join('; ') : null,
      });
    });
  }
  return { columns, rows };
}

/**
 * One row per label. `frame` counts from 1, as the predictions and measurements tables and
 * DICOM's Referenced Frame Number do: a label of an image that has one frame is of frame 1 (so
 * that a join on image and frame finds its predictions); empty for a label of a series, a study,
 * or a whole multi-frame image (every frame).
 */
export function labelTable(store: ResultsStore, scope: Scope): Table {
  const columns = ['targetKind', 'studyInstanceUid', 'seriesInstanceUid', 'sopInstanceUid', 'frame', 'label', 'author', 'createdAt'];
  const labels = store.labels(scope);
  const frames = labels.some((l) => l.sopInstanceUid && l.frame == null) ? new Map(store.images(scope).map((i) => [i.sopInstanceUid, i.frames])) : new Map<string, number>();
  return { columns, rows: labels.map((l) => ({ ...l, frame: l.frame ?? (l.sopInstanceUid && (frames.get(l.sopInstanceUid) ?? 1) <= 1 ? 1 : null) })) };
}

/** The units of a value measured with a calibration: a length's, an area's, an angle's. */
export const MEASURED_UNITS = new Set<string | null>(['mm', 'mm2', 'pixel', 'pixel2', 'deg']);

/**
 * What a length's or area's mm, or an angle's degrees, were measured with, for the table's
 * pixelSpacing column: 'patient' (Pixel Spacing), 'calibrated', 'detector' (CR/DX Imager Pixel
 * Spacing alone: at the detector), 'magnification' (corrected by Estimated Radiographic
 * Magnification Factor) or 'us-region N' (the Nth ultrasound region's deltas); for a value
 * measured in pixels on an image the viewer would say why of ("crosses US regions 1 and 2", rows
 * scaled by a Pixel Aspect Ratio), "px: " and that reason; else empty (pixels with no spacing
 * at all, probes). An angle measured in mm space differs from one in image pixels wherever the
 * row and column spacing differ, so it says which as a length does.
 */
export function spacingKindOf(m: Measured, unit: string | null, c: Calibration = measurementCalibration(m)): string {
  if (c.unit === 'mm') return MEASURED_UNITS.has(unit) ? (c.kind === 'us-region' ? `us-region ${c.region}` : c.kind) : '';
  const why = pixelReason(c, unit);
  return why === null ? '' : `px: ${why}`;
}

/**
 * Why a length, area or angle measured in pixels is not measured in mm, in the viewer's words
 * ("crosses US regions 1 and 2", "no pixel spacing; rows scaled by aspect 2:1"), where the image
 * has a calibration that does not reach it or a Pixel Aspect Ratio; null for values measured in
 * mm, and for pixels on an image with no calibration at all.
 */
export function pixelReason(c: Calibration, unit: string | null): string | null {
  if (c.unit !== 'px' || !MEASURED_UNITS.has(unit)) return null;
  return c.why !== 'no pixel spacing' || c.aspect ? calibrationNote(c).slice(1, -1) : null;
}

/**
 * One row per measurement, measured as the viewer measures it. `measurements` (default: the
 * library's rows) are those of region-stats.ts measuredOnFrames where the table's files may be
 * read: an Enhanced image's frame then has its own Pixel Spacing; `probes`, its probes' values
 * (a probe's value and unit are the pixel's, in modality units: 'HU' for CT, empty where the
 * image names no unit; both empty where the probe has no value: outside the image, on colour,
 * or its file could not be read); `statistics`, its regions' (an ellipse's or rectangle's mean,
 * SD, min and max, the SR's, in `statsUnit`: 'HU' for CT, empty where the image names no unit;
 * all empty for a row that is no region, or a region with no statistics: only padding inside,
 * outside the image, colour, or its file could not be read). The statistics' columns come after
 * the others, so a spreadsheet made for the table without them reads it as before.
 */
export function measurementTable(store: ResultsStore, scope: Scope, measurements: StoredMeasurement[] = store.measurements(scope), probes: ReadonlyMap<string, ProbeValue> = new Map(), statistics: ReadonlyMap<string, RegionFigures> = new Map()): Table {
  const columns = ['id', 'kind', 'studyInstanceUid', 'seriesInstanceUid', 'sopInstanceUid', 'frame', 'value', 'unit', 'pixelSpacing', 'points', 'author', 'createdAt', 'mean', 'sd', 'min', 'max', 'statsUnit'];
  const rows = measurements.map((m) => {
    const c = measurementCalibration(m);
    const { value, unit } = m.kind === 'probe' ? (probes.get(m.id) ?? { value: null, unit: null }) : measurementValue(m, c);
    const s = m.kind === 'ellipse' || m.kind === 'rectangle' ? statistics.get(m.id) : undefined;
    return {
      id: m.id,
      kind: m.kind,
      studyInstanceUid: m.studyInstanceUid,
      seriesInstanceUid: m.seriesInstanceUid,
      sopInstanceUid: m.sopInstanceUid,
      frame: m.frame + 1,
      value,
      unit,
      pixelSpacing: spacingKindOf(m, unit, c),
      points: JSON.stringify(m.points),
      author: m.author,
      createdAt: m.createdAt,
      mean: s?.mean ?? null,
      sd: s?.sd ?? null,
      min: s?.min ?? null,
      max: s?.max ?? null,
      statsUnit: s?.unit ?? null,
    };
  });
  return { columns, rows };
}

export function buildTable(store: ResultsStore, kind: TableKind, scope: Scope, packageHash?: string): Table {
  if (kind === 'predictions') return predictionTable(store, scope, packageHash);
  if (kind === 'labels') return labelTable(store, scope);
  return measurementTable(store, scope);
}

/** The table as CSV: a header row, CRLF line ends (RFC 4180). */
export function toCsv(table: Table): string {
  const lines = [table.columns.map(csvCell).join(',')];
  for (const row of table.rows) lines.push(table.columns.map((c) => csvCell(row[c] ?? null)).join(','));
  return lines.join('\r\n') + '\r\n';
}

export function toJson(kind: TableKind, table: Table): string {
  return JSON.stringify({ kind, columns: table.columns, rows: table.rows }, null, 2) + '\n';
}
