// Results as DICOM Comprehensive SR, TID 1500 "Imaging Measurement Report" (PS3.16), in
// the shape the IHE AI Results profile and OHIF read:
// - a model's predictions: one TID 1501 measurement group per image (and frame), the top
//   class as a coded Finding, every class's score as a NUM, the image as its Source, and
//   the algorithm (TID 4019: name, version, the package's content hash and variant);
// - measurements: one group each in the layout of dcmjs's and Cornerstone3D's adapters
//   (Tracking Identifier "Cornerstone3DTools@^0.1.0:<Tool>", one NUM (length in mm, area in
//   mm², angle in degrees) inferred from a SCOORD selected from the image), so OHIF loads
//   lengths, ellipses and probes back as editable ones, while other readers see plain
//   TID 1500; an ellipse's or rectangle's maximum, minimum, mean and standard deviation
//   in modality units follow its area as NUMs of their own, as dcmjs's TID300 Ellipse and
//   Polyline write them (SCT codes, UCUM units: [hnsf'U] for CT); a probe's NUM is the
//   pixel's value in those units (what the viewer lists), inferred from its POINT;
// - labels: one group each, the label as a coded Finding, the labelled images as Source;
// - where on the body, in each group whose image says (anatomy.ts): a Finding Site coded from
//   Body Part Examined through PS3.16 Table L-1, with the side as its Laterality modifier
//   (TID 1501 rows 6 and 7).
// Class names and labels are codes of Lumen's own scheme 99LUMEN (declared in the
// document); the code value is the name when it fits a code value, else a hash of it.
import { createHash } from 'node:crypto';
import { APP_VERSION } from '../../common/version';
import type { Calibration } from '../../common/roi';
import { anatomyAt, type Anatomy, type ImageAnatomy } from './anatomy';
import { dicomDateTime, newUid, patientAndStudy, uidFromBytes, type NaturalDataset } from './part10';
import type { StoredLabel, StoredMeasurement, StoredPrediction } from './store';
import { MEASURED_UNITS, measurementCalibration, measurementValue, pixelReason, type ProbeValue } from './tables';

export const COMPREHENSIVE_SR = '1.2.840.10008.5.1.4.1.1.88.33';
/** What OHIF's Cornerstone3D adapters write and recognise as their own measurements ("<prefix>:<Tool>"). */
export const CORNERSTONE_TOOL_PREFIX = 'Cornerstone3DTools@^0.1.0';
export const PREDICTION_TRACKING_ID = 'Lumen AI result';
export const LABEL_TRACKING_ID = 'Lumen label';
export const LUMEN_SCHEME = '99LUMEN';

interface Code {
  CodeValue: string;
  CodingSchemeDesignator: string;
  CodeMeaning: string;
}
type Item = NaturalDataset;

