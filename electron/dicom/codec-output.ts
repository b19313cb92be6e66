// What every codec returns and the frame size it is checked against: the
// pieces decode.ts, codecs.ts and each codec module share, kept below all of
// them so that none imports another in a circle.
import { CodestreamError } from './codestream-error';

/** A decoded codec result: bytes of samples (LE), and what the codec says about them. */
export interface CodecOutput {
  bytes: Uint8Array;
  columns: number;
  rows: number;
  components: number;
  bitsPerSample: number;
  /** The codec already converted YCbCr to RGB (JPEG baseline, JPEG 2000 with MCT). */
  rgb?: boolean;
  /** Component planes one after the other (JPEG-LS interleave mode none). */
  planar?: boolean;
}

/** The frame size the DICOM header promises: a codestream that claims another is refused before decoding allocates for it. */
export interface ExpectedFrame {
  rows: number;
  columns: number;
}

export function checkDimensions(columns: number, rows: number, expected?: ExpectedFrame): void {
  if (expected && (columns !== expected.columns || rows !== expected.rows)) {
    throw new CodestreamError(`the codestream says ${columns}x${rows}, the header ${expected.columns}x${expected.rows}`);
  }
}
