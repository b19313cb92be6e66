// The statistics of the ellipses and rectangles for the measurements SR (mean, standard
// deviation, minimum and maximum) and the value of each probe for the SR and the CSV, in
// modality units (HU for CT), computed exactly as the viewer lists them: common/roi.ts over the frame after the Modality LUT (dicom/pixels.ts),
// read again from the image file the library holds, with the header as it applies to the
// measured frame (metaOfFrame: an Enhanced image's frame has its own rescale and Pixel
// Measures), as the viewer's frame (dicom/viewer-frame.ts) has it. Nothing is stored with a
// measurement.
import { statSync } from 'node:fs';
import { paddingMask, probeValue, regionStats, statisticsProblem } from '../../common/roi';
import { decodeFrame } from '../dicom/decode';
import { parseDicomFile } from '../dicom/parse';
import { metaOfFrame, modalityLut, modalityRescale, valueBase } from '../dicom/pixels';
import { measuringGeometry } from '../dicom/viewer-frame';
import { parseHeader } from '../library/header';
import type { RegionStatistics } from './sr';
import type { ImageFile, ResultsStore, Scope, StoredMeasurement } from './store';
import { buildTable, measurementTable, type ProbeValue, type Table, type TableKind } from './tables';

const isRegion = (m: StoredMeasurement): m is StoredMeasurement & { kind: 'ellipse' | 'rectangle' } => (m.kind === 'ellipse' || m.kind === 'rectangle') && m.points.length === 2;
const isProbe = (m: StoredMeasurement) => m.kind === 'probe' && m.points.length === 1;

/** The measurements as measured on their own frames, and the regions' statistics by measurement id. */
export interface FrameMeasurements {
  /**
   * The measurements given, in order; one on a frame of an Enhanced image whose frames have
   * geometry of their own (Pixel Measures per frame) carries that frame's Pixel Spacing, as
   * the viewer measures it, not the file's (its first frame's) that the library keeps.
   */
  measurements: StoredMeasurement[];
  statistics: Map<string, RegionStatistics>;
  /** Each probe's value by measurement id; none outside its image, on colour, or where the file cannot be read. */
  probes: Map<string, ProbeValue>;
}

/**
 * What the exports measure each measurement with, read again from its image file: the frame's
 * own geometry where an Enhanced image's frames differ, and each region's statistics on the
 * frame's own values (its Pixel Value Transformation). A region gets no statistics (its SR group
 * then carries the area only) when its image is gone or unreadable, is colour (no modality
 * values), holds no pixel centre inside it, or has values no finite number can hold (a hostile
 * Rescale Slope): the export still writes everything else. A file that cannot be read leaves
 * its measurements as the library has them. A probe gets its pixel's value (common/roi.ts
 * probeValue, the viewer's) on the same frame values.
 */
export async function measuredOnFrames(measurements: StoredMeasurement[], images: ImageFile[]): Promise<FrameMeasurements> {
  const statistics = new Map<string, RegionStatistics>();
  const probes = new Map<string, ProbeValue>();
  const geometry = new Map<string, Pick<StoredMeasurement, 'pixelSpacing' | 'pixelSpacingKind'>>();
  const files = new Map(images.map((i) => [i.sopInstanceUid, i]));
  const bySop = new Map<string, StoredMeasurement[]>();
  for (const m of measurements) bySop.set(m.sopInstanceUid, [...(bySop.get(m.sopInstanceUid) ?? []), m]);
  for (const [sop, onImage] of bySop) {
    const image = files.get(sop);
    if (!image || image.missing || !image.hasPixelData) continue;
    const regions = onImage.filter(isRegion);
    const probed = onImage.filter(isProbe);
    const valued = [...regions, ...probed];
    // Only a region or a probe needs the pixels; only a multi-frame image has frames of their own geometry.
    if (!valued.length && image.frames < 2) continue;
    let parsed;
    try {
      // Pixels only for statistics and probes; geometry alone is in the header (the first 64 KiB of a file of any size).
      parsed = valued.length ? await parseDicomFile(image.path) : parseHeader(image.path, statSync(image.path).size);
    } catch {
      continue; // moved, changed or unreadable since import: the area is still written
    }
    for (const m of onImage) {
      // The frame's own Pixel Measures, where the file gives its frames geometry of their own (metaOfFrame).
      if (!parsed.meta.frameGeometry?.[m.frame]) continue;
      const own = measuringGeometry(metaOfFrame(parsed.meta, m.frame), parsed.meta.rows, parsed.meta.columns);
      geometry.set(m.id, { pixelSpacing: own.pixelSpacing, pixelSpacingKind: own.pixelSpacingKind });
    }
    for (const frameIndex of new Set(valued.map((m) => m.frame))) {
      let frame;
      try {
        frame = await decodeFrame(parsed, frameIndex);
      } catch {
        continue;
      }
      if (frame.samplesPerPixel !== 1 || frame.photometricInterpretation === 'PALETTE COLOR') continue;
      // The frame's own rescale, as the viewer's frame has it (an Enhanced image's Pixel Value Transformation per frame).
      const meta = metaOfFrame(parsed.meta, frameIndex);
      const unit = modalityRescale(meta).unit;
      // Padding (Pixel Padding Value) is left out as the viewer leaves it out: decided on the stored values, whatever the Modality LUT.
      // Relative to valueBase where the values lie far from 0 with a narrow spread (32-bit 2^30 + k), as the viewer holds them.
      const offset = valueBase(frame.pixels, meta);
      const values = { rows: frame.rows, columns: frame.columns, values: modalityLut(frame, meta, offset), offset, paddingMask: paddingMask(frame.pixels, meta.padding) };
      for (const m of regions.filter((r) => r.frame === frameIndex)) {
        const s = regionStats(m.kind, m.points[0], m.points[1], values, null);
        // Values beyond 32-bit floats (a hostile Rescale Slope) give no statistics, never Infinity or NaN in the SR.
        if (s && !statisticsProblem(s)) statistics.set(m.id, { mean: s.mean, sd: s.sd, min: s.min, max: s.max, unit });
      }
      for (const m of probed.filter((p) => p.frame === frameIndex)) {
        const v = probeValue(m.points[0], values);
        // The viewer reads "value too large" where no 32-bit float holds it: no number is exported then.
        if (v !== null && Number.isFinite(v)) probes.set(m.id, { value: v, unit });
      }
    }
  }
  return { measurements: measurements.map((m) => (geometry.has(m.id) ? { ...m, ...geometry.get(m.id) } : m)), statistics, probes };
}

/** The regions' statistics by measurement id (measuredOnFrames). */
export async function regionStatistics(measurements: StoredMeasurement[], images: ImageFile[]): Promise<Map<string, RegionStatistics>> {
  return (await measuredOnFrames(measurements, images)).statistics;
}

/**
 * A table export (tables.ts buildTable) whose measurements are measured on their own frames
 * (measuredOnFrames: headers, and the pixels of the frames that hold a region or a probe): the
 * CSV's area and length of a measurement on an Enhanced image's frame, a region's mean, SD,
 * minimum and maximum, and a probe's value, are the viewer's and the SR's.
 */
export async function tableOnFrames(store: ResultsStore, kind: TableKind, scope: Scope, packageHash?: string): Promise<Table> {
  if (kind !== 'measurements') return buildTable(store, kind, scope, packageHash);
  const { measurements, statistics, probes } = await measuredOnFrames(store.measurements(scope), store.images(scope));
  return measurementTable(store, scope, measurements, probes, statistics);
}