/** Every fixed code the documents use (scheme, value: meaning), filled as the module's constants are made (C, session 20). */
const FIXED_CODES = new Map<string, string>();
const code = (CodeValue: string, CodingSchemeDesignator: string, CodeMeaning: string): Code => {
  FIXED_CODES.set(`${CodingSchemeDesignator}\0${CodeValue}`, CodeMeaning);
  return { CodeValue, CodingSchemeDesignator, CodeMeaning };
};
const DCM = (value: string, meaning: string) => code(value, 'DCM', meaning);
// Every standard code the documents use, made once here so that isLumenCode knows them all.
const C_TRACKING_IDENTIFIER = DCM('112039', 'Tracking Identifier');
const C_TRACKING_UNIQUE_IDENTIFIER = DCM('112040', 'Tracking Unique Identifier');
const C_ALGORITHM_NAME = DCM('111001', 'Algorithm Name');
const C_ALGORITHM_VERSION = DCM('111003', 'Algorithm Version');
const C_ALGORITHM_PARAMETERS = DCM('111002', 'Algorithm Parameters');
const C_NO_UNITS = code('1', 'UCUM', 'no units');
const C_MEASUREMENT_GROUP = DCM('125007', 'Measurement Group');
const C_MAXIMUM = code('56851009', 'SCT', 'Maximum');
const C_MINIMUM = code('255605001', 'SCT', 'Minimum');
const C_MEAN = code('373098007', 'SCT', 'Mean');
const C_STANDARD_DEVIATION = code('386136009', 'SCT', 'Standard Deviation');
const C_LENGTH = code('410668003', 'SCT', 'Length');
const C_AREA = code('42798000', 'SCT', 'Area');
const C_COBB_ANGLE = code('285285000', 'SCT', 'Cobb angle');
const C_DEVICE = DCM('121007', 'Device');
const C_IMAGING_MEASUREMENT_REPORT = DCM('126000', 'Imaging Measurement Report');
const C_LANGUAGE_OF_CONTENT_ITEM_AND_DESCENDANTS = DCM('121049', 'Language of Content Item and Descendants');
const C_ENGLISH_UNITED_STATES = code('en-US', 'RFC5646', 'English (United States)');
const C_OBSERVER_TYPE = DCM('121005', 'Observer Type');
const C_DEVICE_OBSERVER_UID = DCM('121012', 'Device Observer UID');
const C_DEVICE_OBSERVER_NAME = DCM('121013', 'Device Observer Name');
const C_DEVICE_OBSERVER_MANUFACTURER = DCM('121014', 'Device Observer Manufacturer');
const C_PROCEDURE_REPORTED = DCM('121058', 'Procedure reported');
const C_IMAGING_PROCEDURE = code('363679005', 'SCT', 'Imaging procedure');
const C_IMAGE_LIBRARY = DCM('111028', 'Image Library');
const C_IMAGE_LIBRARY_GROUP = DCM('126200', 'Image Library Group');
const C_IMAGING_MEASUREMENTS = DCM('126010', 'Imaging Measurements');

/** LO text: at most 64 characters, no backslash (the value separator) nor control characters. */
const lo = (text: string) => text.replace(/[\\\p{Cc}]/gu, ' ').slice(0, 64);

/** A class name or label as a code of Lumen's scheme: the name itself when it is a valid short code value, else "H" and 15 hex digits of its hash. */
export function lumenCode(name: string): Code {
  const value = /^[A-Za-z0-9_.-]{1,16}$/.test(name) ? name : `H${createHash('sha256').update(name).digest('hex').slice(0, 15)}`;
  // Not code(): a class name or label is no fixed code.
  return { CodeValue: value, CodingSchemeDesignator: LUMEN_SCHEME, CodeMeaning: lo(name) || '(empty)' };
}

/**
 * Whether a code, as read from a document, is one these documents are made with: a fixed code of
 * this module with its exact meaning, or a class name or label of Lumen's scheme whose value is
 * what lumenCode makes of its meaning (or, for a class's score, of its meaning less " probability").
 * A meaning cut at 64 characters cannot be checked against its hash, and is not taken for Lumen's.
 */
export function isLumenCode(value: string, scheme: string, meaning: string): boolean {
  const fixed = FIXED_CODES.get(`${scheme}\0${value}`);
  if (fixed !== undefined) return fixed === meaning;
  if (scheme !== LUMEN_SCHEME || meaning === '(empty)') return false;
  // A class's score is named "<class> probability" under the class's own code (predictionGroup).
  const scored = meaning.endsWith(' probability') ? meaning.slice(0, -' probability'.length) : null;
  return lumenCode(meaning).CodeValue === value || (scored !== null && scored !== '' && lumenCode(scored).CodeValue === value);
}

const text = (rel: string, name: Code, value: string): Item => ({ RelationshipType: rel, ValueType: 'TEXT', ConceptNameCodeSequence: [name], TextValue: value });
const codeItem = (rel: string, name: Code, value: Code): Item => ({ RelationshipType: rel, ValueType: 'CODE', ConceptNameCodeSequence: [name], ConceptCodeSequence: [value] });
const uidref = (rel: string, name: Code, uid: string): Item => ({ RelationshipType: rel, ValueType: 'UIDREF', ConceptNameCodeSequence: [name], UID: uid });
const container = (rel: string, name: Code, content: Item[]): Item => ({ RelationshipType: rel, ValueType: 'CONTAINER', ConceptNameCodeSequence: [name], ContinuityOfContent: 'SEPARATE', ContentSequence: content });

