// The one pixel pipeline: decoded stored values -> Modality LUT -> VOI LUT
// (window) -> MONOCHROME1 inversion -> 8-bit image -> model input. The viewer,
// thumbnails, training and inference all go through here.
import { PNG } from 'pngjs';
import { applyVoi, fullRangeWindow, narrowestWindowWidth, voiLut, VOI_PRESETS, type VoiFunction } from '../../common/voi';
import type { DecodedFrame } from './decode';
import { decodeFrame } from './decode';
import { lookUp, voiTableGray } from './lut';
import { expandSegmentedPalette } from './segmented-palette';
import { DicomFileError, type InstanceMeta, type ParsedDicom } from './parse';

export interface VoiWindow {
  id: string;
  name: string;
  center: number;
  width: number;
}

export interface RenderedImage {
  rows: number;
  columns: number;
  channels: 1 | 3;
  data: Uint8Array;
}

/** Window presets per modality (common/voi.ts: one list for the engine, training and the renderer). */
export { VOI_PRESETS };

/**
 * The file's own windows first (there may be several), then the modality's presets. A window is
 * kept where its width is one the VOI LUT Function allows (PS3.3 C.11.2.1.2): at least 1 for
 * LINEAR, above 0 for LINEAR_EXACT and SIGMOID (an RT dose window of 0.5 Gy); a width of 0 or
 * below is no window.
 */
export function voiWindows(meta: InstanceMeta): VoiWindow[] {
  const own: VoiWindow[] = [];
  const centers = meta.windowCenter ?? [];
  const widths = meta.windowWidth ?? [];
  const narrowest = narrowestWindowWidth(voiFunction(meta));
  for (let i = 0; i < Math.min(centers.length, widths.length); i++) {
    // Named by the file's Window Center & Width Explanation (0028,1055) where it has one.
    const name = meta.windowExplanation?.[i] || (centers.length > 1 ? `File window ${i + 1}` : 'File window');
    if (widths[i] >= narrowest) own.push({ id: `file-${i + 1}`, name, center: centers[i], width: widths[i] });
  }
  return [...own, ...(VOI_PRESETS[meta.modality] ?? [])];
}

type RescaleMeta = Pick<InstanceMeta, 'rescaleSlope' | 'rescaleIntercept'> & Partial<Pick<InstanceMeta, 'modality' | 'doseGridScaling' | 'doseUnits' | 'modalityLutTable' | 'padding'>>;

/**
 * What a stored value means: output = stored x slope + intercept, in `unit`. An RT dose grid
 * has no Rescale Slope; its Dose Grid Scaling (3004,000E) turns stored values into dose
 * (PS3.3 C.8.8.3), so the viewer, thumbnails and models see Gy, never raw stored units.
 */
export function modalityRescale(meta: RescaleMeta): { slope: number; intercept: number; unit: string | null } {
  if (meta.modality === 'RTDOSE' && meta.doseGridScaling !== undefined) {
    const unit = meta.doseUnits === 'GY' ? 'Gy' : meta.doseUnits === 'RELATIVE' ? '%' : null;
    return { slope: meta.doseGridScaling, intercept: 0, unit };
  }
  return { slope: meta.rescaleSlope, intercept: meta.rescaleIntercept, unit: meta.modality === 'CT' ? 'HU' : null };
}

/** The largest 32-bit float: the viewer's values are Float32 (renderer/src/viewer/image.ts loadFrame). */
const FLOAT32_MAX = 3.4028234663852886e38;

/** A number for a message, as a DS writes it ("1e308", "2.3e39"). */
const numberText = (v: number, digits: number) => String(Number(v.toPrecision(digits))).replace('e+', 'e');

/** How every refusal of refuseUnshowable ends. */
const UNSHOWABLE = ', so the image cannot be shown. The file is corrupt; export it again from its source.';

