// A 6-frame 64x64 Multi-frame Grayscale Word Secondary Capture (modality MR) by the test writer,
// each frame a ramp a little brighter than the one before: the multi-frame file of the frame-label
// e2e tests (frame-labels-keys, frame-label-marks).
import path from 'node:path';
import { writeImage } from '../support/dicom/write';

export const SIX_FRAMES = 6;

/** Writes `<dir>/multi.dcm` with UIDs under `uid`; returns its pixel bytes (16-bit little endian, frame after frame). */
export function writeSixFrameMr(dir: string, uid: string): Uint8Array {
  const pixels = new Uint8Array(64 * 64 * 2 * SIX_FRAMES);
  for (let f = 0; f < SIX_FRAMES; f++) for (let i = 0; i < 64 * 64; i++) pixels[(f * 64 * 64 + i) * 2] = (i % 64) * 2 + f * 20;
  writeImage(path.join(dir, 'multi.dcm'), { rows: 64, columns: 64, frames: SIX_FRAMES, bitsAllocated: 16, bitsStored: 12, modality: 'MR', pixelBytes: pixels, uid, extra: { 0x00080016: { vr: 'UI', value: '1.2.840.10008.5.1.4.1.1.7.3' } } });
  return pixels;
}
