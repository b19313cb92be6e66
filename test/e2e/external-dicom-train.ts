// A small labelled study set a researcher makes with other software, for training in the app
// (journey-train-ui.test.ts): CT-like 64×64 slices, signed 16-bit, a body of soft tissue with
// either a bright disc or a ring of the same size at a random place (two classes a tiny network
// learns), written by GDCM gdcmimg and tagged by dcmodify, then stored as explicit little
// endian, JPEG-LS (gdcmconv --jpegls), RLE (gdcmconv --rle) or JPEG lossless (dcmcjpeg +e1);
// some patients come as one multi-frame file (unsigned, 1024 added) instead, one of them as
// JPEG 2000 (gdcmconv --j2k). The labels come as a spreadsheet exports them (labels.csv):
// a byte order mark, semicolons, quoted fields (one holding a semicolon), CRLF, a blank line
// in the middle and two at the end, labels by PatientID and by SeriesInstanceUID, and one
// patient listed under both classes.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mulberry32 } from '../../common/random';

const ROOT = '1.2.826.0.1.3680043.10.1137.25';
export const SIZE = 64;

export type Shape = 'disc' | 'ring';

export interface TrainPatient {
  id: string;
  /** The name as the study list shows it. */
  shown: string;
  shape: Shape;
  studyUid: string;
  seriesUid: string;
  /** Images the series holds (frames of a multi-frame file counted). */
  images: number;
  /** How the files are stored. */
  storage: string;
}

export interface TrainSet {
  dir: string;
  csv: string;
  patients: TrainPatient[];
  /** The patient the CSV lists under both classes. */
  conflicted: TrainPatient;
  /** Files written. */
  files: number;
  /** Lines of labels.csv (1-based) the import leaves out: the conflicted patient's two rows, then an unknown patient's. */
  badLines: number[];
}

function run(tool: string, args: string[]): void {
  execFileSync(tool, args, { stdio: 'pipe' });
}


/** One slice in HU: air, a body ellipse of soft tissue with noise, a disc or a ring of 300 HU. */
function sliceHu(shape: Shape, rnd: () => number): Int16Array {
  const out = new Int16Array(SIZE * SIZE);
  const r = 9 + rnd() * 4;
  const cx = 22 + rnd() * 20;
  const cy = 22 + rnd() * 20;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let v = ((x - 32) / 29) ** 2 + ((y - 32) / 26) ** 2 <= 1 ? 40 + Math.round((rnd() - 0.5) * 30) : -1000;
      const d = Math.hypot(x - cx, y - cy);
      if (shape === 'disc' ? d <= r : d <= r && d >= r - 3) v = 300;
      out[y * SIZE + x] = v;
    }
  }
  return out;
}

function tag(file: string, p: TrainPatient, instance: number, extra: string[]): void {
  const [family, given] = p.shown.split(', ');
  const set = [
    `PatientName=${family}^${given}`, `PatientID=${p.id}`, 'PatientBirthDate=19600101', 'PatientSex=O',
    'StudyDescription=CT ABDOMEN', 'StudyDate=20250301', 'StudyTime=090000', `StudyID=${p.id.slice(-2)}`, `AccessionNumber=R${p.id.slice(-2)}`, 'ReferringPhysicianName=',
    'SeriesDescription=AXIAL 5MM', 'SeriesNumber=2', `InstanceNumber=${instance}`, 'Modality=CT',
    ...extra,
  ];
  run('dcmodify', ['-nb', ...set.flatMap((s) => ['-i', s]), file]);
}

