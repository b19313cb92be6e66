// Importing a folder the library already holds (issue: re-import): a file at the same path with
// the same size and modification time is not read again, whether it is an image or a result
// document (SR, Parametric Map), a file not DICOM, a DICOM object without an image or a DICOMDIR;
// a file added or changed since is. Files by dcmtk's dump2dcm and dcmmkdir.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { countIssues } from '../../common/import-summary';
import { CT_IMAGE_STORAGE, makeDicomdir, PATIENT_A, tmpDir, writeSlice } from './fixtures';

const SR_UID = `${PATIENT_A.studyUid}.50.1`;
const MAP_UID = `${PATIENT_A.studyUid}.60.1`;
const slice = (i: number) => ({ ...PATIENT_A, sopUid: `${PATIENT_A.seriesUid}.${i}`, instanceNumber: i, z: i * 2.5 });

/** The file meta and patient/study lines every object of the folder shares. */
function headLines(sopClass: string, sopUid: string, seriesUid: string, modality: string): string[] {
  return [
    `(0002,0002) UI [${sopClass}]`,
    `(0002,0003) UI [${sopUid}]`,
    '(0002,0010) UI =LittleEndianExplicit',
    `(0008,0016) UI [${sopClass}]`,
    `(0008,0018) UI [${sopUid}]`,
    '(0008,0020) DA [20240102]',
    '(0008,0023) DA [20240103]',
    '(0008,0033) TM [120000]',
    `(0008,0060) CS [${modality}]`,
    `(0010,0010) PN [${PATIENT_A.patientName}]`,
    `(0010,0020) LO [${PATIENT_A.patientId}]`,
    `(0020,000d) UI [${PATIENT_A.studyUid}]`,
    `(0020,000e) UI [${seriesUid}]`,
  ];
}

function dump2dcm(file: string, lines: string[]): void {
  const dump = `${file}.dump`;
  fs.writeFileSync(dump, lines.join('\n') + '\n', 'utf8');
  try {
    execFileSync('dump2dcm', [dump, file], { stdio: 'pipe' });
  } finally {
    fs.rmSync(dump);
  }
}

const item = (lines: string[]) => ['(fffe,e000) na (Item with undefined length #=1)', ...lines, '(fffe,e00d) na (ItemDelimitationItem)'];
const sequence = (tag: string, items: string[][]) => [`(${tag}) SQ (Sequence with undefined length #=1)`, ...items.flatMap(item), '(fffe,e0dd) na (SequenceDelimitationItem)'];
const code = (tag: string, value: string, scheme: string, meaning: string) =>
  sequence(tag, [[`(0008,0100) SH [${value}]`, `(0008,0102) SH [${scheme}]`, `(0008,0104) LO [${meaning}]`]]);

/** A Basic Text SR with one finding (a TEXT item named Finding) on the study's first image. */
function writeSr(file: string, finding: string): void {
  dump2dcm(file, [
    ...headLines('1.2.840.10008.5.1.4.1.1.88.11', SR_UID, `${PATIENT_A.studyUid}.50`, 'SR'),
    '(0040,a040) CS [CONTAINER]',
    ...code('0040,a043', '126000', 'DCM', 'Imaging Measurement Report'),
    '(0040,a050) CS [SEPARATE]',
    '(0040,a491) CS [COMPLETE]',
    '(0040,a493) CS [UNVERIFIED]',
    ...sequence('0040,a730', [
      ['(0040,a010) CS [CONTAINS]', '(0040,a040) CS [TEXT]', ...code('0040,a043', '121071', 'DCM', 'Finding'), `(0040,a160) UT [${finding}]`],
    ]),
  ]);
}

/** A 4x4 float Parametric Map of the study's first image. */
function writeMap(file: string): void {
  const values = Array.from({ length: 16 }, (_, i) => i / 16).join('\\');
  dump2dcm(file, [
    ...headLines('1.2.840.10008.5.1.4.1.1.30', MAP_UID, `${PATIENT_A.studyUid}.60`, 'OT'),
    '(0008,103e) LO [Heatmap]',
    ...sequence('0008,1140', [[`(0008,1150) UI [${CT_IMAGE_STORAGE}]`, `(0008,1155) UI [${slice(1).sopUid}]`]]),
    '(0028,0002) US 1',
    '(0028,0004) CS [MONOCHROME2]',
    '(0028,0010) US 4',
    '(0028,0011) US 4',
    '(0028,0100) US 32',
    `(7fe0,0008) OF ${values}`,
  ]);
}

