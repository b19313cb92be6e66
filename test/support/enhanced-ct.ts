// An Enhanced CT (one multi-frame file, Per-frame Plane Positions) written with dcmtk's dump2dcm,
// for the tests of missing frames (task I, session 21: frameGaps in electron/library/slice-gaps.ts).
import fs from 'node:fs';
import path from 'node:path';
import { dumpItem as item, dumpSequence as seq, writeDump2dcm } from './dicom/dump2dcm';

export const ENHANCED_ROOT = '1.2.826.0.1.3680043.10.2021.921';
const AXIAL = '(0020,0037) DS [1\\0\\0\\0\\1\\0]';

/** An Enhanced CT of one frame per height in `zs`; `orientations` gives a frame its own plane. */
export function writeEnhanced(dir: string, work: string, n: number, zs: readonly number[], orientations: Record<number, string> = {}): string {
  const rows = 8;
  const columns = 8;
  const perFrame = seq(
    '5200,9230',
    zs.map((z, f) =>
      item([
        ...seq('0020,9113', [item([`(0020,0032) DS [-100\\-100\\${z}]`])]),
        ...(orientations[f] ? seq('0020,9116', [item([orientations[f]])]) : []),
      ]),
    ),
  );
  const shared = seq('5200,9229', [item([...seq('0020,9116', [item([AXIAL])]), ...seq('0028,9110', [item(['(0028,0030) DS [0.7\\0.7]', '(0018,0050) DS [5]'])])])]);
  return writeDump2dcm(path.join(dir, `enhanced-${n}.dcm`), {
    sopClass: 'EnhancedCTImageStorage',
    sopInstanceUid: `${ENHANCED_ROOT}.${n}.1`,
    modality: 'CT',
    rows,
    columns,
    frames: zs.length,
    pixels: new Uint8Array(rows * columns * 2 * zs.length),
    lines: [`(0020,000d) UI [${ENHANCED_ROOT}]`, `(0020,000e) UI [${ENHANCED_ROOT}.${n}]`, '(0010,0010) PN [FRAME^FREYA]', '(0010,0020) LO [GAP21]', ...shared, ...perFrame],
  }, work);
}


/** `<dir>/src` for the files and `<dir>/work` for dump2dcm's own, both made. */
export function enhancedFolders(dir: string): { src: string; work: string } {
  const src = path.join(dir, 'src');
  const work = path.join(dir, 'work');
  fs.mkdirSync(src, { recursive: true });
  fs.mkdirSync(work, { recursive: true });
  return { src, work };
}
