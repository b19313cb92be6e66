// A PACS that answers a query with more than anyone could page through: a DIMSE peer
// (dcmjs-dimse's SCP, on loopback) and a DICOMweb server (node:http, loopback). Lumen must stop
// reading, say so and name the PACS, not hold it all in memory and hand it to the app.
import http from 'node:http';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import dimse from 'dcmjs-dimse';
import type { PacsConnection } from '../../electron/pacs/connections';
import { DicomWebClient } from '../../electron/pacs/dicomweb';
import { DimseClient } from '../../electron/pacs/dimse';
import { MAX_MATCHES } from '../../electron/pacs/query';

const { Scp, responses, constants } = dimse;

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/**
 * A DIMSE peer on loopback whose C-FIND answers `count` pending matches, then success (dcmjs-dimse's
 * SCP answers a request once, with every response at once: a peer as big as the limit and a bit).
 */
async function floodingFindPeer(count: number): Promise<{ port: number }> {
  class FloodingScp extends Scp {
    override associationRequested(association: any): void {
      for (const { id } of association.getPresentationContexts()) association.getPresentationContext(id).setResult(constants.PresentationContextResult.Accept, constants.TransferSyntax.ImplicitVRLittleEndian);
      this.sendAssociationAccept();
    }
    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
    }
    override cFindRequest(request: any, callback: (r: any[]) => void): void {
      const batch = [];
      for (let i = 0; i < count; i++) {
        const r = responses.CFindResponse.fromRequest(request);
        r.setDataset(new dimse.Dataset({ StudyInstanceUID: `1.2.826.0.1.3680043.10.543.9.${i}`, SeriesInstanceUID: `1.2.826.0.1.3680043.10.543.9.${i}.1`, SOPInstanceUID: `1.2.826.0.1.3680043.10.543.9.${i}.1.1`, PatientID: 'X', StudyDate: '20250101', SeriesNumber: '1', Modality: 'CT' }));
        r.setStatus(constants.Status.Pending);
        batch.push(r);
      }
      const done = responses.CFindResponse.fromRequest(request);
      done.setStatus(constants.Status.Success);
      callback([...batch, done]);
    }
  }
  const server = net.createServer((socket) => {
    const scp = new FloodingScp(socket, {});
    scp.on('networkError', () => socket.destroy());
    closers.push(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return { port: (server.address() as net.AddressInfo).port };
}

const dimseConnection = (port: number): PacsConnection & { kind: 'dimse' } => ({ name: 'endless', kind: 'dimse', calledAet: 'ENDLESS', host: '127.0.0.1', port, callingAet: 'LUMEN' });

describe('a DIMSE peer whose C-FIND answers more than Lumen reads', () => {
  // dcmjs-dimse takes milliseconds per message on each side, and the peer runs in this process:
  // the limit is lowered to 300 (maxMatches) rather than sending MAX_MATCHES.studies.
  it('a study query, a series listing and an instance listing stop at the limit, naming the PACS and what to do', async () => {
    const peer = await floodingFindPeer(400);
    const client = new DimseClient(dimseConnection(peer.port), { timeoutMs: 20_000, maxMatches: 300 });
    await expect(client.findStudies({})).rejects.toThrow('PACS "endless" sent more than 300 matches when asked to query studies; Lumen stopped reading them. Narrow the search');
    await expect(client.findSeries('1.2.826.0.1.3680043.10.543.9')).rejects.toThrow('sent more than 300 matches when asked to list the series of the study');
    await expect(client.findInstances('1.2.826.0.1.3680043.10.543.9')).rejects.toThrow('sent more than 300 matches when asked to list the instances of the study; Lumen stopped reading them. Retrieve the study series by series.');
  }, 120_000);

  it('a peer within the limit is read whole', async () => {
    const peer = await floodingFindPeer(50);
    const client = new DimseClient(dimseConnection(peer.port), { timeoutMs: 20_000, maxMatches: 300 });
    expect(await client.findStudies({})).toHaveLength(50);
    expect(MAX_MATCHES.studies).toBeGreaterThanOrEqual(10_000);
  });
});

describe('a DICOMweb server that lists too much', () => {
  it('a QIDO-RS answer with more studies than MAX_MATCHES.studies is refused, not handed on', async () => {
    // Small objects: 20 000 studies in well under the 64 MB byte limit.
    const study = (i: number) => `{"0020000D":{"vr":"UI","Value":["1.2.826.0.1.3680043.10.543.8.${i}"]},"00100020":{"vr":"LO","Value":["X"]}}`;
    const body = `[${Array.from({ length: MAX_MATCHES.studies * 2 }, (_, i) => study(i)).join(',')}]`;
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/dicom+json' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => server.close());
    const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/dicom-web`;
    const client = new DicomWebClient({ name: 'lister', kind: 'dicomweb', url, auth: 'none' }, null);
    await expect(client.searchStudies({})).rejects.toThrow(`PACS "lister" sent more than ${MAX_MATCHES.studies} matches when asked to query studies`);
  });
});
