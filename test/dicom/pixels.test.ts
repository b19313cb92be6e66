import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../electron/dicom/parse';
import { applyWindow, encodePng, fullRangeWindow, modalityLut, modelInput, renderDecoded, renderFrame, VOI_PRESETS, voiFunction, voiWindows, type RenderedImage } from '../../electron/dicom/pixels';
import type { DecodedFrame, PixelArray } from '../../electron/dicom/decode';
import type { InstanceMeta, ParsedDicom } from '../../electron/dicom/parse';
import { rng } from './fixtures';
import { makeFixtures, paletteRgb } from './fixtures';
import { tempFolderForTests } from '../support/temp-folder';

const run = promisify(execFile);
const made = tempFolderForTests('pixels', makeFixtures);

describe('modality LUT and VOI window', () => {
  it('rescale: stored x slope + intercept', () => {
    const out = modalityLut({ pixels: Int16Array.from([-1000, 0, 7, 3000]) }, { rescaleSlope: 2.5, rescaleIntercept: -1024 });
    expect(Array.from(out)).toEqual([-3524, -1024, -1006.5, 6476]);
  });

  it('linear window follows PS3.3 C.11.2.1.2.1 on known values', () => {
    // c=40, w=400: below c-0.5-(w-1)/2 = -160 -> 0; above c-0.5+(w-1)/2 = 239 -> 255;
    // inside ((x - 39.5)/399 + 0.5) * 255.
    const x = Float32Array.from([-1000, -160, -159, 39.5, 40, 100, 239, 239.5, 3000]);
    const expected = [0, 0, Math.round(((-159 - 39.5) / 399 + 0.5) * 255), 128, Math.round((0.5 / 399 + 0.5) * 255), Math.round(((100 - 39.5) / 399 + 0.5) * 255), 255, 255, 255];
    expect(Array.from(applyWindow(x, 40, 400, false))).toEqual(expected);
    expect(Array.from(applyWindow(x, 40, 400, true))).toEqual(expected.map((v) => 255 - v));
  });

  it('LINEAR_EXACT (C.11.2.1.3.2) windows continuous values such as Gy without one-unit offsets', () => {
    // c=1, w=0.5: below 0.75 -> 0, above 1.25 -> 255, inside ((x - 1) / 0.5 + 0.5) * 255.
    const x = Float32Array.from([0, 0.75, 0.875, 1, 1.25, 1.3]);
    expect(Array.from(applyWindow(x, 1, 0.5, false, 'LINEAR_EXACT'))).toEqual([0, 0, 64, 128, 255, 255]);
    expect(voiFunction({ modality: 'RTDOSE', doseGridScaling: 0.001 })).toBe('LINEAR_EXACT');
    expect(voiFunction({ modality: 'CT' })).toBe('LINEAR');
    expect(voiFunction({ modality: 'MR', voiLutFunction: 'LINEAR_EXACT' })).toBe('LINEAR_EXACT');
    expect(fullRangeWindow(20, 50, 'LINEAR_EXACT')).toEqual({ center: 35, width: 30 });
    expect(fullRangeWindow(-1024, 3071)).toEqual({ center: 1024, width: 4096 });
  });

  it('width 1 is a threshold at the centre', () => {
    expect(Array.from(applyWindow(Float32Array.from([9, 9.5, 10, 11]), 10, 1, false))).toEqual([0, 0, 255, 255]);
  });

  it('presets for CT and the file\'s own windows first', async () => {
    const ids = VOI_PRESETS.CT.map((p) => p.id);
    for (const id of ['ct-brain', 'ct-subdural', 'ct-lung', 'ct-mediastinum', 'ct-abdomen', 'ct-liver', 'ct-bone']) expect(ids).toContain(id);
    expect(VOI_PRESETS.CT.find((p) => p.id === 'ct-lung')).toMatchObject({ center: -600, width: 1500 });
    const parsed = await parseDicomFile(made.fixtures['ct16-explicit'].file);
    const windows = voiWindows(parsed.meta);
    expect(windows.slice(0, 2).map((w) => [w.center, w.width])).toEqual([[40, 400], [500, 2000]]);
    expect(windows.length).toBe(2 + VOI_PRESETS.CT.length);
  });
});

