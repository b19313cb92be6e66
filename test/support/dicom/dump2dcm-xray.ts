// A 16x16 12-bit projection image written by dcmtk's dump2dcm (not our writer), with lines of
// the caller's added: the CR/DX files the Imager Pixel Spacing tests read.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export interface XrayDump {
  /** Where the raw pixels and the dump go. */
  work: string;
  /** The folder the .dcm is written into. */
  out: string;
  n: number;
  modality: string;
  sopClass: string;
  patient: { name: string; id: string };
  study: string;
  series: string;
  /** dump2dcm lines added before the pixel data. */
  lines: string[];
}

/** Writes instance `n` (SOP Instance UID `<series>.<n>`) as `<out>/<n>.dcm`. */
export function writeXrayDump(x: XrayDump): { sop: string; file: string } {
  const raw = path.join(x.work, `${x.n}.raw`);
  fs.writeFileSync(raw, Buffer.alloc(16 * 16 * 2, 7));
  const sop = `${x.series}.${x.n}`;
  const dump = path.join(x.work, `${x.n}.dump`);
  fs.writeFileSync(dump, [
    `(0002,0002) UI =${x.sopClass}`,
    `(0002,0003) UI [${sop}]`,
    '(0002,0010) UI =LittleEndianExplicit',
    `(0008,0016) UI =${x.sopClass}`,
    `(0008,0018) UI [${sop}]`,
    `(0008,0060) CS [${x.modality}]`,
    `(0010,0010) PN [${x.patient.name}]`,
    `(0010,0020) LO [${x.patient.id}]`,
    `(0020,000d) UI [${x.study}]`,
    `(0020,000e) UI [${x.series}]`,
    `(0020,0013) IS [${x.n}]`,
    '(0028,0002) US 1',
    '(0028,0004) CS [MONOCHROME2]',
    '(0028,0010) US 16',
    '(0028,0011) US 16',
    '(0028,0100) US 16',
    '(0028,0101) US 12',
    '(0028,0102) US 11',
    '(0028,0103) US 0',
    ...x.lines,
    `(7fe0,0010) OW =${raw}`,
  ].join('\n') + '\n');
  const file = path.join(x.out, `${x.n}.dcm`);
  execFileSync('dump2dcm', [dump, file], { stdio: 'pipe' });
  return { sop, file };
}
