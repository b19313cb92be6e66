// The study list's "2 names" warning after the file with one of the names left the library (task
// H, session 18; session 17's note "a name no file holds any more", T's t10 probe): files written
// by dcmtk's dump2dcm and changed with dcmodify, read through the Library as the app and `lumen ls`
// read them. Before the fix the study kept the patient row's first name (that of a file renamed in
// place, or of a series removed) beside the one the files give, and warned of both.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { patientConflicts } from '../../common/patient-conflicts';
import { Library } from '../../electron/library/library';
import type { StudyNode } from '../../electron/library/types';
import { tmpDir, writeSlice } from './fixtures';

const STUDY = '1.2.826.0.1.3680043.10.543.1820.1';
const OTHER_STUDY = '1.2.826.0.1.3680043.10.543.1820.2';

/** The study as each listing gives it: its name, and the names its warning counts. */
function listed(lib: Library, studyUid: string) {
  const fromPage = lib.studyPage({}).studies.find((s) => s.studyInstanceUid === studyUid)!;
  const fromList = lib.listStudiesWithSeries().find((s) => s.studyInstanceUid === studyUid)!;
  const fromTree = lib
    .listTree()
    .flatMap((p) => p.studies)
    .find((s) => s.studyInstanceUid === studyUid)!;
  const plain = lib.listStudies().find((s) => s.studyInstanceUid === studyUid)!;
  const names = (s: StudyNode) => patientConflicts(s, s.series).find((c) => c.field === 'name')?.values ?? [];
  // Every listing agrees (the card, the CLI's ls, the tree and a series' own study).
  expect(names(fromList)).toEqual(names(fromPage));
  expect(names(fromTree)).toEqual(names(fromPage));
  expect([fromList.patientName, fromTree.patientName, plain.patientName]).toEqual([fromPage.patientName, fromPage.patientName, fromPage.patientName]);
  expect(lib.getSeries(fromPage.series[0].seriesInstanceUid)!.study.patientName).toBe(fromPage.patientName);
  return { name: fromPage.patientName, warned: names(fromPage), series: fromPage.series.map((s) => s.patientName) };
}

describe('the names warning counts only names the files still give', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("after the only file of a patient was renamed in place, lists the file's name alone", async () => {
    const dir = tmpDir('held-names-h18');
    dirs.push(dir);
    const src = path.join(dir, 'incoming');
    fs.mkdirSync(src);
    const file = path.join(src, 'a.dcm');
    writeSlice(file, { patientName: 'WRONG^NAME', patientId: 'H18A', studyUid: STUDY, seriesUid: `${STUDY}.1`, sopUid: `${STUDY}.1.1` });
    const lib = Library.open(path.join(dir, 'library'));
    try {
      await lib.importPaths([src]);
      expect(listed(lib, STUDY)).toEqual({ name: 'WRONG^NAME', warned: [], series: [null] });

      execFileSync('dcmodify', ['-nb', '-m', '(0010,0010)=RIGHT^NAME', file], { stdio: 'pipe' });
      const later = new Date(Date.now() + 5000);
      fs.utimesSync(file, later, later);
      expect((await lib.importPaths([src])).changed).toBe(1);
      expect(listed(lib, STUDY)).toEqual({ name: 'RIGHT^NAME', warned: [], series: [null] });
      // Search finds it by the name its file gives.
      expect(lib.listStudies({ search: 'right' }).map((s) => s.studyInstanceUid)).toEqual([STUDY]);
    } finally {
      lib.close();
    }
  });

  it('after the series with the first name was removed, warns again only when Undo brings it back', async () => {
    const dir = tmpDir('held-names-h18');
    dirs.push(dir);
    const src = path.join(dir, 'incoming');
    fs.mkdirSync(src);
    const P = { patientId: 'H18B', studyUid: STUDY };
    writeSlice(path.join(src, '1.dcm'), { ...P, patientName: 'DOE^JANE', seriesUid: `${STUDY}.1`, sopUid: `${STUDY}.1.1`, seriesNumber: 1 });
    writeSlice(path.join(src, '2.dcm'), { ...P, patientName: 'DOE-SMITH^JANE', seriesUid: `${STUDY}.2`, sopUid: `${STUDY}.2.1`, seriesNumber: 2 });
    writeSlice(path.join(src, '3.dcm'), { ...P, patientName: 'DOE-SMITH^JANE', seriesUid: `${STUDY}.3`, sopUid: `${STUDY}.3.1`, seriesNumber: 3 });
    // Another study of the patient, whose file gives a third name.
    writeSlice(path.join(src, '4.dcm'), { ...P, patientName: 'SMITH^JANE', studyUid: OTHER_STUDY, seriesUid: `${OTHER_STUDY}.1`, sopUid: `${OTHER_STUDY}.1.1`, studyDate: '20230101' });
    const lib = Library.open(path.join(dir, 'library'));
    try {
      // One file at a time, in this order: the patient row keeps the first name read.
      for (const f of ['1.dcm', '2.dcm', '3.dcm', '4.dcm']) await lib.importPaths([path.join(src, f)]);
      expect(listed(lib, STUDY)).toEqual({ name: 'DOE^JANE', warned: ['DOE^JANE', 'DOE-SMITH^JANE'], series: [null, 'DOE-SMITH^JANE', 'DOE-SMITH^JANE'] });
      expect(listed(lib, OTHER_STUDY)).toEqual({ name: 'DOE^JANE', warned: ['DOE^JANE', 'SMITH^JANE'], series: ['SMITH^JANE'] });

      const { undoToken } = lib.remove({ seriesInstanceUid: `${STUDY}.1` });
      // No file gives DOE^JANE now: each study is listed under the name the patient's first series gives.
      expect(listed(lib, STUDY)).toEqual({ name: 'DOE-SMITH^JANE', warned: [], series: [null, null] });
      expect(listed(lib, OTHER_STUDY)).toEqual({ name: 'DOE-SMITH^JANE', warned: ['DOE-SMITH^JANE', 'SMITH^JANE'], series: ['SMITH^JANE'] });

      lib.undoRemoval(undoToken);
      expect(listed(lib, STUDY)).toEqual({ name: 'DOE^JANE', warned: ['DOE^JANE', 'DOE-SMITH^JANE'], series: [null, 'DOE-SMITH^JANE', 'DOE-SMITH^JANE'] });
    } finally {
      lib.close();
    }
  });
});