describe('renderFrame', () => {
  it('CT: the file window applied to rescaled values', async () => {
    const parsed = await parseDicomFile(made.fixtures['ct16-rle'].file);
    const img = await renderFrame(parsed, 0);
    expect(img.window).toEqual({ center: 40, width: 400 });
    const stored = made.phantoms.ct16.frames[0];
    // Independent computation of the DICOM formula with intercept -1024.
    const expected = stored.map((v) => {
      const x = v - 1024;
      if (x <= 40 - 0.5 - 199.5) return 0;
      if (x > 40 - 0.5 + 199.5) return 255;
      return Math.round(((x - 39.5) / 399 + 0.5) * 255);
    });
    expect(Array.from(img.data)).toEqual(expected);
    const lung = await renderFrame(parsed, 0, { window: { center: -600, width: 1500 } });
    expect(lung.window).toEqual({ center: -600, width: 1500 });
  });

  it('MONOCHROME1 is shown inverted', async () => {
    const m1 = await renderFrame(await parseDicomFile(made.fixtures['mono1-explicit'].file), 0, { window: { center: 128, width: 256 } });
    const m2 = await renderFrame(await parseDicomFile(made.fixtures['mono8-explicit'].file), 0, { window: { center: 128, width: 256 } });
    expect(Array.from(m2.data)).toEqual(made.phantoms.mono8.frames[0]);
    expect(Array.from(m1.data)).toEqual(made.phantoms.mono8.frames[0].map((v) => 255 - v));
  });

  it('PALETTE COLOR through its 16-bit (every byte order) and 8-bit LUTs', async () => {
    for (const name of ['palette-explicit', 'palette-bigendian', 'palette-implicit', 'palette-deflated', 'palette8-explicit']) {
      const img = await renderFrame(await parseDicomFile(made.fixtures[name].file), 0);
      expect(img.channels).toBe(3);
      expect(Array.from(img.data)).toEqual(made.phantoms.palette.frames[0].flatMap((i) => paletteRgb(i)));
    }
  });

  it('RGB planar configuration 1 comes out interleaved', async () => {
    const img = await renderFrame(await parseDicomFile(made.fixtures['rgb-planar'].file), 0);
    expect(img.channels).toBe(3);
    expect(Array.from(img.data)).toEqual(made.phantoms.rgb.frames[0]);
  });
});

