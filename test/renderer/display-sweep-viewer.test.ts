// The viewer shows every file of the display conformance sweep (test/dicom/display-sweep-fixtures.ts)
// as `lumen render`, thumbnails and the model input show it (renderFrame, itself held to dcm2pnm in
// test/dicom/display-sweep.test.ts): the engine's frame for the viewer, its values as image.ts makes
// them, the first window the viewer picks (defaultWindow) and its windowInto, gray for gray.
import { describe, expect, it } from 'vitest';
import type { ViewerFrame } from '../../common/contract/library';
import { parseDicomFile } from '../../electron/dicom/parse';
import { viewerFrame } from '../../electron/engine/viewer/frame';
import type { InstanceRecord } from '../../electron/library/types';
import { defaultWindow, windowInto } from '../../renderer/src/viewer/window';
import { lumen, SWEEP_CASES, useSweepDir } from '../dicom/display-sweep-fixtures';

useSweepDir();

const CTORS = { int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array, uint32: Uint32Array } as const;

/** What the viewer draws first for a frame: samples (1 or 3 a pixel) of its RGBA. */
async function viewer(file: string, frame: number): Promise<{ channels: number; data: number[] }> {
  const frames = (await parseDicomFile(file)).meta.numberOfFrames;
  const f: ViewerFrame = await viewerFrame({ path: file, missing: false, frames } as InstanceRecord, frame);
  // As image.ts loadFrame: the Modality LUT for gray, colour samples as they are.
  const bytes = new Uint8Array(f.pixels);
  const stored = new CTORS[f.dtype](bytes.buffer, bytes.byteOffset, bytes.byteLength / CTORS[f.dtype].BYTES_PER_ELEMENT);
  const values = Float32Array.from(stored, (v) => (f.samplesPerPixel === 1 ? v * f.slope + f.intercept : v));
  const w = defaultWindow(f);
  const img = { data: new Uint8ClampedArray(f.rows * f.columns * 4) };
  windowInto(img, { frame: f, values }, w.center, w.width, false, 'file');
  const channels = f.samplesPerPixel === 1 ? 1 : 3;
  const data: number[] = [];
  for (let i = 0; i < f.rows * f.columns; i++) for (let c = 0; c < channels; c++) data.push(img.data[i * 4 + c]);
  return { channels, data };
}

describe('the viewer shows each file of the sweep as the pixel pipeline renders it', () => {
  it.each(SWEEP_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const s = c.make();
    for (const frame of s.frames ?? [0]) {
      const ours = await lumen(s.file, frame);
      const shown = await viewer(s.file, frame);
      expect(shown.channels).toBe(ours.channels);
      expect(shown.data, `frame ${frame + 1}`).toEqual(ours.data);
    }
  });
});
