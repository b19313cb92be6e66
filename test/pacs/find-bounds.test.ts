// What a PACS's answer to a query can make Lumen hold: a DIMSE peer (dcmjs-dimse's SCP on loopback)
// that answers C-FIND with more matches than Lumen reads, honouring C-CANCEL or not, or with one
// match of 15 MiB; a DICOMweb server (node:http, loopback) with too many or too large objects.
// Lumen keeps what came first, says so, and ends the association (C-CANCEL, then release or abort).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import dimse from 'dcmjs-dimse';
import type { PacsConnection } from '../../electron/pacs/connections';
import { DicomWebClient } from '../../electron/pacs/dicomweb';
import { DimseClient } from '../../electron/pacs/dimse';
import { MAX_MATCHES } from '../../electron/pacs/query';
import { runLumen } from '../support/cli';
import { AcceptingScp } from '../support/dimse-peer';

const { responses, constants } = dimse;

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

const match = (i: number, extra: Record<string, string> = {}) =>
  new dimse.Dataset(
    { StudyInstanceUID: `1.2.826.0.1.3680043.10.543.7.${i}`, SeriesInstanceUID: `1.2.826.0.1.3680043.10.543.7.${i}.1`, PatientID: 'X', StudyDate: '20250101', SeriesNumber: '1', Modality: 'CT', ...extra },
    constants.TransferSyntax.ImplicitVRLittleEndian,
  );

interface PeerLog {
  cancels: number;
  released: boolean;
  aborted: boolean;
  sent: number;
}

/**
 * A C-FIND peer on loopback. `cancel`: 'honour', it sends its `count` matches one at a time and
 * stops at a C-CANCEL, answering Cancel (as PS3.4 C.4.1.1.3 asks); 'ignore', one at a time whatever
 * Lumen says; 'all-at-once', every match in one go (dcmjs-dimse's way). `answer(i)`: the i-th match.
 */
