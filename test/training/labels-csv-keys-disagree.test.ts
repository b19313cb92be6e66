// A label CSV row whose StudyInstanceUID, SeriesInstanceUID or PatientID disagree with where its
// SOPInstanceUID (or series, or study) really is (finding T-3, session 17, fixed by F4): patient A's
// study and series with patient B's SOP Instance UID, a row shifted in a spreadsheet. Before the fix
// the most specific key alone decided and B's image was labelled without a word. Now the row is
// refused, naming its line and the column that disagrees; the other rows go in. Real SQLite library,
// slices written with dump2dcm (fixtures.ts writeSlice).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { exportLabelsCsv, importLabelsCsv } from '../../electron/training/labels';
import { tmpDir, writeSlice } from '../library/fixtures';

const ROOT = '1.2.826.0.1.3680043.10.543.934';
const A = { patientName: 'ALPHA^ANN', patientId: '0042', studyUid: `${ROOT}.1`, seriesUid: `${ROOT}.1.1` };
const B = { patientName: 'BETA^BOB', patientId: 'F4B', studyUid: `${ROOT}.2`, seriesUid: `${ROOT}.2.1` };
const sopA = `${A.seriesUid}.1`;
const sopB = `${B.seriesUid}.1`;

describe('label CSV rows whose keys disagree', () => {
  let root: string;
  let lib: Library;
  beforeAll(async () => {
    root = tmpDir('labels-keys-disagree');
    const src = path.join(root, 'src');
    fs.mkdirSync(src);
    writeSlice(path.join(src, 'a.dcm'), { ...A, sopUid: sopA, instanceNumber: 1 });
    writeSlice(path.join(src, 'b.dcm'), { ...B, sopUid: sopB, instanceNumber: 1 });
    lib = Library.open(path.join(root, 'library'));
    expect((await lib.importPaths([src])).errors).toEqual([]);
  });
  afterAll(() => {
    lib?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it("refuses a row naming A's study and series with B's SOP Instance UID; the right rows go in", () => {
    const csv = [
      'StudyInstanceUID,SeriesInstanceUID,SOPInstanceUID,frame,label',
      `${A.studyUid},${A.seriesUid},${sopB},,lesion`,
      `${A.studyUid},${A.seriesUid},${sopA},,normal`,
      `${B.studyUid},,${sopB},,normal`,
    ].join('\n');
    const report = importLabelsCsv(lib, csv, { author: 'tester' });
    expect(report.labelled).toEqual({ image: 2, series: 0, study: 0 });
    expect(report.problems.map((p) => p.line)).toEqual([2]);
    expect(report.problems[0].reason).toBe(
      `SOPInstanceUID ${sopB} is in series ${B.seriesUid} of study ${B.studyUid}, not in the SeriesInstanceUID and StudyInstanceUID this row gives: the row is not used, as which of its keys is right cannot be known; correct the row and import the file again`,
    );
    // B's image carries its own row's class, not the shifted row's.
    const rows = exportLabelsCsv(lib).csv.trim().split(/\r?\n/).slice(1).sort();
    expect(rows).toEqual([`${A.studyUid},${A.seriesUid},${sopA},,normal`, `${B.studyUid},${B.seriesUid},${sopB},,normal`].sort());
  });

  it('names the one column that disagrees: a series of another study, an image of another series', () => {
    const csv = ['StudyInstanceUID,SeriesInstanceUID,SOPInstanceUID,label', `${A.studyUid},${B.seriesUid},,lesion`, `${B.studyUid},${A.seriesUid},${sopB},lesion`].join('\n');
    const report = importLabelsCsv(lib, csv, { author: 'tester' });
    expect(report.labelled).toEqual({ image: 0, series: 0, study: 0 });
    expect(report.problems).toEqual([
      { line: 2, reason: expect.stringMatching(new RegExp(`^SeriesInstanceUID ${B.seriesUid.replace(/\./g, '\\.')} is in study ${B.studyUid.replace(/\./g, '\\.')}, not in the StudyInstanceUID this row gives:`)) },
      { line: 3, reason: expect.stringMatching(new RegExp(`^SOPInstanceUID ${sopB.replace(/\./g, '\\.')} is in series .*, not in the SeriesInstanceUID this row gives:`)) },
    ]);
  });

  it("refuses a PatientID of another patient without quoting it; one without its leading zeros says why", () => {
    const csv = ['PatientID,StudyInstanceUID,SOPInstanceUID,label', `F4B,${A.studyUid},,lesion`, `F4B,,${sopA},lesion`, `42,${A.studyUid},,lesion`, `0042,${A.studyUid},${sopA},lesion`].join('\n');
    const report = importLabelsCsv(lib, csv, { author: 'tester' });
    expect(report.problems.map((p) => p.line)).toEqual([2, 3, 4]);
    expect(report.problems[0].reason).toMatch(new RegExp(`^StudyInstanceUID ${A.studyUid.replace(/\./g, '\\.')} is of another patient than this row's PatientID: the row is not used`));
    expect(report.problems[1].reason).toMatch(/^SOPInstanceUID .* is of another patient than this row's PatientID:/);
    expect(report.problems[2].reason).toContain('only in leading zeros');
    for (const p of report.problems) expect(p.reason).not.toContain('F4B');
    // The row whose keys agree labels A's image.
    expect(report.labelled).toEqual({ image: 1, series: 0, study: 0 });
  });
});
