// Progressive JPEG at 12 bits (processes 10 and 12, the retired transfer
// syntax 1.2.840.10008.1.2.4.55, which dcmcjpeg +ep still writes): DC and AC
// scans with spectral selection and successive approximation, end-of-band
// runs, restart intervals, chroma subsampling. Streams from GDCM's IJG 12-bit
// library (IJG's simple progression script, with restarts dcmcjpeg cannot
// write), decoded by dcmtk's dcmdjpeg: Lumen's values must be dcmtk's exactly,
// as for sequential 12-bit JPEG. 8-bit progressive (libjpeg-turbo) runs the
// same streams as a check on the fixtures. Then damaged and unsupported
// streams are refused with the reason.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeFrame } from '../../electron/dicom/decode';
import { DicomFileError, parseDicomFile, TS } from '../../electron/dicom/parse';
import { encodeJpeg, type JpegEncoding } from '../support/dicom/jpeg-encoder';
import { rng } from '../support/dicom/phantom';
import { gradientImage, lumenValues, maxDiff, run, storedValues, writeEncapsulated, writeNative, type TestImage } from './reference-decoder';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-progressive-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Encoding = Pick<JpegEncoding, 'colour' | 'restart'>;

function progressiveStream(img: TestImage, e: Encoding): Buffer {
  return encodeJpeg({ ...e, mode: 'dct', progressive: true, columns: img.columns, rows: img.rows, components: img.samples, precision: img.bitsStored, values: img.values }, dir);
}

function photometricFor(img: TestImage, e: Encoding): string {
  return img.samples === 1 ? 'MONOCHROME2' : e.colour === 'ycc444' ? 'YBR_FULL' : e.colour === 'rgb' ? 'RGB' : 'YBR_FULL_422';
}

/** The markers of a stream: SOF2 and how many scans and restart markers it has. */
function markers(stream: Uint8Array): { sof2: boolean; scans: number; restarts: number } {
  let scans = 0;
  let restarts = 0;
  let sof2 = false;
  for (let i = 0; i + 1 < stream.length; i++) {
    if (stream[i] !== 0xff) continue;
    const m = stream[i + 1];
    if (m === 0xc2) sof2 = true;
    if (m === 0xda) scans++;
    if (m >= 0xd0 && m <= 0xd7) restarts++;
  }
  return { sof2, scans, restarts };
}

/** Lumen's values and dcmdjpeg's for a progressive stream wrapped as 1.2.840.10008.1.2.4.55. */
async function decodeBoth(name: string, img: TestImage, e: Encoding): Promise<{ ours: number[]; theirs: number[]; photometric: string; stream: Buffer }> {
  const stream = progressiveStream(img, e);
  const file = writeEncapsulated(join(dir, `${name}.dcm`), img, TS.jpegProgressive, [[stream]], { photometric: photometricFor(img, e) });
  const back = join(dir, `${name}-dcmtk.dcm`);
  run('dcmdjpeg', [file, back]);
  const lumen = await lumenValues(file);
  return { ours: lumen.values, theirs: storedValues(back, img, dir), photometric: lumen.photometric, stream };
}

const ENCODINGS: [string, TestImage, Encoding][] = [
  ['grey 61x37', gradientImage(12), {}],
  ['grey 511x257, a restart every 5 MCUs', gradientImage(12, { rows: 257, columns: 511 }), { restart: { mcus: 5 } }],
  ['grey one column, a restart every MCU', gradientImage(12, { rows: 301, columns: 1 }), { restart: { mcus: 1 } }],
  ['YCbCr 4:2:0, odd size, a restart every MCU row', gradientImage(12, { samples: 3 }), { colour: 'ycc420', restart: { rows: 1 } }],
  ['YCbCr 4:2:2, odd size', gradientImage(12, { samples: 3, rows: 37, columns: 61 }), { colour: 'ycc422' }],
  ['YCbCr 4:4:4, a restart every 3 MCUs', gradientImage(12, { samples: 3 }), { colour: 'ycc444', restart: { mcus: 3 } }],
  ['RGB (no colour transform), one row', gradientImage(12, { samples: 3, rows: 1, columns: 301 }), { colour: 'rgb' }],
];

