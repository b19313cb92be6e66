// DICOM parsing: one entry point for every file the app reads (import, viewer,
// training, inference, CLI). Runs under plain Node: never import 'electron'.
import { inflateRawSync } from 'node:zlib';
import dicomParser from 'dicom-parser';
import { characterSet, isPlainAscii, type CharacterSet } from './charset';
import { parseDicomFast, type FastParseOptions } from './elements';
import { firstFrameGeometry, frameDisplayGroups, frameGeometries, pairWindows, type FrameDisplay, type FrameGeometry } from './functional-groups';
import { hasLutSequence, readLutSequence, type LutTable } from './lut';
import { findStructureProblem, scanForSequenceOverrun, sequenceOverrunReason, type Overlong, type SequenceOverrun } from './parse-items';
import { describeFsError } from './fs-errors';
import { FileReadError, readRegularFileAsync } from '../../common/node/read-file';
import { errorMessage } from '../../common/errors';
import { isLibraryUid } from '../../common/dicom-uid';
import type { PixelSpacingKind, UsRegion } from '../../common/roi';

/** A file that cannot be used, with a reason a person understands. */
export class DicomFileError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'DicomFileError';
  }
}

export interface InstanceMeta {
  sopInstanceUid: string;
  sopClassUid: string;
  studyInstanceUid: string;
  seriesInstanceUid: string;
  patientId: string;
  patientName: string;
  patientBirthDate?: string;
  patientSex?: string;
  studyDate?: string;
  studyTime?: string;
  studyDescription?: string;
  accessionNumber?: string;
  seriesDescription?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  modality: string;
  rows: number;
  columns: number;
  numberOfFrames: number;
  pixelSpacing?: [number, number];
  /**
   * What pixelSpacing measures (PS3.3 10.7.1.3): 'patient' (Pixel Spacing), 'calibrated'
   * (Pixel Spacing with a Pixel Spacing Calibration Type), 'detector' (Imager Pixel Spacing
   * (0018,1164) alone: at the detector, larger than the body by the magnification) or
   * 'magnification' (Imager Pixel Spacing divided by Estimated Radiographic Magnification
   * Factor (0018,1114)). Unset with pixelSpacing.
   */
  pixelSpacingKind?: PixelSpacingKind;
  /**
   * The Sequence of Ultrasound Regions (0018,6011), each item as written (common/roi.ts UsRegion:
   * unchecked here; calibrationAt decides what a region can measure). Unset without one.
   */
  usRegions?: UsRegion[];
  /** Pixel Aspect Ratio (0028,0034) as [vertical, horizontal], where the file gives two numbers. */
  pixelAspect?: [number, number];
  /**
   * Pixel Padding Value (0028,0120) and Pixel Padding Range Limit (0028,0121), as the lowest and
   * highest padding stored value (PS3.3 C.7.5.1.1.2: stored-pixel units, before the Modality
   * LUT). These pixels are left out of the full-range window and of region statistics.
   */
  padding?: [number, number];
  sliceThickness?: number;
  sliceLocation?: number;
  imagePositionPatient?: [number, number, number];
  imageOrientationPatient?: number[];
  windowCenter?: number[];
  windowWidth?: number[];
  rescaleSlope: number;
  rescaleIntercept: number;
  /** RT Dose: Dose Grid Scaling (3004,000E), stored value x scaling = dose in Dose Units. */
  doseGridScaling?: number;
  /** RT Dose: Dose Units (3004,0002), GY or RELATIVE. */
  doseUnits?: string;
  /** VOI LUT Function (0028,1056): LINEAR (the default), LINEAR_EXACT or SIGMOID. */
  voiLutFunction?: string;
  /** Window Center & Width Explanation (0028,1055), one per window. */
  windowExplanation?: string[];
  /** Presentation LUT Shape (2050,0020): IDENTITY or INVERSE (MG, CR, DX "for presentation"). */
  presentationLutShape?: string;
  /** Modality LUT Sequence (0028,3000): a table in place of Rescale Slope/Intercept. */
  modalityLutTable?: LutTable;
  /** VOI LUT Sequence (0028,3010): tables in place of a window. */
  voiLutTables?: LutTable[];
  /**
   * An Enhanced image's rescale and windows per frame, where its frames differ (functional-groups.ts;
   * the fields above hold the first frame's): pixels.ts metaOfFrame picks one.
   */
  frameDisplay?: FrameDisplay[];
  /**
   * An Enhanced image's spacing, thickness, orientation and position per frame, where its frames
   * differ (the fields above hold the first frame's): metaOfFrame picks one.
   */
  frameGeometry?: FrameGeometry[];
  photometricInterpretation: string;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  pixelRepresentation: number;
  samplesPerPixel: number;
  planarConfiguration: number;
  transferSyntaxUid: string;
  hasPixelData: boolean;
  /** Float Pixel Data (7FE0,0008) or Double Float Pixel Data (7FE0,0009) in place of integer samples: which. */
  floatPixelData?: '7FE0,0008' | '7FE0,0009';
  /**
   * Set when Number of Frames (0028,0008) claims more frames than the pixel data
   * holds: why, in words. numberOfFrames is then what the pixel data holds (never
   * a header's count: 2^31 - 1 frames must not size an array), and the file is refused.
   */
  frameCountProblem?: string;
}

export interface ParsedDicom {
  file: string;
  byteLength: number;
  dataSet: dicomParser.DataSet;
  meta: InstanceMeta;
}

export interface ParseOptions {
  /** Stop parsing at this tag (e.g. 'x7fe00010' to skip reading past the pixel data header). */
  untilTag?: string;
}

