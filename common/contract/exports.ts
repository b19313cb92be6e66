/**
 * Exports of what Lumen found and drew: results as DICOM (TID 1500 SR), de-identified
 * copies of images (DICOM PS3.15 Basic Profile), and plain tables (CSV or JSON). The same
 * code as `lumen export --results / --deidentify / --csv / --json` (electron/results/).
 */
import { z } from 'zod';
import { FilePath, JobStarted, request, Uid } from './define';

/** A folder or file to write; checked by the engine's path policy (electron/engine/access.ts). */
const OutPath = FilePath;
const PackageHash = z.string().max(64).regex(/^[0-9a-f]{64}$/, 'a model package content hash is 64 hex digits');

export const ResultsExportSummary = z.object({
  files: z.array(z.object({ file: z.string(), kind: z.enum(['predictions-sr', 'measurements-sr', 'parametric-map', 'secondary-capture']), sopInstanceUid: Uid, seriesInstanceUid: Uid })),
  predictions: z.number().int(),
  measurements: z.number().int(),
  labels: z.number().int(),
  skippedMeasurements: z.number().int(),
  /** What the user must know about the export, in sentences (e.g. a library on a read-only disk could not record it in its audit log). */
  notes: z.array(z.string()),
});
export type ResultsExportSummary = z.infer<typeof ResultsExportSummary>;

export const DeidentifySummary = z.object({
  out: z.string(),
  /** Files written; writtenFrames the images they hold (a multi-frame file's frames), said together as imageCount(writtenFrames, written). */
  written: z.number().int(),
  writtenFrames: z.number().int(),
  /** Files held back, each with the images (frames) it holds and where the library shows it (series number and description, instance number: common/held-back.ts). */
  heldBack: z.array(
    z.object({ sopInstanceUid: Uid, reason: z.string(), frames: z.number().int(), seriesNumber: z.number().nullable(), seriesDescription: z.string().nullable(), instanceNumber: z.number().nullable() }),
  ),
  failed: z.array(z.object({ sopInstanceUid: Uid, reason: z.string() })),
  /** Result documents (SR, Parametric Maps) of the scope's studies copied de-identified (Lumen's own whose images were all written), and not copied; notes say which and why. */
  resultDocumentsWritten: z.number().int().default(0),
  resultDocumentsNotCopied: z.number().int().default(0),
  /** As ResultsExportSummary's; also a pseudonym key that could not be saved (a read-only library that had none). */
  notes: z.array(z.string()),
});
export type DeidentifySummary = z.infer<typeof DeidentifySummary>;

export const TableKind = z.enum(['predictions', 'labels', 'measurements']);

export const exportRequests = {
  'export.models': request({
    summary: 'The models with predictions stored for a series or study, to choose which one to export.',
    input: z.object({ uid: Uid }).strict(),
    output: z.array(z.object({ packageHash: PackageHash, name: z.string(), images: z.number().int() })),
  }),
  'export.results': request({
    summary: "A series' or study's results as DICOM SR into a folder: the stored predictions of one model (packageHash), its measurements and its labels; with heatmaps, a Parametric Map per predicted image.",
    input: z.object({ uid: Uid, packageHash: PackageHash.nullable(), out: OutPath, heatmaps: z.enum(['none', 'parametric-map', 'secondary-capture']).default('none') }).strict(),
    output: ResultsExportSummary,
  }),
  'export.deidentify': request({
    summary: 'De-identified copies of a series, a study or the whole library into a folder, as a job; its result is a DeidentifySummary.',
    input: z.object({ uid: z.union([Uid, z.literal('library')]), out: OutPath, includeBurnedIn: z.boolean() }).strict(),
    output: JobStarted,
  }),
  'export.table': request({
    summary: 'Predictions, labels or measurements of a series, a study or the library as a CSV or JSON file (never replacing one).',
    input: z.object({ kind: TableKind, format: z.enum(['csv', 'json']), uid: Uid.nullable(), packageHash: PackageHash.nullable(), out: OutPath }).strict(),
    output: z.object({ out: z.string(), rows: z.number().int(), notes: z.array(z.string()) }),
  }),
} as const;
