// `lumen pacs` against a real Orthanc (DICOMweb plugin and DIMSE) started by the test on loopback ports.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { GeneratedStudy, Orthanc } from '../support/orthanc';
import { json, listen, lumen, root, usePacsFixture } from './support';

const pacs = usePacsFixture('pacs-test', {
  receiver: true,
  studies: [
    { key: 1, patientId: 'PID-A', patientName: 'Doe^Jane', accession: 'ACC-A', studyDate: '20250102', modality: 'CT', seriesCount: 2, perSeries: 3 },
    { key: 2, patientId: 'PID-B', patientName: 'Roe^Richard', accession: 'ACC-B', studyDate: '20240615', modality: 'MR', seriesCount: 1, perSeries: 2 },
  ],
});
const scratch = pacs.scratch;
let orthanc: Orthanc;
let receiverPort: number;
let ct: GeneratedStudy;
let mr: GeneratedStudy;
let dataDir: string;

beforeAll(async () => {
  orthanc = pacs.orthanc;
  [ct, mr] = pacs.studies;
  receiverPort = pacs.receiverPort;
  dataDir = path.join(scratch, 'data');
  const web = await lumen(dataDir, ['pacs', 'add', '--name', 'web', '--dicomweb', orthanc.dicomWebUrl, '--user', orthanc.user, '--password-stdin'], orthanc.password + '\n');
  expect(web.code, web.stderr).toBe(0);
  const dimse = await lumen(dataDir, ['pacs', 'add', '--name', 'dimse', '--dimse', `${orthanc.aet}@127.0.0.1:${orthanc.dicomPort}`, '--calling-aet', 'LUMEN']);
  expect(dimse.code, dimse.stderr).toBe(0);
}, 120_000);

