// Reading and writing DICOM Part 10 files with dcmjs, for everything Lumen writes: SR,
// parametric maps, secondary captures and de-identified copies. dcmjs decodes text by the
// file's Specific Character Set and always writes UTF-8 (ISO_IR 192).
import { randomUUID } from 'node:crypto';
import dcmjs, { type DenaturalizedDataset, type NaturalDataset } from 'dcmjs';
import { readRegularFile } from '../../common/node/read-file';
import { APP_VERSION } from '../../common/version';

const { DicomDict, DicomMessage, DicomMetaDictionary } = dcmjs.data;

export type { NaturalDataset };

/** Lumen's implementation class UID (a UUID-derived 2.25 root, fixed) and version name. */
export const IMPLEMENTATION_CLASS_UID = '2.25.203775309514302486377163620186498215914';
export const IMPLEMENTATION_VERSION_NAME = `LUMEN_${APP_VERSION}`.slice(0, 16);
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/** A new UID under 2.25 (a random UUID as an integer, PS3.5 B.2). */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replace(/-/g, '')}`).toString()}`;
}

/** A UID under 2.25 from 128 bits (a keyed hash, for UIDs remapped the same way every time). */
export function uidFromBytes(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes.subarray(0, 16)).toString('hex');
  return `2.25.${BigInt(`0x${hex}`).toString()}`;
}

/** DICOM DA and TM for a moment, in local time as DICOM expects. */
export function dicomDateTime(at = new Date()): { date: string; time: string } {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return { date: `${at.getFullYear()}${p(at.getMonth() + 1)}${p(at.getDate())}`, time: `${p(at.getHours())}${p(at.getMinutes())}${p(at.getSeconds())}` };
}

/**
 * dcmjs reads Part 10 files only; Lumen also imports bare data sets (no preamble, no meta
 * information), which are given a meta header of the little endian syntax their first
 * element shows (explicit when a VR's two letters follow the tag, else implicit).
 */
export function readPart10OrBare(bytes: Buffer, options?: Parameters<typeof DicomMessage.readFile>[1]): ReturnType<typeof DicomMessage.readFile> {
  const part10 = bytes.length >= 132 && bytes.toString('latin1', 128, 132) === 'DICM';
  let file = bytes;
  if (!part10) {
    const explicit = bytes.length >= 6 && /^[A-Z]{2}$/.test(bytes.toString('latin1', 4, 6));
    const meta = DicomMetaDictionary.denaturalizeDataset({
      FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
      MediaStorageSOPClassUID: '1.2',
      MediaStorageSOPInstanceUID: '1.2',
      TransferSyntaxUID: explicit ? EXPLICIT_VR_LITTLE_ENDIAN : '1.2.840.10008.1.2',
      ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    });
    file = Buffer.concat([Buffer.from(writeDenaturalized(meta, {})), bytes]);
  }
  return DicomMessage.readFile(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer, options);
}

/** Reads a Part 10 file (or a bare data set) into dcmjs's natural form, meta information apart. */
export function readDataset(file: string, opts: { headerOnly?: boolean } = {}): { meta: NaturalDataset; dataset: NaturalDataset } {
  const dict = readPart10OrBare(readRegularFile(file, 'dicom'), opts.headerOnly ? { untilTag: '7FE00010', includeUntilTagValue: false } : undefined);
  return { meta: DicomMetaDictionary.naturalizeDataset(dict.meta), dataset: DicomMetaDictionary.naturalizeDataset(dict.dict) };
}

/** A Part 10 file (preamble, meta information, explicit VR little endian unless told) of a data set in natural form. */
export function writeDataset(dataset: NaturalDataset, transferSyntaxUid = EXPLICIT_VR_LITTLE_ENDIAN): Uint8Array {
  const meta: NaturalDataset = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: dataset.SOPClassUID,
    MediaStorageSOPInstanceUID: dataset.SOPInstanceUID,
    TransferSyntaxUID: transferSyntaxUid,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
  };
  const dict = new DicomDict(DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}

/** Writes a data set already in tag form (as read, e.g. with private elements kept in place). */
export function writeDenaturalized(meta: DenaturalizedDataset, dataset: DenaturalizedDataset): Uint8Array {
  const dict = new DicomDict(meta);
  dict.dict = dataset;
  return new Uint8Array(dict.write());
}

/** The Patient and General Study modules of a source image, to put a derived object in the same study. */
export const PATIENT_STUDY_KEYWORDS = [
  'PatientName',
  'PatientID',
  'IssuerOfPatientID',
  'PatientBirthDate',
  'PatientSex',
  'PatientAge',
  'PatientIdentityRemoved',
  'DeidentificationMethod',
  'StudyInstanceUID',
  'StudyDate',
  'StudyTime',
  'ReferringPhysicianName',
  'StudyID',
  'AccessionNumber',
  'StudyDescription',
] as const;

/** The patient and study attributes of `source`; those of type 2 are present (maybe empty) as their modules require. */
export function patientAndStudy(source: NaturalDataset): NaturalDataset {
  const out: NaturalDataset = { PatientName: '', PatientID: '', PatientBirthDate: '', PatientSex: '', StudyDate: '', StudyTime: '', ReferringPhysicianName: '', StudyID: '', AccessionNumber: '' };
  for (const k of PATIENT_STUDY_KEYWORDS) if (source[k] !== undefined) out[k] = source[k];
  return out;
}
