// Seeds the `dicom` and `dicomdir` targets add to bench/fuzz.ts makeSeeds: small files made by
// other software in what that set leaves out. dcmtk's dump2dcm writes the originals (12-bit grey
// with a pixel padding value, 8-bit MONOCHROME1 and MONOCHROME2 multi-frame, RGB, PALETTE COLOR with segmented
// and with plain tables, an Enhanced MR with functional groups); dcmtk and GDCM transcode them
// (JPEG extended, progressive, spectral, lossless any predictor, YBR_FULL_422 and YBR_FULL,
// JPEG-LS near-lossless and each interleave, RLE, deflated, big endian, a data set without meta
// information, fragments split by size, JPEG 2000 lossy and tiled). dicom3tools installed here
// has no encoder (no pnmtodc, no dcsmpte), so none is its. The same bytes on every run (fixed
// UIDs and pixels), each under 64 KiB.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const SEED_LIMIT = 64 * 1024;

function run(cmd: string, args: string[], cwd?: string): void {
  try {
    execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed while making the fuzz seeds: ${e.stderr?.toString().trim() || e.message}`);
  }
}

const words = (values: number[]) => {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeUInt16LE(v & 0xffff, i * 2));
  return b;
};

interface Original {
  name: string;
  rows: number;
  columns: number;
  sopClass?: string;
  lines: string[];
  pixels: Buffer;
  vr?: 'OB' | 'OW';
}

/** One original by dump2dcm (its text form, as dcmdump prints one). */
function dump2dcm(dir: string, o: Original, serial: number): string {
  const base = path.join(dir, o.name);
  writeFileSync(`${base}.raw`, o.pixels);
  const uid = `1.2.826.0.1.3680043.10.9.50.${serial}`;
  const sopClass = o.sopClass ?? 'SecondaryCaptureImageStorage';
  writeFileSync(`${base}.dump`, [
    `(0002,0002) UI =${sopClass}`,
    `(0002,0003) UI [${uid}.3]`,
    '(0002,0010) UI =LittleEndianExplicit',
    '(0008,0005) CS [ISO_IR 100]',
    `(0008,0016) UI =${sopClass}`,
    `(0008,0018) UI [${uid}.3]`,
    '(0008,0020) DA [20260101]',
    '(0010,0010) PN [Fuzz^Seed]',
    '(0010,0020) LO [FZ001]',
    `(0020,000d) UI [${uid}.1]`,
    `(0020,000e) UI [${uid}.2]`,
    '(0020,0013) IS [1]',
    `(0028,0010) US ${o.rows}`,
    `(0028,0011) US ${o.columns}`,
    ...o.lines,
    `(7fe0,0010) ${o.vr ?? 'OW'} =${base}.raw`,
  ].join('\n') + '\n');
  run('dump2dcm', ['--update-meta-info', `${base}.dump`, `${base}.dcm`]);
  return `${base}.dcm`;
}

const grey = (allocated: number, stored: number, photometric = 'MONOCHROME2', signed = 0) => [
  '(0028,0002) US 1',
  `(0028,0004) CS [${photometric}]`,
  `(0028,0100) US ${allocated}`,
  `(0028,0101) US ${stored}`,
  `(0028,0102) US ${stored - 1}`,
  `(0028,0103) US ${signed}`,
];
const seq = (tag: string, items: string[][]) => [`(${tag}) SQ (Sequence with undefined length)`, ...items.flatMap((i) => ['(fffe,e000) na (Item with undefined length)', ...i, '(fffe,e00d) na (ItemDelimitationItem)']), '(fffe,e0dd) na (SequenceDelimitationItem)'];

function originals(dir: string): Record<string, string> {
  const ramp = (n: number, max: number, step: number) => Array.from({ length: n }, (_, i) => (i * step) % (max + 1));
  // Segmented tables (PS3.3 C.7.9.2): discrete, linear and indirect segments over 256 entries.
  const segRed = [0, 4, 0, 1000, 2000, 3000, 1, 252, 65535];
  const segGreen = [0, 1, 65535, 1, 127, 0, 1, 128, 40000];
  const segBlue = [0, 2, 100, 200, 1, 100, 30000, 2, 2, 0, 0, 1, 52, 65535];
  const lutFile = (name: string, values: number[]) => {
    const file = path.join(dir, `${name}.lut`);
    writeFileSync(file, words(values));
    return file;
  };
  const palette = (segmented: boolean) => [
    ...grey(8, 8, 'PALETTE COLOR'),
    ...[segRed, segGreen, segBlue].flatMap((s, k) => [
      `(0028,110${k + 1}) US 256\\0\\16`,
      segmented ? `(0028,122${k + 1}) OW =${lutFile(`seg${k}`, s)}` : `(0028,120${k + 1}) OW =${lutFile(`plain${k}`, ramp(256, 65535, 257 * (k + 1)))}`,
    ]),
  ];
  const item = (lines: string[]) => lines;
  const enhanced = [
    '(0008,0060) CS [MR]',
    ...grey(16, 12),
    '(0028,0008) IS [3]',
    ...seq('5200,9229', [[
      ...seq('0028,9145', [item(['(0028,1052) DS [-10]', '(0028,1053) DS [2]', '(0028,1054) LO [US]'])]),
      ...seq('0028,9110', [item(['(0028,0030) DS [0.5\\0.5]', '(0018,0050) DS [2]'])]),
      ...seq('0020,9116', [item(['(0020,0037) DS [1\\0\\0\\0\\1\\0]'])]),
    ]]),
    ...seq('5200,9230', [0, 1, 2].map((k) => [
      ...seq('0020,9113', [item([`(0020,0032) DS [0\\0\\${2 * k}]`])]),
      ...seq('0028,9132', [item([`(0028,1050) DS [${900 + 100 * k}]`, `(0028,1051) DS [${1500 - 200 * k}]`])]),
    ])),
  ];
  const list: Original[] = [
    { name: 'grey12', rows: 30, columns: 34, lines: [...grey(16, 12), '(0008,0060) CS [MR]', '(0028,0120) US 0', '(0028,1050) DS [2048\\1000]', '(0028,1051) DS [4096\\500]'], pixels: words(ramp(30 * 34, 4095, 37)) },
    { name: 'mono1-multi', rows: 16, columns: 20, lines: [...grey(8, 8, 'MONOCHROME1'), '(0028,0008) IS [4]'], pixels: Buffer.from(ramp(4 * 16 * 20, 255, 7)), vr: 'OB' },
    { name: 'multi8', rows: 16, columns: 20, lines: [...grey(8, 8), '(0028,0008) IS [3]'], pixels: Buffer.from(ramp(3 * 16 * 20, 255, 5)), vr: 'OB' },
    { name: 'rgb', rows: 24, columns: 32, lines: ['(0028,0002) US 3', '(0028,0004) CS [RGB]', '(0028,0006) US 0', '(0028,0100) US 8', '(0028,0101) US 8', '(0028,0102) US 7', '(0028,0103) US 0'], pixels: Buffer.from(ramp(24 * 32 * 3, 255, 11)), vr: 'OB' },
    { name: 'palette-segmented', rows: 20, columns: 24, lines: palette(true), pixels: Buffer.from(ramp(20 * 24, 255, 3)), vr: 'OB' },
    { name: 'palette-plain', rows: 20, columns: 24, lines: palette(false), pixels: Buffer.from(ramp(20 * 24, 255, 5)), vr: 'OB' },
    { name: 'enhanced-mr', rows: 12, columns: 16, sopClass: 'EnhancedMRImageStorage', lines: enhanced, pixels: words(ramp(3 * 12 * 16, 4095, 101)) },
  ];
  return Object.fromEntries(list.map((o, i) => [o.name, dump2dcm(dir, o, i + 1)]));
}

/** The transcodings of each original (or of a transcoding made before): [file suffix, command, its options] (src and out follow the options). */
const TRANSCODE: Record<string, [string, string, string[]][]> = {
  grey12: [
    ['jpeg-extended', 'dcmcjpeg', ['+ee']],
    ['jpeg-lossless-sv7', 'dcmcjpeg', ['+el', '+sv', '7']],
    ['jpegls-near', 'dcmcjpls', ['+en', '+md', '3']],
    ['gdcm-jpegls', 'gdcmconv', ['--jpegls']],
    ['gdcm-rle', 'gdcmconv', ['--rle']],
    ['gdcm-j2k-lossy', 'gdcmconv', ['--j2k', '--lossy', '-q', '30']],
    ['gdcm-j2k-tiled', 'gdcmconv', ['--j2k', '-t', '16,16', '-n', '2']],
    ['gdcm-jpeg', 'gdcmconv', ['--jpeg']],
    ['dataset-implicit', 'dcmconv', ['+ti', '-F']],
  ],
  'mono1-multi': [
    ['jpeg-progressive', 'dcmcjpeg', ['+ep']],
    ['jpeg-spectral', 'dcmcjpeg', ['+es']],
    ['jpegls-none', 'dcmcjpls', ['+in']],
    ['rle-fragments', 'dcmcrle', ['+fs', '1']],
    ['gdcm-deflated', 'gdcmconv', ['--deflated']],
    ['bigendian', 'dcmconv', ['+tb']],
  ],
  // GDCM 3.0 writes no compressed MONOCHROME1 ("Failed to write"): its multi-frame seeds are MONOCHROME2.
  multi8: [
    ['gdcm-j2k', 'gdcmconv', ['--j2k']],
    ['gdcm-rle', 'gdcmconv', ['--rle']],
    ['gdcm-jpegls', 'gdcmconv', ['--jpegls']],
  ],
  rgb: [
    ['jpeg-ybr422', 'dcmcjpeg', ['+eb', '+cy', '+s2']],
    ['jpeg-ybr444', 'dcmcjpeg', ['+eb', '+s4']],
    ['jpeg-rgb', 'dcmcjpeg', ['+eb', '+cr']],
    ['jpegls-sample', 'dcmcjpls', ['+is']],
    ['jpegls-none', 'dcmcjpls', ['+in']],
    ['jpegls-near', 'dcmcjpls', ['+en']],
    ['gdcm-jpegls', 'gdcmconv', ['--jpegls']],
    ['gdcm-rle', 'gdcmconv', ['--rle']],
    ['gdcm-j2k-lossy', 'gdcmconv', ['--j2k', '--lossy', '-q', '40']],
    ['gdcm-planar', 'gdcmconv', ['--raw', '--planar-configuration', '1']],
  ],
  'palette-segmented': [
    ['rle', 'dcmcrle', []],
    ['bigendian', 'dcmconv', ['+tb']],
    ['deflated', 'dcmconv', ['+td']],
    ['jpegls', 'dcmcjpls', []],
  ],
  // GDCM 3.0 aborts on a segmented palette: its palette seeds have plain tables.
  'palette-plain': [
    ['gdcm-jpegls', 'gdcmconv', ['--jpegls']],
    ['gdcm-j2k', 'gdcmconv', ['--j2k']],
    ['gdcm-rle', 'gdcmconv', ['--rle']],
  ],
  // A transcoding of a transcoding: JPEG-LS split into fragments of at most 400 bytes.
  'grey12-gdcm-jpegls': [['split', 'gdcmconv', ['-S', '400']]],
  'enhanced-mr': [
    ['bigendian', 'dcmconv', ['+tb']],
    ['implicit', 'dcmconv', ['+ti']],
    ['gdcm-rle', 'gdcmconv', ['--rle']],
    ['jpegls', 'dcmcjpls', []],
  ],
};

/** The originals and their transcodings, named `<original>-<how>`. */
export function moreDicomSeeds(dir: string): { name: string; bytes: Uint8Array }[] {
  const root = path.join(dir, 'more-seeds');
  mkdirSync(root, { recursive: true });
  const made = originals(root);
  const files: [string, string][] = Object.entries(made);
  for (const [name, list] of Object.entries(TRANSCODE)) {
    for (const [suffix, cmd, args] of list) {
      const out = path.join(root, `${name}-${suffix}.dcm`);
      run(cmd, cmd === 'gdcmconv' ? [...args, '-i', made[name], '-o', out] : [...args, made[name], out]);
      made[`${name}-${suffix}`] = out;
      files.push([`${name}-${suffix}`, out]);
    }
  }
  return files.map(([name, file]) => {
    const size = statSync(file).size;
    if (size > SEED_LIMIT) throw new Error(`the fuzz seed ${name} is ${size} bytes (at most ${SEED_LIMIT})`);
    return { name, bytes: new Uint8Array(readFileSync(file)) };
  });
}

/**
 * DICOMDIRs besides the target's own, over two patients' files: dcmmkdir's (one with undefined
 * lengths, group lengths, a character set and icon images) and GDCM's gdcmgendir's.
 */
export function moreDicomdirSeeds(dir: string, writeImage: (file: string, i: number, patient: number) => void): Uint8Array[] {
  const root = path.join(dir, 'dicomdir-more');
  // Made afresh: a worker restarted after a hang, or a second run in the same folder, would find the
  // first's DICOMDIRs in the folder, which gdcmgendir then fails on ("Problem during generation").
  rmSync(root, { recursive: true, force: true });
  for (let p = 1; p <= 2; p++) {
    mkdirSync(path.join(root, `P${p}`, 'S1'), { recursive: true });
    for (let i = 1; i <= 2; i++) writeImage(path.join(root, `P${p}`, 'S1', `IM${i}`), i, p);
  }
  const out: Uint8Array[] = [];
  const make = (file: string, cmd: string, args: string[]) => {
    run(cmd, args, root);
    if (statSync(file).size > SEED_LIMIT) throw new Error(`the fuzz seed ${file} is over ${SEED_LIMIT} bytes`);
    out.push(new Uint8Array(readFileSync(file)));
  };
  // GDCM first, written beside the folder: it would read a DICOMDIR inside it as one more file.
  const gdcm = path.join(dir, 'DICOMDIR-GDCM');
  make(gdcm, 'gdcmgendir', ['-i', root, '-o', gdcm, '-r']);
  make(path.join(root, 'DICOMDIR'), 'dcmmkdir', ['+r', '+D', 'DICOMDIR', '+I', '+Ipi', 'P1', 'P2']);
  // Undefined lengths, group lengths, a character set, icon images.
  make(path.join(root, 'DICOMDIR-GP'), 'dcmmkdir', ['+r', '+D', 'DICOMDIR-GP', '-Pgp', '+I', '-e', '+g', '+C', 'ISO_IR 100', '+X', '-Xs', '8', 'P1', 'P2']);
  return out;
}

/**
 * What the `dicomdir` target found once it called the record parser itself (a thrown exception
 * was a finding, no longer the importer's sentence), made again from a DICOMDIR by dcmmkdir
 * (explicit VR, defined lengths): seeds of the target, and test/fuzz/regressions.test.ts. Each
 * threw dicom-parser's own words before readDicomdirReferences read through parseDicomBuffer:
 * - record-past-item: a ReferencedFileID (0004,1500) that runs 16 bytes past the end of its record
 *   (its item), inside the file ({exception: "buffer overrun"}, an object);
 * - meta-only: the file cut right after its meta header ("parameter 'position' cannot be greater
 *   than or equal to 'byteArray' length", a string);
 * - no-transfer-syntax: the meta header's (0002,0010) renamed (0002,0011) ("missing required meta
 *   header attribute 0002,0010", an Error).
 */
export function dicomdirFindings(dicomdir: Uint8Array): { name: string; bytes: Uint8Array }[] {
  const b = Buffer.from(dicomdir);
  const fileId = b.indexOf(Buffer.from([0x04, 0x00, 0x00, 0x15, 0x43, 0x53]), 132);
  const transferSyntax = b.indexOf(Buffer.from([0x02, 0x00, 0x10, 0x00, 0x55, 0x49]), 132);
  let dataSet = 132;
  while (b.readUInt16LE(dataSet) === 0x0002) {
    const long = ['OB', 'OW', 'UN', 'UT', 'SQ'].includes(b.toString('latin1', dataSet + 4, dataSet + 6));
    dataSet += long ? 12 + b.readUInt32LE(dataSet + 8) : 8 + b.readUInt16LE(dataSet + 6);
  }
  if (fileId < 0 || transferSyntax < 0) throw new Error('the DICOMDIR seed has no ReferencedFileID or no transfer syntax: dcmmkdir wrote something else');
  // The record (item) holding the ReferencedFileID: the last item tag before it.
  const item = b.lastIndexOf(Buffer.from([0xfe, 0xff, 0x00, 0xe0]), fileId);
  const pastItem = Buffer.from(b);
  pastItem.writeUInt16LE(item + 8 + b.readUInt32LE(item + 4) - (fileId + 8) + 16, fileId + 6);
  const noSyntax = Buffer.from(b);
  noSyntax[transferSyntax + 2] = 0x11;
  return [
    { name: 'record-past-item', bytes: new Uint8Array(pastItem) },
    { name: 'meta-only', bytes: new Uint8Array(b.subarray(0, dataSet)) },
    { name: 'no-transfer-syntax', bytes: new Uint8Array(noSyntax) },
  ];
}
