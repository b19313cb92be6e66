// What the corner text reads, in words a person can act on: the image's scale (agreeing with the
// measurements, common/roi.ts), the value under the pointer, the window. Never Infinity or NaN: a
// value or window that is no finite number is said in words. No DOM types, so tests run it under
// Node (test/renderer/viewer-hostile-values-corner.test.ts); CornerText.tsx lays it out.
import type { ViewerFrame } from '../../../common/contract/library';
import { calibrationSummary, spacingNote, spacingProblem, valueText } from '../../../common/roi';
import { formatMm, formatValue } from '../workspace/format';
import { firstPresetName, missedSide, voiTableFor } from './window';
import type { ViewState } from './transform';

/** A frame's values after the Modality LUT (image.ts LoadedFrame). */
interface FrameValues {
  frame: ViewerFrame;
  values: Float32Array;
}

/**
 * What the image is measured with, after its size: its pixel spacing ("0.5×0.5 mm at detector"),
 * or why the measurements do not use it ("pixel spacing too large": common/roi.ts spacingProblem,
 * as calibrationAt decides), else its ultrasound regions and Pixel Aspect Ratio ("calibrated by 2
 * US regions", "aspect 4:3": calibrationSummary), else nothing.
 */
export function scaleText(f: ViewerFrame): string | null {
  const ps = f.pixelSpacing;
  if (ps) return spacingProblem(ps) ?? `${formatMm(ps[1])}×${formatMm(ps[0])} mm${spacingNote(f.pixelSpacingKind) ? ` ${spacingNote(f.pixelSpacingKind)}` : ''}`;
  return calibrationSummary(f);
}

/** The value of the gray image at (column, row), or null outside it or for colour. */
export function valueAt(loaded: FrameValues, x: number, y: number): number | null {
  const { rows, columns, samplesPerPixel } = loaded.frame;
  if (samplesPerPixel !== 1 || x < 0 || y < 0 || x >= columns || y >= rows) return null;
  return loaded.values[y * columns + x] + (loaded.frame.valueBase ?? 0);
}

/**
 * The corner's reading of the value at (column, row): "40 HU"; "too large" where it is no finite
 * number (a padding pixel beyond 32-bit floats after a hostile Rescale Slope: common/roi.ts
 * valueText, as a probe reads it); null outside the image or for colour.
 */
export function valueUnderPointer(loaded: FrameValues, x: number, y: number): string | null {
  const v = valueAt(loaded, x, y);
  if (v === null) return null;
  if (!Number.isFinite(v)) return valueText(v, null);
  const unit = loaded.frame.unit;
  return `${shortNumber(v, formatValue(v, null))}${unit ? ` ${unit}` : ''}`;
}

/**
 * A number too large for its digits (a hostile slope's 2e38, a file's Window Width of 1e308) in
 * five significant digits, as a DS writes it ("2e38", not "1.9999999360571385e+38"); `text`, how
 * it reads otherwise, where that has no exponent.
 */
const shortNumber = (v: number, text: string) => (text.includes('e') ? String(Number(v.toPrecision(5))).replace('e+', 'e') : text);

/** A window's centre or width as the corner reads it. */
const windowNumber = (v: number, integral: boolean) => shortNumber(v, integral ? String(Math.round(v)) : formatValue(v, null));

/** "W 400 L 40 HU"; values of a scaled grid (Gy) keep their decimals; "W/L not a number" for a window that is none. */
export function windowText(loaded: FrameValues, view: Pick<ViewState, 'center' | 'width'>): string {
  const { slope, intercept, unit } = loaded.frame;
  if (!Number.isFinite(view.width) || !Number.isFinite(view.center)) return 'W/L not a number';
  const integral = Number.isInteger(slope) && Number.isInteger(intercept);
  return `W ${windowNumber(view.width, integral)} L ${windowNumber(view.center, integral)}${unit ? ` ${unit}` : ''}`;
}

/**
 * What the corner says where a window the user chose (carried from image to image, or picked
 * here) has every value of the image on one side of it: the image is one flat white or black,
 * which would otherwise read as a blank image. Null for the first preset (the image's own
 * window), a VOI LUT table, colour, or a window some value lies inside.
 */
export function windowMiss(loaded: FrameValues, view: Pick<ViewState, 'center' | 'width' | 'invert'>, preset: string): string | null {
  const f = loaded.frame;
  if (preset === 'file' || f.samplesPerPixel !== 1 || voiTableFor(f, preset)) return null;
  const side = missedSide(f, view);
  if (!side) return null;
  // The gray the values all get, after MONOCHROME1 or Presentation LUT Shape and the user's invert.
  const white = (side === 'above') !== (view.invert !== (f.inverted ?? f.photometric === 'MONOCHROME1'));
  return `Every value lies ${side} this window, so the image is all ${white ? 'white' : 'black'}. Choose ${firstPresetName(f.windows)} to see it.`;
}

/**
 * The mark of an image whose values went through lossy compression (ViewerFrame.lossy), as
 * reading-room software shows it: "Lossy", with the file's ratio and method where it gives them
 * ("Lossy 8.5:1 ISO_10918_1"; steps joined by "+"); "May be lossy (JPEG 2000, no Lossy Image
 * Compression attribute)" where neither the file nor its codestream tells; null for an image
 * stored without loss.
 */
export function lossyText(f: Pick<ViewerFrame, 'lossy'>): string | null {
  if (!f.lossy) return null;
  if (f.lossy.maybe) return `May be lossy (${f.lossy.maybe}, no Lossy Image Compression attribute)`;
  const ratio = f.lossy.ratio.length ? `${f.lossy.ratio.map((r) => String(Number(r.toPrecision(3)))).join('+')}:1` : null;
  const method = f.lossy.method.length ? f.lossy.method.join('+') : null;
  return ['Lossy', ratio, method].filter(Boolean).join(' ');
}
