// Frames for the viewer: decoded once (the one decode path, decode.ts) and sent as stored values
// with the LUT parameters, so the renderer windows them itself without a second decoder. PALETTE
// COLOR is the exception: its stored values are indices, so it goes as the RGB its palette gives
// (the renderer shows 8-bit RGB as it is). Made on the decode pool (pool.ts, viewerFrameOnPool),
// so a slow decode never holds up the engine's other requests.
import type { ViewerFrame } from '../../common/contract/library';
import { paddingMask } from '../../common/roi';
import { dtypeOf, decodeFrame } from './decode';
import { lossyOf } from './lossy';
import { positionOnUnitNormal } from './slice-normal';
import type { LutTable } from './lut';
import type { InstanceMeta, ParsedDicom } from './parse';
import { displayInverted, metaOfFrame, minMaxUnpadded, modalityLut, modalityRescale, refuseUnshowable, renderDecoded, valueBase, voiFunction, voiWindows } from './pixels';

/** The bytes of a typed array, as a view (no copy). */
const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * Where a slice lies along its normal (mm), for a file without Slice Location (0020,1041), as
 * dump2dcm and many converters write: Image Position (Patient) projected on row × column of Image
 * Orientation (Patient), as viewers do, so a series with a slice missing shows the jump. Null
 * without both, and for an image without Pixel Spacing in the patient: it is measured in pixels,
 * and shows no millimetres.
 */
function locationAlongNormal(meta: InstanceMeta): number | null {
  if (!meta.pixelSpacing || (meta.pixelSpacingKind ?? 'patient') !== 'patient') return null;
  const p = meta.imagePositionPatient;
  const o = meta.imageOrientationPatient;
  if (!p || o?.length !== 6 || !p.every(Number.isFinite)) return null;
  return positionOnUnitNormal(p, o);
}

