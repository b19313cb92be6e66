// Send to PACS as the app runs it (pacs.send: a job on the real engine process), to a real Orthanc
// that takes a quarter of a second over each instance (a Lua filter), by C-STORE and by STOW-RS:
// job.progress events say "Sending k of n results to <name>…" in order and end at the count sent;
// job.cancel midway ends the job with its report (job.finished, not a failure): the documents
// stored are exactly what Orthanc holds, the rest notSent.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PacsSendProgress, PacsSendReport } from '../../common/contract/pacs';
import { readDataset, writeDataset } from '../../electron/results/part10';
import { buildReport } from '../../electron/results/sr';
import { generateStudy, heldInstances, type Orthanc } from '../support/orthanc';
import { useEngineHost, usePacsFixture } from './support';

const DOCUMENTS = 8;
const pacs = usePacsFixture('send-job', {
  orthanc: (scratch) => {
    const lua = path.join(scratch, 'slow.lua');
    // Each instance Orthanc receives waits 0.25 s before it is stored: a send of 8 takes 2 s.
    fs.writeFileSync(lua, "function ReceivedInstanceFilter(dicom, origin, info)\n  os.execute('sleep 0.25')\n  return true\nend\n");
    return { modalities: { lumen: { aet: 'LUMEN', port: 1 } }, config: { DicomAlwaysAllowStore: false, LuaScripts: [lua] } };
  },
});
const scratch = pacs.scratch;
const dataDir = path.join(scratch, 'data');
let orthanc: Orthanc;
const { call, jobEnd, events } = useEngineHost(dataDir);

/** `count` SRs of Lumen's (electron/results/sr.ts) about one generated image, in a folder of their own; their SOP Instance UIDs in order. */
function writeSrs(key: number, count: number): { folder: string; studyUid: string; uids: string[] } {
  const folder = path.join(scratch, `results-${key}`);
  fs.mkdirSync(folder);
  const { files, study } = generateStudy({ key, patientId: `PID-J${key}`, patientName: 'Send^Job', accession: `ACC-J${key}`, studyDate: '20250701', perSeries: 1 });
  const sourceFile = path.join(folder, 'source.tmp');
  fs.writeFileSync(sourceFile, files[0]);
  const source = readDataset(sourceFile, { headerOnly: true }).dataset;
  fs.rmSync(sourceFile);
  const sop = study.series[0].sopUids[0];
  const images = new Map([[sop, { studyInstanceUid: study.studyUid, seriesInstanceUid: study.series[0].seriesUid, sopInstanceUid: sop, sopClassUid: '1.2.840.10008.5.1.4.1.1.2', frames: 1 }]]);
  const uids: string[] = [];
  for (let i = 0; i < count; i++) {
    const report = buildReport({
      source,
      seriesInstanceUid: `2.25.${key}${Date.now()}${i}`,
      seriesNumber: 900 + i,
      seriesDescription: 'Lumen results',
      instanceNumber: 1,
      images,
      labels: [{ targetKind: 'image', studyInstanceUid: study.studyUid, seriesInstanceUid: study.series[0].seriesUid, sopInstanceUid: sop, label: `finding-${i}`, author: null, createdAt: '2026-01-01T00:00:00Z' }],
    });
    fs.writeFileSync(path.join(folder, `sr-${i}.dcm`), writeDataset(report.dataset));
    uids.push(report.sopInstanceUid);
  }
  return { folder, studyUid: study.studyUid, uids };
}

/** Which of `uids` Orthanc holds. */
const held = (uids: string[]) => heldInstances(orthanc, uids);

/** The job's progress events so far: their `done` and message. */
const progressOf = (jobId: string) =>
  events
    .filter((e) => e.event === 'job.progress' && e.payload.jobId === jobId)
    .map((e) => ({ done: (e.payload.detail as { done: number; total: number }).done, total: (e.payload.detail as { done: number; total: number }).total, message: e.payload.message as string }));