/** An image as SR references it: class, instance, and the frame of a multi-frame image. */
export interface ImageRef {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  sopInstanceUid: string;
  sopClassUid: string;
  /** 0-based; referenced only when the image has several frames. */
  frame?: number;
  frames: number;
}

function referencedSop(ref: ImageRef): Item {
  const item: Item = { ReferencedSOPClassUID: ref.sopClassUid, ReferencedSOPInstanceUID: ref.sopInstanceUid };
  if (ref.frames > 1 && ref.frame !== undefined) item.ReferencedFrameNumber = ref.frame + 1;
  return item;
}

const imageItem = (rel: string, ref: ImageRef, name?: Code): Item => ({
  RelationshipType: rel,
  ValueType: 'IMAGE',
  ...(name ? { ConceptNameCodeSequence: [name] } : {}),
  ReferencedSOPSequence: [referencedSop(ref)],
});

const SOURCE = code('260753009', 'SCT', 'Source');
/** Lumen's own concept for the training-data check of a prediction (no standard code says it). */
const TRAINING_DATA_CHECK = code('TRAINING-DATA', LUMEN_SCHEME, 'Training data check');
const FINDING = DCM('121071', 'Finding');
const FINDING_SITE = code('363698007', 'SCT', 'Finding Site');
const LATERALITY = code('272741003', 'SCT', 'Laterality');

/**
 * TID 1501 row 6, Finding Site, and row 7, its Laterality: what the source image says about
 * where it is. Laterality is a modifier of the site (a child of row 6): where the image names
 * a side but no body part Lumen can code, there is nothing for the side to modify and nothing
 * is written, rather than a site made up for it.
 */
function findingSiteItems(a: Anatomy): Item[] {
  if (!a.site) return [];
  const site = codeItem('HAS CONCEPT MOD', FINDING_SITE, a.site);
  if (a.laterality) site.ContentSequence = [codeItem('HAS CONCEPT MOD', LATERALITY, a.laterality)];
  return [site];
}

/** The one site and side all of `list` share; none when they differ (a label over both knees names neither). */
function sharedAnatomy(list: Anatomy[]): Anatomy {
  const key = (a: Anatomy) => `${a.site?.CodeValue ?? ''}|${a.laterality?.CodeValue ?? ''}`;
  return list.length && list.every((a) => key(a) === key(list[0])) ? list[0] : { site: null, laterality: null };
}

function trackingItems(identifier: string): Item[] {
  return [text('HAS OBS CONTEXT', C_TRACKING_IDENTIFIER, identifier), uidref('HAS OBS CONTEXT', C_TRACKING_UNIQUE_IDENTIFIER, newUid())];
}

export interface ModelIdentity {
  name: string;
  packageHash: string;
  variant: string | null;
  /** The Lumen version that made the package, when known. */
  version: string | null;
}

/**
 * The version of a model package as `lumen models packages` prints it: its content hash's
 * first 12 digits, "#a2da3fb504e7". Two packages of one name (a retrained version) differ here.
 */
export function packageVersion(packageHash: string): string {
  return `#${packageHash.slice(0, 12)}`;
}

/**
 * TID 4019 Algorithm Identification: the algorithm is the model package, so its version is the
 * package's (packageVersion), not Lumen's; Lumen's own version is the equipment's Software
 * Versions (0018,1020), and the Lumen that made the package an Algorithm Parameter.
 */
