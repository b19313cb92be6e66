// JPEG streams with restart intervals (DRI, RSTn), as scanners write them:
// baseline 8-bit (libjpeg-turbo in WASM), extended 12-bit (its 12-bit build) and
// lossless (jpeg-lossless.ts), each with a restart every MCU, every few MCUs
// (mid-row) and every few rows, and with one scan per component. Encoded by
// GDCM's IJG libraries (dcmcjpeg has no restart option), decoded by dcmtk's
// dcmdjpeg (its own IJG build): Lumen's values must be dcmtk's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TS } from '../../electron/dicom/parse';
import { encodeJpeg, type JpegEncoding } from '../support/dicom/jpeg-encoder';
import { gradientImage, lumenValues, maxDiff, run, storedValues, writeEncapsulated, type TestImage } from './reference-decoder';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-restart-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Encoding = Omit<JpegEncoding, 'columns' | 'rows' | 'components' | 'precision' | 'values'>;

/** Encodes `img`, wraps it, and returns Lumen's values, dcmdjpeg's, and whether the stream has restart markers. */
async function decodeBoth(name: string, img: TestImage, e: Encoding): Promise<{ ours: number[]; theirs: number[]; restarts: number; photometric: string }> {
  const stream = encodeJpeg({ ...e, columns: img.columns, rows: img.rows, components: img.samples, precision: img.bitsStored, values: img.values }, dir);
  let restarts = 0;
  for (let i = 0; i + 1 < stream.length; i++) if (stream[i] === 0xff && stream[i + 1] >= 0xd0 && stream[i + 1] <= 0xd7) restarts++;
  const ts = e.mode !== 'dct' ? (e.mode.predictor === 1 ? TS.jpegLosslessSV1 : TS.jpegLossless14) : img.bitsStored > 8 ? TS.jpegExtended : TS.jpegBaseline;
  const photometric = img.samples === 1 ? 'MONOCHROME2' : e.colour === 'ycc444' ? 'YBR_FULL' : e.colour?.startsWith('ycc') && e.mode === 'dct' ? 'YBR_FULL_422' : 'RGB';
  const file = writeEncapsulated(join(dir, `${name}.dcm`), img, ts, [[stream]], { photometric });
  const back = join(dir, `${name}-dcmtk.dcm`);
  run('dcmdjpeg', [file, back]);
  const lumen = await lumenValues(file);
  return { ours: lumen.values, theirs: storedValues(back, img, dir), restarts, photometric: lumen.photometric };
}

type Restart = NonNullable<JpegEncoding['restart']>;
const RESTARTS: Restart[] = [{ mcus: 1 }, { mcus: 5 }, { rows: 1 }, { rows: 2 }];
const label = (r: Restart) => ('mcus' in r ? `every ${r.mcus} MCU(s)` : `every ${r.rows} MCU row(s)`);

describe('JPEG baseline and extended with restart intervals: the values dcmtk decodes', () => {
  it.each([8, 12])('%i-bit grey, 61x37, restarts every 1 and 5 MCUs and every 1 and 2 MCU rows', async (bits) => {
    const img = gradientImage(bits);
    for (const restart of RESTARTS) {
      const r = await decodeBoth(`dct${bits}-${label(restart).replace(/\W+/g, '-')}`, img, { mode: 'dct', restart });
      expect(r.restarts, label(restart)).toBeGreaterThanOrEqual(2);
      expect(maxDiff(r.ours, r.theirs), label(restart)).toBe(0);
      // And the picture is the picture: within a few per cent of the source.
      expect(maxDiff(r.ours, img.values), label(restart)).toBeLessThan(0.2 * 2 ** bits);
    }
  });

  it.each([8, 12])('%i-bit colour: YCbCr 4:2:0, 4:2:2, 4:4:4 and RGB, interleaved and one scan per component, restarts every 3 MCUs', async (bits) => {
    const img = gradientImage(bits, { samples: 3 });
    const cases: Encoding[] = [
      { mode: 'dct', colour: 'ycc420', restart: { mcus: 3 } },
      { mode: 'dct', colour: 'ycc422', restart: { mcus: 3 } },
      { mode: 'dct', colour: 'ycc444', restart: { mcus: 3 } },
      { mode: 'dct', colour: 'rgb', restart: { mcus: 3 } },
      { mode: 'dct', colour: 'ycc420', restart: { mcus: 3 }, separateScans: true },
      { mode: 'dct', colour: 'rgb', restart: { rows: 1 }, separateScans: true },
    ];
    for (const e of cases) {
      const what = `${e.colour}${e.separateScans ? ', one scan per component' : ''}, ${label(e.restart!)}`;
      const r = await decodeBoth(`dct${bits}-${what.replace(/\W+/g, '-')}`, img, e);
      expect(r.restarts, what).toBeGreaterThan(2);
      expect(r.photometric, what).toBe('RGB');
      expect(maxDiff(r.ours, r.theirs), what).toBe(0);
    }
  });
});

describe('JPEG lossless with restart intervals: exactly the source, as dcmtk decodes it', () => {
  it.each([8, 12, 16])('%i bits, predictors 1 to 7, a restart every MCU row and every 3 rows', async (bits) => {
    const img = gradientImage(bits, { rows: 19, columns: 23 });
    for (let predictor = 1; predictor <= 7; predictor++) {
      for (const restart of [{ rows: 1 }, { rows: 3 }]) {
        const what = `predictor ${predictor}, ${label(restart)}`;
        const r = await decodeBoth(`lossless${bits}-${predictor}-${restart.rows}`, img, { mode: { predictor }, restart });
        expect(r.restarts, what).toBeGreaterThan(2);
        expect(r.theirs, what).toEqual(img.values);
        expect(r.ours, what).toEqual(img.values);
      }
    }
  });

  it('point transform 2 with restarts: the source less its two low bits, as dcmtk decodes it', async () => {
    const img = gradientImage(16, { rows: 19, columns: 23 });
    const r = await decodeBoth('lossless-pt2', img, { mode: { predictor: 6, pointTransform: 2 }, restart: { rows: 2 } });
    expect(r.restarts).toBeGreaterThan(2);
    expect(r.ours).toEqual(r.theirs);
    expect(r.ours).toEqual(img.values.map((v) => v & ~3));
  });

  it('8-bit RGB, interleaved and one scan per component, a restart every row', async () => {
    const img = gradientImage(8, { rows: 19, columns: 23, samples: 3 });
    for (const separateScans of [false, true]) {
      const r = await decodeBoth(`lossless-rgb-${separateScans}`, img, { mode: { predictor: 7 }, restart: { rows: 1 }, separateScans });
      expect(r.restarts, `separate scans: ${separateScans}`).toBeGreaterThan(2);
      expect(r.theirs).toEqual(img.values);
      expect(r.ours, `separate scans: ${separateScans}`).toEqual(img.values);
    }
  });
});
