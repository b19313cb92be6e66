// Another patient's file with the SOP Instance UID of an image the library holds (task T, session 17,
// finding T-6; fixed by F2). Files made with GDCM's gdcmimg (two frames) and dump2dcm, headers set with
// dcmodify. Before the fix, patient B's two-frame copy was taken as "the better copy" of patient A's
// one-frame image: A, its study and series left the library without a word, and A's label moved to
// B's image; in the other order, A's file was skipped as "the same image" as B's.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { exportLabelsCsv, importLabelsCsv } from '../../electron/training/labels';
import { ctPixels, tmpDir, writeSlice } from './fixtures';

const A = { patientName: 'ALPHA^ANN', patientId: 'T6A', studyUid: '1.2.826.0.1.3680043.10.543.916.1', seriesUid: '1.2.826.0.1.3680043.10.543.916.1.1' };
const B = { patientName: 'BETA^BOB', patientId: 'T6B', studyUid: '1.2.826.0.1.3680043.10.543.916.2', seriesUid: '1.2.826.0.1.3680043.10.543.916.2.1' };
const X = '1.2.826.0.1.3680043.10.543.916.1.1.1';

/** A CT file of `frames` frames with gdcmimg, its header set with dcmodify. */
function writeFrames(file: string, p: typeof A, sopUid: string, frames: number): void {
  const raw = `${file}.raw`;
  fs.writeFileSync(raw, Buffer.concat(Array.from({ length: frames }, (_, i) => ctPixels(32, 32, i + 7))));
  execFileSync('gdcmimg', ['--depth', '16', '--sign', '0', '--size', `32,32,${frames}`, '-T', p.studyUid, '-S', p.seriesUid, '-i', raw, '-o', file], { stdio: 'pipe' });
  fs.rmSync(raw);
  execFileSync('dcmodify', ['-nb', '-ie', '-i', `(0008,0018)=${sopUid}`, '-i', '(0008,0016)=1.2.840.10008.5.1.4.1.1.2', '-i', '(0008,0060)=CT', '-i', `(0010,0020)=${p.patientId}`, '-i', `(0010,0010)=${p.patientName}`, '-i', '(0028,1052)=-1024', '-i', '(0028,1053)=1', file], { stdio: 'pipe' });
}

/** Neither patient's name nor ID in a reason: reasons reach logs (the privacy rule). */
function expectNoPatientData(reason: string): void {
  for (const p of [A, B]) for (const v of [p.patientId, ...p.patientName.split('^')]) expect(reason).not.toContain(v);
}

let root: string;
beforeAll(() => {
  root = tmpDir('stale-sop');
  for (const d of ['a', 'b', 'a2']) fs.mkdirSync(path.join(root, d));
  writeSlice(path.join(root, 'a', 'a.dcm'), { ...A, sopUid: X, instanceNumber: 1 });
  writeSlice(path.join(root, 'b', 'b2.dcm'), { ...B, sopUid: `${B.seriesUid}.2`, instanceNumber: 2 });
  writeFrames(path.join(root, 'b', 'b1.dcm'), B, X, 2);
  // A's own better copy of X: the same image (same series), two frames.
  writeFrames(path.join(root, 'a2', 'a-two-frames.dcm'), A, X, 2);
});
afterAll(() => {
  if (root) fs.rmSync(root, { recursive: true, force: true });
});

