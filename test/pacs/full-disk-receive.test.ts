// The C-STORE receiver on a library whose disk is full (a real tmpfs, test/support/small-disk.ts):
// each instance it cannot write is answered 0xA700 (out of resources: the sender may try again
// later, not "this data set cannot be filed"), nothing half-written is left in the library folder,
// the error names the folder and the disk, and once space is freed the same instances are filed.
// A WADO-RS retrieve whose disk fills while an instance streams into pacs-incoming/ stops, says
// why, leaves no temporary file, and fetches the instance when run again after space is freed.
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import dimse from 'dcmjs-dimse';
import { Library } from '../../electron/library/library';
import { InstanceFiler } from '../../electron/pacs/filer';
import { startReceiver } from '../../electron/pacs/listen';
import { retrieveStudy } from '../../electron/pacs/retrieve';
import { dicomBytes, imageElements } from '../support/dicom/write';
import { freePort } from '../support/orthanc';
import { secondaryCapture, storeAll } from '../support/dimse-peer';
import { smallDiskForTests, smallDiskSkip } from '../support/small-disk';

dimse.log.setLevel('silent');
const ROOT = '1.2.826.0.1.3680043.10.543.97';

const CAPTURE = { study: `${ROOT}.1`, series: `${ROOT}.2`, patientId: 'FULL1', patientName: 'Full^Disk' };
const instance = (sop: string) => secondaryCapture(CAPTURE, sop, 256);

/** Every file under `dir`, relative. */
function filesUnder(dir: string): string[] {
  return fs.existsSync(dir) ? (fs.readdirSync(dir, { recursive: true, withFileTypes: true }) as fs.Dirent[]).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name))) : [];
}

const disk = smallDiskForTests('full-disk-receive');

describe.skipIf(smallDiskSkip)(`the C-STORE receiver on a full disk${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('answers 0xA700, leaves no partial file, names the folder, and files the instances once space is freed', async () => {
    const library = Library.open(path.join(disk.dir, 'library'));
    const port = await freePort();
    const filer = new InstanceFiler(library);
    const receiver = await startReceiver(library, { aet: 'LUMENRX', port, host: '127.0.0.1', allowed: new Set(['SENDER']), filer });
    try {
      disk.fill(0);
      const full = await storeAll(port, [instance(`${ROOT}.3.1`), instance(`${ROOT}.3.2`)]);
      expect(full).toEqual([0xa700, 0xa700]);
      const pacs = path.join(library.dir, 'pacs');
      expect(filesUnder(pacs)).toEqual([]);
      expect(filesUnder(path.join(library.dir, 'pacs-incoming'))).toEqual([]);
      expect(receiver.counts()).toMatchObject({ failed: 2 });
      const reasons = filer.errors.map((e) => e.reason).join('\n');
      expect(reasons).toContain(`cannot write it into the library folder ${pacs}: the disk is full.`);
      expect(reasons).not.toMatch(/ENOSPC|no space left/);

      disk.unfill();
      const freed = await storeAll(port, [instance(`${ROOT}.3.1`), instance(`${ROOT}.3.2`)]);
      expect(freed).toEqual([0, 0]);
      await receiver.close();
      expect(filesUnder(pacs).sort()).toEqual([`${ROOT}.1/${ROOT}.2/${ROOT}.3.1.dcm`, `${ROOT}.1/${ROOT}.2/${ROOT}.3.2.dcm`]);
      expect(library.listTree()[0].studies[0].series[0].instances).toBe(2);
    } finally {
      disk.unfill();
      await receiver.close();
      library.close();
    }
  }, 120_000);
});

const WADO = { study: `${ROOT}.5.1`, series: `${ROOT}.5.2`, sop: `${ROOT}.5.3` };
const BOUNDARY = 'lumen-full-disk-boundary';

/** A DICOMweb server that lists one instance of 128 KiB and sends it in two halves, calling `between` after the first. */
async function wadoServer(between: () => void): Promise<{ url: string; close: () => void }> {
  const bytes = dicomBytes(imageElements({ rows: 256, columns: 256, bitsAllocated: 16, pixelBytes: new Uint8Array(256 * 256 * 2).fill(3), uid: `${ROOT}.5` }));
  const server = http.createServer((req, res) => {
    if (req.url?.endsWith('/instances')) {
      res.writeHead(200, { 'content-type': 'application/dicom+json' });
      res.end(JSON.stringify([{ '00080018': { vr: 'UI', Value: [WADO.sop] }, '0020000E': { vr: 'UI', Value: [WADO.series] } }]));
      return;
    }
    res.writeHead(200, { 'content-type': `multipart/related; type="application/dicom"; boundary=${BOUNDARY}` });
    const half = bytes.length >> 1;
    res.write(Buffer.concat([Buffer.from(`--${BOUNDARY}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1'), bytes.subarray(0, half)]));
    setTimeout(() => {
      between();
      res.end(Buffer.concat([bytes.subarray(half), Buffer.from(`\r\n--${BOUNDARY}--\r\n`, 'latin1')]));
    }, 300);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}/dicom-web`, close: () => server.close() };
}

describe.skipIf(smallDiskSkip)(`a WADO-RS retrieve onto a disk that fills${smallDiskSkip ? ` (skipped: ${smallDiskSkip})` : ''}`, () => {
  it('stops saying the disk is full, leaves nothing in pacs-incoming/, and fetches the instance once space is freed', async () => {
    const library = Library.open(path.join(disk.dir, 'wado-library'));
    let fill = true;
    const server = await wadoServer(() => fill && disk.fill(0));
    const retrieve = () => retrieveStudy({ name: 'full', kind: 'dicomweb', url: server.url, auth: 'none' }, null, { studyUid: WADO.study }, library, { timeoutMs: 20_000 });
    try {
      const full = await retrieve();
      const incoming = path.join(library.dir, 'pacs-incoming');
      const pacs = path.join(library.dir, 'pacs');
      expect(full).toMatchObject({ received: 0, failed: 1 });
      expect(full.stopped).toBe(`the library folder ${pacs} could not be written: the disk is full. What was filed before is kept; free space on that disk (or make it writable), then retrieve again to fetch the rest.`);
      expect(filesUnder(incoming)).toEqual([]);
      expect(filesUnder(pacs)).toEqual([]);

      disk.unfill();
      fill = false;
      const freed = await retrieve();
      expect(freed).toMatchObject({ received: 1, failed: 0, stopped: null });
      expect(filesUnder(pacs)).toEqual([`${WADO.study}/${WADO.series}/${WADO.sop}.dcm`]);
      expect(filesUnder(incoming)).toEqual([]);
    } finally {
      disk.unfill();
      server.close();
      library.close();
    }
  }, 120_000);
});