/**
 * Throws the file's DicomFileError where a grey frame whose stored values (padding left out) run
 * from lo to hi cannot be shown after Rescale Slope and Intercept (or Dose Grid Scaling), naming
 * the attribute and its value: a value no 32-bit float holds (the values are Float32 here and in
 * the viewer, renderer/src/viewer/image.ts) is infinite, and the window, the corner and every
 * measurement on it would read Infinity or NaN; different stored values that all become one
 * 32-bit float (a slope of 1e-300) make one flat gray. dcmtk's dcmj2pnm draws such an image all
 * black without a word; Lumen says why instead, in the viewer (the rest of the series is shown as
 * usual), a thumbnail (made from a neighbour), `lumen render`, training and prediction alike.
 */
export function refuseUnshowable(file: string, lo: number, hi: number, meta: RescaleMeta, relative = false): void {
  const { slope, intercept } = modalityRescale(meta);
  const [a, b] = [lo * slope + intercept, hi * slope + intercept];
  const [fa, fb] = [Math.fround(a), Math.fround(b)];
  const scaling = meta.modality === 'RTDOSE' && meta.doseGridScaling !== undefined ? `Dose Grid Scaling ${numberText(slope, 6)}` : `Rescale Slope ${numberText(slope, 6)}`;
  // Different values that one 32-bit float holds (a slope of 1e-300): the image is one flat gray.
  // Carried relative to the smallest (valueBase), they collapse only where their spread does.
  const collapsed = relative ? Math.fround(b - a) === 0 : fa === fb;
  if (Number.isFinite(fa) && lo !== hi && collapsed) throw new DicomFileError(file, `${scaling} makes every value ${numberText(fa, 6)}${UNSHOWABLE}`);
  if (Number.isFinite(fa) && Number.isFinite(fb)) return;
  const what = scaling.startsWith('Dose') || Number.isFinite(Math.fround(intercept)) ? scaling : `Rescale Intercept ${numberText(intercept, 6)}`;
  const far = Number.isFinite(fb) ? a : b;
  const reach = Number.isFinite(far) ? `${far < 0 ? 'down to' : 'up to'} ${numberText(far, 2)}, ` : '';
  // Both ends beyond on the same side: every value between them is too.
  const problem = !Number.isFinite(fa) && !Number.isFinite(fb) && Math.sign(a) === Math.sign(b) ? `${what} makes every value infinite` : `${what} makes some values infinite (${reach}beyond the ±${numberText(FLOAT32_MAX, 2)} of 32-bit values)`;
  throw new DicomFileError(file, `${problem}${UNSHOWABLE}`);
}

/**
 * Whether `err` is refuseUnshowable's refusal (also as the decode pool sends it back): the file's
 * own values, so the same file is refused the same way again (the viewer keeps it,
 * electron/engine/viewer/frame.ts), where a read that failed might not fail twice.
 */
export function refusedForValues(err: unknown): err is DicomFileError {
  return err instanceof DicomFileError && err.reason.endsWith(UNSHOWABLE);
}

/**
 * Whether some stored value could pass Float32's range after Rescale Slope and Intercept (stored
 * values are integers of at most 32 bits, decode.ts PixelArray, so below that bound none can), or
 * a slope could make every value one 32-bit float (mayCollapse): a frame is scanned for
 * refuseUnshowable only then (every thumbnail, training and prediction
 * image is rendered: no pass over its pixels for the common case).
 */
function mayPassFloat32(meta: RescaleMeta): boolean {
  const { slope, intercept } = modalityRescale(meta);
  return !Number.isFinite(Math.fround(2 ** 32 * Math.abs(slope) + Math.abs(intercept))) || mayCollapse(slope, intercept);
}

/**
 * Whether one step of the stored values is below a 32-bit float's resolution at the intercept (or
 * below its smallest normal number): only then can a slope make every value one number (1e-300).
 */
function mayCollapse(slope: number, intercept: number): boolean {
  return slope !== 0 && Math.abs(slope) < Math.max(Math.abs(intercept) * 2 ** -23, 2 ** -126);
}

/**
 * Modality LUT (PS3.3 C.11.1): output = stored x Rescale Slope + Rescale Intercept (RT dose:
 * x Dose Grid Scaling), or the Modality LUT Sequence's table where the file has one.
 */
