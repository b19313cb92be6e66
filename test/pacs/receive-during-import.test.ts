// The C-STORE receiver files what it is sent while the library is busy with an import of the
// user's (Import folder, `lumen import`): the library takes one import at a time, so the
// receiver's batch waits for that import instead of failing. Before, the library refused the
// batch ("an import ... is already running"), the rejection went unhandled, the instances stayed
// on disk unlisted and uncounted, and every later batch of the receiver failed the same way.
// The filer's batch is asked for while the import is certainly running (in the same turn of the
// event loop as the import's start); the receiver's own story, around a folder import, follows.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import dimse from 'dcmjs-dimse';
import { Library } from '../../electron/library/library';
import { InstanceFiler } from '../../electron/pacs/filer';
import { startReceiver } from '../../electron/pacs/listen';
import { secondaryCapture, storeAll } from '../support/dimse-peer';
import { freePort } from '../support/orthanc';

dimse.log.setLevel('silent');
const ROOT = '1.2.826.0.1.3680043.10.543.92';
const SENT = { study: `${ROOT}.1`, series: `${ROOT}.2`, patientId: 'RXBUSY', patientName: 'Busy^Receiver' };
const FOLDER = { study: `${ROOT}.3`, series: `${ROOT}.4`, patientId: 'RXFOLDER', patientName: 'Folder^Import' };
/** Enough files that the folder's import outlasts an association of one instance many times over. */
const FOLDER_FILES = 3000;

let scratch: string;
let folder: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(os.tmpdir(), 'lumen-receive-busy-'));
  folder = path.join(scratch, 'folder');
  mkdirSync(folder);
  for (let i = 1; i <= FOLDER_FILES; i++) secondaryCapture(FOLDER, `${ROOT}.5.${i}`, 16).toFile(path.join(folder, `${i}.dcm`));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the receiver beside an import of the user', () => {
  it('files a batch asked for while the library imports a folder, after that import, and the next batch too', async () => {
    const library = Library.open(path.join(scratch, 'filer-library'));
    try {
      const filer = new InstanceFiler(library);
      const bytes = (sop: string) => {
        const file = path.join(scratch, `${sop}.dcm`);
        secondaryCapture(SENT, sop, 8).toFile(file);
        return new Uint8Array(readFileSync(file));
      };
      expect(await filer.file(bytes(`${ROOT}.7.1`))).toBe(true);
      // Started, and the batch asked for, in one turn: the folder's import is running when the batch comes.
      const folderImport = library.importPaths([folder]);
      const batch = filer.flush();
      await batch;
      expect((await folderImport).imported).toBe(FOLDER_FILES);
      expect(filer.failed).toBe(0);
      expect(library.presentInstances([`${ROOT}.7.1`]).size).toBe(1);
      expect(await filer.file(bytes(`${ROOT}.7.2`))).toBe(true);
      await filer.flush();
      expect(library.presentInstances([`${ROOT}.7.1`, `${ROOT}.7.2`]).size).toBe(2);
      expect({ received: filer.received, failed: filer.failed, errors: filer.errors }).toEqual({ received: 2, failed: 0, errors: [] });
    } finally {
      library.close();
    }
  }, 120_000);

  it('files instances sent while the library imports a folder (on a loaded machine, perhaps after it), and the next ones too', async () => {
    const library = Library.open(path.join(scratch, 'library'));
    const lines: string[] = [];
    const port = await freePort();
    const receiver = await startReceiver(library, { aet: 'LUMENRX', port, host: '127.0.0.1', allowed: new Set(['SENDER']), onEvent: (line) => lines.push(line) });
    try {
      const folderImport = library.importPaths([folder]);
      const statuses = await storeAll(port, [secondaryCapture(SENT, `${ROOT}.6.1`, 8), secondaryCapture(SENT, `${ROOT}.6.2`, 8)]);
      expect(statuses).toEqual([0, 0]);
      expect((await folderImport).imported).toBe(FOLDER_FILES);
      // The receiver's batch is filed after the import, and said as filed.
      for (let i = 0; i < 200 && !lines.some((l) => l.startsWith('received')); i++) await new Promise((r) => setTimeout(r, 50));
      expect(lines).toContain('received 2 images from "SENDER".');
      expect(library.presentInstances([`${ROOT}.6.1`, `${ROOT}.6.2`]).size).toBe(2);
      // A later association is filed as well: nothing is left broken.
      expect(await storeAll(port, [secondaryCapture(SENT, `${ROOT}.6.3`, 8)])).toEqual([0]);
      for (let i = 0; i < 200 && lines.filter((l) => l.startsWith('received')).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
      expect(lines.filter((l) => l.startsWith('received'))).toEqual(['received 2 images from "SENDER".', 'received 1 image from "SENDER".']);
      expect(receiver.counts()).toMatchObject({ received: 3, receivedImages: 3, failed: 0 });
    } finally {
      await receiver.close();
      library.close();
    }
  }, 120_000);
});
