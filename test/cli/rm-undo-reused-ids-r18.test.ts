// Task R (session 18), finding T2, Task T's T-undo-after-reused-ids.test.ts as it was written:
// `lumen rm --undo` after the library made new rows. A removal's snapshot
// (electron/library/remove.ts) keeps the rows' own INTEGER PRIMARY KEY ids (patients.id,
// labels.id...); the tables have no AUTOINCREMENT, so SQLite gives the next new row the largest id
// again, the one the removed row had. The undo collided with that unrelated row and refused
// with "the library holds some of it again (imported after it was removed)", which was not true,
// and the removed labels were lost. Both tests failed before the fix. More cases, cheaper:
// test/library/remove-reused-ids-r18.test.ts.
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runLumen } from '../support/cli';
import { tempFolderForTests } from '../support/temp-folder';
import { writeManyCt } from '../support/many-ct';

const t = tempFolderForTests('t-undo-ids', (dir) => ({
  first: writeManyCt(path.join(dir, 'first'), { studies: 3, series: 1, slices: 2, root: '51', name: 'FIRST' }),
  later: writeManyCt(path.join(dir, 'later'), { studies: 2, series: 1, slices: 2, root: '52', name: 'LATER' }),
}));

const csv = (dir: string, name: string, rows: [string, string][]) => {
  const file = path.join(dir, name);
  writeFileSync(file, ['StudyInstanceUID,SeriesInstanceUID,SOPInstanceUID,frame,label', ...rows.map(([study, label]) => `${study},,,,${label}`)].join('\n') + '\n');
  return file;
};

async function removeNewest(data: string): Promise<string> {
  expect((await runLumen(['import', t.first.dir], data)).code).toBe(0);
  // The newest patient and the newest label are the removed study's.
  const labelled = await runLumen(['labels', 'import', csv(data, 'a.csv', [[t.first.studyUids[2], 'yes']])], data);
  expect(labelled.code, labelled.stderr).toBe(0);
  const rm = await runLumen(['rm', '--study', t.first.studyUids[2], '--yes', '--json'], data);
  expect(rm.code, rm.stderr).toBe(0);
  return JSON.parse(rm.stdout).undoToken as string;
}

describe('lumen rm --undo after the library changed elsewhere', () => {
  it('puts the study back with its label after another study was labelled', async () => {
    const data = path.join(t.dir, 'labelled');
    const token = await removeNewest(data);
    expect((await runLumen(['labels', 'import', csv(data, 'b.csv', [[t.first.studyUids[0], 'no']])], data)).code).toBe(0);
    const undo = await runLumen(['rm', '--undo', token], data);
    expect(undo.stderr).not.toMatch(/holds some of it again/);
    expect(undo.code, undo.stderr).toBe(0);
    const overview = await runLumen(['labels', 'overview', '--json'], data);
    expect(overview.stdout).toContain('"yes"');
    expect(overview.stdout).toContain('"no"');
  }, 300_000);

  it('puts the study back after another folder, of other patients, was imported', async () => {
    const data = path.join(t.dir, 'imported');
    const token = await removeNewest(data);
    expect((await runLumen(['import', t.later.dir], data)).code).toBe(0);
    const undo = await runLumen(['rm', '--undo', token], data);
    expect(undo.stderr).not.toMatch(/holds some of it again/);
    expect(undo.code, undo.stderr).toBe(0);
    const ls = await runLumen(['ls', '--json'], data);
    expect(ls.stdout).toContain(t.first.studyUids[2]);
    expect(ls.stdout).toContain(t.later.studyUids[1]);
  }, 300_000);
});
