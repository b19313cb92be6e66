// UIDs on the real engine process and the browser bridge: a vendor's leading-zero UIDs are filed
// and viewable (they name one image), a corrupt UID keeps its file out with a clear reason, and a
// request that would send a leading-zero UID on to a PACS is refused before any handler runs.
import { mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { EngineHost } from '../../electron/engine/host';
import { startBridge, type Bridge } from '../../electron/serve/server';
import { bridgeReply, closeBridgeTest, openSocket } from '../support/bridge-socket';
import { writeSlice } from '../library/fixtures';

const LEADING_ZERO = { studyUid: '1.2.826.0.1.3680043.10.543.077', seriesUid: '1.2.826.0.1.3680043.10.543.077.01', sopUid: '1.2.826.0.1.3680043.10.543.077.01.1' };
const CORRUPT = { studyUid: '1.2.826.0.1.3680043.10.543.78', seriesUid: '1.2.826.0.1.3680043.10.543..78.1', sopUid: '1.2.826.0.1.3680043.10.543.78.1.1' };

describe('UIDs from outside on the real engine and bridge', () => {
  let dataDir: string;
  let host: EngineHost;
  let bridge: Bridge;
  let ws: WebSocket;
  let nextId = 1;
  const request = (method: string, input: unknown) => {
    const id = nextId++;
    return bridgeReply(ws, JSON.stringify({ id, method, input }), id);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-uid-'));
    const incoming = path.join(dataDir, 'incoming');
    mkdirSync(incoming);
    writeSlice(path.join(incoming, 'vendor.dcm'), { patientName: 'VENDOR^ZERO', patientId: 'UZ1', ...LEADING_ZERO, instanceNumber: 1 });
    writeSlice(path.join(incoming, 'corrupt.dcm'), { patientName: 'CORRUPT^UID', patientId: 'UC1', ...CORRUPT, instanceNumber: 1 });
    host = new EngineHost({ dataDir, shell: 'browser', backend: 'cpu' });
    bridge = await startBridge({ host, staticDir: path.resolve('renderer/dist'), log: () => {} });
    const done = new Promise<any>((resolve) => host.onEvent((event, payload: any) => event === 'job.finished' && resolve(payload.result)));
    const started = await host.request('library.import', { paths: [incoming] });
    expect(started.ok, JSON.stringify(started)).toBe(true);
    const report = await done;
    expect(report.imported).toBe(1);
    expect(report.errors).toEqual([
      {
        file: path.join(incoming, 'corrupt.dcm'),
        kind: 'error',
        reason: 'its Series Instance UID (0020,000E) is not a DICOM UID: it has an empty component (a dot at the start or the end, or two dots in a row). The header is corrupt: export it again from its source.',
      },
    ]);
    ws = await openSocket(`ws://127.0.0.1:${bridge.port}/rpc?token=${bridge.token}`, { origin: `http://127.0.0.1:${bridge.port}` });
  }, 120_000);
  afterAll(() => closeBridgeTest({ ws, bridge, host }, dataDir));

  it('shows a series whose UIDs have leading zeros, as its file has them', async () => {
    const series = await request('library.series', { seriesInstanceUid: LEADING_ZERO.seriesUid });
    expect(series.ok, JSON.stringify(series)).toBe(true);
    expect(series.value.images.map((i: { sopInstanceUid: string }) => i.sopInstanceUid)).toEqual([LEADING_ZERO.sopUid]);
  });

  it('refuses to send a leading-zero UID on to a PACS, saying which field and why', async () => {
    const reply = await request('pacs.retrieve', { name: 'hospital-pacs', studyInstanceUid: LEADING_ZERO.studyUid });
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(reply.error.message).toBe(
      'Invalid input for "pacs.retrieve": studyInstanceUid: a DICOM UID sent to a PACS is digits and dots as PS3.5 §9.1 writes it, at most 64 characters: this one has a component that starts with 0 (only "0" itself may)',
    );
    const series = await request('pacs.series', { name: 'hospital-pacs', studyInstanceUid: '1.2..3' });
    expect(series.error.message).toMatch(/studyInstanceUid: .*this one has an empty component/);
  });

  it('refuses a malformed UID in a library request and stays up', async () => {
    const reply = await request('library.series', { seriesInstanceUid: '.1.2' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(reply.error.message).toMatch(/seriesInstanceUid: a DICOM UID is digits and dots, at most 64 characters: this one has an empty component/);
    expect(await request('engine.ping', { echo: 'still here' })).toMatchObject({ ok: true });
  });
});