export function modalityLut(frame: Pick<DecodedFrame, 'pixels'>, meta: RescaleMeta, base = 0): Float32Array {
  const src = frame.pixels;
  const out = new Float32Array(src.length);
  const table = meta.modalityLutTable;
  if (table) {
    for (let i = 0; i < src.length; i++) out[i] = lookUp(table, src[i]) - base;
    return out;
  }
  const { slope, intercept } = modalityRescale(meta);
  if (slope === 1 && intercept === 0 && base === 0) out.set(src);
  else for (let i = 0; i < src.length; i++) out[i] = src[i] * slope + intercept - base;
  return out;
}

/** 2^24: up to here a 32-bit float holds every integer; beyond it, steps of 2, 4, ... 256 at 2^31. */
const FLOAT32_EXACT = 2 ** 24;

/**
 * What the frame's values are carried relative to in 32-bit floats (modalityLut's `base`): 0 for
 * every image whose values a 32-bit float holds one stored step apart (every 8- and 16-bit image
 * with an ordinary rescale, every 32-bit one below 2^24), so their values stay exactly as they
 * were; else the value of the frame's smallest stored value (padding left out), found in one pass.
 * A 32-bit image whose values run 2^30 .. 2^30 + 4000 (a dose grid, a parametric map), or a
 * Rescale Intercept of 1e9, would otherwise become steps of 128 in a 32-bit float, or one flat
 * gray; relative to the smallest they are 0 .. 4000, exactly. The window is moved by the same
 * base (renderDecoded), so every gray is the one the file's values give.
 */
export function valueBase(pixels: DecodedFrame['pixels'], meta: RescaleMeta): number {
  if (meta.modalityLutTable || pixels.length === 0) return 0;
  const { slope, intercept } = modalityRescale(meta);
  const storedBound = pixels instanceof Uint8Array || pixels instanceof Int8Array ? 2 ** 8 : pixels instanceof Uint16Array || pixels instanceof Int16Array ? 2 ** 16 : 2 ** 32;
  // The largest value the frame could hold, against the size one stored step may reach in a float.
  if (slope === 0 || !(storedBound * Math.abs(slope) + Math.abs(intercept) >= FLOAT32_EXACT * Math.abs(slope))) return 0;
  const [lo, hi] = minMaxUnpadded(pixels, pixels, meta.padding);
  const [a, b] = [lo * slope + intercept, hi * slope + intercept];
  if (!(Math.max(Math.abs(a), Math.abs(b)) >= FLOAT32_EXACT * Math.abs(slope))) return 0;
  const base = Math.min(a, b);
  return Number.isFinite(base) ? base : 0;
}

export { fullRangeWindow, type VoiFunction };

/**
 * How a window maps values to gray: the file's VOI LUT Function when it says LINEAR_EXACT;
 * an RT dose grid (continuous dose, where LINEAR's one-unit offsets would be a whole Gy)
 * is windowed exactly; everything else LINEAR (SIGMOID is shown as LINEAR).
 */
export function voiFunction(meta: Pick<InstanceMeta, 'modality'> & Partial<Pick<InstanceMeta, 'voiLutFunction' | 'doseGridScaling'>>): VoiFunction {
  if (meta.voiLutFunction === 'LINEAR_EXACT') return 'LINEAR_EXACT';
  if (meta.voiLutFunction === 'SIGMOID') return 'SIGMOID';
  if (meta.voiLutFunction === undefined && meta.modality === 'RTDOSE' && meta.doseGridScaling !== undefined) return 'LINEAR_EXACT';
  return 'LINEAR';
}

/** The VOI window to 0..255 (common/voi.ts, shared with the viewer); `invert` gives MONOCHROME1 its inverted display. */
export function applyWindow(values: Float32Array, center: number, width: number, invert: boolean, fn: VoiFunction = 'LINEAR'): Uint8Array {
  return applyVoi(values, { center, width, fn, invert });
}

