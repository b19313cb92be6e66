// What the retrieve tests against a real Orthanc (test/pacs/) do alike: Orthanc added to `lumen`'s
// connections both ways, and the app's retrieve job run to its end.
import { expect } from 'vitest';
import { lumen, type useEngineHost } from '../pacs/support';
import type { Orthanc } from './orthanc';

/**
 * Adds `orthanc` to the connections of `lumen` with data folder `dataDir`: "web" (DICOMweb, the
 * test user's password on stdin) and "dimse" (C-FIND and C-GET, calling AE title LUMEN, which
 * usePacsFixture's `receiver` makes Orthanc know).
 */
export async function addOrthancConnections(dataDir: string, orthanc: Orthanc): Promise<void> {
  const web = await lumen(dataDir, ['pacs', 'add', '--name', 'web', '--dicomweb', orthanc.dicomWebUrl, '--user', orthanc.user, '--password-stdin'], orthanc.password + '\n');
  expect(web.code, web.stderr).toBe(0);
  const dimse = await lumen(dataDir, ['pacs', 'add', '--name', 'dimse', '--dimse', `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`, '--calling-aet', 'LUMEN']);
  expect(dimse.code, dimse.stderr).toBe(0);
}

/**
 * The app's retrieve of `studyInstanceUid` from `orthanc` (saved as the DICOMweb connection
 * "orthanc", as the PACS tab saves it): the job's report, once it finished (a failed job fails the test).
 */
export async function appRetrieve(engine: ReturnType<typeof useEngineHost>, orthanc: Orthanc, studyInstanceUid: string) {
  await engine.call('pacs.save', { connection: { name: 'orthanc', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic' }, secret: { user: orthanc.user, password: orthanc.password } });
  const { jobId } = await engine.call('pacs.retrieve', { name: 'orthanc', studyInstanceUid });
  const end = await engine.jobEnd(jobId);
  expect(end.event, JSON.stringify(end.payload)).toBe('job.finished');
  return end.payload.result;
}

/**
 * `lumen pacs retrieve --json` of `studyUid` from connection `pacs` into `library`: its report,
 * where lumen exited `code` (0: all came or was held; 1: an instance failed, the report says which).
 */
export async function retrieveReport(dataDir: string, pacs: string, studyUid: string, library: string, code: 0 | 1 = 0) {
  const run = await lumen(dataDir, ['pacs', 'retrieve', '--pacs', pacs, studyUid, '--library', library, '--json']);
  expect(run.code, run.stderr + run.stdout).toBe(code);
  return JSON.parse(run.stdout);
}
