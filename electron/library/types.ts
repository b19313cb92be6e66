// Plain, JSON-serialisable shapes that the library hands to the CLI, the
// engine worker and (through the IPC contract) the UI. No class instances,
// no Buffers, no Dates: dates are DICOM strings (YYYYMMDD) or ISO timestamps.

import type { ImportIssueKind } from '../../common/import-summary';

/** One file that was not imported, with a reason a person understands. */
export interface ImportFileError {
  file: string;
  reason: string;
  /** Only 'error' is a failure: see common/import-summary.ts. */
  kind: ImportIssueKind;
  /** For a duplicate: the copy the library kept. */
  keptFile?: string;
}

/** What one `importPaths` call did. Counts are files unless said otherwise. */
export interface ImportReport {
  /** Files looked at (including DICOMDIRs and files that turned out not to be DICOM). */
  scanned: number;
  /** New instances added to the library. */
  imported: number;
  /** Of `imported`, the result documents (SR, Parametric Map) filed with their study, not images. */
  results: number;
  /** The images the other `imported` files hold, as the study list counts them: each frame of a multi-frame file is one. */
  importedImages: number;
  /**
   * Result documents this import filed (new or read again) whose study holds no image in the
   * library: listed nowhere until its images are imported, and in how many studies.
   */
  resultsWithoutStudy: number;
  studiesOfResultsWithoutStudy: number;
  /**
   * Files already in the library, images and result documents, with the same size and
   * modification time (not read again; a result filed before schema 19 is read once more).
   */
  unchanged: number;
  /** Files already in the library, images and result documents, whose size or modification time changed; re-read. */
  changed: number;
  /** Library instances under an imported folder (or named directly) that are gone from disk; marked missing. */
  missing: number;
  /** DICOMDIR files read (their references were imported). */
  dicomdirs: number;
  /** Totals in the whole library after the import. */
  patients: number;
  studies: number;
  series: number;
  instances: number;
  /** The images those instances hold (each frame one), as the study list counts them. */
  images: number;
  errors: ImportFileError[];
  /** When the import ran (ISO): the library lists its errors with this `at`. */
  at: string;
  /** The studies this import added or re-read images of, in the order first written. */
  studyInstanceUids: string[];
  /** True when the import was stopped through its AbortSignal; what was committed before stays. */
  cancelled: boolean;
  /** Why the import stopped before its end (the library's disk full or read-only), in one line; its files not reached are in `errors`. */
  stopped?: string;
  /** Seconds the import took. */
  seconds: number;
}

export type ImportPhase = 'scanning' | 'reading' | 'finishing' | 'done';

/** Sent at most ten times a second (and once at the end of each phase). */
export interface ImportProgress {
  phase: ImportPhase;
  /** Files looked at so far. */
  scanned: number;
  /** Files to look at, once the scan knows (undefined while scanning folders). */
  total?: number;
  /** Files found so far (grows while scanning folders; DICOMDIRs can add more later). */
  found: number;
  /** Files imported so far, new and changed (read again) together. */
  imported: number;
  /** Listed so far: files not imported and the warnings about imported ones (conflict). */
  errors: number;
  /** As the report counts them (ImportReport): new files, result documents among them, the images (frames) of the rest, unchanged and changed files. */
  newFiles: number;
  results: number;
  importedImages: number;
  unchanged: number;
  changed: number;
  /** Files not imported so far (errors less the warnings about imported files). */
  notImported: number;
  currentFile?: string;
}

export interface ImportOptions {
  onProgress?: (progress: ImportProgress) => void;
  signal?: AbortSignal;
}

export interface SeriesSummary {
  seriesInstanceUid: string;
  studyInstanceUid: string;
  modality: string | null;
  seriesNumber: number | null;
  seriesDescription: string | null;
  /** Instances (files) in the series, missing ones included. */
  instances: number;
  /** Instances whose file is gone from disk. */
  missing: number;
  /** Frames over all instances (multi-frame files count each frame). */
  frames: number;
  /** The Patient's Name, Birth Date and Sex its files give where they differ from the patient's (schema 15); null: the same. */
  patientName: string | null;
  birthDate: string | null;
  sex: string | null;
  /** The Patient ID its files give where it differs from the patient's its study is filed under (schema 20: an older Lumen's study of two IDs); null: the same. */
  patientId: string | null;
  /** Image Type (0008,0008) says LOCALIZER: a scout, left out of training datasets. */
  localizer: boolean;
}

export interface StudySummary {
  studyInstanceUid: string;
  patientKey: string;
  patientId: string | null;
  patientName: string | null;
  /** The patient's birth date and sex as the library holds them (from the first file read). */
  birthDate: string | null;
  sex: string | null;
  studyDate: string | null;
  studyTime: string | null;
  studyDescription: string | null;
  accessionNumber: string | null;
  /** Distinct modalities over the study's series, sorted, e.g. ["CT", "SR"]. */
  modalities: string[];
  seriesCount: number;
  instances: number;
  missing: number;
}

export interface StudyNode extends StudySummary {
  series: SeriesSummary[];
}

/** One page of the study list (Library.studyPage). */
export interface StudyPage {
  studies: StudyNode[];
  /** Where the next page starts; null on the last page. */
  nextCursor: string | null;
  /** Studies matching the search and filters. */
  total: number;
  /** Studies matching the search alone. */
  unfiltered: number;
  /** The modalities of the studies matching the search, sorted. */
  modalities: string[];
}

export interface PatientNode {
  /** Stable key: the Patient ID, or the name when the file has no ID. */
  patientKey: string;
  patientId: string | null;
  patientName: string | null;
  birthDate: string | null;
  sex: string | null;
  studies: StudyNode[];
  instances: number;
}

export interface SeriesDetail extends SeriesSummary {
  study: StudySummary;
}

/** One stored file (an instance), as the library remembers it. */
export interface InstanceRecord {
  sopInstanceUid: string;
  sopClassUid: string | null;
  seriesInstanceUid: string;
  path: string;
  fileSize: number;
  /** Modification time in milliseconds since 1970. */
  mtimeMs: number;
  transferSyntaxUid: string | null;
  modality: string | null;
  instanceNumber: number | null;
  rows: number | null;
  columns: number | null;
  frames: number;
  /** [row spacing, column spacing] in mm. */
  pixelSpacing: number[] | null;
  sliceThickness: number | null;
  sliceLocation: number | null;
  imagePositionPatient: number[] | null;
  imageOrientationPatient: number[] | null;
  windowCenter: number[] | null;
  windowWidth: number[] | null;
  rescaleSlope: number | null;
  rescaleIntercept: number | null;
  photometricInterpretation: string | null;
  bitsAllocated: number | null;
  hasPixelData: boolean;
  missing: boolean;
  importedAt: string;
}

export interface ImportErrorRecord extends ImportFileError {
  /** ISO timestamp of the import that met the error. */
  at: string;
}