export const TS = {
  implicitLE: '1.2.840.10008.1.2',
  explicitLE: '1.2.840.10008.1.2.1',
  deflatedLE: '1.2.840.10008.1.2.1.99',
  explicitBE: '1.2.840.10008.1.2.2',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegExtended: '1.2.840.10008.1.2.4.51',
  jpegSpectral: '1.2.840.10008.1.2.4.53',
  jpegProgressive: '1.2.840.10008.1.2.4.55',
  jpegLossless14: '1.2.840.10008.1.2.4.57',
  jpegLosslessSV1: '1.2.840.10008.1.2.4.70',
  jpegLsLossless: '1.2.840.10008.1.2.4.80',
  jpegLsNear: '1.2.840.10008.1.2.4.81',
  j2kLossless: '1.2.840.10008.1.2.4.90',
  j2k: '1.2.840.10008.1.2.4.91',
  htj2kLossless: '1.2.840.10008.1.2.4.201',
  htj2kLosslessRpcl: '1.2.840.10008.1.2.4.202',
  htj2k: '1.2.840.10008.1.2.4.203',
  rle: '1.2.840.10008.1.2.5',
} as const;

const TS_NAMES: Record<string, string> = {
  [TS.implicitLE]: 'Implicit VR Little Endian',
  [TS.explicitLE]: 'Explicit VR Little Endian',
  [TS.deflatedLE]: 'Deflated Explicit VR Little Endian',
  [TS.explicitBE]: 'Explicit VR Big Endian',
  [TS.jpegBaseline]: 'JPEG Baseline (Process 1)',
  [TS.jpegExtended]: 'JPEG Extended (Process 2 & 4)',
  '1.2.840.10008.1.2.4.52': 'JPEG Extended (Process 3 & 5) (retired)',
  [TS.jpegSpectral]: 'JPEG Spectral Selection, Non-Hierarchical (retired)',
  [TS.jpegProgressive]: 'JPEG Full Progression, Non-Hierarchical (retired)',
  [TS.jpegLossless14]: 'JPEG Lossless, Non-Hierarchical (Process 14)',
  [TS.jpegLosslessSV1]: 'JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14 [Selection Value 1])',
  [TS.jpegLsLossless]: 'JPEG-LS Lossless',
  [TS.jpegLsNear]: 'JPEG-LS Lossy (Near-Lossless)',
  [TS.j2kLossless]: 'JPEG 2000 Image Compression (Lossless Only)',
  [TS.j2k]: 'JPEG 2000 Image Compression',
  '1.2.840.10008.1.2.4.92': 'JPEG 2000 Part 2 Multi-component (Lossless Only)',
  '1.2.840.10008.1.2.4.93': 'JPEG 2000 Part 2 Multi-component',
  '1.2.840.10008.1.2.4.94': 'JPIP Referenced',
  '1.2.840.10008.1.2.4.95': 'JPIP Referenced Deflate',
  '1.2.840.10008.1.2.4.100': 'MPEG2 Main Profile / Main Level',
  '1.2.840.10008.1.2.4.101': 'MPEG2 Main Profile / High Level',
  '1.2.840.10008.1.2.4.102': 'MPEG-4 AVC/H.264 High Profile / Level 4.1',
  '1.2.840.10008.1.2.4.103': 'MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1',
  '1.2.840.10008.1.2.4.104': 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video',
  '1.2.840.10008.1.2.4.105': 'MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video',
  '1.2.840.10008.1.2.4.106': 'MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2',
  '1.2.840.10008.1.2.4.107': 'HEVC/H.265 Main Profile / Level 5.1',
  '1.2.840.10008.1.2.4.108': 'HEVC/H.265 Main 10 Profile / Level 5.1',
  '1.2.840.10008.1.2.4.110': 'JPEG XL Lossless',
  '1.2.840.10008.1.2.4.111': 'JPEG XL JPEG Recompression',
  '1.2.840.10008.1.2.4.112': 'JPEG XL',
  [TS.htj2kLossless]: 'High-Throughput JPEG 2000 Image Compression (Lossless Only)',
  [TS.htj2kLosslessRpcl]: 'High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)',
  [TS.htj2k]: 'High-Throughput JPEG 2000 Image Compression',
  [TS.rle]: 'RLE Lossless',
  '1.2.840.10008.1.2.6.1': 'RFC 2557 MIME encapsulation (retired)',
  '1.2.840.10008.1.2.6.2': 'XML Encoding (retired)',
};

/** The transfer syntaxes whose pixel data Lumen decodes (see decode.ts). */
export const SUPPORTED_TRANSFER_SYNTAXES: readonly string[] = [
  TS.implicitLE, TS.explicitLE, TS.deflatedLE, TS.explicitBE, TS.rle,
  TS.jpegBaseline, TS.jpegExtended, TS.jpegSpectral, TS.jpegProgressive, TS.jpegLossless14, TS.jpegLosslessSV1,
  TS.jpegLsLossless, TS.jpegLsNear, TS.j2kLossless, TS.j2k,
  TS.htj2kLossless, TS.htj2kLosslessRpcl, TS.htj2k,
];

export function transferSyntaxName(uid: string): string {
  return TS_NAMES[uid] ?? 'unknown transfer syntax';
}

export function isEncapsulated(uid: string): boolean {
  return uid !== TS.implicitLE && uid !== TS.explicitLE && uid !== TS.deflatedLE && uid !== TS.explicitBE;
}

/** Inflated data sets may legitimately be much larger than the file, but never beyond this. */
const MAX_INFLATED_BYTES = 1 << 30;

function tagName(tag: string): string {
  return `(${tag.slice(1, 5)},${tag.slice(5, 9)})`.toUpperCase();
}

function isVrLetters(a: number, b: number): boolean {
  return a >= 0x41 && a <= 0x5a && b >= 0x41 && b <= 0x5a;
}

/**
 * A file without the 128-byte preamble: either a meta header straight away
 * (group 0002), or a bare data set in implicit or explicit VR little endian
 * (or explicit big endian). Returns the bytes to hand to dicom-parser and the
 * transfer syntax to assume, or null when it does not look like DICOM at all.
 */
