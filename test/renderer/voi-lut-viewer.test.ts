// The viewer shows what the pixel pipeline renders for files with VOI LUT tables, a
// Modality LUT table and Presentation LUT Shape: the engine's frame for the viewer, its values
// as the renderer makes them, and the viewer's windowInto, against renderFrame and dcm2pnm.
import { describe, expect, it } from 'vitest';
import { viewerFrame } from '../../electron/engine/viewer/frame';
import type { InstanceRecord } from '../../electron/library/types';
import { windowInto } from '../../renderer/src/viewer/window';
import { dcmtk, lumen, lutItem, maxDiff, sequence, useDisplayDir, write } from '../dicom/display-fixtures';

useDisplayDir();

describe('the viewer shows what the pipeline renders', () => {
  /** The viewer's grays for a preset: the engine's frame for the viewer, its values as image.ts makes them, windowInto. */
  async function viewer(file: string, preset: string): Promise<number[]> {
    const f = await viewerFrame({ path: file, missing: false, frames: 1 } as InstanceRecord, 0);
    const raw = f.pixels;
    const typed = f.dtype === 'int32' ? new Int32Array(raw.buffer, raw.byteOffset, raw.length / 4) : new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2);
    const values = Float32Array.from(typed, (v) => v * f.slope + f.intercept);
    const own = f.windows.find((w) => w.id.startsWith('file-')) ?? { center: (f.range[0] + f.range[1] + 1) / 2, width: f.range[1] - f.range[0] + 1 };
    const w = preset === 'file' ? own : f.windows.find((x) => x.id === preset)!;
    const img = { data: new Uint8ClampedArray(f.rows * f.columns * 4) };
    windowInto(img, { frame: f, values }, w.center, w.width, false, preset);
    return Array.from({ length: f.rows * f.columns }, (_, i) => img.data[i * 4]);
  }

  it('VOI LUT tables: offered as presets by their explanations, drawn as the engine and dcm2pnm draw them', async () => {
    const curve = (n: number, bits: number, gamma: number) => Array.from({ length: n }, (_, i) => Math.round((i / (n - 1)) ** gamma * (2 ** bits - 1)));
    const file = write('viewer-luts', 'CR', 'MONOCHROME1', sequence('0028,3010', [lutItem('v-a', curve(4096, 12, 0.5), 0, 12, 'GAMMA 0.5'), lutItem('v-b', curve(3000, 10, 2), 500, 10, 'GAMMA 2')]));
    const f = await viewerFrame({ path: file, missing: false, frames: 1 } as InstanceRecord, 0);
    expect(f.windows.filter((w) => w.id.startsWith('lut-')).map((w) => w.name)).toEqual(['GAMMA 0.5', 'GAMMA 2']);
    // "file" shows the first table, as the pipeline renders a file with tables and no window.
    expect(await viewer(file, 'file')).toEqual(await lumen(file));
    expect(await viewer(file, 'lut-2')).toEqual(await lumen(file, { voiLut: 1 }));
    expect(maxDiff(await viewer(file, 'lut-2'), dcmtk(file, ['+Wl', '2']))).toBeLessThanOrEqual(1);
  });

  it('a Modality LUT table and Presentation LUT Shape INVERSE: the viewer\'s window is the pipeline\'s', async () => {
    const curve = Array.from({ length: 4096 }, (_, i) => Math.round((i / 4095) ** 0.7 * 65535));
    const file = write('viewer-modality', 'DX', 'MONOCHROME2', [...sequence('0028,3000', [lutItem('v-m', curve, 0, 16, 'LOG')]), '(0028,1050) DS [30000]', '(0028,1051) DS [40000]', '(2050,0020) CS [INVERSE]']);
    expect(await viewer(file, 'file')).toEqual(await lumen(file));
    expect(maxDiff(await viewer(file, 'file'), dcmtk(file, ['+Wi', '1']))).toBeLessThanOrEqual(1);
  });
});
