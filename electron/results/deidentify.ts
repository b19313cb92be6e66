// De-identified copies of DICOM files, following DICOM PS3.15 Annex E: the Basic
// Application Level Confidentiality Profile with the options Retain Longitudinal Temporal
// Information with Modified Dates (113107) and Clean Descriptors (113105).
//
// Per file, on dcmjs's tag-level data set, recursively through every sequence:
// - the attributes of Table E.1-1 this module lists are removed (X), emptied (Z) or, for
//   PatientName and PatientID, replaced (D) by the patient's pseudonym from the library's
//   key (electron/training/pseudonyms.ts), so one patient stays one patient;
// - every UID that is not a standard one (1.2.840.10008.*) is remapped to 2.25.<keyed
//   hash of the UID>: the same UID maps the same way every time in one library, so a
//   study stays whole across exports, and references inside the files still match;
// - every date (DA, and the date of a DT) is shifted back by a per-patient number of days
//   derived from the same key (365 to 3652 days); intervals between dates are kept;
// - descriptors (study, series and image descriptions, comments, protocol name...) are
//   kept after cleaning: every identifier the file holds (name parts, IDs, accession
//   number, birth date, institution, other person names) is cut out of them, and out of
//   any other text value as well;
// - private elements are removed, as are overlay and curve groups (60xx, 50xx) and elements
//   of unknown VR (UN: their content cannot be judged), and every person name other than
//   the patient's is emptied;
// - PatientIdentityRemoved YES, DeidentificationMethod, the De-identification Method Code
//   Sequence and LongitudinalTemporalInformationModified MODIFIED are set.
// Result documents (SR, Parametric Maps) that Lumen made itself are copied with the images
// whose results they hold, their content walked by the same rules (the Clean Structured
// Content option, 113104): UIDs remapped the same way, so their references still name the
// copies; dates shifted; person names emptied; text cleaned. Documents made by other software
// are not copied (their content items may name the patient in ways no rule here can judge),
// nor are documents that refer to an image the copy does not hold. That Lumen made a document
// is judged by the library's record of what Lumen wrote (written.ts): its SOP Instance UID must be
// recorded and its data set's bytes must hash as they did when written, so that every free text
// in it (Algorithm Name, class and label names, map descriptions) is what Lumen put there from its
// own records. Neither its Manufacturer, which any software can set to Lumen, nor its fitting
// Lumen's shape (a template check, removed), which a forger can copy with a patient's name in those free
// parts, is enough; the shape adds nothing once the bytes are Lumen's own, and would hold back a
// real document whose class name was cut at 64 characters or holds a backslash. A document not
// recorded (another Lumen's, one written before the record was kept, a forgery) or changed since
// it was written is held back, and the note says which.
// Burned-in annotation: an image whose BurnedInAnnotation is YES is held back, and so is
// one that does not say (absent or empty) when it is of a kind that commonly carries text
// in its pixels: Secondary Capture, ultrasound, visible light photographs, or modality
// SC, OT, US, XC, ES, GM, SM, DOC. `includeBurnedIn` writes them too.
import fs from 'node:fs';
import path from 'node:path';
import dcmjs, { type DenaturalizedDataset } from 'dcmjs';
import { readRegularFile } from '../../common/node/read-file';
import { ensurePrivateDir, writeFileAtomic } from '../../common/node/safe-fs';
import { APP_VERSION } from '../../common/version';
import { countOf } from '../../common/counts';
import type { HeldBackImage } from '../../common/held-back';
import { CancelledError } from '../../common/cancel';
import type { Library } from '../library/library';
import type { StudyResult } from '../library/results';
import { keyedDigest, libraryKey, pseudonymsUnder } from '../training/pseudonyms';
import { EXPLICIT_VR_LITTLE_ENDIAN, IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION_NAME, readPart10OrBare, uidFromBytes, writeDenaturalized } from './part10';

export { readPart10OrBare };
import { ResultsStore, type ImageFile, type Scope } from './store';
import { addPersonName, cleanText, dateOf, type TextIdentifiers } from './deidentify-text';
import { datasetDigest } from './written';

const { DicomMetaDictionary } = dcmjs.data;

type Element = DenaturalizedDataset[string];
type Action = 'X' | 'Z' | 'D' | 'C';

