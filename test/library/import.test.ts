import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readHead } from '../../electron/library/header';
import { Library } from '../../electron/library/library';
import type { ImportProgress, ImportReport, InstanceRecord } from '../../electron/library/types';
import { mulberry32 } from '../../common/random';
import { dicomBytes, writeImage } from '../support/dicom/write';
import { seriesImages } from '../../electron/engine/viewer/library-access';
import { buildMixedFolder, copyMixedFolder, PATIENT_A, PATIENT_B, tmpDir, writeSlice } from './fixtures';

let template: string;
const open: Library[] = [];

beforeAll(() => {
  template = buildMixedFolder(path.join(tmpDir('import-template'), 'mixed'));
});

afterEach(() => {
  while (open.length) open.pop()!.close();
});

function freshLibrary(): Library {
  const lib = Library.open(path.join(tmpDir('import-lib'), 'library'));
  open.push(lib);
  return lib;
}

function errorFor(report: ImportReport, file: string): string | undefined {
  return report.errors.find((e) => e.file === file)?.reason;
}

describe('importing a folder of mixed files', () => {
  it('imports the good files, decides by content, and gives each bad file a reason', async () => {
    const dir = copyMixedFolder(template);
    const lib = freshLibrary();
    const report = await lib.importPaths([dir]);

    // 5 series files + DICOMDIR + 2 disc files + no-preamble + extension-less + 4 broken.
    expect(report.scanned).toBe(14);
    expect(report.imported).toBe(9);
    expect(report.dicomdirs).toBe(1);
    expect(report).toMatchObject({ unchanged: 0, changed: 0, missing: 0, patients: 2, studies: 2, series: 3, instances: 9, cancelled: false });

    expect(report.errors.map((e) => e.file).sort()).toEqual(
      ['broken/notes.txt', 'broken/random.dcm', 'broken/truncated', 'broken/zero'].map((f) => path.join(dir, f)),
    );
    expect(errorFor(report, path.join(dir, 'broken/zero'))).toMatch(/empty file \(0 bytes\)/);
    expect(errorFor(report, path.join(dir, 'broken/notes.txt'))).toMatch(/not a DICOM file/);
    expect(errorFor(report, path.join(dir, 'broken/random.dcm'))).toMatch(/not a DICOM file/);
    expect(errorFor(report, path.join(dir, 'broken/truncated'))).toMatch(/declared length beyond the file|truncated/);
    // Only the damaged file is a failure; the others are not DICOM at all.
    expect(Object.fromEntries(report.errors.map((e) => [path.relative(dir, e.file), e.kind]))).toEqual({
      'broken/notes.txt': 'not-dicom',
      'broken/random.dcm': 'not-dicom',
      'broken/truncated': 'error',
      'broken/zero': 'not-dicom',
    });
    // Remembered for the UI too.
    expect(lib.importErrors().map((e) => e.file).sort()).toEqual(report.errors.map((e) => e.file).sort());

    // The bare data set and the extension-less file are both in the scout series.
    const scout = lib.listInstances(`${PATIENT_A.studyUid}.9`);
    expect(scout.map((i) => path.basename(i.path))).toEqual(['nopreamble', '0042']);
    expect(scout[0]).toMatchObject({ rows: 32, columns: 32, modality: 'CT', transferSyntaxUid: '1.2.840.10008.1.2.1', missing: false, frames: 1 });

    const axial = lib.listInstances(PATIENT_A.seriesUid);
    expect(axial).toHaveLength(5);
    expect(axial[0]).toMatchObject({
      instanceNumber: 1,
      pixelSpacing: [0.7, 0.7],
      imagePositionPatient: [-100, -100, -2.5],
      sliceLocation: -2.5,
      windowCenter: [40],
      windowWidth: [400],
      rescaleIntercept: -1024,
      rescaleSlope: 1,
      bitsAllocated: 16,
      photometricInterpretation: 'MONOCHROME2',
    });
    expect(axial[0].fileSize).toBe(fs.statSync(axial[0].path).size);
  });

  it('imports a file that has the meta header but no 128-byte preamble, and records the import in the audit log', async () => {
    const dir = path.join(tmpDir('no-preamble'), 'in');
    fs.mkdirSync(dir);
    const withPreamble = fs.readFileSync(path.join(template, 'series/IM0'));
    expect(withPreamble.subarray(128, 132).toString('latin1')).toBe('DICM');
    fs.writeFileSync(path.join(dir, 'meta-only'), withPreamble.subarray(132));
    const lib = freshLibrary();
    const report = await lib.importPaths([dir]);
    expect(report).toMatchObject({ imported: 1, errors: [] });
    expect(lib.listInstances(PATIENT_A.seriesUid)[0]).toMatchObject({ sopInstanceUid: `${PATIENT_A.seriesUid}.1`, rows: 32, path: path.join(dir, 'meta-only') });

    const db = new Database(path.join(lib.dir, 'library.sqlite'), { readonly: true });
    const rows = db.prepare<[], { action: string; touched: string; details: string }>('SELECT action, touched, details FROM audit_log').all();
    db.close();
    expect(rows.map((r) => r.action)).toEqual(['import']);
    expect(JSON.parse(rows[0].touched)).toEqual({ files: [dir], images: 1 });
    expect(JSON.parse(rows[0].details)).toMatchObject({ imported: 1, errors: 0 });
  });

  it('re-importing the same files adds nothing and reads nothing again', async () => {
    const dir = copyMixedFolder(template);
    const lib = freshLibrary();
    await lib.importPaths([dir]);
    const again = await lib.importPaths([dir]);
    expect(again).toMatchObject({ imported: 0, changed: 0, unchanged: 9, missing: 0, instances: 9, series: 3 });
    expect(again.errors).toHaveLength(4); // still reported: they are still unusable
  });

  it('notices changed files (size or modification time) and reads them again', async () => {
    const dir = copyMixedFolder(template);
    const lib = freshLibrary();
    await lib.importPaths([dir]);

    // Rewritten with another window: new content, new size or time.
    const im2 = path.join(dir, 'series/IM2');
    writeSlice(im2, { ...PATIENT_A, sopUid: `${PATIENT_A.seriesUid}.3`, instanceNumber: 3, z: -7.5, window: [500, 2000] });
    const future = new Date(Date.now() + 60_000);
    fs.utimesSync(im2, future, future);
    // Only touched: same bytes, new time.
    const touched = path.join(dir, 'series/IM0');
    fs.utimesSync(touched, future, future);

    const report = await lib.importPaths([dir]);
    expect(report).toMatchObject({ imported: 0, changed: 2, unchanged: 7, instances: 9 });
    const byPath = new Map(lib.listInstances(PATIENT_A.seriesUid).map((i) => [i.path, i]));
    expect(byPath.get(im2)).toMatchObject({ windowCenter: [500], windowWidth: [2000] });
    expect(byPath.get(touched)!.mtimeMs).toBe(fs.statSync(touched).mtimeMs);
  });

  it('reports files gone from disk as missing and keeps them, marked', async () => {
    const dir = copyMixedFolder(template);
    const lib = freshLibrary();
    await lib.importPaths([dir]);
    const gone = path.join(dir, 'series/IM3');
    const saved = fs.readFileSync(gone);
    const stat = fs.statSync(gone);
    fs.rmSync(gone);

    const report = await lib.importPaths([dir]);
    expect(report).toMatchObject({ missing: 1, unchanged: 8, imported: 0, instances: 9 });
    const row = lib.listInstances(PATIENT_A.seriesUid).find((i) => i.path === gone)!;
    expect(row.missing).toBe(true);
    expect(lib.getSeries(PATIENT_A.seriesUid)).toMatchObject({ instances: 5, missing: 1 });
    // Still missing next time: reported again, not forgotten.
    expect((await lib.importPaths([dir])).missing).toBe(1);

    // Back on disk unchanged: no longer missing.
    fs.writeFileSync(gone, saved);
    fs.utimesSync(gone, stat.atime, stat.mtime);
    const back = await lib.importPaths([dir]);
    expect(back).toMatchObject({ missing: 0, unchanged: 9 });
    expect(lib.getSeries(PATIENT_A.seriesUid)).toMatchObject({ missing: 0 });
  });

  it('a whole imported folder deleted: its files are missing, and the path is reported', async () => {
    const dir = copyMixedFolder(template);
    const lib = freshLibrary();
    await lib.importPaths([dir]);
    fs.rmSync(path.join(dir, 'series'), { recursive: true });
    const report = await lib.importPaths([path.join(dir, 'series')]);
    expect(report.missing).toBe(5);
    expect(report.errors[0]).toEqual({ file: path.join(dir, 'series'), reason: expect.stringMatching(/no such file or folder/), kind: 'not-found' });
  });

  it('keeps the first of two files with the same SOP Instance UID and reports the second; follows a moved file', async () => {
    const dir = copyMixedFolder(template);
    const lib = freshLibrary();
    await lib.importPaths([dir]);
    fs.mkdirSync(path.join(dir, 'zcopy'));
    const copy = path.join(dir, 'zcopy/again');
    fs.copyFileSync(path.join(dir, 'series/IM1'), copy);
    const report = await lib.importPaths([dir]);
    expect(report.instances).toBe(9);
    expect(errorFor(report, copy)).toMatch(new RegExp(`duplicate.*${PATIENT_A.seriesUid.replace(/\./g, '\\.')}\\.2.*series/IM1`));

    // Moving a file: the old path is gone, so the library follows it instead of calling it a duplicate.
    fs.rmSync(copy);
    fs.renameSync(path.join(dir, 'series/IM4'), path.join(dir, 'zcopy/IM4'));
    const moved = await lib.importPaths([dir]);
    expect(moved.errors.filter((e) => /duplicate/.test(e.reason))).toEqual([]);
    expect(moved).toMatchObject({ imported: 1, missing: 0, instances: 9 });
    expect(lib.listInstances(PATIENT_A.seriesUid).map((i) => i.path)).toContain(path.join(dir, 'zcopy/IM4'));
  });

  it('keeps the complete copy of an image met twice, whichever is found first, and stays with it', async () => {
    const dir = path.join(tmpDir('dup-best'), 'in');
    const uid = '1.2.826.0.1.3680043.10.543.77';
    const pixels = new Uint8Array(16 * 16 * 2 * 4).map((_, k) => k % 251);
    const write = (file: string, frames: number) => {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      writeImage(file, { rows: 16, columns: 16, frames, bitsAllocated: 16, modality: 'RTDOSE', uid, pixelBytes: pixels.subarray(0, 16 * 16 * 2 * frames) });
    };
    write(path.join(dir, 'a/dose'), 1);
    write(path.join(dir, 'b/dose'), 4);
    const lib = freshLibrary();
    const report = await lib.importPaths([dir]);
    expect(report).toMatchObject({ imported: 1, instances: 1 });
    expect(lib.listInstances(`${uid}.2`).map((i) => [i.path, i.frames])).toEqual([[path.join(dir, 'b/dose'), 4]]);
    expect(report.errors).toEqual([
      { file: path.join(dir, 'a/dose'), kind: 'duplicate', keptFile: path.join(dir, 'b/dose'), reason: expect.stringMatching(/that copy holds 4 frames and this copy 1/) },
    ]);
    expect(lib.importErrors()).toEqual([{ ...report.errors[0], at: report.at }]);

    // Again: the kept copy stays, the other is still the duplicate.
    const again = await lib.importPaths([dir]);
    expect(again).toMatchObject({ imported: 0, unchanged: 1, instances: 1 });
    expect(again.errors.map((e) => [e.file, e.kind, e.keptFile])).toEqual([[path.join(dir, 'a/dose'), 'duplicate', path.join(dir, 'b/dose')]]);
    expect(lib.listInstances(`${uid}.2`)[0].frames).toBe(4);
  });

  it('lists an RT Plan and an SR as objects without an image, by name, not as failures', async () => {
    const dir = path.join(tmpDir('no-image'), 'in');
    fs.mkdirSync(dir);
    const object = (sopClass: string, n: number) =>
      dicomBytes({
        0x00080016: { vr: 'UI', value: sopClass },
        0x00080018: { vr: 'UI', value: `1.2.826.0.1.3680043.10.543.78.${n}` },
        0x00080060: { vr: 'CS', value: 'RTPLAN' },
        0x0020000d: { vr: 'UI', value: '1.2.826.0.1.3680043.10.543.78.1' },
        0x0020000e: { vr: 'UI', value: '1.2.826.0.1.3680043.10.543.78.2' },
      });
    fs.writeFileSync(path.join(dir, 'plan'), object('1.2.840.10008.5.1.4.1.1.481.5', 3));
    fs.writeFileSync(path.join(dir, 'sr'), object('1.2.840.10008.5.1.4.1.1.88.33', 4));
    const report = await freshLibrary().importPaths([dir]);
    expect(report.errors.map((e) => [path.basename(e.file), e.kind, e.reason.split(':')[0]])).toEqual([
      ['plan', 'no-image', 'an RT Plan'],
      ['sr', 'no-image', 'a Comprehensive SR'],
    ]);
  });

  it('reports a dangling link and a path that does not exist, and goes on', async () => {
    const dir = copyMixedFolder(template);
    fs.symlinkSync(path.join(dir, 'nowhere'), path.join(dir, 'dangling'));
    const lib = freshLibrary();
    const report = await lib.importPaths([dir, path.join(dir, 'no-such-file')]);
    expect(report.imported).toBe(9);
    expect(errorFor(report, path.join(dir, 'dangling'))).toMatch(/link points nowhere/);
    expect(errorFor(report, path.join(dir, 'no-such-file'))).toMatch(/no such file or folder/);
    expect(report.errors.find((e) => e.file === path.join(dir, 'no-such-file'))?.kind).toBe('not-found');
  });

  it.skipIf(process.getuid?.() === 0)('reports a file it may not read (permission denied)', async () => {
    const dir = copyMixedFolder(template);
    const locked = path.join(dir, 'series/IM0');
    fs.chmodSync(locked, 0o000);
    const lib = freshLibrary();
    const report = await lib.importPaths([dir]);
    expect(errorFor(report, locked)).toMatch(/permission denied/);
    expect(report.imported).toBe(8);
  });
});

