// DICOM made by other software, the way a user's files come: dcmtk (img2dcm from a BMP,
// dump2dcm from a hand-written header, dcmodify, dcmcjpeg, dcmcrle, dcmcjpls) and GDCM
// (gdcmimg from raw and PGM pixels, gdcmconv to JPEG 2000). Lumen's own writer makes none
// of these files. Used by test/e2e/journey-external.test.ts.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeSlice } from '../library/fixtures';
import { bmp24 } from '../support/bmp';

const ROOT = '1.2.826.0.1.3680043.10.1137';
const SIZE = 64;

function run(tool: string, args: string[]): void {
  execFileSync(tool, args, { stdio: 'pipe' });
}

/** 8-bit gray: a background level with a bright disc at (cx, cy) of radius r. */
function grayDisc(cx: number, cy: number, r: number, background = 60, disc = 220): Buffer {
  const out = Buffer.alloc(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) out[y * SIZE + x] = (x - cx) ** 2 + (y - cy) ** 2 <= r * r ? disc : background + ((x + y) % 7);
  return out;
}

/** Red left half, blue right half, a green disc. */
function colourBmp(): Buffer {
  return bmp24(SIZE, SIZE, (x, y) => ((x - 32) ** 2 + (y - 32) ** 2 <= 100 ? [20, 200, 40] : x < SIZE / 2 ? [210, 30, 30] : [30, 40, 210]));
}

export interface ExternalPatient {
  /** The name as the study list shows it. */
  shown: string;
  patientId: string;
  studyUid: string;
  series: { uid: string; description: string; images: number }[];
}

export interface ExternalSet {
  dir: string;
  /** A two-series CT study (dump2dcm; the second series compressed by dcmcjpeg, dcmcrle and dcmcjpls), name in ISO_IR 100. */
  latin1: ExternalPatient;
  /** One multi-frame image (gdcmimg from raw pixels, then JPEG 2000 by gdcmconv), name in ISO_IR 192. */
  multiframe: ExternalPatient & { frames: number };
  /** A colour image (img2dcm from a BMP, then JPEG baseline by dcmcjpeg). */
  colour: ExternalPatient;
  /** A MONOCHROME1 image (gdcmimg from a PGM): a bright-valued disc shows dark. */
  monochrome1: ExternalPatient;
  /** Each file made, with how. */
  files: { file: string; made: string }[];
}

