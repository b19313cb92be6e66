/**
 * Removing a study or one series from the library, with a question first and an undo
 * (electron/library/remove.ts). The files on disk are never deleted.
 */
import { z } from 'zod';
import { request, Uid } from './define';

/** A study, or one series (its study goes too when it was the study's last). */
export const RemovalTarget = z
  .object({ studyInstanceUid: Uid.optional(), seriesInstanceUid: Uid.optional() })
  .strict()
  .refine((t) => (t.studyInstanceUid === undefined) !== (t.seriesInstanceUid === undefined), { message: 'name either a study (studyInstanceUid) or a series (seriesInstanceUid), not both' });
export type RemovalTarget = { studyInstanceUid: string; seriesInstanceUid?: undefined } | { seriesInstanceUid: string; studyInstanceUid?: undefined };

/** What a removal takes (or took) out of the library. */
export const RemovalCounts = z.object({
  studyInstanceUid: z.string(),
  seriesInstanceUids: z.array(z.string()),
  /** True when the study itself goes (asked for, or its last series was). */
  studyRemoved: z.boolean(),
  /** True when no other study holds its patient, so the patient goes too. */
  patientRemoved: z.boolean(),
  /** The files (instances) it takes. */
  images: z.number().int(),
  /** The images as the viewer steps through them, a frame each (absent in an undo saved before session 20). */
  frames: z.number().int().optional(),
  labels: z.number().int(),
  measurements: z.number().int(),
  /** All stored scores (imageScores + seriesScores + studyScores), said apart by what they score (common/score-counts.ts). */
  predictions: z.number().int(),
  /** Scores of an image or of one frame of a multi-frame file. */
  imageScores: z.number().int(),
  /** Scores of a whole series: a series head's, or a series-level prediction. */
  seriesScores: z.number().int(),
  /** Scores of a whole study. */
  studyScores: z.number().int(),
  results: z.number().int(),
  /** Images whose files a PACS retrieve or the receiver filed in the library folder: they stay there. */
  filesInLibraryFolder: z.number().int(),
});
export type RemovalCounts = z.infer<typeof RemovalCounts>;

/** What the library gave back for one removal: the time it was made and 8 random bytes. */
export const UndoToken = z.string().max(40).regex(/^[0-9a-z]{8,12}-[0-9a-f]{16}$/, 'an undo token is the one a removal answered');

export const removeRequests = {
  'library.removePreview': request({
    summary: 'What removing a study or series would take from the library (images, labels, measurements, predictions, results); changes nothing.',
    input: RemovalTarget,
    output: RemovalCounts,
  }),
  'library.remove': request({
    summary: 'Remove a study or series and everything the library holds about it, in one transaction; the files on disk stay. Answers what went and the token that undoes it.',
    input: RemovalTarget,
    output: z.object({ counts: RemovalCounts, undoToken: UndoToken }),
  }),
  'library.undoRemove': request({
    summary: 'Put back exactly what the removal with this token took (the newest 20 removals can be undone).',
    input: z.object({ undoToken: UndoToken }).strict(),
    output: RemovalCounts,
  }),
} as const;
