// DICOM TLS on the receiving side: `lumen pacs listen --tls-cert --tls-key --tls-ca` gets what
// a real Orthanc (DicomTlsEnabled, the modality entry with UseDicomTls) and dcmtk's storescu
// (+tls) send; a plain sender and a client certificate from another CA are refused with a
// line saying which; C-MOVE over a TLS connection (--tls-move) gets its transfer over TLS.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHost } from '../../electron/engine/host';
import { Library } from '../../electron/library/library';
import { freePort, generateStudy } from '../support/orthanc';
import { engineRequests, json, listen, lumen, makeCertificates, orthancTlsConfig, usePacsFixture } from './support';

const run = promisify(execFile);
let cert: (file: string) => string = () => '';
let listenPort = 0;
let movePort = 0;

const pacs = usePacsFixture('pacs-tls-receive', {
  orthanc: async (scratch) => {
    cert = makeCertificates(path.join(scratch, 'certs'), ['test', 'other'], { orthanc: 'test', lumen: 'test', sender: 'test', stranger: 'other' });
    listenPort = await freePort();
    movePort = await freePort();
    return {
      // Orthanc sends to both over DICOM TLS: the listener (its own AE title) and C-MOVE's receiver (Lumen's calling AE title).
      modalities: { listener: { aet: 'LUMENRX', port: listenPort, tls: true }, lumen: { aet: 'LUMEN', port: movePort, tls: true } },
      config: orthancTlsConfig(cert),
    };
  },
  studies: [
    { key: 51, patientId: 'PID-TR', patientName: 'Tls^Pushed', accession: 'ACC-TR', studyDate: '20250601', perSeries: 2 },
    { key: 52, patientId: 'PID-TM', patientName: 'Tls^Moved', accession: 'ACC-TM', studyDate: '20250602', seriesCount: 2, perSeries: 2 },
  ],
});

const listenArgs = (library: string) => [
  ...['--aet', 'LUMENRX', '--port', String(listenPort), '--library', library, '--allow', 'ORTHANC', '--allow', 'SENDER'],
  ...['--tls-cert', cert('lumen.crt'), '--tls-key', cert('lumen.key'), '--tls-ca', cert('test-ca.crt')],
];

/** Which of `uids` the library in `dir` holds. */
function filed(dir: string, uids: string[]): string[] {
  const library = Library.open(dir);
  try {
    return [...library.presentInstances(uids)].sort();
  } finally {
    library.close();
  }
}

/** storescu's exit code (0: sent) for `file` sent to the listener as SENDER, with extra options first. */
async function storescu(options: string[], file: string): Promise<number> {
  try {
    await run('storescu', [...options, '-to', '10', '-ta', '10', '-aet', 'SENDER', '-aec', 'LUMENRX', '127.0.0.1', String(listenPort), file], { timeout: 60_000 });
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? 1;
  }
}

let sample: { file: string; sop: string };

beforeAll(() => {
  const { files, study } = generateStudy({ key: 53, patientId: 'PID-TS', patientName: 'Tls^Storescu', accession: 'ACC-TS', studyDate: '20250603', perSeries: 1 });
  sample = { file: path.join(pacs.scratch, 'sample.dcm'), sop: study.series[0].sopUids[0] };
  fs.writeFileSync(sample.file, files[0]);
});

