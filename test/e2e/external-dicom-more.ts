// More DICOM the way other software writes it, for what test/e2e/external-dicom.ts lacks:
// a five-series MR study in three orientations (dump2dcm headers with their own Image
// Orientation (Patient)), a CT study with a localizer beside an SR, a Key Object Selection
// and a Presentation State (dump2dcm, no pixels), a series stored out of order with no
// Instance Number, a CT image with no Pixel Spacing, a two-frame colour ultrasound cine,
// and one patient under two names in two series of one study. Lumen's own writer makes none
// of these. Used by test/e2e/journey-external-more.test.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ctPixels } from '../library/fixtures';

const ROOT = '1.2.826.0.1.3680043.10.1137.7';
const SIZE = 64;

/** The three orientations as Image Orientation (Patient): row then column direction cosines. */
export const ORIENTATION = {
  axial: '1\\0\\0\\0\\1\\0',
  sagittal: '0\\1\\0\\0\\0\\-1',
  coronal: '1\\0\\0\\0\\0\\-1',
} as const;

interface Header {
  sopClass: string;
  sopUid: string;
  patientName: string;
  patientId: string;
  studyUid: string;
  seriesUid: string;
  modality: string;
  studyDescription: string;
  seriesDescription: string;
  seriesNumber: number;
  instanceNumber?: number;
  /** Any other dump2dcm lines (image attributes, sequences). */
  lines: string[];
  /** Raw pixel bytes, written as (7FE0,0010); none for objects without pixels. */
  pixels?: { bytes: Buffer; vr: 'OW' | 'OB' };
}

/** One file by dcmtk's dump2dcm from a written header (explicit VR little endian). */
function dump2dcm(file: string, h: Header, work: string): void {
  const raw = path.join(work, `${path.basename(file)}.raw`);
  if (h.pixels) writeFileSync(raw, h.pixels.bytes);
  const lines = [
    `(0002,0002) UI [${h.sopClass}]`,
    `(0002,0003) UI [${h.sopUid}]`,
    `(0002,0010) UI =LittleEndianExplicit`,
    `(0008,0016) UI [${h.sopClass}]`,
    `(0008,0018) UI [${h.sopUid}]`,
    `(0008,0020) DA [20250412]`,
    `(0008,0030) TM [093000]`,
    `(0008,0050) SH [ACC${h.patientId}]`,
    `(0008,0060) CS [${h.modality}]`,
    `(0008,0070) LO [Other Vendor]`,
    `(0008,1030) LO [${h.studyDescription}]`,
    `(0008,103e) LO [${h.seriesDescription}]`,
    `(0010,0010) PN [${h.patientName}]`,
    `(0010,0020) LO [${h.patientId}]`,
    `(0010,0030) DA [19700101]`,
    `(0010,0040) CS [F]`,
    `(0020,000d) UI [${h.studyUid}]`,
    `(0020,000e) UI [${h.seriesUid}]`,
    `(0020,0010) SH [1]`,
    `(0020,0011) IS [${h.seriesNumber}]`,
    ...(h.instanceNumber !== undefined ? [`(0020,0013) IS [${h.instanceNumber}]`] : []),
    ...h.lines,
    ...(h.pixels ? [`(7fe0,0010) ${h.pixels.vr} =${raw}`] : []),
  ];
  const dump = path.join(work, `${path.basename(file)}.dump`);
  writeFileSync(dump, lines.join('\n') + '\n', 'utf8');
  execFileSync('dump2dcm', [dump, file], { stdio: 'pipe' });
}

/** A 16-bit monochrome image's attributes (CT-like stored values: HU + 1024). */
function grayImage(opts: { orientation: string; position: [number, number, number]; spacing?: boolean; localizer?: boolean }): string[] {
  return [
    ...(opts.localizer ? ['(0008,0008) CS [ORIGINAL\\PRIMARY\\LOCALIZER]'] : ['(0008,0008) CS [ORIGINAL\\PRIMARY\\AXIAL]']),
    `(0020,0032) DS [${opts.position.join('\\')}]`,
    `(0020,0037) DS [${opts.orientation}]`,
    '(0028,0002) US 1',
    '(0028,0004) CS [MONOCHROME2]',
    `(0028,0010) US ${SIZE}`,
    `(0028,0011) US ${SIZE}`,
    ...(opts.spacing === false ? [] : ['(0028,0030) DS [0.8\\0.8]']),
    '(0028,0100) US 16',
    '(0028,0101) US 12',
    '(0028,0102) US 11',
    '(0028,0103) US 0',
    '(0028,1050) DS [40]',
    '(0028,1051) DS [400]',
    '(0028,1052) DS [-1024]',
    '(0028,1053) DS [1]',
  ];
}

