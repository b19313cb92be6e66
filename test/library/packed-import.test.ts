// Several frames packed into one fragment (PS3.5 A.4 gives each frame fragments of its own):
// the import's reason says so, as opening the file does (test/dicom/packed-frames.test.ts),
// instead of the general "corrupt, truncated or packed". Whether the pixel data lies in the
// header's first kilobytes (read whole) or past them (a file larger than the import reads
// for its header), and a header that only overstates its count keeps the general reason.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TS } from '../../electron/dicom/parse';
import { Library } from '../../electron/library/library';
import type { ImportReport } from '../../electron/library/types';
import { encodeJpeg } from '../support/dicom/jpeg-encoder';
import { gradientImage, writeEncapsulated } from '../dicom/reference-decoder';
import { tmpDir } from './fixtures';

const concat = (...parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((p) => [...p]));

describe('import of a file whose frames are packed into one fragment', () => {
  const dir = tmpDir('packed-import');
  const folder = path.join(dir, 'in');
  const file = (name: string) => path.join(folder, `${name}.dcm`);
  let report: ImportReport;

  /** A JPEG lossless stream of one 12-bit 9x13 frame, `shade` apart from the others. */
  const stream = (shade: number): Uint8Array => {
    const img = gradientImage(12, { rows: 9, columns: 13 });
    return new Uint8Array(encodeJpeg({ columns: 13, rows: 9, components: 1, precision: 12, values: img.values.map((v) => (v + shade) % 4096), mode: { predictor: 1 } }, dir));
  };
  const write = (name: string, frames: number, fragments: Uint8Array[][]) =>
    writeEncapsulated(file(name), gradientImage(12, { rows: 9, columns: 13, frames }), TS.jpegLosslessSV1, fragments, { offsetTable: false });

  beforeAll(async () => {
    fs.mkdirSync(folder, { recursive: true });
    write('small', 3, [[concat(stream(0), stream(100), stream(200))]]);
    // 200 kB after the three streams: the import reads the first 64 kB for the header.
    write('large', 3, [[concat(stream(0), stream(100), stream(200), new Uint8Array(200_000))]]);
    write('overstated', 3, [[stream(0)]]);
    const lib = Library.open(path.join(dir, 'library'));
    try {
      report = await lib.importPaths([folder]);
    } finally {
      lib.close();
    }
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const reason = (name: string) => report.errors.find((e) => e.file === file(name))?.reason;

  it('says the frames are packed, for a small file and for one larger than the header read', () => {
    expect(fs.statSync(file('large')).size).toBeGreaterThan(200_000);
    for (const name of ['small', 'large']) {
      expect(reason(name), name).toContain('3 frames in 1 fragment: Number of Frames (0028,0008) says 3, and the compressed pixel data holds 3 images one after another in 1 fragment. Several frames in one fragment are not supported');
      expect(reason(name), name).not.toMatch(/corrupt|truncated/);
    }
    expect(report.imported).toBe(0);
  });

  it('keeps naming every cause when nothing shows packing', () => {
    expect(reason('overstated')).toContain('Number of Frames (0028,0008) says 3, but its compressed pixel data has 1 fragment, and each frame needs one at least. The header is corrupt, the file truncated, or several frames are packed');
  });
});