describe('damaged files', () => {
  it('never stop the import: every file is either imported or reported with a reason', async () => {
    const dir = path.join(tmpDir('fuzz'), 'in');
    fs.mkdirSync(dir);
    const good = fs.readFileSync(path.join(template, 'series/IM0'));
    let seed = 42;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed % n;
    };
    const headerEnd = good.length - 32 * 32 * 2;
    for (let i = 0; i < 60; i++) fs.writeFileSync(path.join(dir, `cut${i}`), good.subarray(0, next(headerEnd + 64)));
    for (let i = 0; i < 60; i++) {
      const copy = Buffer.from(good);
      for (let k = 0; k < 1 + next(4); k++) copy[next(headerEnd)] ^= 1 << next(8);
      fs.writeFileSync(path.join(dir, `flip${i}`), copy);
    }
    const lib = freshLibrary();
    const report = await lib.importPaths([dir]);
    expect(report.scanned).toBe(120);
    expect(report.imported + report.errors.length).toBe(120);
    expect(report.errors.length).toBeGreaterThan(60); // at least every cut file
    for (const e of report.errors) expect(e.reason).toMatch(/^[^\n]{20,}$/);
    expect(report.errors.map((e) => e.reason).join('\n')).not.toMatch(/undefined|\[object /);
  });
});