/** 16-bit stored values (HU + 1024): soft tissue (40 HU) with a bone disc (700 HU) of radius r in the middle. */
function discPixels(r: number): Buffer {
  const out = Buffer.alloc(SIZE * SIZE * 2);
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) out.writeUInt16LE(1024 + (Math.hypot(x - SIZE / 2, y - SIZE / 2) <= r ? 700 : 40), (y * SIZE + x) * 2);
  return out;
}

/** Two RGB frames (interleaved): a red sector on black in the first, a green one in the second. */
function colourCine(): Buffer {
  const frame = (f: number) => {
    const out = Buffer.alloc(SIZE * SIZE * 3);
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        const dx = x - SIZE / 2;
        const inSector = y > 4 && Math.hypot(dx, y) < SIZE - 4 && Math.abs(dx) < y * 0.8;
        if (!inSector) continue;
        const at = (y * SIZE + x) * 3;
        const g = 60 + ((x * 7 + y * 3) % 40);
        out[at] = f === 0 ? 220 : g;
        out[at + 1] = f === 1 ? 220 : g;
        out[at + 2] = g;
      }
    }
    return out;
  };
  return Buffer.concat([frame(0), frame(1)]);
}

export interface MoreSeries {
  uid: string;
  description: string;
  images: number;
}

export interface MoreStudy {
  /** The patient name as written (DICOM PN, ^ between parts). */
  name: string;
  patientId: string;
  studyUid: string;
  series: MoreSeries[];
}

export interface MoreExternalSet {
  dir: string;
  /** MR, five series: axial, sagittal, coronal, a second axial and a three-plane localizer. */
  orientations: MoreStudy & { orientation: Record<string, keyof typeof ORIENTATION> };
  /** CT: a localizer (ImageType LOCALIZER), an axial series, and an SR, a KO and a PR without pixels. */
  nonImage: MoreStudy & { objects: { kind: 'SR' | 'KO' | 'PR'; sopUid: string }[] };
  /** CT, four slices written to disk in the order 3, 1, 4, 2 and without Instance Number. */
  unordered: MoreStudy & { zOnDisk: number[] };
  /** CT, one image without Pixel Spacing (or Imager Pixel Spacing). */
  noSpacing: MoreStudy;
  /** US Multi-frame, RGB, two frames: red sector then green. */
  usCine: MoreStudy;
  /** One study, one Patient ID, two series whose Patient Name differ. */
  twoNames: MoreStudy & { names: [string, string] };
  /** Files with the image files' count (the objects without pixels not included). */
  imageFiles: number;
  nonImageFiles: number;
}