describe("another patient's file with the SOP Instance UID of a held image", () => {
  let lib: Library;
  beforeAll(async () => {
    lib = Library.open(path.join(root, 'library'));
    expect((await lib.importPaths([path.join(root, 'a')])).errors).toEqual([]);
    importLabelsCsv(lib, `SOPInstanceUID,label\n${X},lesion\n`, { author: 'tester' });
  });
  afterAll(() => lib?.close());

  it("does not take patient A's image: A, its label and B's own image stay where they belong", async () => {
    const report = await lib.importPaths([path.join(root, 'b')]);
    // A keeps its study, series and image, from its own file.
    expect(lib.listInstances(A.seriesUid).map((i) => [i.sopInstanceUid, path.basename(i.path)])).toEqual([[X, 'a.dcm']]);
    expect(lib.listStudies({}).map((s) => s.studyInstanceUid).sort()).toEqual([A.studyUid, B.studyUid].sort());
    // B's own image goes in; B's copy of X is reported, not filed under A nor in place of A.
    expect(lib.listInstances(B.seriesUid).map((i) => i.sopInstanceUid)).toEqual([`${B.seriesUid}.2`]);
    expect(report.errors.map((e) => [path.basename(e.file), e.kind])).toEqual([['b1.dcm', 'error']]);
    // The reason names the UID, the file held and both files' series and studies; no patient data.
    const reason = report.errors[0].reason;
    for (const named of [X, path.join(root, 'a', 'a.dcm'), A.seriesUid, A.studyUid, B.seriesUid, B.studyUid]) expect(reason).toContain(named);
    expect(reason).not.toMatch(/duplicate|the same image \(/);
    expectNoPatientData(reason);
    // A's label is on A's image, in A's study.
    const rows = exportLabelsCsv(lib).csv.trim().split(/\r?\n/).slice(1);
    expect(rows).toEqual([`${A.studyUid},${A.seriesUid},${X},,lesion`]);
  });

  it('refuses it again on the next import, and keeps taking a better copy of the same image in its own series', async () => {
    const again = await lib.importPaths([path.join(root, 'b')]);
    expect(again.errors.map((e) => [path.basename(e.file), e.kind])).toEqual([['b1.dcm', 'error']]);
    // Today's quality rule for copies in the same series: the complete two-frame copy takes the place of the one-frame file.
    const better = await lib.importPaths([path.join(root, 'a2')]);
    expect(lib.listInstances(A.seriesUid).map((i) => [i.sopInstanceUid, path.basename(i.path), i.frames])).toEqual([[X, 'a-two-frames.dcm', 2]]);
    expect(better.errors.map((e) => [path.basename(e.file), e.kind])).toEqual([['a.dcm', 'duplicate']]);
    expect(exportLabelsCsv(lib).csv.trim().split(/\r?\n/).slice(1)).toEqual([`${A.studyUid},${A.seriesUid},${X},,lesion`]);
  });
});

describe('the other order: B held first, then A', () => {
  it("refuses A's file as another image, not as a duplicate of B's, and B stays whole", async () => {
    const lib = Library.open(path.join(root, 'library-ba'));
    try {
      expect((await lib.importPaths([path.join(root, 'b')])).errors).toEqual([]);
      const report = await lib.importPaths([path.join(root, 'a')]);
      expect(report.errors.map((e) => [path.basename(e.file), e.kind])).toEqual([['a.dcm', 'error']]);
      const reason = report.errors[0].reason;
      for (const named of [X, path.join(root, 'b', 'b1.dcm'), A.seriesUid, A.studyUid, B.seriesUid, B.studyUid]) expect(reason).toContain(named);
      expectNoPatientData(reason);
      expect(lib.listInstances(B.seriesUid).map((i) => path.basename(i.path)).sort()).toEqual(['b1.dcm', 'b2.dcm']);
      expect(lib.listStudies({}).map((s) => s.studyInstanceUid)).toEqual([B.studyUid]);
      expect(lib.importErrors().find((e) => path.basename(e.file) === 'a.dcm')?.kind).toBe('error');
    } finally {
      lib.close();
    }
  });

  it('in one import of both, the file met first stays and the other is refused', async () => {
    const lib = Library.open(path.join(root, 'library-one'));
    try {
      const report = await lib.importPaths([path.join(root, 'a'), path.join(root, 'b')]);
      expect(report.errors.map((e) => [path.basename(e.file), e.kind])).toEqual([['b1.dcm', 'error']]);
      expect(lib.listInstances(A.seriesUid).map((i) => path.basename(i.path))).toEqual(['a.dcm']);
      expect(lib.listInstances(B.seriesUid).map((i) => path.basename(i.path))).toEqual(['b2.dcm']);
    } finally {
      lib.close();
    }
  });
});