describe('modelInput', () => {
  it('letterboxes a wide image, keeps aspect, normalises per channel', () => {
    // 2 rows x 4 columns gray, to 4x4: scale 1, rows 1..2 hold the image, rows 0 and 3 are padding.
    const img = { rows: 2, columns: 4, channels: 1 as const, data: Uint8Array.from([0, 50, 100, 150, 200, 250, 255, 10]) };
    const norm = { scale: 1 / 255, mean: [0.485, 0.456, 0.406] as [number, number, number], std: [0.229, 0.224, 0.225] as [number, number, number] };
    const out = modelInput(img, 4, norm);
    expect(out.length).toBe(4 * 4 * 3);
    const at = (y: number, x: number, c: number) => out[(y * 4 + x) * 3 + c];
    for (let c = 0; c < 3; c++) {
      expect(at(0, 0, c)).toBeCloseTo(-norm.mean[c] / norm.std[c], 5);
      expect(at(3, 3, c)).toBeCloseTo(-norm.mean[c] / norm.std[c], 5);
      expect(at(1, 1, c)).toBeCloseTo((50 / 255 - norm.mean[c]) / norm.std[c], 5);
      expect(at(2, 2, c)).toBeCloseTo((255 / 255 - norm.mean[c]) / norm.std[c], 5);
    }
  });

  it('a tall RGB image is padded left and right and downscaled', () => {
    const img = { rows: 4, columns: 2, channels: 3 as const, data: new Uint8Array(4 * 2 * 3).fill(200) };
    const out = modelInput(img, 2, { scale: 1, mean: [0, 0, 0], std: [1, 1, 1] });
    // 4x2 -> 2x1, centred at column 0 (floor((2-1)/2) = 0), column 1 padding.
    expect(Array.from(out)).toEqual([200, 200, 200, 0, 0, 0, 200, 200, 200, 0, 0, 0]);
  });

  it("'area' keeps a one-pixel line that 'bilinear' loses when a 512 px slice shrinks to 224", () => {
    const plain = { scale: 1, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
    const size = 512;
    const line = (col: number) => {
      const data = new Uint8Array(size * size).fill(40);
      for (let r = 0; r < size; r++) data[r * size + col] = 240;
      return { rows: size, columns: size, channels: 1 as const, data };
    };
    const rowMax = (out: Float32Array) => Math.max(...Array.from({ length: 224 }, (_, x) => out[(112 * 224 + x) * 3]));
    // Bilinear samples two source columns per target column at (x + 0.5) * 512/224 - 0.5:
    // find a column it never reads.
    const read = new Set<number>();
    for (let x = 0; x < 224; x++) {
      const f = (x + 0.5) * (size / 224) - 0.5;
      read.add(Math.floor(f));
      read.add(Math.floor(f) + 1);
    }
    const skipped = Array.from({ length: size - 2 }, (_, i) => i + 1).find((c) => !read.has(c))!;
    expect(skipped).toBeDefined();
    expect(rowMax(modelInput(line(skipped), 224, plain))).toBeCloseTo(40, 4);
    // Area: the line keeps its share, 1 source column of 512/224 per target pixel, split over
    // at most two target pixels: the brighter one holds at least half of it.
    const area = modelInput(line(skipped), 224, { ...plain, resize: 'area' });
    expect(rowMax(area)).toBeGreaterThan(40 + 200 * (0.5 * 224) / size);
    let excess = 0;
    for (let x = 0; x < 224; x++) excess += area[(112 * 224 + x) * 3] - 40;
    expect(excess).toBeCloseTo((200 * 224) / size, 3);
    // The mean intensity is kept (each target pixel averages its sources, weights sum to 1).
    let sum = 0;
    for (let i = 0; i < 224 * 224; i++) sum += area[i * 3];
    expect(sum / (224 * 224)).toBeCloseTo(40 + 200 / size, 3);
    // Enlarging is bilinear either way.
    const small = { rows: 2, columns: 4, channels: 1 as const, data: Uint8Array.from([0, 50, 100, 150, 200, 250, 255, 10]) };
    expect(Array.from(modelInput(small, 8, { ...plain, resize: 'area' }))).toEqual(Array.from(modelInput(small, 8, plain)));
  });
});

describe('CLI', () => {
  const lumen = (...args: string[]) => run('node', ['bin/lumen.mjs', ...args], { cwd: process.cwd() });

  it('lumen pixels writes stored values and describes them', async () => {
    const out = join(made.dir, 'ct.raw');
    const { stdout } = await lumen('pixels', made.fixtures['ct16-jpegls'].file, '--frame', '0', '--out', out, '--json');
    expect(JSON.parse(stdout)).toEqual({ rows: 40, columns: 48, samplesPerPixel: 1, bitsAllocated: 16, pixelRepresentation: 1, photometricInterpretation: 'MONOCHROME2', dtype: 'int16' });
    const raw = readFileSync(out);
    expect(Array.from({ length: raw.length / 2 }, (_, i) => raw.readInt16LE(i * 2))).toEqual(made.phantoms.ct16.frames[0]);

    const multi = join(made.dir, 'multi.raw');
    await lumen('pixels', made.fixtures['multi-j2k'].file, '--frame', '2', '--out', multi, '--json');
    const m = readFileSync(multi);
    expect(Array.from({ length: m.length / 2 }, (_, i) => m.readUInt16LE(i * 2))).toEqual(made.phantoms.multi.frames[2]);

    const rgb = join(made.dir, 'rgb.raw');
    const r = await lumen('pixels', made.fixtures['rgb-ybrfull'].file, '--out', rgb, '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ samplesPerPixel: 3, photometricInterpretation: 'RGB', dtype: 'uint8' });
  });

  it('lumen render writes the windowed PNG', async () => {
    const out = join(made.dir, 'ct.png');
    await lumen('render', made.fixtures['ct16-explicit'].file, '--frame', '0', '--window', '40,400', '--out', out);
    const png = PNG.sync.read(readFileSync(out));
    expect([png.width, png.height]).toEqual([48, 40]);
    const expected = (await renderFrame(await parseDicomFile(made.fixtures['ct16-explicit'].file), 0, { window: { center: 40, width: 400 } })).data;
    expect(Array.from({ length: 48 * 40 }, (_, i) => png.data[i * 4])).toEqual(Array.from(expected));
    expect(PNG.sync.read(encodePng({ rows: 1, columns: 2, channels: 3, data: Uint8Array.from([1, 2, 3, 4, 5, 6]) })).data.subarray(0, 8)).toEqual(Buffer.from([1, 2, 3, 255, 4, 5, 6, 255]));
  });

  it('bad input: a readable error and exit code, no stack', async () => {
    const bad = join(made.dir, 'bad.dcm');
    (await import('node:fs')).writeFileSync(bad, 'not dicom at all');
    const err = await lumen('pixels', bad, '--out', join(made.dir, 'x.raw'), '--json').catch((e) => e);
    expect(err.code).toBe(1);
    expect(JSON.parse(err.stdout).error).toMatch(/bad\.dcm: not a DICOM file/);
    const frameErr = await lumen('render', made.fixtures['mono8-explicit'].file, '--frame', '5', '--out', join(made.dir, 'x.png')).catch((e) => e);
    expect(frameErr.code).toBe(1);
    // The CLI's words: its flag, counted from 0 (the app's are in test/serve/bridge-frames.test.ts).
    expect(frameErr.stderr).toMatch(/--frame 5 is past the end: .*mono8.* has 1 frame, so --frame goes from 0 to 0\./);
    expect(frameErr.stderr).not.toMatch(/does not exist/);
    // Not numbers as a person writes them: refused, not read as 0 (empty) or as hexadecimal.
    for (const [flag, value] of [['--frame', ''], ['--frame', ' '], ['--frame', '0x1'], ['--window', '0x10,400'], ['--window', '40,']] as const) {
      const odd = await lumen('render', made.fixtures['mono8-explicit'].file, flag, value, '--out', join(made.dir, 'odd.png')).catch((e) => e);
      expect(odd.code, `${flag} "${value}"`).toBe(2);
      expect(odd.stderr).toContain(`(got "${value}")`);
    }
    expect(existsSync(join(made.dir, 'odd.png'))).toBe(false);
    const winErr = await lumen('render', made.fixtures['mono8-explicit'].file, '--window', 'wide', '--out', join(made.dir, 'x.png')).catch((e) => e);
    expect(winErr.code).toBe(2);
    expect(winErr.stderr).toMatch(/--window must be "center,width"/);
  });
});

describe('rendering and area resizing equal their plain definitions, byte for byte', () => {
  // What any faster rewrite of renderDecoded and areaResize must keep: gray rendering is
  // Modality LUT -> (min..max window when none is given) -> VOI window, pixel by pixel.
  function reference(px: PixelArray, slope: number, intercept: number, window: { center: number; width: number } | undefined, invert: boolean): Uint8Array {
    const values = modalityLut({ pixels: px }, { rescaleSlope: slope, rescaleIntercept: intercept });
    if (!window) {
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of values) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      window = { center: (lo + hi + 1) / 2, width: Math.max(1, hi - lo + 1) };
    }
    return applyWindow(values, window.center, window.width, invert);
  }

  it('gray frames of every sample type, rescale and window', () => {
    const random = rng(77);
    const types = [Int8Array, Uint8Array, Int16Array, Uint16Array, Int32Array] as const;
    let cases = 0;
    for (const Type of types) {
      for (const [slope, intercept] of [[1, 0], [2.5, -1024], [-1, 0], [0.3, -7.25], [1e-3, 5], [1, -1024]]) {
        for (const spread of [10, 300, 5000, 70000]) {
          for (const window of [undefined, { center: 40, width: 400 }, { center: -0.3, width: 1 }, { center: 1e4, width: 3e4 }]) {
            for (const invert of [false, true]) {
              const n = 1 + Math.floor(random() * 3000);
              const px = new Type(n);
              for (let i = 0; i < n; i++) px[i] = Math.floor((random() - 0.3) * spread);
              const frame = { rows: 1, columns: n, samplesPerPixel: 1, bitsAllocated: 16, pixelRepresentation: 1, photometricInterpretation: invert ? 'MONOCHROME1' : 'MONOCHROME2', pixels: px } as DecodedFrame;
              const meta = { rescaleSlope: slope, rescaleIntercept: intercept, modality: 'OT', bitsStored: 16 } as InstanceMeta;
              const got = renderDecoded({ meta } as ParsedDicom, frame, { window });
              expect(Buffer.compare(Buffer.from(got.data), Buffer.from(reference(px, slope, intercept, window, invert))), `${Type.name} slope ${slope} spread ${spread}`).toBe(0);
              cases++;
            }
          }
        }
      }
    }
    expect(cases).toBe(5 * 6 * 4 * 4 * 2);
  });

  it('gray frames through a Modality LUT table, the file\'s own window, every VOI function and RT dose scaling', () => {
    // The table path of the Modality LUT, LINEAR_EXACT and SIGMOID, MONOCHROME1 and the file's
    // window all go through renderDecoded's one-table fast path: it must equal the general path.
    const random = rng(79);
    const table = { first: -50, bits: 12, data: Uint16Array.from({ length: 700 }, () => Math.floor(random() * 4096)) };
    let cases = 0;
    for (const Type of [Uint8Array, Int16Array, Uint16Array] as const) {
      for (const meta of [
        { modalityLutTable: table },
        { voiLutFunction: 'LINEAR_EXACT' as const },
        { voiLutFunction: 'SIGMOID' as const },
        { modality: 'RTDOSE', doseGridScaling: 3.1e-4 },
        { windowCenter: [1200.5], windowWidth: [800] },
      ]) {
        for (const window of [undefined, { center: 1000, width: 2400 }, { center: 0.2, width: 0.35 }]) {
          for (const invert of [false, true]) {
            const n = 1 + Math.floor(random() * 4000);
            const px = new Type(n);
            for (let i = 0; i < n; i++) px[i] = Math.floor(random() * 900 - (Type === Int16Array ? 100 : 0));
            const frame = { rows: 1, columns: n, samplesPerPixel: 1, bitsAllocated: 16, pixelRepresentation: 1, photometricInterpretation: invert ? 'MONOCHROME1' : 'MONOCHROME2', pixels: px } as DecodedFrame;
            const full = { rescaleSlope: 1.5, rescaleIntercept: -20, modality: 'OT', bitsStored: 16, ...meta } as InstanceMeta;
            const got = renderDecoded({ meta: full } as ParsedDicom, frame, { window });
            // The general path, written out: Modality LUT to float32 values, then the window (given, the file's, or min..max).
            const values = modalityLut({ pixels: px }, full);
            const own = full.windowCenter ? { center: full.windowCenter[0], width: full.windowWidth![0] } : undefined;
            let w = window ?? own;
            if (!w) {
              let lo = Infinity;
              let hi = -Infinity;
              for (const v of values) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
              }
              w = fullRangeWindow(lo, hi, voiFunction(full));
            }
            const want = applyWindow(values, w.center, w.width, invert, voiFunction(full));
            expect(Buffer.compare(Buffer.from(got.data), Buffer.from(want)), `${Type.name} ${JSON.stringify(Object.keys(meta))} window ${JSON.stringify(window)}`).toBe(0);
            expect(got.window).toEqual(w);
            cases++;
          }
        }
      }
    }
    expect(cases).toBe(3 * 5 * 3 * 2);
  });

  it('area resizing of gray and colour images', () => {
    // The box filter written plainly: per target pixel, the weighted sum of the source pixels under it.
    function plainArea(img: RenderedImage, w: number, h: number): Float32Array {
      const taps = (src: number, dst: number) => {
        const scale = src / dst;
        return Array.from({ length: dst }, (_, t) => {
          const list: [number, number][] = [];
          for (let s = Math.floor(t * scale); s < Math.min(src, Math.ceil((t + 1) * scale)); s++) {
            const wgt = Math.min((t + 1) * scale, s + 1) - Math.max(t * scale, s);
            if (wgt > 1e-9) list.push([s, Math.fround(wgt / scale)]);
          }
          return list;
        });
      };
      const cols = taps(img.columns, w);
      const rows = taps(img.rows, h);
      const ch = img.channels;
      const tmp = new Float32Array(img.rows * w * ch);
      for (let r = 0; r < img.rows; r++) for (let x = 0; x < w; x++) for (let c = 0; c < ch; c++) {
        let acc = 0;
        for (const [s, wgt] of cols[x]) acc += img.data[(r * img.columns + s) * ch + c] * wgt;
        tmp[(r * w + x) * ch + c] = acc;
      }
      const out = new Float32Array(h * w * ch);
      for (let y = 0; y < h; y++) for (const [s, wgt] of rows[y]) for (let i = 0; i < w * ch; i++) out[y * w * ch + i] += tmp[s * w * ch + i] * wgt;
      return out;
    }
    const random = rng(78);
    const norm = { scale: 1, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number], resize: 'area' as const };
    for (const channels of [1, 3] as const) {
      for (const [rows, columns, size] of [[512, 512, 224], [300, 517, 64], [97, 41, 16], [64, 64, 63]]) {
        const data = Uint8Array.from({ length: rows * columns * channels }, () => Math.floor(random() * 256));
        const img = { rows, columns, channels, data };
        const got = modelInput(img, size, norm);
        const scale = size / Math.max(rows, columns);
        const w = Math.max(1, Math.round(columns * scale));
        const h = Math.max(1, Math.round(rows * scale));
        const small = plainArea(img, w, h);
        const x0 = Math.floor((size - w) / 2);
        const y0 = Math.floor((size - h) / 2);
        for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) {
          expect(got[((y0 + y) * size + x0 + x) * 3 + c]).toBe(small[(y * w + x) * channels + (channels === 3 ? c : 0)]);
        }
      }
    }
  });
});
