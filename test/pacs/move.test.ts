// `lumen pacs retrieve --via move` (issue #17 point 3): C-MOVE from a real Orthanc to Lumen's
// own C-STORE receiver, started for the transfer on the port the test gives (Orthanc knows
// Lumen's AE title at that port through DicomModalities); resume fetches only what is missing.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort, type GeneratedStudy, type Orthanc } from '../support/orthanc';
import { json, lumen, usePacsFixture } from './support';

const pacs = usePacsFixture('pacs-move', {
  receiver: true,
  // Any calling AE title may find and move here (so a move to an unknown destination reaches the C-MOVE itself).
  orthanc: { config: { DicomAlwaysAllowFind: true, DicomAlwaysAllowMove: true } },
  studies: [{ key: 31, patientId: 'PID-M', patientName: 'Move^Me', accession: 'ACC-M', studyDate: '20250405', seriesCount: 2, perSeries: 3 }],
});
const scratch = pacs.scratch;
let orthanc: Orthanc;
let receiverPort: number;
let ct: GeneratedStudy;
let dataDir: string;

beforeAll(async () => {
  orthanc = pacs.orthanc;
  ct = pacs.studies[0];
  receiverPort = pacs.receiverPort;
  dataDir = path.join(scratch, 'data');
  const add = await lumen(dataDir, ['pacs', 'add', '--name', 'dimse', '--dimse', `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`, '--calling-aet', 'LUMEN']);
  expect(add.code, add.stderr).toBe(0);
}, 120_000);

const move = (library: string, extra: string[] = []) => ['pacs', 'retrieve', '--pacs', 'dimse', ct.studyUid, '--via', 'move', '--port', String(receiverPort), '--host', '127.0.0.1', '--library', library, '--json', ...extra];

describe('lumen pacs retrieve --via move', () => {
  it('files a series by C-MOVE, then only the rest of the study, then nothing', async () => {
    const library = path.join(scratch, 'library');
    const [first, second] = ct.series;
    const one = json(await lumen(dataDir, move(library, ['--series', first.seriesUid])));
    expect(one).toMatchObject({ listed: 3, received: 3, alreadyPresent: 0, failed: 0, errors: [], stopped: null });
    const rest = json(await lumen(dataDir, move(library)));
    expect(rest).toMatchObject({ listed: 6, received: 3, alreadyPresent: 3, failed: 0, errors: [], stopped: null });
    const again = json(await lumen(dataDir, move(library)));
    expect(again).toMatchObject({ listed: 6, received: 0, alreadyPresent: 6, failed: 0 });

    const tree = JSON.stringify(json(await lumen(dataDir, ['ls', '--library', library, '--json'])));
    for (const s of [first, second]) {
      expect(tree).toContain(s.seriesUid);
      for (const sop of s.sopUids) expect(fs.statSync(path.join(library, 'pacs', ct.studyUid, s.seriesUid, `${sop}.dcm`)).mode & 0o777).toBe(0o600);
    }
    // The receiver was started for the transfer only: the port is free again.
    const probe = net.createServer();
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen(receiverPort, '127.0.0.1', resolve);
    });
    probe.close();
  }, 150_000);

  it('a move destination the PACS does not know: said clearly, nothing written', async () => {
    const other = path.join(scratch, 'data-unknown');
    expect((await lumen(other, ['pacs', 'add', '--name', 'dimse', '--dimse', `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`, '--calling-aet', 'NOBODY'])).code).toBe(0);
    const library = path.join(scratch, 'library-unknown');
    const run = await lumen(other, ['pacs', 'retrieve', '--pacs', 'dimse', ct.studyUid, '--via', 'move', '--port', String(await freePort()), '--host', '127.0.0.1', '--library', library, '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ listed: 6, received: 0, failed: 0, notFetched: 6 });
    // Orthanc 1.10 answers 0xC000 where the standard has 0xA801: either way the message names the destination and what to do.
    expect(report.stopped).toMatch(/PACS "dimse" (does not know the move destination "NOBODY" \(DIMSE status 0xA801\)|refused to move the study to "NOBODY" \(DIMSE status 0xC000\): check that it knows the move destination "NOBODY")/);
    expect(report.stopped).toMatch(/ask its administrator to add/);
    expect(fs.existsSync(path.join(library, 'pacs'))).toBe(false);
  }, 60_000);

  it('the receiving port in use: said clearly, before anything is asked of the PACS', async () => {
    const busy = net.createServer();
    await new Promise<void>((r) => busy.listen(receiverPort, '127.0.0.1', r));
    try {
      const library = path.join(scratch, 'library-busy');
      const run = await lumen(dataDir, move(library));
      expect(run.code).toBe(1);
      expect(JSON.parse(run.stdout).stopped).toMatch(new RegExp(`port ${receiverPort} is in use: choose another with --port`));
    } finally {
      busy.close();
    }
  }, 60_000);

  it('refuses --via for DICOMweb and a bad --via or --port', async () => {
    const other = path.join(scratch, 'data-bad');
    await lumen(other, ['pacs', 'add', '--name', 'web', '--dicomweb', orthanc.dicomWebUrl]);
    const web = await lumen(other, ['pacs', 'retrieve', '--pacs', 'web', ct.studyUid, '--via', 'move']);
    expect(web.code).toBe(2);
    expect(web.stderr).toMatch(/--via is for a DIMSE connection/);
    const how = await lumen(dataDir, ['pacs', 'retrieve', '--pacs', 'dimse', ct.studyUid, '--via', 'push']);
    expect(how.stderr).toMatch(/--via "push" is not a retrieve method/);
    const port = await lumen(dataDir, ['pacs', 'retrieve', '--pacs', 'dimse', ct.studyUid, '--via', 'move', '--port', '70000']);
    expect(port.stderr).toMatch(/--port "70000" is not a port number/);
  }, 150_000);
});