/**
 * The Modality LUT and the window in one table over the stored values the frame holds: the same
 * gray as applyWindow(modalityLut(...)) value for value (each stored value goes through the
 * same float32 rescale and the same VOI function), at one table look-up per pixel instead of a
 * rescale and a VOI call. Integer frames of up to 16 bits whose value range is small next to
 * their pixel count; undefined otherwise (the caller takes the general path).
 */
export function windowStoredValues(pixels: DecodedFrame['pixels'], meta: RescaleMeta, window: { center: number; width: number; fn: VoiFunction; invert: boolean }, base = 0): Uint8Array | undefined {
  if (!(pixels instanceof Uint16Array || pixels instanceof Int16Array || pixels instanceof Uint8Array || pixels instanceof Int8Array)) return undefined;
  const n = pixels.length;
  if (n === 0) return undefined;
  let lo = pixels[0];
  let hi = lo;
  for (let i = 1; i < n; i++) {
    const v = pixels[i];
    if (v < lo) lo = v;
    else if (v > hi) hi = v;
  }
  const span = hi - lo + 1;
  if (span > n) return undefined;
  const table = meta.modalityLutTable;
  const { slope, intercept } = modalityRescale(meta);
  const gray = voiLut(window.center - base, window.width, window.fn, window.invert);
  const lut = new Uint8Array(span);
  for (let s = lo; s <= hi; s++) lut[s - lo] = gray(Math.fround((table ? lookUp(table, s) : s * slope + intercept) - base));
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = lut[pixels[i] - lo];
  return out;
}

/**
 * Colour wider than 8 bits is shown over its whole Bits Stored range, 0 .. 2^bits - 1 to 0..255,
 * whatever its values span and whatever window the file holds (a VOI window is for gray, PS3.3
 * C.11.2), as dcm2pnm shows it: the viewer (viewer-frame.ts) starts from the same window.
 */
export function colourWindow(bitsStored: number): { center: number; width: number } {
  return fullRangeWindow(0, 2 ** bitsStored - 1);
}

/** The smallest and largest value ([0, 0] for none). */
export function minMax(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? [0, 0] : [lo, hi];
}

/**
 * The smallest and largest of `values` over the pixels that are not padding (`stored`, the
 * frame's stored values, outside `padding`: PS3.3 C.7.5.1.1.2); every value where there is no
 * padding, or where every pixel is padding.
 */
export function minMaxUnpadded(values: ArrayLike<number>, stored: ArrayLike<number>, padding: readonly [number, number] | undefined): [number, number] {
  if (!padding || stored.length !== values.length) return minMax(values);
  const [p0, p1] = padding;
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const s = stored[i];
    if (s >= p0 && s <= p1) continue;
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo === Infinity ? minMax(values) : [lo, hi];
}

