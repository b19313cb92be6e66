// viewer.frame's pixels: stored values with the LUT parameters for gray and
// RGB images, and PALETTE COLOR as the RGB its palette gives (its stored
// values are indices, which the renderer would otherwise window as gray).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerFrame } from '../../common/contract/library';
import { parseDicomFile } from '../../electron/dicom/parse';
import { modalityLut } from '../../electron/dicom/pixels';
import { writeImage } from '../support/dicom/write';
import { viewerFrame } from '../../electron/engine/viewer/frame';
import type { InstanceRecord } from '../../electron/library/types';
import { makeFixtures, paletteRgb, type Fixture, type Phantom } from '../dicom/fixtures';

let dir: string;
let fixtures: Record<string, Fixture>;
let phantoms: Record<string, Phantom>;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-viewer-frame-'));
  ({ fixtures, phantoms } = makeFixtures(dir));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const instance = (path: string, frames = 1) => ({ path, missing: false, sopInstanceUid: 'x', frames }) as unknown as InstanceRecord;

describe('viewerFrame', () => {
  it.each(['palette-explicit', 'palette8-explicit', 'palette-implicit', 'palette-bigendian'])('sends %s as the RGB of its palette', async (name) => {
    const f = await viewerFrame(instance(fixtures[name].file), 0);
    expect(ViewerFrame.parse(f)).toBeTruthy();
    expect(f).toMatchObject({ samplesPerPixel: 3, dtype: 'uint8', photometric: 'RGB', slope: 1, intercept: 0, windows: [] });
    const rgb = f.pixels;
    const indices = phantoms.palette.frames[0];
    expect(rgb.length).toBe(indices.length * 3);
    indices.forEach((index, i) => expect(Array.from(rgb.subarray(i * 3, i * 3 + 3)), `pixel ${i}`).toEqual(paletteRgb(index)));
  });

  it('sends gray images as stored values with the Modality LUT and the windows', async () => {
    const f = await viewerFrame(instance(fixtures['ct16-explicit'].file), 0);
    expect(f).toMatchObject({ samplesPerPixel: 1, dtype: 'int16', photometric: 'MONOCHROME2', slope: 1, intercept: -1024 });
    const stored = new Int16Array(f.pixels.slice().buffer);
    expect(Array.from(stored)).toEqual(phantoms.ct16.frames[0]);
    expect(f.windows[0]).toMatchObject({ center: 40, width: 400 });
    expect(f.unit).toBe('HU');
    expect(f.voiFunction).toBe('LINEAR');
  });

  it('sends an RT dose grid with its Dose Grid Scaling as the slope, in Gy', async () => {
    const file = join(dir, 'rtdose.dcm');
    const stored = Uint16Array.from({ length: 2 * 4 * 4 }, (_, i) => i * 1000);
    writeImage(file, {
      rows: 4,
      columns: 4,
      frames: 2,
      bitsAllocated: 16,
      modality: 'RTDOSE',
      pixelBytes: new Uint8Array(stored.buffer),
      extra: { 0x30040002: { vr: 'CS', value: 'GY' }, 0x3004000e: { vr: 'DS', value: 0.0025 } },
    });
    const f = await viewerFrame(instance(file, 2), 1);
    expect(ViewerFrame.parse(f)).toBeTruthy();
    expect(f).toMatchObject({ slope: 0.0025, intercept: 0, unit: 'Gy', voiFunction: 'LINEAR_EXACT' });
    // Frame 2 holds stored 16000..31000: 40 to 77.5 Gy.
    expect(f.range[0]).toBeCloseTo(40);
    expect(f.range[1]).toBeCloseTo(77.5);
    // Thumbnails and model inputs go through the same Modality LUT.
    const { meta } = await parseDicomFile(file);
    expect(Array.from(modalityLut({ pixels: Uint16Array.of(0, 4000) }, meta))).toEqual([0, 10]);
  });
});
