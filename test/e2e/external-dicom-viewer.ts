// DICOM for the viewer audit (test/e2e/viewer-audit.test.ts), made the way other software and
// real scanners write it, with what test/e2e/external-dicom*.ts do not: a CR in MONOCHROME1
// with Pixel Padding Value and two windows (dump2dcm); a DX with VOI LUT Function SIGMOID; a
// Modality LUT Sequence in place of a rescale; a three-frame ultrasound cine in YBR_FULL_422
// JPEG baseline (gdcmimg, dcmcjpeg); PALETTE COLOR (dcmquant); 8-bit RGB with Planar
// Configuration 1 (gdcmconv); a signed CT in JPEG-LS and JPEG 2000 lossless by gdcmconv;
// explicit VR big endian (dcmconv); odd sizes, 513x257 and 2x4096 (gdcmimg); a one-frame
// Enhanced MR whose geometry is only in its functional groups, and a three-plane Enhanced
// localizer whose frames each have their own (dump2dcm). Each file
// comes with dcmtk's own decode of it (dcm2pnm) where that is the reference.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { bmp24 } from '../support/bmp';

const ROOT = '1.2.826.0.1.3680043.10.1137.11';
const SIZE = 64;

function run(tool: string, args: string[]): void {
  execFileSync(tool, args, { stdio: 'pipe' });
}

interface Header {
  sopClass: string;
  name: string;
  id: string;
  study: number;
  series: number;
  instance?: number;
  modality: string;
  description: string;
  lines: string[];
  pixels?: Buffer;
}

const studyUid = (n: number) => `${ROOT}.${n}`;
const seriesUid = (n: number, s: number) => `${ROOT}.${n}.${s}`;

/** One file by dcmtk's dump2dcm from a written header (explicit VR little endian). */
function dump2dcm(file: string, h: Header, work: string): void {
  const sop = `${seriesUid(h.study, h.series)}.${h.instance ?? 1}`;
  const raw = path.join(work, `${path.basename(file)}.raw`);
  if (h.pixels) writeFileSync(raw, h.pixels);
  const lines = [
    `(0002,0002) UI [${h.sopClass}]`,
    `(0002,0003) UI [${sop}]`,
    `(0002,0010) UI =LittleEndianExplicit`,
    `(0008,0016) UI [${h.sopClass}]`,
    `(0008,0018) UI [${sop}]`,
    `(0008,0020) DA [20250520]`,
    `(0008,0060) CS [${h.modality}]`,
    `(0008,0070) LO [Other Vendor]`,
    `(0008,1030) LO [${h.description}]`,
    `(0008,103e) LO [${h.description}]`,
    `(0010,0010) PN [${h.name}]`,
    `(0010,0020) LO [${h.id}]`,
    `(0020,000d) UI [${studyUid(h.study)}]`,
    `(0020,000e) UI [${seriesUid(h.study, h.series)}]`,
    `(0020,0011) IS [${h.series}]`,
    `(0020,0013) IS [${h.instance ?? 1}]`,
    ...h.lines,
    ...(h.pixels ? [`(7fe0,0010) OW =${raw}`] : []),
  ];
  const dump = path.join(work, `${path.basename(file)}.dump`);
  writeFileSync(dump, lines.join('\n') + '\n', 'utf8');
  execFileSync('dump2dcm', [dump, file], { stdio: 'pipe' });
}

/** dcmodify: the patient and study attributes GDCM and dcmquant leave as they are. */
function describe(file: string, d: { name: string; id: string; study: number; series: number; description: string; modality: string }): void {
  const set = [
    `PatientName=${d.name}`,
    `PatientID=${d.id}`,
    `StudyInstanceUID=${studyUid(d.study)}`,
    `SeriesInstanceUID=${seriesUid(d.study, d.series)}`,
    `SOPInstanceUID=${seriesUid(d.study, d.series)}.1`,
    `StudyDescription=${d.description}`,
    `SeriesDescription=${d.description}`,
    `Modality=${d.modality}`,
    'StudyDate=20250520',
  ];
  run('dcmodify', ['-nb', ...set.flatMap((s) => ['-i', s]), file]);
}

