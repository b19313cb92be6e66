// Node's file-system errors in words a person understands: the wording lives in
// common/node/fs-errors.ts (one wording for the DICOM reader, the library, the CLI).
export { describeFsError } from '../../common/node/fs-errors';