/** Writes the set into `dir` (created). Needs dcmtk on the PATH. */
export function writeMoreExternalSet(dir: string): MoreExternalSet {
  mkdirSync(dir, { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'lumen-external-more-'));
  const CT = '1.2.840.10008.5.1.4.1.1.2';
  const MR = '1.2.840.10008.5.1.4.1.1.4';
  let imageFiles = 0;
  let nonImageFiles = 0;
  const image = (file: string, h: Header) => {
    dump2dcm(path.join(dir, file), h, work);
    imageFiles++;
  };
  try {
    // 1. An MR study of five series in three orientations.
    const orientations: MoreExternalSet['orientations'] = {
      name: 'Ortho^Olga',
      patientId: 'EXTM01',
      studyUid: `${ROOT}.1`,
      series: [
        { uid: `${ROOT}.1.1`, description: 'T1 AX', images: 3 },
        { uid: `${ROOT}.1.2`, description: 'T2 SAG', images: 3 },
        { uid: `${ROOT}.1.3`, description: 'T1 COR', images: 3 },
        { uid: `${ROOT}.1.4`, description: 'DWI AX', images: 2 },
        { uid: `${ROOT}.1.5`, description: 'SURVEY', images: 3 },
      ],
      orientation: { 'T1 AX': 'axial', 'T2 SAG': 'sagittal', 'T1 COR': 'coronal', 'DWI AX': 'axial' },
    };
    const surveyPlanes: (keyof typeof ORIENTATION)[] = ['axial', 'sagittal', 'coronal'];
    orientations.series.forEach((s, si) => {
      for (let i = 1; i <= s.images; i++) {
        const plane = s.description === 'SURVEY' ? surveyPlanes[i - 1] : orientations.orientation[s.description];
        const offset = (i - 2) * 10;
        const position: [number, number, number] = plane === 'axial' ? [-25, -25, offset] : plane === 'sagittal' ? [offset, -25, 25] : [-25, offset, 25];
        image(`mr-s${si + 1}-${i}.dcm`, {
          sopClass: MR,
          sopUid: `${s.uid}.${i}`,
          patientName: orientations.name,
          patientId: orientations.patientId,
          studyUid: orientations.studyUid,
          seriesUid: s.uid,
          modality: 'MR',
          studyDescription: 'MR KNEE',
          seriesDescription: s.description,
          seriesNumber: si + 1,
          instanceNumber: i,
          lines: grayImage({ orientation: ORIENTATION[plane], position, localizer: s.description === 'SURVEY' }),
          pixels: { bytes: ctPixels(SIZE, SIZE, si * 10 + i), vr: 'OW' },
        });
      }
    });

    // 2. A CT study with a localizer, one axial series, and an SR, a KO and a PR (no pixels).
    const nonImage: MoreExternalSet['nonImage'] = {
      name: 'Scout^Sam',
      patientId: 'EXTM02',
      studyUid: `${ROOT}.2`,
      series: [
        { uid: `${ROOT}.2.1`, description: 'TOPOGRAM', images: 1 },
        { uid: `${ROOT}.2.2`, description: 'CHEST AX', images: 2 },
      ],
      objects: [],
    };
    const ctBase = { patientName: nonImage.name, patientId: nonImage.patientId, studyUid: nonImage.studyUid, modality: 'CT', studyDescription: 'CT CHEST' };
    image('scout-topogram.dcm', {
      ...ctBase,
      sopClass: CT,
      sopUid: `${nonImage.series[0].uid}.1`,
      seriesUid: nonImage.series[0].uid,
      seriesDescription: 'TOPOGRAM',
      seriesNumber: 1,
      instanceNumber: 1,
      lines: grayImage({ orientation: ORIENTATION.coronal, position: [-25, 0, 25], localizer: true }),
      pixels: { bytes: ctPixels(SIZE, SIZE, 99), vr: 'OW' },
    });
    for (let i = 1; i <= 2; i++) {
      image(`scout-axial-${i}.dcm`, {
        ...ctBase,
        sopClass: CT,
        sopUid: `${nonImage.series[1].uid}.${i}`,
        seriesUid: nonImage.series[1].uid,
        seriesDescription: 'CHEST AX',
        seriesNumber: 2,
        instanceNumber: i,
        lines: grayImage({ orientation: ORIENTATION.axial, position: [-25, -25, i * 5] }),
        pixels: { bytes: ctPixels(SIZE, SIZE, 100 + i), vr: 'OW' },
      });
    }
    const referenced = `${nonImage.series[1].uid}.1`;
    const reference = [
      '(0008,1115) SQ (Sequence with undefined length #=1)',
      '(fffe,e000) na (Item with undefined length #=2)',
      '(0008,1140) SQ (Sequence with undefined length #=1)',
      '(fffe,e000) na (Item with undefined length #=2)',
      `(0008,1150) UI [${CT}]`,
      `(0008,1155) UI [${referenced}]`,
      '(fffe,e00d) na (ItemDelimitationItem)',
      '(fffe,e0dd) na (SequenceDelimitationItem)',
      `(0020,000e) UI [${nonImage.series[1].uid}]`,
      '(fffe,e00d) na (ItemDelimitationItem)',
      '(fffe,e0dd) na (SequenceDelimitationItem)',
    ];
    const concept = (code: string, meaning: string) => [
      '(0040,a043) SQ (Sequence with undefined length #=1)',
      '(fffe,e000) na (Item with undefined length #=3)',
      `(0008,0100) SH [${code}]`,
      '(0008,0102) SH [DCM]',
      `(0008,0104) LO [${meaning}]`,
      '(fffe,e00d) na (ItemDelimitationItem)',
      '(fffe,e0dd) na (SequenceDelimitationItem)',
    ];
    const objects: { kind: 'SR' | 'KO' | 'PR'; sopClass: string; lines: string[] }[] = [
      {
        kind: 'SR',
        sopClass: '1.2.840.10008.5.1.4.1.1.88.11', // Basic Text SR
        lines: [
          '(0040,a040) CS [CONTAINER]',
          ...concept('121070', 'Findings'),
          '(0040,a050) CS [SEPARATE]',
          '(0040,a491) CS [COMPLETE]',
          '(0040,a493) CS [UNVERIFIED]',
          '(0040,a730) SQ (Sequence with undefined length #=1)',
          '(fffe,e000) na (Item with undefined length #=4)',
          '(0040,a010) CS [CONTAINS]',
          '(0040,a040) CS [TEXT]',
          ...concept('121071', 'Finding'),
          '(0040,a160) UT [No acute finding.]',
          '(fffe,e00d) na (ItemDelimitationItem)',
          '(fffe,e0dd) na (SequenceDelimitationItem)',
        ],
      },
      {
        kind: 'KO',
        sopClass: '1.2.840.10008.5.1.4.1.1.88.59', // Key Object Selection
        lines: ['(0040,a040) CS [CONTAINER]', ...concept('113000', 'Of Interest'), '(0040,a050) CS [SEPARATE]', ...reference.map((l) => l.replace('(0008,1115)', '(0040,a375)'))],
      },
      {
        kind: 'PR',
        sopClass: '1.2.840.10008.5.1.4.1.1.11.1', // Grayscale Softcopy Presentation State
        lines: ['(0070,0080) CS [LUMEN_TEST]', '(0070,0081) LO [Window for chest]', '(0050,0004) CS [NO]', '(2050,0020) CS [IDENTITY]', ...reference],
      },
    ];
    objects.forEach((o, i) => {
      const sopUid = `${ROOT}.2.${10 + i}.1`;
      dump2dcm(path.join(dir, `scout-${o.kind.toLowerCase()}.dcm`), {
        ...ctBase,
        modality: o.kind,
        sopClass: o.sopClass,
        sopUid,
        seriesUid: `${ROOT}.2.${10 + i}`,
        seriesDescription: `${o.kind} OBJECT`,
        seriesNumber: 100 + i,
        instanceNumber: 1,
        lines: o.lines,
      }, work);
      nonImage.objects.push({ kind: o.kind, sopUid });
      nonImageFiles++;
    });

    // 3. Four axial slices stored 3, 1, 4, 2 on disk, with no Instance Number.
    const zOnDisk = [30, 10, 40, 20];
    const unordered: MoreExternalSet['unordered'] = {
      name: 'Shuffle^Sid',
      patientId: 'EXTM03',
      studyUid: `${ROOT}.3`,
      series: [{ uid: `${ROOT}.3.1`, description: 'NO NUMBERS', images: 4 }],
      zOnDisk,
    };
    zOnDisk.forEach((z, i) => {
      image(`unordered-${String.fromCharCode(97 + i)}.dcm`, {
        sopClass: CT,
        // The UIDs' order is the disk order, not the slices'.
        sopUid: `${unordered.series[0].uid}.${i + 1}`,
        patientName: unordered.name,
        patientId: unordered.patientId,
        studyUid: unordered.studyUid,
        seriesUid: unordered.series[0].uid,
        modality: 'CT',
        studyDescription: 'CT ABDOMEN',
        seriesDescription: 'NO NUMBERS',
        seriesNumber: 1,
        lines: [...grayImage({ orientation: ORIENTATION.axial, position: [-25, -25, z] }), `(0020,1041) DS [${z}]`],
        // A disc whose radius grows with z: the viewing order shows on screen.
        pixels: { bytes: discPixels(z / 2), vr: 'OW' },
      });
    });

    // 4. One CT image without Pixel Spacing.
    const noSpacing: MoreStudy = { name: 'Nospace^Nora', patientId: 'EXTM04', studyUid: `${ROOT}.4`, series: [{ uid: `${ROOT}.4.1`, description: 'NO SPACING', images: 1 }] };
    image('no-spacing.dcm', {
      sopClass: CT,
      sopUid: `${noSpacing.series[0].uid}.1`,
      patientName: noSpacing.name,
      patientId: noSpacing.patientId,
      studyUid: noSpacing.studyUid,
      seriesUid: noSpacing.series[0].uid,
      modality: 'CT',
      studyDescription: 'CT HEAD',
      seriesDescription: 'NO SPACING',
      seriesNumber: 1,
      instanceNumber: 1,
      lines: grayImage({ orientation: ORIENTATION.axial, position: [0, 0, 0], spacing: false }),
      pixels: { bytes: ctPixels(SIZE, SIZE, 7), vr: 'OW' },
    });

    // 5. A two-frame colour ultrasound cine (US Multi-frame Image Storage, RGB).
    const usCine: MoreStudy = { name: 'Echo^Emma', patientId: 'EXTM05', studyUid: `${ROOT}.5`, series: [{ uid: `${ROOT}.5.1`, description: 'CARDIAC LOOP', images: 2 }] };
    image('us-cine.dcm', {
      sopClass: '1.2.840.10008.5.1.4.1.1.3.1',
      sopUid: `${usCine.series[0].uid}.1`,
      patientName: usCine.name,
      patientId: usCine.patientId,
      studyUid: usCine.studyUid,
      seriesUid: usCine.series[0].uid,
      modality: 'US',
      studyDescription: 'ECHO',
      seriesDescription: 'CARDIAC LOOP',
      seriesNumber: 1,
      instanceNumber: 1,
      lines: [
        '(0008,0008) CS [ORIGINAL\\PRIMARY]',
        '(0018,1063) DS [40]',
        '(0028,0002) US 3',
        '(0028,0004) CS [RGB]',
        '(0028,0006) US 0',
        '(0028,0008) IS [2]',
        '(0028,0009) AT (0018,1063)',
        `(0028,0010) US ${SIZE}`,
        `(0028,0011) US ${SIZE}`,
        '(0028,0100) US 8',
        '(0028,0101) US 8',
        '(0028,0102) US 7',
        '(0028,0103) US 0',
      ],
      pixels: { bytes: colourCine(), vr: 'OB' },
    });

    // 6. One patient (one Patient ID, one study), named differently in two series.
    const twoNames: MoreExternalSet['twoNames'] = {
      name: 'Doe^Jane',
      names: ['Doe^Jane', 'Doe-Smith^Jane^M'],
      patientId: 'EXTM06',
      studyUid: `${ROOT}.6`,
      series: [
        { uid: `${ROOT}.6.1`, description: 'BEFORE MARRIAGE', images: 1 },
        { uid: `${ROOT}.6.2`, description: 'AFTER MARRIAGE', images: 1 },
      ],
    };
    twoNames.series.forEach((s, si) => {
      image(`two-names-${si + 1}.dcm`, {
        sopClass: CT,
        sopUid: `${s.uid}.1`,
        patientName: twoNames.names[si],
        patientId: twoNames.patientId,
        studyUid: twoNames.studyUid,
        seriesUid: s.uid,
        modality: 'CT',
        studyDescription: 'CT SINUS',
        seriesDescription: s.description,
        seriesNumber: si + 1,
        instanceNumber: 1,
        lines: grayImage({ orientation: ORIENTATION.axial, position: [0, 0, si] }),
        pixels: { bytes: ctPixels(SIZE, SIZE, 50 + si), vr: 'OW' },
      });
    });

    return { dir, orientations, nonImage, unordered, noSpacing, usCine, twoNames, imageFiles, nonImageFiles };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