describe('large files', () => {
  it('reads only the header of a large file, yet catches one cut short and one whose header is long', async () => {
    const dir = path.join(tmpDir('large'), 'in');
    fs.mkdirSync(dir);
    const seriesUid = '1.2.826.0.1.3680043.10.543.88.1';
    const slice = { ...PATIENT_B, seriesUid, rows: 300, columns: 300, window: [40, 400] as [number, number] };
    writeSlice(path.join(dir, 'a-large'), { ...slice, sopUid: `${seriesUid}.1`, instanceNumber: 1 });
    const whole = fs.readFileSync(path.join(dir, 'a-large'));
    expect(whole.length).toBeGreaterThan(180_000);
    fs.writeFileSync(path.join(dir, 'b-cut'), whole.subarray(0, 150_000));
    // A header longer than the part read first: 100 kB of private data before the pixels.
    const blob = path.join(tmpDir('blob'), 'blob.bin');
    fs.writeFileSync(blob, Buffer.alloc(100_000, 7));
    writeSlice(path.join(dir, 'c-long-header'), {
      ...slice,
      sopUid: `${seriesUid}.3`,
      instanceNumber: 3,
      extraLines: ['(0029,0010) LO [LUMEN TEST]', `(0029,1010) OB =${blob}`],
    });

    // The large file is read in part: the first 64 kB into a buffer as long as the file.
    const head = readHead(path.join(dir, 'a-large'), whole.length);
    expect(head.complete).toBe(false);
    expect(head.bytes.length).toBe(whole.length);
    expect(head.bytes.subarray(0, 65536).equals(whole.subarray(0, 65536))).toBe(true);

    const lib = freshLibrary();
    const report = await lib.importPaths([dir]);
    expect(report.imported).toBe(2);
    expect(report.errors).toEqual([
      { file: path.join(dir, 'b-cut'), reason: expect.stringMatching(/declared length beyond the file.*(7FE0,0010).*ends at byte 150000/), kind: 'error' },
    ]);
    const instances = lib.listInstances(seriesUid);
    expect(instances.map((i) => [path.basename(i.path), i.rows, i.columns, i.windowWidth, i.fileSize])).toEqual([
      ['a-large', 300, 300, [400], whole.length],
      ['c-long-header', 300, 300, [400], fs.statSync(path.join(dir, 'c-long-header')).size],
    ]);
  });
});