function readLut(parsed: ParsedDicom, channel: 'x1201' | 'x1202' | 'x1203', descriptorTag: string): { first: number; entries: number; table: Uint8Array } {
  const ds = parsed.dataSet;
  const dataTag = `x0028${channel.slice(1)}`;
  const desc = ds.elements[descriptorTag];
  const data = ds.elements[dataTag];
  // Segmented Palette Color Lookup Table Data (0028,1221-1223) where the plain table is absent.
  const segmentedTag = ({ x1201: 'x00281221', x1202: 'x00281222', x1203: 'x00281223' } as const)[channel];
  const segmented = data ? undefined : ds.elements[segmentedTag];
  const colour = descriptorTag === 'x00281101' ? 'red' : descriptorTag === 'x00281102' ? 'green' : 'blue';
  if (!desc || !(data || segmented) || desc.length < 6) {
    const what = !desc || desc.length < 6 ? `a ${colour} palette descriptor (${descriptorTag.slice(1, 5)},${descriptorTag.slice(5)}) of three values` : `its ${colour} palette (${dataTag.slice(1, 5)},${dataTag.slice(5)})`;
    throw new DicomFileError(parsed.file, `a PALETTE COLOR image without ${what}: its colours cannot be shown. The file is corrupt or incomplete; export it again from its source.`);
  }
  const entries = ds.uint16(descriptorTag, 0) || 65536;
  const first = parsed.meta.pixelRepresentation ? (ds.int16(descriptorTag, 1) ?? 0) : (ds.uint16(descriptorTag, 1) ?? 0);
  const bits = ds.uint16(descriptorTag, 2) ?? 16;
  const table = new Uint8Array(entries);
  if (!data) {
    const words = new Uint16Array(segmented!.length >> 1);
    for (let i = 0; i < words.length; i++) words[i] = ds.uint16(segmentedTag, i) ?? 0;
    const expanded = expandSegmentedPalette(words, entries);
    if (typeof expanded === 'string') {
      throw new DicomFileError(parsed.file, `its ${colour} segmented palette (0028,${segmentedTag.slice(5)}) cannot be expanded: ${expanded}. The file is corrupt; export it again from its source.`);
    }
    let max = 0;
    for (const v of expanded) max = Math.max(max, v);
    // As a plain table: 8-bit entries as they are, 16-bit ones to their high byte.
    const shift = bits === 8 || max < 256 ? 0 : 8;
    for (let i = 0; i < entries; i++) table[i] = bits === 8 ? expanded[i] & 0xff : expanded[i] >> shift;
  } else if (bits === 8 && data.length === entries) {
    for (let i = 0; i < entries; i++) table[i] = ds.byteArray[data.dataOffset + i];
  } else if (bits === 8) {
    // 8-bit entries stored one per 16-bit word (some writers do this).
    for (let i = 0; i < entries && 2 * i + 1 < data.length; i++) table[i] = (ds.uint16(dataTag, i) ?? 0) & 0xff;
  } else {
    const n = Math.min(entries, data.length >> 1);
    let max = 0;
    for (let i = 0; i < n; i++) max = Math.max(max, ds.uint16(dataTag, i) ?? 0);
    // Some files declare 16 bits but hold 8-bit values.
    const shift = max < 256 ? 0 : 8;
    for (let i = 0; i < n; i++) table[i] = (ds.uint16(dataTag, i) ?? 0) >> shift;
  }
  return { first, entries, table };
}

function applyPalette(parsed: ParsedDicom, frame: DecodedFrame): Uint8Array {
  const luts = [readLut(parsed, 'x1201', 'x00281101'), readLut(parsed, 'x1202', 'x00281102'), readLut(parsed, 'x1203', 'x00281103')];
  const px = frame.pixels;
  const out = new Uint8Array(px.length * 3);
  for (let i = 0; i < px.length; i++) {
    for (let c = 0; c < 3; c++) {
      const lut = luts[c];
      const idx = Math.min(Math.max(px[i] - lut.first, 0), lut.entries - 1);
      out[i * 3 + c] = lut.table[idx];
    }
  }
  return out;
}

export interface RenderOptions {
  window?: { center: number; width: number };
  /** The n-th (from 0) table of the file's VOI LUT Sequence instead of a window. */
  voiLut?: number;
}

/**
 * Whether gray is shown inverted (white for low values): Presentation LUT Shape
 * (2050,0020) decides where the file has one, INVERSE or IDENTITY, else
 * MONOCHROME1 is (as dcmtk's dcm2pnm shows them).
 */
export function displayInverted(meta: Partial<Pick<InstanceMeta, 'presentationLutShape'>>, photometric: string): boolean {
  if (meta.presentationLutShape === 'INVERSE') return true;
  if (meta.presentationLutShape === 'IDENTITY') return false;
  return photometric === 'MONOCHROME1';
}

/**
 * The header as it applies to one frame: an Enhanced image whose frames have rescales or windows
 * of their own (Per-Frame Functional Groups, parse.ts frameDisplay), or lie in places or planes of
 * their own (frameGeometry), gets that frame's; any other file its own header.
 */
