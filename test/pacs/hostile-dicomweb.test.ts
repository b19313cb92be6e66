// A DICOMweb server that lies, on loopback (node:http): it lists one study and sends an instance of
// another, sends another instance than the one asked for, redirects to another server, or sends
// an instance whose bytes hold the multipart boundary. Lumen files only what it asked for, under
// what it asked for, follows no redirect (so the credentials go nowhere else), and keeps every
// byte of an instance.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { retrieveStudy } from '../../electron/pacs/retrieve';
import { dicomBytes, imageElements } from '../support/dicom/write';

const ROOT = '1.2.826.0.1.3680043.10.543.77';
/** A small image whose study, series and SOP UIDs are `${uid}.1`, `.2` and `.3`; `pixels` go in as they are. */
const instance = (uid: string, pixels?: Uint8Array) => dicomBytes(imageElements({ rows: 4, columns: 4, bitsAllocated: 8, pixelBytes: pixels ?? new Uint8Array(16).fill(7), uid }));
const asked = { study: `${ROOT}.1.1`, series: `${ROOT}.1.2`, sop: `${ROOT}.1.3` };

let scratch: string;
const closers: (() => void)[] = [];
beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'lumen-hostile-web-'));
});
afterEach(() => {
  for (const close of closers.splice(0)) close();
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface Seen {
  requests: { url: string; authorization?: string }[];
}

/** A loopback DICOMweb server: QIDO lists `asked`'s one instance; `wado` answers the retrieve. */
async function lyingServer(wado: (res: http.ServerResponse) => void): Promise<{ url: string; seen: Seen }> {
  const seen: Seen = { requests: [] };
  const server = http.createServer((req, res) => {
    seen.requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    if (req.url?.endsWith('/instances')) {
      res.writeHead(200, { 'content-type': 'application/dicom+json' });
      res.end(JSON.stringify([{ '00080018': { vr: 'UI', Value: [asked.sop] }, '0020000E': { vr: 'UI', Value: [asked.series] } }]));
      return;
    }
    wado(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/dicom-web`, seen };
}

const multipart = (bytes: Buffer, boundary = 'lumen-test-boundary') => ({
  type: `multipart/related; type="application/dicom"; boundary=${boundary}`,
  body: Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
});

function answer(bytes: Buffer, boundary?: string) {
  return (res: http.ServerResponse) => {
    const m = multipart(bytes, boundary);
    res.writeHead(200, { 'content-type': m.type });
    res.end(m.body);
  };
}

let libraries = 0;
async function retrieveFrom(url: string) {
  const library = Library.open(path.join(scratch, `lib-${libraries++}`));
  closers.push(() => library.close());
  const report = await retrieveStudy({ name: 'liar', kind: 'dicomweb', url, auth: 'basic' }, { user: 'u', password: 'secret-password' }, { studyUid: asked.study }, library, { timeoutMs: 10_000 });
  const pacsDir = path.join(library.dir, 'pacs');
  const filed = existsSync(pacsDir) ? readdirSync(pacsDir, { recursive: true }).map(String) : [];
  return { report, library, filed };
}

describe('a DICOMweb server that sends something else than was asked', () => {
  it('an instance of another study is not filed, neither under the asked study nor its own', async () => {
    const { url } = await lyingServer(answer(instance(`${ROOT}.2`)));
    const { report, filed } = await retrieveFrom(url);
    expect(report.received).toBe(0);
    expect(report.failed).toBe(1);
    expect(report.errors[0]).toEqual({ sopInstanceUid: asked.sop, reason: 'the PACS sent an instance that was not filed: it belongs to another study or series than the one asked for.' });
    expect(filed).toEqual([]);
  });

  it('another instance of the asked study is not filed either', async () => {
    // Same study and series, another SOP Instance UID.
    const other = dicomBytes({ ...imageElements({ rows: 4, columns: 4, bitsAllocated: 8, pixelBytes: new Uint8Array(16), uid: `${ROOT}.1` }), 0x00080018: { vr: 'UI', value: `${ROOT}.1.99` } });
    const { url } = await lyingServer(answer(other));
    const { report, filed } = await retrieveFrom(url);
    expect(report.errors[0]?.reason).toBe('the PACS sent an instance that was not filed: it is another instance than the one asked for.');
    expect(filed).toEqual([]);
  });

  it('a redirect to another server is not followed: that server never sees a request or the credentials', async () => {
    const elsewhere = await lyingServer(answer(instance(`${ROOT}.1`)));
    const { url } = await lyingServer((res) => {
      res.writeHead(302, { location: `${elsewhere.url}/studies/${asked.study}/series/${asked.series}/instances/${asked.sop}` });
      res.end();
    });
    const { report, filed } = await retrieveFrom(url);
    expect(report.received).toBe(0);
    expect(filed).toEqual([]);
    expect(elsewhere.seen.requests).toEqual([]);
  });
});

describe('an instance whose bytes hold the multipart boundary', () => {
  it('is kept whole: only a boundary after a line break ends a part (RFC 2046)', async () => {
    const boundary = 'b0undary';
    // The pixel data holds "--b0undary" with no line break before it: content, not a delimiter.
    const pixels = new Uint8Array(16).fill(9);
    pixels.set(Buffer.from(`--${boundary}`, 'latin1'), 2);
    const bytes = instance(`${ROOT}.1`, pixels);
    const { url } = await lyingServer(answer(bytes, boundary));
    const { report, library, filed } = await retrieveFrom(url);
    expect(report.errors).toEqual([]);
    expect(report.received).toBe(1);
    expect(library.presentInstances([asked.sop]).size).toBe(1);
    expect(filed.some((f) => f.endsWith(`${asked.sop}.dcm`))).toBe(true);
  });
});
