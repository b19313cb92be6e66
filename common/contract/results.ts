/**
 * Results imported with a study (issue #16 point 5): DICOM SR documents with their
 * findings, and Parametric Maps with the images they are maps of (electron/library/results.ts).
 */
import { z } from 'zod';
import { request, Uid } from './define';
import { CamMap } from './models';

const Text = z.string().max(256);

export const ResultFinding = z.object({
  /** The Finding's code meaning (e.g. a class name), else the measured quantity (e.g. "Length"). */
  finding: Text,
  codeValue: Text.nullable(),
  codingScheme: Text.nullable(),
  /** A probability, or a value (a measurement, a count) in `unit`. */
  score: z.number().nullable(),
  /** UCUM code of the score's units ("1": no units). */
  unit: Text.nullable(),
  /** The score's concept as the SR codes it ("DCM:111047"); '' when it has none; null when filed before library schema 31. */
  scoreConcept: Text.nullable(),
  algorithmName: Text.nullable(),
  algorithmVersion: Text.nullable(),
  algorithmHash: Text.nullable(),
  referencedSopInstanceUids: z.array(z.string().max(64)),
  /** Whether the score is a probability, 0 to 1 or, in unit "%", 0 to 100 (its concept is one: electron/library/results.ts scoreIsProbability); else a plain value. */
  probability: z.boolean(),
});
export type ResultFinding = z.infer<typeof ResultFinding>;

export const StudyResult = z.object({
  sopInstanceUid: z.string().max(64),
  kind: z.enum(['sr', 'parametric-map']),
  /** The SR's title, or the map's series description. */
  title: Text.nullable(),
  /** ISO 8601 from the document's Content Date and Time (local time, as written). */
  contentDate: z.string().max(40).nullable(),
  findings: z.array(ResultFinding),
  /** Parametric Map: its source images (0-based frame). */
  sources: z.array(z.object({ sopInstanceUid: z.string().max(64), frame: z.number().int().min(0) })),
});
export type StudyResult = z.infer<typeof StudyResult>;

export const resultRequests = {
  'results.study': request({
    summary: 'The SR documents (with their findings) and parametric maps imported with a study, newest first.',
    input: z.object({ studyInstanceUid: Uid }).strict(),
    output: z.array(StudyResult),
  }),
  'results.notShown': request({
    summary: "How many result documents filed with the study are not listed with it because they are of another patient (their Patient ID, else name, is not the study's patient's): a count, no patient values.",
    input: z.object({ studyInstanceUid: Uid }).strict(),
    output: z.object({ otherPatient: z.number().int().min(0) }),
  }),
  'results.map': request({
    summary: "The newest imported parametric map of an image's frame, as a heatmap over it (its values, unscaled); null when the library has none.",
    input: z.object({ sopInstanceUid: Uid, frame: z.number().int().min(0).max(100_000) }).strict(),
    output: CamMap.extend({ title: Text.nullable(), mapSopInstanceUid: z.string().max(64) }).nullable(),
  }),
} as const;
