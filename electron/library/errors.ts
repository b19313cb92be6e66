// The file-system error wording is shared with the DICOM reader (electron/dicom/fs-errors.ts).
export { describeFsError } from '../dicom/fs-errors';

/** A library that cannot be opened or written: the message says which folder and what to do. */
export class LibraryError extends Error {}