/** Table E.1-1 attributes by keyword, with the action the profile and its options take (dates and UIDs are handled by VR). */
const ACTIONS: Record<string, Action> = {
  PatientName: 'D',
  PatientID: 'D',
  // Z: kept, empty (type 2 in most IODs)
  AccessionNumber: 'Z',
  PatientBirthDate: 'Z',
  PatientSex: 'Z',
  ReferringPhysicianName: 'Z',
  StudyID: 'Z',
  ContentCreatorName: 'Z',
  FillerOrderNumberImagingServiceRequest: 'Z',
  PlacerOrderNumberImagingServiceRequest: 'Z',
  VerifyingObserverName: 'Z',
  PersonName: 'Z',
  // C: kept after cleaning (Clean Descriptors option)
  StudyDescription: 'C',
  SeriesDescription: 'C',
  ImageComments: 'C',
  ProtocolName: 'C',
  DerivationDescription: 'C',
  AcquisitionDeviceProcessingDescription: 'C',
  ContrastBolusAgent: 'C',
  PerformedProcedureStepDescription: 'C',
  RequestedProcedureDescription: 'C',
  AcquisitionComments: 'C',
  FrameComments: 'C',
  // X: removed
  ...Object.fromEntries(
    [
      'InstitutionName', 'InstitutionAddress', 'InstitutionalDepartmentName', 'InstitutionCodeSequence', 'InstitutionalDepartmentTypeCodeSequence',
      'ReferringPhysicianAddress', 'ReferringPhysicianTelephoneNumbers', 'ReferringPhysicianIdentificationSequence', 'ConsultingPhysicianName',
      'ConsultingPhysicianIdentificationSequence', 'PhysiciansOfRecord', 'PhysiciansOfRecordIdentificationSequence', 'PerformingPhysicianName',
      'PerformingPhysicianIdentificationSequence', 'NameOfPhysiciansReadingStudy', 'PhysiciansReadingStudyIdentificationSequence', 'OperatorsName',
      'OperatorIdentificationSequence', 'AdmittingDiagnosesDescription', 'AdmittingDiagnosesCodeSequence', 'ReferencedPatientSequence',
      'ReferencedStudySequence', 'ReferencedPerformedProcedureStepSequence', 'ReferencedPatientPhotoSequence', 'IssuerOfPatientID',
      'IssuerOfPatientIDQualifiersSequence', 'PatientBirthTime', 'OtherPatientIDs', 'OtherPatientNames', 'OtherPatientIDsSequence', 'PatientBirthName',
      'PatientAge', 'PatientSize', 'PatientWeight', 'PatientAddress', 'PatientMotherBirthName', 'MilitaryRank', 'BranchOfService', 'MedicalRecordLocator',
      'MedicalAlerts', 'Allergies', 'CountryOfResidence', 'RegionOfResidence', 'PatientTelephoneNumbers', 'PatientTelecomInformation', 'EthnicGroup',
      'Occupation', 'SmokingStatus', 'AdditionalPatientHistory', 'PregnancyStatus', 'LastMenstrualDate', 'PatientReligiousPreference', 'PatientComments',
      'ResponsiblePerson', 'ResponsibleOrganization', 'PatientInsurancePlanCodeSequence', 'PatientPrimaryLanguageCodeSequence', 'StationName',
      'DeviceSerialNumber', 'DeviceUID', 'PlateID', 'GantryID', 'CassetteID', 'DetectorID', 'GeneratorID', 'StudyComments',
      'RequestAttributesSequence', 'RequestingPhysician', 'RequestingService', 'RequestedProcedureID', 'PerformedProcedureStepID',
      'PerformedLocation', 'PerformedStationName', 'PerformedStationAETitle', 'ScheduledPerformingPhysicianName', 'ScheduledProcedureStepID',
      'ScheduledProcedureStepDescription', 'ScheduledStudyLocation', 'ScheduledStudyLocationAETitle', 'ReasonForStudy', 'RequestedContrastAgent',
      'ReasonForTheRequestedProcedure', 'ReasonForRequestedProcedureCodeSequence', 'TextComments', 'TextString', 'Arbitrary', 'DigitalSignaturesSequence',
      'OriginalAttributesSequence', 'ModifiedAttributesSequence', 'ServiceEpisodeID', 'ServiceEpisodeDescription', 'IssuerOfAdmissionIDSequence',
      'AdmissionID', 'PatientState', 'SpecialNeeds', 'CurrentPatientLocation', 'PatientInstitutionResidence', 'VisitComments',
      'DischargeDiagnosisDescription', 'InterpretationAuthor', 'InterpretationRecorder', 'InterpretationTranscriber', 'InterpretationApproverSequence',
      'DistributionName', 'DistributionAddress', 'ClinicalTrialSponsorName', 'ClinicalTrialSiteName', 'ClinicalTrialSubjectID',
      'ClinicalTrialSubjectReadingID', 'ClinicalTrialProtocolEthicsCommitteeName', 'ContentSequence', 'AcquisitionContextSequence',
      'IconImageSequence', 'ActualHumanPerformersSequence', 'HumanPerformerName', 'HumanPerformerOrganization', 'OrderEnteredBy',
      'OrderEntererLocation', 'OrderCallbackPhoneNumber', 'OrderCallbackTelecomInformation', 'ConfidentialityConstraintOnPatientDataDescription',
      'StorageMediaFileSetID', 'PatientTransportArrangements',
      'InstanceCreatorUID', 'TimezoneOffsetFromUTC', 'SOPAuthorizationComment', 'AuthorObserverSequence',
      'ParticipantSequence', 'CustodialOrganizationSequence', 'PersonIdentificationCodeSequence', 'PersonAddress', 'PersonTelephoneNumbers',
      'ModifyingDeviceID', 'ModifyingDeviceManufacturer', 'DataSetTrailingPadding',
    ].map((k) => [k, 'X' as const]),
  ),
};