/** 16-bit little-endian values from f(x, y). */
function words(w: number, h: number, f: (x: number, y: number) => number, signed = false): Buffer {
  const out = Buffer.alloc(w * h * 2);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (signed) out.writeInt16LE(f(x, y), (y * w + x) * 2);
      else out.writeUInt16LE(f(x, y), (y * w + x) * 2);
    }
  }
  return out;
}

/** 8-bit values from f(x, y). */
function bytes(w: number, h: number, f: (x: number, y: number) => number): Buffer {
  const out = Buffer.alloc(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[y * w + x] = f(x, y);
  return out;
}

const GRAY = [
  '(0028,0002) US 1',
  `(0028,0010) US ${SIZE}`,
  `(0028,0011) US ${SIZE}`,
  '(0028,0030) DS [0.2\\0.2]',
  '(0028,0100) US 16',
  '(0028,0101) US 12',
  '(0028,0102) US 11',
  '(0028,0103) US 0',
];

export interface AuditFile {
  /** The study list's name for the patient (Family, Given). */
  shown: string;
  description: string;
  file: string;
  /** dcmtk's decode of the first frame (dcmj2pnm: 8-bit PGM or PPM), in the file's first window, where checkable. */
  reference?: string;
  /** The same in the file's second window (the CR), or of the last frame (the cine). */
  reference2?: string;
  frames: number;
  rows: number;
  columns: number;
  made: string;
}

export interface ViewerAuditSet {
  dir: string;
  files: Record<
    'mono1Padding' | 'sigmoid' | 'modalityLutSeq' | 'usYbr' | 'palette' | 'planar' | 'jpegLs' | 'j2k' | 'bigEndian' | 'wide' | 'tall' | 'enhanced' | 'enhancedLocalizer',
    AuditFile
  >;
}

/** The CR's values: a collimated disc of radius 26 (values 600 at the edge to 3600 at the top left), Pixel Padding Value 0 around it. */
export function crValue(x: number, y: number): number {
  return Math.hypot(x - 32, y - 32) > 26 ? 0 : 600 + Math.round((3000 * (x + y)) / 126);
}

/** The signed CT: -1000 HU air around a 60 HU body with a 1000 HU bone disc (stored = HU, no rescale). */
export function ctValue(x: number, y: number): number {
  const r = Math.hypot(x - 32, y - 32);
  return r <= 8 ? 1000 : r <= 26 ? 60 : -1000;
}

/** Writes the set into `dir` (created), references into `refs` (created). Needs dcmtk and GDCM on the PATH. */
export function writeViewerAuditSet(dir: string, refs: string): ViewerAuditSet {
  mkdirSync(dir, { recursive: true });
  mkdirSync(refs, { recursive: true });
  const work = mkdtempSync(path.join(os.tmpdir(), 'lumen-external-viewer-'));
  // dcmtk's decode: GDCM first makes the file uncompressed (dcmtk has no JPEG 2000), then dcmj2pnm.
  const ref = (file: string, args: string[], suffix = '') => {
    const out = path.join(refs, `${path.basename(file, '.dcm')}${suffix}.pnm`);
    const plain = path.join(work, `ref-${path.basename(file)}`);
    run('gdcmconv', ['--raw', file, plain]);
    run('dcmj2pnm', [...args, plain, out]);
    return out;
  };
  try {
    // 1. CR, MONOCHROME1, Pixel Padding Value 0 around the collimated field, two windows.
    const mono1Padding: AuditFile = { shown: 'Padding, Pia', description: 'CHEST PA', file: path.join(dir, 'cr-mono1-padding.dcm'), frames: 1, rows: SIZE, columns: SIZE, made: 'dcmtk dump2dcm' };
    dump2dcm(mono1Padding.file, {
      sopClass: '1.2.840.10008.5.1.4.1.1.1',
      name: 'Padding^Pia',
      id: 'EXTV01',
      study: 1,
      series: 1,
      modality: 'CR',
      description: mono1Padding.description,
      lines: [
        '(0018,1164) DS [0.2\\0.2]',
        ...GRAY.filter((l) => !l.startsWith('(0028,0030)')),
        '(0028,0004) CS [MONOCHROME1]',
        '(0028,0120) US 0',
        '(0028,1050) DS [2100\\2100]',
        '(0028,1051) DS [3000\\1000]',
        '(0028,1055) LO [NORMAL\\HARD]',
      ],
      pixels: words(SIZE, SIZE, crValue),
    }, work);
    mono1Padding.reference = ref(mono1Padding.file, ['+Wi', '1']);
    mono1Padding.reference2 = ref(mono1Padding.file, ['+Wi', '2'], '-hard');

    // 2. DX with VOI LUT Function SIGMOID.
    const sigmoid: AuditFile = { shown: 'Sigmoid, Sol', description: 'HAND', file: path.join(dir, 'dx-sigmoid.dcm'), frames: 1, rows: SIZE, columns: SIZE, made: 'dcmtk dump2dcm' };
    dump2dcm(sigmoid.file, {
      sopClass: '1.2.840.10008.5.1.4.1.1.1.1',
      name: 'Sigmoid^Sol',
      id: 'EXTV02',
      study: 2,
      series: 1,
      modality: 'DX',
      description: sigmoid.description,
      lines: [...GRAY, '(0028,0004) CS [MONOCHROME2]', '(0028,1050) DS [2048]', '(0028,1051) DS [2000]', '(0028,1056) CS [SIGMOID]', '(2050,0020) CS [IDENTITY]'],
      pixels: words(SIZE, SIZE, (x) => (x >> 3) * 512 + 100),
    }, work);
    sigmoid.reference = ref(sigmoid.file, ['+Wi', '1']);

    // 3. A Modality LUT Sequence (12-bit in, 16-bit out: out = 4 * in + 1000) and a window in its output.
    const modalityLutSeq: AuditFile = { shown: 'Table, Tom', description: 'ANGIO', file: path.join(dir, 'xa-modality-lut.dcm'), frames: 1, rows: SIZE, columns: SIZE, made: 'dcmtk dump2dcm' };
    const lutData = Buffer.alloc(4096 * 2);
    for (let i = 0; i < 4096; i++) lutData.writeUInt16LE(Math.min(65535, 4 * i + 1000), i * 2);
    writeFileSync(path.join(work, 'mlut.raw'), lutData);
    dump2dcm(modalityLutSeq.file, {
      sopClass: '1.2.840.10008.5.1.4.1.1.1',
      name: 'Table^Tom',
      id: 'EXTV03',
      study: 3,
      series: 1,
      modality: 'CR',
      description: modalityLutSeq.description,
      lines: [
        ...GRAY,
        '(0028,0004) CS [MONOCHROME2]',
        '(0028,1050) DS [5000]',
        '(0028,1051) DS [4000]',
        '(0028,3000) SQ (Sequence with undefined length #=1)',
        '(fffe,e000) na (Item with undefined length #=3)',
        '(0028,3002) US 4096\\0\\16',
        '(0028,3004) LO [x4 plus 1000]',
        `(0028,3006) OW =${path.join(work, 'mlut.raw')}`,
        '(fffe,e00d) na (ItemDelimitationItem)',
        '(fffe,e0dd) na (SequenceDelimitationItem)',
      ],
      pixels: words(SIZE, SIZE, (x, y) => (x + y) * 32),
    }, work);
    modalityLutSeq.reference = ref(modalityLutSeq.file, ['+Wi', '1']);

    // 4. US cine, three RGB frames by gdcmimg, JPEG baseline (YBR_FULL_422) by dcmcjpeg.
    const usYbr: AuditFile = { shown: 'Sono, Sam', description: 'CARDIAC', file: path.join(dir, 'us-ybr422.dcm'), frames: 3, rows: SIZE, columns: SIZE, made: 'GDCM gdcmimg, dcmtk dcmcjpeg +eb' };
    const rgbFrames = Buffer.concat(
      [0, 1, 2].map((f) => {
        const out = Buffer.alloc(SIZE * SIZE * 3);
        for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) {
          const at = (y * SIZE + x) * 3;
          const inBlock = x >= 8 + f * 16 && x < 24 + f * 16 && y >= 16 && y < 48;
          out[at] = inBlock ? 230 : 40;
          out[at + 1] = inBlock ? 200 : 40;
          out[at + 2] = inBlock ? 30 : 40;
        }
        return out;
      }),
    );
    writeFileSync(path.join(work, 'us.raw'), rgbFrames);
    const usPlain = path.join(work, 'us.dcm');
    run('gdcmimg', ['--size', `${SIZE},${SIZE},3`, '--depth', '8', '--spp', '3', '--pi', 'RGB', '-C', '1.2.840.10008.5.1.4.1.1.3.1', path.join(work, 'us.raw'), usPlain]);
    describe(usPlain, { name: 'Sono^Sam', id: 'EXTV04', study: 4, series: 1, description: usYbr.description, modality: 'US' });
    run('dcmcjpeg', ['+eb', '+q', '95', usPlain, usYbr.file]);
    usYbr.reference = ref(usYbr.file, []);
    usYbr.reference2 = ref(usYbr.file, ['+F', '3'], '-frame3');

    // 5. PALETTE COLOR: img2dcm from a BMP, then dcmquant.
    const palette: AuditFile = { shown: 'Palette, Pam', description: 'PHOTO PALETTE', file: path.join(dir, 'palette.dcm'), frames: 1, rows: SIZE, columns: SIZE, made: 'dcmtk img2dcm, dcmquant' };
    const bmp = path.join(work, 'pal.bmp');
    writeFileSync(bmp, bmp24(SIZE, SIZE, (x, y) => (x < 32 ? (y < 32 ? [220, 30, 30] : [30, 200, 40]) : y < 32 ? [30, 40, 210] : [240, 240, 240])));
    const palPlain = path.join(work, 'pal.dcm');
    run('img2dcm', ['-i', 'BMP', bmp, palPlain]);
    run('dcmquant', ['+pc', '16', palPlain, palette.file]);
    describe(palette.file, { name: 'Palette^Pam', id: 'EXTV05', study: 5, series: 1, description: palette.description, modality: 'XC' });
    palette.reference = ref(palette.file, []);

    // 6. 8-bit RGB with Planar Configuration 1 (colour by plane), gdcmconv.
    const planar: AuditFile = { shown: 'Planar, Pete', description: 'PHOTO PLANAR', file: path.join(dir, 'rgb-planar.dcm'), frames: 1, rows: SIZE, columns: SIZE, made: 'dcmtk img2dcm, GDCM gdcmconv --planar-configuration 1' };
    const bmp2 = path.join(work, 'planar.bmp');
    writeFileSync(bmp2, bmp24(SIZE, SIZE, (x, y) => [(x >> 3) * 32, (y >> 3) * 32, x < 32 ? 200 : 20]));
    const planarPlain = path.join(work, 'planar.dcm');
    run('img2dcm', ['-i', 'BMP', bmp2, planarPlain]);
    run('gdcmconv', ['--raw', '--planar-configuration', '1', planarPlain, planar.file]);
    describe(planar.file, { name: 'Planar^Pete', id: 'EXTV06', study: 6, series: 1, description: planar.description, modality: 'XC' });
    planar.reference = ref(planar.file, []);

    // 7, 8. A signed CT slice (gdcmimg), JPEG-LS and JPEG 2000 lossless by gdcmconv.
    const ctRaw = path.join(work, 'ct.raw');
    writeFileSync(ctRaw, words(SIZE, SIZE, ctValue, true));
    const ctPlain = path.join(work, 'ct.dcm');
    run('gdcmimg', ['--size', `${SIZE},${SIZE}`, '--depth', '16', '--sign', '1', '-C', '1.2.840.10008.5.1.4.1.1.2', ctRaw, ctPlain]);
    run('dcmodify', ['-nb', '-i', 'WindowCenter=40', '-i', 'WindowWidth=400', '-i', 'RescaleIntercept=0', '-i', 'RescaleSlope=1', '-i', 'PixelSpacing=0.7\\0.7', ctPlain]);
    const jpegLs: AuditFile = { shown: 'Lossless, Lee', description: 'CT JPEG-LS', file: path.join(dir, 'ct-jpegls.dcm'), frames: 1, rows: SIZE, columns: SIZE, made: 'GDCM gdcmimg --sign 1, gdcmconv --jpegls' };
    const j2k: AuditFile = { shown: 'Lossless, Lee', description: 'CT J2K', file: path.join(dir, 'ct-j2k.dcm'), frames: 1, rows: SIZE, columns: SIZE, made: 'GDCM gdcmimg --sign 1, gdcmconv --j2k' };
    run('gdcmconv', ['--jpegls', ctPlain, jpegLs.file]);
    run('gdcmconv', ['--j2k', ctPlain, j2k.file]);
    describe(jpegLs.file, { name: 'Lossless^Lee', id: 'EXTV07', study: 7, series: 1, description: jpegLs.description, modality: 'CT' });
    describe(j2k.file, { name: 'Lossless^Lee', id: 'EXTV07', study: 7, series: 2, description: j2k.description, modality: 'CT' });
    jpegLs.reference = ref(jpegLs.file, ['+Wi', '1']);
    j2k.reference = ref(j2k.file, ['+Wi', '1']);

    // 9. Explicit VR big endian (retired, still sent by old modalities), by dcmconv.
    const bigEndian: AuditFile = { shown: 'Endian, Ben', description: 'CT BIG ENDIAN', file: path.join(dir, 'ct-big-endian.dcm'), frames: 1, rows: SIZE, columns: SIZE, made: 'GDCM gdcmimg, dcmtk dcmconv +tb' };
    run('dcmconv', ['+tb', ctPlain, bigEndian.file]);
    describe(bigEndian.file, { name: 'Endian^Ben', id: 'EXTV08', study: 8, series: 1, description: bigEndian.description, modality: 'CT' });
    bigEndian.reference = ref(bigEndian.file, ['+Wi', '1']);

    // 10, 11. Odd sizes by gdcmimg: 513 wide by 257 high (16-bit), and 2 wide by 4096 high (8-bit).
    const wide: AuditFile = { shown: 'Odd, Otto', description: 'WIDE 513x257', file: path.join(dir, 'odd-513x257.dcm'), frames: 1, rows: 257, columns: 513, made: 'GDCM gdcmimg' };
    writeFileSync(path.join(work, 'wide.raw'), words(513, 257, (x, y) => (x === 512 || y === 256 ? 4000 : ((x >> 5) + (y >> 5)) % 2 ? 3000 : 1000)));
    run('gdcmimg', ['--size', '513,257', '--depth', '16', '-C', '1.2.840.10008.5.1.4.1.1.7', path.join(work, 'wide.raw'), wide.file]);
    describe(wide.file, { name: 'Odd^Otto', id: 'EXTV09', study: 9, series: 1, description: wide.description, modality: 'OT' });
    wide.reference = ref(wide.file, ['+Wm']);
    const tall: AuditFile = { shown: 'Odd, Otto', description: 'TALL 2x4096', file: path.join(dir, 'odd-2x4096.dcm'), frames: 1, rows: 4096, columns: 2, made: 'GDCM gdcmimg' };
    writeFileSync(path.join(work, 'tall.raw'), bytes(2, 4096, (x, y) => (y < 2048 ? 30 : 220) + x * 5));
    run('gdcmimg', ['--size', '2,4096', '--depth', '8', '-C', '1.2.840.10008.5.1.4.1.1.7', path.join(work, 'tall.raw'), tall.file]);
    describe(tall.file, { name: 'Odd^Otto', id: 'EXTV09', study: 9, series: 2, description: tall.description, modality: 'OT' });
    tall.reference = ref(tall.file, ['+Wm']);

    // 12. A one-frame Enhanced MR (dump2dcm), sagittal, its geometry only in the functional groups (as
    // scanners write them): Pixel Measures 0.5 mm between rows, 1 mm between columns; Plane
    // Orientation; each frame's Plane Position; the window in Frame VOI LUT.
    const enhanced: AuditFile = { shown: 'Enhanced, Eva', description: 'SAG T2 ENHANCED', file: path.join(dir, 'mr-enhanced-1frame.dcm'), frames: 1, rows: SIZE, columns: SIZE, made: 'dcmtk dump2dcm' };
    const item = (lines: string[]) => ['(fffe,e000) na (Item with undefined length)', ...lines, '(fffe,e00d) na (ItemDelimitationItem)'];
    const seq = (tag: string, items: string[][]) => [`(${tag}) SQ (Sequence with undefined length)`, ...items.flat(), '(fffe,e0dd) na (SequenceDelimitationItem)'];
    dump2dcm(enhanced.file, {
      sopClass: '1.2.840.10008.5.1.4.1.1.4.1',
      name: 'Enhanced^Eva',
      id: 'EXTV10',
      study: 10,
      series: 1,
      modality: 'MR',
      description: enhanced.description,
      lines: [
        '(0008,0008) CS [ORIGINAL\\PRIMARY\\M\\NONE]',
        ...GRAY.filter((l) => !l.startsWith('(0028,0030)')),
        '(0028,0004) CS [MONOCHROME2]',
        '(0028,0008) IS [1]',
        ...seq('5200,9229', [
          item([
            ...seq('0028,9110', [item(['(0028,0030) DS [0.5\\1]', '(0018,0050) DS [3]'])]),
            ...seq('0020,9116', [item(['(0020,0037) DS [0\\1\\0\\0\\0\\-1]'])]),
            ...seq('0028,9145', [item(['(0028,1052) DS [0]', '(0028,1053) DS [1]', '(0028,1054) LO [US]'])]),
            ...seq('0028,9132', [item(['(0028,1050) DS [1000]', '(0028,1051) DS [2000]'])]),
          ]),
        ]),
        ...seq('5200,9230', [item([...seq('0020,9113', [item(['(0020,0032) DS [12\\-30\\40]'])])])]),
      ],
      pixels: words(SIZE, SIZE, (x, y) => (x < 32 ? 400 : 1600) + (y < 32 ? 0 : 200)),
    }, work);

    // 13. A three-frame Enhanced MR localizer (dump2dcm): one frame in each plane, each frame's
    // Plane Orientation and Position in its own per-frame groups, the spacing shared.
    const enhancedLocalizer: AuditFile = { shown: 'Enhanced, Eva', description: 'LOCALIZER ENHANCED', file: path.join(dir, 'mr-enhanced-localizer.dcm'), frames: 3, rows: SIZE, columns: SIZE, made: 'dcmtk dump2dcm' };
    const planes = [
      ['1\\0\\0\\0\\1\\0', '-32\\-32\\0'],
      ['0\\1\\0\\0\\0\\-1', '0\\-32\\32'],
      ['1\\0\\0\\0\\0\\-1', '-32\\0\\32'],
    ];
    dump2dcm(enhancedLocalizer.file, {
      sopClass: '1.2.840.10008.5.1.4.1.1.4.1',
      name: 'Enhanced^Eva',
      id: 'EXTV10',
      study: 10,
      series: 2,
      modality: 'MR',
      description: enhancedLocalizer.description,
      lines: [
        '(0008,0008) CS [ORIGINAL\\PRIMARY\\LOCALIZER\\NONE]',
        ...GRAY.filter((l) => !l.startsWith('(0028,0030)')),
        '(0028,0004) CS [MONOCHROME2]',
        '(0028,0008) IS [3]',
        ...seq('5200,9229', [item([...seq('0028,9110', [item(['(0028,0030) DS [1\\1]', '(0018,0050) DS [8]'])]), ...seq('0028,9132', [item(['(0028,1050) DS [1000]', '(0028,1051) DS [2000]'])])])]),
        ...seq('5200,9230', planes.map(([iop, ipp]) => item([...seq('0020,9116', [item([`(0020,0037) DS [${iop}]`])]), ...seq('0020,9113', [item([`(0020,0032) DS [${ipp}]`])])]))),
      ],
      pixels: Buffer.concat([0, 1, 2].map((f) => words(SIZE, SIZE, (x, y) => (Math.hypot(x - 32, y - 32) < 10 + f * 6 ? 1800 : 300)))),
    }, work);

    return { dir, files: { mono1Padding, sigmoid, modalityLutSeq, usYbr, palette, planar, jpegLs, j2k, bigEndian, wide, tall, enhanced, enhancedLocalizer } };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
