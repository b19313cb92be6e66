// Display as the standard says (issue #16, point 3), against dcmtk's rendering: files made by
// dump2dcm with several windows and their explanations, VOI LUT Functions, VOI LUT and
// Modality LUT Sequences, Presentation LUT Shape and MONOCHROME1 (mammography, CR, DX), each
// rendered by Lumen's one pixel pipeline (what thumbnails, training and prediction see) and by
// dcm2pnm with the matching options; gray values agree within one step.
import { describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../electron/dicom/parse';
import { voiWindows } from '../../electron/dicom/pixels';
import { dcmtk, lumen, lutItem, maxDiff, sequence, useDisplayDir, write } from './display-fixtures';

useDisplayDir();

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
