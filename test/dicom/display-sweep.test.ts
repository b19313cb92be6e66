// Display conformance sweep (issue G): every file of the corpus (display-sweep-fixtures.ts: the
// pixel formats real archives hold that display.test.ts does not cover) as `lumen render`, the
// thumbnails and the model input show it (renderFrame), against dcmtk's dcm2pnm with the options
// that match Lumen's defaults. test/renderer/display-sweep-viewer.test.ts holds the viewer to the same.
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../electron/dicom/parse';
import { renderFrame, voiWindows } from '../../electron/dicom/pixels';
import { expandSegmentedPalette } from '../../electron/dicom/segmented-palette';
import { readFileSync } from 'node:fs';
import { decodeFrame } from '../../electron/dicom/decode';
import { DEFAULT_TOLERANCE, dcmtk, ENHANCED_WINDOWS, floatImage, GREY_CASES, lumen, maxDiff, SWEEP_CASES, useSweepDir } from './display-sweep-fixtures';

useSweepDir();

describe('each file of the corpus as dcm2pnm shows it', () => {
  it.each(SWEEP_CASES.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const s = c.make();
    for (const frame of s.frames ?? [0]) {
      const theirs = dcmtk(s.reference?.(frame) ?? s.file, s.dcm2pnm);
      const ours = await lumen(s.file, frame);
      expect([ours.columns, ours.rows, ours.channels]).toEqual([theirs.columns, theirs.rows, theirs.channels]);
      expect(maxDiff(ours.data, theirs.data), `frame ${frame + 1} against dcm2pnm ${s.dcm2pnm.join(' ')}`).toBeLessThanOrEqual(s.tolerance ?? DEFAULT_TOLERANCE);
      s.check?.(ours.data, frame);
    }
  });
});

describe('stored values of the masked and signed files as GDCM reads them', () => {
  // gdcmconv --raw --force decodes through GDCM's codec, which clears the bits outside Bits Stored and
  // extends the sign (plain --raw copies the words as they are): its words are the stored values.
  // Not High Bit 15: GDCM 3.0.21 keeps the low 12 bits whatever High Bit says (257 stored in bits 4-15
  // reads 25); dcm2pnm reads it as Lumen does (the sweep's display case).
  it.each(GREY_CASES.filter((c) => /Bits Stored 12|Pixel Representation 1/.test(c.name) && !/High Bit 15/.test(c.name)).map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { file } = c.make();
    execFileSync('gdcmconv', ['--raw', '--force', file, `${file}.gdcm.dcm`], { stdio: 'pipe' });
    execFileSync('gdcmraw', ['-t', '7fe0,0010', '-i', `${file}.gdcm.dcm`, '-o', `${file}.gdcm.raw`], { stdio: 'pipe' });
    const dump = execFileSync('dcmdump', ['+P', '0028,0102', '+P', '0028,0103', `${file}.gdcm.dcm`], { encoding: 'utf8' });
    const words = readFileSync(`${file}.gdcm.raw`);
    const signed = /\(0028,0103\) US 1\b/.test(dump);
    expect(dump).toMatch(/\(0028,0102\) US 11\b/);
    const theirs = Array.from({ length: words.length / 2 }, (_, i) => (signed ? words.readInt16LE(2 * i) : words.readUInt16LE(2 * i)));
    const ours = Array.from((await decodeFrame(await parseDicomFile(file), 0)).pixels);
    expect(ours).toEqual(theirs);
  });
});

describe('Enhanced multi-frame: what the functional groups say', () => {
  it('the shared rescale, each frame\'s window, the shared window\'s explanation', async () => {
    const perFrame = SWEEP_CASES.find((c) => c.name.includes('per-frame groups'))!.make();
    const parsed = await parseDicomFile(perFrame.file);
    expect([parsed.meta.rescaleSlope, parsed.meta.rescaleIntercept]).toEqual([0.5, -100]);
    for (const f of [0, 1, 2]) expect((await renderFrame(parsed, f)).window).toEqual({ center: ENHANCED_WINDOWS[f][0], width: ENHANCED_WINDOWS[f][1] });
    const withTop = SWEEP_CASES.find((c) => c.name.includes('besides a top-level one'))!.make();
    const parsedTop = await parseDicomFile(withTop.file);
    for (const f of [0, 1, 2]) expect((await renderFrame(parsedTop, f)).window, `frame ${f + 1}: the group's window, not the top level's`).toEqual({ center: ENHANCED_WINDOWS[f][0], width: ENHANCED_WINDOWS[f][1] });
    const shared = SWEEP_CASES.find((c) => c.name.includes('shared groups'))!.make();
    expect(voiWindows((await parseDicomFile(shared.file)).meta)[0]).toMatchObject({ name: 'BRAIN', center: 900, width: 1500 });
  });
});

describe('a window list with an empty value', () => {
  it('keeps each window with its own explanation, by position', async () => {
    const c = SWEEP_CASES.find((x) => x.name.includes('first values are empty'))!.make();
    const own = voiWindows((await parseDicomFile(c.file)).meta).filter((w) => w.id.startsWith('file-'));
    expect(own).toEqual([{ id: 'file-1', name: 'SOFT TISSUE', center: 40, width: 400 }]);
  });
});

describe('Float Pixel Data (7FE0,0008), which Lumen does not claim', () => {
  it('is refused with the reason, as dcm2pnm and GDCM refuse it, not shown as integers', async () => {
    const file = floatImage();
    expect(() => execFileSync('dcm2pnm', [file, `${file}.pgm`], { stdio: 'pipe' })).toThrow();
    const gdcm = spawnSync('gdcminfo', [file], { encoding: 'utf8' });
    expect(gdcm.status).not.toBe(0);
    expect(gdcm.stdout + gdcm.stderr).toMatch(/Could not read image/);
    await expect(lumen(file)).rejects.toThrow(/Float Pixel Data \(7FE0,0008\).*not shown/);
  });
});

describe('a corrupt segmented palette is refused with the reason', () => {
  it.each([
    ['an unknown opcode', [0, 1, 5, 7, 3], /segment 2 has opcode 7/],
    ['a segment past the end', [0, 9, 1, 2], /segment 1 runs past the end/],
    ['a linear segment first', [1, 10, 500], /segment 1 is linear but no segment comes before it/],
    ['an indirect segment to itself', [0, 1, 5, 2, 1, 6, 0], /segment 2 copies from byte 6, where no earlier segment starts/],
    ['too few entries', [0, 2, 1, 2], /expand to 2 entries, but its descriptor says 4/],
  ] as const)('%s', (_name, words, reason) => {
    expect(expandSegmentedPalette(Uint16Array.from(words), 4)).toMatch(reason);
  });

  it('a length far beyond the descriptor fills only the table', () => {
    expect(Array.from(expandSegmentedPalette(Uint16Array.from([0, 1, 0, 1, 65535, 65535]), 4) as Uint16Array)).toEqual([0, 1, 2, 3]);
  });
});
