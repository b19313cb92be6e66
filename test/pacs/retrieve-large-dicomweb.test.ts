// Over DICOMweb a study's instance listing (QIDO-RS) is read up to 64 MiB of JSON: Orthanc's
// objects measure about 1.7 KiB each, so a study of some 39,000 instances passes that long before
// MAX_MATCHES.instances. Such a study is retrieved series by series, as one past the count is.
// A loopback proxy in front of a real Orthanc (studies written by dcmtk) answers the study-level
// instance listing with Orthanc's own objects repeated past 64 MiB, as Orthanc would for a study of
// 40,000 instances; everything else (the series listing, each series' instances, WADO-RS) is
// Orthanc's answer, passed through.
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Library } from '../../electron/library/library';
import type { DicomWebConnection } from '../../electron/pacs/connections';
import { retrieveStudy } from '../../electron/pacs/retrieve';
import { writeSlice } from '../library/fixtures';
import { usePacsFixture } from './support';

const STUDY = '1.2.826.0.1.3680043.10.543.93.1';
const SIZES = [3, 3, 2];
const PAST_JSON_BOUND = 65 * 1024 * 1024;

const pacs = usePacsFixture('retrieve-large-dicomweb');
const scratch = pacs.scratch;
let proxy: http.Server;
let proxyUrl: string;
let studyListings = 0;
let library: Library;

beforeAll(async () => {
  const dir = path.join(scratch, 'dicom');
  fs.mkdirSync(dir);
  for (const [s, size] of SIZES.entries()) {
    for (let i = 1; i <= size; i++) {
      const file = path.join(dir, `${s + 1}-${i}.dcm`);
      writeSlice(file, { patientName: 'LONG^LISTING', patientId: 'LONG1', studyUid: STUDY, seriesUid: `${STUDY}.${s + 1}`, sopUid: `${STUDY}.${s + 1}.${i}`, seriesNumber: s + 1, instanceNumber: i, rows: 8, columns: 8 });
      await pacs.orthanc.store(fs.readFileSync(file));
    }
  }
  const orthanc = pacs.orthanc;
  proxy = http.createServer((req, res) => {
    void (async () => {
      const route = new URL(req.url ?? '/', 'http://proxy').pathname;
      const answer = await fetch(orthanc.url + (req.url ?? '/'), { headers: { authorization: req.headers.authorization ?? '', accept: req.headers.accept ?? '*/*' }, signal: AbortSignal.timeout(30_000) });
      if (route === `/dicom-web/studies/${STUDY}/instances` && answer.ok) {
        // Orthanc's own objects for the study, repeated past 64 MiB, streamed.
        studyListings++;
        const objects = ((await answer.json()) as unknown[]).map((o) => JSON.stringify(o));
        res.writeHead(200, { 'content-type': 'application/dicom+json' });
        res.write('[');
        let written = 0;
        for (let n = 0; written < PAST_JSON_BOUND && !res.destroyed; n++) {
          const piece = (n === 0 ? '' : ',') + objects[n % objects.length];
          written += piece.length;
          if (!res.write(piece)) await new Promise((r) => (res.destroyed ? r(null) : res.once('drain', r).once('close', r)));
        }
        res.end(']');
        return;
      }
      // Its content type only: fetch has undone any content encoding, and the length is the body's own.
      const type = answer.headers.get('content-type');
      res.writeHead(answer.status, type ? { 'content-type': type } : {});
      if (answer.body) Readable.fromWeb(answer.body as never).pipe(res);
      else res.end();
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as net.AddressInfo).port}/dicom-web`;
  library = Library.open(path.join(scratch, 'library'));
}, 120_000);

afterAll(async () => {
  library?.close();
  proxy?.closeAllConnections();
  await new Promise((resolve) => proxy?.close(resolve));
});

describe('a DICOMweb study listing past 64 MiB of JSON', () => {
  it('is retrieved series by series, each series listed on its own', async () => {
    const web: DicomWebConnection = { name: 'web', kind: 'dicomweb', url: proxyUrl, auth: 'basic' };
    const report = await retrieveStudy(web, { user: pacs.orthanc.user, password: pacs.orthanc.password }, { studyUid: STUDY }, library, { timeoutMs: 30_000 });
    expect(report).toMatchObject({ listed: 8, received: 8, alreadyPresent: 0, failed: 0, errors: [], stopped: null });
    expect(studyListings).toBe(1);
    for (const [s, size] of SIZES.entries()) {
      const filed = fs.readdirSync(path.join(library.dir, 'pacs', STUDY, `${STUDY}.${s + 1}`)).sort();
      expect(filed).toEqual(Array.from({ length: size }, (_, i) => `${STUDY}.${s + 1}.${i + 1}.dcm`).sort());
    }
  }, 120_000);
});
