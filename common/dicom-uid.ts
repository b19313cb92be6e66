/**
 * The one check of a DICOM UID (PS3.5 §9.1): components of digits separated by single dots, no
 * empty component, no leading zero in a component of more than one digit, at most 64
 * characters. Every UID that comes from outside goes through here: the contract's Uid and
 * SendableUid (common/contract/define.ts), PACS replies (electron/pacs/), the importer.
 *
 * Two levels, because files on disk from some vendors carry UIDs with leading zeros
 * ("1.2.840.0113654.…"): they still name one study, series or image, so the importer files them
 * and the app names them in its requests (`'leading-zero'` is usable locally); what Lumen sends
 * on to another system (a PACS query, retrieve or store) must be a UID by the standard.
 */

/** Longest UID the standard allows. */
export const UID_MAX_LENGTH = 64;

const DIGITS_AND_DOTS = /^[0-9]+(\.[0-9]+)*$/;
const STANDARD = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$/;

/**
 * What is wrong with a UID, in words that never repeat the value (a corrupt header could hold
 * anything), or null when it is a UID by the standard. `'leading-zero'`: digits and dots, but a
 * component starts with 0; usable for what the library holds, not for what is sent on.
 */
export function uidProblem(value: unknown): string | null {
  if (typeof value !== 'string' || value.length === 0) return 'is empty';
  if (value.length > UID_MAX_LENGTH) return `is ${value.length} characters long, more than the ${UID_MAX_LENGTH} a DICOM UID may have`;
  if (!/^[0-9.]+$/.test(value)) return 'holds characters other than digits and dots';
  if (!DIGITS_AND_DOTS.test(value)) return 'has an empty component (a dot at the start or the end, or two dots in a row)';
  if (!STANDARD.test(value)) return LEADING_ZERO;
  return null;
}

/** uidProblem's words for a UID that is usable locally but not by the standard. */
export const LEADING_ZERO = 'has a component that starts with 0 (only "0" itself may)';

/** A DICOM UID by the standard: what may be sent on to another system. */
export function isUid(value: unknown): value is string {
  return uidProblem(value) === null;
}

/** A UID the library can hold and name: the standard's, or one whose only fault is a leading zero, as some vendors' files carry. */
export function isLibraryUid(value: unknown): boolean {
  const problem = uidProblem(value);
  return problem === null || problem === LEADING_ZERO;
}