function algorithmItems(model: ModelIdentity): Item[] {
  const items = [text('HAS CONCEPT MOD', C_ALGORITHM_NAME, model.name), text('HAS CONCEPT MOD', C_ALGORITHM_VERSION, packageVersion(model.packageHash))];
  items.push(text('HAS CONCEPT MOD', C_ALGORITHM_PARAMETERS, `package content hash (SHA-256) ${model.packageHash}`));
  if (model.version) items.push(text('HAS CONCEPT MOD', C_ALGORITHM_PARAMETERS, `package made with Lumen ${model.version.replace(/^lumen\s+/i, '')}`));
  if (model.variant) items.push(text('HAS CONCEPT MOD', C_ALGORITHM_PARAMETERS, `EfficientNet variant ${model.variant}`));
  return items;
}

function predictionGroup(p: StoredPrediction, ref: ImageRef, model: ModelIdentity, anatomy: Anatomy): Item {
  const top = p.scores.indexOf(Math.max(...p.scores));
  const content: Item[] = [...trackingItems(PREDICTION_TRACKING_ID), codeItem('CONTAINS', FINDING, lumenCode(p.classNames[top])), ...algorithmItems(model), ...findingSiteItems(anatomy)];
  p.classNames.forEach((name, k) => {
    const concept = lumenCode(name);
    content.push({
      RelationshipType: 'CONTAINS',
      ValueType: 'NUM',
      ConceptNameCodeSequence: [{ ...concept, CodeMeaning: lo(`${name} probability`) }],
      MeasuredValueSequence: [{ MeasurementUnitsCodeSequence: [C_NO_UNITS], NumericValue: Number(p.scores[k].toPrecision(8)) }],
    });
  });
  // Whether the image is like the package's training data (models/training/ood.ts), as a qualitative
  // evaluation of the group: its reasons hold header text, so control characters are blanked.
  if (p.domain) {
    const verdict = p.domain.outside ? `Outside the training data: ${p.domain.reasons.join('; ')}` : 'Like the training data';
    content.push(text('CONTAINS', TRAINING_DATA_CHECK, verdict.replace(/\p{Cc}/gu, ' ').slice(0, 1024)));
  }
  content.push(imageItem('CONTAINS', ref, SOURCE));
  return container('CONTAINS', C_MEASUREMENT_GROUP, content);
}

/** A region's statistics in modality units (HU for CT), computed as the viewer does (results/region-stats.ts). */
export interface RegionStatistics {
  mean: number;
  sd: number;
  min: number;
  max: number;
  /** The modality unit as the viewer names it ('HU', 'Gy', '%'), null when the image names none. */
  unit: string | null;
}

/** Modality units as UCUM codes (CID 7181, as dcmjs's adapters code them); values without a unit are "no units". */
const MODALITY_UNITS: Record<string, Code> = {
  HU: code("[hnsf'U]", 'UCUM', 'Hounsfield unit'),
  Gy: code('Gy', 'UCUM', 'Gray'),
  '%': code('%', 'UCUM', 'Percent'),
};
const NO_UNITS = code('1', 'UCUM', 'no units');

/** A value in modality units (the viewer's name for them: 'HU'; null: none) as UCUM units. */
const modalityUnits = (unit: string | null): Code => (unit && MODALITY_UNITS[unit]) || NO_UNITS;

/**
 * What a probe's NUM measures: for CT in HU the Attenuation Coefficient (DCM 112031, CID 7180,
 * in [hnsf'U]); else the pixel's value, a concept of Lumen's scheme (PS3.16 has no generic
 * one). A probe with no value (outside its image, colour, an unreadable file) keeps dcmjs's
 * TID300 Point concept "Center" (DCM 111010) and no measured value, as dcmjs writes it.
 */
const ATTENUATION = DCM('112031', 'Attenuation Coefficient');
const PIXEL_VALUE = code('PIXEL-VALUE', LUMEN_SCHEME, 'Pixel value');
const CENTER = DCM('111010', 'Center');

