/**
 * Characters that make text show differently from what it says, found in one place: the
 * contract refuses them in requests (textProblem in common/contract/define.ts), and text from
 * DICOM files, which may hold anything, is shown through plainText wherever a page cannot isolate
 * it (the CLI, CSV, the HTML report). The renderer isolates DICOM text instead (<bdi>).
 */

// eslint-disable-next-line no-control-regex -- finding control characters is the point
export const CONTROL = /[\u0001-\u001f\u007f-\u009f]/;
// eslint-disable-next-line no-control-regex -- as above
export const CONTROL_BUT_LINES = /[\u0001-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;
/** Embeddings, overrides and isolates: they can make "gpj.exe" show as "exe.jpg". */
export const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

// eslint-disable-next-line no-control-regex -- as above
const NOT_SHOWN = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- as above
const NOT_SHOWN_BUT_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** What stands for a character that was taken out: visible, so a reader sees that something was there. */
export const REPLACEMENT = '\ufffd';

/**
 * `text` with every bidirectional embedding, override and isolate and every C0 and C1 control
 * character (NUL included) replaced by U+FFFD, so it cannot reorder what is printed around it,
 * move the cursor or end a line; `lines` keeps tab, line feed and carriage return.
 */
export function plainText(text: string, options: { lines?: boolean } = {}): string {
  return text.replace(options.lines ? NOT_SHOWN_BUT_LINES : NOT_SHOWN, REPLACEMENT);
}
