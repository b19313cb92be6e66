// The viewer's "Loc" for a slice whose file has no Slice Location (0020,1041), as dcmtk's
// dump2dcm and many converters write it: taken from Image Position (Patient) along the slice's
// normal, so a series with a slice missing shows the jump (5, 10, 15, 25 mm) where before it
// showed no location at all. A file's own Slice Location still wins; an image without Pixel
// Spacing, measured in pixels, shows none.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ViewerFrame } from '../../common/contract/library';
import { parseDicomFile } from '../../electron/dicom/parse';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { writeSlice } from '../library/fixtures';

const dir = mkdtempSync(path.join(tmpdir(), 'lumen-frame-loc-d20-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const ROOT = '1.2.826.0.1.3680043.10.2020.99';

/** A CT slice at height z (Image Position (Patient) -100\-100\z, axial), without its Slice Location unless `keep`. */
function slice(z: number, keep = false, orientation?: string): string {
  const file = path.join(dir, `z${z}-${keep}-${orientation ? 'o' : 'a'}.dcm`);
  writeSlice(file, { patientName: 'Loc^Lea', patientId: 'LOC1', studyUid: ROOT, seriesUid: `${ROOT}.1`, sopUid: `${ROOT}.1.${z}`, z });
  if (!keep) execFileSync('dcmodify', ['-nb', '-e', '(0020,1041)', file]);
  if (orientation) execFileSync('dcmodify', ['-nb', '-m', `(0020,0037)=${orientation}`, file]);
  return file;
}
const loc = async (file: string) => ViewerFrame.parse(await viewerFrameOf(await parseDicomFile(file), 0)).sliceLocation;

describe('the location a slice shows', () => {
  it('comes from Image Position (Patient) along the normal where the file has no Slice Location', async () => {
    // Slices 5, 10, 15 and 25 mm: the missing 20 shows as a jump of 10.
    expect(await Promise.all([5, 10, 15, 25].map((z) => loc(slice(z))))).toEqual([5, 10, 15, 25]);
    // Sagittal (rows along y, columns along -z): the normal is -x, so the position -100 reads 100.
    expect(await loc(slice(7, false, '0\\1\\0\\0\\0\\-1'))).toBeCloseTo(100, 6);
  });

  it("keeps the file's own Slice Location", async () => {
    const file = slice(12, true);
    execFileSync('dcmodify', ['-nb', '-m', '(0020,1041)=-3.5', file]);
    expect(await loc(file)).toBe(-3.5);
  });

  it('has none without a position, or without Pixel Spacing (measured in pixels, no mm shown)', async () => {
    const file = slice(9);
    execFileSync('dcmodify', ['-nb', '-e', '(0020,0032)', file]);
    expect(await loc(file)).toBeNull();
    const unspaced = slice(11);
    execFileSync('dcmodify', ['-nb', '-e', '(0028,0030)', unspaced]);
    expect(await loc(unspaced)).toBeNull();
  });
});
