// Display as the standard says (issue #16, point 3), against dcmtk's rendering: files made by
// dump2dcm with several windows and their explanations, VOI LUT Functions, VOI LUT and
// Modality LUT Sequences, Presentation LUT Shape and MONOCHROME1 (mammography, CR, DX), each
// rendered by Lumen's one pixel pipeline (what thumbnails, training and prediction see) and by
// dcm2pnm with the matching options; gray values agree within one step.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../electron/dicom/parse';
import { renderFrame, voiWindows, type RenderOptions } from '../../electron/dicom/pixels';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-display-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROWS = 24;
const COLUMNS = 32;

/** 12-bit stored values: a ramp over the whole range with some texture. */
function pixels(): Buffer {
  const b = Buffer.alloc(ROWS * COLUMNS * 2);
  for (let i = 0; i < ROWS * COLUMNS; i++) b.writeUInt16LE(Math.min(4095, Math.floor((i / (ROWS * COLUMNS)) * 4096) + ((i * 37) % 23)), i * 2);
  return b;
}

/** A LUT sequence item (dump2dcm syntax) with its data from a file of 16-bit entries. */
function lutItem(name: string, entries: number[], first: number, bits: number, explanation: string): string[] {
  const data = join(dir, `${name}.lut`);
  const b = Buffer.alloc(entries.length * 2);
  entries.forEach((v, i) => b.writeUInt16LE(v, i * 2));
  writeFileSync(data, b);
  return [
    '(fffe,e000) na (Item with undefined length)',
    `(0028,3002) US ${entries.length}\\${first}\\${bits}`,
    `(0028,3003) LO [${explanation}]`,
    `(0028,3006) OW =${data}`,
    '(fffe,e00d) na (ItemDelimitationItem)',
  ];
}

function sequence(tag: string, items: string[][]): string[] {
  return [`(${tag}) SQ (Sequence with undefined length)`, ...items.flat(), '(fffe,e0dd) na (SequenceDelimitationItem)'];
}

