// A class activation map as a DICOM Parametric Map (PS3.3 A.75): one frame of 32-bit float
// values over the source image's own grid (same rows, columns, position, orientation and
// pixel spacing), so that a viewer overlays it on the image in the patient's space and can
// switch it off. The values are the map in logit units, described by a Real World Value
// Mapping; a Frame VOI LUT spans them, so that a viewer's default shows the whole range.
import { APP_VERSION } from '../../common/version';
import { bodyPartCode, imageSide } from './anatomy';
import { dicomDateTime, newUid, patientAndStudy, uidFromBytes, type NaturalDataset } from './part10';
import { createHash } from 'node:crypto';

export const PARAMETRIC_MAP_STORAGE = '1.2.840.10008.5.1.4.1.1.30';

/** The fixed codes every map holds. */
export const MAP_CODES = {
  derivation: { CodeValue: '113083', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Image Processing' },
  sourcePurpose: { CodeValue: '121322', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Source image for image processing operation' },
  units: { CodeValue: '1', CodingSchemeDesignator: 'UCUM', CodeMeaning: 'no units' },
  quantity: { CodeValue: '246205007', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Quantity' },
  cam: { CodeValue: 'CAM', CodingSchemeDesignator: '99LUMEN', CodeMeaning: 'Class activation map' },
} as const;

export interface HeatmapInput {
  /** The source image's header (geometry, patient, study). */
  source: NaturalDataset;
  /** 0-based frame of the source the map is of. */
  frame: number;
  frames: number;
  /** rows * columns values, row-major, on the source image's grid. */
  values: Float32Array;
  rows: number;
  columns: number;
  className: string;
  modelName: string;
  packageHash: string;
  seriesInstanceUid: string;
  seriesNumber: number;
  instanceNumber: number;
}

const num = (v: unknown): number[] | null => {
  const list = Array.isArray(v) ? v : v === undefined || v === null || v === '' ? [] : [v];
  const out = list.map(Number);
  return out.length && out.every(Number.isFinite) ? out : null;
};

/**
 * A number as a DICOM Decimal String (DS): at most 16 characters, the most significant digits
 * that fit (plain or exponent form, whichever keeps more). dcmjs would otherwise cut a longer
 * value's text at 16 characters itself, and print a warning saying so.
 */
export function decimalString(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`a Decimal String cannot hold ${value}`);
  for (let digits = 17; digits >= 1; digits--) {
    const rounded = Number(value.toPrecision(digits));
    for (const text of [String(rounded), value.toExponential(digits - 1).replace('e+', 'e')]) {
      if (text.length <= 16) return text === '-0' ? '0' : text;
    }
  }
  return '0';
}

/**
 * The side of the body a source image shows, for a derived image's General Series Laterality
 * (0020,0060), the attribute Parametric Map and Secondary Capture IODs have: the side the SR
 * names too (anatomy.ts `imageSide`: Image Laterality, the more specific, else Laterality)
 * when it is L or R. '' when the source names no side, or none Laterality can hold (B, U, or a
 * value no standard allows): see seriesAnatomy for what the derived object then carries.
 */
export function sourceLaterality(source: NaturalDataset): '' | 'L' | 'R' {
  const side = imageSide(source);
  return side === 'L' || side === 'R' ? side : '';
}

/**
 * Body Part Examined (0018,0015) terms of unpaired structures (PS3.16 Annex L), those
 * dicom3tools' dciodvfy also knows as unpaired: an object of one has no Laterality.
 */
const UNPAIRED_PARTS = new Set([
  'ABDOMEN', 'ABDOMENPELVIS', 'BLADDER', 'CSPINE', 'CTSPINE', 'CHEST', 'CHESTABDOMEN', 'CHESTABDPELVIS', 'COCCYX', 'COLON', 'DUODENUM', 'WHOLEBODY', 'ESOPHAGUS',
  'GALLBLADDER', 'HEAD', 'HEADNECK', 'HEART', 'ILEUM', 'JAW', 'JEJUNUM', 'LARYNX', 'LSPINE', 'LSSPINE', 'MAXILLA', 'MEDIASTINUM', 'NECK', 'NECKCHEST',
  'NECKCHESTABDOMEN', 'NECKCHESTABDPELV', 'PANCREAS', 'PELVIS', 'PROSTATE', 'RECTUM', 'SSPINE', 'SKULL', 'SPINE', 'STERNUM', 'STOMACH', 'TSPINE', 'TLSPINE',
  'TRACHEA', 'URETHRA',
]);

/**
 * A derived object's General Series Body Part Examined and Laterality (0020,0060), a Type 2C
 * attribute: required, and may be empty (side unknown), unless the body part is unpaired, where
 * it must be absent. So: the source's side when L or R; absent for a known unpaired part (CHEST),
 * whose term the object then carries as its Body Part Examined, so that a reader (dciodvfy) can
 * tell why; else empty, an unknown side (an unknown or paired part: absent would be an error).
 * Body Part Examined is only written as one of Annex L's terms.
 */
export function seriesAnatomy(source: NaturalDataset): { BodyPartExamined?: string; Laterality?: '' | 'L' | 'R' } {
  const part = typeof source.BodyPartExamined === 'string' ? source.BodyPartExamined.trim().toUpperCase() : '';
  const known = part && bodyPartCode(part) ? { BodyPartExamined: part } : {};
  const side = sourceLaterality(source);
  // A side of an unpaired part (a hemithorax) is kept, the part's term left out: both would contradict the condition.
  if (side) return UNPAIRED_PARTS.has(part) ? { Laterality: side } : { ...known, Laterality: side };
  return UNPAIRED_PARTS.has(part) ? known : { ...known, Laterality: '' };
}

/** The Parametric Map data set, in dcmjs's natural form. */
export function buildParametricMap(input: HeatmapInput): NaturalDataset {
  const { source } = input;
  let min = Infinity;
  let max = -Infinity;
  for (const v of input.values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min)) min = max = 0;
  const width = Math.max(max - min, 1e-6);
  const now = dicomDateTime();
  const spacing = num(source.PixelSpacing) ?? num(source.ImagerPixelSpacing) ?? [1, 1];
  const position = num(source.ImagePositionPatient);
  const orientation = num(source.ImageOrientationPatient);
  const thickness = num(source.SliceThickness)?.[0] ?? 1;
  // Without a Frame of Reference in the source, one derived from its series: the same for every map of that series.
  const frameOfReference = typeof source.FrameOfReferenceUID === 'string' && source.FrameOfReferenceUID ? source.FrameOfReferenceUID : uidFromBytes(createHash('sha256').update(`lumen-for\0${String(source.SeriesInstanceUID)}`).digest());
  const sourceRef: NaturalDataset = { ReferencedSOPClassUID: source.SOPClassUID, ReferencedSOPInstanceUID: source.SOPInstanceUID };
  if (input.frames > 1) sourceRef.ReferencedFrameNumber = input.frame + 1;
  const dimensionOrganization = newUid();
  const label = `CAM ${input.className}`.replace(/[^A-Za-z0-9 _]/g, '_').toUpperCase().slice(0, 16);
  const values = new Float32Array(input.values);

  return {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: PARAMETRIC_MAP_STORAGE,
    SOPInstanceUID: newUid(),
    InstanceCreationDate: now.date,
    InstanceCreationTime: now.time,
    ...patientAndStudy(source),
    Modality: typeof source.Modality === 'string' && source.Modality ? source.Modality : 'OT',
    SeriesInstanceUID: input.seriesInstanceUid,
    SeriesNumber: input.seriesNumber,
    ...seriesAnatomy(source),
    SeriesDescription: `Lumen heatmaps: ${input.modelName}`.slice(0, 64),
    FrameOfReferenceUID: frameOfReference,
    PositionReferenceIndicator: '',
    Manufacturer: 'Lumen',
    ManufacturerModelName: 'Lumen',
    DeviceSerialNumber: input.packageHash.slice(0, 16),
    SoftwareVersions: APP_VERSION,
    InstanceNumber: input.instanceNumber,
    ContentDate: now.date,
    ContentTime: now.time,
    ImageType: ['DERIVED', 'PRIMARY', 'OTHER', 'NONE'],
    ContentQualification: 'RESEARCH',
    ContentLabel: label,
    ContentDescription: `Class activation map of "${input.className}" by ${input.modelName}`.slice(0, 64),
    ContentCreatorName: '',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 32,
    Rows: input.rows,
    Columns: input.columns,
    NumberOfFrames: 1,
    BurnedInAnnotation: 'NO',
    RecognizableVisualFeatures: 'NO',
    LossyImageCompression: '00',
    PresentationLUTShape: 'IDENTITY',
    AcquisitionContextSequence: [],
    ReferencedSeriesSequence: [{ SeriesInstanceUID: source.SeriesInstanceUID, ReferencedInstanceSequence: [{ ReferencedSOPClassUID: source.SOPClassUID, ReferencedSOPInstanceUID: source.SOPInstanceUID }] }],
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganization }],
    DimensionIndexSequence: [{ DimensionOrganizationUID: dimensionOrganization, DimensionIndexPointer: 0x00200032, FunctionalGroupPointer: 0x00209113, DimensionDescriptionLabel: 'Image Position' }],
    SharedFunctionalGroupsSequence: [
      {
        PixelMeasuresSequence: [{ PixelSpacing: spacing.slice(0, 2), SliceThickness: thickness }],
        ...(orientation?.length === 6 ? { PlaneOrientationSequence: [{ ImageOrientationPatient: orientation }] } : {}),
        DerivationImageSequence: [
          {
            DerivationCodeSequence: [{ ...MAP_CODES.derivation }],
            SourceImageSequence: [{ ...sourceRef, PurposeOfReferenceCodeSequence: [{ ...MAP_CODES.sourcePurpose }] }],
          },
        ],
        // LINEAR_EXACT: the range of a map is often far below 1, which LINEAR does not allow.
        FrameVOILUTSequence: [{ WindowCenter: decimalString(min + width / 2), WindowWidth: decimalString(width), VOILUTFunction: 'LINEAR_EXACT' }],
        RealWorldValueMappingSequence: [
          {
            LUTExplanation: `Class activation map (logit units), ${input.className}`.slice(0, 64),
            LUTLabel: 'CAM',
            MeasurementUnitsCodeSequence: [{ ...MAP_CODES.units }],
            QuantityDefinitionSequence: [
              {
                ValueType: 'CODE',
                ConceptNameCodeSequence: [{ ...MAP_CODES.quantity }],
                ConceptCodeSequence: [{ ...MAP_CODES.cam }],
              },
            ],
            DoubleFloatRealWorldValueFirstValueMapped: min,
            DoubleFloatRealWorldValueLastValueMapped: max,
            RealWorldValueIntercept: 0,
            RealWorldValueSlope: 1,
          },
        ],
        ParametricMapFrameTypeSequence: [{ FrameType: ['DERIVED', 'PRIMARY', 'OTHER', 'NONE'] }],
        PixelValueTransformationSequence: [{ RescaleIntercept: 0, RescaleSlope: 1, RescaleType: 'US' }],
      },
    ],
    PerFrameFunctionalGroupsSequence: [
      {
        FrameContentSequence: [{ DimensionIndexValues: [1] }],
        ...(position?.length === 3 ? { PlanePositionSequence: [{ ImagePositionPatient: position }] } : {}),
      },
    ],
    CodingSchemeIdentificationSequence: [{ CodingSchemeDesignator: '99LUMEN', CodingSchemeName: 'Lumen class names and labels', CodingSchemeResponsibleOrganization: 'Lumen' }],
    FloatPixelData: values.buffer,
  };
}

