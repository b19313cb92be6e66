// A file the library holds, changed in place so that the library refuses it (its Patient ID now names
// another patient for the study held): the held image stays, and the report says the changed file was
// refused (task T, session 17, finding T-2's import part; fixed by F2). Before the fix the importer took
// the held image out of the library first (forget before the placement check): the image left with no
// line saying so, its series counted one image fewer, and its label stayed behind on an image not held.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KEPT_AS_READ_BEFORE, STUDY_OF_ANOTHER_PATIENT } from '../../electron/library/importer';
import { Library } from '../../electron/library/library';
import { exportLabelsCsv, importLabelsCsv } from '../../electron/training/labels';
import { tmpDir, writeSlice } from './fixtures';

const P = { patientName: 'GAMMA^GIL', patientId: 'T2P1', studyUid: '1.2.826.0.1.3680043.10.543.922.1', seriesUid: '1.2.826.0.1.3680043.10.543.922.1.1' };
const sop = (n: number) => `${P.seriesUid}.${n}`;

describe('a held file changed so that the library refuses it', () => {
  let root: string;
  let lib: Library;
  beforeAll(async () => {
    root = tmpDir('refused-change');
    fs.mkdirSync(path.join(root, 'in'));
    for (const n of [1, 2]) writeSlice(path.join(root, 'in', `a${n}.dcm`), { ...P, sopUid: sop(n), instanceNumber: n, z: n });
    lib = Library.open(path.join(root, 'library'));
    expect((await lib.importPaths([path.join(root, 'in')])).errors).toEqual([]);
    importLabelsCsv(lib, `SOPInstanceUID,label\n${sop(1)},lesion\n`, { author: 'tester' });
    // Another Patient ID (and name) written into a1.dcm, in place; its mtime moves on.
    const a1 = path.join(root, 'in', 'a1.dcm');
    execFileSync('dcmodify', ['-nb', '-m', '(0010,0020)=T2P2', '-m', '(0010,0010)=DELTA^DAN', a1], { stdio: 'pipe' });
    const later = new Date(Date.now() + 5_000);
    fs.utimesSync(a1, later, later);
  });
  afterAll(() => {
    lib?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('keeps the held image, its series and label, and reports the changed file as refused', async () => {
    const report = await lib.importPaths([path.join(root, 'in')]);
    expect(report.errors.map((e) => [path.basename(e.file), e.kind])).toEqual([['a1.dcm', 'error']]);
    expect(report.errors[0].reason).toBe(STUDY_OF_ANOTHER_PATIENT + KEPT_AS_READ_BEFORE);
    for (const v of ['T2P2', 'DELTA', 'DAN', 'T2P1', 'GAMMA']) expect(report.errors[0].reason).not.toContain(v);
    expect(report.changed).toBe(0);
    expect(lib.listInstances(P.seriesUid).map((i) => path.basename(i.path))).toEqual(['a1.dcm', 'a2.dcm']);
    expect(lib.listStudies({}).map((s) => [s.studyInstanceUid, s.patientId])).toEqual([[P.studyUid, P.patientId]]);
    expect(exportLabelsCsv(lib).csv.trim().split(/\r?\n/).slice(1)).toEqual([`${P.studyUid},${P.seriesUid},${sop(1)},,lesion`]);
  });

  it('refuses it again on the next import (it is not "already in the library")', async () => {
    const again = await lib.importPaths([path.join(root, 'in')]);
    expect(again.errors.map((e) => [path.basename(e.file), e.reason])).toEqual([['a1.dcm', STUDY_OF_ANOTHER_PATIENT + KEPT_AS_READ_BEFORE]]);
    expect(again.unchanged).toBe(1);
    expect(lib.listInstances(P.seriesUid)).toHaveLength(2);
  });
});
