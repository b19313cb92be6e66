/**
 * The library part of the contract: studies and series from the local library,
 * thumbnails, importing, and the decoded frames the viewer draws. Kept in its
 * own file so each area grows without touching the others.
 */
import { z } from 'zod';
import { IMPORT_ISSUE_KINDS, type ImportIssueKind } from '../import-summary';
import { PIXEL_SPACING_KINDS } from '../roi';
import { VOI_FUNCTION_NAMES } from '../voi';
import { Bytes, Empty, FilePath, JobStarted, request, Text, Uid } from './define';

const str = z.string().nullable();

/** Names one viewer.frame request so that viewer.cancel can withdraw it; the page makes it (unique to the page, renderer/src/viewer/frameRequests.ts). */
export const FrameTicket = z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/, 'a frame ticket is letters, digits and dashes');

export const SeriesSummary = z.object({
  seriesInstanceUid: z.string(),
  studyInstanceUid: z.string(),
  modality: str,
  seriesNumber: z.number().nullable(),
  seriesDescription: str,
  instances: z.number(),
  missing: z.number(),
  frames: z.number(),
  /** The Patient's Name, Birth Date and Sex the series' files give where they differ from the study's patient's (common/patient-conflicts.ts); null: the same. */
  patientName: str.optional(),
  birthDate: str.optional(),
  sex: str.optional(),
  /** The Patient ID the series' files give where it differs from the study's patient's (a study an older Lumen filed by its UID alone); null: the same. */
  patientId: str.optional(),
  /** Image Type (0008,0008) says LOCALIZER: a scout, left out of training datasets by default. */
  localizer: z.boolean().optional(),
});
export type SeriesSummary = z.infer<typeof SeriesSummary>;

export const StudySummary = z.object({
  studyInstanceUid: z.string(),
  patientKey: z.string(),
  patientId: str,
  patientName: str,
  birthDate: str.optional(),
  sex: str.optional(),
  studyDate: str,
  studyTime: str,
  studyDescription: str,
  accessionNumber: str,
  modalities: z.array(z.string()),
  seriesCount: z.number(),
  instances: z.number(),
  missing: z.number(),
});
export type StudySummary = z.infer<typeof StudySummary>;

export const StudyWithSeries = StudySummary.extend({ series: z.array(SeriesSummary) });
export type StudyWithSeries = z.infer<typeof StudyWithSeries>;

/** One image of a series as the viewer steps through it: an instance and one of its frames. */
export const SeriesImage = z.object({
  sopInstanceUid: z.string(),
  frame: z.number().int().min(0),
  instanceNumber: z.number().nullable(),
  rows: z.number().nullable(),
  columns: z.number().nullable(),
  sliceLocation: z.number().nullable(),
  missing: z.boolean(),
  /** The file as the library read it last (its size and time): another value after an import reads it again. */
  revision: z.string().optional(),
});
export type SeriesImage = z.infer<typeof SeriesImage>;

/**
 * Slices missing from an otherwise evenly spaced series (electron/library/slice-gaps.ts): after
 * image `afterIndex` (an image's index: a slice's, or a frame's in a series of one multi-frame
 * file), from `from` to `to` (mm: the "Loc" the viewer shows for the images either side, their
 * Slice Location, else their position along the slices' normal), `missing` slices at the
 * series' usual spacing.
 */
export const SliceGap = z.object({ afterIndex: z.number().int().min(0), from: z.number(), to: z.number(), missing: z.number().int().min(1) });
export type SliceGap = z.infer<typeof SliceGap>;

/**
 * A file the import report lists: one that was not imported, its kind saying whether that is a
 * failure (common/import-summary.ts), or, kind 'conflict', one imported with other patient
 * details than the library holds for its Patient ID.
 */
export const ImportFileError = z.object({
  file: z.string(),
  reason: z.string(),
  kind: z.enum(IMPORT_ISSUE_KINDS),
  /** For a duplicate: the copy the library kept. */
  keptFile: z.string().optional(),
});
export type ImportFileError = z.infer<typeof ImportFileError>;

const ImportIssueCounts = z.object(Object.fromEntries(IMPORT_ISSUE_KINDS.map((k) => [k, z.number()])) as Record<ImportIssueKind, z.ZodNumber>);

