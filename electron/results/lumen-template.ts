// Whether a result document is one Lumen made, judged by its content, not by what it says of itself
// (C, session 20). De-identified export copies Lumen's own SR and Parametric Maps with the images
// and cleans their text by rules written for what Lumen puts there; any software can write
// Manufacturer "Lumen", and a document made elsewhere may name the patient where no such rule
// looks (a nickname in a TEXT item, a name as a code's meaning, a sequence Lumen never writes).
//
// So a document is Lumen's only when it fits what sr.ts and parametric-map.ts write, exactly:
// - every attribute, at the top and in every sequence item, is one Lumen writes there (nothing
//   private, nothing unknown);
// - every code is one of Lumen's fixed codes with its exact meaning (sr.ts isLumenCode, the
//   Parametric Map's own few), a body part or side of anatomy.ts's tables with the table's
//   meaning, or a class name or label of Lumen's scheme whose value is the one its meaning gives;
// - every SR content item has a value type Lumen writes, and every TEXT item a concept Lumen
//   writes text under, with the value in the form Lumen gives it (fixed words, a hash, a version);
// - the fixed words of the header are Lumen's (series description, coding scheme, template).
// What remains free is what Lumen takes from its own records (a model's name, a class name or
// label, a training-data verdict, the reason a measurement is in pixels): the text rules cover it.
import dcmjs, { type DenaturalizedDataset } from 'dcmjs';
import { imageAnatomy, LATERALITY } from './anatomy';
import { PATIENT_STUDY_KEYWORDS, type NaturalDataset } from './part10';
import { MAP_CODES as PM_CODES, PARAMETRIC_MAP_STORAGE as PARAMETRIC_MAP } from './parametric-map';
import { COMPREHENSIVE_SR, CORNERSTONE_TOOL_PREFIX, isLumenCode, LABEL_TRACKING_ID, LUMEN_SCHEME, PREDICTION_TRACKING_ID } from './sr';

const { DicomMetaDictionary } = dcmjs.data;


const CODE_KEYS = ['CodeValue', 'CodingSchemeDesignator', 'CodeMeaning'];
const PATIENT_STUDY = [...PATIENT_STUDY_KEYWORDS, 'PatientName', 'PatientID', 'PatientBirthDate', 'PatientSex', 'StudyDate', 'StudyTime', 'ReferringPhysicianName', 'StudyID', 'AccessionNumber'];
const SCHEME_KEYS = ['CodingSchemeDesignator', 'CodingSchemeName', 'CodingSchemeResponsibleOrganization'];

/** Per document kind: the attributes of each context, and the context each sequence's items are in. */
interface Shape {
  keys: Record<string, readonly string[]>;
  /** Sequence keyword → the context of its items ('code': a code, checked as one). */
  items: Record<string, string>;
}

const SR: Shape = {
  keys: {
    top: [
      'SpecificCharacterSet', 'InstanceCreationDate', 'InstanceCreationTime', 'SOPClassUID', 'SOPInstanceUID', ...PATIENT_STUDY, 'Modality', 'SeriesInstanceUID',
      'SeriesNumber', 'SeriesDescription', 'ReferencedPerformedProcedureStepSequence', 'Manufacturer', 'ManufacturerModelName', 'SoftwareVersions', 'InstanceNumber',
      'CompletionFlag', 'VerificationFlag', 'ContentDate', 'ContentTime', 'PerformedProcedureCodeSequence', 'CurrentRequestedProcedureEvidenceSequence',
      'CodingSchemeIdentificationSequence', 'ValueType', 'ConceptNameCodeSequence', 'ContinuityOfContent', 'ContentTemplateSequence', 'ContentSequence',
    ],
    item: ['RelationshipType', 'ValueType', 'ConceptNameCodeSequence', 'ConceptCodeSequence', 'TextValue', 'UID', 'ContinuityOfContent', 'ContentSequence', 'MeasuredValueSequence', 'ReferencedSOPSequence', 'GraphicType', 'GraphicData'],
    measured: ['MeasurementUnitsCodeSequence', 'NumericValue'],
    sop: ['ReferencedSOPClassUID', 'ReferencedSOPInstanceUID', 'ReferencedFrameNumber'],
    evidence: ['StudyInstanceUID', 'ReferencedSeriesSequence'],
    series: ['SeriesInstanceUID', 'ReferencedSOPSequence'],
    scheme: SCHEME_KEYS,
    template: ['MappingResource', 'TemplateIdentifier'],
    none: [],
  },
  items: {
    ConceptNameCodeSequence: 'code',
    ConceptCodeSequence: 'code',
    MeasurementUnitsCodeSequence: 'code',
    PerformedProcedureCodeSequence: 'code',
    ContentSequence: 'item',
    MeasuredValueSequence: 'measured',
    ReferencedSOPSequence: 'sop',
    CurrentRequestedProcedureEvidenceSequence: 'evidence',
    ReferencedSeriesSequence: 'series',
    CodingSchemeIdentificationSequence: 'scheme',
    ContentTemplateSequence: 'template',
    ReferencedPerformedProcedureStepSequence: 'none',
  },
};

