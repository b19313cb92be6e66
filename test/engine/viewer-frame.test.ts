// viewer.frame's pixels: stored values with the LUT parameters for gray and
// RGB images, and PALETTE COLOR as the RGB its palette gives (its stored
// values are indices, which the renderer would otherwise window as gray).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerFrame } from '../../common/contract/library';
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

const instance = (path: string) => ({ path, missing: false, sopInstanceUid: 'x' }) as unknown as InstanceRecord;

describe('viewerFrame', () => {
  it.each(['palette-explicit', 'palette8-explicit', 'palette-implicit', 'palette-bigendian'])('sends %s as the RGB of its palette', async (name) => {
    const f = await viewerFrame(instance(fixtures[name].file), 0);
    expect(ViewerFrame.parse(f)).toBeTruthy();
    expect(f).toMatchObject({ samplesPerPixel: 3, dtype: 'uint8', photometric: 'RGB', slope: 1, intercept: 0, windows: [] });
    const rgb = Buffer.from(f.pixels, 'base64');
    const indices = phantoms.palette.frames[0];
    expect(rgb.length).toBe(indices.length * 3);
    indices.forEach((index, i) => expect(Array.from(rgb.subarray(i * 3, i * 3 + 3)), `pixel ${i}`).toEqual(paletteRgb(index)));
  });

  it('sends gray images as stored values with the Modality LUT and the windows', async () => {
    const f = await viewerFrame(instance(fixtures['ct16-explicit'].file), 0);
    expect(f).toMatchObject({ samplesPerPixel: 1, dtype: 'int16', photometric: 'MONOCHROME2', slope: 1, intercept: -1024 });
    const stored = new Int16Array(new Uint8Array(Buffer.from(f.pixels, 'base64')).buffer);
    expect(Array.from(stored)).toEqual(phantoms.ct16.frames[0]);
    expect(f.windows[0]).toMatchObject({ center: 40, width: 400 });
  });
});
