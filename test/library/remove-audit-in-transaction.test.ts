// A removal (and its Undo) and its audit entry go in together or not at all. Before, the entry was
// written after the removal's transaction: when it failed (beside another writer holding the lock,
// on a full disk) the study was gone and its undo snapshot kept, but the caller was told the
// removal failed and never got the token to undo it. The entry's insert is made to fail here by a
// trigger another connection puts on audit_log, as a real second process would see the table.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library, LIBRARY_FILE } from '../../electron/library/library';
import { tmpDir, writeSlice } from './fixtures';

const ROOT = '1.2.826.0.1.3680043.10.543.9431';
const P = { patientName: 'AUDIT^ADA', patientId: 'AUD1' };
const S1 = { ...P, studyUid: `${ROOT}.1`, seriesUid: `${ROOT}.1.1` };
const S2 = { ...P, studyUid: `${ROOT}.2`, seriesUid: `${ROOT}.2.1` };

describe('a removal and its audit entry', () => {
  let root: string;
  let lib: Library;
  const file = () => path.join(root, 'library', LIBRARY_FILE);
  const snapshots = () => {
    const dir = path.join(root, 'library', 'removed');
    return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  };
  /** From another connection: every audit insert fails from now on (until allowAudit). */
  const refuseAudit = () => {
    const other = new Database(file());
    other.exec("CREATE TRIGGER refuse_audit_test BEFORE INSERT ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log refused the entry'); END");
    other.close();
  };
  const allowAudit = () => {
    const other = new Database(file());
    other.exec('DROP TRIGGER refuse_audit_test');
    other.close();
  };
  const studies = () => lib.listStudies().map((s) => s.studyInstanceUid).sort();

  beforeEach(async () => {
    root = tmpDir('remove-audit-tx');
    const src = path.join(root, 'src');
    fs.mkdirSync(src);
    for (const s of [S1, S2]) writeSlice(path.join(src, `${s.studyUid.slice(-1)}.dcm`), { ...s, sopUid: `${s.seriesUid}.1`, instanceNumber: 1 });
    lib = Library.open(path.join(root, 'library'));
    expect((await lib.importPaths([src])).errors).toEqual([]);
  });
  afterEach(() => {
    lib?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('a removal whose entry cannot be written removes nothing and keeps no snapshot', () => {
    refuseAudit();
    expect(() => lib.remove({ studyInstanceUid: S1.studyUid })).toThrow(/the audit log refused the entry/);
    expect(studies()).toEqual([S1.studyUid, S2.studyUid]);
    expect(snapshots()).toEqual([]);
    expect(lib.auditEntries().filter((e) => e.action === 'remove')).toEqual([]);

    // Once the entry can be written, the same removal goes through, recorded with its token.
    allowAudit();
    const { undoToken } = lib.remove({ studyInstanceUid: S1.studyUid });
    expect(studies()).toEqual([S2.studyUid]);
    expect(lib.auditEntries().filter((e) => e.action === 'remove').map((e) => e.details?.undoToken)).toEqual([undoToken]);
  });

  it('an Undo whose entry cannot be written puts nothing back and can be asked again', () => {
    const { undoToken } = lib.remove({ studyInstanceUid: S1.studyUid });
    refuseAudit();
    expect(() => lib.undoRemoval(undoToken)).toThrow(/the audit log refused the entry/);
    expect(studies()).toEqual([S2.studyUid]);
    expect(snapshots()).toEqual([`${undoToken}.json`]);

    allowAudit();
    expect(lib.undoRemoval(undoToken)).toMatchObject({ studyInstanceUid: S1.studyUid, images: 1 });
    expect(studies()).toEqual([S1.studyUid, S2.studyUid]);
    expect(lib.auditEntries().map((e) => e.action)).toContain('remove-undone');
  });
});
