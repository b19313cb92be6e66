// Two files with one SOP Instance UID: which copy the library keeps. Keeping the
// first found meant keeping a damaged copy over a complete one whenever the damaged
// one sorted first (a 1-frame remnant of a 15-frame RT dose, a JPEG 2000 file whose
// codestream fails), so a whole collection could import without the image it has.
// The import reads only headers; a duplicate is rare, so both copies of one are read
// whole and their first and last frames decoded to decide.

import fs from 'node:fs';
import { readRegularFile } from '../../common/node/read-file';
import { decodeFrame } from '../dicom/decode';
import { parseDicomFile, pixelDataProblem } from '../dicom/parse';

/** What one copy offers. */
export interface CopyQuality {
  /** The header's values are usable (Rows, Columns, bits, transfer syntax, frame count). */
  headerOk: boolean;
  /** Its first and last frames decode. */
  decodes: boolean;
  frames: number;
}

/** Reads the whole file and decodes its first and last frame. Never throws. */
export async function judgeCopy(file: string): Promise<CopyQuality> {
  try {
    const parsed = await parseDicomFile(file);
    const frames = parsed.meta.numberOfFrames;
    if (pixelDataProblem(parsed.meta)) return { headerOk: false, decodes: false, frames };
    try {
      await decodeFrame(parsed, 0);
      if (frames > 1) await decodeFrame(parsed, frames - 1);
      return { headerOk: true, decodes: true, frames };
    } catch {
      return { headerOk: true, decodes: false, frames };
    }
  } catch {
    return { headerOk: false, decodes: false, frames: 0 };
  }
}

/** Whether two files hold the same bytes (a folder imported twice): then neither is better, and nothing need be decoded. */
export function sameBytes(a: string, b: string): boolean {
  try {
    if (fs.statSync(a).size !== fs.statSync(b).size) return false;
    return readRegularFile(a, 'dicom').equals(readRegularFile(b, 'dicom'));
  } catch {
    return false;
  }
}

/**
 * Whether two paths name one file: a folder imported again through a symbolic link, in other
 * letter case on a case-insensitive disk, or by a drive letter instead of the share's path. Then
 * the file is not a second copy of itself. False where the file system gives no file ids (0).
 */
export function sameFile(a: string, b: string): boolean {
  try {
    const x = fs.statSync(a, { bigint: true });
    const y = fs.statSync(b, { bigint: true });
    return x.ino !== 0n && x.ino === y.ino && x.dev === y.dev;
  } catch {
    return false;
  }
}

/** Positive when `a` is the better copy, negative when `b` is, 0 when neither is better. */
export function compareCopies(a: CopyQuality, b: CopyQuality): number {
  return Number(a.headerOk) - Number(b.headerOk) || Number(a.decodes) - Number(b.decodes) || a.frames - b.frames;
}

/** Why `kept` was kept over `skipped`, as the end of a sentence. */
export function whyKept(kept: CopyQuality, skipped: CopyQuality): string {
  if (kept.headerOk && !skipped.headerOk) return "this copy's header is damaged";
  if (kept.decodes && !skipped.decodes) return "that copy's pixel data decodes and this copy's does not";
  if (kept.frames > skipped.frames) return `that copy holds ${kept.frames} frames and this copy ${skipped.frames}`;
  return 'the two are alike, so the one found first was kept';
}

/** The reason shown for the copy that was skipped (of an image, or of a result document: an SR or Parametric Map). */
export function duplicateReason(sopInstanceUid: string, keptFile: string, why: string, what: 'image' | 'result document' = 'image'): string {
  return `duplicate: the same ${what} (SOP Instance UID ${sopInstanceUid}) as ${keptFile}, which the library keeps: ${why}. Delete one of the two if you do not need both.`;
}
