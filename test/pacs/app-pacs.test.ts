// The app's PACS requests (common/contract/pacs.ts) on the real engine process, against a real
// Orthanc (DICOMweb and DIMSE) started on loopback ports: connections with secrets that never
// come back, Test connection, query, a study's series, retrieve as a job that refreshes the
// library, and the receiver switch getting a study Orthanc pushes.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { freePort, type GeneratedStudy, type Orthanc } from '../support/orthanc';
import { useEngineHost, usePacsFixture } from './support';

const pacs = usePacsFixture('app-pacs', {
  receiver: true,
  studies: [
    { key: 31, patientId: 'PID-APP-A', patientName: 'Appleseed^Ann', accession: 'ACC-APP-A', studyDate: '20250310', modality: 'CT', seriesCount: 2, perSeries: 3 },
    { key: 32, patientId: 'PID-APP-B', patientName: 'Bishop^Bo', accession: 'ACC-APP-B', studyDate: '20230101', modality: 'MR', seriesCount: 1, perSeries: 2 },
  ],
});
const scratch = pacs.scratch;
const dataDir = path.join(scratch, 'data');
let orthanc: Orthanc;
let receiverPort: number;
let ct: GeneratedStudy;
let mr: GeneratedStudy;
const { call, failure, events, jobEnd } = useEngineHost(dataDir);

beforeAll(async () => {
  orthanc = pacs.orthanc;
  [ct, mr] = pacs.studies;
  receiverPort = pacs.receiverPort;
}, 120_000);

