// A DIMSE peer (dcmjs-dimse's SCP, on loopback) that lists one instance of a study and, asked to
// send it by C-GET, sends it and more: other instances of the same study it never listed (as a
// peer could, without end, until the disk is full). Lumen files what the listing named and
// nothing else.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import dimse from 'dcmjs-dimse';
import { Library } from '../../electron/library/library';
import { retrieveStudy } from '../../electron/pacs/retrieve';
import { AcceptingScp, secondaryCapture } from '../support/dimse-peer';

const { requests, responses, constants } = dimse;
const ROOT = '1.2.826.0.1.3680043.10.543.78';
const study = `${ROOT}.1`;
const series = `${ROOT}.2`;
const listed = `${ROOT}.3.1`;
const UNLISTED = 5;

/** An instance of the study with SOP Instance UID `sop` (a 4x4 secondary capture), as a dcmjs-dimse data set. */
const dataSet = (sop: string) => secondaryCapture({ study, series, patientId: 'GET1', patientName: 'Over^Sender' }, sop, 4);

let scratch: string;
const closers: (() => void)[] = [];
beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'lumen-hostile-get-'));
});
afterEach(() => {
  for (const close of closers.splice(0)) close();
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function overSendingPeer(unlisted: number): Promise<{ port: number; sent: () => number }> {
  let sent = 0;
  class OverSendingScp extends AcceptingScp {
    override cFindRequest(request: any, callback: (r: any[]) => void): void {
      const match = responses.CFindResponse.fromRequest(request);
      match.setDataset(new dimse.Dataset({ StudyInstanceUID: study, SeriesInstanceUID: series, SOPInstanceUID: listed }));
      match.setStatus(constants.Status.Pending);
      const done = responses.CFindResponse.fromRequest(request);
      done.setStatus(constants.Status.Success);
      callback([match, done]);
    }
    override cGetRequest(request: any, callback: (r: any[]) => void): void {
      const stores = [listed, ...Array.from({ length: unlisted }, (_, i) => `${ROOT}.3.${100 + i}`)].map((sop) => new requests.CStoreRequest(dataSet(sop)));
      let left = stores.length;
      for (const store of stores) {
        store.on('response', () => {
          sent++;
          if (--left > 0) return;
          const done = responses.CGetResponse.fromRequest(request);
          done.setStatus(constants.Status.Success);
          callback([done]);
        });
      }
      (this as any).sendRequests(stores);
    }
  }
  const server = net.createServer((socket) => {
    const scp = new OverSendingScp(socket, {});
    scp.on('networkError', () => socket.destroy());
    closers.push(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  return { port: (server.address() as net.AddressInfo).port, sent: () => sent };
}

describe('a C-GET peer that sends instances it never listed', () => {
  it('files the listed instance only; the others are counted as failed and leave no file', async () => {
    const { port } = await overSendingPeer(UNLISTED);
    const library = Library.open(path.join(scratch, 'lib'));
    closers.push(() => library.close());
    const report = await retrieveStudy({ name: 'oversender', kind: 'dimse', calledAet: 'OVER', host: '127.0.0.1', port, callingAet: 'LUMEN' }, null, { studyUid: study }, library, { timeoutMs: 10_000, via: 'get' });
    expect(report.received).toBe(1);
    expect(library.presentInstances([listed]).size).toBe(1);
    expect(report.failed).toBe(UNLISTED);
    expect(report.errors[0].reason).toBe('the PACS sent an instance that was not filed: it is not one of the instances the PACS listed for this retrieve.');
    const seriesDir = path.join(library.dir, 'pacs', study, series);
    expect(existsSync(seriesDir) ? readdirSync(seriesDir) : []).toEqual([`${listed}.dcm`]);
  });

  it('one that never stops sending them is stopped after 100, saying so; the listed instance is kept', async () => {
    const peer = await overSendingPeer(400);
    const library = Library.open(path.join(scratch, 'lib-endless'));
    closers.push(() => library.close());
    const report = await retrieveStudy({ name: 'oversender', kind: 'dimse', calledAet: 'OVER', host: '127.0.0.1', port: peer.port, callingAet: 'LUMEN' }, null, { studyUid: study }, library, { timeoutMs: 10_000, via: 'get' });
    expect(report.stopped).toBe('PACS "oversender" sent more than 100 instances it had not listed for this study; Lumen stopped the retrieve. Ask its administrator why.');
    expect(report.received).toBe(1);
    expect(report.failed).toBeGreaterThan(100);
    expect(peer.sent()).toBeLessThan(400);
    expect(readdirSync(path.join(library.dir, 'pacs', study, series))).toEqual([`${listed}.dcm`]);
  }, 120_000);
});
