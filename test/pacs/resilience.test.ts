// Retrieval when the PACS goes away or hangs, against Debian's Orthanc: stopped mid-transfer
// and restarted (the second retrieve fetches only what is missing), a server that accepts and
// never answers, and one that stalls in the middle of an instance. Each time the retrieve ends
// with a message that names the PACS and what happened, and the library holds whole instances
// only: every file under it parses, and every row has its file.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseDicomFile } from '../../electron/dicom/parse';
import { Library } from '../../electron/library/library';
import type { Credentials, PacsConnection } from '../../electron/pacs/connections';
import { retrieveStudy } from '../../electron/pacs/retrieve';
import { freePort, type GeneratedStudy, type Orthanc } from '../support/orthanc';
import { usePacsFixture } from './support';

const INSTANCES = 60;
const pacs = usePacsFixture('pacs-resilience', {
  orthanc: async () => ({ modalities: { lumen: { aet: 'LUMEN', port: await freePort() } } }),
  studies: [{ key: 41, patientId: 'PID-R', patientName: 'Resilience^Test', accession: 'ACC-R', studyDate: '20250301', seriesCount: 2, perSeries: INSTANCES / 2 }],
});
const scratch = pacs.scratch;
let orthanc: Orthanc;
let study: GeneratedStudy;
let sops: string[];
const closers: (() => Promise<void> | void)[] = [];

beforeAll(async () => {
  orthanc = pacs.orthanc;
  study = pacs.studies[0];
  sops = study.series.flatMap((s) => s.sopUids);
}, 120_000);

afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

const credentials = (): Credentials => ({ user: orthanc.user, password: orthanc.password });
const web = (url = orthanc.dicomWebUrl): PacsConnection => ({ name: 'web', kind: 'dicomweb', url, auth: 'basic' });
const dimse = (port = orthanc.dicomPort): PacsConnection => ({ name: 'dimse', kind: 'dimse', calledAet: 'ORTHANC', host: '127.0.0.1', port, callingAet: 'LUMEN' });

function freshLibrary(name: string): Library {
  const library = Library.open(path.join(scratch, name));
  closers.push(() => library.close());
  return library;
}

/** Every file under the library's folder (its database aside) is a whole DICOM instance of the study, and exactly the instances the library lists are there. */
async function expectOnlyWholeInstances(library: Library, expected: number): Promise<void> {
  const present = library.presentInstances(sops);
  expect(present.size).toBe(expected);
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (!/\.(db|db-wal|db-shm|sqlite|json|key)$/i.test(e.name) && !/^(library|lumen)/i.test(e.name)) files.push(p);
    }
  };
  const received = path.join(library.dir, 'pacs');
  if (fs.existsSync(received)) walk(received);
  expect(files).toHaveLength(expected);
  const uids = new Set<string>();
  for (const file of files) {
    const parsed = await parseDicomFile(file);
    uids.add(parsed.meta.sopInstanceUid);
  }
  expect([...uids].sort()).toEqual([...present].sort());
}

describe('the PACS stops in the middle of a retrieve and comes back', () => {
  for (const protocol of ['dicomweb', 'dimse'] as const) {
    it(`${protocol}: what arrived is kept whole, the retrieve says why it stopped, and the next one fetches only the rest`, async () => {
      const library = freshLibrary(`stop-${protocol}`);
      const connection = protocol === 'dicomweb' ? web() : dimse();
      const creds = protocol === 'dicomweb' ? credentials() : null;
      let halting: Promise<void> | undefined;
      const first = await retrieveStudy(connection, creds, { studyUid: study.studyUid }, library, {
        timeoutMs: 5000,
        onProgress: (done) => {
          // Orthanc is killed (as a crash would end it) once a few instances are in.
          if (done >= 8 && !halting) halting = orthanc.halt('SIGKILL');
        },
      });
      await halting;
      closers.push(() => orthanc.restart()); // if an expectation below fails, the next tests still have a server
      expect(halting, 'the retrieve ended before any instance arrived').toBeDefined();
      expect(first.stopped).toMatch(protocol === 'dicomweb' ? /cannot reach PACS "web" at .* to retrieve an instance/ : /the connection to PACS "dimse" \(ORTHANC at 127\.0\.0\.1:\d+\) (failed|closed before it finished) when asked to retrieve the study/);
      expect(first.received).toBeGreaterThanOrEqual(8);
      expect(first.received).toBeLessThan(INSTANCES);
      // What the stop left unfetched is not fetched, not failed (H, session 21).
      expect(first.failed).toBe(0);
      expect(first.notFetched).toBe(INSTANCES - first.received);
      await expectOnlyWholeInstances(library, first.received);

      closers.pop();
      await orthanc.restart();
      const second = await retrieveStudy(connection, creds, { studyUid: study.studyUid }, library, { timeoutMs: 10_000 });
      expect(second).toMatchObject({ listed: INSTANCES, alreadyPresent: first.received, received: INSTANCES - first.received, failed: 0, stopped: null });
      await expectOnlyWholeInstances(library, INSTANCES);
    }, 120_000);
  }
});