export const ImportReport = z.object({
  scanned: z.number(),
  imported: z.number(),
  /** Of `imported`, the result documents (SR, Parametric Map) filed with their study, not images. */
  results: z.number().default(0),
  /** The images the other `imported` files hold, each frame of a multi-frame file one (common/counts.ts). */
  importedImages: z.number().default(0),
  /** Result documents the import filed whose study holds no image in the library (listed nowhere yet), and their studies. */
  resultsWithoutStudy: z.number().default(0),
  studiesOfResultsWithoutStudy: z.number().default(0),
  unchanged: z.number(),
  changed: z.number(),
  missing: z.number(),
  dicomdirs: z.number(),
  patients: z.number(),
  studies: z.number(),
  series: z.number(),
  instances: z.number(),
  /** The images those instances hold, each frame one. */
  images: z.number().default(0),
  /** The first (at most 200) of the files that could not be imported; library.importErrors lists them all. */
  errors: z.array(ImportFileError),
  /** How many files could not be imported. */
  errorCount: z.number(),
  /** errorCount by kind: only `error` counts failures. */
  issues: ImportIssueCounts,
  /** When the import ran: library.importErrors lists its files with this `at`. */
  at: z.string(),
  /** The studies the import added or re-read images of (the first 1,000), for the study list to highlight. */
  studyInstanceUids: z.array(z.string()).default([]),
  cancelled: z.boolean(),
  /** Why the import stopped before its end (the library's disk full or read-only); the files it did not reach are among `errors`. */
  stopped: z.string().optional(),
  seconds: z.number(),
});
export type ImportReport = z.infer<typeof ImportReport>;

export const VoiWindow = z.object({ id: z.string(), name: z.string(), center: z.number(), width: z.number() });
export type VoiWindow = z.infer<typeof VoiWindow>;

const maybe = z.number().nullable();
/** One ultrasound region (common/roi.ts UsRegion): a value the file left out or broke is null. */
const UsRegionSchema = z.object({ x0: maybe, y0: maybe, x1: maybe, y1: maybe, unitsX: maybe, unitsY: maybe, deltaX: maybe, deltaY: maybe, spatialFormat: maybe });

/**
 * One decoded frame for the viewer: stored values (the bytes of the little-endian
 * typed array named by `dtype`), with what it takes to turn them into a picture
 * (Modality LUT slope/intercept, the file's windows and the modality presets).
 */
