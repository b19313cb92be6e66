// A disc the way other software burns one, for what external-dicom*.ts lack: a DICOMDIR made
// by dcmmkdir over files of odd sizes (511×383) in transfer syntaxes other tools wrote: a
// signed 16-bit CT series by GDCM gdcmimg, its slices then written as JPEG-LS (gdcmconv
// --jpegls), RLE (gdcmconv --rle), deflated and big endian (dcmconv +td, +tb) and JPEG
// lossless (dcmcjpeg +e1); an RGB photograph by gdcmimg written as JPEG baseline with 4:2:2
// chroma (dcmcjpeg +eb, an odd width); a three-frame 16-bit image as JPEG 2000 (gdcmconv
// --j2k) and a MONOCHROME1 radiograph as JPEG-LS. Each image is asymmetric (a bright block
// at the top left), so a flipped or rotated display shows. Used by journey-readme-disc.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = '1.2.826.0.1.3680043.10.1137.23';
export const COLUMNS = 511;
export const ROWS = 383;

function run(tool: string, args: string[], cwd?: string): void {
  execFileSync(tool, args, { stdio: 'pipe', cwd });
}

/** Whether (x, y) lies in the bright block at the top left (a quarter of each side). */
function inBlock(x: number, y: number): boolean {
  return x < COLUMNS / 4 && y < ROWS / 4;
}

/** Signed 16-bit CT values: air around a body ellipse, bone in the top-left block, a disc that moves with the slice. */
function ctSlice(slice: number): Buffer {
  const out = Buffer.alloc(COLUMNS * ROWS * 2);
  const cx = 200 + slice * 25;
  for (let y = 0; y < ROWS; y++) {
    for (let x = 0; x < COLUMNS; x++) {
      let v = ((x - COLUMNS / 2) / 240) ** 2 + ((y - ROWS / 2) / 180) ** 2 <= 1 ? 40 + ((x + y) % 9) : -1000;
      if ((x - cx) ** 2 + (y - 250) ** 2 <= 30 * 30) v = 300;
      if (inBlock(x, y)) v = 1200;
      out.writeInt16LE(v, (y * COLUMNS + x) * 2);
    }
  }
  return out;
}

/** 8-bit RGB, interleaved: a blue field, a red block at the top left, a green stripe down the middle. */
function rgbPhoto(): Buffer {
  const out = Buffer.alloc(COLUMNS * ROWS * 3);
  for (let y = 0; y < ROWS; y++) {
    for (let x = 0; x < COLUMNS; x++) {
      const [r, g, b] = inBlock(x, y) ? [220, 30, 30] : Math.abs(x - COLUMNS / 2) < 20 ? [30, 200, 40] : [30, 40, 200];
      out.set([r, g, b], (y * COLUMNS + x) * 3);
    }
  }
  return out;
}

/** Unsigned 16-bit (12 used): a dim field, the top-left block bright, a bar that moves with the frame. */
function frame16(frame: number): Buffer {
  const out = Buffer.alloc(COLUMNS * ROWS * 2);
  for (let y = 0; y < ROWS; y++) {
    for (let x = 0; x < COLUMNS; x++) {
      const v = inBlock(x, y) ? 4000 : Math.abs(x - (150 + frame * 100)) < 15 ? 2500 : 300 + (x % 50);
      out.writeUInt16LE(v, (y * COLUMNS + x) * 2);
    }
  }
  return out;
}

export interface DiscSeries {
  uid: string;
  description: string;
  images: number;
}

export interface DiscStudy {
  /** The patient's name as the study list shows it. */
  shown: string;
  patientId: string;
  studyUid: string;
  series: DiscSeries[];
}

export interface DiscSet {
  /** The disc's root folder, holding DICOMDIR. */
  root: string;
  dicomdir: string;
  ct: DiscStudy & { transferSyntaxes: string[] };
  photo: DiscStudy;
  cine: DiscStudy & { frames: number };
  radiograph: DiscStudy;
  /** Every image file on the disc, relative to the root. */
  files: string[];
}

function describe(file: string, d: { name: string; id: string; study: string; series: string; modality: string; instance?: number; extra?: string[] }): void {
  const set = [
    `PatientName=${d.name}`,
    `PatientID=${d.id}`,
    `StudyDescription=${d.study}`,
    `SeriesDescription=${d.series}`,
    `Modality=${d.modality}`,
    'StudyDate=20250512',
    'StudyTime=101500',
    `StudyID=${d.id.slice(-2)}`,
    `AccessionNumber=A${d.id.slice(-2)}`,
    'ReferringPhysicianName=',
    'PatientBirthDate=19700101',
    'PatientSex=O',
    `SeriesNumber=1`,
    `InstanceNumber=${d.instance ?? 1}`,
    ...(d.extra ?? []),
  ];
  run('dcmodify', ['-nb', ...set.flatMap((s) => ['-i', s]), file]);
}

