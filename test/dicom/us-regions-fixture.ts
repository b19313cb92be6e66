// Ultrasound and non-square-pixel images written by dcmtk's dump2dcm (not Lumen's writer), for
// test/dicom/us-regions*.test.ts, test/dicom/aspect*.test.ts and the viewer's e2e: an 8-bit
// MONOCHROME2 image, dark with a bright square, with a Sequence of Ultrasound Regions and a
// Pixel Aspect Ratio as each test asks.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** One region item as dump2dcm lines; a value given as a string is written as is ("nan"), null leaves the element out. */
export interface RegionLines {
  x0: number | null;
  y0: number | null;
  x1: number | null;
  y1: number | null;
  unitsX?: number;
  unitsY?: number;
  deltaX: number | string | null;
  deltaY: number | string | null;
  spatialFormat?: number;
}

function regionItem(r: RegionLines): string[] {
  const lines = ['(fffe,e000) na (Item with undefined length)', `(0018,6012) US ${r.spatialFormat ?? 1}`];
  const put = (tag: string, vr: string, v: number | string | null | undefined) => {
    if (v !== null && v !== undefined) lines.push(`(${tag}) ${vr} ${v}`);
  };
  put('0018,6018', 'UL', r.x0);
  put('0018,601a', 'UL', r.y0);
  put('0018,601c', 'UL', r.x1);
  put('0018,601e', 'UL', r.y1);
  put('0018,6024', 'US', r.unitsX ?? 3);
  put('0018,6026', 'US', r.unitsY ?? 3);
  put('0018,602c', 'FD', r.deltaX);
  put('0018,602e', 'FD', r.deltaY);
  lines.push('(fffe,e00d) na (ItemDelimitationItem)');
  return lines;
}

export interface UsImage {
  columns: number;
  rows: number;
  regions?: RegionLines[];
  /** Pixel Aspect Ratio as written ("4\\3"), or none. */
  aspect?: string;
  /** Other dump2dcm lines (Pixel Spacing...). */
  lines?: string[];
  modality?: string;
  /** Series Instance UID (default: one per name length) and Instance Number. */
  series?: string;
  instance?: number;
  /** Series Description, or none. */
  description?: string;
  /** The bright square's left, top and side in pixels (default: a third of the columns, centred). */
  square?: [number, number, number];
}

/** The bright square's box: [left, top, side]. */
export function squareOf(img: UsImage): [number, number, number] {
  if (img.square) return img.square;
  const side = Math.floor(Math.min(img.columns, img.rows) / 3);
  return [Math.floor((img.columns - side) / 2), Math.floor((img.rows - side) / 2), side];
}

/**
 * Writes `name`.dcm into dir with dump2dcm and returns its path (its SOP Instance UID: sopOf);
 * its pixel and dump files go to `work` (default: dir).
 */
export function writeUs(dir: string, name: string, img: UsImage, work = dir): string {
  const [left, top, side] = squareOf(img);
  const px = Buffer.alloc(img.columns * img.rows);
  for (let r = 0; r < img.rows; r++) for (let c = 0; c < img.columns; c++) px[r * img.columns + c] = c >= left && c < left + side && r >= top && r < top + side ? 230 : 20 + ((r * 7 + c * 3) % 40);
  const raw = join(work, `${name}.raw`);
  writeFileSync(raw, px);
  const uid = `1.2.826.0.1.3680043.10.89.${name.length}.${process.pid}.${Date.now() % 1e9}.${img.instance ?? 0}`;
  const regions = img.regions?.length ? ['(0018,6011) SQ (Sequence with undefined length)', ...img.regions.flatMap(regionItem), '(fffe,e0dd) na (SequenceDelimitationItem)'] : [];
  const dump = join(work, `${name}.dump`);
  writeFileSync(
    dump,
    [
      '(0002,0002) UI =UltrasoundImageStorage',
      `(0002,0003) UI [${uid}]`,
      '(0002,0010) UI =LittleEndianExplicit',
      '(0008,0016) UI =UltrasoundImageStorage',
      `(0008,0018) UI [${uid}]`,
      `(0008,0060) CS [${img.modality ?? 'US'}]`,
      '(0010,0010) PN [Sound^Region]',
      '(0010,0020) LO [US-1]',
      '(0020,000d) UI [1.2.826.0.1.3680043.10.89.1]',
      `(0020,000e) UI [${img.series ?? `1.2.826.0.1.3680043.10.89.1.${name.length}`}]`,
      ...(img.instance !== undefined ? [`(0020,0013) IS [${img.instance}]`] : []),
      ...(img.description ? [`(0008,103e) LO [${img.description}]`] : []),
      ...regions,
      '(0028,0002) US 1',
      '(0028,0004) CS [MONOCHROME2]',
      `(0028,0010) US ${img.rows}`,
      `(0028,0011) US ${img.columns}`,
      ...(img.aspect ? [`(0028,0034) IS [${img.aspect}]`] : []),
      '(0028,0100) US 8',
      '(0028,0101) US 8',
      '(0028,0102) US 7',
      '(0028,0103) US 0',
      ...(img.lines ?? []),
      `(7fe0,0010) OB =${raw}`,
    ].join('\n') + '\n',
  );
  const file = join(dir, `${name}.dcm`);
  execFileSync('dump2dcm', [dump, file], { stdio: 'pipe' });
  return file;
}

/** The SOP Instance UID of a file writeUs made. */
export function sopOf(file: string): string {
  return /\[([0-9.]+)\]/.exec(execFileSync('dcmdump', ['+P', '0008,0018', file]).toString())![1];
}