/** Maximum, minimum, mean and standard deviation in dcmjs's order (TID300 Ellipse and Polyline), after the area. */
function statisticItems(s: RegionStatistics): Item[] {
  const units = modalityUnits(s.unit);
  const stat = (concept: Code, v: number): Item => ({
    RelationshipType: 'CONTAINS',
    ValueType: 'NUM',
    ConceptNameCodeSequence: [concept],
    MeasuredValueSequence: [{ MeasurementUnitsCodeSequence: [units], NumericValue: Number(v.toPrecision(8)) }],
  });
  return [
    stat(C_MAXIMUM, s.max),
    stat(C_MINIMUM, s.min),
    stat(C_MEAN, s.mean),
    stat(C_STANDARD_DEVIATION, s.sd),
  ];
}

const UNITS: Record<string, Code> = {
  mm: code('mm', 'UCUM', 'millimeter'),
  pixel: code('{pixel}', 'UCUM', 'pixel'),
  mm2: code('mm2', 'UCUM', 'square millimeter'),
  pixel2: code('{pixel2}', 'UCUM', 'square pixel'),
  deg: code('deg', 'UCUM', 'degree'),
};

/**
 * TID 300 row 3, Measurement Method: what a length's or area's mm, or an angle's degrees, were
 * measured with, where not the patient's plane, or why it was measured in pixels (an angle on
 * pixels that are not square differs between the two). PS3.16 has no code for either (TID
 * 1501's methods, CID 6147, are response criteria), so they are codes of Lumen's scheme.
 */
const MEASUREMENT_METHOD = code('370129005', 'SCT', 'Measurement Method');
const SPACING_METHODS: Record<string, Code | undefined> = {
  calibrated: code('SP-CALIBRATED', LUMEN_SCHEME, 'Calibrated Pixel Spacing'),
  detector: code('SP-DETECTOR', LUMEN_SCHEME, 'Imager Pixel Spacing, at detector'),
  magnification: code('SP-MAGNIFIED', LUMEN_SCHEME, 'Imager Pixel Spacing, magnification corrected'),
  // The Physical Delta X and Y of the one ultrasound region (PS3.3 C.8.5.5) that holds every point.
  'us-region': code('SP-US-REGION', LUMEN_SCHEME, 'Ultrasound region calibration'),
};
/** A length, area or angle measured in pixels on an image whose calibration does not reach it; rows scaled by its Pixel Aspect Ratio. */
const PIXEL_METHOD = code('SP-NONE', LUMEN_SCHEME, 'Uncalibrated, in image pixels');
const ASPECT_METHOD = code('SP-ASPECT', LUMEN_SCHEME, 'Image pixels, rows scaled by Pixel Aspect Ratio');
/** Why such a value is in pixels, in the table's words ("crosses US regions 1 and 2"). */
const PIXEL_REASON = code('PX-REASON', LUMEN_SCHEME, 'Why in pixels');

/**
 * The Measurement Method of a value in `unit` (mm, mm2, pixel, pixel2 or deg) measured with c,
 * and why it was measured in pixels, as concept modifiers of its NUM: the same for an angle as
 * for a length with the same points.
 */
function methodItems(c: Calibration, unit: string | null): Item[] {
  if (c.unit === 'mm') {
    const method = MEASURED_UNITS.has(unit) ? SPACING_METHODS[c.kind] : undefined;
    return method ? [codeItem('HAS CONCEPT MOD', MEASUREMENT_METHOD, method)] : [];
  }
  const why = pixelReason(c, unit);
  if (why === null) return [];
  return [codeItem('HAS CONCEPT MOD', MEASUREMENT_METHOD, c.aspect ? ASPECT_METHOD : PIXEL_METHOD), text('HAS CONCEPT MOD', PIXEL_REASON, why.replace(/\p{Cc}/gu, ' '))];
}

/**
 * One measurement in the layout of the Cornerstone3D adapters OHIF loads (dcmjs's): a
 * tracking identifier naming the tool, one NUM inferred from a SCOORD selected from the
 * image. Rectangles and angles follow the same pattern for tools those adapters name so.
 */
