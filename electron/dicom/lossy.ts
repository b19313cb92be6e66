// Whether an image's values went through lossy compression, for the viewer's "Lossy" mark: the
// file says so (Lossy Image Compression (0028,2110) "01", PS3.3 C.7.6.1.1.5), or its pixel data is
// in a transfer syntax that is lossy (JPEG's DCT processes, JPEG-LS near-lossless), or in one that
// may be either (JPEG 2000, HTJ2K) without the file saying "00". With the file's Lossy Image
// Compression Ratio (0028,2112) and Method (0028,2114), one per compression step, where it gives
// them (values that are no positive number or no code are left out: the mark stays).
import type { ViewerFrame } from '../../common/contract/library';
import { TS, type ParsedDicom } from './parse';

const LOSSY_SYNTAX = new Set<string>([TS.jpegBaseline, TS.jpegExtended, '1.2.840.10008.1.2.4.52', TS.jpegSpectral, TS.jpegProgressive, TS.jpegLsNear]);
/** Lossy or lossless, as the codestream was made: lossy unless the file says "00". */
const EITHER_SYNTAX = new Set<string>([TS.j2k, TS.htj2k, '1.2.840.10008.1.2.4.93']);

/** The values of a multi-valued string element, trimmed, empty ones left out; [] where there is none. */
function strings(parsed: ParsedDicom, tag: string): string[] {
  const el = parsed.dataSet.elements[tag];
  if (!el?.length) return [];
  return (parsed.dataSet.string(tag) ?? '')
    .split('\\')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function lossyOf(parsed: ParsedDicom): ViewerFrame['lossy'] {
  const said = strings(parsed, 'x00282110')[0] ?? null;
  const ts = parsed.meta.transferSyntaxUid;
  const lossy = said === '01' || LOSSY_SYNTAX.has(ts) || (EITHER_SYNTAX.has(ts) && said !== '00');
  if (!lossy) return null;
  const ratio = strings(parsed, 'x00282112')
    .map(Number)
    .filter((r) => Number.isFinite(r) && r > 0);
  const method = strings(parsed, 'x00282114').filter((m) => /^[A-Z0-9_ ]{1,16}$/.test(m));
  return { ratio, method };
}
