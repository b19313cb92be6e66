// Lumen's 12-bit libjpeg-turbo build (third_party/libjpeg-turbo with 12-bit
// samples → dist/codecs/libjpeg12.wasm): it is the decoder the decode path
// uses for 12-bit DCT JPEG where it is built, its values are dcmtk's and
// those of jpeg12.ts (the fallback without it), and hostile streams end in a
// clear error or a picture. The other 12-bit tests (second-decoder,
// jpeg-progressive, jpeg-restart, jpeg-limits, conformance-sweep) run through
// it too wherever it is built.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { decodeFrame, encapsulatedFrame } from '../../electron/dicom/decode';
import { jpeg12DecoderName, LibJpeg, loadLibJpeg12 } from '../../electron/dicom/libjpeg';
import { DicomFileError, parseDicomFile, TS } from '../../electron/dicom/parse';
import { encodeJpeg } from '../support/dicom/jpeg-encoder';
import { gradientImage, lumenValues, maxDiff, run, storedValues, writeEncapsulated, writeNative, type TestImage } from './reference-decoder';

const WASM = fileURLToPath(new URL('../../dist/codecs/libjpeg12.wasm', import.meta.url));
const hasEmcc = !spawnSync('emcc', ['--version']).error;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-libjpeg12-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** `img` compressed by dcmcjpeg with `args`, and dcmdjpeg's decoding of it. */
function dcmtk(name: string, img: TestImage, args: string[]): { file: string; reference: number[] } {
  const src = writeNative(join(dir, `${name}-src.dcm`), img);
  const file = join(dir, `${name}.dcm`);
  run('dcmcjpeg', [...args, src, file]);
  run('dcmdjpeg', [file, join(dir, `${name}-dcmtk.dcm`)]);
  return { file, reference: storedValues(join(dir, `${name}-dcmtk.dcm`), img, dir) };
}

