// The VOI LUT (window) that turns values after the Modality LUT into display gray 0..255
// (PS3.3 C.11.2.1.2). One function for the engine's pixel pipeline (thumbnails, training,
// prediction: electron/dicom/pixels.ts) and the viewer (renderer/src/viewer/image.ts), so
// the image a model sees is windowed exactly as the image a person sees. Pure, no Node.
//
// A new VOI LUT Function is one entry in VOI_FUNCTIONS: a factory that, given the window,
// returns the map of one value to 0..255 (unrounded; applyVoi rounds and clamps).

/** Value -> gray before rounding, for one window. */
export type VoiMap = (x: number) => number;

export const VOI_FUNCTIONS = {
  /**
   * C.11.2.1.2.1, LINEAR (one-unit offsets for integer stored values):
   *   x <= c - 0.5 - (w-1)/2 -> 0;  x > c - 0.5 + (w-1)/2 -> 255;
   *   else ((x - (c - 0.5)) / (w - 1) + 0.5) * 255.   Width below 1 is taken as 1.
   */
  LINEAR(center: number, width: number): VoiMap {
    const w = atLeastNarrowest(width, 'LINEAR');
    const c = center - 0.5;
    const low = c - (w - 1) / 2;
    const high = c + (w - 1) / 2;
    const scale = w > 1 ? 255 / (w - 1) : 0;
    return (x) => (x <= low ? 0 : x > high ? 255 : (x - c) * scale + 127.5);
  },
  /**
   * C.11.2.1.3.2, LINEAR_EXACT (continuous values such as dose):
   *   x <= c - w/2 -> 0;  x > c + w/2 -> 255;  else ((x - c) / w + 0.5) * 255, any w > 0.
   */
  LINEAR_EXACT(center: number, width: number): VoiMap {
    const w = atLeastNarrowest(width, 'LINEAR_EXACT');
    const low = center - w / 2;
    const high = center + w / 2;
    return (x) => (x <= low ? 0 : x > high ? 255 : ((x - center) / w + 0.5) * 255);
  },
  /**
   * C.11.2.1.3.1, SIGMOID (mammography, CR, DX):  255 / (1 + exp(-4 (x - c) / w)).
   */
  SIGMOID(center: number, width: number): VoiMap {
    const w = atLeastNarrowest(width, 'SIGMOID');
    return (x) => 255 / (1 + Math.exp((-4 * (x - center)) / w));
  },
} as const satisfies Record<string, (center: number, width: number) => VoiMap>;

export type VoiFunction = keyof typeof VOI_FUNCTIONS;
/** The VOI LUT Functions Lumen applies, for schemas (z.enum). */
export const VOI_FUNCTION_NAMES = Object.keys(VOI_FUNCTIONS) as [VoiFunction, ...VoiFunction[]];

/**
 * The narrowest Window Width a VOI LUT Function takes (PS3.3 C.11.2.1.2): 1 for LINEAR (one unit
 * of integer values); for LINEAR_EXACT and SIGMOID any width above 0 (continuous values, a dose of
 * 0.5 Gy across), the smallest positive number. The one rule for a file's windows kept
 * (electron/dicom/pixels.ts voiWindows), the W/L drag (renderer/src/viewer/window.ts) and the maps above.
 */
export function narrowestWindowWidth(fn: VoiFunction): number {
  return fn === 'LINEAR' ? 1 : Number.MIN_VALUE;
}

/** The width itself where the function takes it, else its narrowest (a width of 0, below it or not a number). */
const atLeastNarrowest = (width: number, fn: VoiFunction) => (width >= narrowestWindowWidth(fn) ? width : narrowestWindowWidth(fn));

/** The gray (an integer 0..255) of one value under a window; `invert` for MONOCHROME1. */
export function voiLut(center: number, width: number, fn: VoiFunction = 'LINEAR', invert = false): (x: number) => number {
  const map = VOI_FUNCTIONS[fn](center, width);
  return invert ? (x) => 255 - Math.round(map(x)) : (x) => Math.round(map(x));
}

/**
 * Windows every value into `out` (a fresh Uint8Array by default): out[offset + i * stride]
 * = gray of values[i]. A stride of 4 writes one channel of RGBA.
 */
export function applyVoi<T extends Uint8Array | Uint8ClampedArray = Uint8Array>(
  values: ArrayLike<number>,
  window: { center: number; width: number; fn?: VoiFunction; invert?: boolean },
  out?: T,
  stride = 1,
  offset = 0,
): T {
  const target = out ?? (new Uint8Array(values.length) as T);
  const lut = voiLut(window.center, window.width, window.fn ?? 'LINEAR', window.invert ?? false);
  for (let i = 0; i < values.length; i++) target[offset + i * stride] = lut(values[i]);
  return target;
}

/** The window over values lo..hi: LINEAR counts hi - lo + 1 integer steps, LINEAR_EXACT spans hi - lo. */
export function fullRangeWindow(lo: number, hi: number, fn: VoiFunction = 'LINEAR'): { center: number; width: number } {
  if (fn === 'LINEAR_EXACT' && hi > lo) return { center: (lo + hi) / 2, width: hi - lo };
  return { center: (lo + hi + 1) / 2, width: Math.max(1, hi - lo + 1) };
}

/** A named window, in output units of the Modality LUT (HU for CT). */
export interface VoiPreset {
  id: string;
  name: string;
  center: number;
  width: number;
}

/**
 * Window presets per modality: the one list the engine offers with each frame
 * (electron/dicom/pixels.ts voiWindows), training accepts by id, and the renderer lists.
 */
export const VOI_PRESETS: Readonly<Record<string, readonly VoiPreset[]>> = {
  CT: [
    { id: 'ct-brain', name: 'Brain', center: 40, width: 80 },
    { id: 'ct-subdural', name: 'Subdural', center: 75, width: 215 },
    { id: 'ct-lung', name: 'Lung', center: -600, width: 1500 },
    { id: 'ct-mediastinum', name: 'Mediastinum', center: 50, width: 350 },
    { id: 'ct-abdomen', name: 'Abdomen (soft tissue)', center: 40, width: 400 },
    { id: 'ct-liver', name: 'Liver', center: 90, width: 150 },
    { id: 'ct-bone', name: 'Bone', center: 480, width: 2500 },
  ],
};

/** The CT presets the viewer puts on keys 2–6, in reading-room order (1 is the file's own window, or the full range where it has none). */
export const CT_PRESET_KEYS = ['ct-brain', 'ct-lung', 'ct-abdomen', 'ct-bone', 'ct-mediastinum'] as const;
