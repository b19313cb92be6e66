// Pixel Padding Value (0028,0120) and Pixel Padding Range Limit (0028,0121), on files written by
// dcmtk's dump2dcm: padding is in stored-pixel units, before the Modality LUT (PS3.3
// C.7.5.1.1.2), and is left out of the full-range window of a file without one (the engine's
// renderFrame and the viewer's frame range) and out of region statistics (common/roi.ts), as
// the viewer computes them from its values. The padding pixels are still shown.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../electron/dicom/parse';
import { renderFrame } from '../../electron/dicom/pixels';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { regionStatistics } from '../../electron/results/region-stats';
import { ViewerFrame } from '../../common/contract/library';
import { regionStats } from '../../common/roi';
import { fullRangeWindow } from '../../common/voi';

const ROWS = 24;
const COLUMNS = 32;
/** A 4-pixel frame of padding around a collimated field. */
const BORDER = 4;
const inField = (i: number) => {
  const r = Math.floor(i / COLUMNS);
  const c = i % COLUMNS;
  return r >= BORDER && r < ROWS - BORDER && c >= BORDER && c < COLUMNS - BORDER;
};

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-padding-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Made {
  file: string;
  /** The stored values as written. */
  stored: number[];
}

/** A 16-bit grey CR by dump2dcm: `field(i)` inside, `pad(i)` around it, with `lines` added. */
function write(name: string, signed: boolean, field: (i: number) => number, pad: (i: number) => number, lines: string[]): Made {
  const stored = Array.from({ length: ROWS * COLUMNS }, (_, i) => (inField(i) ? field(i) : pad(i)));
  const raw = join(dir, `${name}.raw`);
  const b = Buffer.alloc(stored.length * 2);
  stored.forEach((v, i) => (signed ? b.writeInt16LE(v, i * 2) : b.writeUInt16LE(v, i * 2)));
  writeFileSync(raw, b);
  const uid = `1.2.826.0.1.3680043.10.89.${name.length}.${Date.now()}`;
  const dump = join(dir, `${name}.dump`);
  writeFileSync(dump, [
    '(0002,0002) UI =ComputedRadiographyImageStorage',
    `(0002,0003) UI [${uid}]`,
    '(0002,0010) UI =LittleEndianExplicit',
    '(0008,0016) UI =ComputedRadiographyImageStorage',
    `(0008,0018) UI [${uid}]`,
    '(0008,0060) CS [CR]',
    '(0028,0002) US 1',
    '(0028,0004) CS [MONOCHROME2]',
    `(0028,0010) US ${ROWS}`,
    `(0028,0011) US ${COLUMNS}`,
    '(0028,0100) US 16',
    '(0028,0101) US 16',
    '(0028,0102) US 15',
    `(0028,0103) US ${signed ? 1 : 0}`,
    ...lines,
    `(7fe0,0010) OW =${raw}`,
  ].join('\n') + '\n');
  const file = join(dir, `${name}.dcm`);
  execFileSync('dump2dcm', [dump, file], { stdio: 'pipe' });
  return { file, stored };
}

/** Min and max of the field's stored values, rescaled. */
function fieldRange(m: Made, slope = 1, intercept = 0): [number, number] {
  const v = m.stored.filter((_, i) => inField(i)).map((s) => s * slope + intercept);
  return [Math.min(...v), Math.max(...v)];
}

/** The viewer's frame and its values as the renderer makes them (renderer/src/viewer/image.ts). */
async function viewer(m: Made) {
  const frame = ViewerFrame.parse(await viewerFrameOf(await parseDicomFile(m.file), 0));
  const bytes = frame.pixels;
  const stored = frame.dtype === 'int16' ? new Int16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2) : new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 2);
  const values = Float32Array.from(stored, (s) => s * frame.slope + frame.intercept);
  return { frame, values };
}

const field = (i: number) => 1000 + ((i * 37) % 2000);

