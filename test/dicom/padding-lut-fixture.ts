// A CR that dcmtk's dump2dcm writes with Pixel Padding Value and Range Limit and a Modality LUT
// Sequence (a table) that gives padding values the output of a real pixel: for
// test/dicom/padding-lut.test.ts and test/e2e/padding-lut-viewer.test.ts.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dumpItem, dumpSequence, writeDump2dcm } from '../support/dicom/dump2dcm';

export const ROWS = 24;
export const COLUMNS = 32;
/** A 4-pixel frame of padding around a collimated field. */
export const BORDER = 4;
export const inField = (i: number) => {
  const r = Math.floor(i / COLUMNS);
  const c = i % COLUMNS;
  return r >= BORDER && r < ROWS - BORDER && c >= BORDER && c < COLUMNS - BORDER;
};
/** The field's stored values, 1000 .. 2999; the padding's, 4000 .. 4095 (Pixel Padding Value 4095, Range Limit 4000). */
const field = (i: number) => 1000 + ((i * 37) % 2000);
const pad = (i: number) => 4000 + (i % 96);
/**
 * The Modality LUT table, 4096 entries over stored 0 .. 4095, 16 bits out: ten times the stored
 * value up to 3999; a padding value gives 15000 when even (the output of stored 1500, a real
 * pixel's) and 0 when odd (below every field value's output).
 */
export const table = Array.from({ length: 4096 }, (_, s) => (s < 4000 ? s * 10 : s % 2 === 0 ? 15000 : 0));

/** The padding lines: Pixel Padding Value 4095, Range Limit 4000. */
export const PADDING_LINES = ['(0028,0120) US 4095', '(0028,0121) US 4000'];

/**
 * A 12-bit grey CR in `dir` by dump2dcm with the table as its Modality LUT Sequence and `lines`
 * added (PADDING_LINES, or none); `uid` names its study, series and instance.
 */
export function writePaddedLut(dir: string, name: string, lines: string[], opts: { uid?: string; patient?: string } = {}): { file: string; stored: number[] } {
  const stored = Array.from({ length: ROWS * COLUMNS }, (_, i) => (inField(i) ? field(i) : pad(i)));
  const pixels = Buffer.alloc(stored.length * 2);
  stored.forEach((v, i) => pixels.writeUInt16LE(v, i * 2));
  const lut = join(dir, `${name}.lut`);
  const t = Buffer.alloc(table.length * 2);
  table.forEach((v, i) => t.writeUInt16LE(v, i * 2));
  writeFileSync(lut, t);
  const uid = opts.uid ?? `1.2.826.0.1.3680043.10.91.${name.length}.${Date.now()}`;
  const file = writeDump2dcm(join(dir, `${name}.dcm`), {
    sopClass: 'ComputedRadiographyImageStorage',
    sopInstanceUid: `${uid}.3`,
    modality: 'CR',
    rows: ROWS,
    columns: COLUMNS,
    pixels,
    lines: [
      ...(opts.patient ? [`(0010,0010) PN [${opts.patient}]`, '(0010,0020) LO [PL001]', `(0020,000d) UI [${uid}.1]`, `(0020,000e) UI [${uid}.2]`] : []),
      ...lines,
      ...dumpSequence('0028,3000', [dumpItem([`(0028,3002) US ${table.length}\\0\\16`, '(0028,3003) LO [TEN TIMES, PADDING MIXED]', '(0028,3004) LO [US]', `(0028,3006) OW =${lut}`])]),
    ],
  });
  return { file, stored };
}

/** The field's pixels after the table: what every statistic must be of. */
export const fieldValues = (stored: number[]) => stored.filter((_, i) => inField(i)).map((s) => table[s]);
