// An import that fills in what the library held empty (task T, session 17, finding T-9). Files made
// with dump2dcm (fixtures.ts writeSlice) and changed with dcmodify, as another site's software writes
// them. Before the fix, the search index's triggers (search-index.ts) noted the same study twice in
// study_search_pending from inside the importer's INSERT ... ON CONFLICT DO UPDATE, where their OR
// IGNORE does not hold, and the whole import failed: "UNIQUE constraint failed:
// study_search_pending.study_uid", nothing imported.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { LIBRARY_FILE } from '../../electron/library/paths';
import { SCHEMA_VERSION } from '../../electron/library/schema';
import { openDatabase } from '../../electron/library/sqlite';
import { searchTriggers, searchTriggersAt, undoMigrationsAfter28 } from '../support/old-library';
import { tmpDir, writeSlice } from './fixtures';

const STUDY = '1.2.826.0.1.3680043.10.543.917.1';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function folder(): string {
  const d = tmpDir('stale-upsert');
  dirs.push(d);
  return d;
}

describe('an import that fills in a study, series or patient detail the library held empty', () => {
  it('one import: the first series has no Study Description, the second has one; both series go in', async () => {
    const root = folder();
    const src = path.join(root, 'src');
    fs.mkdirSync(src);
    const base = { patientName: 'DESC^LESS', patientId: 'T9A', studyUid: STUDY };
    writeSlice(path.join(src, '1.dcm'), { ...base, seriesUid: `${STUDY}.1`, sopUid: `${STUDY}.1.1`, seriesNumber: 1 });
    execFileSync('dcmodify', ['-nb', '-ea', '(0008,1030)', path.join(src, '1.dcm')], { stdio: 'pipe' });
    writeSlice(path.join(src, '2.dcm'), { ...base, seriesUid: `${STUDY}.2`, sopUid: `${STUDY}.2.1`, seriesNumber: 2, studyDescription: 'CHEST' });
    const lib = Library.open(path.join(root, 'library'));
    try {
      const report = await lib.importPaths([src]);
      expect(report.errors).toEqual([]);
      expect(report.importedImages).toBe(2);
      expect(lib.listInstances(`${STUDY}.1`)).toHaveLength(1);
      expect(lib.listInstances(`${STUDY}.2`)).toHaveLength(1);
      // The description filled in is searchable.
      expect(lib.listStudies({ search: 'CHEST' }).map((s) => s.studyInstanceUid)).toEqual([STUDY]);
    } finally {
      lib.close();
    }
  });

  it('one import: the first file has no Patient\'s Name, the next of the same Patient ID has one (task F1)', async () => {
    // The patient's upsert fills in the name: the patient trigger notes the study, which the first
    // file already noted (the third trigger a DO UPDATE fires, with the study's and the series').
    const root = folder();
    const src = path.join(root, 'src');
    fs.mkdirSync(src);
    const uid = `${STUDY}5`;
    writeSlice(path.join(src, '1.dcm'), { patientName: 'NAMED^LATER', patientId: 'T9F', studyUid: uid, seriesUid: `${uid}.1`, sopUid: `${uid}.1.1`, instanceNumber: 1 });
    execFileSync('dcmodify', ['-nb', '-ea', '(0010,0010)', path.join(src, '1.dcm')], { stdio: 'pipe' });
    writeSlice(path.join(src, '2.dcm'), { patientName: 'NAMED^LATER', patientId: 'T9F', studyUid: uid, seriesUid: `${uid}.2`, sopUid: `${uid}.2.1`, seriesNumber: 2 });
    const lib = Library.open(path.join(root, 'library'));
    try {
      const report = await lib.importPaths([src]);
      expect(report.importedImages).toBe(2);
      expect(lib.listInstances(`${uid}.1`)).toHaveLength(1);
      expect(lib.listInstances(`${uid}.2`)).toHaveLength(1);
      expect(lib.listStudies({ search: 'LATER' }).map((s) => s.studyInstanceUid)).toEqual([uid]);
      expect(report.errors).toEqual([]);
    } finally {
      lib.close();
    }
  });

  it('a later import brings a file of a held series with another Patient\'s Name: imported, with the warning', async () => {
    const root = folder();
    const first = path.join(root, 'first');
    const later = path.join(root, 'later');
    fs.mkdirSync(first);
    fs.mkdirSync(later);
    const base = { patientId: 'T9B', studyUid: `${STUDY}9`, seriesUid: `${STUDY}9.1` };
    writeSlice(path.join(first, 'a1.dcm'), { ...base, patientName: 'WRONG^NAME', sopUid: `${STUDY}9.1.1`, instanceNumber: 1 });
    writeSlice(path.join(later, 'a2.dcm'), { ...base, patientName: 'RIGHT^NAME', sopUid: `${STUDY}9.1.2`, instanceNumber: 2 });
    // A file of another patient in the same folder: it goes in whatever the other file does.
    writeSlice(path.join(later, 'c.dcm'), { patientName: 'OTHER^ONE', patientId: 'T9C', studyUid: `${STUDY}8`, seriesUid: `${STUDY}8.1`, sopUid: `${STUDY}8.1.1` });
    const lib = Library.open(path.join(root, 'library'));
    try {
      expect((await lib.importPaths([first])).errors).toEqual([]);
      const report = await lib.importPaths([later]);
      expect(report.importedImages).toBe(2);
      expect(report.errors.map((e) => [path.basename(e.file), e.kind])).toEqual([['a2.dcm', 'conflict']]);
      expect(lib.listInstances(`${STUDY}9.1`)).toHaveLength(2);
      expect(lib.listInstances(`${STUDY}8.1`)).toHaveLength(1);
      // Search finds the study by either name (README: Patient identity).
      expect(lib.listStudies({ search: 'RIGHT' }).map((s) => s.studyInstanceUid)).toEqual([`${STUDY}9`]);
      expect(lib.listStudies({ search: 'WRONG' }).map((s) => s.studyInstanceUid)).toEqual([`${STUDY}9`]);
    } finally {
      lib.close();
    }
  });

  it('the file itself gets another Patient\'s Name (dcmodify, in place) and its folder is imported again', async () => {
    const root = folder();
    const src = path.join(root, 'src');
    fs.mkdirSync(src);
    const file = path.join(src, 'a.dcm');
    writeSlice(file, { patientName: 'WRONG^NAME', patientId: 'T9D', studyUid: `${STUDY}7`, seriesUid: `${STUDY}7.1`, sopUid: `${STUDY}7.1.1` });
    const lib = Library.open(path.join(root, 'library'));
    try {
      expect((await lib.importPaths([src])).errors).toEqual([]);
      execFileSync('dcmodify', ['-nb', '-m', '(0010,0010)=RIGHT^NAME', file], { stdio: 'pipe' });
      const later = new Date(Date.now() + 5000);
      fs.utimesSync(file, later, later);
      const report = await lib.importPaths([src]);
      expect(report.changed).toBe(1);
      expect(lib.listStudies({ search: 'RIGHT' }).map((s) => s.studyInstanceUid)).toEqual([`${STUDY}7`]);
    } finally {
      lib.close();
    }
  });
});

