// DICOM fixtures for the library tests, written by Debian's dcmtk (dump2dcm,
// dcmmkdir) from text dumps and raw pixel files into a temp folder.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

export interface SliceSpec {
  patientName: string;
  patientId: string;
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  studyDescription?: string;
  seriesDescription?: string;
  seriesNumber?: number;
  instanceNumber?: number;
  /** z of Image Position (Patient); also the Slice Location. */
  z?: number;
  rows?: number;
  columns?: number;
  modality?: string;
  studyDate?: string;
  window?: [number, number];
  /** Without preamble and meta header (a bare data set). */
  bare?: boolean;
  /** More dump2dcm lines, e.g. a large private element. */
  extraLines?: string[];
  /** Text values are byte strings (one character per byte, e.g. ISO 2022 escapes), written to the dump as they are. */
  byteStrings?: boolean;
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `lumen-${prefix}-`));
}

/** A CT-like slice in stored values (HU + 1024): air, a body disc, a bone ring, some noise. */
export function ctPixels(rows: number, columns: number, seed: number): Buffer {
  const out = Buffer.alloc(rows * columns * 2);
  let state = seed * 2654435761 || 1;
  const noise = () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return ((state >>> 16) % 41) - 20;
  };
  const cy = rows / 2;
  const cx = columns / 2;
  const r = Math.min(rows, columns) * 0.42;
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < columns; x++) {
      const d = Math.hypot(y - cy, x - cx);
      let hu = -1000;
      if (d < r) hu = 40 + noise();
      if (d > r * 0.8 && d < r * 0.9) hu = 700 + noise();
      out.writeUInt16LE(Math.max(0, hu + 1024), (y * columns + x) * 2);
    }
  }
  return out;
}