const PM: Shape = {
  keys: {
    top: [
      'SpecificCharacterSet', 'SOPClassUID', 'SOPInstanceUID', 'InstanceCreationDate', 'InstanceCreationTime', ...PATIENT_STUDY, 'Modality', 'SeriesInstanceUID', 'SeriesNumber',
      'BodyPartExamined', 'Laterality', 'SeriesDescription', 'FrameOfReferenceUID', 'PositionReferenceIndicator', 'Manufacturer', 'ManufacturerModelName', 'DeviceSerialNumber',
      'SoftwareVersions', 'InstanceNumber', 'ContentDate', 'ContentTime', 'ImageType', 'ContentQualification', 'ContentLabel', 'ContentDescription', 'ContentCreatorName',
      'SamplesPerPixel', 'PhotometricInterpretation', 'BitsAllocated', 'Rows', 'Columns', 'NumberOfFrames', 'BurnedInAnnotation', 'RecognizableVisualFeatures',
      'LossyImageCompression', 'PresentationLUTShape', 'AcquisitionContextSequence', 'ReferencedSeriesSequence', 'DimensionOrganizationSequence', 'DimensionIndexSequence',
      'SharedFunctionalGroupsSequence', 'PerFrameFunctionalGroupsSequence', 'CodingSchemeIdentificationSequence', 'FloatPixelData',
    ],
    series: ['SeriesInstanceUID', 'ReferencedInstanceSequence'],
    sop: ['ReferencedSOPClassUID', 'ReferencedSOPInstanceUID', 'ReferencedFrameNumber', 'PurposeOfReferenceCodeSequence'],
    organization: ['DimensionOrganizationUID'],
    index: ['DimensionOrganizationUID', 'DimensionIndexPointer', 'FunctionalGroupPointer', 'DimensionDescriptionLabel'],
    shared: ['PixelMeasuresSequence', 'PlaneOrientationSequence', 'DerivationImageSequence', 'FrameVOILUTSequence', 'RealWorldValueMappingSequence', 'ParametricMapFrameTypeSequence', 'PixelValueTransformationSequence'],
    perFrame: ['FrameContentSequence', 'PlanePositionSequence'],
    measures: ['PixelSpacing', 'SliceThickness'],
    orientation: ['ImageOrientationPatient'],
    position: ['ImagePositionPatient'],
    derivation: ['DerivationCodeSequence', 'SourceImageSequence'],
    voi: ['WindowCenter', 'WindowWidth', 'VOILUTFunction'],
    mapping: ['LUTExplanation', 'LUTLabel', 'MeasurementUnitsCodeSequence', 'QuantityDefinitionSequence', 'DoubleFloatRealWorldValueFirstValueMapped', 'DoubleFloatRealWorldValueLastValueMapped', 'RealWorldValueIntercept', 'RealWorldValueSlope'],
    quantity: ['ValueType', 'ConceptNameCodeSequence', 'ConceptCodeSequence'],
    frameType: ['FrameType'],
    transformation: ['RescaleIntercept', 'RescaleSlope', 'RescaleType'],
    content: ['DimensionIndexValues'],
    scheme: SCHEME_KEYS,
    none: [],
  },
  items: {
    AcquisitionContextSequence: 'none',
    ReferencedSeriesSequence: 'series',
    ReferencedInstanceSequence: 'sop',
    SourceImageSequence: 'sop',
    PurposeOfReferenceCodeSequence: 'code',
    DimensionOrganizationSequence: 'organization',
    DimensionIndexSequence: 'index',
    SharedFunctionalGroupsSequence: 'shared',
    PerFrameFunctionalGroupsSequence: 'perFrame',
    PixelMeasuresSequence: 'measures',
    PlaneOrientationSequence: 'orientation',
    PlanePositionSequence: 'position',
    DerivationImageSequence: 'derivation',
    DerivationCodeSequence: 'code',
    FrameVOILUTSequence: 'voi',
    RealWorldValueMappingSequence: 'mapping',
    MeasurementUnitsCodeSequence: 'code',
    QuantityDefinitionSequence: 'quantity',
    ConceptNameCodeSequence: 'code',
    ConceptCodeSequence: 'code',
    ParametricMapFrameTypeSequence: 'frameType',
    PixelValueTransformationSequence: 'transformation',
    FrameContentSequence: 'content',
    CodingSchemeIdentificationSequence: 'scheme',
  },
};

