// What a DIMSE sender can make Lumen's C-STORE receiver hold in memory is bounded: an instance
// past the per-instance bound, or past what all senders together may have in flight, is refused
// with a DIMSE failure status (0xA700) and a line naming the sender's AE title (no patient data),
// and the next instance on the same association is filed; a PDU that declares more than Lumen
// reads ends the connection before it is gathered. The sender is dcmjs-dimse's own Client.
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dimse from 'dcmjs-dimse';
import { Library } from '../../electron/library/library';
import { DimseClient } from '../../electron/pacs/dimse';
import { startReceiver } from '../../electron/pacs/listen';
import { MAX_PDU_BYTES, type ReceiveLimits, receivedBytesHeld } from '../../electron/pacs/receive-bounds';
import { AcceptingScp, CLIENT_TIMEOUTS, secondaryCapture, storeAll } from '../support/dimse-peer';
import { freePort } from '../support/orthanc';

const { Client, requests, responses, constants } = dimse;
dimse.log.setLevel('silent');
const ROOT = '1.2.826.0.1.3680043.10.543.91';
const KIB = 1024;

const CAPTURE = { study: `${ROOT}.1`, series: `${ROOT}.2`, patientId: 'BOUND1', patientName: 'Large^Sender' };
const instance = (sop: string, side: number) => secondaryCapture(CAPTURE, sop, side);

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'lumen-receive-bounds-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function receiving(name: string, limits: ReceiveLimits) {
  const library = Library.open(path.join(scratch, name));
  const lines: string[] = [];
  const port = await freePort();
  const receiver = await startReceiver(library, { aet: 'LUMENRX', port, host: '127.0.0.1', allowed: new Set(['SENDER']), onEvent: (line) => lines.push(line), limits });
  return {
    port,
    lines,
    receiver,
    library,
    async close() {
      await receiver.close();
      library.close();
    },
  };
}