describe('PACS connections in the app', () => {
  it('saves connections, never sends a secret back, keeps it on edit, tests them with clear messages', async () => {
    expect((await call('pacs.list', {})).connections).toEqual([]);
    const saved = await call('pacs.save', {
      connection: { name: 'web', kind: 'dicomweb', url: orthanc.dicomWebUrl + '/', auth: 'basic' },
      secret: { user: orthanc.user, password: orthanc.password },
    });
    expect(saved.connections).toEqual([{ name: 'web', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic', secret: 'saved', user: orthanc.user }]);
    expect(JSON.stringify(saved)).not.toContain(orthanc.password);
    expect(fs.statSync(path.join(dataDir, 'pacs-credentials.json')).mode & 0o777).toBe(0o600);

    await call('pacs.save', { connection: { name: 'dimse', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'LUMEN' } });
    // Changing the URL's name without a new secret keeps the saved one, and its place in the list.
    const renamed = await call('pacs.save', { previousName: 'web', connection: { name: 'orthanc-web', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic' } });
    expect(renamed.connections.map((c) => [c.name, c.secret])).toEqual([
      ['orthanc-web', 'saved'],
      ['dimse', 'none'],
    ]);

    // A password is no bearer token: switching the authentication without a new secret drops it.
    const bearer = await call('pacs.save', { previousName: 'orthanc-web', connection: { name: 'orthanc-web', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'bearer' } });
    expect(bearer.connections.find((c) => c.name === 'orthanc-web')?.secret).toBe('missing');
    await call('pacs.save', { previousName: 'orthanc-web', connection: { name: 'orthanc-web', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic' }, secret: { user: orthanc.user, password: orthanc.password } });
    const web = await call('pacs.test', { name: 'orthanc-web' });
    expect(web).toMatchObject({ ok: true, message: expect.stringMatching(/^Connected: DICOMweb answered a test query \(QIDO-RS\) in \d+ ms\.$/) });
    const echo = await call('pacs.test', { name: 'dimse' });
    expect(echo).toMatchObject({ ok: true, message: expect.stringMatching(/^Connected: ORTHANC answered a C-ECHO and a test query \(C-FIND\) in \d+ ms\.$/) });

    // Wrong password, unknown calling AE title, nobody listening: each a message that says what to do.
    await call('pacs.save', { connection: { name: 'wrong', kind: 'dicomweb', url: orthanc.dicomWebUrl, auth: 'basic' }, secret: { user: orthanc.user, password: 'not-it' } });
    const wrong = await call('pacs.test', { name: 'wrong' });
    expect(wrong.ok).toBe(false);
    expect(wrong.message).toMatch(/refused the credentials \(HTTP 401\)/);
    expect(wrong.message).toMatch(/check the user name and password \(or token\) and correct them in the connection's User and Password fields in Settings, PACS\.$/);
    expect(wrong.message).not.toMatch(/--|lumen pacs|remove and add/);
    await call('pacs.save', { connection: { name: 'stranger', kind: 'dimse', calledAet: orthanc.aet, host: '127.0.0.1', port: orthanc.dicomPort, callingAet: 'STRANGER' } });
    const stranger = await call('pacs.test', { name: 'stranger' });
    expect(stranger.ok).toBe(false);
    expect(stranger.message).toMatch(/STRANGER/);
    expect(stranger.message).not.toMatch(/--/);
    const closed = await freePort();
    await call('pacs.save', { connection: { name: 'nobody', kind: 'dimse', calledAet: 'X', host: '127.0.0.1', port: closed, callingAet: 'LUMEN' } });
    expect((await call('pacs.test', { name: 'nobody' })).message).toMatch(/connection refused/);
    // Bearer without a token: named, nothing contacted.
    await call('pacs.save', { connection: { name: 'token', kind: 'dicomweb', url: 'https://pacs.invalid/dicom-web', auth: 'bearer' } });
    expect((await call('pacs.test', { name: 'token' })).message).toMatch(/needs a bearer token and none is saved/);
    expect(await failure('pacs.save', { connection: { name: 'x', kind: 'dicomweb', url: 'http://me:pw@pacs.invalid/', auth: 'none' } })).toMatch(/no user name or password in the URL/);
    expect(await failure('pacs.save', { connection: { name: 'dimse', kind: 'dimse', calledAet: 'A', host: 'h', port: 104, callingAet: 'LUMEN' } })).toMatch(/named "dimse" exists already/);
    for (const name of ['wrong', 'stranger', 'nobody', 'token']) await call('pacs.remove', { name });
    expect(fs.readFileSync(path.join(dataDir, 'pacs-credentials.json'), 'utf8')).not.toContain('not-it');
  }, 90_000);
});

describe('query and retrieve from the app', () => {
  it('queries both protocols, lists series, retrieves a series then the study, marks what the library holds', async () => {
    for (const name of ['orthanc-web', 'dimse']) {
      const { studies, incomplete } = await call('pacs.query', { name, query: {} });
      expect(studies.map((s) => s.studyInstanceUid)).toEqual([ct.studyUid, mr.studyUid]);
      // Orthanc (with its QIDO-RS limit=5001 asked, or its C-FIND) answers whole: nothing to say.
      expect(incomplete).toBeNull();
      expect(studies[0]).toMatchObject({ patientId: 'PID-APP-A', studyDate: '20250310', accessionNumber: 'ACC-APP-A', modalities: ['CT'], inLibrary: 0 });
      const byName = await call('pacs.query', { name, query: { patientName: 'Bish*', modality: 'mr' } });
      expect(byName.studies.map((s) => s.studyInstanceUid)).toEqual([mr.studyUid]);
      const { series, incomplete: seriesIncomplete } = await call('pacs.series', { name, studyInstanceUid: ct.studyUid });
      expect(seriesIncomplete).toBeNull();
      expect(series.map((s) => [s.seriesInstanceUid, s.seriesNumber, s.instances, s.inLibrary])).toEqual([
        [ct.series[0].seriesUid, 1, 3, 0],
        [ct.series[1].seriesUid, 2, 3, 0],
      ]);
    }
    expect(await failure('pacs.query', { name: 'dimse', query: { studyDate: '2025' } })).toMatch(/^Study date "2025" is not a date or range/);

    const changedBefore = events.filter((e) => e.event === 'library.changed').length;
    const { jobId } = await call('pacs.retrieve', { name: 'orthanc-web', studyInstanceUid: ct.studyUid, seriesInstanceUid: ct.series[1].seriesUid });
    const end = await jobEnd(jobId);
    expect(end.event).toBe('job.finished');
    expect(end.payload.result).toMatchObject({ listed: 3, received: 3, alreadyPresent: 0, failed: 0, stopped: null });
    expect(events.filter((e) => e.event === 'library.changed').length).toBeGreaterThan(changedBefore);
    expect(events.some((e) => e.event === 'job.progress' && e.payload.jobId === jobId && /^Retrieving… \d of 3 images$/.test(e.payload.message))).toBe(true);
    // Listing says what the report counts too: files (it said "instances").
    expect(events.some((e) => e.event === 'job.progress' && e.payload.jobId === jobId && e.payload.message === "Listing the series' files…")).toBe(true);
    const half = await call('pacs.series', { name: 'dimse', studyInstanceUid: ct.studyUid });
    expect(half.series.map((s) => s.inLibrary)).toEqual([0, 3]);

    // The whole study over DIMSE: the series the library holds is not fetched again.
    const second = await call('pacs.retrieve', { name: 'dimse', studyInstanceUid: ct.studyUid });
    const done = await jobEnd(second.jobId);
    expect(done.payload.result).toMatchObject({ listed: 6, received: 3, alreadyPresent: 3, failed: 0 });
    const after = await call('pacs.query', { name: 'dimse', query: { patientId: 'PID-APP-A' } });
    expect(after.studies[0].inLibrary).toBe(6);
    const library = await call('library.studies', {});
    expect(library.map((s) => s.studyInstanceUid)).toEqual([ct.studyUid]);
  }, 120_000);
});

describe('cancel', () => {
  it('cancels a retrieve waiting on a PACS that says nothing', async () => {
    // A server that accepts connections and never answers: the retrieve waits in its listing step.
    const sockets = new Set<net.Socket>();
    const silent = net.createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      await call('pacs.save', { connection: { name: 'silent', kind: 'dicomweb', url: `http://127.0.0.1:${port}/dicom-web`, auth: 'none' } });
      const { jobId } = await call('pacs.retrieve', { name: 'silent', studyInstanceUid: '1.2.3.4' });
      const deadline = Date.now() + 10_000;
      while (sockets.size === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(sockets.size).toBeGreaterThan(0);
      expect(await call('job.cancel', { jobId })).toEqual({ cancelled: true });
      const end = await jobEnd(jobId);
      expect(end).toMatchObject({ event: 'job.failed', payload: { cancelled: true, message: 'Cancelled' } });
    } finally {
      for (const socket of sockets) socket.destroy();
      silent.close();
      await call('pacs.remove', { name: 'silent' });
    }
  }, 60_000);
});

describe('the receiver switch', () => {
  it('is off until switched on, receives a study Orthanc pushes, refuses unknown senders, names a taken port', async () => {
    const initial = await call('pacs.receiver', {});
    expect(initial).toMatchObject({ running: false, received: 0, error: null, settings: { aet: 'LUMEN', port: 11112, host: '127.0.0.1', allowed: [] } });
    // ORTHANC is allowed because a DIMSE connection calls it.
    expect(initial.allowedSenders).toEqual(['ORTHANC']);

    await call('pacs.receiverSettings', { settings: { aet: 'LUMEN', port: receiverPort, host: '127.0.0.1', allowed: ['MODALITY1'] } });
    const on = await call('pacs.receiverSwitch', { on: true });
    expect(on).toMatchObject({ running: true, error: null, allowedSenders: ['MODALITY1', 'ORTHANC'] });

    const lookup = await orthanc.rest('POST', '/tools/lookup', mr.studyUid);
    const studyId = ((await lookup.json()) as { ID: string }[])[0].ID;
    const changedBefore = events.filter((e) => e.event === 'library.changed').length;
    const pushed = await orthanc.rest('POST', '/modalities/lumen/store', studyId);
    expect(pushed.ok, await pushed.text()).toBe(true);
    const deadline = Date.now() + 30_000;
    let state = await call('pacs.receiver', {});
    while (state.received < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      state = await call('pacs.receiver', {});
    }
    expect(state).toMatchObject({ running: true, received: 2, receivedImages: 2, failed: 0 });
    expect(state.events[0].line).toBe('received 2 images from "ORTHANC".');
    expect(JSON.stringify(state)).not.toMatch(/Bishop|PID-APP-B/);
    expect(events.filter((e) => e.event === 'library.changed').length).toBeGreaterThan(changedBefore);
    expect(events.some((e) => e.event === 'pacs.receiverChanged' && e.payload.received === 2)).toBe(true);
    expect((await call('library.studies', {})).map((s) => s.studyInstanceUid).sort()).toEqual([ct.studyUid, mr.studyUid].sort());

    // Only the allowed: ORTHANC is no longer allowed once its DIMSE connection is gone.
    await call('pacs.remove', { name: 'dimse' });
    await call('pacs.receiverSettings', { settings: { aet: 'LUMEN', port: receiverPort, host: '127.0.0.1', allowed: ['MODALITY1'] } });
    const refused = await orthanc.rest('POST', '/modalities/lumen/store', studyId);
    expect(refused.ok).toBe(false);
    state = await call('pacs.receiver', {});
    expect(state.refusedAssociations).toBe(1);
    expect(state.events[0].line).toMatch(/refused an association from "ORTHANC": not an allowed calling AE title \(allow it in Settings, PACS\)/);

    const off = await call('pacs.receiverSwitch', { on: false });
    expect(off).toMatchObject({ running: false, received: 2 });
    // Stopped means closed: nothing listens on the port any more.
    const connectable = await new Promise<boolean>((resolve) => {
      const socket = net.connect(receiverPort, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    expect(connectable).toBe(false);

    // A taken port: said, not running, and the engine goes on.
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(receiverPort, '127.0.0.1', r));
    try {
      const blocked = await call('pacs.receiverSwitch', { on: true });
      expect(blocked.running).toBe(false);
      expect(blocked.error).toBe(`port ${receiverPort} is in use: choose another in the receiver settings.`);
    } finally {
      taken.close();
    }
    expect((await call('engine.ping', { echo: 'still here' })).echo).toBe('still here');
  }, 90_000);
});
