// A PACS study whose image carries the SOP Instance UID of another patient's image in the library
// (task T, session 17, finding T-8; fixed by F2). Before the fix the retrieve counted B's image as
// "already in the library" because A's image held that SOP Instance UID: it was never fetched, and
// nothing said it belonged to another patient. Now an instance counts as held only in the retrieve's
// own study and series: B's copy is fetched, the import refuses it (not the same image, T-6), and the
// report says why; A, its label and B's other image stay where they belong. Files by dump2dcm
// (test/library/fixtures.ts); a real Orthanc serves B's study over DICOMweb and DIMSE (C-GET).
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeSlice } from '../library/fixtures';
import { json, lumen, usePacsFixture } from './support';
import { addOrthancConnections, retrieveReport } from '../support/pacs-retrieve';

const ROOT = '1.2.826.0.1.3680043.10.543.918';
const A = { patientName: 'ALPHA^ANN', patientId: 'T8A', studyUid: `${ROOT}.1`, seriesUid: `${ROOT}.1.1` };
const B = { patientName: 'BETA^BOB', patientId: 'T8B', studyUid: `${ROOT}.2`, seriesUid: `${ROOT}.2.1` };
const X = `${ROOT}.1.1.1`;

// receiver: Orthanc knows the AE title LUMEN, so that it answers its C-FIND and C-GET.
const pacs = usePacsFixture('retrieve-sop-other-patient', { receiver: true });
const dataDir = path.join(pacs.scratch, 'data');
const local = path.join(pacs.scratch, 'local');

/** A library holding patient A's image X, labelled. */
async function libraryWithA(name: string): Promise<string> {
  const library = path.join(pacs.scratch, name);
  const imported = await lumen(dataDir, ['import', local, '--library', library]);
  expect(imported.code, imported.stderr).toBe(0);
  const labels = path.join(pacs.scratch, 'labels.csv');
  fs.writeFileSync(labels, `SOPInstanceUID,label\n${X},lesion\n`);
  const labelled = await lumen(dataDir, ['labels', 'import', labels, '--library', library]);
  expect(labelled.code, labelled.stderr).toBe(0);
  return library;
}

beforeAll(async () => {
  fs.mkdirSync(local);
  writeSlice(path.join(local, 'a.dcm'), { ...A, sopUid: X, instanceNumber: 1 });
  const remote = path.join(pacs.scratch, 'remote');
  fs.mkdirSync(remote);
  writeSlice(path.join(remote, 'b1.dcm'), { ...B, sopUid: X, instanceNumber: 1 });
  writeSlice(path.join(remote, 'b2.dcm'), { ...B, sopUid: `${B.seriesUid}.2`, instanceNumber: 2 });
  for (const f of ['b1.dcm', 'b2.dcm']) await pacs.orthanc.store(fs.readFileSync(path.join(remote, f)));
  await addOrthancConnections(dataDir, pacs.orthanc);
}, 120_000);

describe("a retrieve whose instance has the SOP Instance UID of another patient's image", () => {
  for (const via of ['web', 'dimse']) {
    it(`fetches it and reports why the library refused it, not "already in the library" (${via})`, async () => {
      const library = await libraryWithA(`library-${via}`);
      const report = await retrieveReport(dataDir, via, B.studyUid, library, 1);
      expect(report).toMatchObject({ listed: 2, received: 1, alreadyPresent: 0, failed: 1, stopped: null });
      expect(report.errors).toHaveLength(1);
      const reason: string = report.errors[0].reason;
      expect(report.errors[0].sopInstanceUid).toBe(X);
      for (const named of [X, path.join(local, 'a.dcm'), A.seriesUid, A.studyUid, B.seriesUid, B.studyUid]) expect(reason).toContain(named);
      expect(reason).not.toContain('already in the library');
      for (const v of ['T8A', 'T8B', 'ALPHA', 'BETA']) expect(reason).not.toContain(v);
      // A keeps its study and its image from its own file; B's study holds its own image only.
      const tree = json<{ patients: { patientId: string; studies: { studyInstanceUid: string; instances?: number; images?: number }[] }[] }>(
        await lumen(dataDir, ['ls', '--library', library, '--json']),
      );
      expect(tree.patients.map((p) => [p.patientId, p.studies.map((s) => s.studyInstanceUid)]).sort()).toEqual([
        ['T8A', [A.studyUid]],
        ['T8B', [B.studyUid]],
      ]);
      const out = path.join(pacs.scratch, `labels-${via}.csv`);
      const exported = await lumen(dataDir, ['labels', 'export', '--out', out, '--library', library]);
      expect(exported.code, exported.stderr).toBe(0);
      expect(fs.readFileSync(out, 'utf8').trim().split(/\r?\n/).slice(1)).toEqual([`${A.studyUid},${A.seriesUid},${X},,lesion`]);
      // The refused copy is not left in the library's folder.
      const studyDir = path.join(library, 'pacs', B.studyUid);
      expect(fs.readdirSync(studyDir, { recursive: true }).filter((f) => String(f).endsWith('.dcm'))).toHaveLength(1);
      // Retrieved again: B's own image is held, B's copy of X is fetched and refused again.
      const again = await retrieveReport(dataDir, via, B.studyUid, library, 1);
      expect(again).toMatchObject({ listed: 2, received: 0, alreadyPresent: 1, failed: 1 });
    }, 120_000);
  }
});