describe('DICOMDIR', () => {
  it('imports the files a DICOMDIR lists, resolving names case-insensitively', async () => {
    const dir = copyMixedFolder(template);
    // As if the disc had been copied onto a case-sensitive file system in lower case.
    fs.renameSync(path.join(dir, 'disc/DICOM'), path.join(dir, 'disc/dicom'));
    fs.renameSync(path.join(dir, 'disc/dicom/IMG1'), path.join(dir, 'disc/dicom/img1'));
    const lib = freshLibrary();
    const report = await lib.importPaths([path.join(dir, 'disc/DICOMDIR')]);
    expect(report).toMatchObject({ scanned: 3, dicomdirs: 1, imported: 2, errors: [], patients: 1 });
    expect(lib.listInstances(PATIENT_B.seriesUid).map((i) => i.path)).toEqual([path.join(dir, 'disc/dicom/img1'), path.join(dir, 'disc/dicom/IMG2')]);
  });

  it('reports a listed file that is not on disk', async () => {
    const dir = copyMixedFolder(template);
    fs.rmSync(path.join(dir, 'disc/DICOM/IMG2'));
    const lib = freshLibrary();
    const report = await lib.importPaths([path.join(dir, 'disc/DICOMDIR')]);
    expect(report.imported).toBe(1);
    expect(report.errors).toEqual([
      { file: path.join(dir, 'disc/DICOM/IMG2'), kind: 'error', reason: expect.stringMatching(/listed in the DICOMDIR .*DICOMDIR .*IMAGE DICOM\\IMG2.*not on disk/) },
    ]);
  });
});