/** A 12-bit grey image written by dump2dcm, with `lines` added. */
function write(name: string, modality: string, photometric: string, lines: string[]): string {
  const raw = join(dir, `${name}.raw`);
  writeFileSync(raw, pixels());
  const dump = join(dir, `${name}.dump`);
  writeFileSync(dump, [
    '(0002,0002) UI =DigitalXRayImageStorageForPresentation',
    `(0002,0003) UI [1.2.826.0.1.3680043.10.88.${name.length}.${Date.now()}]`,
    '(0002,0010) UI =LittleEndianExplicit',
    '(0008,0016) UI =DigitalXRayImageStorageForPresentation',
    `(0008,0018) UI [1.2.826.0.1.3680043.10.88.${name.length}.${Date.now()}]`,
    `(0008,0060) CS [${modality}]`,
    '(0028,0002) US 1',
    `(0028,0004) CS [${photometric}]`,
    `(0028,0010) US ${ROWS}`,
    `(0028,0011) US ${COLUMNS}`,
    '(0028,0100) US 16',
    '(0028,0101) US 12',
    '(0028,0102) US 11',
    '(0028,0103) US 0',
    ...lines,
    `(7fe0,0010) OW =${raw}`,
  ].join('\n') + '\n');
  const file = join(dir, `${name}.dcm`);
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

async function lumen(file: string, opts: RenderOptions = {}): Promise<number[]> {
  return Array.from((await renderFrame(await parseDicomFile(file), 0, opts)).data);
}

function maxDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

describe('windows from the file, with their explanations, against dcm2pnm +Wi n', () => {
  it('two windows: offered by their explanations, each rendered as dcmtk renders it', async () => {
    const file = write('two-windows', 'CT', 'MONOCHROME2', ['(0028,1050) DS [1000\\3000]', '(0028,1051) DS [800\\2000]', '(0028,1055) LO [SOFT TISSUE\\BONE]']);
    const parsed = await parseDicomFile(file);
    const windows = voiWindows(parsed.meta).filter((w) => w.id.startsWith('file-'));
    expect(windows.map((w) => [w.name, w.center, w.width])).toEqual([['SOFT TISSUE', 1000, 800], ['BONE', 3000, 2000]]);
    expect(maxDiff(await lumen(file), dcmtk(file, ['+Wi', '1']))).toBeLessThanOrEqual(1);
    expect(maxDiff(await lumen(file, { window: windows[1] }), dcmtk(file, ['+Wi', '2']))).toBeLessThanOrEqual(1);
  });

  it('VOI LUT Function SIGMOID (mammography)', async () => {
    const file = write('sigmoid', 'MG', 'MONOCHROME2', ['(0028,1050) DS [2000]', '(0028,1051) DS [3000]', '(0028,1056) CS [SIGMOID]']);
    const ours = await lumen(file);
    expect(maxDiff(ours, dcmtk(file, ['+Wi', '1']))).toBeLessThanOrEqual(1);
    // Not LINEAR: the darkest values are not clipped to 0.
    expect(ours[0]).toBeGreaterThan(10);
  });

  it('VOI LUT Function LINEAR_EXACT (dcmtk 3.6.7 reads it as LINEAR, a fraction of a step apart at this width)', async () => {
    const file = write('linear-exact', 'DX', 'MONOCHROME2', ['(0028,1050) DS [2000]', '(0028,1051) DS [3000]', '(0028,1056) CS [LINEAR_EXACT]']);
    expect(maxDiff(await lumen(file), dcmtk(file, ['+Wi', '1']))).toBeLessThanOrEqual(1);
  });
});

describe('MONOCHROME1 and Presentation LUT Shape (CR, DX), against dcm2pnm', () => {
  it.each([
    ['MONOCHROME1', '', true],
    ['MONOCHROME2', 'INVERSE', true],
    ['MONOCHROME1', 'INVERSE', true],
    ['MONOCHROME1', 'IDENTITY', false],
    ['MONOCHROME2', 'IDENTITY', false],
  ] as const)('%s with shape "%s": inverted %s', async (photometric, shape, inverted) => {
    const file = write(`shape-${photometric}-${shape || 'none'}`, 'DX', photometric, ['(0028,1050) DS [2000]', '(0028,1051) DS [3000]', ...(shape ? [`(2050,0020) CS [${shape}]`] : [])]);
    const ours = await lumen(file);
    expect(maxDiff(ours, dcmtk(file, ['+Wi', '1']))).toBeLessThanOrEqual(1);
    // The ramp starts dark unless inverted.
    expect(ours[0]).toBe(inverted ? 255 : 0);
  });
});

describe('LUT sequences, against dcm2pnm', () => {
  /** A gamma-like curve of `n` entries over 0 .. 2^bits - 1. */
  const curve = (n: number, bits: number, gamma: number) => Array.from({ length: n }, (_, i) => Math.round((i / (n - 1)) ** gamma * (2 ** bits - 1)));

  it('VOI LUT Sequence (CR, MONOCHROME1): the file\'s table where it has no window, as +Wl 1', async () => {
    const file = write('voi-lut', 'CR', 'MONOCHROME1', sequence('0028,3010', [lutItem('voi', curve(4096, 12, 0.5), 0, 12, 'GAMMA 0.5')]));
    const ours = await lumen(file);
    expect(maxDiff(ours, dcmtk(file, ['+Wl', '1']))).toBeLessThanOrEqual(1);
    expect(maxDiff(await lumen(file, { voiLut: 0 }), ours)).toBe(0);
  });

  it('VOI LUT Sequence with two tables and a first value above 0: the second, as +Wl 2', async () => {
    const file = write('voi-luts', 'DX', 'MONOCHROME2', sequence('0028,3010', [lutItem('voi-a', curve(2048, 8, 1), 1024, 8, 'LINEAR'), lutItem('voi-b', curve(3000, 10, 2), 500, 10, 'GAMMA 2')]));
    expect(maxDiff(await lumen(file, { voiLut: 1 }), dcmtk(file, ['+Wl', '2']))).toBeLessThanOrEqual(1);
    expect(maxDiff(await lumen(file, { voiLut: 0 }), dcmtk(file, ['+Wl', '1']))).toBeLessThanOrEqual(1);
  });

  it('Modality LUT Sequence (DX) then the file\'s window, as +Wi 1 (dcmtk applies the modality LUT by default)', async () => {
    const file = write('modality-lut', 'DX', 'MONOCHROME2', [...sequence('0028,3000', [lutItem('modality', curve(4096, 16, 0.7), 0, 16, 'LOG')]), '(0028,1050) DS [30000]', '(0028,1051) DS [40000]']);
    const ours = await lumen(file);
    expect(maxDiff(ours, dcmtk(file, ['+Wi', '1']))).toBeLessThanOrEqual(1);
    // The window is in the table's output units: read as stored values (0..4095) it would be all black.
    expect(Math.max(...ours)).toBeGreaterThan(200);
  });

  it('Modality LUT Sequence and VOI LUT Sequence together, as +Wl 1', async () => {
    const file = write('both-luts', 'CR', 'MONOCHROME2', [
      ...sequence('0028,3000', [lutItem('modality2', curve(4096, 14, 1.5), 0, 14, 'CURVE')]),
      ...sequence('0028,3010', [lutItem('voi2', curve(16384, 12, 0.6), 0, 12, 'GAMMA 0.6')]),
    ]);
    expect(maxDiff(await lumen(file), dcmtk(file, ['+Wl', '1']))).toBeLessThanOrEqual(1);
  });
});