beforeAll(async () => {
  orthanc = pacs.orthanc;
  await call('pacs.save', { connection: { name: 'web', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic' }, secret: { user: orthanc.user, password: orthanc.password } });
  await call('pacs.save', { connection: { name: 'dimse', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN' } });
}, 120_000);

/** The results of a new study, imported into the library; their UIDs as results.study lists them. */
async function importResults(key: number): Promise<string[]> {
  const { folder, studyUid, uids } = writeSrs(key, DOCUMENTS);
  const imported = await jobEnd((await call('library.import', { paths: [folder] })).jobId);
  expect(imported.event, JSON.stringify(imported.payload)).toBe('job.finished');
  const listed = (await call('results.study', { studyInstanceUid: studyUid })).map((r) => r.sopInstanceUid);
  expect([...listed].sort()).toEqual([...uids].sort());
  return listed;
}

describe.each([
  ['dimse', 'C-STORE', 401, 402],
  ['web', 'STOW-RS', 403, 404],
] as const)('Send to PACS as a job (%s)', (name, protocol, wholeKey, cancelKey) => {
  it('says "Sending k of n results" as each is stored, in order, ending at the count sent', async () => {
    const uids = await importResults(wholeKey);
    const { jobId } = await call('pacs.send', { name, sopInstanceUids: uids });
    const end = await jobEnd(jobId);
    expect(end.event, JSON.stringify(end.payload)).toBe('job.finished');
    // What the job ends with and its progress details are the contract's shapes.
    const report = PacsSendReport.parse(end.payload.result);
    expect(report).toMatchObject({ pacs: name, protocol, stored: DOCUMENTS, failed: 0, stopped: null, cancelled: false });
    for (const e of events.filter((e) => e.event === 'job.progress' && e.payload.jobId === jobId)) PacsSendProgress.parse(e.payload.detail);
    const progress = progressOf(jobId);
    // At most about 10 events a second reach the app: some counts may be merged, never out of order.
    for (let i = 1; i < progress.length; i++) expect(progress[i].done).toBeGreaterThanOrEqual(progress[i - 1].done);
    expect(progress[0]).toEqual({ done: 0, total: DOCUMENTS, message: `Sending 0 of ${DOCUMENTS} results to ${name}…` });
    expect(progress.at(-1)).toEqual({ done: DOCUMENTS, total: DOCUMENTS, message: `Sending ${DOCUMENTS} of ${DOCUMENTS} results to ${name}…` });
    expect(progress.length).toBeGreaterThan(2);
    expect((await held(uids)).sort()).toEqual([...uids].sort());
  }, 180_000);

  it('Cancel midway ends the job with its report: what it says is stored is what Orthanc holds, the rest not sent', async () => {
    const uids = await importResults(cancelKey);
    const { jobId } = await call('pacs.send', { name, sopInstanceUids: uids });
    // Cancel once the first document is stored.
    const deadline = Date.now() + 60_000;
    while (!progressOf(jobId).some((p) => p.done >= 1)) {
      if (Date.now() > deadline) throw new Error(`no progress: ${JSON.stringify(events.slice(-3))}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(await call('job.cancel', { jobId })).toMatchObject({ cancelled: true });
    const end = await jobEnd(jobId);
    expect(end.event, JSON.stringify(end.payload)).toBe('job.finished');
    const report = PacsSendReport.parse(end.payload.result);
    expect(report).toMatchObject({ pacs: name, protocol, stopped: 'cancelled', cancelled: true });
    const stored = report.documents.filter((d) => d.status === 'stored').map((d) => d.sopInstanceUid);
    const notSent = report.documents.filter((d) => d.notSent);
    expect(stored.length).toBeGreaterThanOrEqual(1);
    expect(stored.length).toBeLessThan(DOCUMENTS);
    expect(report.stored).toBe(stored.length);
    // The documents in order: the first ones stored, then the rest not sent.
    expect(stored).toEqual(uids.slice(0, stored.length));
    expect(notSent.map((d) => d.sopInstanceUid)).toEqual(uids.slice(stored.length));
    for (const d of notSent) expect(d).toMatchObject({ status: 'failed', reason: 'not sent: cancelled.' });
    expect((await held(uids)).sort()).toEqual([...stored].sort());
    expect(progressOf(jobId).at(-1)?.done).toBe(stored.length);
  }, 180_000);
});
