// The single-file package's extension, apart from archive.ts (which loads the package code,
// TF.js with it): the bridge's path checks (electron/engine/access.ts) need only this word.
export const PACKAGE_ARCHIVE_EXTENSION = '.lumenpkg';
