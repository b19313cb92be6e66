// 32-bit stored values far from 0 with a narrow spread (2^30 .. 2^30 + 4000, Rescale Slope 1: a
// dose grid, a parametric map, some PET). A 32-bit float holds integers exactly only up to 2^24,
// so values of 2^30 taken as they are become steps of 128 (31 grays, or one flat gray for a
// spread below 64). The pipeline carries them relative to the frame's smallest value instead:
// the image Lumen renders (thumbnails, `lumen render`, model input) is dcmtk's, gray for gray.
// Files written by dcmtk's dump2dcm; dcm2pnm renders the same windows.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../electron/dicom/parse';
import { renderFrame } from '../../electron/dicom/pixels';
import { writeDump2dcm } from '../support/dicom/dump2dcm';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-wide-values-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const COLUMNS = 80;
const ROWS = 50;
const BASE = 2 ** 30;

/** A horizontal ramp base + 0 .. base + spread (plus 1 on odd rows), as 32-bit stored values. */
function write(name: string, opts: { spread: number; signed?: boolean; base?: number; lines?: string[] }): string {
  const base = opts.base ?? BASE;
  const values = new (opts.signed ? Int32Array : Uint32Array)(ROWS * COLUMNS);
  for (let y = 0; y < ROWS; y++) for (let x = 0; x < COLUMNS; x++) values[y * COLUMNS + x] = base + Math.round((x * opts.spread) / (COLUMNS - 1)) + (y % 2);
  const file = writeDump2dcm(join(dir, `${name}.dcm`), {
    sopClass: '=SecondaryCaptureImageStorage',
    sopInstanceUid: `1.2.826.0.1.3680043.8.498.77.${name.length}.${Math.round(opts.spread)}`,
    modality: 'OT',
    rows: ROWS,
    columns: COLUMNS,
    bits: { allocated: 32, stored: 32, high: 31, signed: opts.signed },
    lines: opts.lines,
    pixels: new Uint8Array(values.buffer),
  });
  // dump2dcm's helper writes 32-bit pixels as OB, which dcm2pnm does not read: OW, as PS3.5 8.2 has them.
  const dump = join(dir, `${name}.dump`);
  writeFileSync(dump, readFileSync(dump, 'utf8').replace('(7fe0,0010) OB =', '(7fe0,0010) OW ='));
  execFileSync('dump2dcm', [dump, file], { stdio: 'pipe' });
  return file;
}

/** dcm2pnm's 8-bit gray output with the given options. */
function dcmtk(file: string, options: string[]): number[] {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.pgm`);
  execFileSync('dcm2pnm', [...options, file, out], { stdio: 'pipe' });
  const bytes = readFileSync(out);
  const m = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(bytes.subarray(0, 40).toString('latin1'))!;
  expect([Number(m[1]), Number(m[2]), Number(m[3])]).toEqual([COLUMNS, ROWS, 255]);
  return Array.from(bytes.subarray(m[0].length));
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  expect(a.length).toBe(b.length);
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
};
const grays = (a: ArrayLike<number>) => new Set(Array.from(a)).size;

describe('32-bit stored values far above 2^24 with a narrow spread', () => {
  for (const [label, opts] of [
    ['unsigned 2^30 .. 2^30 + 4000', { spread: 4000 }],
    ['signed 2^30 .. 2^30 + 4000', { spread: 4000, signed: true }],
    ['signed -2^31 + 10 .. + 40 (a spread below one float step)', { spread: 30, signed: true, base: -(2 ** 31) + 10 }],
    ['unsigned 2^32 - 3000 .. 2^32 - 1', { spread: 2998, base: 2 ** 32 - 3000 }],
  ] as const) {
    it(`renders ${label} as dcm2pnm does over its full range, not as a flat image`, async () => {
      const file = write(label.replace(/[^a-z0-9]+/gi, '-'), opts);
      const parsed = await parseDicomFile(file);
      const image = await renderFrame(parsed, 0);
      const reference = dcmtk(file, ['+Wm']);
      expect(grays(reference)).toBeGreaterThan(Math.min(opts.spread, COLUMNS) / 2);
      expect(maxDiff(image.data, reference)).toBeLessThanOrEqual(1);
      // The window it reports is in the file's own values (the full range), not relative ones.
      const lo = opts.base ?? BASE;
      expect(image.window!.center).toBeCloseTo(lo + (opts.spread + 1 + 1) / 2, 6);
    });
  }

  it('windows them as dcm2pnm does with the file window and with a window asked for', async () => {
    const center = BASE + 1500;
    const file = write('file-window', { spread: 4000, lines: [`(0028,1050) DS [${center}]`, '(0028,1051) DS [1000]'] });
    const parsed = await parseDicomFile(file);
    const own = await renderFrame(parsed, 0);
    expect(maxDiff(own.data, dcmtk(file, ['+Wi', '1']))).toBeLessThanOrEqual(1);
    expect(grays(own.data)).toBeGreaterThan(10);
    const asked = await renderFrame(parsed, 0, { window: { center: BASE + 3000, width: 2001 } });
    expect(maxDiff(asked.data, dcmtk(file, ['+Ww', String(BASE + 3000), '2001']))).toBeLessThanOrEqual(1);
  });

  it('keeps every gray of an ordinary 32-bit image (values below 2^24) as before', async () => {
    const file = write('ordinary', { spread: 4000, base: 1000 });
    const image = await renderFrame(await parseDicomFile(file), 0);
    expect(maxDiff(image.data, dcmtk(file, ['+Wm']))).toBeLessThanOrEqual(1);
    expect(image.window).toEqual({ center: 1000 + (4001 + 1) / 2, width: 4002 });
  });
});