/** The file's stored values as decoded with Lumen's builds turned off (jpeg12.ts), in a module graph of its own. */
async function withoutBuilds(file: string): Promise<number[]> {
  const saved = process.env.LUMEN_CODECS_DIR;
  process.env.LUMEN_CODECS_DIR = '';
  vi.resetModules();
  try {
    const decode = await import('../../electron/dicom/decode');
    const parse = await import('../../electron/dicom/parse');
    const libjpeg = await import('../../electron/dicom/libjpeg');
    expect(await libjpeg.jpeg12DecoderName()).toMatch(/^Lumen jpeg12\.ts \(TypeScript; dist\/codecs\/libjpeg12\.wasm is not built/);
    const parsed = await parse.parseDicomFile(file);
    const values: number[] = [];
    for (let f = 0; f < parsed.meta.numberOfFrames; f++) values.push(...(await decode.decodeFrame(parsed, f)).pixels);
    return values;
  } finally {
    if (saved === undefined) delete process.env.LUMEN_CODECS_DIR;
    else process.env.LUMEN_CODECS_DIR = saved;
    vi.resetModules();
  }
}

describe('the build', () => {
  it.runIf(hasEmcc)('is built and in use where emscripten is installed', async () => {
    expect(existsSync(WASM)).toBe(true);
    const { decoder } = await loadLibJpeg12();
    expect(decoder?.bitsPerSample).toBe(12);
    expect(await jpeg12DecoderName()).toBe('Lumen libjpeg-turbo 2.1.5, 12-bit (WASM)');
  });
});

describe.runIf(existsSync(WASM))('12-bit JPEG through libjpeg12.wasm', () => {
  it.each([
    ['grey, extended (process 4)', gradientImage(12, { rows: 37, columns: 61 }), ['+ee', '+q', '90']],
    ['signed grey, extended', gradientImage(12, { rows: 24, columns: 32, signed: true }), ['+ee', '+q', '90']],
    ['colour 4:2:2, extended', gradientImage(12, { rows: 37, columns: 61, samples: 3 }), ['+ee', '+s2', '+q', '90']],
    ['colour 4:2:0, extended', gradientImage(12, { rows: 37, columns: 61, samples: 3 }), ['+ee', '+n1', '+q', '90']],
    ['colour RGB, extended', gradientImage(12, { rows: 24, columns: 32, samples: 3 }), ['+ee', '+cr', '+q', '90']],
    ['grey, full progression (retired .55)', gradientImage(12, { rows: 37, columns: 61 }), ['+ep']],
    ['grey, spectral selection (retired .53)', gradientImage(12, { rows: 37, columns: 61 }), ['+es']],
    ['colour 4:2:2, 2 frames, full progression', gradientImage(12, { rows: 24, columns: 32, samples: 3, frames: 2 }), ['+ep']],
  ] as const)('%s: decoded by the WASM build, dcmtk\'s values, and jpeg12.ts\'s', async (what, img, args) => {
    const { file, reference } = dcmtk(what.replace(/\W+/g, '-'), img, [...args]);
    const decode = vi.spyOn(LibJpeg.prototype, 'decode');
    const ours = await lumenValues(file);
    // Each frame went through the 12-bit build (the 8-bit one is never asked for a 12-bit stream).
    expect(decode.mock.instances.map((d) => (d as LibJpeg).bitsPerSample)).toEqual(Array.from({ length: img.frames }, () => 12));
    expect(maxDiff(ours.values, reference)).toBe(0);
    expect(maxDiff(await withoutBuilds(file), ours.values)).toBe(0);
  });

  it('restart intervals, one scan per component, progressive with restarts (Lumen\'s encoder): jpeg12.ts\'s values', async () => {
    const img = gradientImage(12, { rows: 37, columns: 61, samples: 3 });
    for (const [name, enc] of [
      ['restart', { restart: { mcus: 3 }, colour: 'ycc420' }],
      ['non-interleaved', { separateScans: true, colour: 'ycc444' }],
      ['progressive-restart', { progressive: true, restart: { rows: 1 }, colour: 'ycc422' }],
    ] as const) {
      const stream = encodeJpeg({ ...enc, mode: 'dct', columns: img.columns, rows: img.rows, components: 3, precision: 12, values: img.values }, dir);
      const file = writeEncapsulated(join(dir, `${name}.dcm`), img, 'progressive' in enc ? TS.jpegProgressive : TS.jpegExtended, [[stream]], { photometric: 'YBR_FULL' });
      const decode = vi.spyOn(LibJpeg.prototype, 'decode');
      const ours = await lumenValues(file);
      expect(decode).toHaveBeenCalledTimes(1);
      vi.restoreAllMocks();
      expect(maxDiff(await withoutBuilds(file), ours.values), name).toBe(0);
    }
  });

  it('a stream whose size differs from the header is refused before decoding, in Lumen\'s words', async () => {
    const img = gradientImage(12, { rows: 24, columns: 32 });
    const { file } = dcmtk('size', img, ['+ee']);
    const stream = encapsulatedFrame(await parseDicomFile(file), 0);
    const { decoder } = await loadLibJpeg12();
    expect(() => decoder!.decode(stream, { rows: 24, columns: 33 })).toThrow('the codestream says 32x24, the header 33x24');
  });

  it('an 8-bit stream is refused by the 12-bit build (the decode path sends it to the 8-bit one)', async () => {
    const img = gradientImage(8, { rows: 24, columns: 32 });
    const { file } = dcmtk('eight', img, ['+eb']);
    const stream = encapsulatedFrame(await parseDicomFile(file), 0);
    const { decoder } = await loadLibJpeg12();
    expect(() => decoder!.decode(stream, { rows: 24, columns: 32 })).toThrow(/precision 8/);
    // And the next frame gets a fresh instance: the trap left nothing behind.
    const twelve = dcmtk('after-trap', gradientImage(12, { rows: 24, columns: 32 }), ['+ee']);
    expect(decoder!.decode(encapsulatedFrame(await parseDicomFile(twelve.file), 0), { rows: 24, columns: 32 }).columns).toBe(32);
  });

  it('damaged copies (bytes flipped, cut short): each a picture or a DicomFileError, never libjpeg\'s words', async () => {
    const img = gradientImage(12, { rows: 40, columns: 48, samples: 3 });
    const { file } = dcmtk('damage-src', img, ['+ee', '+s2']);
    const stream = encapsulatedFrame(await parseDicomFile(file), 0);
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const outcomes = { decoded: 0, refused: 0 };
    for (let n = 0; n < 120; n++) {
      const copy = Uint8Array.from(stream);
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      const damaged = n % 3 === 0 ? copy.subarray(0, Math.max(2, Math.floor(copy.length * random()))) : copy;
      const f = writeEncapsulated(join(dir, 'damaged.dcm'), img, TS.jpegExtended, [[damaged]], { photometric: 'YBR_FULL_422' });
      const result = await decodeFrame(await parseDicomFile(f), 0).catch((x: unknown) => x);
      if (result instanceof DicomFileError) {
        outcomes.refused++;
        expect(result.message.slice(f.length)).not.toMatch(/Corrupt JPEG|Bogus|Invalid JPEG|Unsupported JPEG|libjpeg/);
      } else {
        expect(result).toMatchObject({ rows: img.rows, columns: img.columns, samplesPerPixel: 3 });
        outcomes.decoded++;
      }
    }
    expect(outcomes.decoded + outcomes.refused).toBe(120);
    expect(outcomes.decoded).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });
});