function sniffRawDataSet(bytes: Uint8Array): { bytes: Uint8Array; transferSyntax?: string } | null {
  if (bytes.length < 8) return null;
  const groupLE = bytes[0] | (bytes[1] << 8);
  const groupBE = (bytes[0] << 8) | bytes[1];
  const explicitVr = isVrLetters(bytes[4], bytes[5]);
  if (groupLE === 0x0002 && explicitVr) {
    // Meta header without preamble: give dicom-parser the layout it expects.
    const withPreamble = new Uint8Array(bytes.length + 132);
    withPreamble.set([0x44, 0x49, 0x43, 0x4d], 128);
    withPreamble.set(bytes, 132);
    return { bytes: withPreamble };
  }
  // Bare data sets start with a low, even group (command 0000, 0008 identification, ...).
  const plausible = (g: number) => g % 2 === 0 && g <= 0x0028;
  const elementLE = bytes[2] | (bytes[3] << 8);
  if (groupLE === 0 && elementLE === 0 && !explicitVr) return null;
  if (plausible(groupLE) && groupLE !== 0x0002) {
    if (explicitVr) return { bytes, transferSyntax: TS.explicitLE };
    const len = (bytes[4] | (bytes[5] << 8) | (bytes[6] << 16) | (bytes[7] << 24)) >>> 0;
    if (len <= bytes.length - 8) return { bytes, transferSyntax: TS.implicitLE };
    return null;
  }
  if (plausible(groupBE) && groupBE !== 0 && explicitVr) return { bytes, transferSyntax: TS.explicitBE };
  return null;
}

/**
 * dicom-parser 1.8 does not know the VR OV (64-bit, 4-byte length) and misreads
 * what follows it. In image files OV appears in the Extended Offset Table
 * (7FE0,0001) and its lengths (7FE0,0002): relabel those two as OB, which has
 * the same layout. Copies the bytes only when such an element is present.
 */
function patchExtendedOffsetVrs(bytes: Uint8Array): Uint8Array {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let out: Buffer | undefined;
  for (const el of [0x01, 0x02]) {
    for (const pattern of [Buffer.from([0xe0, 0x7f, el, 0x00, 0x4f, 0x56, 0, 0]), Buffer.from([0x7f, 0xe0, 0x00, el, 0x4f, 0x56, 0, 0])]) {
      const at = buf.indexOf(pattern);
      if (at >= 0) {
        out ??= Buffer.from(buf);
        out[at + 5] = 0x42; // 'OV' -> 'OB'
      }
    }
  }
  return out ?? bytes;
}

/**
 * An element's value as dicom-parser's readFixedString reads it (one Latin-1
 * character per byte, up to the first NUL), or undefined when it is absent or
 * empty. One native slice instead of a concatenation per character: readMeta
 * reads some twenty strings per file, and that was a third of its time.
 */
function rawString(ds: dicomParser.DataSet, tag: string): string | undefined {
  const el = ds.elements[tag] as (dicomParser.Element & { Value?: string }) | undefined;
  if (!el) return undefined;
  if (el.Value) return el.Value;
  if (!(el.length > 0)) return undefined;
  const bytes = ds.byteArray;
  const start = el.dataOffset;
  let end = start + el.length;
  if (end > bytes.length) return undefined;
  const nul = bytes.indexOf(0, start);
  if (nul >= 0 && nul < end) end = nul;
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('latin1', start, end);
}

/**
 * A text value (SH, LO, PN ...) decoded in the data set's Specific Character
 * Set, trimmed; undefined when absent or empty. ASCII, nearly every value, takes
 * the same native slice as rawString.
 */
function text(ds: dicomParser.DataSet, tag: string, charset: CharacterSet, personName = false): string | undefined {
  const el = ds.elements[tag] as (dicomParser.Element & { Value?: string }) | undefined;
  if (!el || el.Value || !(el.length > 0)) return str(ds, tag);
  const bytes = ds.byteArray;
  const start = el.dataOffset;
  let end = start + el.length;
  if (end > bytes.length) return undefined;
  if (isPlainAscii(bytes, start, end)) return str(ds, tag);
  const nul = bytes.indexOf(0, start);
  if (nul >= 0 && nul < end) end = nul;
  const v = charset.decode(bytes.subarray(start, end), personName).trim();
  return v === '' ? undefined : v;
}

/** The values of a multi-valued decimal or integer string, as dicom-parser's floatString(tag, i) reads each. */
function numbers(ds: dicomParser.DataSet, tag: string): number[] | undefined {
  const raw = rawString(ds, tag);
  if (raw === undefined) return undefined;
  const out: number[] = [];
  for (const part of raw.split('\\')) {
    const v = parseFloat(part.trim());
    if (!Number.isFinite(v)) return undefined;
    out.push(v);
  }
  return out;
}

/** The first of an element's backslash-separated values, trimmed (what dicom-parser's string(tag, 0) gives). */
function firstValue(ds: dicomParser.DataSet, tag: string): string | undefined {
  const raw = rawString(ds, tag);
  if (raw === undefined) return undefined;
  const backslash = raw.indexOf('\\');
  return (backslash >= 0 ? raw.slice(0, backslash) : raw).trim();
}

/** The first value of a decimal string (dicom-parser's floatString(tag)). */
function float(ds: dicomParser.DataSet, tag: string): number | undefined {
  const v = firstValue(ds, tag);
  return v === undefined ? undefined : parseFloat(v);
}

