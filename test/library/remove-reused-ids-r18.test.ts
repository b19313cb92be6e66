// Task R (session 18), finding T2: undo of a removal after the library made new rows. The rows'
// INTEGER PRIMARY KEYs (patients.id, labels.id) are numbers SQLite gives the next new row again
// once the removed row is gone; undo puts a row back under a new number where its old one is
// taken, finds its patient again by patient_key, and refuses only for a UID held again. Real
// SQLite library, slices by dcmtk's dump2dcm (fixtures.ts writeSlice). The first three tests
// fail before the fix (a refusal, a study put back under another patient, SQLite's raw
// "FOREIGN KEY constraint failed").
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { exportLabelsCsv, importLabelsCsv } from '../../electron/training/labels';
import { tmpDir, writeSlice } from './fixtures';

const ROOT = '1.2.826.0.1.3680043.10.543.9418';
const P = { patientName: 'REUSE^PETRA', patientId: 'R18P' };
const Q = { patientName: 'OTHER^QUENTIN', patientId: 'R18Q' };
const S1 = { ...P, studyUid: `${ROOT}.1`, seriesUid: `${ROOT}.1.1` };
const S1b = { ...P, studyUid: `${ROOT}.1`, seriesUid: `${ROOT}.1.2` };
const S2 = { ...P, studyUid: `${ROOT}.2`, seriesUid: `${ROOT}.2.1` };
const S3 = { ...Q, studyUid: `${ROOT}.3`, seriesUid: `${ROOT}.3.1` };

describe('undo of a removal after new rows took the freed ids', () => {
  let root: string;
  let lib: Library;
  const folder = (name: string, slices: (typeof S1)[]) => {
    const dir = path.join(root, name);
    fs.mkdirSync(dir);
    slices.forEach((s, i) => writeSlice(path.join(dir, `${i}.dcm`), { ...s, sopUid: `${s.seriesUid}.1`, instanceNumber: 1 }));
    return dir;
  };
  const patientOf = (study: string) => lib.listStudies().find((s) => s.studyInstanceUid === study)?.patientName;
  const labels = () => exportLabelsCsv(lib).csv.trim().split(/\r?\n/).slice(1).sort();
  beforeEach(() => {
    root = tmpDir('remove-reused-ids-r18');
    lib = Library.open(path.join(root, 'library'));
  });
  afterEach(() => {
    lib?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('puts back a study and its label after another study was labelled and another patient imported', async () => {
    expect((await lib.importPaths([folder('a', [S2, S1])])).errors).toEqual([]);
    importLabelsCsv(lib, `StudyInstanceUID,label\n${S2.studyUid},first\n${S1.studyUid},second\n`, { author: 'tester' });
    // S1 holds the newest label; with S2 gone too, its patient row goes as well.
    const s2 = lib.remove({ studyInstanceUid: S2.studyUid });
    const s1 = lib.remove({ studyInstanceUid: S1.studyUid });
    expect(s1.counts).toMatchObject({ patientRemoved: true, labels: 1 });
    // New rows take the freed numbers: a label and a patient.
    expect((await lib.importPaths([folder('b', [S3])])).errors).toEqual([]);
    importLabelsCsv(lib, `StudyInstanceUID,label\n${S3.studyUid},third\n`, { author: 'tester' });
    expect(lib.undoRemoval(s1.undoToken).labels).toBe(1);
    expect(lib.undoRemoval(s2.undoToken).labels).toBe(1);
    expect(labels()).toEqual([`${S1.studyUid},,,,second`, `${S2.studyUid},,,,first`, `${S3.studyUid},,,,third`]);
    expect(patientOf(S1.studyUid)).toBe(P.patientName);
    expect(patientOf(S2.studyUid)).toBe(P.patientName);
    expect(patientOf(S3.studyUid)).toBe(Q.patientName);
    expect(new Set(lib.listStudies().filter((s) => s.patientName === P.patientName).map((s) => s.patientKey)).size).toBe(1);
  });

  it("puts a study back under its own patient, not under a patient who took the patient row's number since", async () => {
    expect((await lib.importPaths([folder('a', [S1, S2])])).errors).toEqual([]);
    // S1 goes while S2 holds the patient; then S2 takes the patient row, and Q's new row takes its number.
    const s1 = lib.remove({ studyInstanceUid: S1.studyUid });
    expect(s1.counts.patientRemoved).toBe(false);
    lib.remove({ studyInstanceUid: S2.studyUid });
    expect((await lib.importPaths([folder('b', [S3])])).errors).toEqual([]);
    lib.undoRemoval(s1.undoToken);
    expect(patientOf(S1.studyUid)).toBe(P.patientName);
    expect(patientOf(S3.studyUid)).toBe(Q.patientName);
  });

  it('says what to undo first when the study of a removed series was removed since', async () => {
    expect((await lib.importPaths([folder('a', [S1, S1b])])).errors).toEqual([]);
    const series = lib.remove({ seriesInstanceUid: S1b.seriesUid });
    const study = lib.remove({ studyInstanceUid: S1.studyUid });
    expect(() => lib.undoRemoval(series.undoToken)).toThrow(
      `series ${S1b.seriesUid} cannot be put back: the library no longer holds the study ${S1.studyUid} it was in (removed since). Nothing was restored. Undo that removal first (lumen rm --undo with its token), then this one.`,
    );
    lib.undoRemoval(study.undoToken);
    lib.undoRemoval(series.undoToken);
    expect(lib.listInstances(S1b.seriesUid)).toHaveLength(1);
  });

  it('still refuses a study whose UIDs the library holds again, naming the way back', async () => {
    const dir = folder('a', [S1]);
    expect((await lib.importPaths([dir])).errors).toEqual([]);
    importLabelsCsv(lib, `StudyInstanceUID,label\n${S1.studyUid},kept\n`, { author: 'tester' });
    const s1 = lib.remove({ studyInstanceUid: S1.studyUid });
    expect((await lib.importPaths([dir])).errors).toEqual([]);
    expect(() => lib.undoRemoval(s1.undoToken)).toThrow(`study ${S1.studyUid} cannot be put back: the library holds some of it again (imported after it was removed). Nothing was restored. To put it back`);
    lib.remove({ studyInstanceUid: S1.studyUid });
    lib.undoRemoval(s1.undoToken);
    expect(labels()).toEqual([`${S1.studyUid},,,,kept`]);
  });
});