// Task F1 (session 17): a library made before schema 33 keeps the triggers of 17 and 20 until
// migration 33 makes them again; the library here is a fresh one put back as a Lumen of schema
// 28 left it (test/support/old-library.ts), with those triggers.
describe('a library made before schema 33, opened by this Lumen', () => {
  /** The study search triggers of the library in `libraryDir`. */
  function triggersOf(libraryDir: string): { name: string; sql: string }[] {
    const db = openDatabase(path.join(libraryDir, LIBRARY_FILE), { readonly: true });
    try {
      return searchTriggers(db);
    } finally {
      db.close();
    }
  }

  it('takes the file of a held series with another Patient\'s Name and a new series that fills in the Study Description', async () => {
    const root = folder();
    const first = path.join(root, 'first');
    const later = path.join(root, 'later');
    fs.mkdirSync(first);
    fs.mkdirSync(later);
    const uid = `${STUDY}6`;
    const base = { patientId: 'T9E', studyUid: uid };
    writeSlice(path.join(first, 'a1.dcm'), { ...base, patientName: 'WRONG^NAME', seriesUid: `${uid}.1`, sopUid: `${uid}.1.1`, instanceNumber: 1 });
    execFileSync('dcmodify', ['-nb', '-ea', '(0008,1030)', path.join(first, 'a1.dcm')], { stdio: 'pipe' });
    writeSlice(path.join(later, 'a2.dcm'), { ...base, patientName: 'RIGHT^NAME', seriesUid: `${uid}.1`, sopUid: `${uid}.1.2`, instanceNumber: 2, studyDescription: 'PELVIS' });
    writeSlice(path.join(later, 'b1.dcm'), { ...base, patientName: 'WRONG^NAME', seriesUid: `${uid}.2`, sopUid: `${uid}.2.1`, seriesNumber: 2, studyDescription: 'PELVIS' });
    const libraryDir = path.join(root, 'library');
    const made = Library.open(libraryDir);
    try {
      expect((await made.importPaths([first])).errors).toEqual([]);
    } finally {
      made.close();
    }
    const db = openDatabase(path.join(libraryDir, LIBRARY_FILE));
    try {
      undoMigrationsAfter28(db);
      db.pragma('user_version = 28');
    } finally {
      db.close();
    }
    // The undo put back the triggers an older Lumen made (those of 17 and 20, with INSERT OR IGNORE).
    const before = triggersOf(libraryDir);
    expect(before).toEqual(searchTriggersAt(28));
    expect(before.filter((t) => t.sql.includes('INSERT OR IGNORE INTO study_search_pending')).map((t) => t.name)).toHaveLength(6);

    const lib = Library.open(libraryDir);
    try {
      const report = await lib.importPaths([later]);
      expect(report.importedImages).toBe(2);
      expect(report.errors.map((e) => [path.basename(e.file), e.kind])).toEqual([['a2.dcm', 'conflict']]);
      expect(lib.listInstances(`${uid}.1`)).toHaveLength(2);
      expect(lib.listInstances(`${uid}.2`)).toHaveLength(1);
      for (const search of ['RIGHT', 'WRONG', 'PELVIS']) expect(lib.listStudies({ search }).map((s) => s.studyInstanceUid), search).toEqual([uid]);
    } finally {
      lib.close();
    }
    const after = triggersOf(libraryDir);
    expect(after).toEqual(searchTriggersAt(SCHEMA_VERSION));
    expect(after.filter((t) => t.sql.includes('OR IGNORE'))).toEqual([]);
  });
});

