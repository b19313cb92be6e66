// Type declarations for the part of dcmjs Lumen uses (dcmjs ships none): reading and
// writing Part 10 files with data sets in dcmjs's "naturalized" form (keywords as keys).
declare module 'dcmjs' {
  /** A data set keyed by DICOM keyword; sequences are arrays of data sets. */
  export type NaturalDataset = Record<string, unknown> & { _vrMap?: Record<string, string> };
  /** A data set keyed by tag ("00100010"), each element with its VR and values. */
  export type DenaturalizedDataset = Record<string, { vr: string; Value?: unknown[]; InlineBinary?: string; BulkDataURI?: string }>;

  export class DicomDict {
    constructor(meta: DenaturalizedDataset);
    meta: DenaturalizedDataset;
    dict: DenaturalizedDataset;
    write(options?: { allowInvalidVRLength?: boolean; fragmentMultiframe?: boolean }): ArrayBuffer;
  }
  export const DicomMessage: {
    readFile(buffer: ArrayBuffer, options?: { ignoreErrors?: boolean; untilTag?: string | null; includeUntilTagValue?: boolean; noCopy?: boolean; forceStoreRaw?: boolean }): DicomDict;
  };
  export const DicomMetaDictionary: {
    naturalizeDataset(dataset: DenaturalizedDataset): NaturalDataset;
    denaturalizeDataset(dataset: NaturalDataset): DenaturalizedDataset;
    dictionary: Record<string, { tag: string; vr: string; name: string; vm: string; version: string }>;
    nameMap: Record<string, { tag: string; vr: string; name: string; vm: string; version: string }>;
    punctuateTag(rawTag: string): string;
    unpunctuateTag(tag: string): string;
  };
  /** dcmjs's own Cornerstone3D adapters (what OHIF uses to read SR measurements); tests use them. */
  export const adapters: any;
  const dcmjs: { adapters: typeof adapters; data: { DicomDict: typeof DicomDict; DicomMessage: typeof DicomMessage; DicomMetaDictionary: typeof DicomMetaDictionary } };
  export default dcmjs;
}