describe('header counts the pixel data cannot back', () => {
  it('refuses a file whose Number of Frames exceeds what its pixel data holds, native or compressed, small or read in part', async () => {
    const dir = path.join(tmpDir('frames'), 'in');
    fs.mkdirSync(dir);
    const seriesUid = '1.2.826.0.1.3680043.10.543.77.1';
    const slice = (n: number, extra: Partial<Parameters<typeof writeSlice>[1]> = {}) => ({ ...PATIENT_B, seriesUid, sopUid: `${seriesUid}.${n}`, instanceNumber: n, ...extra });
    const huge = '(0028,0008) IS [2147483647]';
    // One native frame declaring 2^31 - 1 frames (listing its series once allocated an array that long).
    writeSlice(path.join(dir, 'a-native'), slice(1, { extraLines: [huge] }));
    // One RLE frame declaring 5, larger than the part of a file import reads first (64 kB):
    // the fragments lie beyond it.
    const plain = path.join(tmpDir('frames-src'), 'plain');
    writeSlice(plain, slice(2, { rows: 700, columns: 700 }));
    execFileSync('dcmcrle', [plain, path.join(dir, 'b-rle')], { stdio: 'pipe' });
    execFileSync('dcmodify', ['-nb', '-i', '(0028,0008)=5', path.join(dir, 'b-rle')], { stdio: 'pipe' });
    expect(fs.statSync(path.join(dir, 'b-rle')).size).toBeGreaterThan(140_000);
    // Rows changed to 65535 in a 32x32 file: not one frame fits in its pixel data.
    writeSlice(path.join(dir, 'c-rows'), slice(3));
    execFileSync('dcmodify', ['-nb', '-m', '(0028,0010)=65535', path.join(dir, 'c-rows')], { stdio: 'pipe' });
    // A genuine multi-frame RLE file read in part: 3 frames, 3 fragments, imported.
    const multi = path.join(tmpDir('frames-src'), 'multi');
    const random = mulberry32(7);
    writeImage(multi, { rows: 200, columns: 200, frames: 3, bitsAllocated: 16, bitsStored: 12, pixelBytes: Uint8Array.from({ length: 200 * 200 * 3 * 2 }, (_, i) => (i % 2 ? random() * 16 : random() * 256)), extra: { 0x00080018: { vr: 'UI', value: `${seriesUid}.4` }, 0x0020000e: { vr: 'UI', value: seriesUid }, 0x0020000d: { vr: 'UI', value: PATIENT_B.studyUid } } });
    execFileSync('dcmcrle', [multi, path.join(dir, 'd-multi')], { stdio: 'pipe' });
    expect(fs.statSync(path.join(dir, 'd-multi')).size).toBeGreaterThan(140_000);

    const lib = freshLibrary();
    const report = await lib.importPaths([dir]);
    expect(errorFor(report, path.join(dir, 'a-native'))).toMatch(/Number of Frames \(0028,0008\) says 2147483647, but its pixel data \(2048 bytes\) holds 1 frame of 32x32x1 samples at 16 bits\. The header is corrupt/);
    expect(errorFor(report, path.join(dir, 'b-rle'))).toMatch(/Number of Frames \(0028,0008\) says 5, but its compressed pixel data has 1 fragment, and each frame needs one at least\. The header is corrupt/);
    expect(errorFor(report, path.join(dir, 'c-rows'))).toMatch(/pixel data \(2048 bytes\) is too small for one frame of 65535x32x1 samples at 16 bits/);
    expect(report.errors).toHaveLength(3);
    expect(lib.listInstances(seriesUid).map((i) => [path.basename(i.path), i.frames])).toEqual([['d-multi', 3]]);
  });

  it('a library row with an absurd frame count (imported before this check) lists a bounded series', () => {
    const record = { path: '/x', fileSize: 100_000, rows: 512, columns: 512, bitsAllocated: 16, transferSyntaxUid: '1.2.840.10008.1.2.1', frames: 2147483647 } as InstanceRecord;
    // 100 kB holds no 512x512 16-bit frame: one image (whose decode then says what is wrong).
    expect(seriesImages([record])).toHaveLength(1);
    // Compressed: each frame needs at least an 8-byte fragment header.
    expect(seriesImages([{ ...record, transferSyntaxUid: '1.2.840.10008.1.2.5' }]).length).toBeLessThanOrEqual(100_000 / 8);
    expect(seriesImages([{ ...record, frames: 3, fileSize: 2_000_000 }])).toHaveLength(3);
  });
});