describe('12-bit progressive JPEG: the values dcmtk decodes', () => {
  it.each(ENCODINGS)('%s', async (what, img, e) => {
    const r = await decodeBoth(`p12-${what.replace(/\W+/g, '-')}`, img, e);
    const m = markers(r.stream);
    // The fixture is what it claims: progressive, several scans, restart markers where asked.
    expect(m.sof2).toBe(true);
    expect(m.scans).toBeGreaterThanOrEqual(img.samples === 1 ? 6 : 10);
    if (e.restart) expect(m.restarts).toBeGreaterThan(0);
    expect(r.photometric).toBe(img.samples === 1 ? 'MONOCHROME2' : 'RGB');
    expect(maxDiff(r.ours, r.theirs)).toBe(0);
    // And the picture is the picture: the quality-90 stream is close to its source (subsampled chroma drops the noise's colour).
    if (e.colour !== 'ycc420' && e.colour !== 'ycc422') expect(maxDiff(r.ours, img.values)).toBeLessThan(0.2 * 4096);
  });

  it('labelled JPEG Extended (1.2.840.10008.1.2.4.51) though progressive: decoded from the stream, as dcmdjpeg does', async () => {
    const img = gradientImage(12, { samples: 3 });
    const stream = progressiveStream(img, { colour: 'ycc422' });
    const file = writeEncapsulated(join(dir, 'p12-as-extended.dcm'), img, TS.jpegExtended, [[stream]], { photometric: 'YBR_FULL_422' });
    const back = join(dir, 'p12-as-extended-dcmtk.dcm');
    run('dcmdjpeg', [file, back]);
    expect(maxDiff((await lumenValues(file)).values, storedValues(back, img, dir))).toBe(0);
  });

  it('8-bit streams from the same encoder (libjpeg-turbo): dcmtk\'s values too', async () => {
    for (const [what, e] of [['grey, restarts', { restart: { mcus: 2 } }], ['YCbCr 4:2:0', { colour: 'ycc420' }]] as const) {
      const img = gradientImage(8, { samples: 'colour' in e ? 3 : 1 });
      const r = await decodeBoth(`p8-${what.replace(/\W+/g, '-')}`, img, e);
      expect(markers(r.stream).sof2, what).toBe(true);
      expect(maxDiff(r.ours, r.theirs), what).toBe(0);
    }
  });
});

describe('JPEG spectral selection (1.2.840.10008.1.2.4.53, processes 6 and 8, retired; dcmcjpeg +es): dcmtk\'s values', () => {
  // SOF2 with spectral selection only (no successive approximation): the progressive decoders read it.
  it.each([
    ['8-bit grey, 511x257', gradientImage(8, { rows: 257, columns: 511 })],
    ['12-bit grey, one row', gradientImage(12, { rows: 1, columns: 301 })],
    ['12-bit colour 4:2:2, 2 frames', gradientImage(12, { samples: 3, frames: 2 })],
    ['8-bit colour 4:2:2', gradientImage(8, { samples: 3 })],
  ])('%s', async (what, img) => {
    const base = join(dir, `spectral-${what.replace(/\W+/g, '-')}`);
    const src = writeNative(`${base}-src.dcm`, img);
    run('dcmcjpeg', ['+es', src, `${base}.dcm`]);
    run('dcmdjpeg', [`${base}.dcm`, `${base}-dcmtk.dcm`]);
    const parsed = await parseDicomFile(`${base}.dcm`);
    expect(parsed.meta.transferSyntaxUid).toBe('1.2.840.10008.1.2.4.53');
    const ours = await lumenValues(`${base}.dcm`);
    expect(maxDiff(ours.values, storedValues(`${base}-dcmtk.dcm`, img, dir))).toBe(0);
  });
});