/**
 * What the profile removes (X) that the result documents' modules require, as its "X/Z" and
 * "X/D" rows allow: emptied where type 2 (the SR Document Series' Referenced Performed
 * Procedure Step Sequence, the Parametric Map's Acquisition Context), a keyed dummy value
 * where type 1 (Enhanced General Equipment's Device Serial Number).
 */
const DOCUMENT_REQUIRED: Map<string, 'Z' | 'D'> = new Map([
  [DicomMetaDictionary.unpunctuateTag(DicomMetaDictionary.nameMap.ReferencedPerformedProcedureStepSequence.tag), 'Z'],
  [DicomMetaDictionary.unpunctuateTag(DicomMetaDictionary.nameMap.AcquisitionContextSequence.tag), 'Z'],
  [DicomMetaDictionary.unpunctuateTag(DicomMetaDictionary.nameMap.DeviceSerialNumber.tag), 'D'],
]);

/** The same table by tag ("00100010"), built once from dcmjs's dictionary. */
const ACTIONS_BY_TAG: Map<string, Action> = new Map(
  Object.entries(ACTIONS).flatMap(([keyword, action]) => {
    const entry = DicomMetaDictionary.nameMap[keyword];
    return entry ? [[DicomMetaDictionary.unpunctuateTag(entry.tag), action] as [string, Action]] : [];
  }),
);

/** Free text and names; CS (defined terms) and UIDs are not text to clean. */
const TEXT_VRS = new Set(['AE', 'LO', 'SH', 'LT', 'ST', 'UT', 'UC', 'PN']);

const tag = (keyword: string) => DicomMetaDictionary.unpunctuateTag(DicomMetaDictionary.nameMap[keyword].tag);
const T = {
  PatientName: tag('PatientName'),
  PatientID: tag('PatientID'),
  SOPClassUID: tag('SOPClassUID'),
  SOPInstanceUID: tag('SOPInstanceUID'),
  Modality: tag('Modality'),
  BurnedInAnnotation: tag('BurnedInAnnotation'),
  PixelData: tag('PixelData'),
  StudyInstanceUID: tag('StudyInstanceUID'),
  SeriesInstanceUID: tag('SeriesInstanceUID'),
  ContentSequence: tag('ContentSequence'),
  Manufacturer: tag('Manufacturer'),
  ManufacturerModelName: tag('ManufacturerModelName'),
};

/**
 * De-identification Method (0012,0063), LO: one value per part, each within LO's 64
 * characters (a single value would be cut mid-word), naming the profile and the options
 * applied, then the software that applied them.
 */
export const DEIDENTIFICATION_METHOD: string[] = [
  'DICOM PS3.15 Basic Application Level Confidentiality Profile',
  'Retain Longitudinal Temporal Information Modified Dates Option',
  'Clean Descriptors Option',
  `Lumen ${APP_VERSION}`.slice(0, 64),
];
/** DeidentificationMethod of a result document copied with its structured content (see above). */
export const DEIDENTIFICATION_METHOD_STRUCTURED: string[] = [...DEIDENTIFICATION_METHOD.slice(0, -1), 'Clean Structured Content Option', DEIDENTIFICATION_METHOD[DEIDENTIFICATION_METHOD.length - 1]];
/**
 * The same as codes of CID 7050: only what applies. Pixel data is not cleaned (images that may
 * carry text in their pixels are held back instead: Clean Pixel Data does not apply), and
 * patient characteristics, device identity, UIDs and private attributes are not retained.
 * Structured content is removed from images; Lumen's own result documents keep theirs, cleaned,
 * and add 113104 (CLEAN_STRUCTURED_CONTENT).
 */