function measurementGroup(m: StoredMeasurement, ref: ImageRef, anatomy: Anatomy, stats?: RegionStatistics, probe?: ProbeValue): Item | null {
  const calibration = measurementCalibration(m);
  const { value, unit } = measurementValue(m, calibration);
  const p = m.points;
  const scoord = (graphicType: string, points: number[][]): Item => ({
    RelationshipType: 'INFERRED FROM',
    ValueType: 'SCOORD',
    GraphicType: graphicType,
    // SR image coordinates: (0,0) is the top left corner of the top left pixel, as in Lumen's viewer.
    GraphicData: points.flat().map((v) => Math.fround(v)),
    ContentSequence: [imageItem('SELECTED FROM', ref)],
  });
  // A length, area or angle measured in mm from CR/DX Imager Pixel Spacing or an ultrasound region
  // says so, and one measured in pixels on an image with a calibration or a Pixel Aspect Ratio
  // says why: TID 300's Measurement Method, a code of Lumen's scheme (tables.ts spacingKindOf
  // gives the same to the CSV). The calibration is the one measurementValue used; a SCOORD stays
  // in image pixels whatever it is (PS3.3 C.18.6.1.2).
  const method = methodItems(calibration, unit);
  const num = (concept: Code, v: number, units: Code, graphic: Item): Item => ({
    RelationshipType: 'CONTAINS',
    ValueType: 'NUM',
    ConceptNameCodeSequence: [concept],
    MeasuredValueSequence: [{ MeasurementUnitsCodeSequence: [units], NumericValue: Number(v.toPrecision(8)) }],
    ContentSequence: [graphic, ...method],
  });
  let tool: string;
  let item: Item;
  let extra: Item[] = [];
  if (m.kind === 'length' && p.length === 2 && value !== null) {
    tool = 'Length';
    item = num(C_LENGTH, value, UNITS[unit!], scoord('POLYLINE', p));
  } else if (m.kind === 'ellipse' && p.length === 2 && value !== null) {
    // ELLIPSE: major axis ends, then minor axis ends, from the box the ellipse fills; which axis is
    // the longer one is judged with the calibration the area used (a US region's deltas, rows
    // scaled by a Pixel Aspect Ratio), the points staying in image pixels.
    const [[x0, y0], [x1, y1]] = p;
    const cx = (x0 + x1) / 2;
    const cy = (y0 + y1) / 2;
    const across = [[x0, cy], [x1, cy]];
    const down = [[cx, y0], [cx, y1]];
    const spacing = calibration.spacing;
    const wide = Math.abs(x1 - x0) * spacing[1] >= Math.abs(y1 - y0) * spacing[0];
    tool = 'EllipticalROI';
    item = num(C_AREA, value, UNITS[unit!], scoord('ELLIPSE', wide ? [...across, ...down] : [...down, ...across]));
    if (stats) extra = statisticItems(stats);
  } else if (m.kind === 'rectangle' && p.length === 2 && value !== null) {
    const [[x0, y0], [x1, y1]] = p;
    tool = 'RectangleROI';
    item = num(C_AREA, value, UNITS[unit!], scoord('POLYLINE', [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]));
    if (stats) extra = statisticItems(stats);
  } else if (m.kind === 'angle' && p.length === 3 && value !== null) {
    tool = 'Angle';
    item = num(C_COBB_ANGLE, value, UNITS.deg, scoord('POLYLINE', p));
  } else if (m.kind === 'probe' && p.length === 1) {
    // dcmjs's and Cornerstone3D's adapters load a Probe from the group's first NUM's SCOORD, whatever its concept.
    tool = 'Probe';
    if (probe) item = num(probe.unit === 'HU' ? ATTENUATION : PIXEL_VALUE, probe.value, modalityUnits(probe.unit), scoord('POINT', p));
    else item = { RelationshipType: 'CONTAINS', ValueType: 'NUM', ConceptNameCodeSequence: [CENTER], MeasuredValueSequence: [], ContentSequence: [scoord('POINT', p)] };
  } else return null;
  return container('CONTAINS', C_MEASUREMENT_GROUP, [...trackingItems(`${CORNERSTONE_TOOL_PREFIX}:${tool}`), ...findingSiteItems(anatomy), item, ...extra]);
}

