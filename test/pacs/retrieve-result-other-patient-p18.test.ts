// A PACS study whose result document (an SR) carries the SOP Instance UID of another patient's
// result document in the library (session 18, task P, item 1). Images were held only in the
// retrieve's own study and series (1981626, retrieve-sop-other-patient.test.ts); result documents
// were held by SOP Instance UID alone: B's SR was counted "already in the library" (A's SR held
// that UID), never fetched, and the retrieve exited 0 with B's study incomplete. Now a result
// document is held only where its study and series match too: B's SR is fetched, the import
// refuses it (the library keeps A's, found first), and the report counts it failed with why.
// The receiver (`lumen pacs listen`) sent the same SR said it received a result document it refused.
// Images by dump2dcm (test/library/fixtures.ts), SRs by dump2dcm (test/results/other-sr.ts); a real
// Orthanc serves B's study over DICOMweb and DIMSE (C-GET); dcmtk's storescu sends to the receiver.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { writeSlice } from '../library/fixtures';
import { writeOtherAiSr } from '../results/other-sr';
import { freePort } from '../support/orthanc';
import { listen, lumen, usePacsFixture } from './support';
import { addOrthancConnections, retrieveReport } from '../support/pacs-retrieve';

const run = promisify(execFile);
const ROOT = '1.2.826.0.1.3680043.10.543.1818';
const A = { patientName: 'ALPHA^ANN', patientId: 'P18A', studyUid: `${ROOT}.1`, seriesUid: `${ROOT}.1.1` };
const B = { patientName: 'BETA^BOB', patientId: 'P18B', studyUid: `${ROOT}.2`, seriesUid: `${ROOT}.2.1` };
/** The SOP Instance UID both patients' SRs carry, each in its own study and series. */
const S = `${ROOT}.1.9.1`;
const A_SR = { studyInstanceUid: A.studyUid, seriesInstanceUid: `${ROOT}.1.9`, sopInstanceUid: S, patientName: A.patientName, patientId: A.patientId };
const B_SR = { studyInstanceUid: B.studyUid, seriesInstanceUid: `${ROOT}.2.9`, sopInstanceUid: S, patientName: B.patientName, patientId: B.patientId };

// receiver: Orthanc knows the AE title LUMEN, so that it answers its C-FIND and C-GET.
const pacs = usePacsFixture('retrieve-result-other-patient-p18', { receiver: true });
const dataDir = path.join(pacs.scratch, 'data');
const local = path.join(pacs.scratch, 'local');
const remote = path.join(pacs.scratch, 'remote');
const aSr = path.join(local, 'a-sr.dcm');

/** An SR written by dump2dcm in a folder of its own (it leaves its text dump beside it), copied to `file`. */
function writeSr(file: string, sr: typeof A_SR): void {
  const work = fs.mkdtempSync(path.join(pacs.scratch, 'sr-'));
  fs.copyFileSync(writeOtherAiSr(path.join(work, 'sr.dcm'), sr), file);
}

/** A library holding patient A's image and A's SR. */
async function libraryWithA(name: string): Promise<string> {
  const library = path.join(pacs.scratch, name);
  const imported = await lumen(dataDir, ['import', local, '--library', library]);
  expect(imported.code, imported.stderr).toBe(0);
  return library;
}

/** The SOP Instance UIDs of the result documents listed with each study, as the app lists them (Library.studyResults). */
function resultsByStudy(library: string): Record<string, string[]> {
  const lib = Library.open(library);
  try {
    return Object.fromEntries([A.studyUid, B.studyUid].map((study) => [study, lib.studyResults(study).map((d) => d.sopInstanceUid)]));
  } finally {
    lib.close();
  }
}

beforeAll(async () => {
  fs.mkdirSync(local);
  fs.mkdirSync(remote);
  writeSlice(path.join(local, 'a.dcm'), { ...A, sopUid: `${A.seriesUid}.1`, instanceNumber: 1 });
  writeSr(aSr, A_SR);
  writeSlice(path.join(remote, 'b1.dcm'), { ...B, sopUid: `${B.seriesUid}.1`, instanceNumber: 1 });
  writeSr(path.join(remote, 'b-sr.dcm'), B_SR);
  for (const f of ['b1.dcm', 'b-sr.dcm']) await pacs.orthanc.store(fs.readFileSync(path.join(remote, f)));
  await addOrthancConnections(dataDir, pacs.orthanc);
}, 120_000);

describe("a retrieve whose result document has the SOP Instance UID of another patient's", () => {
  for (const via of ['web', 'dimse']) {
    it(`fetches it and reports why the library refused it, not "already in the library" (${via})`, async () => {
      const library = await libraryWithA(`library-${via}`);
      expect(resultsByStudy(library)).toEqual({ [A.studyUid]: [S], [B.studyUid]: [] });
      const report = await retrieveReport(dataDir, via, B.studyUid, library, 1);
      expect(report).toMatchObject({ listed: 2, received: 1, receivedImages: 1, receivedResults: 0, alreadyPresent: 0, alreadyPresentResults: 0, failed: 1, stopped: null });
      expect(report.errors).toHaveLength(1);
      expect(report.errors[0].sopInstanceUid).toBe(S);
      const reason: string = report.errors[0].reason;
      for (const named of [S, aSr, A_SR.seriesInstanceUid, A.studyUid, B_SR.seriesInstanceUid, B.studyUid]) expect(reason).toContain(named);
      expect(reason).toContain('Not the same document');
      for (const v of ['P18A', 'P18B', 'ALPHA', 'BETA']) expect(reason).not.toContain(v);
      expect(reason).not.toContain('already in the library');
      // A's SR stays with A's study; B's study lists no result of A's.
      expect(resultsByStudy(library)).toEqual({ [A.studyUid]: [S], [B.studyUid]: [] });
      // The refused copy is not left in the library's folder.
      const studyDir = path.join(library, 'pacs', B.studyUid);
      expect(fs.readdirSync(studyDir, { recursive: true }).filter((f) => String(f).endsWith('.dcm'))).toEqual([path.join(B.seriesUid, `${B.seriesUid}.1.dcm`)]);
      // Retrieved again: B's image is held, B's SR is fetched and refused again.
      const again = await retrieveReport(dataDir, via, B.studyUid, library, 1);
      expect(again).toMatchObject({ listed: 2, received: 0, alreadyPresent: 1, alreadyPresentResults: 0, failed: 1 });
    }, 120_000);
  }
});

describe("lumen pacs listen, sent another patient's SR with a held SOP Instance UID", () => {
  it('counts it as failed, not as a result document received', async () => {
    const library = await libraryWithA('library-listen');
    const port = await freePort();
    const receiver = await listen(dataDir, ['--aet', 'LUMENRX', '--port', String(port), '--library', library, '--allow', 'SENDER']);
    try {
      await run('storescu', ['-to', '20', '-ta', '20', '-aet', 'SENDER', '-aec', 'LUMENRX', '127.0.0.1', String(port), path.join(remote, 'b1.dcm'), path.join(remote, 'b-sr.dcm')], { timeout: 60_000 });
      await receiver.waitFor(/received .* from "SENDER"/);
      expect(receiver.output()).toContain('received 1 image from "SENDER", 1 file failed.');
    } finally {
      expect(await receiver.stop()).toBe(0);
    }
    expect(receiver.output()).toMatch(/Stopped: 1 image received, 1 file failed, 0 associations refused\./);
    expect(resultsByStudy(library)).toEqual({ [A.studyUid]: [S], [B.studyUid]: [] });
  }, 120_000);
});
