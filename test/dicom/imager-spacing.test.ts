// Which pixel spacing a length is measured with, and what it measures (PS3.3 10.7.1.3, IHE's
// guidance for projection radiography), on CR and DX files written by dcmtk's dump2dcm (and one
// rewritten by GDCM in implicit VR): Pixel Spacing when the file has it (calibrated where Pixel
// Spacing Calibration Type says so); else Imager Pixel Spacing (0018,1164), divided by
// Estimated Radiographic Magnification Factor (0018,1114) where given, else "at detector".
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../electron/dicom/parse';
import { viewerFrameOf } from '../../electron/dicom/viewer-frame';
import { spacingNote } from '../../common/roi';
import { ViewerFrame } from '../../common/contract/library';
import { useDisplayDir, write } from './display-fixtures';

useDisplayDir();

async function spacingOf(file: string) {
  const parsed = await parseDicomFile(file);
  const frame = ViewerFrame.parse(await viewerFrameOf(parsed, 0));
  return { meta: parsed.meta, frame };
}

describe('the spacing a CR or DX length is measured with', () => {
  it('reads Imager Pixel Spacing when the file has no Pixel Spacing, and says the length is at the detector', async () => {
    const file = write('imager-only', 'CR', 'MONOCHROME2', ['(0018,1164) DS [0.2\\0.25]']);
    const { meta, frame } = await spacingOf(file);
    expect(meta.pixelSpacing).toEqual([0.2, 0.25]);
    expect(meta.pixelSpacingKind).toBe('detector');
    expect(frame.pixelSpacing).toEqual([0.2, 0.25]);
    expect(frame.pixelSpacingKind).toBe('detector');
    expect(spacingNote(frame.pixelSpacingKind)).toBe('at detector');
  });

  it('divides Imager Pixel Spacing by Estimated Radiographic Magnification Factor, in a file GDCM rewrote in implicit VR', async () => {
    const made = write('imager-ermf', 'DX', 'MONOCHROME2', ['(0018,1164) DS [0.2\\0.2]', '(0018,1114) DS [1.25]']);
    const file = join(made, '..', 'imager-ermf-implicit.dcm');
    execFileSync('gdcmconv', ['--implicit', made, file], { stdio: 'pipe' });
    expect(execFileSync('dcmdump', ['+P', '0018,1114', file]).toString()).toContain('1.25');
    const { meta, frame } = await spacingOf(file);
    expect(meta.pixelSpacing?.[0]).toBeCloseTo(0.16, 12);
    expect(meta.pixelSpacing?.[1]).toBeCloseTo(0.16, 12);
    expect(frame.pixelSpacingKind).toBe('magnification');
    expect(spacingNote(frame.pixelSpacingKind)).toBe('magnification corrected');
  });

  it('prefers Pixel Spacing to Imager Pixel Spacing, and says when it is calibrated', async () => {
    const calibrated = write('calibrated', 'DX', 'MONOCHROME2', ['(0018,1164) DS [0.2\\0.2]', '(0028,0030) DS [0.15\\0.15]', '(0028,0a02) CS [GEOMETRY]']);
    const c = await spacingOf(calibrated);
    expect(c.frame.pixelSpacing).toEqual([0.15, 0.15]);
    expect(c.frame.pixelSpacingKind).toBe('calibrated');
    expect(spacingNote(c.frame.pixelSpacingKind)).toBe('calibrated');

    const plain = write('plain', 'CR', 'MONOCHROME2', ['(0018,1164) DS [0.2\\0.2]', '(0028,0030) DS [0.18\\0.18]']);
    const p = await spacingOf(plain);
    expect(p.frame.pixelSpacing).toEqual([0.18, 0.18]);
    expect(p.frame.pixelSpacingKind).toBe('patient');
    expect(spacingNote(p.frame.pixelSpacingKind)).toBe('');
  });

  it('measures in pixels when neither spacing is usable (zero, negative or one value)', async () => {
    for (const [name, lines] of [
      ['none', []],
      ['zero', ['(0018,1164) DS [0\\0.2]']],
      ['one-value', ['(0018,1164) DS [0.2]']],
      ['negative', ['(0028,0030) DS [-1\\1]']],
    ] as const) {
      const { frame } = await spacingOf(write(`bad-${name}`, 'CR', 'MONOCHROME2', [...lines]));
      expect(frame.pixelSpacing, name).toBeNull();
      expect(frame.pixelSpacingKind ?? null, name).toBeNull();
    }
    // A magnification factor of zero or below is no correction: the spacing stays at the detector.
    const { frame } = await spacingOf(write('zero-factor', 'CR', 'MONOCHROME2', ['(0018,1164) DS [0.2\\0.2]', '(0018,1114) DS [0]']));
    expect(frame.pixelSpacing).toEqual([0.2, 0.2]);
    expect(frame.pixelSpacingKind).toBe('detector');
  });

});