describe('Pixel Padding Value', () => {
  it('is left out of the full-range window, compared as a stored value before the rescale', async () => {
    // Padding 0 stored; the rescale maps it to -100, a value no stored pixel's rescale equals 0 at.
    const m = write('padding-rescaled', false, field, () => 0, ['(0028,0120) US 0', '(0028,1052) DS [-100]', '(0028,1053) DS [2]']);
    const parsed = await parseDicomFile(m.file);
    expect(parsed.meta.padding).toEqual([0, 0]);
    const [lo, hi] = fieldRange(m, 2, -100);
    const { frame } = await viewer(m);
    expect(frame.range).toEqual([lo, hi]);
    expect(frame.padding).toEqual([0, 0]);
    const rendered = await renderFrame(parsed, 0);
    expect(rendered.window).toEqual(fullRangeWindow(lo, hi));
    // The padding is still shown: black below the window, as any value under it.
    expect(rendered.data[0]).toBe(0);
    // Without the element the same pixels set the window's bottom (what happened before).
    const unpadded = write('no-padding-element', false, field, () => 0, ['(0028,1052) DS [-100]', '(0028,1053) DS [2]']);
    expect((await viewer(unpadded)).frame.range).toEqual([-100, hi]);
  });

  it('spans Pixel Padding Range Limit, either side of the value', async () => {
    // Scanner padding from 4090 down to 4000 (the limit below the value), above a field of 1000..2999.
    const m = write('padding-range', false, field, (i) => 4000 + (i % 91), ['(0028,0120) US 4090', '(0028,0121) US 4000']);
    const { frame, values } = await viewer(m);
    expect(frame.padding).toEqual([4000, 4090]);
    expect(frame.range).toEqual(fieldRange(m));
    // The whole image as a region: the field's pixels only, padding counted apart.
    const s = regionStats('rectangle', [0, 0], [COLUMNS, ROWS], { rows: ROWS, columns: COLUMNS, values, paddingMask: frame.paddingMask }, null);
    const inside = m.stored.filter((_, i) => inField(i));
    expect(s?.pixels).toBe(inside.length);
    expect(s?.padding).toBe(ROWS * COLUMNS - inside.length);
    expect(s?.mean).toBeCloseTo(inside.reduce((a, b) => a + b, 0) / inside.length, 6);
    expect([s?.min, s?.max]).toEqual(fieldRange(m));
    // The measurements SR's statistics, read again from the file, are the viewer's.
    const uid = (await parseDicomFile(m.file)).meta.sopInstanceUid;
    const measurement = { id: 'm-pad', kind: 'rectangle', studyInstanceUid: null, seriesInstanceUid: '1.2', sopInstanceUid: uid, sopClassUid: null, frame: 0, points: [[0, 0], [COLUMNS, ROWS]] as [number, number][], pixelSpacing: null, author: null, createdAt: 'now' };
    const image = { sopInstanceUid: uid, seriesInstanceUid: '1.2', studyInstanceUid: '1', sopClassUid: null, frames: 1, path: m.file, missing: false, hasPixelData: true, seriesNumber: null };
    const exported = (await regionStatistics([measurement], [image])).get('m-pad');
    expect(exported).toEqual({ mean: s?.mean, sd: s?.sd, min: s?.min, max: s?.max, unit: null });
    // A region all padding has no statistics.
    expect(regionStats('rectangle', [0, 0], [3, 3], { rows: ROWS, columns: COLUMNS, values, paddingMask: frame.paddingMask }, null)).toBeNull();
  });

  it('is read as a signed value where Pixel Representation is 1', async () => {
    const m = write('padding-signed', true, (i) => -1000 + ((i * 37) % 2000), () => -2000, ['(0028,0120) SS -2000', '(0028,1052) DS [-1024]', '(0028,1053) DS [1]']);
    const { frame, values } = await viewer(m);
    expect(frame.padding).toEqual([-2000, -2000]);
    expect(frame.range).toEqual(fieldRange(m, 1, -1024));
    const s = regionStats('ellipse', [0, 0], [COLUMNS, ROWS], { rows: ROWS, columns: COLUMNS, values, paddingMask: frame.paddingMask }, null);
    expect(s?.min).toBeGreaterThan(-2000 - 1024);
    expect(s?.padding).toBeGreaterThan(0);
  });

  it('leaves a file whose every pixel is padding with its whole range', async () => {
    const m = write('all-padding', false, () => 0, () => 0, ['(0028,0120) US 0']);
    expect((await viewer(m)).frame.range).toEqual([0, 0]);
  });
});