export async function viewerFrameOf(parsed: ParsedDicom, frameIndex: number): Promise<ViewerFrame> {
  const frame = await decodeFrame(parsed, frameIndex);
  // An Enhanced image's frame has its own rescale and windows where its frames differ.
  const meta = metaOfFrame(parsed.meta, frameIndex);
  // What every frame carries: which image, its size and its geometry.
  const common = {
    sopInstanceUid: meta.sopInstanceUid,
    frame: frameIndex,
    ...measuringGeometry(meta, frame.rows, frame.columns),
    instanceNumber: meta.instanceNumber ?? null,
    sliceLocation: meta.sliceLocation ?? locationAlongNormal(meta),
    sliceThickness: meta.sliceThickness ?? null,
    orientation: meta.imageOrientationPatient?.length === 6 ? meta.imageOrientationPatient : null,
    lossy: lossyOf(parsed, frameIndex),
  };
  if (frame.photometricInterpretation === 'PALETTE COLOR') {
    const rgb = renderDecoded(parsed, frame);
    return {
      ...common,
      samplesPerPixel: 3,
      dtype: 'uint8',
      pixels: bytesOf(rgb.data),
      slope: 1,
      intercept: 0,
      photometric: 'RGB',
      unit: null,
      voiFunction: 'LINEAR',
      // The palette decides the colours: no window applies.
      windows: [],
      range: [0, 255],
    };
  }
  if (frame.samplesPerPixel === 3) {
    // Colour over its Bits Stored range (the viewer's first window is then renderDecoded's
    // colourWindow), no window of the file's: those are for gray.
    return {
      ...common,
      samplesPerPixel: 3,
      dtype: dtypeOf(frame.pixels) as ViewerFrame['dtype'],
      pixels: bytesOf(frame.pixels),
      slope: 1,
      intercept: 0,
      photometric: frame.photometricInterpretation,
      unit: null,
      voiFunction: 'LINEAR',
      windows: [],
      range: [0, 2 ** meta.bitsStored - 1],
    };
  }
  // A Modality LUT Sequence is a table, not a slope: its output goes as the values, slope 1.
  const px = meta.modalityLutTable ? Int32Array.from(modalityLut(frame, meta)) : frame.pixels;
  // Padding (stored values) is left out of the range the full-range window spans.
  const [lo, hi] = minMaxUnpadded(px, frame.pixels, meta.padding);
  const { slope, intercept, unit } = meta.modalityLutTable ? { slope: 1, intercept: 0, unit: modalityRescale(meta).unit } : modalityRescale(meta);
  const a = lo * slope + intercept;
  const b = hi * slope + intercept;
  // Values far from 0 with a narrow spread go relative to their smallest (the renderer adds it back).
  const base = meta.modalityLutTable ? 0 : valueBase(frame.pixels, meta);
  if (!meta.modalityLutTable) refuseUnshowable(parsed.file, lo, hi, meta, true);
  return {
    ...common,
    samplesPerPixel: frame.samplesPerPixel,
    dtype: dtypeOf(px) as ViewerFrame['dtype'],
    pixels: bytesOf(px),
    slope,
    intercept,
    photometric: frame.photometricInterpretation,
    inverted: frame.samplesPerPixel === 1 && displayInverted(meta, frame.photometricInterpretation),
    unit: frame.samplesPerPixel === 1 ? unit : null,
    voiFunction: voiFunction(meta),
    windows: withVoiLuts(voiWindows(meta), meta.voiLutTables),
    voiLuts: meta.voiLutTables?.map((t, i) => ({ id: `lut-${i + 1}`, first: t.first, bits: t.bits, data: Array.from(t.data) })),
    range: [Math.min(a, b), Math.max(a, b)],
    ...(base !== 0 ? { valueBase: base } : {}),
    // In the units of `pixels`: stored values, except after a Modality LUT Sequence (not a range there).
    padding: meta.padding && !meta.modalityLutTable ? meta.padding : null,
    // Padding decided on the stored values, whatever the Modality LUT makes of them (PS3.3 C.7.5.1.1.2).
    paddingMask: paddingMask(frame.pixels, meta.padding),
  };
}

/**
 * What a frame is measured with (common/roi.ts FrameGeometry), from its header as it applies to
 * that frame (metaOfFrame: an Enhanced image's frame has its own Pixel Measures): its size, Pixel
 * Spacing and what it measures, ultrasound regions, Pixel Aspect Ratio. The viewer's frame
 * carries these; the exports measure a frame's lengths and regions with the same
 * (electron/results/region-stats.ts).
 */
export function measuringGeometry(meta: Pick<InstanceMeta, 'pixelSpacing' | 'pixelSpacingKind' | 'usRegions' | 'pixelAspect'>, rows: number, columns: number) {
  return {
    rows,
    columns,
    pixelSpacing: meta.pixelSpacing ?? null,
    pixelSpacingKind: meta.pixelSpacing ? (meta.pixelSpacingKind ?? 'patient') : null,
    usRegions: meta.usRegions ?? null,
    pixelAspect: meta.pixelAspect ?? null,
  };
}

/**
 * The file's VOI LUT tables as presets after its windows ("lut-<n>", named by LUT
 * Explanation); their centre and width span the table's input, where a window/level drag
 * from one starts.
 */
function withVoiLuts(windows: ViewerFrame['windows'], tables: LutTable[] | undefined): ViewerFrame['windows'] {
  if (!tables?.length) return windows;
  const own = windows.filter((w) => w.id.startsWith('file-'));
  const luts = tables.map((t, i) => ({
    id: `lut-${i + 1}`,
    name: t.explanation || (tables.length > 1 ? `File VOI LUT ${i + 1}` : 'File VOI LUT'),
    center: t.first + t.data.length / 2,
    width: Math.max(1, t.data.length),
  }));
  return [...own, ...luts, ...windows.filter((w) => !w.id.startsWith('file-'))];
}
