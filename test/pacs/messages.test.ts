// The protocol layer's failures are neutral data (a message, an advice code, the setting it
// concerns): the CLI words the advice with its flag, the app with its Settings field and
// never a "--" flag. Real peers: a TCP server that answers every association with a real
// A-ASSOCIATE-RJ (calling AE title not recognised), a port in use, a silent server.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliHint, cliWords } from '../../electron/cli/pacs-words';
import { EngineHost } from '../../electron/engine/host';
import { appHint, appWords } from '../../electron/engine/handlers/pacs-words';
import { Library } from '../../electron/library/library';
import { DimseClient } from '../../electron/pacs/dimse';
import { DicomWebClient } from '../../electron/pacs/dicomweb';
import { hostNotFound, PACS_HINT_CODES, PacsError, silentServer } from '../../electron/pacs/errors';
import { startReceiver } from '../../electron/pacs/listen';
import { checkQuery } from '../../electron/pacs/query';
import { engineRequests, lumen } from './support';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'lumen-pacs-messages-'));
/** PS3.8 9.3.4 A-ASSOCIATE-RJ: rejected-permanent (1), by the service user (1), calling AE title not recognised (3). */
const ASSOCIATE_RJ = Buffer.from([0x03, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x01, 0x01, 0x03]);
let rejecting: net.Server;
let rejectingPort: number;
let silent: net.Server;
let silentPort: number;
const sockets: net.Socket[] = [];

const listenOn = async (server: net.Server) => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
};

beforeAll(async () => {
  rejecting = net.createServer((socket) => {
    sockets.push(socket);
    socket.once('data', () => socket.end(ASSOCIATE_RJ));
  });
  rejectingPort = await listenOn(rejecting);
  silent = net.createServer((socket) => void sockets.push(socket));
  silentPort = await listenOn(silent);
});

