// A study past the instance listing's bound is retrieved series by series without first reading a
// study-wide instance listing that is thrown away: Lumen asks the PACS what the study holds (its
// series with their instance counts) and goes series by series at once when the counts pass the
// bound; a PACS that gives no counts gets today's path (the study listed whole, then series by
// series). A real Orthanc holds a study written by dcmtk (11 instances in series of 4, 4 and 3),
// the bound lowered to 5 (`maxListed`). What Lumen asks is counted at loopback proxies in front of
// Orthanc: over DIMSE each association's C-FIND (its Query/Retrieve Level and Series Instance UID
// key, read from the PDUs) and the answers Orthanc sends back; over DICOMweb each QIDO-RS request.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import type { DicomWebConnection, DimseConnection } from '../../electron/pacs/connections';
import { retrieveStudy } from '../../electron/pacs/retrieve';
import { writeSlice } from '../library/fixtures';
import { usePacsFixture } from './support';

const LISTED = 5;
const STUDY = '1.2.826.0.1.3680043.10.543.97.1';
const SIZES = [4, 4, 3];
const INSTANCES = SIZES.reduce((a, b) => a + b, 0);

// Orthanc knows LUMEN: it may find and get.
const pacs = usePacsFixture('retrieve-list-first', { orthanc: { modalities: { lumen: { aet: 'LUMEN', port: 1 } } } });
const scratch = pacs.scratch;
const libraries: Library[] = [];
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  const dir = path.join(scratch, 'dicom');
  fs.mkdirSync(dir);
  for (const [s, size] of SIZES.entries()) {
    for (let i = 1; i <= size; i++) {
      const file = path.join(dir, `${s + 1}-${i}.dcm`);
      writeSlice(file, { patientName: 'LIST^FIRST', patientId: 'LIST1', studyUid: STUDY, seriesUid: `${STUDY}.${s + 1}`, sopUid: `${STUDY}.${s + 1}.${i}`, seriesNumber: s + 1, instanceNumber: i, z: i, rows: 8, columns: 8 });
      await pacs.orthanc.store(fs.readFileSync(file));
    }
  }
}, 120_000);

afterAll(async () => {
  for (const library of libraries) library.close();
  for (const close of closers) await close();
});

function openLibrary(name: string): Library {
  const library = Library.open(path.join(scratch, name));
  libraries.push(library);
  return library;
}

/** One C-FIND association as the relay saw it: the level and Series Instance UID key asked, and Orthanc's pending answers. */
interface Find {
  level: string;
  seriesKey: string;
  answers: number;
}

/** The value of element (group,element) in a little endian data set fragment (explicit or implicit VR), or null. */
function element(data: Buffer, group: number, elem: number): string | null {
  const tag = Buffer.alloc(4);
  tag.writeUInt16LE(group, 0);
  tag.writeUInt16LE(elem, 2);
  const at = data.indexOf(tag);
  if (at < 0 || at + 8 > data.length) return null;
  const explicit = /^[A-Z]{2}$/.test(data.toString('latin1', at + 4, at + 6));
  const length = explicit ? data.readUInt16LE(at + 6) : data.readUInt32LE(at + 4);
  return data.toString('latin1', at + 8, at + 8 + length).replace(/[\0 ]+$/, '');
}

/** Splits a stream of PDUs into P-DATA-TF value items: (message control header, bytes). */
function pdvReader(onPdv: (control: number, data: Buffer) => void): (chunk: Buffer) => void {
  let pending = Buffer.alloc(0);
  return (chunk) => {
    pending = Buffer.concat([pending, chunk]);
    while (pending.length >= 6) {
      const length = pending.readUInt32BE(2);
      if (pending.length < 6 + length) return;
      const type = pending[0];
      const body = pending.subarray(6, 6 + length);
      pending = pending.subarray(6 + length);
      if (type !== 0x04) continue;
      for (let at = 0; at + 6 <= body.length; ) {
        const itemLength = body.readUInt32BE(at);
        onPdv(body[at + 5], body.subarray(at + 6, at + 4 + itemLength));
        at += 4 + itemLength;
      }
    }
  };
}

/** A TCP relay in front of Orthanc's DICOM port that records each association's C-FIND. */
async function dimseRelay(): Promise<{ port: number; finds: Find[] }> {
  const finds: Find[] = [];
  const relay = net.createServer((client) => {
    const server = net.connect(pacs.orthanc.dicomPort, '127.0.0.1');
    let find: Find | null = null;
    let command: number | null = null;
    const fromClient = pdvReader((control, data) => {
      // The first command (bit 0 set; implicit VR): its Command Field (0000,0100), 0x0020 for C-FIND-RQ.
      if ((control & 1) === 1 && command === null) {
        const at = data.indexOf(Buffer.from([0x00, 0x00, 0x00, 0x01]));
        if (at >= 0 && at + 10 <= data.length) command = data.readUInt16LE(at + 8);
      }
      // Then its data set (bit 0 clear): a C-FIND's identifier names its level.
      if ((control & 1) === 0 && find === null && command === 0x0020) {
        const level = element(data, 0x0008, 0x0052);
        if (level !== null) {
          find = { level, seriesKey: element(data, 0x0020, 0x000e) ?? '', answers: 0 };
          finds.push(find);
        }
      }
    });
    const fromServer = pdvReader((control, data) => {
      // Each pending C-FIND answer carries a data set: count their last fragments.
      if (find !== null && (control & 3) === 2 && data.length > 0) find.answers++;
    });
    client.on('data', (d: Buffer) => {
      fromClient(d);
      server.write(d);
    });
    server.on('data', (d: Buffer) => {
      fromServer(d);
      client.write(d);
    });
    client.on('error', () => server.destroy());
    server.on('error', () => client.destroy());
    client.on('close', () => server.destroy());
    server.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => relay.close(() => resolve())));
  return { port: (relay.address() as net.AddressInfo).port, finds };
}