export const DEIDENTIFICATION_CODES = [
  { CodeValue: '113100', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Basic Application Confidentiality Profile' },
  { CodeValue: '113107', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Retain Longitudinal Temporal Information Modified Dates Option' },
  { CodeValue: '113105', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Clean Descriptors Option' },
];
const CLEAN_STRUCTURED_CONTENT = { CodeValue: '113104', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Clean Structured Content Option' };

const BURNED_IN_CLASSES = [
  '1.2.840.10008.5.1.4.1.1.7', // Secondary Capture and its multi-frame kinds (.7.1 to .7.4)
  '1.2.840.10008.5.1.4.1.1.6.1', // Ultrasound
  '1.2.840.10008.5.1.4.1.1.3.1', // Ultrasound Multi-frame
  '1.2.840.10008.5.1.4.1.1.77.1', // Visible light (endoscopy, microscopy, photographs)
];
const BURNED_IN_MODALITIES = new Set(['SC', 'OT', 'US', 'XC', 'ES', 'GM', 'SM', 'DOC']);

const first = (el: Element | undefined): unknown => el?.Value?.[0];
const str = (el: Element | undefined): string => {
  const v = first(el);
  if (v && typeof v === 'object' && 'Alphabetic' in (v as object)) return String((v as { Alphabetic?: unknown }).Alphabetic ?? '');
  return v === undefined || v === null ? '' : String(v);
};

/** Why an image is held back, or null when it may go: the burned-in rule above. */
export function burnedInReason(dataset: DenaturalizedDataset): string | null {
  const flag = str(dataset[T.BurnedInAnnotation]).trim().toUpperCase();
  if (flag === 'YES') return 'its BurnedInAnnotation is YES: text in the pixels may name the patient';
  if (flag === 'NO') return null;
  const sopClass = str(dataset[T.SOPClassUID]).trim();
  const modality = str(dataset[T.Modality]).trim().toUpperCase();
  if (BURNED_IN_CLASSES.some((c) => sopClass === c || sopClass.startsWith(`${c}.`)) || BURNED_IN_MODALITIES.has(modality)) {
    return `it does not say whether its pixels carry text (no BurnedInAnnotation), and ${modality ? `modality ${modality}` : 'its kind'} often does`;
  }
  return null;
}

export interface Deidentifier {
  /**
   * The de-identified copy of one file's data set (tag form). `structuredContent`: keep the
   * content tree (ContentSequence) and walk it by the same rules, as for Lumen's own result
   * documents; otherwise it is removed, as Table E.1-1 says.
   */
  dataset(dataset: DenaturalizedDataset, opts?: { structuredContent?: boolean }): DenaturalizedDataset;
  uid(uid: string): string;
  /** False when the library's key could not be saved (see libraryKey): nothing made now matches what a later process makes. */
  keySaved: boolean;
}

/**
 * Attributes whose text identifies the patient, a place or a device, to cut out of every other
 * text of the file (besides every person name and date, which are found by VR). Free-text
 * attributes that are removed (reasons, comments, histories) are not among them: they are not
 * identifiers themselves, and cutting their words would blank ordinary descriptions.
 */
const IDENTIFYING_TEXT: Set<string> = new Set(
  [
    'PatientID', 'OtherPatientIDs', 'IssuerOfPatientID', 'AccessionNumber', 'StudyID', 'MedicalRecordLocator', 'AdmissionID', 'ServiceEpisodeID',
    'RequestedProcedureID', 'PerformedProcedureStepID', 'ScheduledProcedureStepID', 'FillerOrderNumberImagingServiceRequest',
    'PlacerOrderNumberImagingServiceRequest', 'ClinicalTrialSubjectID', 'ClinicalTrialSubjectReadingID', 'ClinicalTrialSponsorName',
    'ClinicalTrialSiteName', 'ClinicalTrialProtocolEthicsCommitteeName', 'InstitutionName', 'InstitutionAddress', 'InstitutionalDepartmentName',
    'ReferringPhysicianAddress', 'ReferringPhysicianTelephoneNumbers', 'PatientAddress', 'PatientTelephoneNumbers', 'PatientTelecomInformation',
    'PersonAddress', 'PersonTelephoneNumbers', 'RegionOfResidence', 'ResponsibleOrganization', 'StationName', 'PerformedStationName',
    'PerformedStationAETitle', 'ScheduledStudyLocation', 'ScheduledStudyLocationAETitle', 'PerformedLocation', 'CurrentPatientLocation',
    'PatientInstitutionResidence', 'DeviceSerialNumber', 'PlateID', 'GantryID', 'CassetteID', 'DetectorID', 'GeneratorID', 'ModifyingDeviceID',
    'StorageMediaFileSetID', 'OrderEntererLocation', 'OrderCallbackPhoneNumber', 'RequestingService', 'HumanPerformerOrganization', 'DistributionAddress',
  ].flatMap((k) => (DicomMetaDictionary.nameMap[k] ? [tag(k)] : [])),
);

/** Every identifier of a file, to cut out of its text: person names, IDs, places, devices and dates (see deidentify-text.ts). */
export function identifiersOf(dataset: DenaturalizedDataset): TextIdentifiers {
  const names = new Set<string>();
  const ids = new Set<string>();
  const dates = new Set<string>();
  const walk = (ds: DenaturalizedDataset) => {
    for (const [t, el] of Object.entries(ds)) {
      if (el.vr === 'SQ') {
        for (const item of (el.Value ?? []) as DenaturalizedDataset[]) walk(item);
        continue;
      }
      if (el.vr === 'PN') {
        for (const v of el.Value ?? []) {
          const pn = v as { Alphabetic?: string; Ideographic?: string; Phonetic?: string } | string;
          const groups = typeof pn === 'string' ? [pn] : [pn.Alphabetic, pn.Ideographic, pn.Phonetic];
          for (const g of groups) if (g) addPersonName(names, g);
        }
        continue;
      }
      // Dates too: a description may repeat the study date or the birth date.
      if (el.vr === 'DA' || el.vr === 'DT') {
        for (const v of el.Value ?? []) {
          const d = typeof v === 'string' ? dateOf(v) : null;
          if (d) dates.add(d);
        }
        continue;
      }
      if (!IDENTIFYING_TEXT.has(t) || !TEXT_VRS.has(el.vr)) continue;
      for (const v of el.Value ?? []) {
        if (typeof v !== 'string' && typeof v !== 'number') continue;
        const text = String(v).trim();
        if (text.length < 2) continue;
        (/\d/.test(text) ? ids : names).add(text);
      }
    }
  };
  walk(dataset);
  return { names: [...names], ids: [...ids], dates: [...dates] };
}

function shiftDate(da: string, days: number): string {
  const m = /^(\d{4})(\d{2})(\d{2})(.*)$/s.exec(da.trim());
  if (!m) return '';
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  if (Number.isNaN(d.getTime())) return '';
  d.setUTCDate(d.getUTCDate() - days);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${m[4]}`;
}

/** The de-identifier of a library: pseudonyms, UIDs and date shifts all from the library's key (`readOnly`: see libraryKey). */
export function libraryDeidentifier(libraryDir: string, opts: { readOnly?: boolean } = {}): Deidentifier {
  const { key, saved } = libraryKey(libraryDir, opts);
  const pseudonyms = pseudonymsUnder(key);
  const digest = keyedDigest(key);
  const uid = (u: string) => (u.startsWith('1.2.840.10008.') ? u : uidFromBytes(digest('uid', u)));
  const shiftDays = (patient: string) => 365 + (digest('date-shift', patient).readUInt32BE(0) % (3652 - 365 + 1));

  function dataset(source: DenaturalizedDataset, opts: { structuredContent?: boolean } = {}): DenaturalizedDataset {
    const patient = str(source[T.PatientID]).trim() || str(source[T.PatientName]).trim() || '(no patient)';
    const pseudonym = pseudonyms.patient(patient);
    const days = shiftDays(patient);
    const identifiers = identifiersOf(source);

    const apply = (ds: DenaturalizedDataset, top: boolean): DenaturalizedDataset => {
      const out: DenaturalizedDataset = {};
      for (const [t, el] of Object.entries(ds)) {
        const group = parseInt(t.slice(0, 4), 16);
        if (group % 2 === 1) continue; // private
        if ((group & 0xff00) === 0x6000 || (group & 0xff00) === 0x5000) continue; // overlays, curves
        if (group === 0x0002) continue; // meta information, rewritten
        if (el.vr === 'UN') continue; // an element the dictionary does not know: its content cannot be judged
        const action = ACTIONS_BY_TAG.get(t);
        const required = opts.structuredContent && action === 'X' ? DOCUMENT_REQUIRED.get(t) : undefined;
        if (required === 'Z') {
          out[t] = { vr: el.vr, Value: [] };
          continue;
        }
        if (required === 'D') {
          out[t] = { vr: el.vr, Value: [digest('dummy', `${t}\0${str(el)}`).toString('hex').slice(0, 16).toUpperCase()] };
          continue;
        }
        if (action === 'X' && !(opts.structuredContent && t === T.ContentSequence)) continue;
        if (action === 'Z') {
          out[t] = { vr: el.vr, Value: [] };
          continue;
        }
        if (action === 'D') {
          out[t] = el.vr === 'PN' ? { vr: 'PN', Value: [{ Alphabetic: pseudonym }] } : { vr: el.vr, Value: [pseudonym] };
          continue;
        }
        if (el.vr === 'SQ') {
          out[t] = { vr: 'SQ', Value: ((el.Value ?? []) as DenaturalizedDataset[]).map((item) => apply(item, false)) };
        } else if (el.vr === 'UI') {
          out[t] = { vr: 'UI', Value: (el.Value ?? []).map((v) => (typeof v === 'string' && v ? uid(v.replace(/\0/g, '').trim()) : v)) };
        } else if (el.vr === 'DA') {
          out[t] = { vr: 'DA', Value: (el.Value ?? []).map((v) => (typeof v === 'string' && v ? shiftDate(v, days) : v)) };
        } else if (el.vr === 'DT') {
          out[t] = { vr: 'DT', Value: (el.Value ?? []).map((v) => (typeof v === 'string' && v.length >= 8 ? shiftDate(v, days) : v)) };
        } else if (el.vr === 'PN') {
          out[t] = { vr: 'PN', Value: [] }; // any other person's name
        } else if (TEXT_VRS.has(el.vr) && el.Value) {
          out[t] = { vr: el.vr, Value: el.Value.map((v) => (typeof v === 'string' ? cleanText(v, identifiers) : v)) };
        } else {
          out[t] = el;
        }
      }
      if (top) {
        const set = (keyword: string, vr: string, Value: unknown[]) => (out[tag(keyword)] = { vr, Value });
        set('PatientIdentityRemoved', 'CS', ['YES']);
        set('DeidentificationMethod', 'LO', opts.structuredContent ? DEIDENTIFICATION_METHOD_STRUCTURED : DEIDENTIFICATION_METHOD);
        const codes = opts.structuredContent ? [...DEIDENTIFICATION_CODES, CLEAN_STRUCTURED_CONTENT] : DEIDENTIFICATION_CODES;
        set('DeidentificationMethodCodeSequence', 'SQ', codes.map((c) => DicomMetaDictionary.denaturalizeDataset(c)));
        set('LongitudinalTemporalInformationModified', 'CS', ['MODIFIED']);
      }
      return out;
    };
    return apply(source, true);
  }
  return { dataset, uid, keySaved: saved };
}

export interface DeidentifyResult {
  scope: Scope | 'library';
  out: string;
  /** Files written (one copy per file). */
  written: number;
  /**
   * Images those files hold, as the study list and the viewer count them: a multi-frame file's
   * frames (the library's count of its Number of Frames; absent = 1). Said with the files as
   * imageCount(writtenFrames, written): "4 images (2 files)".
   */
  writtenFrames: number;
  /**
   * Files held back for burned-in annotation, by their new (de-identified) SOP Instance UID, with
   * the images (frames) each holds and where the library shows the source: its series' number and
   * description and its instance number (each null where the file has none), said by heldBackImage
   * (common/held-back.ts) as "Series 3 “Screenshot”, image 1". Never in a file name.
   */
  heldBack: HeldBackImage[];
  /** Files that could not be read or written, by their new SOP Instance UID, with a reason in words. */
  failed: { sopInstanceUid: string; reason: string }[];
  /** Result documents (SR, Parametric Maps) of the studies in scope copied, de-identified (Lumen's own whose images were all written): said in `notes` too. */
  resultDocumentsWritten: number;
  /** Result documents of the studies in scope not copied, with why in `notes`. */
  resultDocumentsNotCopied: number;
  /** What the user must know about these copies, in sentences (a library on a read-only disk: a key that could not be saved, no audit entry). */
  notes: string[];
}

export class DeidentifyError extends Error {}

/**
 * A library on a read-only disk that has no pseudonym key yet: the copies are made under a key
 * kept in memory until Lumen closes (electron/training/pseudonyms.ts), and the user must know
 * that they will not line up with copies made later.
 */
export const UNSAVED_KEY_NOTE =
  "The library has no pseudonym key yet and its disk is read-only, so these copies were made under a key that could not be saved: their patient pseudonyms, UIDs and shifted dates will not match those of copies exported after Lumen closes. For copies that always match, make the disk writable (or copy the library folder to a writable disk) and export again.";

/** "2 structured reports, 1 parametric map". */
function kindsOf(docs: readonly StudyResult[]): string {
  const srs = docs.filter((d) => d.kind === 'sr').length;
  const maps = docs.length - srs;
  return [...(srs ? [countOf(srs, 'structured report')] : []), ...(maps ? [countOf(maps, 'parametric map')] : [])].join(', ');
}

/** True when the data set says Lumen made it (the Manufacturer and model Lumen writes in every result document): a claim only, which any software can make. */
function claimsLumen(dataset: DenaturalizedDataset): boolean {
  return str(dataset[T.Manufacturer]).trim() === 'Lumen' && str(dataset[T.ManufacturerModelName]).trim() === 'Lumen';
}

/** The meta information of a copy: explicit VR little endian for native data, else the source's syntax. */
function metaOf(dataset: DenaturalizedDataset, sourceMeta: DenaturalizedDataset): DenaturalizedDataset {
  const sourceSyntax = str(sourceMeta['00020010']).trim();
  const syntax = ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1', '1.2.840.10008.1.2.2', '1.2.840.10008.1.2.1.99'].includes(sourceSyntax) || !sourceSyntax ? EXPLICIT_VR_LITTLE_ENDIAN : sourceSyntax;
  return DicomMetaDictionary.denaturalizeDataset({
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: str(dataset[T.SOPClassUID]),
    MediaStorageSOPInstanceUID: str(dataset[T.SOPInstanceUID]),
    TransferSyntaxUID: syntax,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
  });
}

/**
 * Copies the result documents (SR, Parametric Maps) filed with `studies` that Lumen made and
 * whose every referenced image was written now, de-identified with their structured content
 * (see the top of this file), into `out`/<study>/<series>/<document>.dcm. The others are said
 * in notes, by kind and why, and counted as not copied. Never the document's own words in a
 * message: its content may name the patient.
 */
async function copyResultDocuments(
  library: Library,
  deid: Deidentifier,
  studies: string[],
  written: ReadonlySet<string>,
  out: string,
  whose: string,
  result: DeidentifyResult,
  signal?: AbortSignal,
): Promise<void> {
  const docs = studies.flatMap((study) => library.studyResults(study).map((doc) => ({ doc, study })));
  if (!docs.length) return;
  const files = library.resultDocumentFiles(docs.map((d) => d.doc.sopInstanceUid));
  const store = new ResultsStore(library);
  let recorded: Map<string, string>;
  try {
    recorded = store.writtenDigests(docs.map((d) => d.doc.sopInstanceUid));
  } finally {
    store.close();
  }
  const copied: StudyResult[] = [];
  const foreign: StudyResult[] = [];
  // Says Lumen made it, but this library has no record of Lumen writing it (written.ts).
  const unrecorded: StudyResult[] = [];
  // Recorded as written by Lumen, but its bytes are not those Lumen wrote.
  const changed: StudyResult[] = [];
  const dangling: StudyResult[] = [];
  const unreadable: StudyResult[] = [];
  for (const { doc, study } of docs) {
    await new Promise((resolve) => setImmediate(resolve));
    if (signal?.aborted) throw new CancelledError();
    const referenced = [...doc.findings.flatMap((f) => f.referencedSopInstanceUids), ...doc.sources.map((s) => s.sopInstanceUid)];
    if (!referenced.length || referenced.some((sop) => !written.has(sop))) {
      dangling.push(doc);
      continue;
    }
    const file = files.get(doc.sopInstanceUid);
    try {
      if (!file) throw new Error('no file');
      const bytes = readRegularFile(file, 'dicom');
      const dict = readPart10OrBare(bytes);
      // The file must still be the document the library filed: one changed on disk since may be another patient's.
      if (str(dict.dict[T.SOPInstanceUID]).trim() !== doc.sopInstanceUid || str(dict.dict[T.StudyInstanceUID]).trim() !== study) throw new Error('another document');
      if (!claimsLumen(dict.dict)) {
        foreign.push(doc);
        continue;
      }
      // Only a document Lumen wrote, byte for byte: its text is cleaned by rules written for what Lumen puts there.
      const sha = recorded.get(doc.sopInstanceUid);
      if (sha === undefined) {
        unrecorded.push(doc);
        continue;
      }
      const syntax = str(dict.meta['00020010']).replace(/\0/g, '').trim();
      if (syntax !== EXPLICIT_VR_LITTLE_ENDIAN || datasetDigest(bytes) !== sha) {
        changed.push(doc);
        continue;
      }
      const dataset = deid.dataset(dict.dict, { structuredContent: true });
      const series = str(dataset[T.SeriesInstanceUID]).trim();
      const sop = str(dataset[T.SOPInstanceUID]).trim();
      const target = path.join(out, deid.uid(study), series, `${sop}.dcm`);
      ensurePrivateDir(path.dirname(target), { tighten: false });
      writeFileAtomic(target, writeDenaturalized(metaOf(dataset, dict.meta), dataset), { durable: false });
      copied.push(doc);
    } catch {
      unreadable.push(doc);
    }
  }
  result.resultDocumentsWritten = copied.length;
  result.resultDocumentsNotCopied = foreign.length + unrecorded.length + changed.length + dangling.length + unreadable.length;
  const count = (list: StudyResult[], verb: string) => `${countOf(list.length, 'result document')} ${whose} ${verb} (${kindsOf(list)})`;
  if (copied.length) result.notes.push(`${count(copied, 'copied')}: made by Lumen, de-identified the same way, their content cleaned and their references naming the copies.`);
  if (foreign.length) result.notes.push(`${count(foreign, 'not copied')}: made by other software, whose content Lumen cannot judge for what names the patient.`);
  if (unrecorded.length) result.notes.push(`${count(unrecorded, 'not copied')}: they say Lumen made them, but this library has no record of Lumen writing them (written by another Lumen, or by this one before it kept that record, or made by other software), so their content cannot be trusted not to name the patient. To copy your own, export the results again and import them.`);
  if (changed.length) result.notes.push(`${count(changed, 'not copied')}: Lumen wrote them, but their files have been changed since (their bytes are not those Lumen wrote), so their content cannot be trusted not to name the patient. To copy them, export the results again and import them.`);
  if (dangling.length) result.notes.push(`${count(dangling, 'not copied')}: they refer to images this copy does not hold (held back, not written, or outside it).`);
  if (unreadable.length) result.notes.push(`${count(unreadable, 'not copied')}: their files could not be read, or hold another document now (moved or changed since import). Import the study's results again.`);
}

/**
 * Writes de-identified copies of a series, a study or the whole library (`uid` 'library')
 * into `out`/<study>/<series>/<image>.dcm, named by the new UIDs. Files are never changed.
 */
export async function exportDeidentified(
  library: Library,
  opts: { uid: string; out: string; includeBurnedIn?: boolean; onProgress?: (done: number, total: number) => void; signal?: AbortSignal },
): Promise<DeidentifyResult> {
  const store = new ResultsStore(library);
  let images: ImageFile[];
  let scope: Scope | 'library';
  try {
    if (opts.uid === 'library') scope = 'library';
    else {
      const resolved = store.resolve(opts.uid);
      if (!resolved) throw new DeidentifyError(`The library has no series or study ${opts.uid}. Import it first, or check the UID with "lumen ls".`);
      scope = resolved;
    }
    images = store.images(scope === 'library' ? {} : scope).filter((i) => !i.missing);
  } finally {
    store.close();
  }
  if (!images.length) throw new DeidentifyError('There are no images to export (none in the library for that UID, or all of them missing from disk).');
  const out = path.resolve(opts.out);
  if (fs.existsSync(out) && !fs.statSync(out).isDirectory()) throw new DeidentifyError(`${out} is a file, not a folder: choose a folder for the de-identified copies.`);
  ensurePrivateDir(out, { tighten: false });
  const deid = libraryDeidentifier(library.dir, { readOnly: library.readOnlyReason !== null });
  const result: DeidentifyResult = { scope, out, written: 0, writtenFrames: 0, heldBack: [], failed: [], resultDocumentsWritten: 0, resultDocumentsNotCopied: 0, notes: [] };
  if (!deid.keySaved) result.notes.push(UNSAVED_KEY_NOTE);
  const writtenSops = new Set<string>();
  // Where the library shows a held-back image (its series' number and description, its instance number), read once per series.
  const shown = new Map<string, { seriesNumber: number | null; seriesDescription: string | null; instanceNumbers: Map<string, number | null> }>();
  const whereShown = (image: ImageFile) => {
    let series = shown.get(image.seriesInstanceUid);
    if (!series) {
      const detail = library.getSeries(image.seriesInstanceUid);
      const instanceNumbers = new Map(library.listInstances(image.seriesInstanceUid).map((r) => [r.sopInstanceUid, r.instanceNumber]));
      series = { seriesNumber: detail?.seriesNumber ?? image.seriesNumber, seriesDescription: detail?.seriesDescription?.trim() || null, instanceNumbers };
      shown.set(image.seriesInstanceUid, series);
    }
    return { seriesNumber: series.seriesNumber, seriesDescription: series.seriesDescription, instanceNumber: series.instanceNumbers.get(image.sopInstanceUid) ?? null };
  };
  for (const [i, image] of images.entries()) {
    // One file at a time, letting the process answer between files (the engine must not look hung).
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    if (opts.signal?.aborted) throw new CancelledError();
    const newSop = deid.uid(image.sopInstanceUid);
    // The images of this file as the list counts them (the import's Number of Frames; absent = 1).
    const frames = Math.max(1, image.frames);
    try {
      const dict = readPart10OrBare(readRegularFile(image.path, 'dicom'));
      const held = burnedInReason(dict.dict);
      if (held && !opts.includeBurnedIn) {
        result.heldBack.push({ sopInstanceUid: newSop, reason: held, frames, ...whereShown(image) });
        continue;
      }
      const dataset = deid.dataset(dict.dict);
      // Native pixel data is written explicit VR little endian; compressed pixel data keeps its syntax.
      const meta = metaOf(dataset, dict.meta);
      const file = path.join(out, deid.uid(image.studyInstanceUid), deid.uid(image.seriesInstanceUid), `${newSop}.dcm`);
      ensurePrivateDir(path.dirname(file), { tighten: false });
      writeFileAtomic(file, writeDenaturalized(meta, dataset), { durable: false });
      writtenSops.add(image.sopInstanceUid);
      result.written++;
      result.writtenFrames += frames;
    } catch (err) {
      // Never the library's message: it may quote the file's content.
      const code = (err as NodeJS.ErrnoException).code;
      result.failed.push({ sopInstanceUid: newSop, reason: code ? `could not be read or written (${code})` : 'could not be read as DICOM by the de-identifier' });
    } finally {
      opts.onProgress?.(i + 1, images.length);
    }
  }
  const whose = scope === 'library' ? 'of the library' : scope.seriesInstanceUid ? "of this series' study" : 'of this study';
  await copyResultDocuments(library, deid, [...new Set(images.map((i) => i.studyInstanceUid))], writtenSops, out, whose, result, opts.signal);
  const unaudited = library.auditUnlessReadOnly('export', {
    touched: { ...(scope === 'library' ? {} : scope.seriesInstanceUid ? { series: [scope.seriesInstanceUid] } : { studies: [scope.studyInstanceUid!] }), images: result.written, files: [out] },
    format: 'dicom-deidentified',
    heldBack: result.heldBack.length,
    failed: result.failed.length,
    includeBurnedIn: Boolean(opts.includeBurnedIn),
    resultDocumentsWritten: result.resultDocumentsWritten,
    resultDocumentsNotCopied: result.resultDocumentsNotCopied,
  });
  if (unaudited) result.notes.push(unaudited);
  return result;
}