afterAll(() => {
  for (const s of sockets) s.destroy();
  rejecting.close();
  silent.close();
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** The PacsError `action` rejects with (fails the test if it does not). */
async function pacsError(action: () => Promise<unknown> | unknown): Promise<PacsError> {
  try {
    await action();
  } catch (err) {
    if (err instanceof PacsError) return err;
    throw err;
  }
  throw new Error('no PacsError');
}

const connection = (port: number) => ({ name: 'peer', kind: 'dimse' as const, calledAet: 'PEER', host: '127.0.0.1', port, callingAet: 'LUMEN' });

describe('neutral PACS messages', () => {
  it('every advice: the app words it without a flag, the CLI with one where it has one', () => {
    for (const code of PACS_HINT_CODES) {
      const hint = { code, setting: 'connection' as const, value: 'studyDate' };
      expect(appHint(hint), code).not.toMatch(/--/);
      expect(cliHint(hint), code).not.toMatch(/Settings/);
    }
  });

  it('a refused association: the protocol layer says what happened; the CLI says --calling-aet, the app the Settings field', async () => {
    const err = await pacsError(() => new DimseClient(connection(rejectingPort), { timeoutMs: 10_000 }).echo());
    expect(err.message).toMatch(/^PACS "peer" \(PEER at 127\.0\.0\.1:\d+\) refused the association: it does not know the calling AE title "LUMEN"; ask its administrator to add it\.$/);
    expect(err.message).not.toMatch(/--|Settings/);
    expect(err.hint).toEqual({ code: 'calling-aet-unknown', setting: 'callingAet', value: 'LUMEN' });
    expect(cliWords(err.message, err.hint)).toMatch(/ask its administrator to add it, or set --calling-aet\.$/);
    expect(appWords(err.message, err.hint)).toMatch(/ask its administrator to add it, or change Lumen's AE title of the connection in Settings, PACS\.$/);
  }, 30_000);

  it('a silent server and a port in use: neutral, with the setting named', async () => {
    const timeout = await pacsError(() => new DimseClient(connection(silentPort), { timeoutMs: 1000 }).echo());
    expect(timeout.message).toMatch(/did not answer a test query \(C-ECHO\) within 1 s: check that the server is up\.$/);
    expect(timeout.hint).toMatchObject({ code: 'allow-longer', setting: 'timeout' });
    expect(cliWords(timeout.message, timeout.hint)).toMatch(/check that the server is up, or allow longer with --timeout\.$/);
    expect(appWords(timeout.message, timeout.hint)).toBe(timeout.message);

    const library = Library.open(path.join(scratch, 'library'));
    try {
      const taken = await pacsError(() => startReceiver(library, { aet: 'LUMEN', port: silentPort, host: '127.0.0.1', allowed: new Set(['X']) }));
      expect(taken.message).toBe(`port ${silentPort} is in use.`);
      expect(taken.hint).toMatchObject({ code: 'port-in-use', setting: 'receiverPort' });
      expect(cliWords(taken.message, taken.hint)).toBe(`port ${silentPort} is in use: choose another with --port.`);
      expect(appWords(taken.message, taken.hint)).toBe(`port ${silentPort} is in use: choose another in the receiver settings.`);
    } finally {
      library.close();
    }

    const query = await pacsError(() => checkQuery({ patientId: 'A\\B' }));
    expect(query.message).toBe('Patient ID holds a backslash, a control character or more than 64 characters.');
    expect(cliWords(query.message, query.hint)).toBe('Patient ID holds a backslash, a control character or more than 64 characters (--patient-id).');
  }, 30_000);

  it('a silent server: the connection test says it did not answer the test query, any other request what it was asked', async () => {
    const web = new DicomWebClient({ name: 'web', kind: 'dicomweb', url: `http://127.0.0.1:${silentPort}/dicom-web`, auth: 'none' }, null, { timeoutMs: 1000 });
    expect((await pacsError(() => web.probe())).message).toBe('PACS "web" did not answer a test query within 1 s: check that the server is up.');
    expect((await pacsError(() => web.searchStudies({}))).message).toBe('PACS "web" did not answer within 1 s when asked to query studies: check that the server is up.');
    const dimse = new DimseClient(connection(silentPort), { timeoutMs: 1000 });
    expect((await pacsError(() => dimse.findStudies({}))).message).toMatch(/^PACS "peer" \(PEER at 127\.0\.0\.1:\d+\) did not answer within 1 s when asked to query studies: check that the server is up\.$/);
    // The wording is the caller's to choose, not read from the words.
    expect(silentServer('PACS "x"', 20, 'answer a test query (C-ECHO)', 'test')).toBe('PACS "x" did not answer a test query (C-ECHO) within 20 s: check that the server is up.');
    expect(silentServer('PACS "x"', 20, 'answer a test query (C-ECHO)', 'request')).toBe('PACS "x" did not answer within 20 s when asked to answer a test query (C-ECHO): check that the server is up.');
  }, 30_000);

  it('a host name that cannot be found is named, with what to check', () => {
    expect(hostNotFound('no-such-host.invalid', 'ENOTFOUND', 'the host name')).toBe('the host "no-such-host.invalid" could not be found. Check the host name.');
    expect(hostNotFound('pacs.example.org', 'EAI_AGAIN', 'the host name in the base URL')).toBe(
      'the host "pacs.example.org" could not be looked up: no name server answered. Check the network and the host name in the base URL, then try again.',
    );
  });

  it('the CLI names the flag; the app, through the engine, names the Settings field and no flag', async () => {
    const dataDir = path.join(scratch, 'data');
    expect((await lumen(dataDir, ['pacs', 'add', '--name', 'peer', '--dimse', `PEER@127.0.0.1:${rejectingPort}`])).code).toBe(0);
    const cli = await lumen(dataDir, ['pacs', 'query', '--pacs', 'peer', '--timeout', '10']);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/refused the association: it does not know the calling AE title "LUMEN"; ask its administrator to add it, or set --calling-aet\./);
    const missing = await lumen(dataDir, ['pacs', 'query', '--pacs', 'nowhere']);
    expect(missing.stderr).toMatch(/no PACS connection named "nowhere" \(there are: peer\): add one with lumen pacs add\./);

    const host = new EngineHost({ dataDir, shell: 'browser' });
    try {
      const { call, failure } = engineRequests(() => host);
      const tested = await call('pacs.test', { name: 'peer' });
      expect(tested.ok).toBe(false);
      expect(tested.message).toMatch(/refused the association: it does not know the calling AE title "LUMEN"; ask its administrator to add it, or change Lumen's AE title of the connection in Settings, PACS\./);
      expect(tested.message).not.toMatch(/--/);
      const query = await failure('pacs.query', { name: 'nowhere', query: {} });
      expect(query).toMatch(/no PACS connection named "nowhere" \(there are: peer\): add one in Settings, PACS\./);
      expect(query).not.toMatch(/--|lumen pacs/);
    } finally {
      await host.close();
    }
  }, 120_000);
});
