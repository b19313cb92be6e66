// Which files a request through the browser bridge may name: the real bridge and engine,
// a real file system (symbolic links included), a real tiny model package.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { bridgeReply, closeBridgeTest } from '../support/bridge-socket';
import { EngineHost } from '../../electron/engine/host';
import { startBridge, type Bridge } from '../../electron/serve/server';
import { trainTinyPackage, writePhantomSeries, type PhantomSeries } from '../support/phantom-series';

const SECRET = 'SECRET-FIRST-LINE-7f3a9c';

describe('paths through the browser bridge', () => {
  let host: EngineHost;
  let bridge: Bridge;
  let dataDir: string;
  let outside: string;
  let chosen: string;
  let series: PhantomSeries;
  let packageDir: string;
  let ws: WebSocket;
  const events: { event: string; payload: any }[] = [];
  let nextId = 1;

  /** One request over the socket; the whole reply. */
  const request = (method: string, input: unknown): Promise<any> => {
    const id = nextId++;
    return bridgeReply(ws, JSON.stringify({ id, method, input }), id);
  };
  const finished = async (jobId: string) => {
    for (;;) {
      const end = events.find((e) => (e.event === 'job.finished' || e.event === 'job.failed') && e.payload.jobId === jobId);
      if (end) return end;
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  /** A refusal that names the path and shows none of the file. */
  const expectRefused = (reply: any, pattern: RegExp) => {
    expect(reply.ok).toBe(false);
    expect(reply.error.message).toMatch(pattern);
    const all = JSON.stringify(reply);
    expect(all).not.toContain(SECRET);
    expect(all).not.toMatch(/root:.*:0:0:/);
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'lumen-paths-data-'));
    outside = mkdtempSync(path.join(os.tmpdir(), 'lumen-paths-outside-'));
    chosen = mkdtempSync(path.join(os.tmpdir(), 'lumen-paths-chosen-'));
    writeFileSync(path.join(outside, 'labels.csv'), `${SECRET},x\nSeriesInstanceUID,label\n`);
    writeFileSync(path.join(outside, 'taken.lumenpkg'), 'keep me');
    series = writePhantomSeries(path.join(chosen, 'series'), 3);
    writeFileSync(path.join(chosen, 'labels.csv'), `SeriesInstanceUID,label\n${series.seriesUid},lesion\n`);
    writeFileSync(path.join(chosen, 'no-header.csv'), `${SECRET},x\n1.2.3,normal\n`);
    writeFileSync(path.join(chosen, 'fake.lumenpkg'), `${SECRET}\n`.repeat(40));
    writeFileSync(path.join(chosen, 'not-uids.csv'), `SeriesInstanceUID,label\n${SECRET},normal\n1.2.3,normal\n`);
    symlinkSync(path.join(outside, 'labels.csv'), path.join(chosen, 'link-out.csv'));
    packageDir = path.join(dataDir, 'models', 'tiny');
    await trainTinyPackage(packageDir, 8);
    host = new EngineHost({ dataDir, shell: 'browser', backend: 'cpu' });
    bridge = await startBridge({ host, staticDir: path.resolve('renderer/dist') });
    ws = await new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(`ws://127.0.0.1:${bridge.port}/rpc?token=${bridge.token}`);
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
    });
    ws.on('message', (d) => {
      const m = JSON.parse(d.toString());
      if (m.event) events.push(m);
    });
  }, 120_000);
  afterAll(() => closeBridgeTest({ ws, bridge, host }, dataDir, outside, chosen));

  it('refuses a label CSV outside the data folder and the chosen folders, showing none of it', async () => {
    expectRefused(await request('training.labels.importCsv', { path: path.join(outside, 'labels.csv') }), /outside the folders this browser session may use/);
    expectRefused(await request('training.labels.importCsv', { path: '/etc/passwd' }), /\/etc\/passwd.*outside/);
    // Not before its folder is imported either.
    expectRefused(await request('training.labels.importCsv', { path: path.join(chosen, 'labels.csv') }), /outside/);
  });

  it('makes an imported folder one the session may name: a CSV inside it is read, a link out of it is not', async () => {
    const started = await request('library.import', { paths: [chosen] });
    expect(started.ok).toBe(true);
    expect((await finished(started.value.jobId)).event).toBe('job.finished');

    const report = await request('training.labels.importCsv', { path: path.join(chosen, 'labels.csv') });
    expect(report).toMatchObject({ ok: true, value: { rows: 1, labelled: { series: 1 } } });
    expectRefused(await request('training.labels.importCsv', { path: path.join(chosen, 'link-out.csv') }), /resolves to .*outside/);
    // Inside the folder but not a label file: the error says where, not what the line holds.
    expectRefused(await request('training.labels.importCsv', { path: path.join(chosen, 'no-header.csv') }), /no-header\.csv/);
    // A row whose UID column holds anything else: its problem names the line, not the text; a real UID may be shown.
    const rows = await request('training.labels.importCsv', { path: path.join(chosen, 'not-uids.csv') });
    expect(rows.ok).toBe(true);
    expect(rows.value.problems).toHaveLength(2);
    expect(rows.value.problems[1].reason).toContain('1.2.3');
    expect(JSON.stringify(rows)).not.toContain(SECRET);
    // A file that is no package: refused without quoting it.
    expectRefused(await request('models.importPackage', { file: path.join(chosen, 'fake.lumenpkg') }), /fake\.lumenpkg/);
    expectRefused(await request('training.importPackage', { file: path.join(chosen, 'fake.lumenpkg') }), /fake\.lumenpkg/);
  });

  it('exports a package only as a new .lumenpkg file inside the allowed folders', async () => {
    const taken = path.join(outside, 'taken.lumenpkg');
    expectRefused(await request('training.exportPackage', { packageDir, file: path.join(outside, 'new.lumenpkg') }), /outside/);
    expect(existsSync(path.join(outside, 'new.lumenpkg'))).toBe(false);
    expectRefused(await request('training.exportPackage', { packageDir, file: path.join(chosen, 'tiny.tar') }), /must end in \.lumenpkg/);
    expectRefused(await request('training.exportPackage', { packageDir, file: path.join(chosen, 'deep', 'er', 'tiny.lumenpkg') }), /does not exist/);
    expect(existsSync(path.join(chosen, 'deep'))).toBe(false);

    const file = path.join(chosen, 'tiny.lumenpkg');
    expect(await request('training.exportPackage', { packageDir, file })).toMatchObject({ ok: true, value: { file } });
    const first = readFileSync(file);
    expectRefused(await request('training.exportPackage', { packageDir, file }), /already exists/);
    expect(readFileSync(file).equals(first)).toBe(true);
    // Through a link that points at a file outside: the link itself exists, and is not followed.
    symlinkSync(taken, path.join(chosen, 'link.lumenpkg'));
    expectRefused(await request('training.exportPackage', { packageDir, file: path.join(chosen, 'link.lumenpkg') }), /already exists/);
    expect(readFileSync(taken, 'utf8')).toBe('keep me');
  });

  it('reads packages and checkpoints only inside the allowed folders', async () => {
    expectRefused(await request('training.evaluate', { packageDir: outside }), /outside/);
    expectRefused(await request('training.importPackage', { file: path.join(outside, 'taken.lumenpkg') }), /outside/);
    expectRefused(await request('models.importPackage', { file: path.join(outside, 'taken.lumenpkg') }), /outside/);
    expectRefused(await request('training.start', { variant: 'b0', name: 'x', out: path.join(outside, 'x') }), /outside/);
    expect(existsSync(path.join(outside, 'x'))).toBe(false);
    mkdirSync(path.join(outside, 'run'), { recursive: true });
    expectRefused(await request('training.resume', { checkpointDir: path.join(outside, 'run') }), /outside/);
  });
});