/** An HTTP proxy in front of Orthanc that records each QIDO-RS route; `withoutCounts` drops the series' instance counts (00201209) from series listings. */
async function webProxy(withoutCounts: boolean): Promise<{ url: string; searches: string[] }> {
  const searches: string[] = [];
  const orthanc = pacs.orthanc;
  const proxy = http.createServer((req, res) => {
    void (async () => {
      const route = new URL(req.url ?? '/', 'http://proxy').pathname;
      const answer = await fetch(orthanc.url + (req.url ?? '/'), { headers: { authorization: req.headers.authorization ?? '', accept: req.headers.accept ?? '*/*' }, signal: AbortSignal.timeout(30_000) });
      const body = Buffer.from(await answer.arrayBuffer());
      if (/\/(series|instances)$/.test(route)) searches.push(route.replace(`/dicom-web/studies/${STUDY}`, ''));
      if (withoutCounts && route.endsWith('/series') && answer.ok) {
        const series = (JSON.parse(body.toString('utf8')) as Record<string, unknown>[]).map((s) => Object.fromEntries(Object.entries(s).filter(([tag]) => tag !== '00201209')));
        res.writeHead(answer.status, { 'content-type': 'application/dicom+json' });
        res.end(JSON.stringify(series));
        return;
      }
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/octet-stream' });
      res.end(body);
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise<void>((resolve) => proxy.close(() => resolve())));
  return { url: `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}/dicom-web`, searches };
}

/** Each series' own instance listing, as the DICOMweb proxy records it. */
const perSeries = SIZES.map((_, s) => `/series/${STUDY}.${s + 1}/instances`);
const whole = { listed: INSTANCES, received: INSTANCES, alreadyPresent: 0, failed: 0, errors: [], stopped: null };

describe('a study past the listing bound: its series asked for first', () => {
  it('C-GET: no study-wide instance listing; each instance listed once, series by series', async () => {
    const relay = await dimseRelay();
    const connection: DimseConnection = { name: 'orthanc', kind: 'dimse', calledAet: pacs.orthanc.aet, host: '127.0.0.1', port: relay.port, callingAet: 'LUMEN' };
    const library = openLibrary('dimse');
    const report = await retrieveStudy(connection, null, { studyUid: STUDY }, library, { timeoutMs: 20_000, maxListed: LISTED, via: 'get' });
    expect(report).toMatchObject(whole);
    const listings = relay.finds.filter((f) => f.level === 'IMAGE');
    // Before: an IMAGE-level C-FIND of the whole study (no series key) whose answers were thrown away.
    expect(listings.filter((f) => f.seriesKey === ''), JSON.stringify(relay.finds)).toEqual([]);
    expect(listings.map((f) => f.seriesKey).sort()).toEqual(SIZES.map((_, s) => `${STUDY}.${s + 1}`));
    expect(listings.reduce((sum, f) => sum + f.answers, 0)).toBe(INSTANCES);
    // The series, with their counts, asked once.
    expect(relay.finds.filter((f) => f.level === 'SERIES')).toEqual([{ level: 'SERIES', seriesKey: '', answers: SIZES.length }]);
  }, 120_000);

  it('DICOMweb: the series listing, then each series’ instances; the study’s instances never listed', async () => {
    const proxy = await webProxy(false);
    const web: DicomWebConnection = { name: 'web', kind: 'dicomweb', url: proxy.url, auth: 'basic' };
    const library = openLibrary('web');
    const report = await retrieveStudy(web, { user: pacs.orthanc.user, password: pacs.orthanc.password }, { studyUid: STUDY }, library, { timeoutMs: 20_000, maxListed: LISTED });
    expect(report).toMatchObject(whole);
    // Orthanc lists the series in an order of its own.
    expect(proxy.searches.slice(0, 1)).toEqual(['/series']);
    expect(proxy.searches.slice(1).sort()).toEqual(perSeries);
  }, 120_000);

  it('a PACS that gives no instance counts: the study listed whole first, as before, then series by series', async () => {
    const proxy = await webProxy(true);
    const web: DicomWebConnection = { name: 'web', kind: 'dicomweb', url: proxy.url, auth: 'basic' };
    const library = openLibrary('web-no-counts');
    const report = await retrieveStudy(web, { user: pacs.orthanc.user, password: pacs.orthanc.password }, { studyUid: STUDY }, library, { timeoutMs: 20_000, maxListed: LISTED });
    expect(report).toMatchObject(whole);
    expect(proxy.searches.slice(0, 2)).toEqual(['/series', '/instances']);
    expect(proxy.searches.slice(2).sort()).toEqual(perSeries);
  }, 120_000);

  it('a study within the bound by its counts: listed whole, one listing of its instances', async () => {
    const proxy = await webProxy(false);
    const web: DicomWebConnection = { name: 'web', kind: 'dicomweb', url: proxy.url, auth: 'basic' };
    const library = openLibrary('web-small');
    const report = await retrieveStudy(web, { user: pacs.orthanc.user, password: pacs.orthanc.password }, { studyUid: STUDY }, library, { timeoutMs: 20_000 });
    expect(report).toMatchObject(whole);
    expect(proxy.searches).toEqual(['/series', '/instances']);
  }, 120_000);
});