function labelGroup(l: StoredLabel, refs: ImageRef[], anatomy: Anatomy): Item {
  return container('CONTAINS', C_MEASUREMENT_GROUP, [...trackingItems(LABEL_TRACKING_ID), codeItem('CONTAINS', FINDING, lumenCode(l.label)), ...findingSiteItems(anatomy), ...refs.map((r) => imageItem('CONTAINS', r, SOURCE))]);
}

export interface ReportInput {
  /** The header of one image of the study: patient and study attributes are copied from it. */
  source: NaturalDataset;
  seriesInstanceUid: string;
  seriesNumber: number;
  seriesDescription: string;
  instanceNumber: number;
  /** The images the report may refer to, by SOP Instance UID. */
  images: Map<string, Omit<ImageRef, 'frame'>>;
  predictions?: { model: ModelIdentity; items: StoredPrediction[] };
  measurements?: StoredMeasurement[];
  /** Ellipses' and rectangles' statistics by measurement id; a region without them gets its area only. */
  regionStatistics?: Map<string, RegionStatistics>;
  /** Probes' values by measurement id (region-stats.ts measuredOnFrames); a probe without one gets its point only. */
  probeValues?: ReadonlyMap<string, ProbeValue>;
  labels?: StoredLabel[];
  /** Where an image is (anatomy.ts imageAnatomy of its header), by SOP Instance UID; null or absent: not known, no Finding Site. */
  anatomy?: (sopInstanceUid: string) => ImageAnatomy | null;
}

export interface Report {
  dataset: NaturalDataset;
  sopInstanceUid: string;
  groups: { predictions: number; measurements: number; labels: number };
  /** Measurements SR cannot carry (an unknown kind, or an image the library no longer has). */
  skipped: number;
}

