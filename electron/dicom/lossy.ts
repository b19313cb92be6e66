// Whether an image's values went through lossy compression, for the viewer's "Lossy" mark: the
// file says so (Lossy Image Compression (0028,2110) "01", PS3.3 C.7.6.1.1.5), or its pixel data is
// in a transfer syntax that is lossy (JPEG's DCT processes, JPEG-LS near-lossless). In one that may
// be either (JPEG 2000, HTJ2K) a file that says nothing has its frame's codestream asked
// (j2k-loss.ts): the 9-7 irreversible wavelet is lossy; the 5-3 reversible one, unquantized and
// whole, is not; anything else is marked as what it is, "may be lossy", not guessed either way.
// With the file's Lossy Image Compression Ratio (0028,2112) and Method (0028,2114), one per
// compression step, where it gives them (values that are no positive number or no code are left
// out: the mark stays).
import type { ViewerFrame } from '../../common/contract/library';
import { encapsulatedFrame } from './decode';
import { j2kLossOf } from './j2k-loss';
import { TS, type ParsedDicom } from './parse';

const LOSSY_SYNTAX = new Set<string>([TS.jpegBaseline, TS.jpegExtended, '1.2.840.10008.1.2.4.52', TS.jpegSpectral, TS.jpegProgressive, TS.jpegLsNear]);
/** Lossy or lossless, as the codestream was made: the file's "00" or "01", else the codestream's headers; the name the mark gives each. */
const EITHER_SYNTAX = new Map<string, string>([
  [TS.j2k, 'JPEG 2000'],
  [TS.htj2k, 'HTJ2K'],
  ['1.2.840.10008.1.2.4.93', 'JPEG 2000'],
]);

/** The values of a multi-valued string element, trimmed, empty ones left out; [] where there is none. */
function strings(parsed: ParsedDicom, tag: string): string[] {
  const el = parsed.dataSet.elements[tag];
  if (!el?.length) return [];
  return (parsed.dataSet.string(tag) ?? '')
    .split('\\')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Lossy, lossless or not known, for a frame whose file says neither "00" nor "01" in a syntax
 * that allows both: from its codestream's headers. A frame that cannot be read is the decoder's to
 * refuse; until then it is not known.
 */
function codestreamSays(parsed: ParsedDicom, frameIndex: number): 'lossy' | 'lossless' | 'unknown' {
  let bytes: Uint8Array;
  try {
    bytes = encapsulatedFrame(parsed, frameIndex);
  } catch {
    return 'unknown';
  }
  return j2kLossOf(bytes).kind;
}

export function lossyOf(parsed: ParsedDicom, frameIndex = 0): ViewerFrame['lossy'] {
  const said = strings(parsed, 'x00282110')[0] ?? null;
  const ts = parsed.meta.transferSyntaxUid;
  const either = EITHER_SYNTAX.get(ts);
  let maybe: string | undefined;
  if (said !== '01' && !LOSSY_SYNTAX.has(ts)) {
    if (!either || said === '00') return null;
    const codestream = codestreamSays(parsed, frameIndex);
    if (codestream === 'lossless') return null;
    if (codestream === 'unknown') maybe = either;
  }
  const ratio = strings(parsed, 'x00282112')
    .map(Number)
    .filter((r) => Number.isFinite(r) && r > 0);
  const method = strings(parsed, 'x00282114').filter((m) => /^[A-Z0-9_ ]{1,16}$/.test(m));
  return maybe ? { ratio, method, maybe } : { ratio, method };
}
