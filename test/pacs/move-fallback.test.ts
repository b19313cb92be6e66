// The default retrieve method (issue #17 point 3): C-GET where the PACS takes it, else C-MOVE.
// Orthanc always takes C-GET, so this runs against dcmtk's dcmqrscp started with --disable-get
// (it rejects the C-GET presentation contexts), filled by dcmtk's storescu.
import { type ChildProcess, execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDcmqrscp } from '../support/dcmqrscp';
import { freePort, type GeneratedStudy, generateStudy } from '../support/orthanc';
import { lumen } from './support';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-pacs-fallback-'));
const run = promisify(execFile);

let qr: ChildProcess;
let qrPort: number;
let receiverPort: number;
let study: GeneratedStudy;
const dataDir = path.join(scratch, 'data');

beforeAll(async () => {
  qrPort = await freePort();
  receiverPort = await freePort();
  const db = path.join(scratch, 'db');
  fs.mkdirSync(db);
  qr = await startDcmqrscp({ scratch, db, port: qrPort, hosts: [`lumen = (LUMEN, 127.0.0.1, ${receiverPort})`], args: ['--disable-get'] });
  const generated = generateStudy({ key: 61, patientId: 'PID-QR', patientName: 'Query^Retrieve', accession: 'ACC-QR', studyDate: '20250707', perSeries: 3 });
  study = generated.study;
  const files = generated.files.map((bytes, i) => {
    const file = path.join(scratch, `in-${i}.dcm`);
    fs.writeFileSync(file, bytes);
    return file;
  });
  await run('storescu', ['-aet', 'LUMEN', '-aec', 'QRSCP', '127.0.0.1', String(qrPort), ...files]);
  const add = await lumen(dataDir, ['pacs', 'add', '--name', 'qr', '--dimse', `QRSCP@127.0.0.1:${qrPort}`, '--calling-aet', 'LUMEN']);
  expect(add.code, add.stderr).toBe(0);
}, 120_000);

afterAll(() => {
  qr?.kill('SIGTERM');
  fs.rmSync(scratch, { recursive: true, force: true });
});

describe('retrieve from a PACS without C-GET', () => {
  it('--via get says the PACS does not take C-GET; without --via the retrieve goes by C-MOVE', async () => {
    const library = path.join(scratch, 'library');
    const get = await lumen(dataDir, ['pacs', 'retrieve', '--pacs', 'qr', study.studyUid, '--via', 'get', '--library', library, '--json']);
    expect(get.code).toBe(1);
    expect(JSON.parse(get.stdout)).toMatchObject({ listed: 3, received: 0, stopped: 'PACS "qr" does not accept C-GET (the association did not take it): retrieve with --via move.' });

    const auto = await lumen(dataDir, ['pacs', 'retrieve', '--pacs', 'qr', study.studyUid, '--port', String(receiverPort), '--host', '127.0.0.1', '--library', library, '--json']);
    expect(auto.code, auto.stderr + auto.stdout).toBe(0);
    expect(JSON.parse(auto.stdout)).toMatchObject({ listed: 3, received: 3, alreadyPresent: 0, failed: 0, stopped: null });
    for (const sop of study.series[0].sopUids) expect(fs.existsSync(path.join(library, 'pacs', study.studyUid, study.series[0].seriesUid, `${sop}.dcm`))).toBe(true);
  }, 150_000);
});