export const ViewerFrame = z.object({
  sopInstanceUid: z.string(),
  frame: z.number(),
  rows: z.number().int().positive(),
  columns: z.number().int().positive(),
  samplesPerPixel: z.number().int(),
  dtype: z.enum(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32']),
  pixels: Bytes,
  slope: z.number(),
  intercept: z.number(),
  photometric: z.string(),
  /** Gray shown inverted (low values white): Presentation LUT Shape INVERSE, or MONOCHROME1 without a shape. */
  inverted: z.boolean().optional(),
  /** The unit of the values after the Modality LUT ("HU", "Gy", "%"), or null when the file does not say. */
  unit: z.string().nullable(),
  /** How the window maps values (VOI LUT Function): LINEAR's one-unit offsets, or LINEAR_EXACT (RT dose). */
  voiFunction: z.enum(VOI_FUNCTION_NAMES),
  /** The file's own windows first (then its VOI LUT tables as "lut-<n>"), then the modality's presets. */
  windows: z.array(VoiWindow),
  /**
   * The file's VOI LUT Sequence tables (PS3.3 C.11.2): gray = data[value - first, clamped]
   * over 0 .. 2^bits - 1. Shown for the "lut-<n>" presets, and for "file" when the file has
   * tables and no window (as the engine's pixel pipeline renders it).
   */
  voiLuts: z.array(z.object({ id: z.string(), first: z.number(), bits: z.number().int().min(1).max(16), data: z.array(z.number()) })).optional(),
  /**
   * Min and max after the Modality LUT (for a full-range window when the file has none), padding
   * left out: a padding pixel's value may lie outside it.
   */
  range: z.tuple([z.number(), z.number()]),
  /**
   * What the values after the Modality LUT are carried relative to in 32-bit floats (the engine's
   * electron/dicom/pixels.ts valueBase): the viewer holds stored x slope + intercept - valueBase
   * and adds it back for every value it reads out. Absent or 0 for every image whose values a
   * 32-bit float holds one stored step apart; the smallest value for one far from 0 with a narrow
   * spread (32-bit values 2^30 .. 2^30 + 4000), which would otherwise become steps of 128.
   */
  valueBase: z.number().optional(),
  /** [row spacing, column spacing] in mm, or null when the file does not say. */
  pixelSpacing: z.tuple([z.number(), z.number()]).nullable(),
  /** What pixelSpacing measures (PIXEL_SPACING_KINDS); null with it. */
  pixelSpacingKind: z.enum(PIXEL_SPACING_KINDS).nullable().optional(),
  /** The Sequence of Ultrasound Regions as the file gives it (common/roi.ts UsRegion, checked by calibrationAt), or null. */
  usRegions: z.array(UsRegionSchema).nullable().optional(),
  /** Pixel Aspect Ratio (0028,0034) as [vertical, horizontal], or null (common/roi.ts pixelAspectOf decides whether it is drawn). */
  pixelAspect: z.tuple([z.number(), z.number()]).nullable().optional(),
  /**
   * Pixel Padding Value (and Range Limit) as [lowest, highest] in the units of `pixels`, or null
   * (after a Modality LUT table, where `pixels` are the table's output, not stored values).
   */
  padding: z.tuple([z.number(), z.number()]).nullable().optional(),
  /**
   * Which pixels are padding, one bit each (common/roi.ts paddingMask), decided by the engine on
   * the stored values whatever the Modality LUT, or null when none is: those pixels are left out
   * of region statistics (shown as they are).
   */
  paddingMask: Bytes.nullable().optional(),
  instanceNumber: z.number().nullable(),
  sliceLocation: z.number().nullable(),
  sliceThickness: z.number().nullable(),
  /** Image Orientation (Patient): row then column direction cosines (LPS), or null. */
  orientation: z.array(z.number()).length(6).nullable(),
  /**
   * Set where the values went through lossy compression (electron/dicom/lossy.ts: Lossy Image
   * Compression "01", a lossy transfer syntax, or a JPEG 2000 codestream coded with the 9-7
   * wavelet): the file's ratios and methods, one per step, each possibly empty. `maybe` names the
   * compression ("JPEG 2000", "HTJ2K") where neither the file nor the codestream's headers tell
   * whether it lost anything. Null or absent for an image stored without loss.
   */
  lossy: z.object({ ratio: z.array(z.number()), method: z.array(z.string()), maybe: z.string().max(40).optional() }).nullable().optional(),
});
export type ViewerFrame = z.infer<typeof ViewerFrame>;

const SeriesRef = z.object({ seriesInstanceUid: Uid }).strict();

/** The study list's orders: newest first (the library's own), patient name, modality. */
export const STUDY_SORT_IDS = ['date', 'name', 'modality'] as const;
/** A day as an <input type="date"> gives it. */
const DicomDay = z.string().max(10).regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2024-01-31');

/** The most study UIDs one library.holdings asks about; a longer list of PACS results asks in parts. */
export const HOLDINGS_MAX_STUDIES = 1000;

/**
 * The once-per-library read of each series' own patient details, for a library imported before
 * Lumen kept them (electron/library/series-patients.ts), as the engine runs it after opening.
 */
export const PatientDetailsCheck = z.object({
  /** Still reading: `done` series of `total`. */
  running: z.boolean(),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Files found with other patient details than their patient's; each is among library.importErrors (kind conflict). */
  conflicts: z.number().int().nonnegative(),
  /** Files that could not be used for it (gone, changed since import, unreadable): their series keep their patient's. */
  skipped: z.number().int().nonnegative(),
});
export type PatientDetailsCheck = z.infer<typeof PatientDetailsCheck>;

/**
 * The once-per-library read of projection X-rays' pixel spacing and ultrasound images' regions
 * (and Pixel Aspect Ratio), for a library imported before Lumen read them
 * (electron/library/imager-spacing.ts), as the engine runs it after opening.
 */
export const SpacingCheck = z.object({
  /** Still reading: `done` images of `total`. */
  running: z.boolean(),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Files that could not be used for it (gone, changed since import, unreadable): the engine's log names each. */
  skipped: z.number().int().nonnegative(),
});
export type SpacingCheck = z.infer<typeof SpacingCheck>;

export const libraryRequests = {
  'library.studies': request({
    summary: 'Studies (newest first) with their series; search matches patient, ID, description, accession, modality or date.',
    input: z.object({ search: Text(200).optional() }).strict(),
    output: z.array(StudyWithSeries),
  }),
  'library.studyPage': request({
    summary:
      'One page of the study list (what the study browser shows): studies matching the search, modalities and date range, with their series, in the sort\'s order after `cursor`; nextCursor is null on the last page, total counts the matches, unfiltered those of the search alone.',
    input: z
      .object({
        search: Text(200).optional(),
        sort: z.enum(STUDY_SORT_IDS).optional(),
        modalities: z.array(z.string().min(1).max(16).regex(/^[A-Z0-9_ ]+$/, 'a modality is capital letters and digits, like CT')).max(32).optional(),
        from: DicomDay.optional(),
        to: DicomDay.optional(),
        limit: z.number().int().min(1).max(1000).optional(),
        cursor: z.string().min(1).max(4000).regex(/^[A-Za-z0-9_-]+$/, 'a cursor is the nextCursor of the page before').optional(),
      })
      .strict(),
    output: z.object({ studies: z.array(StudyWithSeries), nextCursor: z.string().nullable(), total: z.number(), unfiltered: z.number(), modalities: z.array(z.string()) }),
  }),
  'library.holdings': request({
    summary:
      'How many instances the library holds of each of these studies and of their series (what the PACS tab marks "in library"); a study the library does not hold is left out.',
    input: z
      .object({
        studyInstanceUids: z
          .array(Uid)
          .min(1, 'name at least one study UID')
          .max(HOLDINGS_MAX_STUDIES, `at most ${HOLDINGS_MAX_STUDIES} study UIDs at a time: ask for a longer list in parts`),
      })
      .strict(),
    output: z.object({
      studies: z.array(
        z.object({ studyInstanceUid: z.string(), instances: z.number(), series: z.array(z.object({ seriesInstanceUid: z.string(), instances: z.number() })) }),
      ),
    }),
  }),
  'library.thumbnail': request({
    summary: "A PNG of the series' middle image as a data: URL.",
    input: SeriesRef,
    output: z.object({ dataUrl: z.string() }),
  }),
  'library.series': request({
    summary: 'One series with its study and its images (instances x frames) in viewing order; gaps: where slices are missing from an otherwise evenly spaced series.',
    input: SeriesRef,
    output: z.object({ series: SeriesSummary, study: StudySummary, images: z.array(SeriesImage), gaps: z.array(SliceGap).default([]) }),
  }),
  'library.import': request({
    summary: 'Import folders, files or DICOMDIRs as a job; progress detail is the importer progress, the result an ImportReport.',
    input: z.object({ paths: z.array(FilePath).min(1).max(100) }).strict(),
    output: JobStarted,
  }),
  'library.patientDetailsCheck': request({
    summary: "What the one-time read of each series' own patient details (a library from before Lumen kept them) has done; null when this engine had none to run.",
    input: Empty,
    output: PatientDetailsCheck.nullable(),
  }),
  'library.spacingCheck': request({
    summary: "What the one-time read of projection X-rays' pixel spacing and ultrasound images' regions (a library from before Lumen read them) has done; null when this engine had none to run, or told its end already.",
    input: Empty,
    output: SpacingCheck.nullable(),
  }),
  'library.access': request({
    summary:
      "Whether the library can be changed: readOnly is null when it can, else why not (its disk is read-only), in words to show; what the page disables (import, labels, removal, training) until then.",
    input: Empty,
    output: z.object({ readOnly: z.string().nullable() }),
  }),
  'library.importErrors': request({
    summary: 'Files that could not be imported, most recent first.',
    input: Empty,
    output: z.array(ImportFileError.extend({ at: z.string() })),
  }),
  'viewer.frame': request({
    summary: 'One decoded frame of a series (stored values + LUT parameters) for the viewer; with a ticket, viewer.cancel can withdraw it.',
    input: z.object({ seriesInstanceUid: Uid, sopInstanceUid: Uid, frame: z.number().int().min(0).max(100_000), ticket: FrameTicket.optional() }).strict(),
    output: ViewerFrame,
  }),
  'viewer.cancel': request({
    summary: 'Withdraws viewer.frame requests the page no longer wants (scrolled past): one still queued is dropped before it decodes, one decoding is not sent.',
    input: z.object({ tickets: z.array(FrameTicket).min(1).max(1000) }).strict(),
    output: z.object({ cancelled: z.number().int().min(0) }),
  }),
} as const;

export const libraryEvents = {
  'library.changed': z.object({
    /** 'external': another Lumen (lumen import, lumen rm, lumen labels import, a second app) committed to the library; what changed is not said. */
    reason: z.enum(['import', 'remove', 'undo-remove', 'external']),
    /** With 'remove': the series that went, so a viewer showing one of them closes it. */
    seriesInstanceUids: z.array(z.string()).optional(),
  }),
} as const;
