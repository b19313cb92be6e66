// Undo of a removal after the same files were imported again (finding T-10, session 17, fixed by
// F4): the undo is refused (the library holds the images again), and the refusal now says how to
// get the removal's labels back: remove the study (or series) again, then undo the first token. The
// test does that and finds the label back. Where removing again would not help (a file of it now
// holds another image), the refusal does not send the user round; a patient held by a study
// imported since no longer stands in the way (session 18, T2: found by its key). Real SQLite
// library, slices written with dump2dcm (fixtures.ts writeSlice).
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { exportLabelsCsv, importLabelsCsv } from '../../electron/training/labels';
import { tmpDir, writeSlice } from './fixtures';

const ROOT = '1.2.826.0.1.3680043.10.543.9410';
const P = { patientName: 'UNDO^URSULA', patientId: 'F4U' };
const S1 = { ...P, studyUid: `${ROOT}.1`, seriesUid: `${ROOT}.1.1` };
const S1b = { ...P, studyUid: `${ROOT}.1`, seriesUid: `${ROOT}.1.2` };
const S2 = { ...P, studyUid: `${ROOT}.2`, seriesUid: `${ROOT}.2.1` };

describe('undo of a removal after the files came back', () => {
  let root: string;
  let lib: Library;
  let src: string;
  beforeEach(async () => {
    root = tmpDir('remove-undo-held-again');
    src = path.join(root, 'src');
    fs.mkdirSync(src);
    for (const i of [1, 2]) writeSlice(path.join(src, `a${i}.dcm`), { ...S1, sopUid: `${S1.seriesUid}.${i}`, instanceNumber: i, z: i });
    writeSlice(path.join(src, 'b1.dcm'), { ...S1b, sopUid: `${S1b.seriesUid}.1`, instanceNumber: 1 });
    lib = Library.open(path.join(root, 'library'));
    expect((await lib.importPaths([src])).errors).toEqual([]);
    const labels = importLabelsCsv(lib, `SeriesInstanceUID,label\n${S1.seriesUid},lesion\n${S1b.seriesUid},normal\n`, { author: 'tester' });
    expect(labels.labelled.series).toBe(2);
  });
  afterEach(() => {
    lib?.close();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('says how to get the labels back, and doing so brings them back', async () => {
    const first = lib.remove({ studyInstanceUid: S1.studyUid });
    expect(first.counts.labels).toBe(2);
    await lib.importPaths([src]);
    expect(exportLabelsCsv(lib).csv.trim().split(/\r?\n/)).toHaveLength(1);
    expect(() => lib.undoRemoval(first.undoToken)).toThrow(
      `study ${S1.studyUid} cannot be put back: the library holds some of it again (imported after it was removed). Nothing was restored. To put it back as it was removed (with its 2 labels): remove the study again (what was imported, labelled or measured in it since goes with that removal, which has its own Undo), then lumen rm --undo ${first.undoToken}.`,
    );
    // Nothing changed by the refusal (the trial removal is rolled back): the study is there, unlabelled.
    expect(lib.listInstances(S1.seriesUid)).toHaveLength(2);
    lib.remove({ studyInstanceUid: S1.studyUid });
    expect(lib.undoRemoval(first.undoToken).labels).toBe(2);
    expect(exportLabelsCsv(lib).csv.trim().split(/\r?\n/).slice(1).sort()).toEqual([`${S1.studyUid},${S1.seriesUid},,,lesion`, `${S1.studyUid},${S1b.seriesUid},,,normal`].sort());
  });

  it('names the series for a series removal', async () => {
    const first = lib.remove({ seriesInstanceUid: S1b.seriesUid });
    await lib.importPaths([src]);
    expect(() => lib.undoRemoval(first.undoToken)).toThrow(`series ${S1b.seriesUid} cannot be put back`);
    expect(() => lib.undoRemoval(first.undoToken)).toThrow(`(with its 1 label): remove the series again`);
    lib.remove({ seriesInstanceUid: S1b.seriesUid });
    expect(lib.undoRemoval(first.undoToken).labels).toBe(1);
  });

  it('advises the same where the patient is held by a study imported since, and doing so works (session 18: the patient is found by its key)', async () => {
    const first = lib.remove({ studyInstanceUid: S1.studyUid });
    expect(first.counts.patientRemoved).toBe(true);
    writeSlice(path.join(src, 'c1.dcm'), { ...S2, sopUid: `${S2.seriesUid}.1`, instanceNumber: 1 });
    await lib.importPaths([src]);
    expect(() => lib.undoRemoval(first.undoToken)).toThrow(`Nothing was restored. To put it back as it was removed (with its 2 labels): remove the study again`);
    lib.remove({ studyInstanceUid: S1.studyUid });
    expect(lib.undoRemoval(first.undoToken).labels).toBe(2);
    const studies = lib.listStudies();
    expect(studies.map((s) => s.studyInstanceUid).sort()).toEqual([S1.studyUid, S2.studyUid]);
    expect(new Set(studies.map((s) => s.patientKey)).size).toBe(1);
  });

  it('gives no such advice where removing again would not help: a file of it now holds another image', async () => {
    const first = lib.remove({ seriesInstanceUid: S1b.seriesUid });
    // The series' only file is written over with an image of another study, and imported.
    writeSlice(path.join(src, 'b1.dcm'), { ...S2, sopUid: `${S2.seriesUid}.1`, instanceNumber: 1 });
    await lib.importPaths([path.join(src, 'b1.dcm')]);
    let message = '';
    try {
      lib.undoRemoval(first.undoToken);
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe(`series ${S1b.seriesUid} cannot be put back: the library holds some of it again (imported after it was removed). Nothing was restored.`);
  });
});
