// The statistics of the ellipses and rectangles for the measurements SR: mean, standard
// deviation, minimum and maximum in modality units (HU for CT), computed exactly as the
// viewer lists them: common/roi.ts over the frame after the Modality LUT (dicom/pixels.ts),
// read again from the image file the library holds. Nothing is stored with a measurement.
import { paddingMask, regionStats, statisticsProblem } from '../../common/roi';
import { decodeFrame } from '../dicom/decode';
import { parseDicomFile } from '../dicom/parse';
import { modalityLut, modalityRescale } from '../dicom/pixels';
import type { RegionStatistics } from './sr';
import type { ImageFile, StoredMeasurement } from './store';

const isRegion = (m: StoredMeasurement): m is StoredMeasurement & { kind: 'ellipse' | 'rectangle' } => (m.kind === 'ellipse' || m.kind === 'rectangle') && m.points.length === 2;

/**
 * Statistics by measurement id. A region gets none (its SR group then carries the area only)
 * when its image is gone or unreadable, is colour (no modality values), holds no pixel
 * centre inside it, or has values no finite number holds (a hostile Rescale Slope): the export
 * still writes everything else.
 */
export async function regionStatistics(measurements: StoredMeasurement[], images: ImageFile[]): Promise<Map<string, RegionStatistics>> {
  const out = new Map<string, RegionStatistics>();
  const bySop = new Map<string, (StoredMeasurement & { kind: 'ellipse' | 'rectangle' })[]>();
  for (const m of measurements.filter(isRegion)) bySop.set(m.sopInstanceUid, [...(bySop.get(m.sopInstanceUid) ?? []), m]);
  const files = new Map(images.map((i) => [i.sopInstanceUid, i]));
  for (const [sop, regions] of bySop) {
    const image = files.get(sop);
    if (!image || image.missing || !image.hasPixelData) continue;
    let parsed;
    try {
      parsed = await parseDicomFile(image.path);
    } catch {
      continue; // moved, changed or unreadable since import: the area is still written
    }
    const unit = modalityRescale(parsed.meta).unit;
    for (const frameIndex of new Set(regions.map((m) => m.frame))) {
      let frame;
      try {
        frame = await decodeFrame(parsed, frameIndex);
      } catch {
        continue;
      }
      if (frame.samplesPerPixel !== 1 || frame.photometricInterpretation === 'PALETTE COLOR') continue;
      // Padding (Pixel Padding Value) is left out as the viewer leaves it out: decided on the stored values, whatever the Modality LUT.
      const values = { rows: frame.rows, columns: frame.columns, values: modalityLut(frame, parsed.meta), paddingMask: paddingMask(frame.pixels, parsed.meta.padding) };
      for (const m of regions.filter((r) => r.frame === frameIndex)) {
        const s = regionStats(m.kind, m.points[0], m.points[1], values, null);
        // Values beyond 32-bit floats (a hostile Rescale Slope) give no statistics, never Infinity or NaN in the SR.
        if (s && !statisticsProblem(s)) out.set(m.id, { mean: s.mean, sd: s.sd, min: s.min, max: s.max, unit });
      }
    }
  }
  return out;
}