function str(ds: dicomParser.DataSet, tag: string): string | undefined {
  const v = rawString(ds, tag)?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function int(ds: dicomParser.DataSet, tag: string): number | undefined {
  const first = firstValue(ds, tag);
  const v = first === undefined ? NaN : parseInt(first);
  return Number.isFinite(v) ? v : undefined;
}

function us(ds: dicomParser.DataSet, tag: string): number | undefined {
  const el = ds.elements[tag];
  if (!el || el.length < 2) return undefined;
  return ds.uint16(tag);
}

function positive(v: number | undefined): number | undefined {
  return v !== undefined && Number.isFinite(v) && v > 0 ? v : undefined;
}

/** Two positive numbers, or undefined. */
function pair(v: number[] | undefined): [number, number] | undefined {
  return v && v.length >= 2 && v[0] > 0 && v[1] > 0 ? [v[0], v[1]] : undefined;
}

/**
 * The spacing a length is measured with, and what it measures (PS3.3 10.7.1.3, IHE's
 * guidance for projection radiography): Pixel Spacing when present (calibrated where Pixel
 * Spacing Calibration Type says so); else Imager Pixel Spacing, divided by Estimated
 * Radiographic Magnification Factor where the file gives one, else at the detector.
 */
function spacingOf(ds: dicomParser.DataSet, fromGroups: [number, number] | undefined): { pixelSpacing?: [number, number]; pixelSpacingKind?: PixelSpacingKind } {
  const own = fromGroups ?? pair(numbers(ds, 'x00280030'));
  if (own) return { pixelSpacing: own, pixelSpacingKind: str(ds, 'x00280a02') ? 'calibrated' : 'patient' };
  const imager = pair(numbers(ds, 'x00181164'));
  if (!imager) return {};
  const factor = float(ds, 'x00181114');
  if (factor !== undefined && Number.isFinite(factor) && factor > 0 && factor !== 1) return { pixelSpacing: [imager[0] / factor, imager[1] / factor], pixelSpacingKind: 'magnification' };
  return { pixelSpacing: imager, pixelSpacingKind: 'detector' };
}

/** At most this many ultrasound regions are read (a hostile file may claim thousands). */
const MAX_US_REGIONS = 64;

/**
 * The Sequence of Ultrasound Regions (0018,6011, PS3.3 C.8.5.5) as written: Region Location
 * Min/Max (UL), Physical Units (US), Physical Delta (FD), Region Spatial Format (US). A value
 * of the wrong length, or a delta that is not a finite number, is null.
 */
function usRegionsOf(ds: dicomParser.DataSet): UsRegion[] | undefined {
  const items = ds.elements.x00186011?.items;
  if (!items?.length) return undefined;
  const read = (d: dicomParser.DataSet, tag: string, bytes: 2 | 4 | 8): number | null => {
    const el = d.elements[tag];
    if (!el || el.length < bytes) return null;
    const v = bytes === 2 ? d.uint16(tag) : bytes === 4 ? d.uint32(tag) : d.double(tag);
    return v !== undefined && Number.isFinite(v) ? v : null;
  };
  return items.slice(0, MAX_US_REGIONS).map((item) => {
    const d = item.dataSet;
    if (!d) return { x0: null, y0: null, x1: null, y1: null, unitsX: null, unitsY: null, deltaX: null, deltaY: null, spatialFormat: null };
    return {
      x0: read(d, 'x00186018', 4),
      y0: read(d, 'x0018601a', 4),
      x1: read(d, 'x0018601c', 4),
      y1: read(d, 'x0018601e', 4),
      unitsX: read(d, 'x00186024', 2),
      unitsY: read(d, 'x00186026', 2),
      deltaX: read(d, 'x0018602c', 8),
      deltaY: read(d, 'x0018602e', 8),
      spatialFormat: read(d, 'x00186012', 2),
    };
  });
}

/** Pixel Padding Value and Range Limit as [lowest, highest] stored value (US or SS as Pixel Representation says). */
function paddingOf(ds: dicomParser.DataSet, signed: boolean): [number, number] | undefined {
  const read = (tag: string) => {
    const el = ds.elements[tag];
    if (!el || el.length < 2) return undefined;
    return signed ? ds.int16(tag) : ds.uint16(tag);
  };
  const value = read('x00280120');
  if (value === undefined) return undefined;
  const limit = read('x00280121') ?? value;
  return [Math.min(value, limit), Math.max(value, limit)];
}

function readMeta(ds: dicomParser.DataSet, transferSyntaxUid: string): InstanceMeta {
  const ipp = numbers(ds, 'x00200032');
  const iop = numbers(ds, 'x00200037');
  const bitsAllocated = us(ds, 'x00280100') ?? 0;
  const bitsStored = us(ds, 'x00280101') ?? bitsAllocated;
  const slope = float(ds, 'x00281053');
  const intercept = float(ds, 'x00281052');
  const photometric = str(ds, 'x00280004') ?? ((us(ds, 'x00280002') ?? 1) === 3 ? 'RGB' : 'MONOCHROME2');
  const frames = int(ds, 'x00280008');
  const charset = characterSet(rawString(ds, 'x00080005'));
  const top: FrameDisplay = {
    rescaleSlope: slope !== undefined && Number.isFinite(slope) && slope !== 0 ? slope : undefined,
    rescaleIntercept: intercept !== undefined && Number.isFinite(intercept) ? intercept : undefined,
    ...pairWindows(rawString(ds, 'x00281050'), rawString(ds, 'x00281051'), text(ds, 'x00281055', charset)?.split('\\').map((e) => e.trim())),
    voiLutFunction: str(ds, 'x00281056')?.trim().toUpperCase(),
  };
  for (const k of Object.keys(top) as (keyof FrameDisplay)[]) if (top[k] === undefined) delete top[k];
  // An Enhanced image's rescale and window are in its functional groups (PS3.3 C.7.6.16): where
  // the top level has its own besides (some converters leave one), the groups win, per frame.
  const groups = ds.elements.x52009229 || ds.elements.x52009230 ? frameDisplayGroups(ds, frames && frames > 0 ? frames : 1, top) : {};
  const fg = groups.all ?? top;
  // Its spacing, thickness, orientation and position too (the groups win here as well).
  const geometry = ds.elements.x52009229 || ds.elements.x52009230 ? firstFrameGeometry(ds) : {};
  return {
    sopInstanceUid: str(ds, 'x00080018') ?? '',
    sopClassUid: str(ds, 'x00080016') ?? str(ds, 'x00020002') ?? '',
    studyInstanceUid: str(ds, 'x0020000d') ?? '',
    seriesInstanceUid: str(ds, 'x0020000e') ?? '',
    patientId: text(ds, 'x00100020', charset) ?? '',
    patientName: text(ds, 'x00100010', charset, true) ?? '',
    patientBirthDate: str(ds, 'x00100030'),
    patientSex: str(ds, 'x00100040'),
    studyDate: str(ds, 'x00080020'),
    studyTime: str(ds, 'x00080030'),
    studyDescription: text(ds, 'x00081030', charset),
    accessionNumber: text(ds, 'x00080050', charset),
    seriesDescription: text(ds, 'x0008103e', charset),
    seriesNumber: int(ds, 'x00200011'),
    instanceNumber: int(ds, 'x00200013'),
    modality: str(ds, 'x00080060') ?? 'OT',
    rows: us(ds, 'x00280010') ?? 0,
    columns: us(ds, 'x00280011') ?? 0,
    numberOfFrames: frames && frames > 0 ? frames : 1,
    ...spacingOf(ds, geometry.pixelSpacing),
    usRegions: usRegionsOf(ds),
    pixelAspect: pair(numbers(ds, 'x00280034')),
    padding: paddingOf(ds, us(ds, 'x00280103') === 1),
    sliceThickness: geometry.sliceThickness ?? float(ds, 'x00180050'),
    sliceLocation: float(ds, 'x00201041'),
    imagePositionPatient: geometry.imagePositionPatient ?? (ipp && ipp.length >= 3 ? [ipp[0], ipp[1], ipp[2]] : undefined),
    imageOrientationPatient: geometry.imageOrientationPatient ?? (iop && iop.length >= 6 ? iop : undefined),
    windowCenter: fg.windowCenter,
    windowWidth: fg.windowWidth,
    rescaleSlope: fg.rescaleSlope ?? 1,
    rescaleIntercept: fg.rescaleIntercept ?? 0,
    doseGridScaling: positive(float(ds, 'x3004000e')),
    doseUnits: str(ds, 'x30040002')?.trim().toUpperCase(),
    voiLutFunction: fg.voiLutFunction,
    windowExplanation: fg.windowExplanation,
    presentationLutShape: str(ds, 'x20500020')?.toUpperCase(),
    // Read only where the sequences exist (a few CR, DX and MG files): nothing to pay for the rest.
    modalityLutTable: hasLutSequence(ds, 'x00283000') ? readLutSequence(ds, 'x00283000', us(ds, 'x00280103') === 1)[0] : undefined,
    frameDisplay: groups.perFrame,
    frameGeometry: ds.elements.x52009230 && frames && frames > 1 ? frameGeometries(ds, frames) : undefined,
    voiLutTables: hasLutSequence(ds, 'x00283010') ? readLutSequence(ds, 'x00283010', us(ds, 'x00280103') === 1 || (intercept ?? 0) < 0) : undefined,
    photometricInterpretation: photometric.trim().toUpperCase(),
    bitsAllocated,
    bitsStored,
    highBit: us(ds, 'x00280102') ?? bitsStored - 1,
    pixelRepresentation: us(ds, 'x00280103') ?? 0,
    samplesPerPixel: us(ds, 'x00280002') ?? 1,
    planarConfiguration: us(ds, 'x00280006') ?? 0,
    transferSyntaxUid,
    hasPixelData: Boolean(ds.elements.x7fe00010 ?? ds.elements.x7fe00008 ?? ds.elements.x7fe00009),
    floatPixelData: ds.elements.x7fe00010 ? undefined : ds.elements.x7fe00008 ? '7FE0,0008' : ds.elements.x7fe00009 ? '7FE0,0009' : undefined,
  };
}

function fail(file: string, reason: string): never {
  throw new DicomFileError(file, reason);
}

/** Why zlib could not inflate a deflated data set (parseDicomBuffer names the file). */
class InflateError extends Error {}

/** dicom-parser's inflater: a buffer of the bytes up to `position`, then the inflated data set. */
function inflateDataSet(arr: Uint8Array, position: number): Buffer {
  const src = Buffer.from(arr.buffer, arr.byteOffset + position, arr.length - position);
  let inflated: Buffer;
  try {
    inflated = inflateRawSync(src, { maxOutputLength: MAX_INFLATED_BYTES });
  } catch (err) {
    throw new InflateError(errorMessage(err));
  }
  const full = Buffer.allocUnsafe(position + inflated.length);
  full.set(arr.subarray(0, position), 0);
  full.set(inflated, position);
  return full;
}

/**
 * Parses a DICOM file held in memory. Throws DicomFileError with a reason a
 * person understands; never allocates more than a copy of the file, except for
 * deflated data sets (which inflate to at most 1 GiB).
 */
export function parseDicomBuffer(bytes: Uint8Array, file = '<buffer>', opts: ParseOptions = {}): ParsedDicom {
  // The hot path of bulk decoding, kept small: V8 optimizes a function after a
  // number of calls that grows with its size, and the cold paths (files without
  // a preamble, errors) live in functions of their own.
  if (bytes.length === 0) fail(file, 'empty file (0 bytes): not a DICOM file. Check that the copy finished.');
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hasPreamble = buffer.length >= 132 && buffer[128] === 0x44 && buffer[129] === 0x49 && buffer[130] === 0x43 && buffer[131] === 0x4d;
  const bare = hasPreamble ? undefined : bareDataSet(buffer, file);
  const { dataSet, input } = parseElements(bare?.input ?? buffer, buffer, file, { TransferSyntaxUID: bare?.transferSyntax, untilTag: opts.untilTag, inflater: INFLATER });
  const problem = findStructureProblem(dataSet, dataSet.byteArray.length);
  if (problem) failStructure(problem, dataSet.byteArray, input, buffer, file);
  if (bare?.transferSyntax && !hasIdentifyingGroup(dataSet)) {
    fail(file, `not a DICOM file: no "DICM" marker at byte 128, and what follows does not read as a DICOM data set (${buffer.length} bytes).`);
  }
  const transferSyntaxUid = bare?.transferSyntax ?? metaTransferSyntax(dataSet, input);
  if (!TS_NAMES[transferSyntaxUid] && !isLibraryUid(transferSyntaxUid)) {
    // Not quoted: what sits there is the file's content (a shifted header puts patient data there).
    fail(file, `not a usable DICOM file: its transfer syntax UID (0002,0010) is not a UID (${transferSyntaxUid.length} characters). The header is corrupt.`);
  }
  const meta = readMeta(dataSet, transferSyntaxUid);
  checkFrameCount(dataSet, meta);
  return { file, byteLength: bytes.length, dataSet, meta };
}

/** The most frames Lumen opens in one file (whole-slide images hold tens of thousands of tiles). */
export const MAX_FRAMES_PER_FILE = 1_000_000;

/**
 * Trusts no frame count from the header: caps Number of Frames at what the pixel
 * data can hold (native: its length over one frame's size; encapsulated: one
 * fragment at least per frame) and says why when it had to. Encapsulated data
 * parsed only up to its header (untilTag) has no fragments yet: the import counts
 * them itself (library/header.ts) and calls limitFrameCount.
 */
function checkFrameCount(dataSet: dicomParser.DataSet, meta: InstanceMeta): void {
  capFramesByPixelData(dataSet, meta);
  if (!meta.frameCountProblem && meta.numberOfFrames > MAX_FRAMES_PER_FILE) {
    // Tiny frames fit by the million in a large file, and every frame is an entry in the viewer's list.
    meta.frameCountProblem = `Number of Frames (0028,0008) says ${meta.numberOfFrames}, more than Lumen opens in one file (${MAX_FRAMES_PER_FILE}). The header is corrupt, or the file is not an image Lumen can show.`;
    meta.numberOfFrames = MAX_FRAMES_PER_FILE;
  }
}

function capFramesByPixelData(dataSet: dicomParser.DataSet, meta: InstanceMeta): void {
  const el = dataSet.elements.x7fe00010 ?? dataSet.elements.x7fe00008 ?? dataSet.elements.x7fe00009;
  if (!el || meta.rows <= 0 || meta.columns <= 0) return;
  if (el.encapsulatedPixelData) {
    if (!el.fragments) return;
    const claimed = meta.numberOfFrames;
    limitFrameCount(meta, el.fragments.length, 'fragments');
    if (claimed > el.fragments.length) describePackedFrames(dataSet.byteArray, el.fragments, meta, claimed);
    return;
  }
  if (el.length === undefined || el.length === 0xffffffff || isEncapsulated(meta.transferSyntaxUid)) return;
  const spp = meta.samplesPerPixel;
  const bits = meta.bitsAllocated;
  // As decode.ts lays frames out: 1-bit frames packed bit after bit, 4:2:2 as Y Y Cb Cr per pixel pair.
  const frameBits =
    bits === 1 ? meta.rows * meta.columns * spp
    : storesChromaPairs(meta) ? meta.rows * Math.ceil(meta.columns / 2) * 4 * bits
    : meta.rows * meta.columns * spp * (bits <= 8 ? 8 : bits);
  if (!(frameBits > 0)) return;
  const held = Math.floor((el.length * 8) / frameBits);
  limitFrameCount(meta, held, 'bytes', el.length);
}

/** Syntaxes whose codestreams end in EOI/EOC (FFD9) and start with SOI (FFD8) or SOC (FF4F), markers their coded data never holds. */
const MARKED_STREAMS = new Set<string>([
  TS.jpegBaseline, TS.jpegExtended, TS.jpegSpectral, TS.jpegProgressive, TS.jpegLossless14, TS.jpegLosslessSV1,
  TS.jpegLsLossless, TS.jpegLsNear, TS.j2kLossless, TS.j2k, TS.htj2kLossless, TS.htj2kLosslessRpcl, TS.htj2k,
]);

/**
 * Fewer fragments than frames: when the fragments hold more codestreams than
 * there are fragments (an end marker followed, after at most one pad byte, by a
 * start marker), the frames are packed several to a fragment, which PS3.5 A.4
 * does not allow and Lumen does not read: say so instead of blaming the header.
 * Runs on that error path only (also at import: library/header.ts).
 */
export function describePackedFrames(bytes: Uint8Array, fragments: readonly { position: number; length: number }[], meta: InstanceMeta, claimed: number): void {
  if (!MARKED_STREAMS.has(meta.transferSyntaxUid)) return; // RLE's bytes may hold any pattern
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let streams = 0;
  const startsStream = (b: Buffer, at: number) => at + 1 < b.length && b[at] === 0xff && (b[at + 1] === 0xd8 || b[at + 1] === 0x4f);
  for (const f of fragments) {
    const fragment = buf.subarray(f.position, Math.min(buf.length, f.position + f.length));
    if (startsStream(fragment, 0)) streams++;
    for (let at = fragment.indexOf(EOI); at >= 0; at = fragment.indexOf(EOI, at + 2)) {
      if (startsStream(fragment, fragment[at + 2] === 0 ? at + 3 : at + 2)) streams++;
    }
  }
  if (streams <= fragments.length) return;
  const inFragments = `${fragments.length} ${fragments.length === 1 ? 'fragment' : 'fragments'}`;
  meta.frameCountProblem = `${claimed} frames in ${inFragments}: Number of Frames (0028,0008) says ${claimed}, and the compressed pixel data holds ${streams} images one after another in ${inFragments}. Several frames in one fragment are not supported (PS3.5 A.4 gives each frame fragments of its own, which is how Lumen finds them); export the file again from its source with one frame per fragment.`;
}

const EOI = Buffer.from([0xff, 0xd9]);

/** Caps meta.numberOfFrames at `held` frames, with the reason, when the header claims more. */
export function limitFrameCount(meta: InstanceMeta, held: number, what: 'bytes' | 'fragments', byteLength = 0): void {
  if (meta.numberOfFrames <= held) return;
  const says = `Number of Frames (0028,0008) says ${meta.numberOfFrames}`;
  const frame = `${meta.rows}x${meta.columns}x${meta.samplesPerPixel} samples at ${meta.bitsAllocated} bits`;
  meta.frameCountProblem =
    what === 'bytes' && held === 0
      ? `its pixel data (${byteLength} bytes) is too small for one frame of ${frame}. The header is corrupt or the file truncated; export it again from its source.`
      : what === 'bytes'
      ? `${says}, but its pixel data (${byteLength} bytes) holds ${held} ${held === 1 ? 'frame' : 'frames'} of ${frame}. The header is corrupt or the file truncated; export it again from its source.`
      : `${says}, but its compressed pixel data has ${held} ${held === 1 ? 'fragment' : 'fragments'}, and each frame needs one at least. The header is corrupt, the file truncated, or several frames are packed into one fragment, which is not supported (PS3.5 A.4); export it again from its source.`;
  meta.numberOfFrames = Math.max(1, held);
}

const INFLATER = inflateDataSet as unknown as (arr: Uint8Array, position: number) => void;

/** A file without the preamble: the bytes to parse and the syntax to assume, or a DicomFileError. */
function bareDataSet(buffer: Buffer, file: string): { input: Buffer; transferSyntax?: string } {
  const sniffed = sniffRawDataSet(buffer);
  if (!sniffed) {
    fail(
      file,
      buffer.every((b) => b === 0)
        ? `not a DICOM file: all ${buffer.length} bytes are zero.`
        : `not a DICOM file: no "DICM" marker at byte 128 and no DICOM data set at the start (${buffer.length} bytes). Skip it or export it again as DICOM.`,
    );
  }
  const input = Buffer.isBuffer(sniffed.bytes) ? sniffed.bytes : Buffer.from(sniffed.bytes.buffer, sniffed.bytes.byteOffset, sniffed.bytes.byteLength);
  return { input, transferSyntax: sniffed.transferSyntax };
}

/**
 * The data set (dicom-parser's elements), parsed again with the OV relabelling
 * of patchExtendedOffsetVrs where the file has an extended offset table; the
 * bytes it was parsed from. A failure becomes a DicomFileError with the reason.
 */
function parseElements(input: Buffer | Uint8Array, buffer: Buffer, file: string, options: FastParseOptions): { dataSet: dicomParser.DataSet; input: Uint8Array } {
  try {
    try {
      const dataSet = parseDicomFast(input, options);
      if (dataSet.elements.x7fe00001?.vr !== 'OV' && dataSet.elements.x7fe00002?.vr !== 'OV') return { dataSet, input };
      input = patchExtendedOffsetVrs(input);
      return { dataSet: parseDicomFast(input, options), input };
    } catch (first) {
      const patched = patchExtendedOffsetVrs(input);
      if (patched === input) throw first;
      input = patched;
      return { dataSet: parseDicomFast(input, options), input };
    }
  } catch (e) {
    failParse(e, input, buffer, file, options.TransferSyntaxUID);
  }
}

/** Why dicom-parser could not read the data set, in words a person understands. */
function failParse(e: unknown, input: Uint8Array, buffer: Buffer, file: string, bareSyntax: string | undefined): never {
  const exception = e && typeof e === 'object' && 'exception' in e ? (e as { exception: unknown }).exception : e;
  if (exception instanceof InflateError) fail(file, `the deflated data set cannot be inflated (${exception.message}): the file is truncated or corrupt.`);
  const partial = e && typeof e === 'object' && 'dataSet' in e ? (e as { dataSet: dicomParser.DataSet }).dataSet : undefined;
  const over = partial && findStructureProblem(partial, partial.byteArray.length);
  if (over) failStructure(over, partial.byteArray, input, buffer, file);
  // Explicit VR throws inside the item an element overruns: the partial data set has no sequence to look into.
  const overrun = scanForSequenceOverrun(partial?.byteArray ?? input, bareSyntax);
  if (overrun) failStructure(overrun, partial?.byteArray ?? input, input, buffer, file);
  const msg = errorMessage(e);
  if (!partial && /parameter 'position' cannot be greater than or equal/.test(msg)) {
    // dicom-parser's stream for the data set starts at the end of the bytes: nothing follows the meta header.
    fail(file, `no data set: the file ends with its meta header, at byte ${buffer.length}. The file is truncated; copy it again from its source.`);
  }
  if (/past end|overread|overrun|cannot be greater than or equal/i.test(msg)) {
    fail(file, `truncated at byte ${buffer.length}: the data set stops in the middle of an element. Copy the file again from its source.`);
  }
  if (/missing required meta header attribute 0002,0010/.test(msg)) {
    fail(file, 'not a usable DICOM file: the meta header has no Transfer Syntax UID (0002,0010). Export it again from its source.');
  }
  // dicom-parser's own messages name its functions: say what they mean instead.
  fail(file, `cannot be parsed as DICOM: ${structureProblem(exception, msg)}. The file is corrupt or not DICOM; copy or export it again.`);
}

/** What a dicom-parser failure means for the file, in words. */
function structureProblem(exception: unknown, msg: string): string {
  if (exception instanceof RangeError) return 'its sequences are nested too deeply to read';
  if (/invalid value for parameter 'maxP ?osition'/.test(msg)) return 'a sequence or sequence item declares a length beyond the data set that holds it';
  const item = /item tag \(FFFE,E000\) not found at offset (\d+)/.exec(msg);
  if (item) return `a sequence item should start at byte ${item[1]}, and none does`;
  if (/basic offset table not found|missing basic offset table/.test(msg)) return 'the compressed pixel data does not start with its offset table item (FFFE,E000)';
  if (/no inflater/.test(msg)) return 'its deflated data set cannot be inflated';
  if (/invalid (DA|TM)/.test(msg)) return 'a date or time value is malformed';
  return 'its structure is damaged (an element, sequence or item is malformed)';
}

/** An element that runs past the end of the (inflated) data set, or a part of a sequence past the end of what holds it. */
function failStructure(problem: Overlong | SequenceOverrun, parsed: Uint8Array, input: Uint8Array, buffer: Buffer, file: string): never {
  if (problem.kind === 'overlong') failOverlong(problem, parsed, input, buffer, file);
  // A deflated data set comes back in a buffer of its own: the header, then the inflated bytes.
  const inflated = parsed !== input;
  const offset = inflated || input === buffer ? 0 : input.length - buffer.length;
  fail(file, sequenceOverrunReason(problem, (p) => p - offset, inflated ? ' (Its byte positions count in the inflated data set.)' : ''));
}

function failOverlong({ el: over, within }: Overlong, parsed: Uint8Array, input: Uint8Array, buffer: Buffer, file: string): never {
  // A deflated data set comes back in a buffer of its own: the header, then the inflated bytes.
  const inflated = parsed !== input;
  const offset = input === buffer ? 0 : input.length - buffer.length;
  // After the sentence whose form the messages of top-level elements share.
  const inside = within.length ? ` The element is in a sequence item: ${[...within, over.tag].map(tagName).join(' > ')}.` : '';
  fail(
    file,
    `declared length beyond the file: element ${tagName(over.tag)} at byte ${over.dataOffset - (inflated ? 0 : offset)} declares ${over.length} bytes but ${inflated ? 'the inflated data set' : 'the file'} ends at byte ${inflated ? parsed.length : buffer.length}. The file is truncated or corrupt; copy it again from its source.${inside}`,
  );
}

/** Whether a data set read without a meta header has the identifying group (0008) a real one has. */
function hasIdentifyingGroup(dataSet: dicomParser.DataSet): boolean {
  return Object.keys(dataSet.elements).some((t) => t >= 'x00080000' && t < 'x00090000');
}

function metaTransferSyntax(dataSet: dicomParser.DataSet, input: Uint8Array): string {
  const el = dataSet.elements.x00020010;
  return (el ? dicomParser.readFixedString(input, el.dataOffset, el.length) : '').replace(/\0/g, '').trim();
}

/** Why a file cannot be read, in words a person understands. */
export function readErrorReason(err: unknown): string {
  if (err instanceof FileReadError) return err.reason; // a FIFO, a device, too large
  const e = err as NodeJS.ErrnoException;
  switch (e.code) {
    case 'ENOENT':
      return 'file not found. Check the path.';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied. Check that you may read it.';
    case 'EISDIR':
      return 'is a folder, not a file.';
    default:
      return `cannot be read (${describeFsError(err)}).`;
  }
}

export async function parseDicomFile(path: string, opts: ParseOptions = {}): Promise<ParsedDicom> {
  let bytes: Buffer;
  try {
    bytes = await readRegularFileAsync(path, 'dicom');
  } catch (err) {
    const reason = readErrorReason(err);
    throw new DicomFileError(path, reason);
  }
  return parseDicomBuffer(bytes, path, opts);
}

/**
 * Whether uncompressed pixel data holds 4:2:2 colour: two Y samples, then the Cb
 * and Cr the pair shares (PS3.3 C.7.6.3.1.2), Rows x Columns x 2 samples a frame.
 * Compressed data so labelled decodes to a sample per pixel and channel.
 */
export function storesChromaPairs(meta: Pick<InstanceMeta, 'photometricInterpretation' | 'samplesPerPixel' | 'transferSyntaxUid'>): boolean {
  const pi = meta.photometricInterpretation;
  return meta.samplesPerPixel === 3 && (pi === 'YBR_FULL_422' || pi === 'YBR_PARTIAL_422') && !isEncapsulated(meta.transferSyntaxUid);
}

/** Why uncompressed 4:2:2 colour cannot be read as the standard lays it out, or undefined. */
function chromaPairProblem(meta: InstanceMeta): string | undefined {
  if (!storesChromaPairs(meta)) return undefined;
  const pi = meta.photometricInterpretation;
  if (meta.columns % 2 === 1) {
    // Each row starts a pair, and a frame is Rows x Columns x 2 samples: only an even width meets both.
    // Readers split the odd pixel differently (dcmtk pairs it with the next row's first), so Lumen does not guess.
    return `uncompressed ${pi} with an odd number of columns (${meta.columns}): 4:2:2 stores Cb and Cr once per pair of pixels, each row starting a pair, in Rows x Columns x 2 samples (PS3.3 C.7.6.3.1.2), which only an even width fits. The layout of the last column is undefined; export the images again as RGB from their source.`;
  }
  // Wider samples scale the range by 2^(Bits Stored - 8), as BT.601 does for 10-bit video; fewer than 8 bits cannot hold it.
  if (pi === 'YBR_PARTIAL_422' && meta.bitsStored < 8) {
    return `uncompressed YBR_PARTIAL_422 with ${meta.bitsStored} bits stored: its partial range (Y 16 to 235, Cb and Cr 16 to 240, PS3.3 C.7.6.3.1.2) needs at least 8 bits, so its colours cannot be worked out. The header is corrupt; export the images again as RGB from their source.`;
  }
  if (meta.bitsAllocated > 16) {
    return `uncompressed ${pi} at ${meta.bitsAllocated} bits allocated: 4:2:2 colour is read in 8- and 16-bit words only. Export the images again as RGB from their source.`;
  }
  return undefined;
}

/** The reasons a parsed file cannot give pixels, or undefined when it can. */
export function pixelDataProblem(meta: InstanceMeta): string | undefined {
  if (!meta.hasPixelData) return 'no pixel data (7FE0,0010): this object has no image (a report, structured report or presentation state). Nothing to show.';
  if (meta.floatPixelData) {
    const what = meta.floatPixelData === '7FE0,0008' ? 'Float Pixel Data (7FE0,0008), 32-bit' : 'Double Float Pixel Data (7FE0,0009), 64-bit';
    return `holds ${what} floating point values (a parametric map or a research export), which are not shown as an image. A Parametric Map is read as a result over its source image; for anything else, export integer pixel data with a rescale from the software that made it.`;
  }
  if (!SUPPORTED_TRANSFER_SYNTAXES.includes(meta.transferSyntaxUid)) {
    return `unsupported transfer syntax ${meta.transferSyntaxUid} (${transferSyntaxName(meta.transferSyntaxUid)}). Convert it to a supported syntax (e.g. with dcmconv or gdcmconv).`;
  }
  if (meta.rows <= 0 || meta.columns <= 0) return `has pixel data but no valid Rows/Columns (${meta.rows}x${meta.columns}). The header is corrupt.`;
  if (![1, 8, 16, 32].includes(meta.bitsAllocated)) return `unsupported Bits Allocated ${meta.bitsAllocated} (expected 1, 8, 16 or 32). The header is corrupt or the format is not supported.`;
  if (meta.samplesPerPixel !== 1 && meta.samplesPerPixel !== 3) return `unsupported Samples per Pixel ${meta.samplesPerPixel} (expected 1 or 3).`;
  if (meta.photometricInterpretation === 'PALETTE COLOR' && meta.samplesPerPixel !== 1) return `PALETTE COLOR with ${meta.samplesPerPixel} samples per pixel: a palette image has one (an index). The header is corrupt.`;
  if (meta.bitsStored <= 0 || meta.bitsStored > meta.bitsAllocated) return `Bits Stored ${meta.bitsStored} does not fit Bits Allocated ${meta.bitsAllocated}. The header is corrupt.`;
  return chromaPairProblem(meta) ?? meta.frameCountProblem;
}
