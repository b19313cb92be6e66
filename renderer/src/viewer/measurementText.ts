// What each kind of measurement reads, in words, for its label on the image and its row in
// the measurement list: lengths in mm, regions' area and statistics and probes in modality
// units (HU for CT) from the frame the viewer holds, angles in degrees (common/roi.ts).
import type { Measurement } from '../../../common/contract/measurements';
import { angleDegrees, calibrationAt, calibrationNote, lengthReading, probeValue, regionStats, type Calibration } from '../../../common/roi';
import type { LoadedFrame } from './image';
import type { Point } from './measurements';

export const KIND_NAMES: Record<Measurement['kind'], string> = { length: 'Length', rectangle: 'Rectangle', ellipse: 'Ellipse', angle: 'Angle', probe: 'Probe' };

/** A value in modality units, rounded for reading ("40.2 HU"). */
function valueText(v: number, unit: string | null): string {
  const digits = Math.abs(v) >= 100 || Number.isInteger(v) ? 0 : Math.abs(v) >= 10 ? 1 : 2;
  return `${v.toFixed(digits)}${unit ? ` ${unit}` : ''}`;
}

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
  const values = grey(frame) ? { rows: frame.frame.rows, columns: frame.frame.columns, values: frame.values, paddingMask: frame.paddingMask } : null;
  switch (m.kind) {
    case 'length':
      return lengthOnFrame(m.points, frame);
    case 'angle':
      // In mm space, or with rows scaled by the Pixel Aspect Ratio, as the image is drawn.
      return `${angleDegrees(m.points[0], m.points[1], m.points[2], c.spacing).toFixed(1)}°`;
    case 'probe': {
      const v = values && probeValue(m.points[0], values);
      const where = `(${Math.floor(m.points[0][0])}, ${Math.floor(m.points[0][1])})`;
      return v === null || v === undefined ? `${where} no value` : `${where} ${valueText(v, unit)}`;
    }
    case 'rectangle':
    case 'ellipse': {
      if (!values) return 'no values (colour image)';
      const spacing = c.unit === 'mm' ? c.spacing : null;
      const s = regionStats(m.kind, m.points[0], m.points[1], values, spacing);
      if (!s) return values.paddingMask && regionStats(m.kind, m.points[0], m.points[1], { ...values, paddingMask: null }, spacing) ? 'only padding inside' : 'no pixel inside';
      const u = unit ? ` ${unit}` : '';
      // Pixels say why only where the image has a calibration that does not reach here, or rows scaled by its aspect.
      const note = c.unit === 'mm' || c.why !== 'no pixel spacing' || c.aspect ? calibrationNote(c) : '';
      if (c.unit === 'px') s.area *= c.spacing[0];
      const padded = s.padding > 0 ? ` · ${s.padding} padding ${s.padding === 1 ? 'pixel' : 'pixels'} left out` : '';
      return `Area ${s.area.toFixed(1)} ${s.areaUnit}${note ? ` ${note}` : ''} · mean ${valueText(s.mean, null)} · SD ${valueText(s.sd, null)} · min ${valueText(s.min, null)} · max ${valueText(s.max, null)}${u}${padded}`;
    }
  }
}
