// A 16x16 12-bit projection image written by dcmtk's dump2dcm (not our writer), with lines of
// the caller's added: the CR/DX files the Imager Pixel Spacing tests read.
import path from 'node:path';
import { writeDump2dcm } from './dump2dcm';

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
  const sop = `${x.series}.${x.n}`;
  const file = writeDump2dcm(
    path.join(x.out, `${x.n}.dcm`),
    {
      sopClass: x.sopClass,
      sopInstanceUid: sop,
      modality: x.modality,
      rows: 16,
      columns: 16,
      pixels: Buffer.alloc(16 * 16 * 2, 7),
      lines: [`(0010,0010) PN [${x.patient.name}]`, `(0010,0020) LO [${x.patient.id}]`, `(0020,000d) UI [${x.study}]`, `(0020,000e) UI [${x.series}]`, `(0020,0013) IS [${x.n}]`, ...x.lines],
    },
    x.work,
  );
  return { sop, file };
}
