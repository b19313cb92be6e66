// Send to PACS in the app (issue #17 point 5): the Results list's action as the engine runs it
// (pacs.send on the real engine process): result documents of the library, named by their
// SOP Instance UIDs, sent to a real Orthanc by STOW-RS and C-STORE (a job), each with its outcome.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PacsSendReport } from '../../common/contract/pacs';
import { readDataset, writeDataset } from '../../electron/results/part10';
import { buildReport } from '../../electron/results/sr';
import { generateStudy, type Orthanc } from '../support/orthanc';
import { useEngineHost, usePacsFixture } from './support';

const pacs = usePacsFixture('send-app', { orthanc: { modalities: { lumen: { aet: 'LUMEN', port: 1 } }, config: { DicomAlwaysAllowStore: false } } });
const scratch = pacs.scratch;
const dataDir = path.join(scratch, 'data');
let orthanc: Orthanc;
let studyUid: string;
const { call, jobEnd } = useEngineHost(dataDir);

/** An SR of Lumen's (electron/results/sr.ts) about a generated study, in `dir`. */
function writeSr(dir: string, label: string): string {
  const { files, study } = generateStudy({ key: 91, patientId: 'PID-SA', patientName: 'Send^App', accession: 'ACC-SA', studyDate: '20250601', perSeries: 1 });
  const sourceFile = path.join(scratch, 'source.dcm');
  fs.writeFileSync(sourceFile, files[0]);
  const source = readDataset(sourceFile, { headerOnly: true }).dataset;
  const sop = study.series[0].sopUids[0];
  const images = new Map([[sop, { studyInstanceUid: study.studyUid, seriesInstanceUid: study.series[0].seriesUid, sopInstanceUid: sop, sopClassUid: '1.2.840.10008.5.1.4.1.1.2', frames: 1 }]]);
  const report = buildReport({
    source,
    seriesInstanceUid: `2.25.${Date.now()}${label.length}`,
    seriesNumber: 901,
    seriesDescription: 'Lumen results',
    instanceNumber: 1,
    images,
    labels: [{ targetKind: 'image', studyInstanceUid: study.studyUid, seriesInstanceUid: study.series[0].seriesUid, sopInstanceUid: sop, label, author: null, createdAt: '2026-01-01T00:00:00Z' }],
  });
  studyUid = study.studyUid;
  const file = path.join(dir, `${label}.dcm`);
  fs.writeFileSync(file, writeDataset(report.dataset));
  return report.sopInstanceUid;
}

/** pacs.send runs as a job: its report is what the job finishes with. */
async function send(name: string, sopInstanceUids: string[]): Promise<PacsSendReport> {
  const end = await jobEnd((await call('pacs.send', { name, sopInstanceUids })).jobId);
  expect(end.event, JSON.stringify(end.payload)).toBe('job.finished');
  return end.payload.result as PacsSendReport;
}

async function inOrthanc(sopInstanceUid: string): Promise<boolean> {
  const found = (await (await orthanc.rest('POST', '/tools/lookup', sopInstanceUid)).json()) as { Type: string }[];
  return found.some((f) => f.Type === 'Instance');
}

beforeAll(async () => {
  orthanc = pacs.orthanc;
}, 120_000);

describe('Send to PACS from the Results list', () => {
  it('sends the study results by STOW-RS and C-STORE, each with its outcome; an unknown UID fails alone', async () => {
    const folder = path.join(scratch, 'results');
    fs.mkdirSync(folder);
    const first = writeSr(folder, 'finding-one');
    const second = writeSr(folder, 'finding-two');
    const started = await call('library.import', { paths: [folder] });
    const imported = await jobEnd(started.jobId);
    expect(imported.event, JSON.stringify(imported.payload)).toBe('job.finished');
    const listed = await call('results.study', { studyInstanceUid: studyUid });
    expect(listed.map((r) => r.sopInstanceUid).sort()).toEqual([first, second].sort());

    await call('pacs.save', { connection: { name: 'web', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic' }, secret: { user: orthanc.user, password: orthanc.password } });
    await call('pacs.save', { connection: { name: 'dimse', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN' } });

    const web = await send('web', [first, '1.2.3.4.999']);
    expect(web).toMatchObject({ pacs: 'web', protocol: 'STOW-RS', stored: 1, failed: 1, stopped: null });
    expect(web.documents).toEqual([
      { sopInstanceUid: first, status: 'stored', reason: null },
      { sopInstanceUid: '1.2.3.4.999', status: 'failed', reason: expect.stringMatching(/no result document with this UID/) },
    ]);
    expect(await inOrthanc(first)).toBe(true);

    const dimse = await send('dimse', [second]);
    expect(dimse).toMatchObject({ protocol: 'C-STORE', stored: 1, failed: 0, documents: [{ sopInstanceUid: second, status: 'stored' }] });
    expect(await inOrthanc(second)).toBe(true);
  }, 150_000);

  it('a refused association: the reason in the app\'s words, nothing stored', async () => {
    await call('pacs.save', { connection: { name: 'stranger', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'STRANGER' } });
    const folder = path.join(scratch, 'results-2');
    fs.mkdirSync(folder);
    const uid = writeSr(folder, 'refused');
    const started = await call('library.import', { paths: [folder] });
    const imported = await jobEnd(started.jobId);
    expect(imported.event, JSON.stringify(imported.payload)).toBe('job.finished');
    const report = await send('stranger', [uid]);
    expect(report).toMatchObject({ stored: 0, failed: 1 });
    expect(report.stopped).toMatch(/PACS "stranger" .*(refused|aborted) the association.*calling AE title "STRANGER"/);
    expect(report.stopped).not.toMatch(/--/);
    expect(await inOrthanc(uid)).toBe(false);
  }, 90_000);
});