export function metaOfFrame<M extends Pick<InstanceMeta, 'frameDisplay' | 'frameGeometry'>>(meta: M, frameIndex: number): M {
  const own = meta.frameDisplay?.[frameIndex];
  // Where the frame lies (its Plane Position, a localizer frame's plane): each value it has.
  const place = meta.frameGeometry?.[frameIndex];
  if (!own && !place) return meta;
  const placed = place ? { ...meta, ...place } : meta;
  if (!own) return placed;
  return { ...placed, rescaleSlope: own.rescaleSlope ?? 1, rescaleIntercept: own.rescaleIntercept ?? 0, windowCenter: own.windowCenter, windowWidth: own.windowWidth, windowExplanation: own.windowExplanation, voiLutFunction: own.voiLutFunction };
}

/** The parsed file with its header as it applies to one frame (metaOfFrame). */
export function parsedForFrame(parsed: ParsedDicom, frameIndex: number): ParsedDicom {
  const meta = metaOfFrame(parsed.meta, frameIndex);
  return meta === parsed.meta ? parsed : { ...parsed, meta };
}

/** A frame ready to show or to feed a model: 8-bit, windowed, MONOCHROME1 inverted, color as RGB. */
export async function renderFrame(
  parsed: ParsedDicom,
  frameIndex: number,
  opts: RenderOptions = {},
): Promise<RenderedImage & { window?: { center: number; width: number } }> {
  const frame = await decodeFrame(parsed, frameIndex);
  return renderDecoded(parsedForFrame(parsed, frameIndex), frame, opts);
}

/** renderFrame for a frame already decoded (e.g. by the worker pool). */
export function renderDecoded(parsed: ParsedDicom, frame: DecodedFrame, opts: RenderOptions = {}): RenderedImage & { window?: { center: number; width: number } } {
  const { rows, columns } = frame;
  if (frame.photometricInterpretation === 'PALETTE COLOR') {
    return { rows, columns, channels: 3, data: applyPalette(parsed, frame) };
  }
  if (frame.samplesPerPixel === 3) {
    if (frame.bitsAllocated <= 8 && !opts.window) return { rows, columns, channels: 3, data: new Uint8Array(frame.pixels.buffer, frame.pixels.byteOffset, frame.pixels.length) };
    const values = Float32Array.from(frame.pixels);
    const window = opts.window ?? colourWindow(parsed.meta.bitsStored);
    return { rows, columns, channels: 3, data: applyWindow(values, window.center, window.width, false), window };
  }
  if (!parsed.meta.modalityLutTable && mayPassFloat32(parsed.meta)) {
    const [lo, hi] = minMaxUnpadded(frame.pixels, frame.pixels, parsed.meta.padding);
    refuseUnshowable(parsed.file, lo, hi, parsed.meta, true);
  }
  const fn = voiFunction(parsed.meta);
  const invert = displayInverted(parsed.meta, frame.photometricInterpretation);
  const tables = parsed.meta.voiLutTables ?? [];
  let window = opts.window;
  // A VOI LUT table when asked for, or when the file has one and no window of its own.
  const own = voiWindows(parsed.meta)[0];
  const hasOwnWindow = own !== undefined && own.id.startsWith('file-');
  const table = opts.voiLut !== undefined ? tables[opts.voiLut] : !window && !hasOwnWindow ? tables[0] : undefined;
  if (opts.voiLut !== undefined && !table) throw new DicomFileError(parsed.file, `has no VOI LUT ${opts.voiLut + 1}: its VOI LUT Sequence holds ${tables.length}.`);
  // Values far from 0 with a narrow spread go relative to their smallest (valueBase), the window with them.
  const base = table ? 0 : valueBase(frame.pixels, parsed.meta);
  if (!table && (window || hasOwnWindow)) {
    const w = window ?? { center: own!.center, width: own!.width };
    const gray = windowStoredValues(frame.pixels, parsed.meta, { center: w.center, width: w.width, fn, invert }, base);
    if (gray) return { rows, columns, channels: 1, data: gray, window: w };
  }
  const values = modalityLut(frame, parsed.meta, base);
  if (table) return { rows, columns, channels: 1, data: voiTableGray(table, values, invert) };
  if (!window) {
    if (hasOwnWindow) window = { center: own.center, width: own.width };
    else {
      const [lo, hi] = frame.samplesPerPixel === 1 ? minMaxUnpadded(values, frame.pixels, parsed.meta.padding) : minMax(values);
      const relative = fullRangeWindow(lo, hi, fn);
      window = { center: relative.center + base, width: relative.width };
    }
  }
  return { rows, columns, channels: 1, data: applyWindow(values, window.center - base, window.width, invert, fn), window };
}