describe('the C-STORE receiver bounds what a sender can make it hold', () => {
  it('refuses an instance past the per-instance bound with 0xA700, naming the sender, and files the next one', async () => {
    const rx = await receiving('per-instance', { instanceBytes: 128 * KIB, totalBytes: 4096 * KIB });
    try {
      const statuses = await storeAll(rx.port, [instance(`${ROOT}.3.1`, 512), instance(`${ROOT}.3.2`, 8)]);
      expect(statuses).toEqual([0xa700, 0x0000]);
      await rx.receiver.close();
      expect(rx.receiver.counts()).toMatchObject({ received: 1, failed: 1 });
      const refusal = rx.lines.find((l) => l.startsWith('refused an instance'));
      expect(refusal).toBe('refused an instance from "SENDER": it is larger than 128 KiB, the most Lumen receives in one instance (status 0xA700 sent; nothing of it was kept).');
      expect(rx.lines.join('\n')).not.toMatch(/Large|Sender\^|BOUND1/);
      expect(receivedBytesHeld()).toBe(0);
    } finally {
      await rx.close();
    }
  }, 60_000);

  it('refuses an instance that would take all senders together past the total bound', async () => {
    const rx = await receiving('total', { instanceBytes: 4096 * KIB, totalBytes: 64 * KIB });
    try {
      const statuses = await storeAll(rx.port, [instance(`${ROOT}.4.1`, 512), instance(`${ROOT}.4.2`, 8)]);
      expect(statuses).toEqual([0xa700, 0x0000]);
      expect(rx.lines.find((l) => l.startsWith('refused an instance'))).toMatch(/^refused an instance from "SENDER": Lumen was already receiving \d+ [KM]iB of instances at once \(its limit is 64 KiB\); the sender may send it again later/);
      expect(receivedBytesHeld()).toBe(0);
    } finally {
      await rx.close();
    }
  }, 60_000);

  it('ends the connection of a peer that declares a PDU longer than it reads, before gathering it', async () => {
    const rx = await receiving('pdu', { instanceBytes: 4096 * KIB, totalBytes: 4096 * KIB });
    try {
      const socket = net.connect(rx.port, '127.0.0.1');
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      // A P-DATA-TF PDU (type 4) declaring 2 GiB - 1, then its first megabyte.
      const header = Buffer.from([0x04, 0x00, 0x7f, 0xff, 0xff, 0xff]);
      socket.write(Buffer.concat([header, Buffer.alloc(1024 * KIB)]));
      await closed;
      expect(rx.lines).toContain(`ended the connection from 127.0.0.1: it sent a PDU of 2147483647 bytes, more than the ${MAX_PDU_BYTES} Lumen reads.`);
    } finally {
      await rx.close();
    }
  }, 60_000);

  it('a C-GET refuses an instance past the bound with 0xA700, says which PACS sent it, and files the next', async () => {
    // The PACS: answers a C-GET with a large instance, then a small one, as C-STORE sub-operations.
    const statuses: number[] = [];
    class SendingScp extends AcceptingScp {
      override cGetRequest(request: any, callback: (r: any[]) => void): void {
        const stores = [instance(`${ROOT}.5.1`, 512), instance(`${ROOT}.5.2`, 8)].map((d) => new requests.CStoreRequest(d));
        let left = stores.length;
        for (const store of stores) {
          store.on('response', (response: any) => {
            statuses.push(response.getStatus());
            if (--left > 0) return;
            const done = responses.CGetResponse.fromRequest(request);
            done.setStatus(constants.Status.Success);
            callback([done]);
          });
        }
        (this as any).sendRequests(stores);
      }
    }
    const sockets: net.Socket[] = [];
    const server = net.createServer((socket) => {
      sockets.push(socket);
      const scp = new SendingScp(socket, {});
      scp.on('networkError', () => socket.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as net.AddressInfo).port;
      const client = new DimseClient({ name: 'big-sender', kind: 'dimse', calledAet: 'BIGPACS', host: '127.0.0.1', port, callingAet: 'LUMEN' }, { timeoutMs: 20_000, limits: { instanceBytes: 128 * KIB, totalBytes: 4096 * KIB } });
      const stored: unknown[] = [];
      const refused: string[] = [];
      await client.get({ studyUid: `${ROOT}.1` }, async (file) => void stored.push(file), undefined, (reason) => refused.push(reason));
      expect(statuses).toEqual([0xa700, 0x0000]);
      expect(stored).toHaveLength(1);
      expect(refused).toEqual(['PACS "big-sender" (BIGPACS) sent an instance Lumen refused: it is larger than 128 KiB, the most Lumen receives in one instance.']);
      expect(receivedBytesHeld()).toBe(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  }, 60_000);
});

describe('the receiver bounds a data set that is not an instance', () => {
  it('a C-ECHO carrying a 15 MiB data set ends the connection at 1 MiB, saying so', async () => {
    const rx = await receiving('identifier', { instanceBytes: 1024 * KIB, totalBytes: 4096 * KIB });
    try {
      const echo = new requests.CEchoRequest();
      // A peer may attach a data set to any command; dcmjs-dimse would gather it whole, across PDUs.
      echo.setDataset(new dimse.Dataset({ PatientComments: 'C'.repeat(15 * 1024 * KIB) }, constants.TransferSyntax.ImplicitVRLittleEndian));
      const closed = await new Promise<boolean>((resolve) => {
        const client = new Client();
        client.addRequest(echo);
        client.on('networkError', () => resolve(true));
        client.on('closed', () => resolve(true));
        client.send('127.0.0.1', rx.port, 'SENDER', 'LUMENRX', CLIENT_TIMEOUTS);
      });
      expect(closed).toBe(true);
      expect(rx.lines.find((l) => l.startsWith('ended the connection'))).toMatch(/^ended the connection from 127\.0\.0\.1: it sent a data set other than an instance of \d+ bytes or more, past the 1048576 Lumen reads\.$/);
      expect(rx.receiver.counts()).toMatchObject({ refusedAssociations: 1, received: 0 });
    } finally {
      await rx.close();
    }
  }, 60_000);
});
