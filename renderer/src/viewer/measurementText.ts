// What each kind of measurement reads, in words, for its label on the image and its row in
// the measurement list: lengths in mm, regions' area and statistics and probes in modality
// units (HU for CT) from the frame the viewer holds, angles in degrees (common/roi.ts).
import type { Measurement } from '../../../common/contract/measurements';
import { angleDegrees, calibrationAt, lengthReading, probeReading, regionReading, type Calibration } from '../../../common/roi';
import type { LoadedFrame } from './frameValues';
import type { Point } from './measurements';

export const KIND_NAMES: Record<Measurement['kind'], string> = { length: 'Length', rectangle: 'Rectangle', ellipse: 'Ellipse', angle: 'Angle', probe: 'Probe' };

function grey(frame: LoadedFrame | null): frame is LoadedFrame {
  return !!frame && frame.frame.samplesPerPixel === 1;
}

/** What these points of the frame are measured with (common/roi.ts calibrationAt): its pixel spacing, a US region's, or pixels. */
export function calibrationOf(points: readonly Point[], frame: LoadedFrame | null): Calibration {
  return frame ? calibrationAt(points, frame.frame) : { unit: 'px', spacing: [1, 1], why: 'no pixel spacing', aspect: null };
}

/** A length's reading on this frame (common/roi.ts lengthReading: mm, a US region's mm, or pixels saying why). */
export function lengthOnFrame(points: readonly Point[], frame: LoadedFrame | null): string {
  return frame ? lengthReading(points, frame.frame) : lengthReading(points, { rows: 0, columns: 0, pixelSpacing: null });
}

/** The reading of one measurement ("23.4 mm", "37.5°", "Area 120.3 mm² · mean 40.2 HU ..."). */
export function measurementText(m: { kind: Measurement['kind']; points: readonly Point[] }, frame: LoadedFrame | null): string {
  const c = calibrationOf(m.points, frame);
  const unit = frame?.frame.unit ?? null;
  // Padding (Pixel Padding Value) is left out of a region's statistics: the engine marks it from the stored values.
  const values = grey(frame) ? { rows: frame.frame.rows, columns: frame.frame.columns, values: frame.values, offset: frame.frame.valueBase, paddingMask: frame.paddingMask } : null;
  switch (m.kind) {
    case 'length':
      return lengthOnFrame(m.points, frame);
    case 'angle':
      // In mm space, or with rows scaled by the Pixel Aspect Ratio, as the image is drawn.
      return `${angleDegrees(m.points[0], m.points[1], m.points[2], c.spacing).toFixed(1)}°`;
    case 'probe':
      return probeReading(m.points[0], values, unit);
    case 'rectangle':
    case 'ellipse':
      return frame && values ? regionReading(m.kind, m.points[0], m.points[1], values, frame.frame, unit) : 'no values (colour image)';
  }
}
