// DICOM from other software for the README's "Where your data lives", "Settings and
// versions", viewer keys and CLI journeys (journey-readme-data.test.ts): what the other
// external sets lack.
// - A multi-frame word image of odd size (97×61, 3 frames, 12 of 16 bits) written by GDCM's
//   gdcmimg from raw bytes, named in UTF-8 by dcmodify, converted to Latin-1 (ISO_IR 100) by
//   dcmtk's dcmconv, then compressed JPEG-LS lossless by dcmcjpls: no Study Date, no series
//   description, no window.
// - A colour picture of odd size (161×121) wrapped by dcmtk's img2dcm from a BMP, then
//   compressed to JPEG baseline by dcmcjpeg: only the tags img2dcm writes plus a name.
// - An RT dose grid from gdcmimg (32-bit unsigned, three frames) given its Dose Grid Scaling
//   and units by dcmodify.
// - A text file beside them (README.TXT), as discs carry.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bmp24 } from '../support/bmp';

const ROOT = '1.2.826.0.1.3680043.10.1137.27';

function run(tool: string, args: string[]): void {
  execFileSync(tool, args, { stdio: 'pipe' });
}

export interface DataSet {
  dir: string;
  multiframe: { file: string; shown: string; search: string; studyUid: string; seriesUid: string; rows: number; columns: number; frames: number; frame: (n: number) => Uint16Array };
  photo: { file: string; shown: string; studyUid: string };
  /** An RT dose grid; `gray(x, y, f)` is its dose in Gy. */
  dose: { file: string; shown: string; studyUid: string; columns: number; rows: number; frames: number; scaling: number; gray: (x: number, y: number, f: number) => number };
}

/** The stored value of pixel (x, y) of frame f (0-based): a ramp per frame, 12 bits used. */
function value(x: number, y: number, f: number): number {
  return (f * 1000 + x * 23 + y * 11) % 4096;
}

/** The stored value of the dose grid at (x, y) of frame f (0-based). */
function doseValue(x: number, y: number, f: number): number {
  return (f + 1) * 10000 + x * 300 + y * 50;
}

/** Writes the set into `dir` (created). Needs dcmtk and GDCM on the PATH. */
export function writeDataSet(dir: string): DataSet {
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'lumen-data-set-'));
  try {
    const columns = 97;
    const rows = 61;
    const frames = 3;
    const raw = Buffer.alloc(columns * rows * frames * 2);
    for (let f = 0; f < frames; f++) {
      for (let y = 0; y < rows; y++) {
        for (let x = 0; x < columns; x++) raw.writeUInt16LE(value(x, y, f), ((f * rows + y) * columns + x) * 2);
      }
    }
    const rawFile = path.join(work, 'mf.raw');
    writeFileSync(rawFile, raw);
    const studyUid = `${ROOT}.1`;
    const seriesUid = `${studyUid}.1`;
    const plain = path.join(work, 'mf-plain.dcm');
    const utf8 = path.join(work, 'mf-utf8.dcm');
    const latin1 = path.join(work, 'mf-latin1.dcm');
    // Multi-frame Grayscale Word Secondary Capture.
    run('gdcmimg', ['--size', `${columns},${rows},${frames}`, '--depth', '16', '--pf', '16,12,11', '-C', '1.2.840.10008.5.1.4.1.1.7.3', '-T', studyUid, '-S', seriesUid, rawFile, plain]);
    copyFileSync(plain, utf8);
    run('dcmodify', ['-nb', '-i', 'SpecificCharacterSet=ISO_IR 192', '-i', 'PatientName=Müller^Jürgen', '-i', 'PatientID=EXT-L1', '-i', 'Modality=OT', '-i', 'StudyDescription=Überweisung', utf8]);
    run('dcmconv', ['+L1', utf8, latin1]);
    const file = path.join(dir, 'multiframe', 'MF0001');
    mkdirSync(path.dirname(file), { recursive: true });
    run('dcmcjpls', [latin1, file]);

    // A colour photograph: a BMP wrapped by img2dcm (RGB), compressed to JPEG baseline by dcmcjpeg.
    const bmp = path.join(work, 'photo.bmp');
    writeFileSync(bmp, bmp24(161, 121, (x, y) => ((x - 80) ** 2 + (y - 60) ** 2 < 900 ? [240, 220, 20] : [Math.round((x * 255) / 160), 40, Math.round((y * 255) / 120)])));
    const wrapped = path.join(work, 'photo-rgb.dcm');
    const photoStudy = `${ROOT}.2`;
    run('img2dcm', ['-i', 'BMP', '-k', 'PatientName=Photo^Pia', '-k', 'PatientID=EXT-P1', '-k', `StudyInstanceUID=${photoStudy}`, '-k', `SeriesInstanceUID=${photoStudy}.1`, bmp, wrapped]);
    const photo = path.join(dir, 'photo', 'IMG_0001.dcm');
    mkdirSync(path.dirname(photo), { recursive: true });
    run('dcmcjpeg', ['+eb', wrapped, photo]);

    // An RT dose grid: 32-bit unsigned, three frames, values in Gy through Dose Grid Scaling (gdcmimg, then dcmodify).
    const dose = { columns: 64, rows: 48, frames: 3, scaling: 0.0001 };
    const doseRaw = Buffer.alloc(dose.columns * dose.rows * dose.frames * 4);
    for (let f = 0; f < dose.frames; f++) {
      for (let y = 0; y < dose.rows; y++) for (let x = 0; x < dose.columns; x++) doseRaw.writeUInt32LE(doseValue(x, y, f), ((f * dose.rows + y) * dose.columns + x) * 4);
    }
    const doseRawFile = path.join(work, 'dose.raw');
    writeFileSync(doseRawFile, doseRaw);
    const doseFile = path.join(dir, 'rtdose', 'RD0001.dcm');
    mkdirSync(path.dirname(doseFile), { recursive: true });
    const doseStudy = `${ROOT}.3`;
    run('gdcmimg', ['--size', `${dose.columns},${dose.rows},${dose.frames}`, '--depth', '32', '--pf', '32,32,31', '-C', '1.2.840.10008.5.1.4.1.1.481.2', '-T', doseStudy, '-S', `${doseStudy}.1`, doseRawFile, doseFile]);
    run('dcmodify', ['-nb', '-i', 'PatientName=Dose^Dora', '-i', 'PatientID=EXT-RD', '-i', 'Modality=RTDOSE', '-i', 'DoseUnits=GY', '-i', 'DoseType=PHYSICAL', '-i', 'DoseSummationType=PLAN', '-i', `DoseGridScaling=${dose.scaling}`, '-i', 'PixelSpacing=2.5\\2.5', '-i', 'GridFrameOffsetVector=0\\3\\6', doseFile]);

    // What sits beside DICOM on a disc or in a folder a user copied: a text file.
    writeFileSync(path.join(dir, 'README.TXT'), 'Exported by the modality. Do not edit.\r\n');

    return {
      dir,
      dose: { file: doseFile, shown: 'Dose, Dora', studyUid: doseStudy, ...dose, gray: (x, y, f) => doseValue(x, y, f) * dose.scaling },
      multiframe: {
        file,
        shown: 'Müller, Jürgen',
        search: 'MÜLLER',
        studyUid,
        seriesUid,
        rows,
        columns,
        frames,
        frame: (n) => {
          const out = new Uint16Array(rows * columns);
          for (let y = 0; y < rows; y++) for (let x = 0; x < columns; x++) out[y * columns + x] = value(x, y, n);
          return out;
        },
      },
      photo: { file: photo, shown: 'Photo, Pia', studyUid: photoStudy },
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
