// The window the viewer shows: the first one and its name, the one the next image shows, the
// narrowest a drag may make, and the VOI
// window (common/voi.ts, the same function the engine's pixel pipeline uses) into RGBA.
// No DOM types, so tests run it under Node (test/renderer/window.test.ts).
import type { ViewerFrame, VoiWindow } from '../../../common/contract/library';
import { fullRangeWindow, narrowestWindowWidth, voiLut } from '../../../common/voi';

/** A frame's values after the Modality LUT (image.ts LoadedFrame). */
interface FrameValues {
  frame: ViewerFrame;
  values: Float32Array;
}

/** The window shown first: the file's own, else the full range of the values. */
export function defaultWindow(f: ViewerFrame): { center: number; width: number } {
  const own = f.windows.find((w) => w.id.startsWith('file-'));
  if (own) return { center: own.center, width: own.width };
  return fullRangeWindow(f.range[0], f.range[1], f.voiFunction);
}

/**
 * The name of the first preset (key 1, "file"): "File window" where the file has a window or a VOI
 * LUT table of its own (the first of several windows by its own name); "Full range" where it has
 * neither and the window is Lumen's, over the image's values (defaultWindow).
 */
export function firstPresetName(windows: readonly VoiWindow[]): string {
  const own = windows.filter((w) => w.id.startsWith('file-'));
  if (own.length > 1) return own[0].name;
  return hasOwnWindow(windows) ? 'File window' : 'Full range';
}

/** Whether the file has a window or a VOI LUT table of its own (else key 1 is Lumen's full range). */
function hasOwnWindow(windows: readonly VoiWindow[]): boolean {
  return windows.some((w) => w.id.startsWith('file-') || w.id.startsWith('lut-'));
}

/**
 * Where every value of the frame lies against a window: 'above' it (all drawn at the top of the
 * window, 255), 'below' it (all at 0), or null where some value lies inside.
 */
export function missedSide(f: ViewerFrame, w: { center: number; width: number }): 'above' | 'below' | null {
  const lut = voiLut(w.center, w.width, f.voiFunction);
  return lut(f.range[0]) === 255 ? 'above' : lut(f.range[1]) === 0 ? 'below' : null;
}

/** The name of the window in force, as the toolbar lists it: the first preset's, a preset's, or "Custom" (dragged). */
export function windowName(windows: readonly VoiWindow[], preset: string): string {
  if (preset === 'file') return firstPresetName(windows);
  if (preset === 'custom') return 'Custom';
  return windows.find((w) => w.id === preset)?.name ?? 'Custom';
}

/**
 * The window an image shows when the user moves to it in the same series. A window the user chose
 * (another preset, or one dragged) carries as it is, as reading-room viewers do. The first preset
 * ("file") is the file's own window where the image has one, so it follows each image; where it
 * is Lumen's full range, one scale carries across the images and frames (a dynamic series' later
 * frames are brighter, and a range of their own would draw them alike), unless it misses every
 * value of this image (all white or all black): then this image's own range.
 */
export function nextImageWindow(f: ViewerFrame, preset: string, shown: { center: number; width: number }): { center: number; width: number } {
  if (preset !== 'file') return shown;
  if (hasOwnWindow(f.windows)) return defaultWindow(f);
  return missedSide(f, shown) ? defaultWindow(f) : shown;
}

/**
 * The window the image shown shows when it is read again (`before` the frame as it was shown):
 * after an import read its file again, changed in place, the open series is read again and the
 * image comes back with the new file's values. The first preset is then worked out anew, as when
 * the series is opened: Lumen's full range of the new values, not the old file's. Otherwise (the
 * same values, or a window the user chose) as nextImageWindow.
 */
export function rereadImageWindow(before: ViewerFrame, f: ViewerFrame, preset: string, shown: { center: number; width: number }): { center: number; width: number } {
  const changed = before.range[0] !== f.range[0] || before.range[1] !== f.range[1] || before.voiFunction !== f.voiFunction;
  return preset === 'file' && changed ? defaultWindow(f) : nextImageWindow(f, preset, shown);
}

/** The narrowest window a drag may make: the frame's VOI LUT Function's (common/voi.ts narrowestWindowWidth). */
export function minWindowWidth(f: ViewerFrame): number {
  return narrowestWindowWidth(f.voiFunction);
}

/**
 * The window a W/L drag makes from `start` (dx, dy in screen pixels): right widens it, down raises
 * its centre. A width or centre that would pass the largest number (a file's Window Width of
 * 1e308 dragged wider) stays where it was, so the window never becomes Infinity or NaN.
 */
export function windowDragged(f: ViewerFrame, start: { center: number; width: number }, dx: number, dy: number): { center: number; width: number } {
  const width = Math.max(minWindowWidth(f), start.width * Math.exp(dx / 200));
  const center = start.center + dy * (start.width / 256);
  return { width: Number.isFinite(width) ? width : start.width, center: Number.isFinite(center) ? center : start.center };
}

