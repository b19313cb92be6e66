// 32-bit grey images whose stored values lie far from 0 with a narrow spread (2^30 .. 2^30 + 4000),
// written by dcmtk's dump2dcm, and dcm2pnm's rendering of them: for test/dicom/wide-stored-values
// (the engine's render path) and test/renderer/wide-stored-values-viewer (the viewer).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dcm2pnmGray as dcm2pnmAt, maxDiff } from '../support/dicom/dcm2pnm';
import { writeDump2dcm } from '../support/dicom/dump2dcm';

export const COLUMNS = 80;
export const ROWS = 50;
export const BASE = 2 ** 30;

export interface WideImage {
  /** The ramp's rise across the columns. */
  spread: number;
  signed?: boolean;
  /** The smallest stored value (BASE unless given). */
  base?: number;
  /** Other dump2dcm lines (windows). */
  lines?: string[];
}

/** The stored value at column x, row y: a horizontal ramp base .. base + spread, plus 1 on odd rows. */
export const storedAt = (img: WideImage, x: number, y: number) => (img.base ?? BASE) + Math.round((x * img.spread) / (COLUMNS - 1)) + (y % 2);

/** Writes `name`.dcm into dir (32 bits allocated and stored) and returns its path. */
export function writeWide(dir: string, name: string, img: WideImage): string {
  const values = new (img.signed ? Int32Array : Uint32Array)(ROWS * COLUMNS);
  for (let y = 0; y < ROWS; y++) for (let x = 0; x < COLUMNS; x++) values[y * COLUMNS + x] = storedAt(img, x, y);
  const file = writeDump2dcm(join(dir, `${name}.dcm`), {
    sopClass: '=SecondaryCaptureImageStorage',
    sopInstanceUid: `1.2.826.0.1.3680043.8.498.77.${name.length}.${Math.round(img.spread)}`,
    modality: 'OT',
    rows: ROWS,
    columns: COLUMNS,
    bits: { allocated: 32, stored: 32, high: 31, signed: img.signed },
    lines: img.lines,
    pixels: new Uint8Array(values.buffer),
  });
  // dump2dcm's helper writes 32-bit pixels as OB, which dcm2pnm does not read: OW, as PS3.5 8.2 has them.
  const dump = join(dir, `${name}.dump`);
  writeFileSync(dump, readFileSync(dump, 'utf8').replace('(7fe0,0010) OB =', '(7fe0,0010) OW ='));
  execFileSync('dump2dcm', [dump, file], { stdio: 'pipe' });
  return file;
}

/** dcm2pnm's 8-bit gray output with the given options. */
export function dcm2pnmGray(dir: string, file: string, options: string[]): number[] {
  return dcm2pnmAt(dir, file, options, COLUMNS, ROWS);
}

export { maxDiff };