export interface ModelNormalisation {
  /** Multiplies the 0..255 value first (1/255 for models trained on 0..1). */
  scale: number;
  mean: [number, number, number];
  std: [number, number, number];
  /**
   * How a larger image is scaled down to the input: 'area' averages every source pixel under
   * a target pixel (antialiased: a thin structure keeps its share of the intensity at any
   * factor); 'bilinear' (the default, what packages made before 'area' were trained with)
   * samples 2x2 neighbours, which at factors above 2 skips source pixels and aliases.
   * Enlarging is bilinear either way.
   */
  resize?: 'bilinear' | 'area';
}

/** Per target index, the source indices it covers and their weights (box filter, sums to 1). */
function areaTaps(src: number, dst: number): { index: Int32Array; weight: Float32Array; start: Int32Array } {
  const scale = src / dst;
  const start = new Int32Array(dst + 1);
  const index: number[] = [];
  const weight: number[] = [];
  for (let t = 0; t < dst; t++) {
    start[t] = index.length;
    const a = t * scale;
    const b = (t + 1) * scale;
    for (let s = Math.floor(a); s < Math.min(src, Math.ceil(b)); s++) {
      const w = Math.min(b, s + 1) - Math.max(a, s);
      if (w > 1e-9) {
        index.push(s);
        weight.push(w / scale);
      }
    }
  }
  start[dst] = index.length;
  return { index: Int32Array.from(index), weight: Float32Array.from(weight), start };
}

/** Box-filtered downscale of an 8-bit image to w x h, as 0..255 floats (channels kept). */
function areaResize(img: RenderedImage, w: number, h: number): Float32Array {
  const ch = img.channels;
  const cols = areaTaps(img.columns, w);
  const rows = areaTaps(img.rows, h);
  const tmp = new Float32Array(img.rows * w * ch);
  if (ch === 1) {
    // A gray image (the common case: CT, MR, X-ray): the same sums without the channel loop.
    const data = img.data;
    const { start, index, weight } = cols;
    for (let r = 0; r < img.rows; r++) {
      const row = r * img.columns;
      for (let x = 0; x < w; x++) {
        let acc = 0;
        for (let k = start[x]; k < start[x + 1]; k++) acc += data[row + index[k]] * weight[k];
        tmp[r * w + x] = acc;
      }
    }
  } else for (let r = 0; r < img.rows; r++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < ch; c++) {
        let acc = 0;
        for (let k = cols.start[x]; k < cols.start[x + 1]; k++) acc += img.data[(r * img.columns + cols.index[k]) * ch + c] * cols.weight[k];
        tmp[(r * w + x) * ch + c] = acc;
      }
    }
  }
  const out = new Float32Array(h * w * ch);
  for (let y = 0; y < h; y++) {
    for (let k = rows.start[y]; k < rows.start[y + 1]; k++) {
      const wgt = rows.weight[k];
      const src = rows.index[k] * w * ch;
      const dst = y * w * ch;
      for (let i = 0; i < w * ch; i++) out[dst + i] += tmp[src + i] * wgt;
    }
  }
  return out;
}

/**
 * Model input: NHWC float32, size x size x 3. The image is scaled to fit with
 * its aspect ratio kept (norm.resize: bilinear, or area-averaged when shrinking), centred, and the border padded with black
 * (value 0 before normalisation); gray images are repeated on 3 channels.
 */