/** Writes the set into `dir` (created). Needs dcmtk and GDCM on the PATH. */
export function writeExternalSet(dir: string): ExternalSet {
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'lumen-external-'));
  const files: { file: string; made: string }[] = [];
  try {
    // 1. Latin-1 name, two series of three CT slices (dump2dcm), the second compressed three ways.
    const latin1: ExternalPatient = {
      shown: 'Müller, Jürgen',
      patientId: 'EXT001',
      studyUid: `${ROOT}.1`,
      series: [
        { uid: `${ROOT}.1.1`, description: 'AXIAL', images: 3 },
        { uid: `${ROOT}.1.2`, description: 'CORONAL', images: 3 },
      ],
    };
    latin1.series.forEach((s, si) => {
      for (let i = 1; i <= s.images; i++) {
        const plain = path.join(work, `latin1-${si}-${i}.dcm`);
        writeSlice(plain, {
          patientName: 'M\u00fcller^J\u00fcrgen',
          patientId: latin1.patientId,
          studyUid: latin1.studyUid,
          seriesUid: s.uid,
          sopUid: `${s.uid}.${i}`,
          studyDescription: 'THORAX',
          seriesDescription: s.description,
          seriesNumber: si + 1,
          instanceNumber: i,
          z: i * 5,
          rows: SIZE,
          columns: SIZE,
          window: [40, 400],
          byteStrings: true,
          extraLines: ['(0008,0005) CS [ISO_IR 100]'],
        });
        const out = path.join(dir, `latin1-s${si + 1}-${i}.dcm`);
        if (si === 0) {
          copyFileSync(plain, out);
          files.push({ file: out, made: 'dcmtk dump2dcm, explicit VR little endian' });
        } else {
          const [tool, args, made] = ([
            ['dcmcjpeg', ['+el'], 'dcmtk dcmcjpeg, JPEG lossless (process 14)'],
            ['dcmcrle', [], 'dcmtk dcmcrle, RLE lossless'],
            ['dcmcjpls', [], 'dcmtk dcmcjpls, JPEG-LS lossless'],
          ] as const)[i - 1];
          run(tool, [...args, plain, out]);
          files.push({ file: out, made });
        }
      }
    });

    // 2. A multi-frame image by GDCM from raw bytes (a disc moving from frame to frame), named in UTF-8.
    const frames = 5;
    const raw = path.join(work, 'frames.raw');
    writeFileSync(raw, Buffer.concat(Array.from({ length: frames }, (_, f) => grayDisc(14 + f * 9, 32, 7))));
    const multiframe = {
      shown: 'Łukasz, Żółć',
      patientId: 'EXT002',
      studyUid: `${ROOT}.2`,
      series: [{ uid: `${ROOT}.2.1`, description: 'CINE', images: frames }],
      frames,
    };
    const mfPlain = path.join(work, 'multiframe.dcm');
    // Multi-frame Grayscale Byte Secondary Capture.
    run('gdcmimg', ['--size', `${SIZE},${SIZE},${frames}`, '--depth', '8', '-C', '1.2.840.10008.5.1.4.1.1.7.2', '-T', multiframe.studyUid, '-S', multiframe.series[0].uid, raw, mfPlain]);
    describe(mfPlain, { charset: 'ISO_IR 192', name: '\u0141ukasz^\u017b\u00f3\u0142\u0107', id: multiframe.patientId, study: 'CINE LOOP', series: 'CINE', modality: 'OT' });
    const mfOut = path.join(dir, 'multiframe-j2k.dcm');
    run('gdcmconv', ['--j2k', mfPlain, mfOut]);
    files.push({ file: mfOut, made: `GDCM gdcmimg (${frames} frames from raw bytes), gdcmconv --j2k` });

    // 3. Colour: img2dcm from a BMP, then dcmcjpeg to JPEG baseline (YBR_FULL_422).
    const bmp = path.join(work, 'colour.bmp');
    writeFileSync(bmp, colourBmp());
    const colour: ExternalPatient = { shown: 'Colour, Carl', patientId: 'EXT003', studyUid: `${ROOT}.3`, series: [{ uid: `${ROOT}.3.1`, description: 'PHOTO', images: 1 }] };
    const colourPlain = path.join(work, 'colour.dcm');
    run('img2dcm', ['-i', 'BMP', bmp, colourPlain, '-k', 'PatientName=Colour^Carl', '-k', `PatientID=${colour.patientId}`, '-k', `StudyInstanceUID=${colour.studyUid}`, '-k', `SeriesInstanceUID=${colour.series[0].uid}`, '-k', 'StudyDescription=DERMATOLOGY', '-k', 'SeriesDescription=PHOTO', '-k', 'Modality=XC']);
    const colourOut = path.join(dir, 'colour-jpeg.dcm');
    run('dcmcjpeg', ['+eb', colourPlain, colourOut]);
    files.push({ file: colourOut, made: 'dcmtk img2dcm from a 24-bit BMP, dcmcjpeg JPEG baseline' });

    // 4. MONOCHROME1 from a PGM by GDCM: the disc's high values show dark, the background light.
    const pgm = path.join(work, 'mono1.pgm');
    writeFileSync(pgm, Buffer.concat([Buffer.from(`P5\n${SIZE} ${SIZE}\n255\n`, 'latin1'), grayDisc(32, 32, 14)]));
    const monochrome1: ExternalPatient = { shown: 'Inverse, Ida', patientId: 'EXT004', studyUid: `${ROOT}.4`, series: [{ uid: `${ROOT}.4.1`, description: 'CHEST PA', images: 1 }] };
    const mono1 = path.join(dir, 'monochrome1.dcm');
    run('gdcmimg', ['--pi', 'MONOCHROME1', '-C', '1.2.840.10008.5.1.4.1.1.1', '-T', monochrome1.studyUid, '-S', monochrome1.series[0].uid, pgm, mono1]);
    describe(mono1, { name: 'Inverse^Ida', id: monochrome1.patientId, study: 'CHEST', series: 'CHEST PA', modality: 'CR' });
    files.push({ file: mono1, made: 'GDCM gdcmimg --pi MONOCHROME1 from a PGM' });

    return { dir, latin1, multiframe, colour, monochrome1, files };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** dcmodify: the patient and study attributes GDCM leaves empty (values as UTF-8 bytes, so only with ISO_IR 192 or ASCII). */
function describe(file: string, d: { charset?: string; name: string; id: string; study: string; series: string; modality: string }): void {
  const set = [
    ...(d.charset ? [`SpecificCharacterSet=${d.charset}`] : []),
    `PatientName=${d.name}`,
    `PatientID=${d.id}`,
    `StudyDescription=${d.study}`,
    `SeriesDescription=${d.series}`,
    `Modality=${d.modality}`,
    'StudyDate=20250301',
  ];
  run('dcmodify', ['-nb', ...set.flatMap((s) => ['-i', s]), file]);
}