describe('12-bit progressive streams that cannot be decoded: refused with the reason', () => {
  async function refusal(name: string, img: TestImage, stream: Uint8Array): Promise<string> {
    const file = writeEncapsulated(join(dir, `${name}.dcm`), img, TS.jpegProgressive, [[stream]]);
    const err = await decodeFrame(await parseDicomFile(file), 0).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(DicomFileError);
    return (err as Error).message;
  }

  it('a scan whose spectral selection T.81 does not allow (AC scan ending before it starts)', async () => {
    const img = gradientImage(12);
    const stream = Uint8Array.from(progressiveStream(img, {}));
    // The first AC scan (Ss >= 1): its Se set below its Ss.
    let at = -1;
    for (let i = 0; i + 1 < stream.length && at < 0; i++) {
      if (stream[i] === 0xff && stream[i + 1] === 0xda) {
        const ns = stream[i + 4];
        const ss = i + 5 + 2 * ns;
        if (stream[ss] >= 1) at = ss;
      }
    }
    expect(at).toBeGreaterThan(0);
    stream[at + 1] = stream[at] - 1;
    expect(await refusal('bad-spectral', img, stream)).toMatch(/a 12-bit JPEG Full Progression, Non-Hierarchical \(retired\) frame cannot be decoded \(progressive scan with spectral selection 1 to 0 .* which T\.81 does not allow\)/);
  });

  it('arithmetic-coded progressive (SOF10) at 12 bits: refused by name', async () => {
    const img = gradientImage(12);
    const stream = Uint8Array.from(progressiveStream(img, {}));
    const sof = stream.findIndex((b, i) => b === 0xff && stream[i + 1] === 0xc2);
    stream[sof + 1] = 0xca;
    expect(await refusal('sof10', img, stream)).toContain('12-bit JPEG with SOF marker FFCA (lossless, hierarchical or arithmetic-coded) is not supported');
  });

  it('damaged copies (bytes flipped, cut short): each a picture or a DicomFileError, nothing else', async () => {
    const img = gradientImage(12, { samples: 3 });
    const stream = progressiveStream(img, { colour: 'ycc420', restart: { mcus: 4 } });
    const random = rng(20261206);
    const outcomes = { decoded: 0, refused: 0 };
    for (let n = 0; n < 150; n++) {
      const copy = Uint8Array.from(stream);
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) copy[Math.floor(random() * copy.length)] = Math.floor(random() * 256);
      const damaged = n % 3 === 0 ? copy.subarray(0, Math.floor(copy.length * random())) : copy;
      const file = writeEncapsulated(join(dir, 'damaged.dcm'), img, TS.jpegProgressive, [[damaged.length ? damaged : Uint8Array.from([0xff, 0xd8])]], { photometric: 'YBR_FULL_422' });
      const result = await decodeFrame(await parseDicomFile(file), 0).catch((x: unknown) => x);
      if (result instanceof DicomFileError) outcomes.refused++;
      else {
        expect(result).toMatchObject({ rows: img.rows, columns: img.columns, samplesPerPixel: 3 });
        outcomes.decoded++;
      }
    }
    expect(outcomes.decoded + outcomes.refused).toBe(150);
    expect(outcomes.decoded).toBeGreaterThan(0);
    expect(outcomes.refused).toBeGreaterThan(0);
  });

  it('thousands of scans (each one a pass over every block): refused before they cost minutes', async () => {
    const img = gradientImage(12, { rows: 64, columns: 64 });
    const stream = progressiveStream(img, {});
    const scans: number[] = [];
    stream.forEach((b, i) => b === 0xff && stream[i + 1] === 0xda && scans.push(i));
    // The first scan (DC, which reads nothing of what earlier scans left) 2000 times over, the rest as it was.
    const first = stream.subarray(scans[0], scans[1]);
    const many = Uint8Array.from(Buffer.concat([stream.subarray(0, scans[1]), ...Array.from({ length: 2000 }, () => first), stream.subarray(scans[1])]));
    expect(await refusal('many-scans', img, many)).toContain('more than 1000 scans');
  });

  it('cut short after its first scans: a coarse picture from what arrived, not a crash', async () => {
    const img = gradientImage(12, { rows: 64, columns: 64 });
    const stream = progressiveStream(img, {});
    const scans: number[] = [];
    stream.forEach((b, i) => b === 0xff && stream[i + 1] === 0xda && scans.push(i));
    // The DC scan and the first AC scan only: a coarse picture, the right size.
    const cut = Uint8Array.from([...stream.subarray(0, scans[2]), 0xff, 0xd9]);
    const file = writeEncapsulated(join(dir, 'cut.dcm'), img, TS.jpegProgressive, [[cut]]);
    const frame = await decodeFrame(await parseDicomFile(file), 0);
    expect(frame.pixels.length).toBe(64 * 64);
    let error = 0;
    frame.pixels.forEach((v, i) => (error += Math.abs(v - img.values[i])));
    expect(error / img.values.length).toBeLessThan(0.1 * 4096);
  });
});