/** Writes one CT slice with dump2dcm. */
export function writeSlice(file: string, spec: SliceSpec): void {
  const rows = spec.rows ?? 32;
  const columns = spec.columns ?? 32;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-dump-'));
  try {
    const raw = path.join(work, 'pixels.raw');
    fs.writeFileSync(raw, ctPixels(rows, columns, spec.instanceNumber ?? 1));
    const z = spec.z ?? 0;
    const lines = [
      `(0002,0002) UI =CTImageStorage`,
      `(0002,0003) UI [${spec.sopUid}]`,
      `(0002,0010) UI =LittleEndianExplicit`,
      `(0008,0016) UI =CTImageStorage`,
      `(0008,0018) UI [${spec.sopUid}]`,
      `(0008,0020) DA [${spec.studyDate ?? '20240102'}]`,
      `(0008,0030) TM [101500]`,
      `(0008,0050) SH [ACC${spec.patientId}]`,
      `(0008,0060) CS [${spec.modality ?? 'CT'}]`,
      `(0008,1030) LO [${spec.studyDescription ?? 'CHEST'}]`,
      `(0008,103e) LO [${spec.seriesDescription ?? 'AXIAL'}]`,
      `(0010,0010) PN [${spec.patientName}]`,
      `(0010,0020) LO [${spec.patientId}]`,
      `(0010,0030) DA [19600101]`,
      `(0010,0040) CS [O]`,
      `(0020,000d) UI [${spec.studyUid}]`,
      `(0020,000e) UI [${spec.seriesUid}]`,
      `(0020,0010) SH [S1]`,
      `(0020,0011) IS [${spec.seriesNumber ?? 1}]`,
      ...(spec.instanceNumber !== undefined ? [`(0020,0013) IS [${spec.instanceNumber}]`] : []),
      `(0020,0032) DS [-100\\-100\\${z}]`,
      `(0020,0037) DS [1\\0\\0\\0\\1\\0]`,
      `(0020,1041) DS [${z}]`,
      `(0028,0002) US 1`,
      `(0028,0004) CS [MONOCHROME2]`,
      `(0028,0010) US ${rows}`,
      `(0028,0011) US ${columns}`,
      `(0028,0030) DS [0.7\\0.7]`,
      `(0028,0100) US 16`,
      `(0028,0101) US 12`,
      `(0028,0102) US 11`,
      `(0028,0103) US 0`,
      ...(spec.window ? [`(0028,1050) DS [${spec.window[0]}]`, `(0028,1051) DS [${spec.window[1]}]`] : []),
      `(0028,1052) DS [-1024]`,
      `(0028,1053) DS [1]`,
      ...(spec.extraLines ?? []),
      `(7fe0,0010) OW =${raw}`,
    ];
    const dump = path.join(work, 'slice.dump');
    fs.writeFileSync(dump, lines.join('\n') + '\n', spec.byteStrings ? 'latin1' : 'utf8');
    execFileSync('dump2dcm', [...(spec.bare ? ['-F'] : []), dump, file], { stdio: 'pipe' });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** dcmmkdir in `root`, over files given relative to it (names must be ISO 9660 style: upper case, 8 chars). */
export function makeDicomdir(root: string, relativeFiles: string[]): string {
  execFileSync('dcmmkdir', ['+r', '-Pgp', ...relativeFiles], { cwd: root, stdio: 'pipe' });
  return path.join(root, 'DICOMDIR');
}

export const PATIENT_A = { patientName: 'DOE^JANE', patientId: 'PA001', studyUid: '1.2.826.0.1.3680043.10.543.1', seriesUid: '1.2.826.0.1.3680043.10.543.1.1' };
export const PATIENT_B = { patientName: 'ROE^RICHARD', patientId: 'PB002', studyUid: '1.2.826.0.1.3680043.10.543.2', seriesUid: '1.2.826.0.1.3680043.10.543.2.1' };

/**
 * The mixed folder most tests import:
 *   series/IM0..IM4      a good 5-slice CT series of patient A (instance numbers 5..1 against file order)
 *   disc/DICOMDIR + disc/DICOM/IMG1, IMG2   patient B's series, listed by a DICOMDIR
 *   nopreamble           a bare data set (no preamble, no meta header), patient A, another series
 *   0042                 extension-less name, same series as nopreamble
 *   broken/truncated     a good file cut in half
 *   broken/zero          zero bytes
 *   broken/random.dcm    random bytes
 *   broken/notes.txt     a text file
 * Returns the folder. Built once into `template` and copied, since dcmtk takes ~30 ms a file.
 */
export function buildMixedFolder(template: string): string {
  if (fs.existsSync(`${template}.complete`)) return template;
  fs.mkdirSync(path.join(template, 'series'), { recursive: true });
  for (let i = 0; i < 5; i++) {
    writeSlice(path.join(template, 'series', `IM${i}`), {
      ...PATIENT_A,
      sopUid: `${PATIENT_A.seriesUid}.${i + 1}`,
      instanceNumber: 5 - i,
      z: -(5 - i) * 2.5,
      window: [40, 400],
    });
  }
  const disc = path.join(template, 'disc');
  fs.mkdirSync(path.join(disc, 'DICOM'), { recursive: true });
  for (let i = 0; i < 2; i++) {
    writeSlice(path.join(disc, 'DICOM', `IMG${i + 1}`), { ...PATIENT_B, sopUid: `${PATIENT_B.seriesUid}.${i + 1}`, instanceNumber: i + 1, z: i * 5, modality: 'CT', studyDescription: 'HEAD' });
  }
  makeDicomdir(disc, ['DICOM/IMG1', 'DICOM/IMG2']);
  const otherSeries = `${PATIENT_A.studyUid}.9`;
  writeSlice(path.join(template, 'nopreamble'), { ...PATIENT_A, seriesUid: otherSeries, sopUid: `${otherSeries}.1`, instanceNumber: 1, seriesNumber: 9, seriesDescription: 'SCOUT', bare: true });
  writeSlice(path.join(template, '0042'), { ...PATIENT_A, seriesUid: otherSeries, sopUid: `${otherSeries}.2`, instanceNumber: 2, seriesNumber: 9, seriesDescription: 'SCOUT' });
  const broken = path.join(template, 'broken');
  fs.mkdirSync(broken);
  const good = fs.readFileSync(path.join(template, 'series', 'IM0'));
  fs.writeFileSync(path.join(broken, 'truncated'), good.subarray(0, Math.floor(good.length / 2)));
  fs.writeFileSync(path.join(broken, 'zero'), Buffer.alloc(0));
  let seed = 12345;
  const random = Buffer.alloc(4096);
  for (let i = 0; i < random.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    random[i] = seed >>> 24;
  }
  fs.writeFileSync(path.join(broken, 'random.dcm'), random);
  fs.writeFileSync(path.join(broken, 'notes.txt'), 'Patient notes: nothing to see here.\n');
  fs.writeFileSync(`${template}.complete`, '');
  return template;
}

/** A fresh copy of the mixed folder (tests modify their copy). */
export function copyMixedFolder(template: string, prefix = 'mixed'): string {
  const dir = path.join(tmpDir(prefix), 'in');
  fs.cpSync(buildMixedFolder(template), dir, { recursive: true, preserveTimestamps: true });
  return dir;
}
