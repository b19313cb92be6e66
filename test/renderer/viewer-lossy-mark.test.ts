// The viewer's "Lossy" mark (finding F2, session 14), on the engine's own frames of files made by
// dcmtk and GDCM: dcmcjpeg +ee (JPEG extended, 12 bit: Lossy Image Compression "01" with its
// ratio and method), the same file with those attributes removed (the transfer syntax alone
// says lossy), dcmdjpeg's decompression of it (the attribute alone says so: explicit VR little
// endian now), gdcmconv --j2k --lossy (JPEG 2000), and lossless files (dcmcjpeg's default
// lossless process, gdcmconv --j2k, the original), which show nothing.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViewerFrame } from '../../common/contract/library';
import { parseDicomFile } from '../../electron/dicom/parse';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { lossyText } from '../../renderer/src/viewer/cornerReadings';
import { writeImage } from '../support/dicom/write';

let dir = '';
const file = (name: string) => join(dir, `${name}.dcm`);
const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lumen-viewer-lossy-'));
  // A 12-bit CT of 128x128 with a gradient and a bright disc: something for a lossy codec to lose.
  const n = 128;
  const px = new Uint16Array(n * n);
  for (let y = 0; y < n; y++) for (let x = 0; x < n; x++) px[y * n + x] = (x - 64) ** 2 + (y - 64) ** 2 < 400 ? 4000 : (x * 13 + y * 7) % 2000;
  writeImage(file('original'), { rows: n, columns: n, bitsAllocated: 16, bitsStored: 12, modality: 'CT', rescaleIntercept: -1024, pixelBytes: new Uint8Array(px.buffer) });
  run('dcmcjpeg', ['+ee', file('original'), file('jpeg-extended')]);
  run('dcmodify', ['-nb', '-ea', '(0028,2110)', '-ea', '(0028,2112)', '-ea', '(0028,2114)', file('jpeg-extended')]);
  run('dcmcjpeg', ['+ee', file('original'), file('jpeg-extended-said')]);
  run('dcmdjpeg', [file('jpeg-extended-said'), file('decompressed')]);
  run('dcmcjpeg', [file('original'), file('jpeg-lossless')]);
  run('gdcmconv', ['--j2k', '--lossy', '-q', '30', file('original'), file('j2k-lossy')]);
  run('gdcmconv', ['--j2k', file('original'), file('j2k-lossless')]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function frameOf(name: string): Promise<ViewerFrame> {
  return ViewerFrame.parse(await viewerFrameOf(await parseDicomFile(file(name)), 0));
}

describe('the "Lossy" mark', () => {
  it('shows the ratio and method dcmcjpeg +ee writes', async () => {
    const f = await frameOf('jpeg-extended-said');
    expect(f.lossy?.method).toEqual(['ISO_10918_1']);
    expect(f.lossy?.ratio).toHaveLength(1);
    expect(f.lossy!.ratio[0]).toBeGreaterThan(1);
    expect(lossyText(f)).toMatch(/^Lossy \d+(\.\d+)?:1 ISO_10918_1$/);
  });

  it('marks a lossy transfer syntax whose file says nothing', async () => {
    const f = await frameOf('jpeg-extended');
    expect(f.lossy).toEqual({ ratio: [], method: [] });
    expect(lossyText(f)).toBe('Lossy');
  });

  it('marks a decompressed file that says it was compressed with loss', async () => {
    const f = await frameOf('decompressed');
    expect(lossyText(f)).toMatch(/^Lossy \d+(\.\d+)?:1 ISO_10918_1$/);
  });

  it('marks JPEG 2000 made with loss by gdcmconv', async () => {
    expect(lossyText(await frameOf('j2k-lossy'))).toMatch(/^Lossy/);
  });

  it('shows nothing for a lossless file', async () => {
    for (const name of ['original', 'jpeg-lossless', 'j2k-lossless']) {
      const f = await frameOf(name);
      expect(f.lossy ?? null, name).toBeNull();
      expect(lossyText(f), name).toBeNull();
    }
  });
});