/** Sets a file's modification time apart from its first, as a copy from elsewhere would. */
function touch(file: string, secondsLater: number): void {
  const at = new Date(fs.statSync(file).mtimeMs + secondsLater * 1000);
  fs.utimesSync(file, at, at);
}

interface DocumentRow {
  sop_uid: string;
  path: string;
  imported_at: string;
}

describe('importing a folder the library already holds', () => {
  let work: string;
  let folder: string;
  let library: Library;
  let db: Database.Database;
  const documents = () => db.prepare<[], DocumentRow>('SELECT sop_uid, path, imported_at FROM result_documents ORDER BY sop_uid').all();
  const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

  beforeAll(() => {
    work = tmpDir('reimport');
    folder = path.join(work, 'in');
    fs.mkdirSync(folder);
    for (let i = 1; i <= 4; i++) writeSlice(path.join(folder, `IM${i}`), slice(i));
    writeSr(path.join(folder, 'report.dcm'), 'No acute finding.');
    writeMap(path.join(folder, 'map.dcm'));
    library = Library.open(path.join(work, 'lib'));
    db = new Database(path.join(work, 'lib', LIBRARY_FILE), { readonly: true });
  });
  afterAll(() => {
    db?.close();
    library?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('reads nothing again that is unchanged, and reads again exactly what was added or changed', async () => {
    const first = await library.importPaths([folder]);
    expect(first.errors).toEqual([]);
    expect(first).toMatchObject({ imported: 6, results: 2, changed: 0, unchanged: 0, instances: 4 });
    const filed = documents();
    expect(filed.map((d) => d.sop_uid)).toEqual([SR_UID, MAP_UID].sort());
    const rows = { findings: count('result_findings'), sources: count('result_map_sources') };
    expect(rows).toEqual({ findings: 1, sources: 1 });

    // The same folder again: every file is already in the library, none is read or filed again.
    const second = await library.importPaths([folder]);
    expect(second.errors).toEqual([]);
    expect(second).toMatchObject({ imported: 0, results: 0, changed: 0, unchanged: 6, missing: 0, instances: 4 });
    expect(second.studyInstanceUids).toEqual([]);
    expect(documents()).toEqual(filed); // same rows, same imported_at: not filed again
    expect({ findings: count('result_findings'), sources: count('result_map_sources') }).toEqual(rows);

    // One file added, one image and the SR changed (other content, a later modification time).
    writeSlice(path.join(folder, 'IM5'), slice(5));
    writeSlice(path.join(folder, 'IM2'), { ...slice(2), window: [40, 400] });
    touch(path.join(folder, 'IM2'), 60);
    writeSr(path.join(folder, 'report.dcm'), 'A nodule in the right upper lobe.');
    touch(path.join(folder, 'report.dcm'), 60);
    const third = await library.importPaths([folder]);
    expect(third.errors).toEqual([]);
    expect(third).toMatchObject({ imported: 1, results: 0, changed: 2, unchanged: 4, instances: 5 });
    const image2 = library.listInstances(PATIENT_A.seriesUid).find((i) => i.sopInstanceUid === slice(2).sopUid);
    expect(image2?.windowCenter).toEqual([40]);
    const results = library.studyResults(PATIENT_A.studyUid);
    expect(results.map((r) => r.sopInstanceUid).sort()).toEqual([SR_UID, MAP_UID].sort());
    expect(results.find((r) => r.sopInstanceUid === SR_UID)!.findings.map((f) => f.finding)).toEqual(['A nodule in the right upper lobe.']);
    expect(count('result_findings')).toBe(1);
    expect(count('result_map_sources')).toBe(1);
    // The map was not filed again; the SR was.
    const after = documents();
    expect(after.find((d) => d.sop_uid === MAP_UID)).toEqual(filed.find((d) => d.sop_uid === MAP_UID));
    expect(after.find((d) => d.sop_uid === SR_UID)!.imported_at).not.toBe(filed.find((d) => d.sop_uid === SR_UID)!.imported_at);
  }, 120_000);

  it('reads a result filed before schema 19 (no size and time) once more, as already in the library', async () => {
    const writer = new Database(path.join(work, 'lib', LIBRARY_FILE));
    writer.prepare('UPDATE result_documents SET file_size = NULL, mtime_ms = NULL').run();
    writer.close();
    const before = documents();

    const upgraded = await library.importPaths([folder]);
    expect(upgraded.errors).toEqual([]);
    expect(upgraded).toMatchObject({ imported: 0, results: 0, changed: 0, unchanged: 7 });
    const refiled = documents();
    expect(refiled.map((d) => d.sop_uid)).toEqual(before.map((d) => d.sop_uid));
    refiled.forEach((d, i) => expect(d.imported_at).not.toBe(before[i].imported_at));
    const sizes = db.prepare<[], { file_size: number | null }>('SELECT file_size FROM result_documents').all();
    expect(sizes.every((r) => r.file_size !== null && r.file_size > 0)).toBe(true);

    // Recorded now: the next import reads neither again.
    const next = await library.importPaths([folder]);
    expect(next).toMatchObject({ imported: 0, changed: 0, unchanged: 7 });
    expect(documents()).toEqual(refiled);
  });
});

/** The file with `from` replaced by `to` (same length) wherever it occurs, size and modification time kept. */
function rewriteKeepingTime(file: string, from: string, to: string): void {
  expect(to).toHaveLength(from.length);
  const stat = fs.statSync(file);
  const text = fs.readFileSync(file).toString('latin1');
  expect(text).toContain(from);
  fs.writeFileSync(file, Buffer.from(text.split(from).join(to), 'latin1'));
  fs.utimesSync(file, stat.atime, stat.mtime);
}

describe('importing a folder again that holds second copies', () => {
  let work: string;
  let folder: string;
  let library: Library;
  let db: Database.Database;

  beforeAll(() => {
    work = tmpDir('reimport-copies');
    folder = path.join(work, 'in');
    fs.mkdirSync(path.join(folder, 'copies'), { recursive: true });
    for (let i = 1; i <= 2; i++) writeSlice(path.join(folder, `IM${i}`), slice(i));
    writeSr(path.join(folder, 'report.dcm'), 'No acute finding.');
    fs.copyFileSync(path.join(folder, 'IM1'), path.join(folder, 'copies', 'IM1'));
    fs.copyFileSync(path.join(folder, 'report.dcm'), path.join(folder, 'copies', 'report.dcm'));
    // Whole seconds, so that rewriteKeepingTime can set a time back exactly (a Date holds no more than milliseconds).
    const at = new Date('2026-01-02T03:04:05Z');
    for (const file of ['IM1', 'IM2', 'report.dcm', 'copies/IM1', 'copies/report.dcm']) fs.utimesSync(path.join(folder, file), at, at);
    library = Library.open(path.join(work, 'lib'));
    db = new Database(path.join(work, 'lib', LIBRARY_FILE), { readonly: true });
  });
  afterAll(() => {
    db?.close();
    library?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('reports a second copy of an image or a result as a duplicate each time, without reading it again while neither copy changed', async () => {
    const sorted = <T extends { file: string }>(errors: T[]) => [...errors].sort((a, b) => a.file.localeCompare(b.file));
    const first = await library.importPaths([folder]);
    expect(first).toMatchObject({ imported: 3, results: 1, instances: 2 });
    const copies = sorted(first.errors);
    expect(copies.map((e) => e.kind)).toEqual(['duplicate', 'duplicate']);
    // Whichever copy was found first is kept; the other names it.
    const pairs = [['IM1', 'copies/IM1'], ['report.dcm', 'copies/report.dcm']].map((p) => p.map((f) => path.join(folder, f)));
    for (const e of copies) expect(pairs.find((p) => p.includes(e.file))!.filter((f) => f !== e.file)).toEqual([e.keptFile]);
    const report = copies.find((e) => e.file.endsWith('report.dcm'))!;
    expect(report.reason).toMatch(/^duplicate: the same result document \(SOP Instance UID [0-9.]+\) as .*report\.dcm, which the library keeps/);
    const documents = () => db.prepare('SELECT sop_uid, path, imported_at FROM result_documents').all();
    const filed = documents();
    expect(filed).toHaveLength(1);

    const second = await library.importPaths([folder]);
    expect(second).toMatchObject({ imported: 0, results: 0, changed: 0, unchanged: 3 });
    expect(sorted(second.errors)).toEqual(copies);
    expect(documents()).toEqual(filed);

    // The copy of the image changed, keeping its size and time: the import trusts them and does not read it.
    const image = copies.find((e) => !e.file.endsWith('report.dcm'))!;
    const other = `${slice(1).sopUid.slice(0, -1)}7`;
    rewriteKeepingTime(image.file, slice(1).sopUid, other);
    const third = await library.importPaths([folder]);
    expect(third).toMatchObject({ imported: 0, unchanged: 3 });
    expect(sorted(third.errors)).toEqual(copies);

    // Its time changed too: read again, it is another image now, and imported.
    touch(image.file, 60);
    const fourth = await library.importPaths([folder]);
    expect(fourth).toMatchObject({ imported: 1, unchanged: 3, instances: 3 });
    expect(fourth.errors.map((e) => e.file)).toEqual([report.file]);
    expect(library.listInstances(PATIENT_A.seriesUid).map((i) => i.sopInstanceUid)).toContain(other);
  }, 120_000);

  it('takes a second copy in when the copy kept changes into another image in the same import', async () => {
    const dir = path.join(work, 'order');
    fs.mkdirSync(path.join(dir, 'later'), { recursive: true });
    const image = { ...PATIENT_A, seriesUid: `${PATIENT_A.studyUid}.7`, sopUid: `${PATIENT_A.studyUid}.7.1`, instanceNumber: 1 };
    writeSlice(path.join(dir, 'A1'), image);
    fs.copyFileSync(path.join(dir, 'A1'), path.join(dir, 'later', 'A1'));
    // The copy in later/ comes into the library first; the one read first in the folder is then the second copy.
    expect(await library.importPaths([path.join(dir, 'later')])).toMatchObject({ imported: 1, errors: [] });
    const both = await library.importPaths([dir]);
    expect(both.errors.map((e) => [e.file, e.kind, e.keptFile])).toEqual([[path.join(dir, 'A1'), 'duplicate', path.join(dir, 'later', 'A1')]]);

    // The kept copy becomes another image; the folder is read in the same order, the second copy first.
    const other = `${image.sopUid.slice(0, -1)}2`;
    rewriteKeepingTime(path.join(dir, 'later', 'A1'), image.sopUid, other);
    touch(path.join(dir, 'later', 'A1'), 60);
    const after = await library.importPaths([dir]);
    expect(after.errors).toEqual([]);
    expect(after).toMatchObject({ imported: 1, changed: 1 });
    expect(library.listInstances(image.seriesUid).map((i) => [i.sopInstanceUid, i.path]).sort()).toEqual([
      [image.sopUid, path.join(dir, 'A1')],
      [other, path.join(dir, 'later', 'A1')],
    ]);
  }, 120_000);

  it('knows a folder imported again under another name (a symbolic link) as the same files, results included', async () => {
    const alias = path.join(work, 'alias');
    fs.symlinkSync(folder, alias);
    const before = await library.importPaths([folder]);
    const held = library.listInstances(PATIENT_A.seriesUid).map((i) => i.path).sort();

    const again = await library.importPaths([alias]);
    // The second copies are still second copies; no file is reported as a copy of itself.
    expect(again.errors.map((e) => [path.relative(alias, e.file), e.kind, e.keptFile]).sort()).toEqual(before.errors.map((e) => [path.relative(folder, e.file), e.kind, e.keptFile]).sort());
    for (const e of again.errors) expect(fs.realpathSync(e.file)).not.toBe(fs.realpathSync(e.keptFile!));
    expect(again).toMatchObject({ imported: 0, results: 0, changed: 0, unchanged: before.unchanged, missing: 0 });
    // Still held under the name they were imported by.
    expect(library.listInstances(PATIENT_A.seriesUid).map((i) => i.path).sort()).toEqual(held);
    expect(db.prepare('SELECT path FROM result_documents').pluck().all()).toEqual([path.join(folder, 'report.dcm')]);
  }, 120_000);
});

describe('importing a folder again that holds files that are not images', () => {
  let work: string;
  let folder: string;
  let library: Library;
  // Whole seconds, so that a time can be set back exactly (a Date holds no more than milliseconds).
  const at = new Date('2026-01-02T03:04:05Z');
  /** `file` overwritten with `bytes` (the same size), its modification time set back: only reading it tells. */
  const overwriteKeepingTime = (file: string, bytes: Buffer) => {
    expect(bytes.length).toBe(fs.statSync(file).size);
    fs.writeFileSync(file, bytes);
    fs.utimesSync(file, at, at);
  };
  const sorted = <T extends { file: string }>(errors: T[]) => [...errors].sort((a, b) => a.file.localeCompare(b.file));
  let spare: string;

  beforeAll(() => {
    work = tmpDir('reimport-other');
    folder = path.join(work, 'in');
    fs.mkdirSync(folder);
    for (let i = 1; i <= 2; i++) writeSlice(path.join(folder, `IMG${i}`), slice(i));
    makeDicomdir(folder, ['IMG1', 'IMG2']);
    // A presentation state: a DICOM object without an image.
    dump2dcm(path.join(folder, 'PS1'), headLines('1.2.840.10008.5.1.4.1.1.11.1', `${PATIENT_A.studyUid}.70.1`, `${PATIENT_A.studyUid}.70`, 'PR'));
    // A file that is not DICOM, of the size of an image kept aside (so it can become one unseen).
    spare = path.join(work, 'spare');
    writeSlice(spare, slice(3));
    fs.writeFileSync(path.join(folder, 'notes.txt'), 'x'.repeat(fs.statSync(spare).size));
    for (const file of fs.readdirSync(folder)) fs.utimesSync(path.join(folder, file), at, at);
    library = Library.open(path.join(work, 'lib'));
  });
  afterAll(() => {
    library?.close();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('reads none of them again while unchanged, reports them as before, reads a changed one and forgets a gone one', async () => {
    const first = await library.importPaths([folder]);
    expect(first).toMatchObject({ imported: 2, dicomdirs: 1, instances: 2 });
    const issues = sorted(first.errors);
    expect(issues.map((e) => [path.basename(e.file), e.kind])).toEqual([
      ['notes.txt', 'not-dicom'],
      ['PS1', 'no-image'],
    ]);
    const counted = countIssues(first.errors);

    // Each changed so that reading it would tell (an image, zeros), size and time kept: none is read.
    overwriteKeepingTime(path.join(folder, 'notes.txt'), fs.readFileSync(spare));
    overwriteKeepingTime(path.join(folder, 'PS1'), Buffer.alloc(fs.statSync(path.join(folder, 'PS1')).size));
    overwriteKeepingTime(path.join(folder, 'DICOMDIR'), Buffer.alloc(fs.statSync(path.join(folder, 'DICOMDIR')).size));
    const second = await library.importPaths([folder]);
    // The same report: still not images, still not imported, counted as the first time.
    expect(second).toMatchObject({ imported: 0, changed: 0, unchanged: 2, dicomdirs: 1, instances: 2 });
    expect(sorted(second.errors)).toEqual(issues);
    expect(countIssues(second.errors)).toEqual(counted);

    // Changed (a later time): read again, as what they are now.
    for (const file of ['notes.txt', 'PS1', 'DICOMDIR']) touch(path.join(folder, file), 60);
    const third = await library.importPaths([folder]);
    expect(third).toMatchObject({ imported: 1, dicomdirs: 0, instances: 3 });
    expect(sorted(third.errors).map((e) => [path.basename(e.file), e.kind])).toEqual([
      ['DICOMDIR', 'not-dicom'],
      ['PS1', 'not-dicom'],
    ]);

    // Gone: forgotten, neither reported nor remembered.
    fs.rmSync(path.join(folder, 'PS1'));
    fs.rmSync(path.join(folder, 'DICOMDIR'));
    const fourth = await library.importPaths([folder]);
    expect(fourth).toMatchObject({ imported: 0, unchanged: 3, dicomdirs: 0, instances: 3 });
    expect(fourth.errors).toEqual([]);
    expect(library.importErrors().map((e) => path.basename(e.file))).toEqual([]);
  }, 120_000);

  it('forgets a DICOMDIR that is gone, and reads one put back', async () => {
    makeDicomdir(folder, ['IMG1', 'IMG2']);
    const back = await library.importPaths([folder]);
    expect(back).toMatchObject({ dicomdirs: 1, unchanged: 3 });
    const db = new Database(path.join(work, 'lib', LIBRARY_FILE), { readonly: true });
    try {
      expect(db.prepare('SELECT path FROM dicomdirs').pluck().all()).toEqual([path.join(folder, 'DICOMDIR')]);
      fs.rmSync(path.join(folder, 'DICOMDIR'));
      await library.importPaths([folder]);
      expect(db.prepare('SELECT count(*) FROM dicomdirs').pluck().get()).toBe(0);
    } finally {
      db.close();
    }
  });
});