describe('a damaged DICOMDIR', () => {
  it('is reported in words, not in the parser\'s', async () => {
    const dir = copyMixedFolder(template);
    const dicomdir = path.join(dir, 'disc/DICOMDIR');
    const bytes = fs.readFileSync(dicomdir);
    fs.writeFileSync(dicomdir, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
    const lib = freshLibrary();
    const report = await lib.importPaths([dicomdir]);
    const reason = errorFor(report, dicomdir);
    expect(reason).toMatch(/^a DICOMDIR whose directory records cannot be read \(it is truncated or damaged\)\. Import the folder it is in instead\.$/);
    // A record whose item tag is damaged: dicom-parser throws "dicomParser.readSequenceItem: item tag ... not found".
    const records = bytes.indexOf(Buffer.from([0x04, 0x00, 0x20, 0x12]));
    const item = bytes.indexOf(Buffer.from([0xfe, 0xff, 0x00, 0xe0]), records);
    const damaged = Buffer.from(bytes);
    damaged[item + 3] = 0xe1;
    fs.writeFileSync(dicomdir, damaged);
    const again = await lib.importPaths([dicomdir]);
    expect(errorFor(again, dicomdir)).toBe(reason);
  });
});

describe('a DICOMDIR that points outside its folder', () => {
  it('refuses ".." and absolute components and symbolic links leading out, and imports the rest', async () => {
    const dir = copyMixedFolder(template);
    const disc = path.join(dir, 'disc');
    // A private file beside the disc, which a crafted DICOMDIR must not pull into the library.
    const secret = { patientName: 'SECRET^S', patientId: 'PS999', studyUid: '1.2.826.0.1.3680043.10.543.9', seriesUid: '1.2.826.0.1.3680043.10.543.9.1' };
    writeSlice(path.join(dir, 'O'), { ...secret, sopUid: `${secret.seriesUid}.1`, instanceNumber: 1 });
    fs.symlinkSync(path.join(dir, 'O'), path.join(disc, 'DICOM/LINK'));
    // dcmmkdir wrote the DICOMDIR (patient, study, series, two images); every record with a
    // ReferencedFileID is imported, so craft the first four (CS values hold 16 characters).
    const dicomdir = path.join(disc, 'DICOMDIR');
    const original = fs.readFileSync(dicomdir);
    execFileSync('dcmodify', [
      '-nb',
      '-i', '(0004,1220)[0].(0004,1500)=/O',
      '-i', '(0004,1220)[1].(0004,1500)=DICOM/../../O',
      '-i', '(0004,1220)[2].(0004,1500)=DICOM\\LINK',
      '-i', '(0004,1220)[3].(0004,1500)=..\\O',
      dicomdir,
    ], { stdio: 'pipe' });
    // dcmodify rewrites the meta header as for an image (it has no Media Storage Directory
    // class to keep): put dcmmkdir's back in front of the edited data set.
    const metaEnd = (bytes: Buffer) => 144 + bytes.readUInt32LE(140);
    const edited = fs.readFileSync(dicomdir);
    fs.writeFileSync(dicomdir, Buffer.concat([original.subarray(0, metaEnd(original)), edited.subarray(metaEnd(edited))]));
    const lib = freshLibrary();
    const report = await lib.importPaths([path.join(disc, 'DICOMDIR')]);
    expect(report).toMatchObject({ dicomdirs: 1, imported: 1, patients: 1 });
    expect(lib.listInstances(PATIENT_B.seriesUid).map((i) => i.path)).toEqual([path.join(disc, 'DICOM/IMG2')]);
    expect(lib.listInstances(secret.seriesUid)).toEqual([]);
    expect(lib.listTree().map((p) => p.patientId)).toEqual([PATIENT_B.patientId]);
    const reason = errorFor(report, path.join(disc, 'DICOMDIR'));
    expect(reason).toMatch(/4 entries point outside the DICOMDIR's folder and were not imported/);
    for (const id of ['/O', 'DICOM/../../O', 'DICOM\\LINK', '..\\O']) expect(reason).toContain(id);
    // Nothing outside the disc is named as an error either.
    expect(report.errors.map((e) => e.file)).toEqual([path.join(disc, 'DICOMDIR')]);
  });
});

/** `count` copies of series/IM0, each with its own SOP Instance UID (patched in place, same length). */
function manySlices(dir: string, source: string, count: number): void {
  const bytes = fs.readFileSync(source);
  const sopUid = `${PATIENT_A.seriesUid}.1`; // ...10.543.1.1.1
  const uid = Buffer.from(sopUid, 'latin1');
  const positions: number[] = [];
  for (let at = bytes.indexOf(uid); at >= 0; at = bytes.indexOf(uid, at + 1)) positions.push(at);
  expect(positions.length).toBe(2); // meta header and data set
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const copy = Buffer.from(bytes);
    const patched = Buffer.from(sopUid.replace(/543\.1\.1\.1$/, `${String(i).padStart(5, '0')}.1.1`), 'latin1');
    expect(patched.length).toBe(uid.length);
    for (const at of positions) patched.copy(copy, at);
    fs.writeFileSync(path.join(dir, `f${String(i).padStart(5, '0')}`), copy);
  }
}

describe('cancelling', () => {
  it('stops between batches, keeps what was committed consistent, and the next import finishes the job', async () => {
    const dir = path.join(tmpDir('cancel'), 'many');
    const total = 2000;
    manySlices(dir, path.join(template, 'series/IM0'), total);
    const lib = freshLibrary();
    const controller = new AbortController();
    const events: ImportProgress[] = [];
    const report = await lib.importPaths([dir], {
      signal: controller.signal,
      onProgress: (p) => {
        events.push(p);
        if (p.phase === 'reading' && p.imported > 0) controller.abort();
      },
    });
    expect(report.cancelled).toBe(true);
    expect(report.imported).toBeGreaterThan(0);
    expect(report.imported).toBeLessThan(total);
    expect(report.errors).toEqual([]);
    expect(report.missing).toBe(0);
    // What is committed matches the report: every instance sits in a series, study and patient.
    expect(report.instances).toBe(report.imported);
    const tree = lib.listTree();
    expect(tree.reduce((n, p) => n + p.instances, 0)).toBe(report.imported);
    expect(events.every((e) => e.phase !== 'reading' || e.total === total)).toBe(true);

    const rest = await lib.importPaths([dir]);
    expect(rest).toMatchObject({ cancelled: false, unchanged: report.imported, imported: total - report.imported, instances: total, errors: [] });
  });
});