/** The Parametric Map's fixed codes (parametric-map.ts MAP_CODES), by scheme and value, with their meanings. */
const MAP_CODES = new Map<string, string>(Object.values(PM_CODES).map((c) => [`${c.CodingSchemeDesignator}\u0000${c.CodeValue}`, c.CodeMeaning]));

const one = (v: unknown): unknown => (Array.isArray(v) && v.length === 1 ? v[0] : v);
const text = (v: unknown): string | null => {
  const x = one(v);
  return typeof x === 'string' ? x : null;
};

/** A body part or side as anatomy.ts codes it: its table's own code and meaning. */
function isAnatomyCode(value: string, scheme: string, meaning: string): boolean {
  if (scheme !== 'SCT') return false;
  if (Object.values(LATERALITY).some((c) => c.CodeValue === value && c.CodeMeaning === meaning)) return true;
  const site = imageAnatomy({ AnatomicRegionSequence: [{ CodeValue: value, CodingSchemeDesignator: 'SCT' }] }).site;
  return site !== null && site.CodeValue === value && site.CodeMeaning === meaning;
}

/** The forms of the text Lumen writes in an SR TEXT item, by concept (DCM value or Lumen's own). */
const TEXT_FORMS: Record<string, (v: string) => boolean> = {
  // Tracking Identifier
  'DCM\u0000112039': (v) => v === PREDICTION_TRACKING_ID || v === LABEL_TRACKING_ID || new RegExp(`^${CORNERSTONE_TOOL_PREFIX.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:[A-Za-z]{1,40}$`).test(v),
  // Algorithm Name: the model's name, as the library records it (compared with the Device Observer Name below).
  'DCM\u0000111001': () => true,
  // Algorithm Version: the package's content hash, shortened.
  'DCM\u0000111003': (v) => /^#[0-9a-f]{12}$/.test(v),
  // Algorithm Parameters
  'DCM\u0000111002': (v) => /^package content hash \(SHA-256\) [0-9a-f]{64}$/.test(v) || /^package made with Lumen [0-9A-Za-z.+-]{1,40}$/.test(v) || /^EfficientNet variant [0-9A-Za-z_.-]{1,40}$/.test(v),
  // Device Observer Name and Manufacturer
  'DCM\u0000121013': (v) => v === 'Lumen' || v.startsWith('Lumen: '),
  'DCM\u0000121014': (v) => v === 'Lumen',
  [`${LUMEN_SCHEME}\u0000TRAINING-DATA`]: (v) => v === 'Like the training data' || v.startsWith('Outside the training data: '),
  [`${LUMEN_SCHEME}\u0000PX-REASON`]: () => true,
};

const SR_VALUE_TYPES = new Set(['CONTAINER', 'CODE', 'TEXT', 'UIDREF', 'NUM', 'IMAGE', 'SCOORD']);

/**
 * Why the data set is not a result document as Lumen writes it (in words naming what, never its
 * content: that may name the patient), or null when it is one. `dataset` as read from the file.
 */
