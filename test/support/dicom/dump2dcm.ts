// One grey image written by dcmtk's dump2dcm (not our writer) from a text dump, as dcmdump prints
// one: the file meta, SOP class and instance, modality and Image Pixel module every fixture needs,
// then the caller's lines and the pixels. dump2dcm orders the elements by tag itself, so the
// caller's lines may come in any order (a sequence's items keep theirs).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export interface DumpImage {
  /** The SOP Class, by dcmtk's name (=ComputedRadiographyImageStorage) or as a UID. */
  sopClass: string;
  /** SOP Instance UID, also the file meta's Media Storage SOP Instance UID. */
  sopInstanceUid: string;
  modality: string;
  rows: number;
  columns: number;
  /** Number of Frames (0028,0008) where given. */
  frames?: number;
  /** MONOCHROME2 unless given. */
  photometric?: string;
  /** Bits Allocated / Stored / High Bit and Pixel Representation: 16, 12, 11, 0 unless given. */
  bits?: { allocated: number; stored: number; high: number; signed?: boolean };
  /** Any other dump2dcm lines (patient, study and series UIDs, windows, sequences...). */
  lines?: readonly string[];
  /** The pixel data as stored, little endian; OW with 16 bits allocated, else OB. */
  pixels: Uint8Array;
}

/** A sequence item's lines around `lines` (undefined length). */
export const dumpItem = (lines: readonly string[]): string[] => ['(fffe,e000) na (Item with undefined length)', ...lines, '(fffe,e00d) na (ItemDelimitationItem)'];

/** A sequence `tag` ("0028,3000") of items, each given as its lines (dumpItem's), undefined length. */
export const dumpSequence = (tag: string, items: readonly (readonly string[])[]): string[] => [`(${tag}) SQ (Sequence with undefined length)`, ...items.flat(), '(fffe,e0dd) na (SequenceDelimitationItem)'];

/**
 * Writes `file` (Explicit VR Little Endian) with dump2dcm and returns its path; its dump and raw
 * pixels go into `work` (default: the file's folder) as <name>.dump and <name>.raw.
 */
export function writeDump2dcm(file: string, image: DumpImage, work = dirname(file)): string {
  const name = basename(file).replace(/\.dcm$/i, '');
  const raw = join(work, `${name}.raw`);
  writeFileSync(raw, image.pixels);
  const bits = image.bits ?? { allocated: 16, stored: 12, high: 11 };
  const dump = join(work, `${name}.dump`);
  writeFileSync(
    dump,
    [
      `(0002,0002) UI ${uidValue(image.sopClass)}`,
      `(0002,0003) UI [${image.sopInstanceUid}]`,
      '(0002,0010) UI =LittleEndianExplicit',
      `(0008,0016) UI ${uidValue(image.sopClass)}`,
      `(0008,0018) UI [${image.sopInstanceUid}]`,
      `(0008,0060) CS [${image.modality}]`,
      '(0028,0002) US 1',
      `(0028,0004) CS [${image.photometric ?? 'MONOCHROME2'}]`,
      ...(image.frames !== undefined ? [`(0028,0008) IS [${image.frames}]`] : []),
      `(0028,0010) US ${image.rows}`,
      `(0028,0011) US ${image.columns}`,
      `(0028,0100) US ${bits.allocated}`,
      `(0028,0101) US ${bits.stored}`,
      `(0028,0102) US ${bits.high}`,
      `(0028,0103) US ${bits.signed ? 1 : 0}`,
      ...(image.lines ?? []),
      `(7fe0,0010) ${bits.allocated === 16 ? 'OW' : 'OB'} =${raw}`,
    ].join('\n') + '\n',
  );
  execFileSync('dump2dcm', [dump, file], { stdio: 'pipe' });
  return file;
}

/** A UI value as dump2dcm takes it: a dcmtk name after "=", a UID in brackets. */
const uidValue = (v: string) => (/^=/.test(v) ? v : /^[0-9.]+$/.test(v) ? `[${v}]` : `=${v}`);