async function findPeer(count: number, cancel: 'honour' | 'ignore' | 'all-at-once', answer: (i: number) => InstanceType<typeof dimse.Dataset> = match): Promise<{ port: number; log: PeerLog }> {
  const log: PeerLog = { cancels: 0, released: false, aborted: false, sent: 0 };
  class Peer extends AcceptingScp {
    private cancelled = false;
    override associationRequested(association: any): void {
      // Implicit VR only: 32-bit value lengths, so one match can be 15 MiB.
      for (const { id } of association.getPresentationContexts()) association.getPresentationContext(id).setResult(constants.PresentationContextResult.Accept, constants.TransferSyntax.ImplicitVRLittleEndian);
      this.sendAssociationAccept();
    }
    override associationReleaseRequested(): void {
      log.released = true;
      super.associationReleaseRequested();
    }
    override abort(): void {
      log.aborted = true;
    }
    override cCancelRequest(): void {
      log.cancels++;
      this.cancelled = true;
    }
    override cFindRequest(request: any, callback: (r: any[]) => void): void {
      const pending = (i: number) => {
        const r = responses.CFindResponse.fromRequest(request);
        r.setDataset(answer(i));
        r.setStatus(constants.Status.Pending);
        log.sent++;
        return r;
      };
      const final = (status: number) => {
        const done = responses.CFindResponse.fromRequest(request);
        done.setStatus(status);
        return done;
      };
      if (cancel === 'all-at-once') {
        callback([...Array.from({ length: count }, (_, i) => pending(i)), final(constants.Status.Success)]);
        return;
      }
      let i = 0;
      const next = () => {
        if (this.cancelled && cancel === 'honour') return callback([final(constants.Status.Cancel)]);
        if (i === count) return callback([final(constants.Status.Success)]);
        this.sendResponse(request, pending(i++));
        setImmediate(next);
      };
      next();
    }
  }
  const server = net.createServer((socket) => {
    const scp = new Peer(socket, {});
    scp.on('networkError', () => socket.destroy());
    closers.push(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return { port: (server.address() as net.AddressInfo).port, log };
}

const dimseConnection = (port: number): PacsConnection & { kind: 'dimse' } => ({ name: 'flood', kind: 'dimse', calledAet: 'FLOOD', host: '127.0.0.1', port, callingAet: 'LUMEN' });

/** Waits (bounded) until `done` holds: the peer learns of a release or an abort a moment after Lumen. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !done(); i++) await new Promise((r) => setTimeout(r, 50));
}

describe('C-FIND: more matches than Lumen reads', () => {
  // dcmjs-dimse takes a fraction of a millisecond to a few per message on each side, and the peer runs
  // in this process: the limit is lowered to 300 (maxMatches) rather than sending MAX_MATCHES.studies.
  it('a PACS that honours C-CANCEL: the first 300 studies are kept, it is cancelled and the association released', async () => {
    const peer = await findPeer(20_000, 'honour');
    const client = new DimseClient(dimseConnection(peer.port), { timeoutMs: 20_000, maxMatches: 300 });
    const found = await client.findStudies({});
    expect(found.matches).toHaveLength(300);
    expect(found.incomplete).toBe('PACS "flood" returned more than 300 studies; showing the first 300. Narrow the search (a patient, a date range, a modality).');
    await until(() => peer.log.released);
    expect(peer.log).toMatchObject({ cancels: 1, released: true, aborted: false });
    // It stopped soon after the cancel, far from its 20 000.
    expect(peer.log.sent).toBeLessThan(1_000);
  }, 120_000);

  it('a PACS that ignores C-CANCEL is aborted; what came first is kept', async () => {
    const peer = await findPeer(20_000, 'ignore');
    const client = new DimseClient(dimseConnection(peer.port), { timeoutMs: 20_000, maxMatches: 300 });
    const found = await client.findSeries('1.2.826.0.1.3680043.10.543.7');
    expect(found.matches).toHaveLength(300);
    expect(found.incomplete).toBe('PACS "flood" returned more than 300 series; showing the first 300. Retrieve the whole study, or ask the PACS administrator why it lists so many.');
    await until(() => peer.log.aborted);
    expect(peer.log).toMatchObject({ cancels: 1, released: false, aborted: true });
    // Aborted within the grace of 200 answers after the cancel, far from its 20 000.
    expect(peer.log.sent).toBeLessThan(1_000);
  }, 120_000);

  it('an instance listing (what a retrieve fetches) past the limit fails rather than retrieve part of a study', async () => {
    const peer = await findPeer(400, 'honour');
    const client = new DimseClient(dimseConnection(peer.port), { timeoutMs: 20_000, maxMatches: 300 });
    await expect(client.findInstances('1.2.826.0.1.3680043.10.543.7')).rejects.toThrow('PACS "flood" sent more than 300 matches when asked to list the instances of the study; Lumen stopped reading them. Retrieve the study series by series.');
    expect(peer.log.cancels).toBe(1);
  }, 60_000);

  it('within the limit, everything is read and nothing is said', async () => {
    const peer = await findPeer(50, 'all-at-once');
    const client = new DimseClient(dimseConnection(peer.port), { timeoutMs: 20_000, maxMatches: 300 });
    expect(await client.findStudies({})).toMatchObject({ matches: expect.arrayContaining([expect.objectContaining({ PatientID: 'X' })]), incomplete: null });
    expect(peer.log.cancels).toBe(0);
    expect(MAX_MATCHES.studies).toBe(5_000);
  });
});

describe('C-FIND: one match larger than Lumen reads', () => {
  it('a 15 MiB match ends the association before it is gathered; the three before it are kept', async () => {
    const huge = 'A'.repeat(15 * 1024 * 1024);
    const peer = await findPeer(5, 'all-at-once', (i) => match(i, i === 3 ? { PatientComments: huge } : {}));
    const client = new DimseClient(dimseConnection(peer.port), { timeoutMs: 20_000 });
    const before = process.memoryUsage().arrayBuffers;
    const found = await client.findStudies({});
    expect(found.matches.map((m) => m.StudyInstanceUID)).toEqual([0, 1, 2].map((i) => `1.2.826.0.1.3680043.10.543.7.${i}`));
    expect(found.incomplete).toBe('PACS "flood" sent a match larger than 1 MiB; Lumen stopped reading there and shows the 3 studies before it. Narrow the search, or ask the PACS administrator.');
    // The peer's own 15 MiB is in this process too; what Lumen gathered of it is at most the bound.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);
});

/** A DICOMweb server on loopback answering every QIDO-RS search with `body`; it records the URLs asked. */
async function qidoServer(body: string): Promise<{ url: string; asked: string[] }> {
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/dicom+json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/dicom-web`, asked };
}

const qidoStudy = (i: number, extra = '') => `{"0020000D":{"vr":"UI","Value":["1.2.826.0.1.3680043.10.543.8.${i}"]},"00100020":{"vr":"LO","Value":["X"]}${extra}}`;

describe('QIDO-RS: more or larger than Lumen reads', () => {
  it('twice MAX_MATCHES.studies: the first 5,000 are kept and the PACS was asked for one more than that', async () => {
    const server = await qidoServer(`[${Array.from({ length: MAX_MATCHES.studies * 2 }, (_, i) => qidoStudy(i)).join(',')}]`);
    const client = new DicomWebClient({ name: 'lister', kind: 'dicomweb', url: server.url, auth: 'none' }, null);
    const found = await client.searchStudies({});
    expect(found.matches).toHaveLength(5_000);
    expect(found.matches[4_999].StudyInstanceUID).toBe('1.2.826.0.1.3680043.10.543.8.4999');
    expect(found.incomplete).toBe('PACS "lister" returned more than 5,000 studies; showing the first 5,000. Narrow the search (a patient, a date range, a modality).');
    expect(new URL(server.asked[0], server.url).searchParams.get('limit')).toBe('5001');
  });

  it('an object of 2 MiB stops the reading; the objects before it are kept', async () => {
    const big = `,"00104000":{"vr":"LT","Value":["${'B'.repeat(2 * 1024 * 1024)}"]}`;
    const server = await qidoServer(`[${qidoStudy(0)},${qidoStudy(1, ',"00081030":{"vr":"LO","Value":["a \\"quoted\\" ]} text"]}')},${qidoStudy(2, big)},${qidoStudy(3)}]`);
    const client = new DicomWebClient({ name: 'lister', kind: 'dicomweb', url: server.url, auth: 'none' }, null);
    const found = await client.searchStudies({});
    expect(found.matches.map((m) => m.StudyDescription)).toEqual(['', 'a "quoted" ]} text']);
    expect(found.incomplete).toBe('PACS "lister" sent a match larger than 1 MiB; Lumen stopped reading there and shows the 2 studies before it. Narrow the search, or ask the PACS administrator.');
  });

  it('an answer that is not a list of objects is refused, cut short or not', async () => {
    for (const body of ['{"a":1}', `[${qidoStudy(0)},`, `[${qidoStudy(0)}] trailing`, '[1,2]']) {
      const server = await qidoServer(body);
      const client = new DicomWebClient({ name: 'lister', kind: 'dicomweb', url: server.url, auth: 'none' }, null);
      await expect(client.searchStudies({}), body).rejects.toThrow('PACS "lister" answered with something that is not a list of DICOM JSON objects when asked to query studies.');
    }
    const empty = await qidoServer('');
    expect(await new DicomWebClient({ name: 'lister', kind: 'dicomweb', url: empty.url, auth: 'none' }, null).searchStudies({})).toEqual({ matches: [], incomplete: null });
  });
});

describe('lumen pacs query: more studies than Lumen lists', () => {
  it('prints the first 5,000 and says on stderr that the PACS returned more, --json staying an array', async () => {
    const server = await qidoServer(`[${Array.from({ length: 6_000 }, (_, i) => qidoStudy(i)).join(',')}]`);
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-find-bounds-'));
    closers.push(() => rmSync(dataDir, { recursive: true, force: true }));
    writeFileSync(path.join(dataDir, 'pacs.json'), JSON.stringify({ version: 1, connections: [{ name: 'lister', kind: 'dicomweb', url: server.url, auth: 'none' }] }), { mode: 0o600 });
    const json = await runLumen(['pacs', 'query', '--pacs', 'lister', '--json'], dataDir);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toHaveLength(5_000);
    expect(json.stderr.trim()).toBe('lumen pacs query: PACS "lister" returned more than 5,000 studies; showing the first 5,000. Narrow the search (a patient, a date range, a modality), or list more with --max-studies (at most 50,000).');
    const text = await runLumen(['pacs', 'query', '--pacs', 'lister'], dataDir);
    expect(text.stdout.trim().split('\n')).toHaveLength(5_000);
    expect(text.stderr).toContain('showing the first 5,000');
  }, 120_000);
});

describe('C-GET: pending answers without end', () => {
  it('a PACS that keeps answering "pending" is stopped past the most sub-operations one request can have', async () => {
    let sent = 0;
    let aborted = false;
    class EndlessGet extends AcceptingScp {
      override abort(): void {
        aborted = true;
      }
      override cGetRequest(request: any, callback: (r: any[]) => void): void {
        const next = () => {
          if (aborted) return;
          if (sent === 5_000) {
            const done = responses.CGetResponse.fromRequest(request);
            done.setStatus(constants.Status.Success);
            return callback([done]);
          }
          const r = responses.CGetResponse.fromRequest(request);
          r.setStatus(constants.Status.Pending);
          sent++;
          this.sendResponse(request, r);
          setImmediate(next);
        };
        next();
      }
    }
    const server = net.createServer((socket) => {
      const scp = new EndlessGet(socket, {});
      scp.on('networkError', () => socket.destroy());
      closers.push(() => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    const client = new DimseClient(dimseConnection((server.address() as net.AddressInfo).port), { timeoutMs: 20_000, maxPending: 100 });
    await expect(client.get({ studyUid: '1.2.826.0.1.3680043.10.543.7' }, async () => undefined)).rejects.toThrow(/sent more than 100 pending answers to one request when asked to retrieve the study, more than it has sub-operations; Lumen ended the association\. What arrived is kept\.$/);
    await until(() => aborted);
    expect(aborted).toBe(true);
    expect(sent).toBeLessThan(1_000);
  }, 60_000);
});