export function notLumenDocument(dataset: DenaturalizedDataset): string | null {
  let natural: NaturalDataset;
  try {
    natural = DicomMetaDictionary.naturalizeDataset(dataset) as NaturalDataset;
  } catch {
    return 'its attributes do not read';
  }
  const sopClass = text(natural.SOPClassUID)?.trim();
  const shape = sopClass === COMPREHENSIVE_SR ? SR : sopClass === PARAMETRIC_MAP ? PM : null;
  if (!shape) return 'it is neither a Comprehensive SR nor a Parametric Map';
  if (text(natural.Manufacturer)?.trim() !== 'Lumen' || text(natural.ManufacturerModelName)?.trim() !== 'Lumen') return 'its Manufacturer is not Lumen';
  const isCode = shape === SR ? (v: string, s: string, m: string) => isLumenCode(v, s, m) || isAnatomyCode(v, s, m) : (v: string, s: string, m: string) => MAP_CODES.get(`${s}\u0000${v}`) === m;

  // The Algorithm Names and the models the Device Observer Names name ("Lumen: <model>").
  const algorithms = new Set<string>();
  const observed: string[] = [];
  const walk = (item: NaturalDataset, context: string, where: string): string | null => {
    if (context === 'code') {
      for (const k of Object.keys(item)) if (!k.startsWith('_') && !CODE_KEYS.includes(k)) return `a code in ${where} has an attribute Lumen does not write (${k.slice(0, 64)})`;
      const [v, s, m] = CODE_KEYS.map((k) => text(item[k]));
      if (v === null || s === null || m === null || !isCode(v, s, m)) return `${where} holds a code Lumen does not write`;
      return null;
    }
    const allowed = shape.keys[context];
    for (const [k, value] of Object.entries(item)) {
      if (k.startsWith('_')) continue; // dcmjs's own bookkeeping (_vrMap)
      if (!allowed?.includes(k)) return `${where} has an attribute Lumen does not write there (${k.slice(0, 64)})`;
      const sub = shape.items[k];
      if (DicomMetaDictionary.nameMap[k]?.vr === 'SQ') {
        if (!sub) return `${where} has a sequence Lumen does not write (${k.slice(0, 64)})`;
        for (const [i, child] of (Array.isArray(value) ? value : [value]).entries()) {
          if (child === null || typeof child !== 'object' || Array.isArray(child)) return `${where} > ${k} item ${i + 1} does not read`;
          const problem = walk(child as NaturalDataset, sub, `${k} item ${i + 1}`);
          if (problem) return problem;
        }
      }
    }
    if (shape === SR && context === 'item') {
      const type = text(item.ValueType);
      if (type === null || !SR_VALUE_TYPES.has(type)) return `a content item has a value type Lumen does not write`;
      if (type === 'TEXT') {
        const concept = one(item.ConceptNameCodeSequence) as NaturalDataset | undefined;
        const key = concept ? `${text(concept.CodingSchemeDesignator)}\u0000${text(concept.CodeValue)}` : '';
        const form = TEXT_FORMS[key];
        const value = text(item.TextValue);
        if (!form || value === null || !form(value)) return 'a TEXT item is not one Lumen writes';
        if (key === 'DCM\u0000111001') algorithms.add(value);
        if (key === 'DCM\u0000121013' && value !== 'Lumen') observed.push(value.slice('Lumen: '.length));
      }
    }
    return null;
  };
  const problem = walk(natural, 'top', 'the data set');
  if (problem) return problem;
  if (shape === SR) {
    const description = text(natural.SeriesDescription) ?? '';
    if (description !== 'Lumen results' && !description.startsWith('Lumen results: ')) return 'its series description is not one Lumen writes';
    // The Device Observer Name names the model the Algorithm Name does, as sr.ts writes them.
    if (observed.some((n) => !algorithms.has(n))) return 'its Device Observer Name names no algorithm it holds';
  } else {
    const description = text(natural.SeriesDescription) ?? '';
    if (!description.startsWith('Lumen heatmaps: ')) return 'its series description is not one Lumen writes';
  }
  return null;
}
