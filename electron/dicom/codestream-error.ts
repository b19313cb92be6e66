/**
 * A codestream Lumen's own code found damaged, with the reason in its words
 * (decode.ts shows it). Messages of the codec libraries themselves (OpenJPEG,
 * libjpeg-turbo, CharLS, OpenJPH) are not shown: they are written for their
 * programmers, not for a person with a file.
 */
export class CodestreamError extends Error {}

/** A codestream Lumen knowingly does not decode: the message is the whole reason. */
export class UnsupportedCodestream extends Error {}