/**
 * The VOI LUT table a preset shows: "lut-<n>" its table; "file" the first table when the
 * file has tables and no window (as the engine renders it); otherwise none (a window).
 */
export function voiTableFor(f: ViewerFrame, preset: string | undefined): NonNullable<ViewerFrame['voiLuts']>[number] | undefined {
  const tables = f.voiLuts ?? [];
  if (preset?.startsWith('lut-')) return tables.find((t) => t.id === preset);
  if (preset === 'file' && !f.windows.some((w) => w.id.startsWith('file-'))) return tables[0];
  return undefined;
}

/**
 * The VOI window (common/voi.ts, the engine's own) into RGBA: gray samples once per pixel,
 * inverted where the frame says (Presentation LUT Shape, MONOCHROME1); colour per sample (8-bit as it is), `invert` applied once.
 */
export function windowInto(img: { data: Uint8ClampedArray }, loaded: FrameValues, center: number, width: number, invert: boolean, preset?: string): void {
  const { values, frame } = loaded;
  const out = img.data;
  const table = frame.samplesPerPixel === 1 ? voiTableFor(frame, preset) : undefined;
  if (table) {
    // The engine's voiTableGray (electron/dicom/lut.ts), for the same gray.
    const max = 2 ** table.bits - 1;
    const flip = invert !== (frame.inverted ?? frame.photometric === 'MONOCHROME1');
    for (let i = 0; i < values.length; i++) {
      const k = Math.round(values[i]) - table.first;
      const g = Math.round((Math.min(table.data[k < 0 ? 0 : k >= table.data.length ? table.data.length - 1 : k], max) * 255) / max);
      const y = flip ? 255 - g : g;
      out[i * 4] = y;
      out[i * 4 + 1] = y;
      out[i * 4 + 2] = y;
      out[i * 4 + 3] = 255;
    }
    return;
  }
  if (frame.samplesPerPixel === 3) {
    const lut = voiLut(center, width, frame.voiFunction);
    const n = frame.rows * frame.columns;
    const eightBit = frame.dtype === 'uint8';
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < 3; k++) {
        const v = values[i * 3 + k];
        const y = eightBit ? v : lut(v);
        out[i * 4 + k] = invert ? 255 - y : y;
      }
      out[i * 4 + 3] = 255;
    }
    return;
  }
  // The values are relative to the frame's valueBase (image.ts loadFrame): the window moves with them.
  const lut = voiLut(center - (frame.valueBase ?? 0), width, frame.voiFunction, invert !== (frame.inverted ?? frame.photometric === 'MONOCHROME1'));
  if (grayByTable(out, values, frame, lut)) return;
  for (let i = 0; i < values.length; i++) {
    const y = lut(values[i]);
    out[i * 4] = y;
    out[i * 4 + 1] = y;
    out[i * 4 + 2] = y;
    out[i * 4 + 3] = 255;
  }
}

/** Whether this machine stores the low byte first (every platform Lumen runs on does). */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
/** The widest range of whole values windowed through a table (256 KiB of table). */
const TABLE_VALUES = 1 << 18;

/**
 * The gray window as one table over the frame's whole values, written one 32-bit RGBA pixel per
 * store: the same gray as `lut` for each value (the table is `lut` of every value in the range),
 * several times faster on a 512x512 CT slice than a call per pixel. False (nothing written)
 * where it does not apply: values that are not whole (a fractional rescale), a range too wide,
 * or a buffer it cannot view as 32-bit pixels.
 */
function grayByTable(out: Uint8ClampedArray, values: Float32Array, frame: ViewerFrame, lut: (x: number) => number): boolean {
  if (!LITTLE_ENDIAN || out.byteOffset % 4 !== 0 || !Number.isInteger(frame.slope) || !Number.isInteger(frame.intercept) || !frame.range) return false;
  const [lo, hi] = frame.range.map((v) => v - (frame.valueBase ?? 0));
  if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi - lo >= TABLE_VALUES) return false;
  const table = new Uint32Array(hi - lo + 1);
  for (let v = lo; v <= hi; v++) {
    const y = lut(v);
    table[v - lo] = (0xff000000 | (y << 16) | (y << 8) | y) >>> 0;
  }
  const px = new Uint32Array(out.buffer, out.byteOffset, values.length);
  for (let i = 0; i < values.length; i++) {
    // A value outside the frame's stated range or not whole (never, from the engine) reads
    // undefined from the table and goes the slow way.
    const t = table[values[i] - lo];
    px[i] = t !== undefined ? t : (0xff000000 | (lut(values[i]) * 0x10101)) >>> 0;
  }
  return true;
}
