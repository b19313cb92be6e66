/**
 * An image held back from de-identified copies (electron/results/deidentify.ts), named as its
 * owner finds it in the library, not by the new SOP Instance UID no one can look up: its series'
 * number and description and its instance number, as the series list and the viewer show them.
 * Said in the Export dialog and by `lumen export --deidentify`; never written into a file name.
 */
import { countOf } from './counts';
import { plainText } from './plain-text';

export interface HeldBackImage {
  /** The copy's (de-identified) SOP Instance UID: what the copies would have named it. */
  sopInstanceUid: string;
  /** Why, in words ("BurnedInAnnotation is YES"). */
  reason: string;
  /** The images (frames) the file holds. */
  frames: number;
  /** The source's Series Number, Series Description and Instance Number as the library holds them; null where the file has none. */
  seriesNumber: number | null;
  seriesDescription: string | null;
  instanceNumber: number | null;
}

/** A description is DICOM text, which may hold anything: one line, printable, and short enough to read. */
const MAX_DESCRIPTION = 64;

/** "Series 3 “Screenshot”, image 1"; "Series 4, image 2 (5 frames)"; "Series (no number) “Scan”, image (no number)". */
export function heldBackImage(h: Pick<HeldBackImage, 'frames' | 'seriesNumber' | 'seriesDescription' | 'instanceNumber'>): string {
  // Cut by code points: a UTF-16 slice could end in half of a surrogate pair (an emoji, a rare CJK character).
  const chars = Array.from(plainText(h.seriesDescription ?? '').trim());
  const description = chars.length > MAX_DESCRIPTION ? `${chars.slice(0, MAX_DESCRIPTION - 1).join('')}…` : chars.join('');
  const series = `Series ${h.seriesNumber ?? '(no number)'}${description ? ` “${description}”` : ''}`;
  const image = `image ${h.instanceNumber ?? '(no number)'}`;
  return `${series}, ${image}${h.frames > 1 ? ` (${countOf(h.frames, 'frame')})` : ''}`;
}

/**
 * The held-back images in words, at most `limit` named and the rest counted: "Series 3
 * “Screenshot”, image 1; Series 3 “Screenshot”, image 2 and 4 more".
 */
export function heldBackImages(list: readonly Pick<HeldBackImage, 'frames' | 'seriesNumber' | 'seriesDescription' | 'instanceNumber'>[], limit = 10): string {
  const named = list.slice(0, limit).map(heldBackImage).join('; ');
  return list.length > limit ? `${named} and ${countOf(list.length - limit, 'more file', 'more files')}` : named;
}