describe('a PACS that hangs', () => {
  it('dimse: a peer that accepts the connection and never answers times out with a clear message; nothing is filed', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      silent.close(() => resolve());
    }));
    const library = freshLibrary('hang-dimse');
    const started = Date.now();
    await expect(retrieveStudy(dimse((silent.address() as net.AddressInfo).port), null, { studyUid: study.studyUid }, library, { timeoutMs: 1500 })).rejects.toThrow(/did not answer within 1\.5 s/);
    expect(Date.now() - started).toBeLessThan(60_000); // bounded: it did not wait forever
    await expectOnlyWholeInstances(library, 0);
  }, 90_000);

  it('dicomweb: a server that stalls in the middle of an instance times out; the instances that came whole are kept', async () => {
    // In front of Orthanc: searches pass; the first three instances pass whole; every later one
    // sends its headers and half its body, then nothing more.
    let served = 0;
    const open = new Set<http.ServerResponse>();
    const proxy = http.createServer(async (req, res) => {
      const upstream = await fetch(orthanc.url + req.url, { headers: { accept: req.headers.accept ?? '*/*', authorization: req.headers.authorization ?? '' } });
      const body = new Uint8Array(await upstream.arrayBuffer());
      const instance = /\/instances\/[0-9.]+$/.test(req.url ?? '');
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream', 'content-length': String(body.length) });
      if (!instance || served++ < 3) {
        res.end(body);
        return;
      }
      open.add(res);
      res.write(body.subarray(0, body.length >> 1));
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => {
      for (const r of open) r.destroy();
      proxy.closeAllConnections();
      proxy.close(() => resolve());
    }));
    const library = freshLibrary('hang-web');
    const port = (proxy.address() as net.AddressInfo).port;
    const report = await retrieveStudy(web(`http://127.0.0.1:${port}/dicom-web`), credentials(), { studyUid: study.studyUid }, library, { timeoutMs: 2000 });
    expect(report.stopped).toMatch(/PACS "web" did not answer within 2 s when asked to retrieve an instance/);
    expect(report.received).toBe(3);
    await expectOnlyWholeInstances(library, 3);
  }, 90_000);

  it('dimse: a server that stalls in the middle of the C-GET times out; the instances that came whole are kept', async () => {
    // A TCP relay in front of Orthanc's DICOM port: the first association (the C-FIND that lists
    // the study) passes; on the second (the C-GET) Orthanc's side is passed on up to a point
    // in the middle of the transfer, then nothing more.
    const LIMIT = 40_000;
    let connections = 0;
    const sockets: net.Socket[] = [];
    const relay = net.createServer((client) => {
      const index = connections++;
      const server = net.connect(orthanc.dicomPort, '127.0.0.1');
      sockets.push(client, server);
      let passed = 0;
      client.on('data', (d) => server.write(d));
      server.on('data', (d: Buffer) => {
        if (index === 0) return void client.write(d);
        const room = LIMIT - passed;
        if (room > 0) client.write(d.subarray(0, room));
        passed += d.length;
      });
      client.on('error', () => server.destroy());
      server.on('error', () => client.destroy());
      client.on('close', () => server.destroy());
    });
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      relay.close(() => resolve());
    }));
    const library = freshLibrary('stall-dimse');
    const report = await retrieveStudy(dimse((relay.address() as net.AddressInfo).port), null, { studyUid: study.studyUid }, library, { timeoutMs: 2000 });
    expect(report.stopped).toMatch(/PACS "dimse" \(ORTHANC at 127\.0\.0\.1:\d+\) did not answer within 2 s when asked to retrieve the study/);
    expect(report.received).toBeGreaterThan(0);
    expect(report.received).toBeLessThan(INSTANCES);
    await expectOnlyWholeInstances(library, report.received);
  }, 90_000);
});