/** Writes the disc into `root` (created). Needs dcmtk and GDCM on the PATH. */
export function writeDiscSet(root: string): DiscSet {
  mkdirSync(path.join(root, 'DICOM'), { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'lumen-disc-set-'));
  const files: string[] = [];
  const at = (name: string) => {
    files.push(`DICOM/${name}`);
    return path.join(root, 'DICOM', name);
  };
  try {
    // 1. A signed CT series, one slice per transfer syntax.
    const ct = {
      shown: 'Disc, Dora',
      patientId: 'DISC01',
      studyUid: `${ROOT}.1`,
      series: [{ uid: `${ROOT}.1.1`, description: 'AXIAL 511', images: 6 }],
      transferSyntaxes: ['explicit little endian', 'JPEG-LS lossless', 'RLE', 'deflated', 'explicit big endian', 'JPEG lossless SV1'],
    };
    for (let i = 0; i < 6; i++) {
      const raw = path.join(work, `ct${i}.raw`);
      writeFileSync(raw, ctSlice(i));
      const plain = path.join(work, `ct${i}.dcm`);
      run('gdcmimg', ['--size', `${COLUMNS},${ROWS}`, '--depth', '16', '--sign', '1', '-C', '1.2.840.10008.5.1.4.1.1.2', '-T', ct.studyUid, '-S', ct.series[0].uid, raw, plain]);
      describe(plain, {
        name: 'Disc^Dora', id: ct.patientId, study: 'CT CHEST', series: 'AXIAL 511', modality: 'CT', instance: i + 1,
        extra: ['PixelSpacing=0.8\\0.8', 'SliceThickness=2', `ImagePositionPatient=-204\\-153\\${-i * 2}`, 'ImageOrientationPatient=1\\0\\0\\0\\1\\0', 'RescaleIntercept=0', 'RescaleSlope=1', 'RescaleType=HU', 'WindowCenter=40', 'WindowWidth=400'],
      });
      const out = at(`CT${i + 1}`);
      if (i === 0) run('dcmconv', ['+te', plain, out]);
      else if (i === 1) run('gdcmconv', ['--jpegls', plain, out]);
      else if (i === 2) run('gdcmconv', ['--rle', plain, out]);
      else if (i === 3) run('dcmconv', ['+td', plain, out]);
      else if (i === 4) run('dcmconv', ['+tb', plain, out]);
      else run('dcmcjpeg', ['+e1', plain, out]);
    }

    // 2. An RGB photograph, JPEG baseline with 4:2:2 chroma at an odd width.
    const photo = { shown: 'Photo, Pia', patientId: 'DISC02', studyUid: `${ROOT}.2`, series: [{ uid: `${ROOT}.2.1`, description: 'SKIN 511', images: 1 }] };
    const rgbRaw = path.join(work, 'rgb.raw');
    writeFileSync(rgbRaw, rgbPhoto());
    const rgbPlain = path.join(work, 'rgb.dcm');
    run('gdcmimg', ['--size', `${COLUMNS},${ROWS}`, '--depth', '8', '--spp', '3', '--pi', 'RGB', '-C', '1.2.840.10008.5.1.4.1.1.7', '-T', photo.studyUid, '-S', photo.series[0].uid, rgbRaw, rgbPlain]);
    describe(rgbPlain, { name: 'Photo^Pia', id: photo.patientId, study: 'DERMATOLOGY', series: 'SKIN 511', modality: 'XC' });
    run('dcmcjpeg', ['+eb', rgbPlain, at('PHOTO1')]);

    // 3. Three 16-bit frames as JPEG 2000.
    const frames = 3;
    const cine = { shown: 'Frames, Fay', patientId: 'DISC03', studyUid: `${ROOT}.3`, series: [{ uid: `${ROOT}.3.1`, description: 'XA 511', images: 1 }], frames };
    const cineRaw = path.join(work, 'cine.raw');
    writeFileSync(cineRaw, Buffer.concat(Array.from({ length: frames }, (_, f) => frame16(f))));
    const cinePlain = path.join(work, 'cine.dcm');
    // Multi-frame Grayscale Word Secondary Capture.
    run('gdcmimg', ['--size', `${COLUMNS},${ROWS},${frames}`, '--depth', '16', '--pf', '16,12,11', '-C', '1.2.840.10008.5.1.4.1.1.7.3', '-T', cine.studyUid, '-S', cine.series[0].uid, cineRaw, cinePlain]);
    describe(cinePlain, { name: 'Frames^Fay', id: cine.patientId, study: 'ANGIO', series: 'XA 511', modality: 'OT' });
    run('gdcmconv', ['--j2k', cinePlain, at('CINE1')]);

    // 4. A MONOCHROME1 radiograph as JPEG-LS: the bright block's high values show dark.
    const radiograph = { shown: 'Inverse, Ivo', patientId: 'DISC04', studyUid: `${ROOT}.4`, series: [{ uid: `${ROOT}.4.1`, description: 'PA 511', images: 1 }] };
    const crRaw = path.join(work, 'cr.raw');
    writeFileSync(crRaw, frame16(0));
    const crPlain = path.join(work, 'cr.dcm');
    run('gdcmimg', ['--size', `${COLUMNS},${ROWS}`, '--depth', '16', '--pf', '16,12,11', '--pi', 'MONOCHROME1', '-C', '1.2.840.10008.5.1.4.1.1.1', '-T', radiograph.studyUid, '-S', radiograph.series[0].uid, crRaw, crPlain]);
    describe(crPlain, { name: 'Inverse^Ivo', id: radiograph.patientId, study: 'CHEST', series: 'PA 511', modality: 'CR', extra: ['WindowCenter=2048', 'WindowWidth=4096'] });
    run('gdcmconv', ['--jpegls', crPlain, at('CR1')]);

    // The DICOMDIR, as a disc burner writes it (no transfer syntax, encoding or size checks).
    run('dcmmkdir', ['+r', '-Pgp', '-Nxc', '-Nec', '-Nrc', '+I', ...files], root);
    return { root, dicomdir: path.join(root, 'DICOMDIR'), ct, photo, cine, radiograph, files };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
