// What a sender delivered before its association ended without a release is in the library, and
// counted, as soon as the association ends: dcmtk's storescu --abort (A-ABORT after two instances
// answered Success), a TCP connection cut right after the receiver's first C-STORE-RSP (a proxy
// between storescu and the receiver), and a C-ECHO-only association (echoscu) that says no
// "received 0 images". Both `lumen pacs listen` and the app's receiver in the engine.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeDataSet } from '../e2e/external-dicom-data';
import { tmpDir } from '../library/fixtures';
import { freePort } from '../support/orthanc';
import { json, listen, lumen, useEngineHost } from './support';

const run = promisify(execFile);
const scratch = tmpDir('receive-abort');
let files: { multiframe: string; photo: string };

beforeAll(async () => {
  const set = writeDataSet(path.join(scratch, 'made'));
  const photo = path.join(scratch, 'photo.dcm');
  await run('dcmdjpeg', [set.photo.file, photo]);
  files = { multiframe: set.multiframe.file, photo };
}, 120_000);
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

/** storescu (JPEG-LS proposed besides uncompressed) sending `paths` in one association; `extra` options first. Its exit code. */
async function storescu(calling: string, port: number, paths: string[], extra: string[] = []): Promise<number> {
  try {
    await run('storescu', [...extra, '-xt', '-to', '20', '-ta', '20', '-aet', calling, '-aec', 'LUMEN', '127.0.0.1', String(port), ...paths], { timeout: 60_000 });
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? 1;
  }
}

/**
 * A loopback TCP relay to `target` that cuts both connections (no A-RELEASE, no A-ABORT) as soon as
 * the receiver's first P-DATA-TF PDU (the first C-STORE-RSP) has been passed on to the sender.
 */
async function cuttingProxy(target: number): Promise<{ port: number; close: () => void }> {
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
    client.on('data', (d) => upstream.write(d));
    let pending = Buffer.alloc(0);
    upstream.on('data', (d: Buffer) => {
      client.write(d);
      pending = Buffer.concat([pending, d]);
      // Walk whole PDUs (type, reserved, 4-byte length): type 4 is P-DATA-TF.
      while (pending.length >= 6) {
        const length = pending.readUInt32BE(2);
        if (pending.length < 6 + length) break;
        const type = pending[0];
        pending = pending.subarray(6 + length);
        if (type === 4) {
          client.destroy();
          upstream.destroy();
          return;
        }
      }
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

describe('lumen pacs listen', () => {
  it('imports, counts and says what an aborted association delivered, and says no "received" for a C-ECHO', async () => {
    const port = await freePort();
    const dataDir = path.join(scratch, 'data-listen');
    const library = path.join(scratch, 'library-listen');
    const receiver = await listen(dataDir, ['--aet', 'LUMEN', '--port', String(port), '--library', library, '--allow', 'SENDER']);
    try {
      await run('echoscu', ['-aet', 'SENDER', '-aec', 'LUMEN', '127.0.0.1', String(port)], { timeout: 30_000 });
      await receiver.waitFor(/C-ECHO from "SENDER"/);
      expect(receiver.output()).not.toMatch(/received 0 images/);

      expect(await storescu('SENDER', port, [files.multiframe, files.photo], ['--abort'])).toBe(0);
      await receiver.waitFor(/from "SENDER".*aborted/, 20_000);
      expect(receiver.output()).toContain('received 4 images (2 files) from "SENDER", then it aborted the association.');
      // The receiver still runs: the study is in the library now, not at the next release or at stop.
      const listed = json<{ patients: { instances: number }[] }>(await lumen(dataDir, ['ls', '--library', library, '--json']));
      expect(listed.patients.reduce((n, p) => n + p.instances, 0)).toBe(2);
    } finally {
      expect(await receiver.stop()).toBe(0);
    }
    expect(receiver.output()).toMatch(/^Stopped: 4 images \(2 files\) received, 0 files failed, 0 associations refused\.$/m);
  }, 120_000);
});

describe("the app's receiver", () => {
  const engine = useEngineHost(path.join(scratch, 'data-app'));

  it('imports and counts at once what came before an abort and before a dropped connection', async () => {
    const port = await freePort();
    await engine.call('pacs.receiverSettings', { settings: { aet: 'LUMEN', port, host: '127.0.0.1', allowed: ['MODALITY1'] } });
    expect(await engine.call('pacs.receiverSwitch', { on: true })).toMatchObject({ running: true, error: null });
    const proxy = await cuttingProxy(port);
    try {
      const lineFor = async (pattern: RegExp) => {
        const deadline = Date.now() + 20_000;
        for (;;) {
          const state = await engine.call('pacs.receiver', {});
          const line = state.events.map((e) => e.line).find((l) => pattern.test(l));
          if (line) return { state, line };
          if (Date.now() > deadline) throw new Error(`no line matching ${pattern}: ${JSON.stringify(state.events)}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      };
      expect(await storescu('MODALITY1', port, [files.photo], ['--abort'])).toBe(0);
      const aborted = await lineFor(/aborted/);
      expect(aborted.line).toBe('received 1 image from "MODALITY1", then it aborted the association.');
      expect(aborted.state).toMatchObject({ received: 1, receivedImages: 1, failed: 0 });
      const studies = await engine.call('library.studies', {});
      expect(studies.flatMap((s) => s.series).reduce((n, s) => n + s.instances, 0)).toBe(1);

      // Through the proxy: the multi-frame instance is answered Success, then the connection is cut.
      expect(await storescu('MODALITY1', proxy.port, [files.multiframe, files.photo], ['-nh'])).not.toBe(0);
      const cut = await lineFor(/connection/);
      expect(cut.line).toBe('received 3 images (1 file) from "MODALITY1", then the connection closed without a release.');
      expect(cut.state).toMatchObject({ received: 2, receivedImages: 4 });
      const after = await engine.call('library.studies', {});
      expect(after.flatMap((s) => s.series).reduce((n, s) => n + s.instances, 0)).toBe(2);
    } finally {
      proxy.close();
      await engine.call('pacs.receiverSwitch', { on: false });
    }
  }, 120_000);
});