describe('lumen pacs listen over DICOM TLS', () => {
  it('files what Orthanc pushes and what storescu +tls sends; refuses a plain sender and a certificate from another CA', async () => {
    const library = path.join(pacs.scratch, 'library-listen');
    const receiver = await listen(path.join(pacs.scratch, 'data-listen'), listenArgs(library));
    try {
      expect(receiver.output()).toMatch(/port \d+ over DICOM TLS \(client certificates signed by --tls-ca required\)/);
      const pushed = pacs.studies[0];
      const lookup = (await (await pacs.orthanc.rest('POST', '/tools/lookup', pushed.studyUid)).json()) as { ID: string }[];
      const store = await pacs.orthanc.rest('POST', '/modalities/listener/store', lookup[0].ID);
      expect(store.ok, await store.text()).toBe(true);
      await receiver.waitFor(/received 2 images from "ORTHANC"\./);

      expect(await storescu(['+tls', cert('sender.key'), cert('sender.crt'), '+cf', cert('test-ca.crt')], sample.file)).toBe(0);
      await receiver.waitFor(/received 1 image from "SENDER"\./);

      expect(await storescu([], sample.file)).not.toBe(0);
      await receiver.waitFor(/refused a connection from 127\.0\.0\.1: it did not start a TLS handshake \(a plain DICOM association to this DICOM TLS port\?\)/);

      expect(await storescu(['+tls', cert('stranger.key'), cert('stranger.crt'), '+cf', cert('test-ca.crt')], sample.file)).not.toBe(0);
      await receiver.waitFor(/refused a connection from 127\.0\.0\.1: its client certificate is not signed by the receiver's CA file/);

      expect(await storescu(['+tla', '+cf', cert('test-ca.crt')], sample.file)).not.toBe(0);
      await receiver.waitFor(/refused a connection from 127\.0\.0\.1: it sent no client certificate/);
    } finally {
      expect(await receiver.stop()).toBe(0);
    }
    expect(receiver.output()).toMatch(/Stopped: 3 images received, 0 files failed, 3 associations refused\./);
    expect(receiver.output()).not.toMatch(/Tls\^|PID-T|Error:/);
    expect(filed(library, [...pacs.studies[0].series[0].sopUids, sample.sop])).toEqual([...pacs.studies[0].series[0].sopUids, sample.sop].sort());
  }, 150_000);

  it('checks the TLS options before listening', async () => {
    const data = path.join(pacs.scratch, 'data-options');
    const half = await lumen(data, ['pacs', 'listen', '--allow', 'X', '--tls-cert', cert('lumen.crt')]);
    expect(half.code).toBe(2);
    expect(half.stderr).toMatch(/a TLS receiver needs --tls-cert and --tls-key/);
    const missing = await lumen(data, ['pacs', 'listen', '--allow', 'X', '--tls-cert', cert('lumen.crt'), '--tls-key', cert('nope.key')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--tls-key .*nope\.key: no such file or folder/);
  }, 60_000);
});

describe('C-MOVE with its transfer over DICOM TLS', () => {
  it('a --tls-move connection receives the study Orthanc moves over TLS', async () => {
    const data = path.join(pacs.scratch, 'data-move');
    const address = `${pacs.orthanc.aet}@127.0.0.1:${pacs.orthanc.dicomPort}`;
    const tls = ['--tls', '--tls-ca', cert('test-ca.crt'), '--tls-cert', cert('lumen.crt'), '--tls-key', cert('lumen.key')];
    const add = await lumen(data, ['pacs', 'add', '--name', 'secure', '--dimse', address, '--calling-aet', 'LUMEN', ...tls, '--tls-move']);
    expect(add.code, add.stderr).toBe(0);
    const moved = pacs.studies[1];
    const library = path.join(pacs.scratch, 'library-move');
    const report = json(await lumen(data, ['pacs', 'retrieve', '--pacs', 'secure', moved.studyUid, '--via', 'move', '--port', String(movePort), '--host', '127.0.0.1', '--library', library, '--json']));
    expect(report).toMatchObject({ listed: 4, received: 4, failed: 0, stopped: null });

    // The same connection without --tls-move: a plain receiver, which Orthanc's TLS transfer cannot reach.
    expect((await lumen(data, ['pacs', 'add', '--name', 'plain-move', '--dimse', address, '--calling-aet', 'LUMEN', ...tls])).code).toBe(0);
    const plainLibrary = path.join(pacs.scratch, 'library-move-plain');
    const refused = await lumen(data, ['pacs', 'retrieve', '--pacs', 'plain-move', moved.studyUid, '--via', 'move', '--port', String(movePort), '--host', '127.0.0.1', '--library', plainLibrary, '--timeout', '20', '--json']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ listed: 4, received: 0 });

    const halfMove = await lumen(data, ['pacs', 'add', '--name', 'x', '--dimse', address, '--tls', '--tls-ca', cert('test-ca.crt'), '--tls-move']);
    expect(halfMove.code).toBe(2);
    expect(halfMove.stderr).toMatch(/--tls-move needs --tls-cert and --tls-key/);
  }, 150_000);
});

describe("the app's receiver over DICOM TLS", () => {
  let host: EngineHost | undefined;
  const { call } = engineRequests(() => host!);
  afterAll(async () => {
    await host?.close();
  });

  it('lumen pacs receiver sets TLS; the switch then listens over TLS, files what Orthanc pushes and logs a plain sender', async () => {
    const dataDir = path.join(pacs.scratch, 'data-app');
    const set = await lumen(dataDir, ['pacs', 'receiver', '--tls-cert', cert('lumen.crt'), '--tls-key', cert('lumen.key'), '--tls-ca', cert('test-ca.crt')]);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/DICOM TLS, client certificates signed by the CA file required/);
    host = new EngineHost({ dataDir, shell: 'browser' });
    // The page's fields change; the TLS files stay (no path comes from the page).
    const saved = await call('pacs.receiverSettings', { settings: { aet: 'LUMENRX', port: listenPort, host: '127.0.0.1', allowed: ['ORTHANC', 'SENDER'] } });
    expect(saved.tls).toBe('client-certificates');
    expect(JSON.stringify(saved)).not.toContain(cert('lumen.key'));
    const on = await call('pacs.receiverSwitch', { on: true });
    expect(on).toMatchObject({ running: true, error: null });
    expect(on.events[0].line).toMatch(/port \d+ over DICOM TLS\.$/);

    const pushed = pacs.studies[0];
    const lookup = (await (await pacs.orthanc.rest('POST', '/tools/lookup', pushed.studyUid)).json()) as { ID: string }[];
    const store = await pacs.orthanc.rest('POST', '/modalities/listener/store', lookup[0].ID);
    expect(store.ok, await store.text()).toBe(true);
    expect(await storescu([], sample.file)).not.toBe(0);
    let state = await call('pacs.receiver', {});
    for (const deadline = Date.now() + 30_000; (state.received < 2 || state.refusedAssociations < 1) && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, 200));
      state = await call('pacs.receiver', {});
    }
    expect(state).toMatchObject({ received: 2, failed: 0, refusedAssociations: 1, tls: 'client-certificates' });
    expect(state.events.map((e) => e.line)).toContainEqual(expect.stringMatching(/refused a connection from 127\.0\.0\.1: it did not start a TLS handshake/));
    await call('pacs.receiverSwitch', { on: false });

    const off = await lumen(dataDir, ['pacs', 'receiver', '--no-tls', '--json']);
    expect(json(off)).toMatchObject({ aet: 'LUMENRX', port: listenPort, tls: null });
    expect((await call('pacs.receiver', {})).tls).toBe('off');
  }, 150_000);
});