export function modelInput(img: RenderedImage, size: number, norm: ModelNormalisation): Float32Array {
  const out = new Float32Array(size * size * 3);
  const pad = [0, 1, 2].map((c) => (0 * norm.scale - norm.mean[c]) / norm.std[c]);
  for (let i = 0; i < size * size; i++) {
    out[i * 3] = pad[0];
    out[i * 3 + 1] = pad[1];
    out[i * 3 + 2] = pad[2];
  }
  const scale = size / Math.max(img.rows, img.columns);
  const w = Math.max(1, Math.round(img.columns * scale));
  const h = Math.max(1, Math.round(img.rows * scale));
  const x0 = Math.floor((size - w) / 2);
  const y0 = Math.floor((size - h) / 2);
  const ch = img.channels;
  const sx = img.columns / w;
  const sy = img.rows / h;
  const mul = [0, 1, 2].map((c) => norm.scale / norm.std[c]);
  const add = [0, 1, 2].map((c) => -norm.mean[c] / norm.std[c]);
  if (norm.resize === 'area' && (w < img.columns || h < img.rows)) {
    const small = areaResize(img, w, h);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const o = ((y0 + y) * size + x0 + x) * 3;
        for (let c = 0; c < 3; c++) out[o + c] = small[(y * w + x) * ch + (ch === 3 ? c : 0)] * mul[c] + add[c];
      }
    }
    return out;
  }
  // Pixel centres map to pixel centres (align_corners = false). The taps of each output column
  // are worked out once, not once per row and channel (the same arithmetic, so the same values).
  const xa = new Int32Array(w);
  const xb = new Int32Array(w);
  const wxs = new Float64Array(w);
  for (let x = 0; x < w; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.columns - 1);
    xa[x] = Math.floor(fx);
    xb[x] = Math.min(xa[x] + 1, img.columns - 1);
    wxs[x] = fx - xa[x];
  }
  const data = img.data;
  const cols = img.columns;
  for (let y = 0; y < h; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.rows - 1);
    const ya = Math.floor(fy);
    const yb = Math.min(ya + 1, img.rows - 1);
    const wy = fy - ya;
    for (let x = 0; x < w; x++) {
      const wx = wxs[x];
      const o = ((y0 + y) * size + x0 + x) * 3;
      if (ch === 1) {
        // A gray image: one interpolation, repeated on the three channels.
        const a0 = ya * cols;
        const b0 = yb * cols;
        const v = (data[a0 + xa[x]] * (1 - wx) + data[a0 + xb[x]] * wx) * (1 - wy) + (data[b0 + xa[x]] * (1 - wx) + data[b0 + xb[x]] * wx) * wy;
        out[o] = v * mul[0] + add[0];
        out[o + 1] = v * mul[1] + add[1];
        out[o + 2] = v * mul[2] + add[2];
        continue;
      }
      for (let c = 0; c < 3; c++) {
        const cc = ch === 3 ? c : 0;
        const p = (r: number, col: number) => data[(r * cols + col) * ch + cc];
        const v = (p(ya, xa[x]) * (1 - wx) + p(ya, xb[x]) * wx) * (1 - wy) + (p(yb, xa[x]) * (1 - wx) + p(yb, xb[x]) * wx) * wy;
        out[o + c] = v * mul[c] + add[c];
      }
    }
  }
  return out;
}

/** PNG bytes of an 8-bit image (gray or RGB). */
export function encodePng(img: { rows: number; columns: number; channels: number; data: Uint8Array }): Buffer {
  const png = new PNG({ width: img.columns, height: img.rows, colorType: img.channels === 3 ? 2 : 0, inputColorType: 6, bitDepth: 8 });
  const n = img.rows * img.columns;
  const rgba = png.data;
  for (let i = 0; i < n; i++) {
    if (img.channels === 3) {
      rgba[i * 4] = img.data[i * 3];
      rgba[i * 4 + 1] = img.data[i * 3 + 1];
      rgba[i * 4 + 2] = img.data[i * 3 + 2];
    } else {
      const v = img.data[i];
      rgba[i * 4] = v;
      rgba[i * 4 + 1] = v;
      rgba[i * 4 + 2] = v;
    }
    rgba[i * 4 + 3] = 255;
  }
  return PNG.sync.write(png, { colorType: img.channels === 3 ? 2 : 0, inputColorType: 6 });
}