/** Writes the set into `dir` (created) and labels.csv beside it. Needs dcmtk and GDCM on the PATH. */
export function writeTrainSet(dir: string, opts: { patients?: number; slices?: number; seed?: number } = {}): TrainSet {
  const count = opts.patients ?? 16;
  const slices = opts.slices ?? 4;
  const rnd = mulberry32(opts.seed ?? 7);
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'lumen-train-set-'));
  const storages = ['explicit little endian', 'JPEG-LS lossless', 'RLE', 'JPEG lossless SV1'];
  const families = ['Ash', 'Birch', 'Cedar', 'Dogwood', 'Elm', 'Fir', 'Gum', 'Hazel', 'Ilex', 'Juniper', 'Kapok', 'Larch', 'Maple', 'Nutmeg', 'Oak', 'Pine', 'Quince', 'Rowan', 'Spruce', 'Teak'];
  const patients: TrainPatient[] = [];
  let files = 0;
  try {
    for (let i = 0; i < count; i++) {
      const n = String(i + 1).padStart(2, '0');
      // Every fourth patient from the third on comes as one multi-frame file; the first of them as JPEG 2000.
      const multi = i % 4 === 2;
      const p: TrainPatient = {
        id: `RS${n}`, shown: `${families[i % families.length]}, Pat${n}`, shape: i % 2 === 0 ? 'disc' : 'ring',
        studyUid: `${ROOT}.${i + 1}`, seriesUid: `${ROOT}.${i + 1}.2`, images: slices,
        storage: multi ? (i === 2 ? 'multi-frame JPEG 2000' : 'multi-frame explicit little endian') : storages[i % storages.length],
      };
      patients.push(p);
      const folder = path.join(dir, p.id);
      mkdirSync(folder, { recursive: true });
      if (multi) {
        const raw = Buffer.alloc(SIZE * SIZE * 2 * slices);
        for (let f = 0; f < slices; f++) {
          const hu = sliceHu(p.shape, rnd);
          for (let k = 0; k < hu.length; k++) raw.writeUInt16LE(hu[k] + 1024, (f * hu.length + k) * 2);
        }
        const rawFile = path.join(work, `${p.id}.raw`);
        writeFileSync(rawFile, raw);
        const plain = path.join(work, `${p.id}.dcm`);
        // Multi-frame Grayscale Word Secondary Capture, 12 bits stored.
        run('gdcmimg', ['--size', `${SIZE},${SIZE},${slices}`, '--depth', '16', '--pf', '16,12,11', '-C', '1.2.840.10008.5.1.4.1.1.7.3', '-T', p.studyUid, '-S', p.seriesUid, rawFile, plain]);
        tag(plain, p, 1, ['WindowCenter=1064', 'WindowWidth=400']);
        const out = path.join(folder, 'IM0001');
        if (i === 2) run('gdcmconv', ['--j2k', plain, out]);
        else run('dcmconv', ['+te', plain, out]);
        files++;
        continue;
      }
      for (let s = 0; s < slices; s++) {
        const hu = sliceHu(p.shape, rnd);
        const rawFile = path.join(work, `${p.id}-${s}.raw`);
        writeFileSync(rawFile, Buffer.from(hu.buffer, hu.byteOffset, hu.byteLength));
        const plain = path.join(work, `${p.id}-${s}.dcm`);
        run('gdcmimg', ['--size', `${SIZE},${SIZE}`, '--depth', '16', '--sign', '1', '-C', '1.2.840.10008.5.1.4.1.1.2', '-T', p.studyUid, '-S', p.seriesUid, rawFile, plain]);
        tag(plain, p, s + 1, [
          'PixelSpacing=0.7\\0.7', 'SliceThickness=5', `ImagePositionPatient=-22\\-22\\${-s * 5}`, 'ImageOrientationPatient=1\\0\\0\\0\\1\\0',
          'RescaleIntercept=0', 'RescaleSlope=1', 'RescaleType=HU', 'WindowCenter=40', 'WindowWidth=400',
        ]);
        const out = path.join(folder, `IM${String(s + 1).padStart(4, '0')}`);
        const storage = i % storages.length;
        if (storage === 0) run('dcmconv', ['+te', plain, out]);
        else if (storage === 1) run('gdcmconv', ['--jpegls', plain, out]);
        else if (storage === 2) run('gdcmconv', ['--rle', plain, out]);
        else run('dcmcjpeg', ['+e1', plain, out]);
        files++;
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }

  // The spreadsheet: the first half labelled by PatientID, the rest by SeriesInstanceUID, a
  // note column (one note holding the separator), and two rows that cannot be used. The last
  // patient is listed twice, under each class: a slip the import must not settle by itself.
  const conflicted = patients[patients.length - 1];
  const lines: string[] = ['"PatientID";"SeriesInstanceUID";"label";"Note"'];
  const badLines: number[] = [];
  patients.forEach((p, i) => {
    if (i === Math.floor(count / 2)) lines.push('');
    if (i < count / 2) lines.push(`"${p.id}";;"${p.shape}";"${i === 0 ? 'checked; twice' : 'ok'}"`);
    else lines.push(`;"${p.seriesUid}";${p.shape};`);
    if (p === conflicted) badLines.push(lines.length);
  });
  lines.push(`"${conflicted.id}";;"${conflicted.shape === 'disc' ? 'ring' : 'disc'}";"second reader"`);
  badLines.push(lines.length);
  lines.push('"RS99";;"disc";"not imported"');
  badLines.push(lines.length);
  const csv = path.join(path.dirname(dir), 'labels.csv');
  writeFileSync(csv, `\uFEFF${lines.join('\r\n')}\r\n\r\n\r\n`);
  return { dir, csv, patients, conflicted, files, badLines };
}
