// dcmtk's dcm2pnm as the reference for a displayed image: its 8-bit grey output (PGM) read back;
// the PGM reader and the largest difference between two images, for every test that compares.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';

/** dcm2pnm's 8-bit grey pixels of `file` with the given options, written into `dir`; the image is checked to be `columns` × `rows`. */
export function dcm2pnmGray(dir: string, file: string, options: string[], columns: number, rows: number): number[] {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.pgm`);
  execFileSync('dcm2pnm', [...options, file, out], { stdio: 'pipe' });
  const image = readPgm(readFileSync(out));
  expect([image.columns, image.rows, image.max]).toEqual([columns, rows, 255]);
  return image.values;
}

/** A binary PGM (P5) read back: its size, its maximum value, and its values (two big-endian bytes each above 255). */
export function readPgm(bytes: Buffer): { columns: number; rows: number; max: number; values: number[] } {
  const m = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.subarray(0, 40).toString('latin1'));
  expect(m, 'a binary PGM header').not.toBeNull();
  const [columns, rows, max] = [Number(m![1]), Number(m![2]), Number(m![3])];
  const at = m![0].length;
  const values = Array.from({ length: columns * rows }, (_, i) => (max > 255 ? bytes.readUInt16BE(at + 2 * i) : bytes[at + i]));
  return { columns, rows, max, values };
}

/** The largest difference between two images' values, of equal length. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}
