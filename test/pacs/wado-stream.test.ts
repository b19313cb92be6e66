// A WADO-RS instance is streamed into a temporary file in the library's own folder (0600) as it
// arrives, checked, then renamed into place: never held whole in memory, and never left behind
// when the answer breaks off. The split of the multipart answer as it arrives, in chunks of any
// size, keeps the same bytes as multipartParts does on a whole body.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import { multipartParts } from '../../electron/pacs/dicomweb';
import { DicomPartSplitter } from '../../electron/pacs/multipart-stream';
import { retrieveStudy } from '../../electron/pacs/retrieve';
import { dicomBytes, imageElements } from '../support/dicom/write';

const ROOT = '1.2.826.0.1.3680043.10.543.92';
const asked = { study: `${ROOT}.1.1`, series: `${ROOT}.1.2`, sop: `${ROOT}.1.3` };
const BOUNDARY = 'lumen-stream-boundary';
/** A 64 x 64 image whose pixel data holds the boundary after a line break's worth of other bytes (not after CRLF). */
function instance(): Buffer {
  const pixels = new Uint8Array(64 * 64 * 2).map((_, i) => (i * 7) & 0xff);
  pixels.set(Buffer.from(`\n--${BOUNDARY}\r\n`, 'latin1'), 1000);
  return dicomBytes(imageElements({ rows: 64, columns: 64, bitsAllocated: 16, pixelBytes: pixels, uid: `${ROOT}.1` }));
}

let scratch: string;
const closers: (() => void)[] = [];
beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'lumen-wado-stream-'));
});
afterEach(() => {
  for (const close of closers.splice(0)) close();
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('DicomPartSplitter', () => {
  it('writes the application/dicom part byte for byte, whatever the chunk sizes, as multipartParts splits the whole', () => {
    const bytes = instance();
    const type = `multipart/related; type="application/dicom"; boundary="${BOUNDARY}"`;
    const body = Buffer.concat([
      Buffer.from(`preamble\r\n--${BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1'),
      bytes,
      Buffer.from(`\r\n--${BOUNDARY}\r\nContent-Type: application/octet-stream\r\n\r\nnot this\r\n--${BOUNDARY}--\r\n`, 'latin1'),
    ]);
    const whole = Buffer.from(multipartParts(type, body)[0].bytes);
    expect(whole.equals(bytes)).toBe(true);
    for (const size of [1, 2, 3, 7, 25, 64, 1000, 4096, body.length]) {
      const out: Buffer[] = [];
      const splitter = new DicomPartSplitter(type, (c) => out.push(Buffer.from(c)));
      for (let at = 0; at < body.length; at += size) splitter.push(body.subarray(at, at + size));
      splitter.end();
      expect(Buffer.concat(out).equals(bytes), `chunks of ${size}`).toBe(true);
      expect(splitter.written).toBe(bytes.length);
    }
  });

  it('refuses an answer that is not multipart, that has no DICOM part, or that stops in the middle of one', () => {
    expect(() => new DicomPartSplitter('application/json', () => {})).toThrow(/not multipart\/related/);
    const cut = new DicomPartSplitter('multipart/related; boundary=b', () => {});
    cut.push(Buffer.from('--b\r\nContent-Type: application/dicom\r\n\r\nDICM', 'latin1'));
    expect(() => cut.end()).toThrow(/ended in the middle of an instance/);
    const none = new DicomPartSplitter('multipart/related; boundary=b', () => {});
    none.push(Buffer.from('--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n', 'latin1'));
    expect(() => none.end()).toThrow(/no application\/dicom part/);
    const endless = new DicomPartSplitter('multipart/related; boundary=b', () => {});
    expect(() => endless.push(Buffer.concat([Buffer.from('--b\r\nX-Header: ', 'latin1'), Buffer.alloc(70 * 1024, 0x41)]))).toThrow(/part headers longer than 65536 bytes/);
  });
});

/** A DICOMweb server that lists `asked` and sends its instance in two halves; `between` runs after the first half has gone out. */
async function slowServer(bytes: Buffer, between: (res: http.ServerResponse) => Promise<'finish' | 'break'>): Promise<string> {
  const server = http.createServer((req, res) => {
    if (req.url?.endsWith('/instances')) {
      res.writeHead(200, { 'content-type': 'application/dicom+json' });
      res.end(JSON.stringify([{ '00080018': { vr: 'UI', Value: [asked.sop] }, '0020000E': { vr: 'UI', Value: [asked.series] } }]));
      return;
    }
    res.writeHead(200, { 'content-type': `multipart/related; type="application/dicom"; boundary=${BOUNDARY}` });
    const head = Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1');
    const half = bytes.length >> 1;
    res.write(Buffer.concat([head, bytes.subarray(0, half)]));
    void between(res).then((next) => {
      if (next === 'break') res.socket?.destroy();
      else res.end(Buffer.concat([bytes.subarray(half), Buffer.from(`\r\n--${BOUNDARY}--\r\n`, 'latin1')]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/dicom-web`;
}

/** Waits (a few seconds at most) for a temporary file in `dir` with some bytes in it; its mode and size, or null. */
async function partFile(dir: string): Promise<{ mode: number; size: number } | null> {
  for (let i = 0; i < 100; i++) {
    const names = existsSync(dir) ? readdirSync(dir) : [];
    const part = names.find((n) => n.endsWith('.part'));
    if (part) {
      const stat = statSync(path.join(dir, part));
      if (stat.size > 0) return { mode: stat.mode & 0o777, size: stat.size };
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return null;
}

let libraries = 0;
function openLibrary() {
  const library = Library.open(path.join(scratch, `lib-${libraries++}`));
  closers.push(() => library.close());
  return library;
}
const retrieve = (url: string, library: Library) => retrieveStudy({ name: 'slow', kind: 'dicomweb', url, auth: 'none' }, null, { studyUid: asked.study }, library, { timeoutMs: 20_000 });

describe('a WADO-RS retrieve', () => {
  it('streams the instance into a 0600 temporary file in the library folder, then files it whole and leaves no temporary file', async () => {
    const bytes = instance();
    const library = openLibrary();
    const incoming = path.join(library.dir, 'pacs-incoming');
    let seen: { mode: number; size: number } | null = null;
    const url = await slowServer(bytes, async () => {
      seen = await partFile(incoming);
      return 'finish';
    });
    const report = await retrieve(url, library);
    expect(seen).toEqual({ mode: 0o600, size: expect.any(Number) });
    expect(seen!.size).toBeLessThan(bytes.length);
    expect(report).toMatchObject({ received: 1, failed: 0, stopped: null });
    const filed = path.join(library.dir, 'pacs', asked.study, asked.series, `${asked.sop}.dcm`);
    expect(readFileSync(filed).equals(bytes)).toBe(true);
    expect(readdirSync(incoming)).toEqual([]);
  }, 60_000);

  it('leaves no temporary file when the answer breaks off in the middle, and counts the instance as failed', async () => {
    const library = openLibrary();
    const incoming = path.join(library.dir, 'pacs-incoming');
    const url = await slowServer(instance(), async () => {
      await partFile(incoming);
      return 'break';
    });
    const report = await retrieve(url, library);
    expect(report.received).toBe(0);
    expect(report.failed + (report.stopped ? 1 : 0)).toBeGreaterThan(0);
    expect(readdirSync(incoming)).toEqual([]);
    expect(existsSync(path.join(library.dir, 'pacs', asked.study))).toBe(false);
  }, 60_000);
});