describe('lumen pacs connections', () => {
  it('add, list --json without secrets, files private to the user, remove', async () => {
    const listed = json(await lumen(dataDir, ['pacs', 'list', '--json']));
    expect(listed).toEqual([
      { name: 'web', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic' },
      { name: 'dimse', kind: 'dimse', calledAet: 'ORTHANC', host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN' },
    ]);
    const connections = fs.readFileSync(path.join(dataDir, 'pacs.json'), 'utf8');
    expect(connections).not.toContain(orthanc.password);
    for (const file of ['pacs.json', 'pacs-credentials.json']) expect(fs.statSync(path.join(dataDir, file)).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(path.join(dataDir, 'pacs-credentials.json'), 'utf8')).toContain(orthanc.password);

    const other = path.join(scratch, 'data-remove');
    expect((await lumen(other, ['pacs', 'add', '--name', 'tmp', '--dicomweb', 'https://pacs.invalid/dicom-web', '--bearer-stdin'], 'token-xyz')).code).toBe(0);
    const again = await lumen(other, ['pacs', 'add', '--name', 'tmp', '--dicomweb', 'https://pacs.invalid/dicom-web']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/named "tmp" exists already/);
    expect((await lumen(other, ['pacs', 'remove', 'tmp'])).code).toBe(0);
    expect(json(await lumen(other, ['pacs', 'list', '--json']))).toEqual([]);
    expect(fs.readFileSync(path.join(other, 'pacs-credentials.json'), 'utf8')).not.toContain('token-xyz');
  }, 150_000);

  it('refuses bad input with a message that says what to write', async () => {
    const other = path.join(scratch, 'data-bad');
    const inUrl = await lumen(other, ['pacs', 'add', '--name', 'x', '--dicomweb', 'http://me:pw@pacs.invalid/dicom-web']);
    expect(inUrl.stderr).toMatch(/no user name or password in the URL/);
    const address = await lumen(other, ['pacs', 'add', '--name', 'x', '--dimse', 'pacs.invalid:104']);
    expect(address.stderr).toMatch(/write AET@host:port/);
    const aet = await lumen(other, ['pacs', 'add', '--name', 'x', '--dimse', 'A@h:104', '--calling-aet', 'MUCH-TOO-LONG-AE-TITLE']);
    expect(aet.stderr).toMatch(/--calling-aet .* is not valid/);
    const date = await lumen(dataDir, ['pacs', 'query', '--pacs', 'web', '--study-date', '2025-01-01', '--json']);
    expect(json<{ error: string }>({ ...date, code: 0 }).error).toMatch(/YYYYMMDD-YYYYMMDD/);
    fs.mkdirSync(other, { recursive: true });
    fs.writeFileSync(path.join(other, 'pacs.json'), JSON.stringify({ version: 1, connections: [{ name: 'x', kind: 'dimse', port: 'four' }] }));
    const broken = await lumen(other, ['pacs', 'list']);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/pacs\.json is not valid .*Fix or remove it/);
  }, 150_000);
});

describe.each(['web', 'dimse'])('lumen pacs query over %s', (pacs) => {
  it('finds studies by patient ID, modality, date range and accession', async () => {
    const all = json<any[]>(await lumen(dataDir, ['pacs', 'query', '--pacs', pacs, '--json']));
    expect(all.map((s) => s.StudyInstanceUID).sort()).toEqual([ct.studyUid, mr.studyUid].sort());
    const byId = json<any[]>(await lumen(dataDir, ['pacs', 'query', '--pacs', pacs, '--patient-id', 'PID-A', '--json']));
    expect(byId).toEqual([
      expect.objectContaining({ StudyInstanceUID: ct.studyUid, PatientID: 'PID-A', PatientName: 'Doe^Jane', StudyDate: '20250102', AccessionNumber: 'ACC-A', ModalitiesInStudy: ['CT'], StudyDescription: 'PACS test study', NumberOfStudyRelatedSeries: 2, NumberOfStudyRelatedInstances: 6 }),
    ]);
    const byModality = json<any[]>(await lumen(dataDir, ['pacs', 'query', '--pacs', pacs, '--modality', 'MR', '--json']));
    expect(byModality.map((s) => s.StudyInstanceUID)).toEqual([mr.studyUid]);
    const byDate = json<any[]>(await lumen(dataDir, ['pacs', 'query', '--pacs', pacs, '--study-date', '20240101-20241231', '--json']));
    expect(byDate.map((s) => s.StudyInstanceUID)).toEqual([mr.studyUid]);
    const byName = json<any[]>(await lumen(dataDir, ['pacs', 'query', '--pacs', pacs, '--patient-name', 'Doe*', '--accession', 'ACC-A', '--json']));
    expect(byName.map((s) => s.StudyInstanceUID)).toEqual([ct.studyUid]);
  }, 90_000);
});

describe('lumen pacs failures', () => {
  it('wrong credentials: a message that says so, no secret in it', async () => {
    const other = path.join(scratch, 'data-wrong-password');
    await lumen(other, ['pacs', 'add', '--name', 'web', '--dicomweb', orthanc.dicomWebUrl, '--user', orthanc.user, '--password-stdin'], 'wrong-password-123');
    const run = await lumen(other, ['pacs', 'query', '--pacs', 'web']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/PACS "web" refused the credentials \(HTTP 401\)/);
    // What to do, in the CLI's words: correct them in place, not remove and add again.
    expect(run.stderr).toMatch(/check the user name and password \(or token\) and correct them with lumen pacs edit web --user U --password-stdin \(or --bearer-stdin\)\.$/m);
    expect(run.stderr).not.toMatch(/remove and add/);
    expect(run.stderr).not.toContain('wrong-password-123');
  }, 60_000);

  it('no credentials where the PACS asks for them: enter some, not correct them (H, session 21)', async () => {
    // Failed before: "refused the credentials … check the user name and password", though none were sent.
    const other = path.join(scratch, 'data-no-credentials');
    await lumen(other, ['pacs', 'add', '--name', 'open', '--dicomweb', orthanc.dicomWebUrl]);
    const run = await lumen(other, ['pacs', 'query', '--pacs', 'open']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/PACS "open" asks for credentials \(HTTP 401\) when asked to query studies, and this connection has none: give them with lumen pacs edit open --user U --password-stdin \(or --bearer-stdin\)\.$/m);
    expect(run.stderr).not.toMatch(/refused the credentials|check the user name/);
  }, 60_000);

  it('a refused association: wrong called AE title, unknown calling AE title', async () => {
    const other = path.join(scratch, 'data-refused');
    await lumen(other, ['pacs', 'add', '--name', 'called', '--dimse', `NOT-ORTHANC@127.0.0.1:${orthanc.dicomPort}`]);
    await lumen(other, ['pacs', 'add', '--name', 'calling', '--dimse', `ORTHANC@127.0.0.1:${orthanc.dicomPort}`, '--calling-aet', 'STRANGER']);
    const called = await lumen(other, ['pacs', 'query', '--pacs', 'called', '--timeout', '20']);
    expect(called.code).toBe(1);
    expect(called.stderr).toMatch(/refused the association: it is not called "NOT-ORTHANC"/);
    const calling = await lumen(other, ['pacs', 'query', '--pacs', 'calling', '--timeout', '20']);
    expect(calling.code).toBe(1);
    expect(calling.stderr).toMatch(/aborted the association .* calling AE title "STRANGER"/);
  }, 60_000);

  it('a server that accepts and never answers: a time-out with a clear message, over both protocols', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const other = path.join(scratch, 'data-hang');
      await lumen(other, ['pacs', 'add', '--name', 'web', '--dicomweb', `http://127.0.0.1:${port}/dicom-web`]);
      await lumen(other, ['pacs', 'add', '--name', 'dimse', '--dimse', `ANY@127.0.0.1:${port}`]);
      const web = await lumen(other, ['pacs', 'query', '--pacs', 'web', '--timeout', '1']);
      expect(web.code).toBe(1);
      expect(web.stderr).toMatch(/PACS "web" did not answer within 1 s when asked to query studies/);
      const dimse = await lumen(other, ['pacs', 'query', '--pacs', 'dimse', '--timeout', '1']);
      expect(dimse.code).toBe(1);
      expect(dimse.stderr).toMatch(/PACS "dimse" \(ANY at 127.0.0.1:\d+\) did not answer within 1 s/);
      const library = path.join(other, 'library');
      const retrieve = await lumen(other, ['pacs', 'retrieve', '--pacs', 'web', ct.studyUid, '--library', library, '--timeout', '1']);
      expect(retrieve.code).toBe(1);
      expect(retrieve.stderr).toMatch(/did not answer within 1 s/);
      expect(fs.existsSync(path.join(library, 'pacs'))).toBe(false);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 150_000);
});

describe.each(['web', 'dimse'])('lumen pacs retrieve over %s', (pacs) => {
  it('files a series, then the rest of the study without fetching the series again', async () => {
    const library = path.join(scratch, `library-${pacs}`);
    const [first, second] = ct.series;
    const one = json(await lumen(dataDir, ['pacs', 'retrieve', '--pacs', pacs, ct.studyUid, '--series', first.seriesUid, '--library', library, '--json']));
    expect(one).toMatchObject({ listed: 3, received: 3, alreadyPresent: 0, failed: 0, stopped: null });
    const all = json(await lumen(dataDir, ['pacs', 'retrieve', '--pacs', pacs, ct.studyUid, '--library', library, '--json']));
    expect(all).toMatchObject({ listed: 6, received: 3, alreadyPresent: 3, failed: 0, errors: [], stopped: null });
    const again = json(await lumen(dataDir, ['pacs', 'retrieve', '--pacs', pacs, ct.studyUid, '--library', library, '--json']));
    expect(again).toMatchObject({ listed: 6, received: 0, alreadyPresent: 6, failed: 0 });

    // The library holds the study as the PACS has it: every instance, in its series, readable.
    const tree = json<any[]>(await lumen(dataDir, ['ls', '--library', library, '--json']));
    const text = JSON.stringify(tree);
    for (const s of [first, second]) {
      expect(text).toContain(s.seriesUid);
    }
    for (const sop of [...first.sopUids, ...second.sopUids]) {
      const file = path.join(library, 'pacs', ct.studyUid, sop.slice(0, sop.lastIndexOf('.')), `${sop}.dcm`);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    }
    const leftovers = fs.readdirSync(path.join(library, 'pacs'), { recursive: true }).filter((f) => String(f).endsWith('.tmp'));
    expect(leftovers).toEqual([]);
  }, 120_000);

  it('names a study the PACS does not have', async () => {
    const run = await lumen(dataDir, ['pacs', 'retrieve', '--pacs', pacs, '1.2.3.4.5.6', '--library', path.join(scratch, `library-none-${pacs}`)]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/has no instances of study 1\.2\.3\.4\.5\.6/);
    const bad = await lumen(dataDir, ['pacs', 'retrieve', '--pacs', pacs, '../../etc', '--library', path.join(scratch, `library-none-${pacs}`)]);
    expect(bad.stderr).toMatch(/is not a Study Instance UID/);
  }, 60_000);
});

describe('lumen pacs listen', () => {
  it('files a study Orthanc pushes (C-STORE), and refuses a sender not allowed', async () => {
    const lookup = await orthanc.rest('POST', '/tools/lookup', mr.studyUid);
    const studyId = ((await lookup.json()) as { ID: string }[])[0].ID;
    const library = path.join(scratch, 'library-listen');

    const refusing = await listen(path.join(scratch, 'data-listen-refuse'), ['--aet', 'LUMEN', '--port', String(receiverPort), '--library', library, '--allow', 'SOMEONE']);
    const refused = await orthanc.rest('POST', '/modalities/lumen/store', studyId);
    expect(refused.ok).toBe(false);
    expect(await refusing.stop()).toBe(0);
    expect(refusing.output()).toMatch(/refused an association from "ORTHANC": not an allowed calling AE title/);

    const receiver = await listen(path.join(scratch, 'data-listen'), ['--aet', 'LUMEN', '--port', String(receiverPort), '--library', library, '--allow', 'ORTHANC']);
    const pushed = await orthanc.rest('POST', '/modalities/lumen/store', studyId);
    expect(pushed.ok, await pushed.text()).toBe(true);
    expect(await receiver.stop()).toBe(0);
    expect(receiver.output()).toMatch(/Stopped: 2 images received, 0 files failed, 0 associations refused\./);
    expect(receiver.output()).not.toContain('Roe');

    const tree = JSON.stringify(json(await lumen(dataDir, ['ls', '--library', library, '--json'])));
    expect(tree).toContain(mr.series[0].seriesUid);
    for (const sop of mr.series[0].sopUids) expect(fs.existsSync(path.join(library, 'pacs', mr.studyUid, mr.series[0].seriesUid, `${sop}.dcm`))).toBe(true);
  }, 150_000);
});

describe('lumen pacs retrieve, interrupted', () => {
  it('a server that stops answering midway: what arrived is kept whole, and the same command fetches only the rest', async () => {
    // Between Lumen and Orthanc: passes queries and the first two instances, then holds every request unanswered.
    let instances = 0;
    const held: http.ServerResponse[] = [];
    const proxy = http.createServer(async (req, res) => {
      if (req.url!.includes('/instances/') && ++instances > 2) {
        held.push(res);
        return;
      }
      const answer = await fetch(orthanc.url + req.url, { headers: { accept: String(req.headers.accept), authorization: String(req.headers.authorization) } });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? '' });
      res.end(Buffer.from(await answer.arrayBuffer()));
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const port = (proxy.address() as net.AddressInfo).port;
    try {
      const data = path.join(scratch, 'data-interrupted');
      const library = path.join(scratch, 'library-interrupted');
      for (const [name, url] of [
        ['flaky', `http://127.0.0.1:${port}/dicom-web`],
        ['web', orthanc.dicomWebUrl],
      ]) {
        expect((await lumen(data, ['pacs', 'add', '--name', name, '--dicomweb', url, '--user', orthanc.user, '--password-stdin'], orthanc.password)).code).toBe(0);
      }
      const cut = await lumen(data, ['pacs', 'retrieve', '--pacs', 'flaky', ct.studyUid, '--library', library, '--timeout', '5', '--json']);
      expect(cut.code).toBe(1);
      const first = JSON.parse(cut.stdout);
      expect(first).toMatchObject({ listed: 6, received: 2, alreadyPresent: 0, failed: 0, notFetched: 4 });
      expect(first.stopped).toMatch(/PACS "flaky" did not answer within 5 s/);
      expect(first.errors).toEqual([{ sopInstanceUid: null, reason: expect.stringMatching(/4 listed instances were not fetched before the retrieve stopped/) }]);
      const files = fs.readdirSync(path.join(library, 'pacs'), { recursive: true }).map(String);
      expect(files.filter((f) => f.endsWith('.dcm'))).toHaveLength(2);
      expect(files.filter((f) => f.endsWith('.tmp'))).toEqual([]);

      const rest = json(await lumen(data, ['pacs', 'retrieve', '--pacs', 'web', ct.studyUid, '--library', library, '--json']));
      expect(rest).toMatchObject({ listed: 6, received: 4, alreadyPresent: 2, failed: 0, stopped: null });
    } finally {
      for (const res of held) res.destroy();
      proxy.close();
    }
  }, 150_000);
});

describe('lumen pacs retrieve, cancelled', () => {
  it.each(['web', 'dimse'])('Ctrl-C while the PACS (%s) is silent ends the retrieve with exit 130 and nothing written', async (pacs) => {
    let connected: () => void = () => {};
    const reached = new Promise<void>((r) => (connected = r));
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => {
      sockets.push(s);
      connected();
    });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const data = path.join(scratch, `data-cancel-${pacs}`);
      const library = path.join(scratch, `library-cancel-${pacs}`);
      const add = pacs === 'web' ? ['--dicomweb', `http://127.0.0.1:${port}/dicom-web`] : ['--dimse', `ANY@127.0.0.1:${port}`];
      expect((await lumen(data, ['pacs', 'add', '--name', pacs, ...add])).code).toBe(0);
      const child = spawn(process.execPath, [path.join(root, 'bin/lumen.mjs'), 'pacs', 'retrieve', '--pacs', pacs, ct.studyUid, '--library', library, '--timeout', '60'], {
        cwd: root,
        env: { ...process.env, LUMEN_DATA_DIR: data },
      });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      await reached; // the retrieve is waiting on the PACS: its Ctrl-C handler is in place
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      expect(stderr).toMatch(/cancelled: nothing was fetched/);
      expect(fs.existsSync(path.join(library, 'pacs'))).toBe(false);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  }, 50_000);
});