/**
 * A class activation map over the model's letterboxed input grid (fh x fw feature cells),
 * resampled bilinearly onto the source image's rows x columns: the image sits centred in
 * the square input, scaled by size / max(rows, columns), as the model input makes it.
 */
export function camOnImage(map: Float32Array | number[], fh: number, fw: number, rows: number, columns: number): Float32Array {
  const out = new Float32Array(rows * columns);
  const longest = Math.max(rows, columns);
  // In units of the input's side: the image's box inside it.
  const boxW = columns / longest;
  const boxH = rows / longest;
  const x0 = (1 - boxW) / 2;
  const y0 = (1 - boxH) / 2;
  const at = (y: number, x: number) => map[Math.min(fh - 1, Math.max(0, y)) * fw + Math.min(fw - 1, Math.max(0, x))];
  for (let r = 0; r < rows; r++) {
    const gy = (y0 + ((r + 0.5) / rows) * boxH) * fh - 0.5;
    const yA = Math.floor(gy);
    const ty = gy - yA;
    for (let c = 0; c < columns; c++) {
      const gx = (x0 + ((c + 0.5) / columns) * boxW) * fw - 0.5;
      const xA = Math.floor(gx);
      const tx = gx - xA;
      const top = at(yA, xA) * (1 - tx) + at(yA, xA + 1) * tx;
      const bottom = at(yA + 1, xA) * (1 - tx) + at(yA + 1, xA + 1) * tx;
      out[r * columns + c] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

export const SECONDARY_CAPTURE_STORAGE = '1.2.840.10008.5.1.4.1.1.7';

/** Colour of a map value t in [0, 1]: "hot iron" style, black through red and yellow to white. */
function heat(t: number): [number, number, number] {
  const c = Math.min(1, Math.max(0, t));
  return [Math.min(1, c * 3), Math.min(1, Math.max(0, c * 3 - 1)), Math.min(1, Math.max(0, c * 3 - 2))].map((v) => Math.round(v * 255)) as [number, number, number];
}

/**
 * The fallback for receivers that cannot show Parametric Maps: the windowed image with the
 * map blended over it in colour, as an RGB Secondary Capture. Only what was drawn survives:
 * the values and the overlay's on/off are gone, which is why it is never the default.
 */
export function buildSecondaryCapture(input: HeatmapInput & { image: { rows: number; columns: number; channels: 1 | 3; data: Uint8Array } }): NaturalDataset {
  const { source, image } = input;
  let min = Infinity;
  let max = -Infinity;
  for (const v of input.values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const span = max > min ? max - min : 1;
  const n = image.rows * image.columns;
  const rgb = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const t = (input.values[i] - min) / span;
    const colour = heat(t);
    const alpha = 0.5 * t; // the weakest evidence leaves the image as it is
    for (let ch = 0; ch < 3; ch++) {
      const base = image.channels === 3 ? image.data[i * 3 + ch] : image.data[i];
      rgb[i * 3 + ch] = Math.round(base * (1 - alpha) + colour[ch] * alpha);
    }
  }
  const now = dicomDateTime();
  return {
    SpecificCharacterSet: 'ISO_IR 192',
    SOPClassUID: SECONDARY_CAPTURE_STORAGE,
    SOPInstanceUID: newUid(),
    InstanceCreationDate: now.date,
    InstanceCreationTime: now.time,
    ...patientAndStudy(source),
    Modality: 'OT',
    ...seriesAnatomy(source),
    SeriesInstanceUID: input.seriesInstanceUid,
    SeriesNumber: input.seriesNumber,
    SeriesDescription: `Lumen heatmaps (pictures): ${input.modelName}`.slice(0, 64),
    ConversionType: 'WSD',
    Manufacturer: 'Lumen',
    SoftwareVersions: APP_VERSION,
    InstanceNumber: input.instanceNumber,
    PatientOrientation: '',
    ContentDate: now.date,
    ContentTime: now.time,
    ImageType: ['DERIVED', 'SECONDARY'],
    DerivationDescription: `Class activation map of "${input.className}" by ${input.modelName}, blended over the image`.slice(0, 1024),
    SourceImageSequence: [{ ReferencedSOPClassUID: source.SOPClassUID, ReferencedSOPInstanceUID: source.SOPInstanceUID, ...(input.frames > 1 ? { ReferencedFrameNumber: input.frame + 1 } : {}) }],
    ...(Array.isArray(source.PixelSpacing) ? { PixelSpacing: source.PixelSpacing } : {}),
    BurnedInAnnotation: 'NO',
    SamplesPerPixel: 3,
    PhotometricInterpretation: 'RGB',
    PlanarConfiguration: 0,
    Rows: image.rows,
    Columns: image.columns,
    BitsAllocated: 8,
    BitsStored: 8,
    HighBit: 7,
    PixelRepresentation: 0,
    PixelData: rgb.buffer,
    // PixelData may be OB or OW; 8-bit samples are OB.
    _vrMap: { PixelData: 'OB' },
  };
}