/** The TID 1500 report as a data set in dcmjs's natural form. */
export function buildReport(input: ReportInput): Report {
  const groups: Item[] = [];
  const referenced = new Map<string, ImageRef>();
  const ref = (sop: string, frame?: number): ImageRef | null => {
    const image = input.images.get(sop);
    if (!image) return null;
    referenced.set(sop, image);
    return { ...image, frame };
  };
  const where = (sop: string, frame?: number): Anatomy => anatomyAt(input.anatomy?.(sop), frame);
  const counts = { predictions: 0, measurements: 0, labels: 0 };
  let skipped = 0;
  if (input.predictions) {
    for (const p of input.predictions.items) {
      const r = ref(p.sopInstanceUid, p.frame);
      if (!r) continue;
      groups.push(predictionGroup(p, r, input.predictions.model, where(p.sopInstanceUid, p.frame)));
      counts.predictions++;
    }
  }
  for (const m of input.measurements ?? []) {
    const image = input.images.get(m.sopInstanceUid);
    const group = image ? measurementGroup(m, { ...image, frame: m.frame }, where(m.sopInstanceUid, m.frame), input.regionStatistics?.get(m.id), input.probeValues?.get(m.id)) : null;
    if (!group) {
      skipped++;
      continue;
    }
    ref(m.sopInstanceUid, m.frame);
    groups.push(group);
    counts.measurements++;
  }
  for (const l of input.labels ?? []) {
    // A label of one frame refers to that frame (Referenced Frame Number), and names its site.
    const frame = l.targetKind === 'image' && typeof l.frame === 'number' ? l.frame - 1 : undefined;
    const refs =
      l.targetKind === 'image'
        ? [ref(l.sopInstanceUid!, frame)]
        : l.targetKind === 'series'
          ? [...input.images.values()].filter((i) => i.seriesInstanceUid === l.seriesInstanceUid).map((i) => ref(i.sopInstanceUid))
          : [];
    const labelled = refs.filter((r): r is ImageRef => r !== null);
    // A label is on whole images (or one frame): each frame it covers must name the same site and side.
    const anatomy = sharedAnatomy(labelled.flatMap((r) => (r.frame !== undefined ? [where(r.sopInstanceUid, r.frame)] : Array.from({ length: Math.max(1, r.frames) }, (_, k) => where(r.sopInstanceUid, k)))));
    groups.push(labelGroup(l, labelled, anatomy));
    counts.labels++;
  }

  const sopInstanceUid = newUid();
  const now = dicomDateTime();
  const studyUid = String(input.source.StudyInstanceUID);
  const bySeries = new Map<string, ImageRef[]>();
  for (const r of referenced.values()) bySeries.set(r.seriesInstanceUid, [...(bySeries.get(r.seriesInstanceUid) ?? []), r]);
  const evidence = bySeries.size
    ? [{ StudyInstanceUID: studyUid, ReferencedSeriesSequence: [...bySeries].map(([series, refs]) => ({ SeriesInstanceUID: series, ReferencedSOPSequence: refs.map((r) => ({ ReferencedSOPClassUID: r.sopClassUid, ReferencedSOPInstanceUID: r.sopInstanceUid })) })) }]
    : undefined;
  const device = C_DEVICE;
  const dataset: NaturalDataset = {
    SpecificCharacterSet: 'ISO_IR 192',
    InstanceCreationDate: now.date,
    InstanceCreationTime: now.time,
    SOPClassUID: COMPREHENSIVE_SR,
    SOPInstanceUID: sopInstanceUid,
    ...patientAndStudy(input.source),
    Modality: 'SR',
    SeriesInstanceUID: input.seriesInstanceUid,
    SeriesNumber: input.seriesNumber,
    SeriesDescription: lo(input.seriesDescription),
    ReferencedPerformedProcedureStepSequence: [],
    Manufacturer: 'Lumen',
    ManufacturerModelName: 'Lumen',
    SoftwareVersions: APP_VERSION,
    InstanceNumber: input.instanceNumber,
    CompletionFlag: 'COMPLETE',
    VerificationFlag: 'UNVERIFIED',
    ContentDate: now.date,
    ContentTime: now.time,
    PerformedProcedureCodeSequence: [],
    ...(evidence ? { CurrentRequestedProcedureEvidenceSequence: evidence } : {}),
    CodingSchemeIdentificationSequence: [{ CodingSchemeDesignator: LUMEN_SCHEME, CodingSchemeName: 'Lumen class names, labels and measurement methods', CodingSchemeResponsibleOrganization: 'Lumen' }],
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: [C_IMAGING_MEASUREMENT_REPORT],
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '1500' }],
    ContentSequence: [
      codeItem('HAS CONCEPT MOD', C_LANGUAGE_OF_CONTENT_ITEM_AND_DESCENDANTS, C_ENGLISH_UNITED_STATES),
      codeItem('HAS OBS CONTEXT', C_OBSERVER_TYPE, device),
      // One Device Observer UID per model (or for Lumen itself), the same in every export.
      uidref('HAS OBS CONTEXT', C_DEVICE_OBSERVER_UID, uidFromBytes(createHash('sha256').update(`lumen-device\0${input.predictions?.model.packageHash ?? ''}`).digest())),
      text('HAS OBS CONTEXT', C_DEVICE_OBSERVER_NAME, input.predictions ? `Lumen: ${input.predictions.model.name}` : 'Lumen'),
      text('HAS OBS CONTEXT', C_DEVICE_OBSERVER_MANUFACTURER, 'Lumen'),
      codeItem('HAS CONCEPT MOD', C_PROCEDURE_REPORTED, C_IMAGING_PROCEDURE),
      ...(referenced.size ? [container('CONTAINS', C_IMAGE_LIBRARY, [container('CONTAINS', C_IMAGE_LIBRARY_GROUP, [...referenced.values()].map((r) => imageItem('CONTAINS', r)))])] : []),
      container('CONTAINS', C_IMAGING_MEASUREMENTS, groups),
    ],
  };
  return { dataset, sopInstanceUid, groups: counts, skipped };
}
