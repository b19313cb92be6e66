/** Building blocks every part of the contract uses. */
import { z } from 'zod';
import { isLibraryUid, UID_MAX_LENGTH, uidProblem } from '../dicom-uid';
import { BIDI_CONTROL, CONTROL, CONTROL_BUT_LINES } from '../plain-text';

/**
 * A UID naming something in the library (common/dicom-uid.ts): by the standard, or with a leading
 * zero in a component as some vendors' files carry it, since the importer files those.
 */
export const Uid = z
  .string()
  .max(UID_MAX_LENGTH, 'a DICOM UID is at most 64 characters')
  .superRefine((uid, ctx) => {
    if (uid.length <= UID_MAX_LENGTH && !isLibraryUid(uid)) ctx.addIssue({ code: 'custom', message: `a DICOM UID is digits and dots, at most 64 characters: this one ${uidProblem(uid)}` });
  });
/** A UID Lumen sends on to another system (a PACS): only what PS3.5 §9.1 allows, no leading zeros. */
export const SendableUid = z
  .string()
  .max(UID_MAX_LENGTH, 'a DICOM UID is at most 64 characters')
  .superRefine((uid, ctx) => {
    const problem = uidProblem(uid);
    if (problem && uid.length <= UID_MAX_LENGTH) ctx.addIssue({ code: 'custom', message: `a DICOM UID sent to a PACS is digits and dots as PS3.5 §9.1 writes it, at most 64 characters: this one ${problem}` });
  });

// Text a request carries ends up on screen, in the library or in a file name, so what cannot be
// shown as it is, or shows differently from what it says, is refused where it enters.
const NUL = /\0/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a request's text is refused, in words (never the text itself), or null when it is fine. */
export function textProblem(text: string, options: { lines?: boolean } = {}): string | null {
  if (NUL.test(text)) return 'contains a NUL character';
  if (LONE_SURROGATE.test(text)) return 'is not valid Unicode (a lone UTF-16 surrogate)';
  if ((options.lines ? CONTROL_BUT_LINES : CONTROL).test(text)) return options.lines ? 'contains a control character other than tab and line breaks' : 'contains a control character (a line break, tab or other)';
  if (BIDI_CONTROL.test(text)) return 'contains a bidirectional override, which shows text in another order than it is written';
  return null;
}

/** `schema` refusing what textProblem refuses; one line of text unless `lines`. */
export function safeText<T extends z.ZodString>(schema: T, options: { lines?: boolean } = {}): T {
  return schema.superRefine((text, ctx) => {
    const problem = textProblem(text, options);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }) as T;
}

/** One line of text of at most `max` characters that can be shown as it is (names, searches, settings). */
export const Text = (max: number) => safeText(z.string().max(max));
/** A file or folder path: one line, at most 4096 characters; where it may lie is the engine's check (electron/engine/access.ts). */
export const FilePath = safeText(z.string().min(1).max(4096));
export const JobId = z.string().min(1).max(64).regex(/^[A-Za-z0-9-]+$/, 'a job id is letters, digits and dashes');
export const Empty = z.object({}).strict();
/**
 * Bytes a reply carries (a viewer frame's pixels, a heatmap's values): every transport carries
 * them as bytes, never as text (Electron's structured clone as they are; the bridge as one
 * binary message, common/binary-message.ts).
 */
export const Bytes = z.custom<Uint8Array>((value) => value instanceof Uint8Array, 'bytes (a Uint8Array)');
/** What a request that starts a long job answers at once; the rest comes as job.* events. */
export const JobStarted = z.object({ jobId: JobId });

/** Declares a request; `runsIn` defaults to the engine worker. */
export function request<I extends z.ZodType, O extends z.ZodType>(def: {
  input: I;
  output: O;
  summary: string;
  runsIn?: 'main' | 'engine';
}) {
  return { runsIn: 'engine' as 'main' | 'engine', ...def };
}
